import { NEVER_RETRY_CATEGORIES } from '../classifier/error-patterns.js';
import type { FailureAction } from '../../domain/error-label.js';
import type { Signal } from '../../domain/signal.js';
import type { RemediationKind } from './remediation-kind.js';

type SuggestInput = Pick<Signal, 'kind' | 'refs' | 'classification'> & {
  readonly error?: Signal['error'];
  readonly subject?: Pick<Signal['subject'], 'type'> | undefined;
};

/**
 * What the failure calls for (docs/error-labels.md). A category a retry never fixes (permission,
 * config, syntax, missing object, data quality) is the owner's, whatever action came with it; a
 * failure nobody classified is treated as unclear (escalate), because a guess that retries costs money
 * and hides the problem, and asking a person does no harm.
 */
function failureAction(c: SuggestInput['classification']): FailureAction {
  if (c === undefined) return 'ESCALATE';
  if (NEVER_RETRY_CATEGORIES.has(c.category)) return 'NOTIFY_OWNER';
  return c.action ?? (c.transient ? 'RETRY' : 'NOTIFY_OWNER');
}

/** A failed job, task or pipeline run: what an SRE reaches for first, by what the failure calls for. */
function forFailedRun(refs: SuggestInput['refs'], action: FailureAction): RemediationKind[] {
  const out: RemediationKind[] = [];
  switch (action) {
    case 'RETRY':
      // Transient (network blip, throttling, capacity blip, concurrency conflict): the same run can
      // succeed unchanged. Repair first — it re-runs only the failed tasks inside the same run, so the
      // work that succeeded is kept and the downstream tasks run in order; a new run only when there is
      // no run to repair. A retry policy comes after, so the next blip heals itself.
      if (refs.runId !== undefined) out.push('repair');
      if (refs.jobId !== undefined) out.push('rerun', 'set_retry_policy');
      break;
    case 'RETRY_WITH_NEW_PARAMS':
      // Size-dependent (out of memory → bigger nodes, timeout → longer timeout, capacity → on-demand):
      // the same settings fail again, so the retry changes them (derived from the category by the plan).
      if (refs.jobId !== undefined) out.push('retry_with_params');
      out.push('notify_owner');
      break;
    case 'NOTIFY_OWNER':
      // Code, grants, configuration, data or dependencies: only a person fixes these. Pausing the
      // schedule stops it failing (and spending) every run until they have.
      out.push('notify_owner');
      if (refs.jobId !== undefined) out.push('pause_schedule');
      break;
    case 'ESCALATE':
      // Unclear root cause or a platform bug: a person decides; nothing changes in the workspace.
      out.push('notify_owner');
      break;
  }
  return out;
}

/**
 * Which remediations make sense for the incident's root signal, first the one an SRE would pick for
 * its root cause (the card shows them in this order; the evaluation's simulated responder presses the
 * first). Chosen by the signal's kind and the classification's category and action, never by the name
 * of a job or fault. Never suggests a plain rerun or repair for failures a retry cannot fix (code,
 * grants, data, config): the owner is asked instead.
 */
export function suggestRemediations(signal: SuggestInput | undefined): RemediationKind[] {
  if (signal === undefined) return [];
  const out: RemediationKind[] = [];
  const refs = signal.refs;
  switch (signal.kind) {
    case 'job_failed':
    case 'task_failed':
    case 'pipeline_failed':
      out.push(...forFailedRun(refs, failureAction(signal.classification)));
      break;
    case 'run_timed_out':
      // The run hit its timeout: a longer timeout (retry_with_params derives it from the `timeout`
      // category) lets the slow-but-healthy run finish; a plain retry would time out again.
      if (refs.jobId !== undefined) out.push('retry_with_params');
      out.push('notify_owner');
      break;
    case 'duration_anomaly':
      // A pipeline update running far past its usual time without an error hangs: a senior on-call
      // stops it and starts a fresh one (a failed one is pipeline_failed, the owner's). The owner
      // still hears of it, and the job run waiting on it can be cancelled.
      if (signal.subject?.type === 'pipeline' && refs.pipelineId !== undefined) {
        out.push('restart_pipeline_update', 'notify_owner');
        if (refs.runId !== undefined) out.push('cancel_run');
        break;
      }
      out.push('notify_owner');
      if (refs.runId !== undefined) out.push('cancel_run');
      break;
    case 'sla_at_risk':
      // The warning names a pipeline only when its strongest evidence is that pipeline's update in
      // flight past its usual time with no error (a failure or a skip upstream would outrank it): the
      // update holding the deadline back hangs, and a fresh one is what makes the deadline. Otherwise
      // slow is not failed: the owner knows whether it is volume or a regression.
      if (refs.pipelineId !== undefined) out.push('restart_pipeline_update');
      out.push('notify_owner');
      break;
    case 'warehouse_queueing':
      // Queries wait for a slot: one cluster more lets them start.
      if (refs.warehouseId !== undefined) out.push('scale_warehouse');
      break;
    case 'warehouse_idle_no_autostop':
      // Running idle with auto-stop off burns money every hour: turning auto-stop on ends it now (the
      // idle warehouse stops itself, and starts again on the next query); its owner knows why it was off.
      if (refs.warehouseId !== undefined) out.push('set_auto_stop');
      out.push('notify_owner');
      break;
    case 'runaway_query':
      // One statement hogs the warehouse for hours: killing it frees the warehouse now; its author
      // fixes the query (a join without a key does not finish on a retry either).
      out.push('kill_query', 'notify_owner');
      break;
    case 'cluster_event':
      if (refs.runId !== undefined) {
        // A job cluster lives and dies with its run and cannot be restarted: repairing the run launches
        // a new one. Launch failures, spot and node loss are capacity blips, so unclassified they are
        // retried; a classified event follows what its failure calls for.
        const c = signal.classification;
        out.push(...forFailedRun(refs, c === undefined ? 'RETRY' : failureAction(c)));
      } else if (signal.error?.errorClass === 'spot_loss' && refs.clusterId !== undefined) {
        // The cloud took a shared cluster's spot nodes, and every job on it failed: it replaces them
        // itself, so a restart only costs the jobs still running; on-demand nodes stop it happening again.
        out.push('retry_with_params', 'notify_owner');
      } else {
        // A stuck or unhealthy all-purpose cluster (driver unresponsive, lost nodes): a restart brings
        // it back, and the jobs failing on it recover with it.
        if (refs.clusterId !== undefined) out.push('restart_cluster');
        out.push('notify_owner');
      }
      break;
    case 'monitoring_degraded':
      // The workspace throttled or failed dbxops' own reads: there is nothing in it to act on, the
      // collector backs off and reads again, and nobody owns a burst of 429s. No button beats a dead one.
      break;
    default:
      // Skipped runs, stale tables, dropped rows, revoked grants,
      // cost anomalies: a setting, an upstream fix or a decision about data that belongs to the owner.
      out.push('notify_owner');
  }
  return [...new Set(out)];
}
