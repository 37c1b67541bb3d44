import type { ClusterDetails } from '../../databricks/rest/clusters-api.js';
import type { Job, JobSettings, JobTask, Run } from '../../databricks/rest/jobs-api.js';
import type { Pipeline } from '../../databricks/rest/pipelines-api.js';
import type { Warehouse } from '../../databricks/rest/warehouses-api.js';
import { err, ok, type Result } from '../../domain/result.js';
import { REMEDIATION_INFO, type RemediationKind, type RemediationRisk } from './remediation-kind.js';

/** One Databricks REST call exactly as it would be sent. */
export interface PlannedCall {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly body?: unknown;
}

/** What verification polls once the calls were accepted (see `verify-remediation.ts`). */
export type VerifySpec =
  /** The run the calls started or repaired; a rerun's run id is learnt from `run-now`'s answer. */
  | { readonly target: 'run'; readonly runId?: number | undefined; readonly expect: 'success' | 'stopped' }
  | {
      readonly target: 'warehouse';
      readonly warehouseId: string;
      readonly clusterSize?: string | undefined;
      /** `scale_warehouse`: the cluster limit must read back so. */
      readonly maxClusters?: number | undefined;
      /** `set_auto_stop`: the setting must read back so; the warehouse need not be running. */
      readonly autoStopMins?: number | undefined;
    }
  | { readonly target: 'cluster'; readonly clusterId: string }
  | { readonly target: 'statement'; readonly statementId: string }
  /**
   * The update the calls started: COMPLETED for a triggered pipeline, a finished micro-batch for a
   * continuous one. Its id is learnt from `updates`' answer; the stopped one tells them apart.
   */
  | {
      readonly target: 'pipeline_update';
      readonly pipelineId: string;
      readonly stoppedUpdateId: string;
      readonly continuous: boolean;
      readonly updateId?: string | undefined;
    }
  /** `jobs/get` must show every field of `settings` as sent. */
  | { readonly target: 'job_settings'; readonly jobId: number; readonly settings: Record<string, unknown> }
  | { readonly target: 'none' };

/** The workspace object an action acts on: what the presser's rights are checked on and rate limits count. */
export type PlanTarget =
  | { readonly kind: 'job'; readonly jobId: number; readonly name?: string | undefined }
  | { readonly kind: 'warehouse'; readonly warehouseId: string; readonly name?: string | undefined }
  | { readonly kind: 'cluster'; readonly clusterId: string; readonly name?: string | undefined }
  | { readonly kind: 'pipeline'; readonly pipelineId: string; readonly name?: string | undefined };

/** A dry-run plan: what would be sent, how risky it is, how to undo it and what it may cost. */
export interface RemediationPlan {
  /** Undefined for an action that touches no workspace object (`notify_owner`). */
  readonly target?: PlanTarget | undefined;
  readonly kind: RemediationKind;
  readonly title: string;
  readonly calls: readonly PlannedCall[];
  readonly risk: RemediationRisk;
  /** Sent at most once; see `RemediationInfo.destructive`. */
  readonly destructive: boolean;
  readonly rollback: string;
  /** The calls that undo the change, with the settings as they were before it; empty when none can. */
  readonly rollbackCalls: readonly PlannedCall[];
  /** Extra spend per hour of running (or per run) where it can be computed; null when it cannot. */
  readonly estimatedCostUsd: number | null;
  readonly verify: VerifySpec;
  /**
   * A job whose run the calls repair besides the target (a job-started pipeline update restarted
   * through its run): the presser needs the right to repair it too.
   */
  readonly repairsJob?: Extract<PlanTarget, { kind: 'job' }> | undefined;
  /** `notify_owner`: who is asked, where their name came from, and what. */
  readonly notify?:
    | { readonly owner: string; readonly source?: string | undefined; readonly text: string }
    | undefined;
}

/**
 * What the planner needs to know about the incident's subject. Settings and states are the caller's
 * fresh reads (`jobs/get`, `runs/get`, `warehouses/{id}`, `clusters/get`), so the plan is pure, its
 * preconditions are checked against the current state, and read-modify-write uses current settings.
 */
export interface RemediationContext {
  readonly jobId?: number | undefined;
  readonly runId?: number | undefined;
  readonly taskKey?: string | undefined;
  readonly clusterId?: string | undefined;
  readonly warehouseId?: string | undefined;
  readonly statementId?: string | undefined;
  readonly pipelineId?: string | undefined;
  /** The classifier's category of the failure (`resource`, `timeout`, `capacity` …). */
  readonly category?: string | undefined;
  /** Who owns the failing object, for `notify_owner` (`findOwner`). */
  readonly owner?: string | undefined;
  /** Where the owner's name came from ("the creator of job orders"), said in the note. */
  readonly ownerSource?: string | undefined;
  /** When no owner was found: what was looked at and what would give the incident one. */
  readonly ownerHelp?: string | undefined;
  /** One line about the incident, for `notify_owner`. */
  readonly incidentTitle?: string | undefined;
  readonly job?: Job | undefined;
  readonly run?: Run | undefined;
  readonly warehouse?: Warehouse | undefined;
  readonly cluster?: ClusterDetails | undefined;
  /** `pipelines/{id}`: its state, latest updates and spec (continuous, development). */
  readonly pipeline?: Pipeline | undefined;
  /**
   * `restart_pipeline_update`: the update in flight as `pipelines/{id}/updates/{update_id}` reads it;
   * its `cause` is `JOB_TASK` when a job's pipeline task started it.
   */
  readonly stuckUpdate?: { readonly updateId: string; readonly cause?: string | undefined } | undefined;
  /** The job run whose pipeline task started the stuck update, still going, with its repair history. */
  readonly pipelineJobRun?: PipelineJobRun | undefined;
  /** The newest `repair_history` REPAIR id of the run, when it was repaired before. */
  readonly latestRepairId?: number | undefined;
  /** Makes a rerun idempotent: the same token twice returns the first run (≤ 64 chars). */
  readonly idempotencyToken?: string | undefined;
  /** USD per DBU for jobs compute (default 0.15, AWS premium) and SQL (default 0.70, serverless). */
  readonly jobsUsdPerDbu?: number | undefined;
  readonly sqlUsdPerDbu?: number | undefined;
}

