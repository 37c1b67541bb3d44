import type { DatabricksClient } from '../../databricks/rest/databricks-client.js';
import type { Run } from '../../databricks/rest/jobs-api.js';
import type { Warehouse } from '../../databricks/rest/warehouses-api.js';
import { classifyError } from '../classifier/classify-error.js';
import { type RemediationPlan, runIsActive } from './plan-remediation.js';
import type { StoredVerify } from './stored-plan.js';

export type CheckedOutcome =
  | { readonly state: 'pending'; readonly summary: string }
  | {
      readonly state: 'recovered' | 'applied' | 'failed';
      readonly summary: string;
      readonly error?: string | undefined;
      readonly category?: string | undefined;
      readonly runId?: number | undefined;
    };

const OK_RESULTS = new Set(['SUCCESS', 'SUCCESS_WITH_FAILURES']);

/**
 * Reads the object a remediation acted on once and says where it stands: still moving (`pending`),
 * `recovered` (the run succeeded, the warehouse or cluster runs, the query stopped), `applied` (settings
 * read back as sent, or a note posted), or `failed` with the new error and its classification.
 */
export async function checkOutcome(
  api: DatabricksClient,
  verify: StoredVerify,
  plan: RemediationPlan,
): Promise<CheckedOutcome> {
  switch (verify.target) {
    case 'run':
      return verifyRun(api, verify);
    case 'warehouse': {
      const w = await api.warehouses.getWarehouse(verify.warehouseId);
      if (verify.autoStopMins !== undefined) return autoStopOutcome(w, verify.autoStopMins);
      if (w.state === 'STOPPED' || w.state === 'DELETED' || w.state === 'DELETING')
        return { state: 'failed', summary: `the warehouse is ${w.state}`, error: `Warehouse ${w.state}` };
      if (w.state !== 'RUNNING')
        return { state: 'pending', summary: `the warehouse is ${w.state ?? 'starting'}` };
      if (verify.clusterSize !== undefined && w.cluster_size !== verify.clusterSize)
        return { state: 'pending', summary: `the warehouse is still ${w.cluster_size}` };
      if (verify.maxClusters !== undefined && w.max_num_clusters !== verify.maxClusters)
        return {
          state: 'pending',
          summary: `the warehouse still scales to ${clusters(w.max_num_clusters ?? 1)}`,
        };
      const scale = verify.maxClusters === undefined ? '' : `, up to ${clusters(verify.maxClusters)}`;
      return {
        state: 'recovered',
        summary: `the warehouse is RUNNING${w.cluster_size ? ` at ${w.cluster_size}` : ''}${scale}`,
      };
    }
    case 'cluster': {
      const c = await api.clusters.getCluster(verify.clusterId);
      if (c.state === 'RUNNING')
        return { state: 'recovered', summary: 'the cluster restarted and is RUNNING' };
      if (c.state === 'TERMINATED' || c.state === 'ERROR' || c.state === 'UNKNOWN')
        return {
          state: 'failed',
          summary: `the cluster is ${c.state}`,
          error: c.state_message ?? `Cluster ${c.state}`,
        };
      return { state: 'pending', summary: `the cluster is ${c.state ?? 'restarting'}` };
    }
    case 'statement': {
      for await (const q of api.queryHistory.listQueries({
        filter_by: { statement_ids: [verify.statementId] },
      })) {
        const status = q.status;
        if (status === 'RUNNING' || status === 'QUEUED' || status === 'STARTED')
          return { state: 'pending', summary: `the query is ${status}` };
        return { state: 'recovered', summary: `the query is ${status ?? 'no longer running'}` };
      }
      return { state: 'recovered', summary: 'the query is no longer in the history as running' };
    }
    case 'pipeline_update':
      return verifyPipelineUpdate(api, verify);
    case 'job_settings': {
      const job = await api.jobs.getJob(verify.jobId);
      return matches(verify.settings, job.settings ?? {})
        ? { state: 'applied', summary: 'the job settings read back as sent' }
        : {
            state: 'failed',
            summary: 'the job settings did not read back as sent',
            error: 'settings mismatch',
          };
    }
    case 'none':
      return {
        state: 'applied',
        summary:
          plan.notify === undefined
            ? 'done'
            : `${plan.notify.owner}${plan.notify.source === undefined ? '' : ` (${plan.notify.source})`} was asked in the incident's thread, on every surface its card is on`,
      };
  }
}

/**
 * `set_auto_stop` is a setting: it holds once it reads back, whether or not the idle warehouse has
 * stopped yet (it stops itself within the minutes set, and starts again on the next query).
 */
function autoStopOutcome(w: Warehouse, minutes: number): CheckedOutcome {
  if (w.auto_stop_mins !== minutes)
    return {
      state: 'failed',
      summary: `auto_stop_mins reads back as ${w.auto_stop_mins ?? 'unset'}, not ${minutes}`,
      error: 'settings mismatch',
    };
  const now =
    w.state === 'STOPPED' || w.state === 'STOPPING'
      ? `it is ${w.state}`
      : `it is ${w.state ?? 'in an unknown state'} and stops after ${minutes} minutes without queries`;
  return { state: 'recovered', summary: `auto-stop reads back as ${minutes} min; ${now}` };
}

