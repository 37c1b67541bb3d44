import type { Scenario } from '../scenario/schema.js';
import { SimWorkspace } from './sim-workspace.js';

/** The first job run of a scenario that fails: when, and which job. */
export interface FirstFailure {
  readonly at: number;
  readonly jobName: string;
}

const STEP_MS = 60_000;

/**
 * When the scenario's first job run fails, found by playing a scratch copy of it (same seed, rows
 * discarded) minute by minute for at most `withinMs`. The embedded demo starts its live clock shortly
 * before this moment, so a newcomer sees the first incident within a minute instead of watching quiet
 * hours pass; the console says what is coming. Undefined when nothing fails in the window.
 */
export function findFirstFailure(
  scenario: Scenario,
  seed: number,
  withinMs: number,
): FirstFailure | undefined {
  const scratch = new SimWorkspace({ scenario, seed, recentRunsPerJob: 1 });
  let found: FirstFailure | undefined;
  const unsubscribe = scratch.onJobRunEvent((event) => {
    // A run its owner cancelled notifies on_failure too (as Databricks does by default), but failed
    // nothing; a failure in the scenario's history (its background failure rate) is past by the time
    // anyone watches.
    if (
      found === undefined &&
      event.event_type === 'jobs.on_failure' &&
      event.at >= scratch.startMs &&
      scratch.getRun(event.runId).result !== 'CANCELED'
    ) {
      found = { at: event.at, jobName: event.jobName };
    }
  });
  const until = scratch.startMs + withinMs;
  for (let t = scratch.startMs + STEP_MS; found === undefined && t <= until; t += STEP_MS) {
    scratch.advanceTo(t);
  }
  unsubscribe();
  return found;
}
