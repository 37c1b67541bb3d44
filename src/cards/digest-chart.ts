import type { DigestCardView, DigestSection } from './card-views.js';
import { formatUsd } from './card-format.js';
import type { CostChart } from './cost-chart.js';
import { truncate } from './truncate.js';

type DigestChart = NonNullable<DigestSection['chart']>;

/** Width of the longest bar, in block characters. */
const BAR_WIDTH = 20;
const LABEL_WIDTH = 16;

/**
 * A digest chart as monospace text bars — where no image can be shown (the terminal's `--print`, a
 * card without a chart URL): `finance          ████████░░  $117.57 (avg $102.34)`. The filled part is
 * the day, the light part reaches the average when the day was below it.
 */
export function chartLines(chart: DigestChart, maxBars: number): string[] {
  const bars = chart.bars.slice(0, maxBars);
  const top = Math.max(0, ...bars.map((b) => Math.max(b.value, b.baseline ?? 0)));
  const cells = (usd: number) => (top === 0 ? 0 : Math.round((usd / top) * BAR_WIDTH));
  const lines = bars.map((b) => {
    const filled = cells(b.value);
    const rest = Math.max(0, cells(b.baseline ?? 0) - filled);
    const label = truncate(b.label, LABEL_WIDTH).padEnd(LABEL_WIDTH);
    const bar = `${'█'.repeat(filled)}${'░'.repeat(rest)}`.padEnd(BAR_WIDTH);
    const avg = b.baseline === null ? '' : ` (avg ${formatUsd(b.baseline)})`;
    return `${label} ${bar} ${formatUsd(b.value)}${avg}`;
  });
  if (chart.bars.length > bars.length) lines.push(`and ${chart.bars.length - bars.length} more`);
  return lines;
}

/** The digest chart as the one chart renderer draws it (`cost-chart.ts`): day and average per team. */
export function digestChartOf(chart: Pick<DigestChart, 'title' | 'bars'>): CostChart {
  return {
    kind: 'teams',
    title: chart.title,
    bars: chart.bars.map((b) => ({ label: b.label, usd: b.value, averageUsd: b.baseline })),
  };
}

/** The chart's alt text: its figures in words, for screen readers and clients without images. */
export function digestChartAltText(chart: DigestChart): string {
  const bars = chart.bars
    .map(
      (b) =>
        `${b.label} ${formatUsd(b.value)}${b.baseline === null ? '' : ` (avg ${formatUsd(b.baseline)})`}`,
    )
    .join(', ');
  return `${chart.title}: ${bars}`.slice(0, 1000);
}

/** The digest's first chart with bars to draw, if it has one. */
export function firstDigestChart(view: DigestCardView): DigestChart | null {
  return view.sections.find((s) => s.chart !== null && s.chart.bars.length > 0)?.chart ?? null;
}