/** A job run waiting on a pipeline update its pipeline task started (`runs/get` with history). */
interface PipelineJobRun {
  readonly run: Run;
  /** The pipeline task's key. */
  readonly taskKey: string;
  /** The newest REPAIR id in the run's history, when it was repaired before. */
  readonly latestRepairId?: number | undefined;
}

export type PlanRefusal = 'missing_context' | 'precondition_failed';

const JOBS = '/api/2.2/jobs';
const WAREHOUSES = '/api/2.0/sql/warehouses';
const CLUSTERS = '/api/2.1/clusters';
const PIPELINES = '/api/2.0/pipelines';

/** Warehouse sizes smallest first, with their DBU/hour per running cluster (docs/databricks.md, Prices and sizes). */
const WAREHOUSE_SIZES = [
  ['2X-Small', 4],
  ['X-Small', 6],
  ['Small', 12],
  ['Medium', 24],
  ['Large', 40],
  ['X-Large', 80],
  ['2X-Large', 144],
  ['3X-Large', 272],
  ['4X-Large', 528],
] as const;

/** Approximate DBU per node-hour of common node types (docs/databricks.md, Prices and sizes). */
const NODE_DBU: Record<string, number> = {
  Standard_DS3_v2: 0.75,
  Standard_DS4_v2: 1.5,
  Standard_DS5_v2: 3.0,
  Standard_E8ds_v4: 2.0,
  Standard_F4s_v2: 0.5,
  'm5.xlarge': 0.69,
  'm5.2xlarge': 1.37,
  'm5.4xlarge': 2.74,
  'i3.xlarge': 1.0,
  'i3.2xlarge': 2.0,
  'r5.xlarge': 0.9,
  'r5.2xlarge': 1.8,
};

const MAX_WORKERS = 1_000;
/**
 * What `set_auto_stop` sets: the shortest idle time Databricks accepts for every warehouse type (the
 * API takes 0 or at least 10 minutes), so an idle warehouse stops soon, and a busy one never does.
 */
const AUTO_STOP_MINS = 10;
/** What `set_retry_policy` sets: two retries a minute apart, also after a timeout. */
const RETRY_POLICY = { max_retries: 2, min_retry_interval_millis: 60_000, retry_on_timeout: true } as const;

const missing = (what: string) =>
  err('missing_context', `This plan needs ${what}, which the incident does not carry.`, { missing: what });
const refused = (why: string) => err('precondition_failed', why, {});

type PlanResult = Result<RemediationPlan, PlanRefusal>;

interface PlanParts {
  calls: PlannedCall[];
  rollback: string;
  rollbackCalls?: PlannedCall[];
  estimatedCostUsd?: number | null;
  title?: string;
  verify: VerifySpec;
  repairsJob?: RemediationPlan['repairsJob'];
  notify?: RemediationPlan['notify'];
}

const ACTIVE_RUN_STATES = new Set([
  'QUEUED',
  'PENDING',
  'RUNNING',
  'TERMINATING',
  'BLOCKED',
  'WAITING_FOR_RETRY',
]);
const OK_RESULTS = new Set(['SUCCESS', 'SUCCESS_WITH_FAILURES', 'EXCLUDED']);

/** True while the run (or a task run) has not ended (by `state` or the newer `status`). */
export function runIsActive(run: Pick<Run, 'state' | 'status'>): boolean {
  const state = run.status?.state ?? run.state?.life_cycle_state;
  return state !== undefined && ACTIVE_RUN_STATES.has(state);
}

/** Task keys whose latest attempt did not succeed. */
function failedTasks(run: Run): string[] {
  const latest = new Map<string, string | undefined>();
  for (const t of run.tasks ?? []) latest.set(t.task_key, t.state?.result_state);
  return [...latest].filter(([, r]) => r !== undefined && !OK_RESULTS.has(r)).map(([k]) => k);
}

/**
 * Builds the dry-run plan for `kind`. Pure: the same context gives the same plan. Refuses with
 * `missing_context` (and says what is missing) rather than guessing an id or a setting, and with
 * `precondition_failed` when the workspace is not in a state the action fits (repairing a run that is
 * still going, starting a running warehouse).
 */
