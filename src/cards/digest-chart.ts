import type { DigestSection } from './card-views.js';
import { formatUsd } from './card-format.js';
import { truncate } from './truncate.js';

/** Width of the longest bar, in block characters. */
const BAR_WIDTH = 20;
const LABEL_WIDTH = 16;

/**
 * A digest chart as monospace text bars — for Slack and Teams, which show no charts in a message:
 * `finance          ████████░░  $117.57 (avg $102.34)`. The filled part is the day, the light part
 * reaches the average when the day was below it.
 */
export function chartLines(chart: NonNullable<DigestSection['chart']>, maxBars: number): string[] {
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
