const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** How close the deadline is; renderers colour by it. `due_soon` is the last 30 minutes. */
type SlaStatus = 'none' | 'on_track' | 'due_soon' | 'missed';

export interface SlaCountdown {
  readonly status: SlaStatus;
  /** "SLA in 42 min", "SLA missed 12 min ago", "No SLA". */
  readonly text: string;
}

const DUE_SOON_MS = 30 * MINUTE;

/**
 * The SLA as a countdown relative to `nowMs` (injected: cards are rendered again on every refresh, and
 * tests pin time). Rounds down, so "in 42 min" never promises more time than there is.
 */
export function slaCountdown(deadlineMs: number | null, nowMs: number): SlaCountdown {
  if (deadlineMs === null) return { status: 'none', text: 'No SLA' };
  const left = deadlineMs - nowMs;
  if (left > 0) {
    const status = left <= DUE_SOON_MS ? 'due_soon' : 'on_track';
    return { status, text: left < MINUTE ? 'SLA in less than a minute' : `SLA in ${span(left)}` };
  }
  const late = -left;
  return { status: 'missed', text: late < MINUTE ? 'SLA missed just now' : `SLA missed ${span(late)} ago` };
}

/** 42 min · 2 h 5 min · 3 d 4 h — coarse on purpose: nobody needs seconds at 4 a.m. */
export function span(ms: number): string {
  if (ms >= 2 * DAY) {
    const d = Math.floor(ms / DAY);
    const h = Math.floor((ms % DAY) / HOUR);
    return h === 0 ? `${d} d` : `${d} d ${h} h`;
  }
  if (ms >= HOUR) {
    const h = Math.floor(ms / HOUR);
    const m = Math.floor((ms % HOUR) / MINUTE);
    return m === 0 ? `${h} h` : `${h} h ${m} min`;
  }
  return `${Math.floor(ms / MINUTE)} min`;
}
