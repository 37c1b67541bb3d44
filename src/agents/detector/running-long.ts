import type { Thresholds } from '../../config/policy.js';
import { median, scaledMad } from './sample-window.js';

/**
 * What "running long" means for a job run or a pipeline update, judged against the durations (seconds)
 * of its own earlier successful runs. Two bars: an anomaly of its own (a card even with no deadline
 * near), and the lower bar of evidence against a deadline that is already near.
 */

/** Late against a deadline: three robust spreads past the median, and 20 % at least. */
const LATE_MADS = 3;
const LATE_MIN_RATIO = 1.2;

/** The usual duration of `history`; undefined when fewer than `minHistory` samples or no time at all. */
export function usualSeconds(history: readonly number[], minHistory: number): number | undefined {
  if (history.length < minHistory) return undefined;
  const usual = median(history);
  return usual > 0 ? usual : undefined;
}

/**
 * Seconds from which a duration is an anomaly of its own: at or above `median + k·MAD`,
 * `thresholds.duration_spike × median`, and `duration_min_extra_minutes` more than the median (a
 * 3-minute job that took 7 after a cold start matters to nobody).
 */
export function anomalyLimit(
  history: readonly number[],
  usual: number,
  thresholds: Pick<Thresholds, 'duration_spike' | 'duration_min_extra_minutes'>,
  madK: number,
): number {
  return Math.max(
    usual + madK * scaledMad(history),
    thresholds.duration_spike * usual,
    usual + thresholds.duration_min_extra_minutes * 60,
  );
}

/** Seconds past which a run or update still in flight is evidence that a deadline downstream is at risk. */
export function lateLimit(history: readonly number[], usual: number): number {
  return Math.max(usual + LATE_MADS * scaledMad(history), LATE_MIN_RATIO * usual);
}

/** A duration in words for a card: seconds under two minutes, else minutes. */
export function formatMinutes(seconds: number): string {
  return seconds < 120 ? `${Math.round(seconds)} s` : `${Math.round(seconds / 60)} min`;
}
