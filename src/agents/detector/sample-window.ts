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