export function planRemediation(kind: RemediationKind, context: RemediationContext): PlanResult {
  const info = REMEDIATION_INFO[kind];
  const target = targetOf(kind, context);
  const plan = (parts: PlanParts): PlanResult =>
    ok({
      ...(target === undefined ? {} : { target }),
      kind,
      title: parts.title ?? info.label,
      calls: parts.calls,
      risk: info.risk,
      destructive: info.destructive,
      rollback: parts.rollback,
      rollbackCalls: parts.rollbackCalls ?? [],
      estimatedCostUsd: parts.estimatedCostUsd ?? null,
      verify: parts.verify,
      ...(parts.repairsJob === undefined ? {} : { repairsJob: parts.repairsJob }),
      ...(parts.notify === undefined ? {} : { notify: parts.notify }),
    });
  const jobsRate = context.jobsUsdPerDbu ?? 0.15;

  switch (kind) {
    case 'rerun': {
      if (context.jobId === undefined) return missing('a job id');
      if (context.run !== undefined && runIsActive(context.run))
        return refused(`Run ${context.runId} is still going; a rerun would race it. Cancel it first.`);
      const body: Record<string, unknown> = { job_id: context.jobId };
      if (context.idempotencyToken !== undefined)
        body.idempotency_token = context.idempotencyToken.slice(0, 64);
      return plan({
        calls: [{ method: 'POST', path: `${JOBS}/run-now`, body }],
        rollback: `Cancel the new run with POST ${JOBS}/runs/cancel if it should not continue.`,
        estimatedCostUsd: jobHourlyUsd(context.job?.settings, jobsRate),
        verify: { target: 'run', expect: 'success' },
      });
    }
    case 'repair': {
      const repair = repairCall(context);
      if (!repair.ok) return repair;
      return plan({
        calls: [repair.value],
        rollback: `Cancel the repaired run with POST ${JOBS}/runs/cancel; tasks that already succeeded keep their output.`,
        estimatedCostUsd: jobHourlyUsd(context.job?.settings, jobsRate),
        verify: { target: 'run', runId: context.runId, expect: 'success' },
      });
    }
    case 'retry_with_params':
      return planRetryWithParams(context, plan);
    case 'cancel_run': {
      if (context.runId === undefined) return missing('a run id');
      if (context.run !== undefined && !runIsActive(context.run))
        return refused(`Run ${context.runId} has already ended; there is nothing to cancel.`);
      return plan({
        calls: [{ method: 'POST', path: `${JOBS}/runs/cancel`, body: { run_id: context.runId } }],
        rollback: `A cancelled run cannot be resumed: start the job again with POST ${JOBS}/run-now, or repair the cancelled run.`,
        estimatedCostUsd: 0,
        verify: { target: 'run', runId: context.runId, expect: 'stopped' },
      });
    }
    case 'kill_query': {
      if (context.statementId === undefined) return missing('a statement id');
      return plan({
        calls: [
          {
            method: 'POST',
            path: `/api/2.0/sql/statements/${encodeURIComponent(context.statementId)}/cancel`,
          },
        ],
        rollback: 'A cancelled statement cannot be resumed; run the query again if it is still needed.',
        estimatedCostUsd: 0,
        verify: { target: 'statement', statementId: context.statementId },
      });
    }
    case 'start_warehouse': {
      if (context.warehouseId === undefined) return missing('a warehouse id');
      const state = context.warehouse?.state;
      if (state === 'RUNNING' || state === 'STARTING') return refused(`The warehouse is already ${state}.`);
      const perHour = warehouseDbuPerHour(context.warehouse);
      const path = `${WAREHOUSES}/${encodeURIComponent(context.warehouseId)}`;
      return plan({
        calls: [{ method: 'POST', path: `${path}/start`, body: {} }],
        rollback: `Stop it again with POST ${path}/stop.`,
        rollbackCalls: [{ method: 'POST', path: `${path}/stop`, body: {} }],
        estimatedCostUsd: perHour === null ? null : round(perHour * (context.sqlUsdPerDbu ?? 0.7)),
        verify: { target: 'warehouse', warehouseId: context.warehouseId },
      });
    }
    case 'scale_warehouse':
      return planScaleWarehouse(context, plan);
    case 'set_auto_stop':
      return planSetAutoStop(context, plan);
    case 'restart_cluster': {
      if (context.clusterId === undefined) return missing('a cluster id');
      const state = context.cluster?.state;
      if (state !== undefined && state !== 'RUNNING')
        return refused(`The cluster is ${state}; only a running cluster can be restarted.`);
      return plan({
        calls: [{ method: 'POST', path: `${CLUSTERS}/restart`, body: { cluster_id: context.clusterId } }],
        rollback: 'A restart cannot be undone; state lost on the cluster must be recomputed.',
        estimatedCostUsd: 0,
        verify: { target: 'cluster', clusterId: context.clusterId },
      });
    }
    case 'restart_pipeline_update':
      return planRestartPipelineUpdate(context, plan);
    case 'pause_schedule':
    case 'resume_schedule': {
      if (context.jobId === undefined) return missing('a job id');
      const schedule = context.job?.settings?.schedule;
      if (schedule === undefined) return missing("the job's schedule (jobs/get)");
      const target = kind === 'pause_schedule' ? 'PAUSED' : 'UNPAUSED';
      const before = schedule.pause_status ?? 'UNPAUSED';
      if (before === target)
        return refused(`The schedule is already ${target === 'PAUSED' ? 'paused' : 'running'}.`);
      const update = (pause_status: string): PlannedCall => ({
        method: 'POST',
        path: `${JOBS}/update`,
        body: { job_id: context.jobId, new_settings: { schedule: { ...schedule, pause_status } } },
      });
      return plan({
        calls: [update(target)],
        rollback: `Set pause_status back to ${before} with POST ${JOBS}/update.`,
        rollbackCalls: [update(before)],
        estimatedCostUsd: 0,
        verify: {
          target: 'job_settings',
          jobId: context.jobId,
          settings: { schedule: { pause_status: target } },
        },
      });
    }
    case 'set_retry_policy': {
      if (context.jobId === undefined) return missing('a job id');
      const task = taskOf(context);
      if (task === undefined) return missing("the failing task's settings (jobs/get and a task key)");
      const after = { ...task, ...RETRY_POLICY };
      return plan({
        calls: [jobsUpdate(context.jobId, { tasks: [after] })],
        rollback: `Send the task back with max_retries ${task.max_retries ?? 0} via POST ${JOBS}/update.`,
        rollbackCalls: [jobsUpdate(context.jobId, { tasks: [task] })],
        estimatedCostUsd: 0,
        verify: {
          target: 'job_settings',
          jobId: context.jobId,
          settings: { tasks: [{ task_key: task.task_key, ...RETRY_POLICY }] },
        },
      });
    }
    case 'notify_owner': {
      const owner = context.owner ?? context.job?.creator_user_name;
      if (owner === undefined)
        return context.ownerHelp === undefined
          ? missing('an owner')
          : err('missing_context', context.ownerHelp, { missing: 'an owner' });
      const source =
        context.owner === undefined ? `the creator of job ${context.jobId}` : context.ownerSource;
      const text = `${owner}${source === undefined ? '' : ` (${source})`}: dbxops asks you to look at "${context.incidentTitle ?? 'this incident'}": no automatic fix fits it.`;
      return plan({
        title: `Ask ${owner} in the incident's thread`,
        calls: [],
        rollback: 'Nothing to roll back: no Databricks call is made, only a note in the incident thread.',
        estimatedCostUsd: 0,
        verify: { target: 'none' },
        notify: { owner, ...(source === undefined ? {} : { source }), text },
      });
    }
  }
}

