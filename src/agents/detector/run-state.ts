/**
 * Where a run or task attempt stands, whichever vocabulary reported it: REST (`life_cycle_state` +
 * `result_state`: SUCCESS, TIMEDOUT, CANCELED, UPSTREAM_FAILED …) or the system tables (SUCCEEDED,
 * TIMED_OUT, CANCELLED, ERROR, SKIPPED …).
 */
export type RunOutcome =
  | 'pending'
  | 'running'
  | 'waiting_for_retry'
  | 'succeeded'
  | 'failed'
  | 'internal_error'
  | 'timed_out'
  | 'canceled'
  | 'skipped'
  | 'upstream_failed'
  | 'excluded';

const BY_RESULT: Readonly<Record<string, RunOutcome>> = {
  SUCCESS: 'succeeded',
  SUCCEEDED: 'succeeded',
  SUCCESS_WITH_FAILURES: 'succeeded',
  FAILED: 'failed',
  ERROR: 'internal_error',
  INTERNAL_ERROR: 'internal_error',
  TIMEDOUT: 'timed_out',
  TIMED_OUT: 'timed_out',
  CANCELED: 'canceled',
  CANCELLED: 'canceled',
  UPSTREAM_FAILED: 'upstream_failed',
  UPSTREAM_CANCELED: 'upstream_failed',
  SKIPPED: 'skipped',
  MAXIMUM_CONCURRENT_RUNS_REACHED: 'skipped',
  EXCLUDED: 'excluded',
  DISABLED: 'excluded',
};

const BY_LIFE_CYCLE: Readonly<Record<string, RunOutcome>> = {
  QUEUED: 'pending',
  PENDING: 'pending',
  BLOCKED: 'pending',
  WAITING: 'pending',
  RUNNING: 'running',
  TERMINATING: 'running',
  WAITING_FOR_RETRY: 'waiting_for_retry',
  INTERNAL_ERROR: 'internal_error',
  SKIPPED: 'skipped',
};

/** Normalises a run or task state; an unknown terminal result counts as failed, never as success. */
export function runOutcome(lifeCycleState: string | undefined, resultState: string | undefined): RunOutcome {
  const life = lifeCycleState?.toUpperCase();
  // INTERNAL_ERROR and SKIPPED are terminal life-cycle states with no result_state.
  if (life === 'INTERNAL_ERROR' || life === 'SKIPPED' || life === 'WAITING_FOR_RETRY')
    return BY_LIFE_CYCLE[life]!;
  const result = resultState?.toUpperCase();
  if (result !== undefined && result !== '') {
    if (Object.hasOwn(BY_RESULT, result)) return BY_RESULT[result]!;
    return 'failed';
  }
  if (life !== undefined && Object.hasOwn(BY_LIFE_CYCLE, life)) return BY_LIFE_CYCLE[life]!;
  return life === 'TERMINATED' ? 'failed' : 'running';
}

/** True for outcomes that end a run or attempt for good. */
export function isFinal(outcome: RunOutcome): boolean {
  return outcome !== 'pending' && outcome !== 'running' && outcome !== 'waiting_for_retry';
}
