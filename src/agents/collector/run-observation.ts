import { DatabricksApiError } from '../../databricks/rest/databricks-api-error.js';
import type { Run, RunOutput, RunTask } from '../../databricks/rest/jobs-api.js';
import { err, ok, type Result } from '../../domain/result.js';
import { LIMITS, type RunObservation, type TaskRunObservation } from '../detector/observations.js';
import type { CollectorCache } from './collector-cache.js';
import type { CollectorDeps } from './collector-deps.js';
import {
  fitCode,
  fitEpochMs,
  fitErrorText,
  fitId,
  fitIds,
  fitKey,
  fitName,
  fitNonBlankName,
  fitTables,
  fitTags,
  fitUrl,
  fitWhole,
} from './fit-observation.js';
import { type JobInfo, jobInfoOf } from './job-info.js';
import { asDegraded, type Degraded } from './monitoring-degraded.js';
import { type Topology, topologyJob } from './topology.js';

export type FetchRunOutcome =
  | { readonly status: 'ok'; readonly observation: RunObservation }
  | { readonly status: 'degraded'; readonly degraded: Degraded }
  /** The run does not exist (deleted, older than 60 days, or a forged notification). */
  | { readonly status: 'not_found'; readonly message: string }
  /** The workspace answered something that does not make a valid observation. */
  | { readonly status: 'invalid'; readonly message: string };

/** Task outcomes whose error text is worth a `runs/get-output` call. */
const FAILED_RESULTS = new Set(['FAILED', 'TIMEDOUT']);
const FAILED_LIFE_CYCLES = new Set(['INTERNAL_ERROR']);
/** A run with hundreds of failed attempts gets the text of the first ones only. */
const MAX_OUTPUT_CALLS = 20;

/** True when a task attempt ended in a failure (FAILED, TIMEDOUT or a platform INTERNAL_ERROR). */
export function taskAttemptFailed(task: RunTask): boolean {
  return (
    FAILED_RESULTS.has(task.state?.result_state ?? '') ||
    FAILED_LIFE_CYCLES.has(task.state?.life_cycle_state ?? '')
  );
}

/**
 * The job's settings summary, from the cache while younger than its TTL, else from `jobs/get`. A job
 * deleted since the run gives undefined (the run is still worth reporting); throttling propagates.
 */
export async function jobInfoFor(
  deps: CollectorDeps,
  cache: CollectorCache,
  jobId: string,
): Promise<JobInfo | undefined> {
  const now = deps.clock.now();
  const cached = cache.jobs.get(jobId);
  if (cached !== undefined && now - cached.fetchedAt < cache.jobTtlMs) return cached.info;
  try {
    const info = jobInfoOf(await deps.client.jobs.getJob(Number(jobId)));
    cache.jobs.set(jobId, { fetchedAt: now, info });
    return info;
  } catch (error) {
    if (
      error instanceof DatabricksApiError &&
      (error.reason === 'NOT_FOUND' || error.reason === 'INVALID_PARAMETER')
    ) {
      return cached?.info;
    }
    throw error;
  }
}

/**
 * The webhook path: turns a job run id into a validated `RunObservation`. Reads the run with its repair
 * history, the error text of every failed task attempt (`runs/get-output` on the task run id; a failure
 * there is tolerated, the observation just lacks the text), the job's tags, owner and `max_retries`
 * (cached per job), and the tables the job reads and writes from the cached topology.
 */
export async function fetchRunObservation(
  deps: CollectorDeps,
  jobRunId: string | number,
  cache: CollectorCache,
): Promise<FetchRunOutcome> {
  const runId = Number(jobRunId);
  if (!Number.isSafeInteger(runId) || runId < 0) {
    return { status: 'invalid', message: `Run id ${String(jobRunId)} is not a Databricks run id.` };
  }
  try {
    const run = await deps.client.jobs.getRun(runId, { include_history: true });
    const info = run.job_id === undefined ? undefined : await jobInfoFor(deps, cache, String(run.job_id));
    const outputs = new Map<number, RunOutput>();
    const failed = (run.tasks ?? []).filter(taskAttemptFailed).slice(0, MAX_OUTPUT_CALLS);
    for (const task of failed) {
      try {
        outputs.set(task.run_id, await deps.client.jobs.getRunOutput(task.run_id));
      } catch (error) {
        deps.logger?.warn(
          { runId: task.run_id, code: (error as { code?: string }).code },
          'runs/get-output failed; reporting the run without its error text',
        );
      }
    }
    const observed = toRunObservation(deps.workspaceId, run, { info, outputs, topology: cache.topology });
    return observed.ok
      ? { status: 'ok', observation: observed.value }
      : { status: 'invalid', message: observed.userMessage };
  } catch (error) {
    const degraded = asDegraded(error, 'runs');
    if (degraded) return { status: 'degraded', degraded };
    if (
      error instanceof DatabricksApiError &&
      (error.reason === 'NOT_FOUND' || error.reason === 'INVALID_PARAMETER')
    ) {
      return { status: 'not_found', message: error.message };
    }
    if (error instanceof DatabricksApiError && error.reason === 'INVALID_RESPONSE') {
      return { status: 'invalid', message: error.message };
    }
    throw error;
  }
}

