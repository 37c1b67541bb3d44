import { createRequire } from 'node:module';
import type { TopLevelSpec } from 'vega-lite';

/**
 * The spend charts dbxops draws — a cost card's daily spend, and the digest's day against the average
 * per team: a Vega-Lite spec, rendered to SVG by Vega on the server (`view.toSVG()`, no browser or
 * canvas) and rasterised to PNG by resvg. resvg is given DejaVu Sans from the `dejavu-fonts-ttf`
 * package and no system fonts, so a chart looks the same on a laptop and on a fresh Debian container
 * that has no fonts at all. One renderer for both: only the spec differs.
 *
 * Vega, Vega-Lite and resvg are loaded with the first chart drawn, not with the module: most processes
 * never draw one (`dbxops eval`, a worker), and the three held ~9 MB of heap and ~30 MB resident.
 */

interface ChartDay {
  /** `YYYY-MM-DD` in the workspace's time zone. */
  readonly day: string;
  readonly usd: number;
}

/** A cost card's chart: one bar per day. */
interface DailySpendChart {
  readonly kind: 'daily';
  readonly title: string;
  readonly days: readonly ChartDay[];
}

/** One team's bar pair in the digest: the reported day, and its trailing average (null: no history). */
interface TeamBar {
  readonly label: string;
  readonly usd: number;
  readonly averageUsd: number | null;
}

/** The digest's chart: per team, the day's spend beside the trailing average. */
interface TeamSpendChart {
  readonly kind: 'teams';
  readonly title: string;
  readonly bars: readonly TeamBar[];
}

export type CostChart = DailySpendChart | TeamSpendChart;

/** The chart's size in CSS pixels; the PNG is rendered at twice this for sharp text on retina screens. */
export const CHART_SIZE = { width: 800, height: 320, pixelRatio: 2 } as const;

const FONT = 'DejaVu Sans';
const fontFile = createRequire(import.meta.url).resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf');
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "Nov 16" for `2026-11-16`: the x axis reads in days, without a time zone shifting them. */
function dayLabel(day: string): string {
  const [, month, date] = day.split('-');
  return `${MONTHS[Number(month) - 1] ?? month} ${Number(date)}`;
}

const cents = (usd: number) => Math.round(usd * 100) / 100;

/** What every chart shares: size, title, font, background. */
function frame(title: string) {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title.slice(0, 120), anchor: 'start', fontSize: 15 },
    width: CHART_SIZE.width,
    height: CHART_SIZE.height,
    autosize: { type: 'fit', contains: 'padding' },
    padding: 12,
    background: 'white',
    config: { font: FONT, view: { stroke: null }, axis: { labelFontSize: 12, titleFontSize: 12 } },
  } as const;
}

/** The Vega-Lite spec of the chart: dollars on the y axis; days, or teams with two bars each, on x. */
export function costChartSpec(chart: CostChart): TopLevelSpec {
  return chart.kind === 'daily' ? dailySpec(chart) : teamsSpec(chart);
}

function dailySpec(chart: DailySpendChart): TopLevelSpec {
  return {
    ...frame(chart.title),
    data: {
      values: chart.days.map((d) => ({
        day: d.day,
        label: dayLabel(d.day),
        usd: cents(d.usd),
      })),
    },
    mark: { type: 'bar', color: '#2f6fdf', cornerRadiusEnd: 2 },
    encoding: {
      x: {
        field: 'label',
        type: 'ordinal',
        sort: { field: 'day' },
        title: null,
        axis: { labelAngle: chart.days.length > 14 ? -45 : 0, labelOverlap: 'greedy' },
      },
      y: { field: 'usd', type: 'quantitative', title: 'USD', axis: { format: '$,.0f' } },
      tooltip: [
        { field: 'day', type: 'ordinal' },
        { field: 'usd', type: 'quantitative', format: '$,.2f' },
      ],
    },
  };
}

const DAY_SERIES = 'reported day';
const AVERAGE_SERIES = 'average';

/** Teams on x in the order given, each with the day's bar and, beside it, the average's lighter bar. */
function teamsSpec(chart: TeamSpendChart): TopLevelSpec {
  const values = chart.bars.flatMap((b, i) => [
    { order: i, team: b.label, series: DAY_SERIES, usd: cents(b.usd) },
    ...(b.averageUsd === null
      ? []
      : [{ order: i, team: b.label, series: AVERAGE_SERIES, usd: cents(b.averageUsd) }]),
  ]);
  return {
    ...frame(chart.title),
    data: { values },
    mark: { type: 'bar', cornerRadiusEnd: 2 },
    encoding: {
      x: {
        field: 'team',
        type: 'nominal',
        sort: { field: 'order' },
        title: null,
        axis: { labelAngle: chart.bars.length > 8 ? -45 : 0, labelLimit: 140 },
      },
      xOffset: { field: 'series', type: 'nominal', sort: [DAY_SERIES, AVERAGE_SERIES] },
      y: { field: 'usd', type: 'quantitative', title: 'USD', axis: { format: '$,.0f' } },
      color: {
        field: 'series',
        type: 'nominal',
        scale: { domain: [DAY_SERIES, AVERAGE_SERIES], range: ['#2f6fdf', '#b9cdf2'] },
        legend: { title: null, orient: 'top' },
      },
      tooltip: [
        { field: 'team', type: 'nominal' },
        { field: 'series', type: 'nominal' },
        { field: 'usd', type: 'quantitative', format: '$,.2f' },
      ],
    },
  };
}

/** The chart as SVG text, computed by Vega without a browser. */
export async function renderCostChartSvg(chart: CostChart): Promise<string> {
  const [{ parse, View }, { compile }] = await Promise.all([import('vega'), import('vega-lite')]);
  const view = new View(parse(compile(costChartSpec(chart)).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** The chart as a PNG of `CHART_SIZE` × `pixelRatio`. */
export async function renderCostChartPng(chart: CostChart): Promise<Buffer> {
  const [svg, { Resvg }] = await Promise.all([renderCostChartSvg(chart), import('@resvg/resvg-js')]);
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'width', value: CHART_SIZE.width * CHART_SIZE.pixelRatio },
    font: { fontFiles: [fontFile], loadSystemFonts: false, defaultFontFamily: FONT },
    background: 'white',
  });
  return resvg.render().asPng();
}