function targetOf(kind: RemediationKind, context: RemediationContext): PlanTarget | undefined {
  switch (kind) {
    case 'notify_owner':
      return undefined;
    case 'start_warehouse':
    case 'scale_warehouse':
    case 'set_auto_stop':
    case 'kill_query':
      return context.warehouseId === undefined
        ? undefined
        : { kind: 'warehouse', warehouseId: context.warehouseId, name: context.warehouse?.name };
    case 'restart_cluster':
      return context.clusterId === undefined ? undefined : { kind: 'cluster', clusterId: context.clusterId };
    case 'restart_pipeline_update':
      return context.pipelineId === undefined
        ? undefined
        : { kind: 'pipeline', pipelineId: context.pipelineId, name: context.pipeline?.name };
    case 'retry_with_params':
      // Without a job, the change is to the shared cluster itself (on-demand nodes).
      if (context.jobId === undefined && context.clusterId !== undefined)
        return { kind: 'cluster', clusterId: context.clusterId };
      return context.jobId === undefined
        ? undefined
        : { kind: 'job', jobId: context.jobId, name: context.job?.settings?.name };
    default:
      return context.jobId === undefined
        ? undefined
        : { kind: 'job', jobId: context.jobId, name: context.job?.settings?.name };
  }
}

function repairCall(context: RemediationContext): Result<PlannedCall, PlanRefusal> {
  if (context.runId === undefined) return missing('a run id');
  const run = context.run;
  if (run !== undefined) {
    if (runIsActive(run))
      return refused(`Run ${context.runId} is still going; it can be repaired once it ends.`);
    if (failedTasks(run).length === 0 && (run.tasks ?? []).length > 0)
      return refused(`Run ${context.runId} has no failed task to repair.`);
  }
  return ok(repairOf(context.runId, context.latestRepairId));
}

/**
 * Failed tasks only (and what depends on them); the repair history is honoured so a second repair is
 * accepted and a repeated one refused by Databricks.
 */
function repairOf(runId: number, latestRepairId: number | undefined): PlannedCall {
  const body: Record<string, unknown> = { run_id: runId, rerun_all_failed_tasks: true };
  if (latestRepairId !== undefined) body.latest_repair_id = latestRepairId;
  return { method: 'POST', path: `${JOBS}/runs/repair`, body };
}

const jobsUpdate = (jobId: number, newSettings: Record<string, unknown>): PlannedCall => ({
  method: 'POST',
  path: `${JOBS}/update`,
  body: { job_id: jobId, new_settings: newSettings },
});

function taskOf(context: RemediationContext): JobTask | undefined {
  const tasks = context.job?.settings?.tasks ?? [];
  return tasks.find((t) => t.task_key === context.taskKey) ?? (tasks.length === 1 ? tasks[0] : undefined);
}

type Planner = (parts: PlanParts) => PlanResult;

/** Update states from which the update will not move on by itself. */
export const ENDED_UPDATE_STATES: ReadonlySet<string> = new Set(['COMPLETED', 'FAILED', 'CANCELED']);

const PIPELINE_CALL = /^\/api\/2\.0\/pipelines\/([^/?]+)\/(stop|updates)$/;

/** A pipeline's stop or start-update call, with the pipeline's id; undefined for any other call. */
export function pipelineCallOf(
  call: PlannedCall,
): { readonly pipelineId: string; readonly what: 'stop' | 'updates' } | undefined {
  const m = call.method === 'POST' ? PIPELINE_CALL.exec(call.path) : null;
  if (m?.[1] === undefined || (m[2] !== 'stop' && m[2] !== 'updates')) return undefined;
  return { pipelineId: decodeURIComponent(m[1]), what: m[2] };
}

