import { DatabricksApiError } from '../../databricks/rest/databricks-api-error.js';
import type { Run, RunOutput, RunTask } from '../../databricks/rest/jobs-api.js';
import {
  type RunObservation,
  type RunObservationInput,
  runObservationSchema,
} from '../detector/observations.js';
import type { CollectorCache } from './collector-cache.js';
import type { CollectorDeps } from './collector-deps.js';
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
    return observationOutcome(
      toRunObservation(deps.workspaceId, run, { info, outputs, topology: cache.topology }),
    );
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

/** Validates a mapped run; a run that does not fit the schema is reported, never thrown. */
export function observationOutcome(input: RunObservationInput): FetchRunOutcome {
  const parsed = runObservationSchema.safeParse(input);
  if (parsed.success) return { status: 'ok', observation: parsed.data };
  const issue = parsed.error.issues[0];
  return { status: 'invalid', message: `${issue?.path.map(String).join('.') || '(run)'}: ${issue?.message}` };
}

const positive = (n: number | undefined) => (n !== undefined && n > 0 ? n : undefined);
const nonEmpty = (s: string | undefined) => (s !== undefined && s.trim() !== '' ? s : undefined);

function validUrl(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? url : undefined;
  } catch {
    return undefined;
  }
}

/** Maps a Databricks run (from `runs/get` or `runs/list?expand_tasks=true`) to observation input. */
export function toRunObservation(
  workspaceId: string,
  run: Run,
  context: {
    info?: JobInfo | undefined;
    outputs?: ReadonlyMap<number, RunOutput>;
    topology?: Topology | undefined;
  },
): RunObservationInput {
  const jobId = String(run.job_id ?? '');
  const info = context.info;
  const job = topologyJob(context.topology, jobId);
  const computeIds = new Set<string>(info?.computeIds ?? []);
  const tasks = (run.tasks ?? []).map((task) => {
    const output = context.outputs?.get(task.run_id);
    const clusterId = task.cluster_instance?.cluster_id ?? task.existing_cluster_id;
    if (clusterId) computeIds.add(clusterId);
    return {
      taskKey: task.task_key,
      runId: String(task.run_id),
      attemptNumber: task.attempt_number ?? 0,
      lifeCycleState: task.state?.life_cycle_state ?? task.status?.state,
      resultState: task.state?.result_state,
      terminationCode: task.status?.termination_details?.code,
      terminationType: task.status?.termination_details?.type,
      stateMessage:
        nonEmpty(task.state?.state_message) ?? nonEmpty(task.status?.termination_details?.message),
      errorMessage: nonEmpty(output?.error),
      errorTrace: nonEmpty(output?.error_trace),
      startTime: positive(task.start_time),
      endTime: positive(task.end_time),
      dependsOn: (task.depends_on ?? []).map((d) => d.task_key),
      clusterId: clusterId || undefined,
      maxRetries: info?.maxRetries[task.task_key],
    };
  });
  const parent =
    run.trigger === 'RUN_JOB_TASK'
      ? context.topology?.jobEdges.find((e) => e.childJobId === jobId)?.parentJobId
      : undefined;
  const lifeCycle = run.state?.life_cycle_state ?? run.status?.state;
  return {
    workspaceId,
    jobId,
    jobName: info?.name ?? job?.name ?? nonEmpty(run.run_name),
    runId: String(run.run_id),
    runName: nonEmpty(run.run_name),
    trigger: run.trigger,
    lifeCycleState: lifeCycle,
    resultState: run.state?.result_state,
    terminationCode: run.status?.termination_details?.code,
    terminationType: run.status?.termination_details?.type,
    stateMessage: nonEmpty(run.state?.state_message) ?? nonEmpty(run.status?.termination_details?.message),
    startTime: run.start_time ?? 0,
    endTime: positive(run.end_time),
    tasks,
    tags: { ...(job?.tags ?? {}), ...(info?.tags ?? {}) },
    owner: info?.owner ?? job?.owner ?? run.creator_user_name,
    tablesRead: [...(job?.tablesRead ?? [])],
    tablesWritten: [...(job?.tablesWritten ?? [])],
    computeIds: [...computeIds],
    parentJobId: parent,
    runPageUrl: validUrl(run.run_page_url),
  };
}
