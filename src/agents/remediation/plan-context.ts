import { createHash } from 'node:crypto';
import type { Logger } from '../../config/logger.js';
import type { DatabricksClient } from '../../databricks/rest/databricks-client.js';
import type { Incident } from '../../domain/incident.js';
import type { Signal } from '../../domain/signal.js';
import { type FindOwnerDeps, findOwner } from './find-owner.js';
import {
  ENDED_UPDATE_STATES,
  latestRepairOf,
  type RemediationContext,
  runIsActive,
} from './plan-remediation.js';
import type { RemediationKind } from './remediation-kind.js';

const READS_JOB: readonly RemediationKind[] = [
  'rerun',
  'repair',
  'retry_with_params',
  'pause_schedule',
  'resume_schedule',
  'set_retry_policy',
];
const READS_RUN: readonly RemediationKind[] = ['rerun', 'repair', 'retry_with_params', 'cancel_run'];
const READS_WAREHOUSE: readonly RemediationKind[] = ['scale_warehouse', 'start_warehouse', 'set_auto_stop'];

/**
 * Ids from the root signal, plus fresh state read from the workspace for what the plan checks or edits
 * (the job's settings, the run's state and repair history, the warehouse, the cluster). Read again at
 * every press, so a plan is drawn, and its preconditions checked, against the workspace as it is now.
 * A read that fails leaves its field out: the plan then says what it could not read.
 */
export async function readPlanContext(
  deps: {
    readonly databricks?: DatabricksClient | undefined;
    readonly logger: Logger;
    readonly routing?: FindOwnerDeps['routing'];
  },
  kind: RemediationKind,
  incident: Incident,
  signal: Signal | undefined,
): Promise<RemediationContext> {
  const refs = signal?.refs ?? {};
  const num = (v: string | undefined) => (v !== undefined && /^\d{1,16}$/.test(v) ? Number(v) : undefined);
  const context: Writable<RemediationContext> = {
    jobId: num(refs.jobId),
    runId: num(refs.runId),
    taskKey: refs.taskKey,
    clusterId: refs.clusterId,
    warehouseId: refs.warehouseId,
    pipelineId: refs.pipelineId,
    statementId: signal?.subject.type === 'query' ? signal.subject.id : undefined,
    category: signal?.classification?.category ?? (signal?.kind === 'run_timed_out' ? 'timeout' : undefined),
    incidentTitle: incident.title,
    // The same incident version gives the same token: a rerun pressed twice starts one run.
    idempotencyToken: `dbxops-${createHash('sha256').update(`${incident.id}:${incident.version}:${kind}`).digest('hex').slice(0, 32)}`,
  };
  if (kind === 'notify_owner') {
    const owner = await findOwner(deps, incident, signal);
    if (owner.found) {
      context.owner = owner.owner;
      context.ownerSource = owner.source;
    } else {
      context.ownerHelp = owner.help;
    }
  }
  const api = deps.databricks;
  if (api === undefined) return context;
  try {
    if (READS_JOB.includes(kind) && context.jobId !== undefined)
      context.job = await api.jobs.getJob(context.jobId);
    if (READS_RUN.includes(kind) && context.runId !== undefined) {
      const run = await api.jobs.getRun(context.runId, { include_history: true });
      context.run = run;
      context.latestRepairId = latestRepairOf(run);
    }
    if (READS_WAREHOUSE.includes(kind) && context.warehouseId !== undefined)
      context.warehouse = await api.warehouses.getWarehouse(context.warehouseId);
    // A restart checks the cluster's state; on-demand nodes for a shared cluster edit its full spec.
    const editsCluster = kind === 'retry_with_params' && context.jobId === undefined;
    if ((kind === 'restart_cluster' || editsCluster) && context.clusterId !== undefined)
      context.cluster = await api.clusters.getCluster(context.clusterId);
    if (kind === 'restart_pipeline_update' && context.pipelineId !== undefined) {
      context.pipeline = await api.pipelines.getPipeline(context.pipelineId);
      await readStuckUpdate(api, context.pipelineId, context);
    }
  } catch (error) {
    deps.logger.warn(
      { err: error, kind, incidentId: incident.id },
      'could not read current state for a plan',
    );
  }
  return context;
}

type Writable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Who started the pipeline's update in flight: its `cause`, and for a job's pipeline task (`JOB_TASK`)
 * the run still waiting on it, found among the active runs by the task that names this pipeline. A
 * stop fails that task, so the plan then restarts the update through the run (a repair) instead.
 */
async function readStuckUpdate(
  api: DatabricksClient,
  pipelineId: string,
  context: Writable<RemediationContext>,
): Promise<void> {
  const stuck = context.pipeline?.latest_updates?.[0];
  if (stuck === undefined || stuck.state === undefined || ENDED_UPDATE_STATES.has(stuck.state)) return;
  const update = await api.pipelines.getUpdate(pipelineId, stuck.update_id);
  context.stuckUpdate = { updateId: stuck.update_id, cause: update.cause };
  if (update.cause !== 'JOB_TASK') return;
  for await (const run of api.jobs.listRuns({ active_only: true, expand_tasks: true })) {
    const task = (run.tasks ?? []).find((t) => t.pipeline_task?.pipeline_id === pipelineId && runIsActive(t));
    if (task === undefined) continue;
    const full = await api.jobs.getRun(run.run_id, { include_history: true });
    context.pipelineJobRun = { run: full, taskKey: task.task_key, latestRepairId: latestRepairOf(full) };
    return;
  }
}