/**
 * A `jobs/runs/repair` call's run and the repair it names as the latest, or undefined for any other
 * call (a field the body lacks is undefined).
 */
export function repairCallOf(
  call: PlannedCall,
): { readonly runId?: number | undefined; readonly latestRepairId?: number | undefined } | undefined {
  if (!call.path.endsWith('/runs/repair')) return undefined;
  const body = (call.body ?? {}) as { run_id?: unknown; latest_repair_id?: unknown };
  const num = (v: unknown) => (typeof v === 'number' ? v : undefined);
  return { runId: num(body.run_id), latestRepairId: num(body.latest_repair_id) };
}

/** The newest REPAIR id in a run's `repair_history` (read with `include_history`). */
export function latestRepairOf(run: Pick<Run, 'repair_history'>): number | undefined {
  const repairs = (run.repair_history ?? []).filter((r) => r.type === 'REPAIR' && r.id !== undefined);
  const last = repairs.at(-1)?.id;
  return last === undefined ? undefined : Number(last);
}

/** The `pipelines/{id}/updates` and `/stop` paths of a pipeline. */
const pipelinePath = (pipelineId: string) => `${PIPELINES}/${encodeURIComponent(pipelineId)}`;

/**
 * What an on-call engineer does with an update that hangs without an error: stop it, and once the
 * pipeline is idle (the runner waits for the stopped update to end before the second call) start a new
 * one. Never a full refresh, which truncates and rebuilds every table. Refused for an update that is
 * not going (nothing hangs), for a pipeline that failed (an error is its owner's to fix, and a new
 * update fails the same way), and for a pipeline in development mode: that is someone iterating on it,
 * whose cluster is kept up on purpose and whose session a restart from chat would throw away.
 */
function planRestartPipelineUpdate(context: RemediationContext, plan: Planner): PlanResult {
  if (context.pipelineId === undefined) return missing('a pipeline id');
  const pipeline = context.pipeline;
  if (pipeline === undefined) return missing("the pipeline's state (pipelines/{id})");
  const name = pipeline.name ?? context.pipelineId;
  if (pipeline.state === 'FAILED')
    return refused(
      `Pipeline ${name} failed with an error; a new update fails the same way. Its owner fixes the error.`,
    );
  if (pipeline.spec?.development === true)
    return refused(
      `Pipeline ${name} is in development mode: someone is working on it, and a restart would end their session. Ask its owner.`,
    );
  const stuck = pipeline.latest_updates?.[0];
  if (stuck === undefined || stuck.state === undefined || ENDED_UPDATE_STATES.has(stuck.state))
    return refused(`Pipeline ${name} has no update running; there is no stuck update to restart.`);
  if (stuck.state === 'STOPPING')
    return refused(`The update of pipeline ${name} is already stopping; start a new one once it has.`);
  const path = pipelinePath(context.pipelineId);
  const stop: PlannedCall = { method: 'POST', path: `${path}/stop`, body: {} };
  // Who started it decides how it is restarted: unread, a job's update would be stopped under its run.
  if (context.stuckUpdate?.updateId !== stuck.update_id)
    return missing(
      `who started update ${stuck.update_id} of ${name} (its cause, pipelines/{id}/updates/{update_id})`,
    );
  if (context.stuckUpdate.cause === 'JOB_TASK') return planRestartThroughRun(context, name, stop, plan);
  return plan({
    title: `Stop the stuck update of ${name} and start a new one`,
    calls: [stop, { method: 'POST', path: `${path}/updates`, body: { full_refresh: false } }],
    rollback: `The stopped update cannot be resumed, and needs no undoing: the tables keep what they last committed. Stop the new update with POST ${path}/stop if it should not run.`,
    rollbackCalls: [stop],
    // The new update runs on the compute the stuck one held (and stops burning): nothing is added.
    estimatedCostUsd: 0,
    verify: {
      target: 'pipeline_update',
      pipelineId: context.pipelineId,
      stoppedUpdateId: stuck.update_id,
      continuous: pipeline.spec?.continuous === true,
    },
  });
}

/**
 * An update a job's pipeline task started is restarted through its run: a stop alone would fail the
 * task, cancel the tasks after it and end the run, so nothing downstream would ever write. Once the
 * run has ended (the runner waits for it before the second call), a repair reruns the pipeline task,
 * which starts the new update, and every task after it, in the same run.
 */
function planRestartThroughRun(
  context: RemediationContext,
  name: string,
  stop: PlannedCall,
  plan: Planner,
): PlanResult {
  const started = context.pipelineJobRun;
  if (started === undefined)
    return missing('the job run whose pipeline task started the update (jobs/runs/list, active runs)');
  const runId = started.run.run_id;
  const job = started.run.run_name ?? `job ${started.run.job_id ?? 'unknown'}`;
  return plan({
    title: `Stop the stuck update of ${name} and repair run ${runId} of ${job}, whose task ${started.taskKey} started it`,
    calls: [stop, repairOf(runId, started.latestRepairId)],
    rollback: `The stopped update cannot be resumed, and needs no undoing: the tables keep what they last committed. The stop ends run ${runId} (task ${started.taskKey} and the tasks after it do not run); the repair reruns them in the same run. Cancel the repaired run with POST ${JOBS}/runs/cancel if it should not go on.`,
    rollbackCalls: [{ method: 'POST', path: `${JOBS}/runs/cancel`, body: { run_id: runId } }],
    // The tasks the repair reruns were due to run anyway, and the new update replaces the stuck one.
    estimatedCostUsd: 0,
    verify: { target: 'run', runId, expect: 'success' },
    ...(started.run.job_id === undefined
      ? {}
      : { repairsJob: { kind: 'job', jobId: started.run.job_id, name: started.run.run_name } }),
  });
}

