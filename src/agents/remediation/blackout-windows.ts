import { Cron } from 'croner';
import type { Blackout } from '../../config/remediation-policy.js';

/** A blackout that holds at some instant, and when it ends (epoch ms). */
export interface ActiveBlackout {
  readonly name: string;
  readonly startedAt: number;
  readonly endsAt: number;
}

/**
 * The first of `blackouts` that blocks `kind` at `nowMs`, if any. A recurring window started at one of
 * its cron times, read in its own time zone (so "Fridays 22:00 Europe/Amsterdam" follows daylight saving
 * time), and lasts `duration_minutes` of real time from there, also across a clock change.
 */
export function activeBlackout(
  blackouts: readonly Blackout[],
  kind: string,
  nowMs: number,
): ActiveBlackout | undefined {
  for (const blackout of blackouts) {
    if (!blackout.actions.some((pattern) => pattern === '*' || pattern === kind)) continue;
    const window = windowAt(blackout, nowMs);
    if (window !== undefined) return { name: blackout.name, ...window };
  }
  return undefined;
}

function windowAt(blackout: Blackout, nowMs: number): { startedAt: number; endsAt: number } | undefined {
  if (blackout.from !== undefined && blackout.to !== undefined) {
    const startedAt = Date.parse(blackout.from);
    const endsAt = Date.parse(blackout.to);
    return startedAt <= nowMs && nowMs < endsAt ? { startedAt, endsAt } : undefined;
  }
  if (blackout.cron === undefined || blackout.duration_minutes === undefined) return undefined;
  const durationMs = blackout.duration_minutes * 60_000;
  const cron = new Cron(blackout.cron, { timezone: blackout.timezone, paused: true });
  // A window [start, start + duration) holds `now` exactly when now − duration < start ≤ now, so the
  // candidate is the first cron time strictly after now − duration (what croner's nextRun answers).
  const start = cron.nextRun(new Date(nowMs - durationMs))?.getTime();
  if (start === undefined || start > nowMs) return undefined;
  return { startedAt: start, endsAt: start + durationMs };
}
