import { maxAgeText, spanText } from '../domain/duration.js';

const MINUTE = 60_000;

/** How close the deadline is; renderers colour by it. `due_soon` is the last 30 minutes. */
type SlaStatus = 'none' | 'on_track' | 'due_soon' | 'missed';

export interface SlaCountdown {
  readonly status: SlaStatus;
  /**
   * "SLA in 42 min", "SLA missed 12 min ago", "No SLA"; for a maximum-age SLA, "SLA: must be at most 2 h
   * old; 2 h 40 min old now".
   */
  readonly text: string;
}

const DUE_SOON_MS = 30 * MINUTE;

/**
 * The SLA as a countdown relative to `nowMs` (injected: cards are rendered again on every refresh, and
 * tests pin time). Rounds down, so "in 42 min" never promises more time than there is. With
 * `maxAgeMinutes` the SLA is a maximum age and `deadlineMs` the moment the table passes it (its last
 * write plus that age): it says how old the table may be and is, not a time of day nobody promised.
 */
export function slaCountdown(
  deadlineMs: number | null,
  nowMs: number,
  maxAgeMinutes: number | null = null,
): SlaCountdown {
  if (deadlineMs === null) return { status: 'none', text: 'No SLA' };
  const left = deadlineMs - nowMs;
  const status = left <= 0 ? 'missed' : left <= DUE_SOON_MS ? 'due_soon' : 'on_track';
  if (maxAgeMinutes !== null)
    return { status, text: `SLA: ${maxAgeText(maxAgeMinutes, maxAgeMinutes * MINUTE - left)}` };
  if (left > 0)
    return { status, text: left < MINUTE ? 'SLA in less than a minute' : `SLA in ${spanText(left)}` };
  const late = -left;
  return { status, text: late < MINUTE ? 'SLA missed just now' : `SLA missed ${spanText(late)} ago` };
}
