import { median, type SampleWindow } from './sample-window.js';
import { deadlinesAround } from '../../domain/zoned-time.js';

/**
 * When a table's writer has usually started by, learned from its own runs: the evidence a senior SRE
 * reads first on a quiet morning ("the 06:00 pull usually starts by 06:05 and has not started today").
 * Judged per cycle of the table's daily deadline (the time from one deadline to the next), as the lead
 * of the job's first start before the deadline that closes the cycle: a job at 06:00 for an 08:00
 * deadline leads by two hours on every day, across a DST change too.
 */

/** Cycles looked back on to know a daily writer: a week, so a job that skips weekends or a weekday shows the gap. */
const CYCLES = 7;
/**
 * Cycles whose starts say when it has usually started by: two weeks, where the samples reach back so
 * far. A week can hold six early days of a file that lands any time in its hour; two seldom do.
 */
const LOOK_BACK = 2 * CYCLES;
/** Of those, the cycles it must have started in: all but one (a failed run leaves no sample). */
const MIN_STARTED = CYCLES - 1;
/** How much later than its median start the writer may have started on all but its latest day, to be regular. */
const MAX_SPREAD_MS = 30 * 60_000;
/**
 * Or the window all but its earliest and latest days' starts fell within, to be regular: two hours, so a
 * job started by a file that lands any time in an hour-long window (06:00 one day, 06:55 the next) is
 * still awaited; a job run by hand whenever someone gets to it is not.
 */
const MAX_WINDOW_MS = 2 * 3_600_000;
/** Least grace past the usual start before not having started is evidence. */
export const START_GRACE_MS = 15 * 60_000;

/** When a writer has usually started by in a cycle, and how long past it not having started is evidence. */
export interface UsualStart {
  /** The instant, in the cycle judged, by which it has usually started (its second-latest start of the week). */
  readonly by: number;
  /**
   * The grace past `by`: `START_GRACE_MS`, or half of how much later than its median start `by` lies,
   * when that is more. A writer whose start wanders within a window (a file that lands between 06:00 and
   * 07:00) is given the more, so a day late within its window is no evidence on a healthy morning.
   */
  readonly graceMs: number;
}

const DAY_MS = 86_400_000;

/**
 * The instant of the cycle ending at `next` by which the job of `starts` (its successful runs,
 * `[runId, startTime, seconds]`) has usually started: the second-latest of its first starts over the last
 * two weeks of cycles (as far as the samples reach), so one late day is forgiven, with the grace past it
 * (`UsualStart`). Undefined unless it
 * is a daily writer: started in six of the last seven cycles, in the cycle a week before this one (so a
 * job that skips Sundays is not awaited on one), and either on all but its latest day within half an hour
 * of its median start, or on all but its earliest and latest days within two hours of each other —
 * scheduled, or started by a file that lands at about the same time every day.
 */
export function usualStartBy(
  starts: SampleWindow | undefined,
  previous: number,
  next: number,
  deadline: string,
  timeZone: string,
): UsualStart | undefined {
  const samples = starts?.samples ?? [];
  if (samples.length < MIN_STARTED) return undefined;
  // The deadlines closing each past cycle, newest first: `ends[k]` closes cycle k + 1 back.
  const ends = [previous];
  for (let k = 1; k <= LOOK_BACK; k++)
    ends.push(deadlinesAround(previous - k * DAY_MS + 3 * 3_600_000, deadline, timeZone).previous);
  const leads: number[] = [];
  let lastWeek = 0;
  let weekAgo = false;
  for (let k = 0; k < LOOK_BACK; k++) {
    const end = ends[k]!;
    const begin = ends[k + 1]!;
    let first: number | undefined;
    for (const [, at] of samples)
      if (at > begin && at <= end && (first === undefined || at < first)) first = at;
    if (first === undefined) continue;
    leads.push(end - first);
    if (k < CYCLES) lastWeek++;
    if (k === CYCLES - 1) weekAgo = true;
  }
  if (lastWeek < MIN_STARTED || !weekAgo) return undefined;
  // Smallest lead first: the latest starts.
  leads.sort((a, b) => a - b);
  const by = leads[1]!;
  const spread = median(leads) - by;
  const window = leads[leads.length - 2]! - by;
  if (spread > MAX_SPREAD_MS && window > MAX_WINDOW_MS) return undefined;
  return { by: next - by, graceMs: Math.max(START_GRACE_MS, spread / 2) };
}

/** Of a writer's gaps between starts, the share that must lie within a quarter of their median, to be regular. */
const REGULAR_SHARE = 0.8;

/**
 * The usual time between a writer's starts (`starts`: its successful runs, `[runId, startTime, seconds]`),
 * for a table held to a maximum age rather than a time of day: the median gap, when at least `minGaps` gaps
 * are known and four in five lie within a quarter of it (an hourly job that skips a night is still
 * hourly). Undefined for a writer started at no regular interval (on demand, on file arrival).
 */
export function usualInterval(starts: SampleWindow | undefined, minGaps: number): number | undefined {
  const at = (starts?.samples ?? []).map(([, t]) => t).sort((a, b) => a - b);
  const gaps = at.slice(1).map((t, i) => t - at[i]!);
  if (gaps.length < minGaps) return undefined;
  const usual = median(gaps);
  if (!(usual > 0)) return undefined;
  const regular = gaps.filter((g) => Math.abs(g - usual) <= usual / 4).length;
  return regular >= REGULAR_SHARE * gaps.length ? usual : undefined;
}