/**
 * The change the classification calls for, then a repair of the failed run (or a one-off run when
 * there is none to repair): bigger nodes for memory, a doubled timeout for timeouts, on-demand nodes
 * for lost spot capacity, more workers otherwise. The whole entry is sent, and the entry as it was is
 * kept as the rollback call.
 */
function planRetryWithParams(context: RemediationContext, plan: Planner): PlanResult {
  if (context.jobId === undefined && context.clusterId !== undefined)
    return planClusterOnDemand(context, plan);
  if (context.jobId === undefined) return missing('a job id');
  const settings: JobSettings | undefined = context.job?.settings;
  if (settings === undefined) return missing("the job's settings (jobs/get)");
  const change = paramsChange(context, settings);
  if (!change.ok) return change;
  const { update, before, title, cost } = change.value;
  const then = context.runId !== undefined ? repairCall(context) : undefined;
  if (then !== undefined && !then.ok) return then;
  const rerunBody: Record<string, unknown> = { job_id: context.jobId };
  if (context.idempotencyToken !== undefined)
    rerunBody.idempotency_token = context.idempotencyToken.slice(0, 64);
  const second: PlannedCall = then?.value ?? { method: 'POST', path: `${JOBS}/run-now`, body: rerunBody };
  return plan({
    title,
    calls: [jobsUpdate(context.jobId, update), second],
    rollback: `Send the saved settings back with POST ${JOBS}/update (${describeBefore(before)}).`,
    rollbackCalls: [jobsUpdate(context.jobId, before)],
    estimatedCostUsd: cost,
    verify: { target: 'run', runId: then === undefined ? undefined : context.runId, expect: 'success' },
  });
}

/** The spec fields `clusters/edit` takes back: everything it needs to keep the cluster as it is. */
const EDITABLE = [
  'cluster_name',
  'spark_version',
  'node_type_id',
  'driver_node_type_id',
  'num_workers',
  'autoscale',
  'autotermination_minutes',
  'custom_tags',
  'spark_conf',
  'runtime_engine',
  'data_security_mode',
  'single_user_name',
  'aws_attributes',
  'azure_attributes',
  'gcp_attributes',
] as const;

/**
 * A shared all-purpose cluster lost its spot nodes under every job on it: the same settings lose them
 * again, so the change is on-demand nodes for the whole cluster (`clusters/edit` with the full spec it
 * has now, which restarts a running cluster). The spec as it was is the rollback; the jobs' failed runs
 * are repaired by their owners once it runs again.
 */
function planClusterOnDemand(context: RemediationContext, plan: Planner): PlanResult {
  const cluster = context.cluster;
  if (cluster === undefined || context.clusterId === undefined)
    return missing("the cluster's spec (clusters/get)");
  const before: Record<string, unknown> = { cluster_id: context.clusterId };
  for (const key of EDITABLE) if (cluster[key] !== undefined) before[key] = cluster[key];
  // clusters/get reports an autoscaling cluster's workers of the moment beside its range: sent back,
  // that count pins it at that size (a cluster just back from losing nodes, at its minimum).
  if (before.autoscale !== undefined) delete before.num_workers;
  if (isOnDemand(before))
    return refused('The cluster already runs on on-demand nodes; another spot loss cannot explain this.');
  const after = { ...before, ...onDemand(before) };
  const edit = (body: Record<string, unknown>): PlannedCall => ({
    method: 'POST',
    path: `${CLUSTERS}/edit`,
    body,
  });
  return plan({
    title: `${cluster.cluster_name ?? context.clusterId} on on-demand nodes instead of spot`,
    calls: [edit(after)],
    rollback: `Send the saved spec back with POST ${CLUSTERS}/edit (spot nodes again); the cluster restarts once more.`,
    rollbackCalls: [edit(before)],
    estimatedCostUsd: null,
    verify: { target: 'cluster', clusterId: context.clusterId },
  });
}

interface ParamsChange {
  update: Record<string, unknown>;
  before: Record<string, unknown>;
  title: string;
  cost: number | null;
}

