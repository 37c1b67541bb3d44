import { InvalidArgumentError } from '../../domain/errors.js';
import { resolveInstant } from './instant.js';
import type { Scenario } from './schema.js';

const HOUR_MS = 3_600_000;

/** Where `placeScenario` put a scenario: its new start, and the hour of it that is `now`. */
export interface ScenarioPlacement {
  readonly scenario: Scenario;
  readonly startMs: number;
  /** Hours from the new start to `now` (at least `atHour`, less than `atHour + 1`). */
  readonly hoursBeforeNow: number;
}

/**
 * Moves a scenario in time so that its hour `atHour` (default: its end, `duration_hours`) falls on
 * `now`: the start becomes `now − atHour` hours, floored to a whole UTC hour, and every absolute instant
 * (the fault windows written as ISO times) moves with it; offsets (`+2h`) follow the start by themselves.
 *
 * Floored because the simulator slices billing and timeline rows at whole UTC hours from its start, as
 * Databricks does; so hour `atHour` is now, give or take the minutes of the current hour. Schedules are
 * cron expressions in real UTC time and do not move: a fault written against a daily run's time of day
 * may meet a different run, or none, unless the shift is a whole number of days.
 */
export function placeScenario(scenario: Scenario, now: number, atHour?: number): ScenarioPlacement {
  const hour = atHour ?? scenario.duration_hours;
  if (!Number.isFinite(hour) || hour < 0) {
    throw new InvalidArgumentError(`The hour to place at now must be 0 or more, got ${hour}.`, {
      atHour: hour,
    });
  }
  const oldStart = Date.parse(scenario.start);
  const startMs = Math.floor((now - hour * HOUR_MS) / HOUR_MS) * HOUR_MS;
  const shift = startMs - oldStart;
  const move = (instant: string): string =>
    instant.startsWith('+') ? instant : new Date(resolveInstant(instant, oldStart) + shift).toISOString();
  return {
    scenario: {
      ...scenario,
      start: new Date(startMs).toISOString(),
      faults: scenario.faults.map((f) => ({
        ...f,
        start: move(f.start),
        ...(f.end === undefined ? {} : { end: move(f.end) }),
      })),
    },
    startMs,
    hoursBeforeNow: (now - startMs) / HOUR_MS,
  };
}
