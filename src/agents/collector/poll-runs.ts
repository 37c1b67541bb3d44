import type { Run } from '../../databricks/rest/jobs-api.js';
import type { RunObservation } from '../detector/observations.js';
import { type CollectorCache, rememberClusters } from './collector-cache.js';
import type { CollectorDeps } from './collector-deps.js';
import { asDegraded, type Degraded } from './monitoring-degraded.js';
import { fetchRunObservation, jobInfoFor, taskAttemptFailed, toRunObservation } from './run-observation.js';

export interface PollRunsOptions {
  /**
   * `runs/list` filters by start time, so each poll lists from `watermark − overlapMs`: a run that
   * started before the watermark and ended after it is still listed. Default 6 hours. Runs longer than
   * this are caught through the active-run watermark (`runs_active`).
   */
  readonly overlapMs?: number;
  /** How far back the very first poll of a workspace looks. Default 24 hours. */
  readonly initialLookbackMs?: number;
  /** A cap on runs read per poll, against a workspace that lists without end. Default 5 000. */
  readonly maxRuns?: number;
  /**
   * Takes what the poll read (judges it, queues its signals) before the watermarks move: a process
   * killed in between reads the same runs again instead of skipping them (at least once; signal ids
   * collapse the repeat). A hand-out that throws fails the poll and moves nothing.
   */
  readonly handOut?: (observed: { completed: RunObservation[]; active: RunObservation[] }) => Promise<void>;
}

export type PollRunsOutcome =
  | {
      /** Runs that completed since the last poll, each exactly once. */
      readonly completed: RunObservation[];
      /** Runs in flight now (for duration and SLA watch): a snapshot, repeated every poll. */
      readonly active: RunObservation[];
      readonly degraded?: undefined;
    }
  | { readonly degraded: Degraded };

export const RUNS_SOURCE = 'runs';
/** Holds the start of the oldest run seen in flight, so a run longer than the overlap is listed when it ends. */
export const RUNS_ACTIVE_SOURCE = 'runs_active';
const HOUR_MS = 3_600_000;

interface Position {
  readonly at: number;
  readonly id: number;
}
const after = (a: Position, b: Position | undefined) =>
  b === undefined || a.at > b.at || (a.at === b.at && a.id > b.id);

/**
 * Polls `runs/list` for runs completed since the `runs` watermark and for runs in flight. A completed run
 * is identified by run id + end time (a repaired run ends again and is new) and handed out once: the
 * watermark is the largest (end time, run id) handed out, stored only after the whole poll succeeded,
 * so a restart resumes exactly there. Failed runs are read again with `runs/get` and `runs/get-output`
 * for their error text. A throttled or unavailable workspace returns `degraded` and moves nothing.
 */
