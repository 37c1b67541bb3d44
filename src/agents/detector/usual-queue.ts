import { z } from 'zod';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** Earlier days a warehouse's usual queue is read from. */
const USUAL_QUEUE_DAYS = 14;
/**
 * Earlier days with statements on the warehouse before its usual queue is trusted: a day or two can
 * be a storm's day, and a warehouse new to its load has no usual yet.
 */
const USUAL_QUEUE_MIN_DAYS = 3;

/** One statement of the past that waited at capacity: from when, and for how long. */
export interface PastWait {
  readonly queuedAt: number;
  readonly waitMs: number;
}

/** An instant range, `from` inclusive, `to` exclusive. */
export interface TimeRange {
  readonly from: number;
  readonly to: number;
}

/**
 * The stretches of earlier days a queue at `now` is compared with: on each of the `USUAL_QUEUE_DAYS`
 * days before, the clock hour `now` falls in with an hour either side. The same UTC time of day, so
 * it needs no time zone, and wide enough that a daily peak a DST change moves by an hour stays in it.
 * Newest day first.
 */
export function usualQueueRanges(now: number): readonly TimeRange[] {
  const hour = Math.floor(now / HOUR_MS) * HOUR_MS;
  return Array.from({ length: USUAL_QUEUE_DAYS }, (_, i) => {
    const day = hour - (i + 1) * DAY_MS;
    return { from: day - HOUR_MS, to: day + 2 * HOUR_MS };
  });
}

/** How a warehouse's queue at capacity usually stands at this time of day. */
export const usualQueueSchema = z.object({
  /** Earlier days it was judged on (days with statements on the warehouse, queued or not). */
  days: z.number().int().nonnegative(),
  /** The deepest queue at once that at least half of those days reached in their stretch. */
  queuedQueries: z.number().int().nonnegative(),
  /** The longest wait at capacity that at least half of those days reached in their stretch. */
  maxQueuedMs: z.number().int().nonnegative(),
});
export type UsualQueue = z.output<typeof usualQueueSchema>;

/**
 * A warehouse's usual queue at `now` from its past waits at capacity (`system.query.history`: start
 * plus `waiting_for_compute_duration_ms`, `waiting_at_capacity_duration_ms`) and its first statement
 * (within the days read), or undefined when fewer than `USUAL_QUEUE_MIN_DAYS` earlier days have any.
 * Each day's peak is the deepest queue at once in its stretch (`usualQueueRanges`); the usual is the
 * median of the days' peaks, so a storm on one earlier day does not make the next storm usual.
 */
export function usualQueueOf(
  waits: readonly PastWait[],
  firstStatementAt: number | undefined,
  now: number,
): UsualQueue | undefined {
  if (firstStatementAt === undefined) return undefined;
  const ranges = usualQueueRanges(now).filter((r) => r.to > firstStatementAt);
  if (ranges.length < USUAL_QUEUE_MIN_DAYS) return undefined;
  const depths: number[] = [];
  const longest: number[] = [];
  for (const range of ranges) {
    const inRange = waits.filter((w) => w.waitMs > 0 && w.queuedAt >= range.from && w.queuedAt < range.to);
    depths.push(deepestAtOnce(inRange));
    longest.push(Math.max(0, ...inRange.map((w) => w.waitMs)));
  }
  return { days: ranges.length, queuedQueries: upperMedian(depths), maxQueuedMs: upperMedian(longest) };
}

/** The most waits in progress at one instant: a wait ending as another begins is not counted with it. */
function deepestAtOnce(waits: readonly PastWait[]): number {
  const edges = waits.flatMap((w): [number, number][] => [
    [w.queuedAt, 1],
    [w.queuedAt + w.waitMs, -1],
  ]);
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let depth = 0;
  let deepest = 0;
  for (const [, step] of edges) {
    depth += step;
    deepest = Math.max(deepest, depth);
  }
  return deepest;
}

/** The value at least half of `values` reach. */
function upperMedian(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}
