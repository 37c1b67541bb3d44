import { createRequire } from 'node:module';
import { Resvg } from '@resvg/resvg-js';
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/**
 * The daily-spend chart of a cost card: a Vega-Lite spec, rendered to SVG by Vega on the server
 * (`view.toSVG()`, no browser or canvas) and rasterised to PNG by resvg. resvg is given DejaVu Sans
 * from the `dejavu-fonts-ttf` package and no system fonts, so the chart looks the same on a laptop and
 * on a fresh Debian container that has no fonts at all.
 */

interface ChartDay {
  /** `YYYY-MM-DD` in the workspace's time zone. */
  readonly day: string;
  readonly usd: number;
}

export interface CostChart {
  readonly title: string;
  readonly days: readonly ChartDay[];
}

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

/** The Vega-Lite spec of the chart: one bar per day, dollars on the y axis. */
export function costChartSpec(chart: CostChart): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: chart.title.slice(0, 120), anchor: 'start', fontSize: 15 },
    width: CHART_SIZE.width,
    height: CHART_SIZE.height,
    autosize: { type: 'fit', contains: 'padding' },
    padding: 12,
    background: 'white',
    data: {
      values: chart.days.map((d) => ({
        day: d.day,
        label: dayLabel(d.day),
        usd: Math.round(d.usd * 100) / 100,
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
    config: { font: FONT, view: { stroke: null }, axis: { labelFontSize: 12, titleFontSize: 12 } },
  };
}

/** The chart as SVG text, computed by Vega without a browser. */
export async function renderCostChartSvg(chart: CostChart): Promise<string> {
  const view = new View(parse(compile(costChartSpec(chart)).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** The chart as a PNG of `CHART_SIZE` × `pixelRatio`. */
export async function renderCostChartPng(chart: CostChart): Promise<Buffer> {
  const svg = await renderCostChartSvg(chart);
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'width', value: CHART_SIZE.width * CHART_SIZE.pixelRatio },
    font: { fontFiles: [fontFile], loadSystemFonts: false, defaultFontFamily: FONT },
    background: 'white',
  });
  return resvg.render().asPng();
}