export async function pollRuns(
  deps: CollectorDeps,
  cache: CollectorCache,
  options: PollRunsOptions = {},
): Promise<PollRunsOutcome> {
  const now = deps.clock.now();
  const overlap = options.overlapMs ?? 6 * HOUR_MS;
  const maxRuns = options.maxRuns ?? 5_000;
  try {
    // Both watermarks in one read.
    const marks = await deps.watermarks.list(deps.workspaceId);
    const mark = marks.find((m) => m.source === RUNS_SOURCE);
    const activeMark = marks.find((m) => m.source === RUNS_ACTIVE_SOURCE);
    const stored: Position | undefined =
      mark?.lastSeenAt == null ? undefined : { at: mark.lastSeenAt, id: Number(mark.lastSeenId ?? 0) || 0 };
    let from = stored === undefined ? now - (options.initialLookbackMs ?? 24 * HOUR_MS) : stored.at - overlap;
    if (activeMark?.lastSeenAt != null) from = Math.min(from, activeMark.lastSeenAt);
    from = Math.max(0, from);

    const fresh: Run[] = [];
    const thisPoll = new Set<string>();
    let read = 0;
    for await (const run of deps.client.jobs.listRuns({
      completed_only: true,
      start_time_from: from,
      expand_tasks: true,
      limit: 25,
    })) {
      if (++read > maxRuns) break;
      const end = run.end_time ?? 0;
      if (end <= 0) continue;
      const key = `${run.run_id}@${end}`;
      if (thisPoll.has(key) || cache.seenRuns.has(key)) continue;
      if (!after({ at: end, id: run.run_id }, stored)) continue;
      thisPoll.add(key);
      fresh.push(run);
    }

    const completed: RunObservation[] = [];
    let newest = stored;
    for (const run of fresh.sort((a, b) => (a.end_time ?? 0) - (b.end_time ?? 0) || a.run_id - b.run_id)) {
      const observation = await observe(deps, cache, run);
      if (observation !== undefined) completed.push(observation);
      const position = { at: run.end_time ?? 0, id: run.run_id };
      if (after(position, newest)) newest = position;
    }

    const active: RunObservation[] = [];
    let oldestActive: number | undefined;
    read = 0;
    for await (const run of deps.client.jobs.listRuns({ active_only: true, expand_tasks: true, limit: 25 })) {
      if (++read > maxRuns) break;
      const info = run.job_id === undefined ? undefined : await jobInfoFor(deps, cache, String(run.job_id));
      const observed = toRunObservation(deps.workspaceId, run, { info, topology: cache.topology });
      if (observed.ok) active.push(observed.value);
      rememberClusters(cache, run);
      const start = run.start_time ?? 0;
      if (start > 0) oldestActive = Math.min(oldestActive ?? start, start);
    }

    await options.handOut?.({ completed, active });
    // The whole poll succeeded and was handed out: only now does anything move.
    if (newest !== undefined) {
      await deps.watermarks.advance(
        deps.workspaceId,
        RUNS_SOURCE,
        { lastSeenAt: newest.at, lastSeenId: String(newest.id) },
        now,
      );
    } else {
      await deps.watermarks.advance(
        deps.workspaceId,
        RUNS_SOURCE,
        { lastSeenAt: from, lastSeenId: '0' },
        now,
      );
    }
    await deps.watermarks.reset(
      deps.workspaceId,
      RUNS_ACTIVE_SOURCE,
      { lastSeenAt: oldestActive ?? null },
      now,
    );
    for (const key of thisPoll) cache.seenRuns.add(key);
    return { completed, active };
  } catch (error) {
    if (error instanceof DegradedSignal) return { degraded: error.degraded };
    const degraded = asDegraded(error, RUNS_SOURCE);
    if (degraded) return { degraded };
    throw error;
  }
}

async function observe(
  deps: CollectorDeps,
  cache: CollectorCache,
  run: Run,
): Promise<RunObservation | undefined> {
  rememberClusters(cache, run);
  // Failed runs need their error text; the list has none, so the run is read in full.
  if ((run.tasks ?? []).some(taskAttemptFailed) || run.state?.life_cycle_state === 'INTERNAL_ERROR') {
    const outcome = await fetchRunObservation(deps, run.run_id, cache);
    if (outcome.status === 'degraded') throw new DegradedSignal(outcome.degraded);
    if (outcome.status === 'ok') return outcome.observation;
  }
  const info = run.job_id === undefined ? undefined : await jobInfoFor(deps, cache, String(run.job_id));
  const observed = toRunObservation(deps.workspaceId, run, { info, topology: cache.topology });
  if (observed.ok) return observed.value;
  deps.logger?.warn({ runId: run.run_id, problem: observed.userMessage }, 'skipping a run it cannot observe');
  return undefined;
}

/** Carries a degraded outcome from deep in the poll to its single exit; never leaves this module. */
class DegradedSignal extends Error {
  readonly degraded: Degraded;
  constructor(degraded: Degraded) {
    super(degraded.message);
    this.degraded = degraded;
  }
}
