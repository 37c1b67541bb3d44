/**
 * A small serialisable history for robust baselines: the most recent samples as `[id, at, value]`,
 * ordered by time. Recording is idempotent by id, so a run or load observed twice counts once, and a
 * sample is always judged against the samples before it, never against itself.
 */
export interface SampleWindow {
  readonly samples: readonly (readonly [id: string, at: number, value: number])[];
}

/** Adds samples (replacing any with the same id), keeps the newest `maxSamples`. */
export function recordSamples(
  window: SampleWindow | undefined,
  added: readonly (readonly [string, number, number])[],
  maxSamples: number,
): SampleWindow {
  const byId = new Map((window?.samples ?? []).map((s) => [s[0], s] as const));
  for (const s of added) if (Number.isFinite(s[2])) byId.set(s[0], s);
  const samples = [...byId.values()].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1));
  return { samples: samples.slice(-maxSamples) };
}

/** The values recorded strictly before `at`, excluding `id` itself, oldest first. */
export function valuesBefore(window: SampleWindow | undefined, id: string, at: number): number[] {
  return (window?.samples ?? []).filter((s) => s[0] !== id && s[1] < at).map((s) => s[2]);
}

/** The median; NaN for an empty list. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Median absolute deviation scaled by 1.4826, so that for normally distributed data it estimates the
 * standard deviation while one outlier in the history barely moves it.
 */
export function scaledMad(values: readonly number[]): number {
  const m = median(values);
  return 1.4826 * median(values.map((v) => Math.abs(v - m)));
}

/** Student's t quantile at 0.999 for 1–10 degrees of freedom. */
const T_999 = [318.31, 22.327, 10.215, 7.173, 5.893, 5.208, 4.785, 4.501, 4.297, 4.144];
/** The standard normal quantile at 0.999. */
const Z_999 = 3.0902323;

/** Student's t quantile at 0.999 for `df` degrees of freedom (the Cornish–Fisher series past the table, within 0.01). */
function t999(df: number): number {
  if (df <= T_999.length) return T_999[Math.max(1, df) - 1]!;
  const z = Z_999;
  return (
    z +
    (z ** 3 + z) / (4 * df) +
    (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * df ** 2) +
    (3 * z ** 7 + 19 * z ** 5 + 17 * z ** 3 - 15 * z) / (384 * df ** 3) +
    (79 * z ** 9 + 776 * z ** 7 + 1482 * z ** 5 - 1920 * z ** 3 - 945 * z) / (92_160 * df ** 4)
  );
}

/**
 * How many median absolute deviations from the median of `n` earlier values a new one must lie before
 * fewer than one ordinary value in a thousand would lie as far on that side: the one-sided 99.9 %
 * Student's t prediction bound, t(n−1) · σ · √(1 + 1/n), with σ estimated robustly as 1.4826 MAD. A
 * few values measure their own spread poorly, and t widens the bound by that uncertainty: 9.4 MADs
 * for six values, 6.4 for eleven, 4.8 for sixty. One false card in a thousand loads is about one a
 * month and a half for an hourly table; the bar of about three MADs it replaces raised two or so a week
 * on an hourly table whose loads vary by ±10–20 %.
 */
export function outlierMads(n: number): number {
  return t999(n - 1) * 1.4826 * Math.sqrt(1 + 1 / n);
}

/**
 * Whether `value` lies outside the 99.9 % Student's t prediction bound, on either side, of a few positive
 * `values` taken as multiplicative noise: on their logarithms, t(n−1) · s · √(1 + 1/n), with s their
 * sample standard deviation and never below `minLogSd`. For a handful of values, where a MAD (three of
 * five alike) can come out near zero by chance: the standard deviation uses every value, and t widens the
 * bound by how poorly so few measure their own spread (5.6 standard deviations for seven values). On
 * logarithms a feed's ±30 % reads as a spread of its own size whether it writes thousands or millions,
 * and a bound under zero rows cannot happen. Needs at least two values.
 */
export function outsideLogPrediction(values: readonly number[], value: number, minLogSd = 0): boolean {
  const logs = values.map(Math.log);
  const n = logs.length;
  const mean = logs.reduce((a, b) => a + b, 0) / n;
  const variance = logs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1);
  const sd = Math.max(Math.sqrt(variance), minLogSd);
  return Math.abs(Math.log(value) - mean) > t999(n - 1) * sd * Math.sqrt(1 + 1 / n);
}