/**
 * Maps a Databricks run (from `runs/get` or `runs/list?expand_tasks=true`) to an observation, fitting
 * every field into the observation's bounds (`fit-observation.ts`), so it needs no second validation.
 * Only a run without a job is refused: a one-time `runs/submit` run belongs to no job to report on.
 */
export function toRunObservation(
  workspaceId: string,
  run: Run,
  context: {
    info?: JobInfo | undefined;
    outputs?: ReadonlyMap<number, RunOutput>;
    topology?: Topology | undefined;
  },
): Result<RunObservation, 'invalid_run'> {
  const jobId = fitId(run.job_id);
  if (jobId === undefined) {
    return err(
      'invalid_run',
      `Run ${run.run_id} belongs to no job (a one-time submitted run); not observed.`,
    );
  }
  const info = context.info;
  const job = topologyJob(context.topology, jobId);
  const computeIds = [...(info?.computeIds ?? [])];
  const tasks = tasksWithinLimit(run.tasks ?? []).map((task): TaskRunObservation => {
    const output = context.outputs?.get(task.run_id);
    const clusterId = fitId(task.cluster_instance?.cluster_id || task.existing_cluster_id || undefined);
    if (clusterId !== undefined) computeIds.push(clusterId);
    return {
      taskKey: fitKey(task.task_key || UNNAMED_TASK),
      runId: String(task.run_id),
      attemptNumber: fitWhole(task.attempt_number, 0) ?? 0,
      ...stateOf(task),
      errorMessage: fitErrorText(output?.error),
      errorTrace: fitErrorText(output?.error_trace),
      startTime: fitEpochMs(task.start_time),
      endTime: fitEpochMs(task.end_time),
      dependsOn: (task.depends_on ?? []).slice(0, LIMITS.list).map((d) => fitKey(d.task_key)),
      clusterId,
      maxRetries: fitWhole(info?.maxRetries[task.task_key], -1),
    };
  });
  const parent =
    run.trigger === 'RUN_JOB_TASK'
      ? context.topology?.jobEdges.find((e) => e.childJobId === jobId)?.parentJobId
      : undefined;
  return ok({
    workspaceId,
    jobId,
    jobName: fitNonBlankName(info?.name ?? job?.name ?? run.run_name),
    runId: String(run.run_id),
    runName: fitNonBlankName(run.run_name),
    trigger: fitCode(run.trigger),
    ...stateOf(run),
    startTime: fitEpochMs(run.start_time) ?? 0,
    endTime: fitEpochMs(run.end_time),
    tasks,
    tags: fitTags(job?.tags, info?.tags),
    owner: fitName(info?.owner ?? job?.owner ?? run.creator_user_name),
    tablesRead: fitTables(job?.tablesRead),
    tablesWritten: fitTables(job?.tablesWritten),
    computeIds: fitIds(computeIds),
    parentJobId: fitId(parent),
    runPageUrl: fitUrl(run.run_page_url),
  });
}

/** The state fields a run and each of its tasks carry alike, from `state` and the newer `status`. */
function stateOf(r: Pick<RunTask, 'state' | 'status'>) {
  return {
    lifeCycleState: fitCode(r.state?.life_cycle_state ?? r.status?.state),
    resultState: fitCode(r.state?.result_state),
    terminationCode: fitCode(r.status?.termination_details?.code),
    terminationType: fitCode(r.status?.termination_details?.type),
    stateMessage:
      fitErrorText(r.state?.state_message) ?? fitErrorText(r.status?.termination_details?.message),
  };
}

/** The key a task without one is reported under (Databricks requires keys; a forged run may not). */
const UNNAMED_TASK = '(unnamed task)';

/**
 * At most `LIMITS.tasks` task attempts: a repaired run of a large job can list more. The failed ones are
 * kept first, since they are what gets reported; the rest fill up in order.
 */
function tasksWithinLimit(tasks: readonly RunTask[]): readonly RunTask[] {
  if (tasks.length <= LIMITS.tasks) return tasks;
  const failed = new Set(tasks.filter(taskAttemptFailed).slice(0, LIMITS.tasks));
  let room = LIMITS.tasks - failed.size;
  return tasks.filter((task) => failed.has(task) || (room > 0 && room-- > 0));
}
