const HOUR = 3_600_000;

/**
 * Splits [from, to) at whole UTC hours, the way Databricks slices timeline and billing rows.
 * A zero-length interval (a run that never started) is one slice with start = end.
 */
export function hourSlices(from: number, to: number): [number, number][] {
  if (to <= from) return [[from, from]];
  const slices: [number, number][] = [];
  let cursor = from;
  while (cursor < to) {
    const next = Math.min(to, (Math.floor(cursor / HOUR) + 1) * HOUR);
    slices.push([cursor, next]);
    cursor = next;
  }
  return slices;
}

let lastDay = Number.NaN;
let lastDate = '';

/** `'YYYY-MM-DD'` (UTC) for a date column. Memoised per day: the hot path formats millions. */
export function isoDate(ms: number): string {
  const day = Math.floor(ms / 86_400_000);
  if (day !== lastDay) {
    lastDay = day;
    lastDate = new Date(day * 86_400_000).toISOString().slice(0, 10);
  }
  return lastDate;
}