async function verifyRun(
  api: DatabricksClient,
  verify: Extract<StoredVerify, { target: 'run' }>,
): Promise<CheckedOutcome> {
  if (verify.runId === undefined)
    return { state: 'failed', summary: 'no run was started', error: 'no run id' };
  const run = await api.jobs.getRun(verify.runId, { include_history: true });
  if (verify.repairId !== undefined) {
    const repair = (run.repair_history ?? []).find((r) => Number(r.id) === verify.repairId);
    // Databricks may still show the run's previous end for a moment after accepting the repair.
    if (repair === undefined)
      return { state: 'pending', summary: `repair ${verify.repairId} has not started` };
  }
  if (runIsActive(run)) return { state: 'pending', summary: `run ${verify.runId} is still going` };
  const result = run.state?.result_state ?? run.status?.termination_details?.code;
  if (verify.expect === 'stopped')
    return {
      state: 'recovered',
      summary: `run ${verify.runId} stopped (${result ?? 'TERMINATED'})`,
      runId: verify.runId,
    };
  if (result !== undefined && OK_RESULTS.has(result))
    return { state: 'recovered', summary: `run ${verify.runId} succeeded`, runId: verify.runId };
  const error = await failureOf(api, run);
  const classification = classifyError({ message: error });
  return {
    state: 'failed',
    summary: `run ${verify.runId} ended ${result ?? 'without success'}: ${error.split('\n')[0]?.slice(0, 300) ?? ''}`,
    error,
    category: classification.category,
    runId: verify.runId,
  };
}

/**
 * The update the restart started: recovered once it COMPLETED — or, for a continuous pipeline whose
 * update runs for good, once it finished a micro-batch (RUNNING alone is what the stuck one showed).
 */
async function verifyPipelineUpdate(
  api: DatabricksClient,
  verify: Extract<StoredVerify, { target: 'pipeline_update' }>,
): Promise<CheckedOutcome> {
  if (verify.updateId === undefined)
    return { state: 'failed', summary: 'no pipeline update was started', error: 'no update id' };
  const update = await api.pipelines.getUpdate(verify.pipelineId, verify.updateId);
  const id = `update ${verify.updateId.slice(0, 8)}`;
  if (update.state === 'COMPLETED') return { state: 'recovered', summary: `${id} COMPLETED` };
  if (update.state === 'FAILED' || update.state === 'CANCELED') {
    const error = await pipelineError(api, verify.pipelineId, verify.updateId);
    const classification = classifyError({ message: error });
    return {
      state: 'failed',
      summary: `${id} ended ${update.state}: ${error.split('\n')[0]?.slice(0, 300) ?? ''}`,
      error,
      category: classification.category,
    };
  }
  if (verify.continuous && update.state === 'RUNNING') {
    for await (const e of api.pipelines.pipelineEvents(verify.pipelineId, { max_results: 100 })) {
      const progress = e.details?.flow_progress as { status?: unknown } | undefined;
      if (
        e.origin?.update_id === verify.updateId &&
        e.event_type === 'flow_progress' &&
        progress?.status === 'COMPLETED'
      )
        return { state: 'recovered', summary: `${id} is RUNNING and finished a batch` };
    }
    return { state: 'pending', summary: `${id} is RUNNING and has not finished a batch yet` };
  }
  return { state: 'pending', summary: `${id} is ${update.state ?? 'starting'}` };
}

/** The newest ERROR event of the update, or a plain statement that it failed. */
async function pipelineError(api: DatabricksClient, pipelineId: string, updateId: string): Promise<string> {
  for await (const e of api.pipelines.pipelineEvents(pipelineId, {
    filter: "level='ERROR'",
    max_results: 50,
  }))
    if (e.origin?.update_id === updateId)
      return e.error?.exceptions?.[0]?.message ?? e.message ?? 'the update failed';
  return 'the pipeline update did not complete';
}

/** The error of the run's latest failed task attempt, or the run's own state message. */
async function failureOf(api: DatabricksClient, run: Run): Promise<string> {
  const latest = new Map<string, NonNullable<Run['tasks']>[number]>();
  for (const t of run.tasks ?? []) latest.set(t.task_key, t);
  const failed = [...latest.values()].find(
    (t) =>
      t.state?.result_state !== undefined &&
      !OK_RESULTS.has(t.state.result_state) &&
      t.state.result_state !== 'EXCLUDED',
  );
  if (failed !== undefined) {
    try {
      const output = await api.jobs.getRunOutput(Number(failed.run_id));
      if (output.error) return output.error;
    } catch {
      // The output is a nicety; the state message below still says what happened.
    }
    if (failed.state?.state_message) return failed.state.state_message;
  }
  return run.state?.state_message ?? run.status?.termination_details?.message ?? 'the run failed';
}

/** True when every field of `expected` appears in `actual` (arrays: each entry matched by key, in place). */
function matches(expected: unknown, actual: unknown): boolean {
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return false;
    return expected.every((e) => {
      const key = keyOf(e);
      const candidates = key === undefined ? actual : actual.filter((a) => keyOf(a) === key);
      return candidates.some((a) => matches(e, a));
    });
  }
  if (expected !== null && typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object') return false;
    return Object.entries(expected).every(([k, v]) => matches(v, (actual as Record<string, unknown>)[k]));
  }
  return expected === actual;
}

function keyOf(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const v = value as Record<string, unknown>;
  const key = v.task_key ?? v.job_cluster_key;
  return typeof key === 'string' ? key : undefined;
}

function clusters(n: number): string {
  return `${n} cluster${n === 1 ? '' : 's'}`;
}