function paramsChange(context: RemediationContext, settings: JobSettings): Result<ParamsChange, PlanRefusal> {
  const category = context.category ?? 'resource';
  const task = taskOf(context);
  if (category === 'timeout') {
    if (task === undefined) return missing("the failing task's settings (jobs/get and a task key)");
    const current = task.timeout_seconds ?? 0;
    // 0 means "no timeout": there is nothing to double, and a timeout failure then came from the job level.
    if (current <= 0) return missing('a task timeout to double (the task has none)');
    return ok({
      update: { tasks: [{ ...task, timeout_seconds: current * 2 }] },
      before: { tasks: [task] },
      title: `${task.task_key}: timeout ${current} s → ${current * 2} s`,
      cost: null,
    });
  }
  const clusters = settings.job_clusters ?? [];
  const entry = clusters.find((c) => c.job_cluster_key === task?.job_cluster_key) ?? clusters[0];
  if (entry === undefined) return missing("a job cluster in the job's settings (jobs/get)");
  const before = entry.new_cluster;
  const after: Record<string, unknown> & typeof before = { ...before };
  let title: string;
  const larger = before.node_type_id === undefined ? undefined : largerNodeType(before.node_type_id);
  if ((category === 'capacity' || category === 'node_lost') && !isOnDemand(before)) {
    Object.assign(after, onDemand(before));
    title = `${entry.job_cluster_key} on on-demand nodes instead of spot`;
  } else if (category === 'resource' && larger !== undefined) {
    after.node_type_id = larger;
    // The driver grows within its own family: a CPU driver beside GPU workers stays a CPU node.
    if (before.driver_node_type_id !== undefined)
      after.driver_node_type_id = largerNodeType(before.driver_node_type_id) ?? before.driver_node_type_id;
    title = `${entry.job_cluster_key} on ${larger}`;
  } else if (before.autoscale !== undefined) {
    after.autoscale = {
      ...before.autoscale,
      max_workers: Math.min(
        MAX_WORKERS,
        Math.max(before.autoscale.max_workers * 2, before.autoscale.min_workers + 1),
      ),
    };
    title = `More workers for ${entry.job_cluster_key}`;
  } else {
    after.num_workers = Math.min(MAX_WORKERS, Math.max(1, (before.num_workers ?? 0) * 2));
    title = `More workers for ${entry.job_cluster_key}`;
  }
  return ok({
    update: { job_clusters: [{ ...entry, new_cluster: after }] },
    before: { job_clusters: [entry] },
    title,
    cost: clusterCostDelta(before, after, context.jobsUsdPerDbu ?? 0.15),
  });
}

type Availability = { availability?: unknown };
function isOnDemand(spec: Record<string, unknown>): boolean {
  const attrs = ['aws_attributes', 'azure_attributes', 'gcp_attributes'].map(
    (k) => spec[k] as Availability | undefined,
  );
  return attrs.some((a) => typeof a?.availability === 'string' && a.availability.startsWith('ON_DEMAND'));
}

/** The cloud's on-demand setting, on the attributes block the spec already uses (AWS when none). */
function onDemand(spec: Record<string, unknown>): Record<string, unknown> {
  if (spec.azure_attributes !== undefined)
    return { azure_attributes: { ...(spec.azure_attributes as object), availability: 'ON_DEMAND_AZURE' } };
  if (spec.gcp_attributes !== undefined)
    return { gcp_attributes: { ...(spec.gcp_attributes as object), availability: 'ON_DEMAND_GCP' } };
  return {
    aws_attributes: { ...((spec.aws_attributes as object | undefined) ?? {}), availability: 'ON_DEMAND' },
  };
}

function describeBefore(before: Record<string, unknown>): string {
  const [entry] = (before.job_clusters as { new_cluster: ClusterShape }[] | undefined) ?? [];
  if (entry !== undefined)
    return `node type ${entry.new_cluster.node_type_id ?? 'unchanged'}, ${workersText(entry.new_cluster)}`;
  const [task] = (before.tasks as JobTask[] | undefined) ?? [];
  return task === undefined ? 'as saved' : `timeout_seconds ${task.timeout_seconds ?? 0}`;
}

/** The warehouse's settings as an edit sends them: its read-only fields (id, state, health …) left out. */
function editableConfig(w: Warehouse) {
  const {
    id: _id,
    state: _s,
    health: _h,
    num_clusters: _n,
    num_active_sessions: _a,
    jdbc_url: _j,
    creator_name: _c,
    ...config
  } = w;
  return config;
}

/** Databricks' limit on a SQL warehouse's `max_num_clusters`. */
const MAX_WAREHOUSE_CLUSTERS = 40;

/**
 * One more cluster; the full config is sent because omitted fields may be reset. Queued statements wait
 * for a slot, and slots come with clusters: the extra one runs only while statements queue, so a burst
 * costs while it lasts. A bigger size makes each statement faster, not more of them run at once, and
 * bills more every hour the warehouse runs, for good: it is the change only at the cluster limit.
 */
function planScaleWarehouse(context: RemediationContext, plan: Planner): PlanResult {
  if (context.warehouseId === undefined) return missing('a warehouse id');
  const w = context.warehouse;
  if (w === undefined) return missing("the warehouse's current config (warehouses/{id})");
  const config = editableConfig(w);
  const clusters = w.max_num_clusters ?? 1;
  const atLimit = clusters >= MAX_WAREHOUSE_CLUSTERS;
  const index = WAREHOUSE_SIZES.findIndex(([size]) => size === w.cluster_size);
  const nextSize =
    atLimit && index >= 0 ? WAREHOUSE_SIZES[Math.min(index + 1, WAREHOUSE_SIZES.length - 1)]?.[0] : undefined;
  const maxClusters = Math.min(MAX_WAREHOUSE_CLUSTERS, clusters + 1);
  const edited = {
    ...config,
    ...(nextSize === undefined ? {} : { cluster_size: nextSize }),
    max_num_clusters: maxClusters,
  };
  const beforeRate = WAREHOUSE_SIZES.find(([s]) => s === w.cluster_size)?.[1];
  const afterRate = WAREHOUSE_SIZES.find(([s]) => s === edited.cluster_size)?.[1];
  // Priced at full scale-out (every allowed cluster running): the most the change can add per hour.
  const cost =
    beforeRate === undefined || afterRate === undefined
      ? null
      : round((afterRate * maxClusters - beforeRate * clusters) * (context.sqlUsdPerDbu ?? 0.7));
  const path = `${WAREHOUSES}/${encodeURIComponent(context.warehouseId)}/edit`;
  return plan({
    calls: [{ method: 'POST', path, body: edited }],
    rollback: `Edit it back to cluster_size ${w.cluster_size ?? '(unchanged)'} and max_num_clusters ${clusters}.`,
    rollbackCalls: [{ method: 'POST', path, body: config }],
    estimatedCostUsd: cost,
    verify: {
      target: 'warehouse',
      warehouseId: context.warehouseId,
      clusterSize: edited.cluster_size,
      maxClusters,
    },
  });
}

/**
 * Auto-stop after `AUTO_STOP_MINS` idle minutes on a warehouse that has none (or a longer one): the
 * whole config is sent with the new `auto_stop_mins` (omitted fields may be reset), and the config as
 * it was, with its `auto_stop_mins`, is the rollback call. It adds nothing: the estimate is what it
 * saves per hour the warehouse would have idled, as a negative change.
 */
function planSetAutoStop(context: RemediationContext, plan: Planner): PlanResult {
  if (context.warehouseId === undefined) return missing('a warehouse id');
  const w = context.warehouse;
  if (w === undefined) return missing("the warehouse's current config (warehouses/{id})");
  const before = w.auto_stop_mins ?? 0;
  if (before > 0 && before <= AUTO_STOP_MINS)
    return refused(`The warehouse already stops itself after ${before} idle minutes.`);
  const config = { ...editableConfig(w), auto_stop_mins: before };
  const perHour = warehouseDbuPerHour(w);
  const saved = perHour === null ? null : round(perHour * (context.sqlUsdPerDbu ?? 0.7));
  const path = `${WAREHOUSES}/${encodeURIComponent(context.warehouseId)}/edit`;
  return plan({
    title: `Auto-stop ${w.name ?? 'the warehouse'} after ${AUTO_STOP_MINS} idle minutes${saved === null ? '' : ` (saves about $${saved.toFixed(2)} per idle hour)`}`,
    calls: [{ method: 'POST', path, body: { ...config, auto_stop_mins: AUTO_STOP_MINS } }],
    rollback: `Edit it back to auto_stop_mins ${before}${before === 0 ? ' (never stops by itself)' : ''}.`,
    rollbackCalls: [{ method: 'POST', path, body: config }],
    estimatedCostUsd: saved === null ? 0 : -saved,
    verify: { target: 'warehouse', warehouseId: context.warehouseId, autoStopMins: AUTO_STOP_MINS },
  });
}

/** The next node type up the same family, for the families we know; undefined otherwise. */
export function largerNodeType(nodeType: string): string | undefined {
  const azure = /^Standard_DS(\d+)_v2$/.exec(nodeType);
  if (azure?.[1] !== undefined) {
    const n = Number(azure[1]);
    return n < 5 ? `Standard_DS${n + 1}_v2` : undefined;
  }
  const aws = /^([a-z]\d[a-z]*)\.(\d*)xlarge$/.exec(nodeType);
  if (aws?.[1] !== undefined) {
    const factor = aws[2] === '' || aws[2] === undefined ? 1 : Number(aws[2]);
    return factor >= 16 ? undefined : `${aws[1]}.${factor * 2}xlarge`;
  }
  return undefined;
}

type ClusterShape = {
  node_type_id?: string | undefined;
  num_workers?: number | undefined;
  autoscale?: { max_workers: number } | undefined;
};

function workersText(c: ClusterShape): string {
  return c.autoscale !== undefined
    ? `max ${c.autoscale.max_workers} workers`
    : `${c.num_workers ?? 0} workers`;
}

/** Extra USD per hour at the cluster's largest size, or null for unknown node types. */
function clusterCostDelta(before: ClusterShape, after: ClusterShape, usdPerDbu: number): number | null {
  const rate = (c: ClusterShape) => {
    const dbu = c.node_type_id === undefined ? undefined : NODE_DBU[c.node_type_id];
    if (dbu === undefined) return null;
    return dbu * ((c.autoscale?.max_workers ?? c.num_workers ?? 0) + 1);
  };
  const a = rate(before);
  const b = rate(after);
  return a === null || b === null ? null : round((b - a) * usdPerDbu);
}

function warehouseDbuPerHour(w: Warehouse | undefined): number | null {
  const rate = WAREHOUSE_SIZES.find(([s]) => s === w?.cluster_size)?.[1];
  return rate === undefined ? null : rate * (w?.num_clusters ?? w?.min_num_clusters ?? 1);
}

const round = (usd: number) => Math.round(usd * 100) / 100;

/** What one more hour of the job's clusters costs at list price, or null for unknown node types. */
function jobHourlyUsd(settings: JobSettings | undefined, usdPerDbu: number): number | null {
  const clusters = settings?.job_clusters ?? [];
  if (clusters.length === 0) return null;
  let dbu = 0;
  for (const c of clusters) {
    const rate = c.new_cluster.node_type_id === undefined ? undefined : NODE_DBU[c.new_cluster.node_type_id];
    if (rate === undefined) return null;
    dbu += rate * ((c.new_cluster.autoscale?.max_workers ?? c.new_cluster.num_workers ?? 0) + 1);
  }
  return round(dbu * usdPerDbu);
}
