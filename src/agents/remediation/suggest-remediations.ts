import type { Signal } from '../../domain/signal.js';
import type { RemediationKind } from './remediation-kind.js';

/**
 * Which remediations make sense for the incident's root signal, the one most likely to recover it
 * first (the evaluation's simulated responder presses that one). Never suggests a plain rerun or
 * repair for failures a retry cannot fix (code, grants, data, config): the owner is asked instead.
 */
export function suggestRemediations(
  signal: Pick<Signal, 'kind' | 'refs' | 'classification'> | undefined,
): RemediationKind[] {
  if (signal === undefined) return [];
  const out: RemediationKind[] = [];
  const refs = signal.refs;
  const c = signal.classification;
  const action = c?.action ?? (c === undefined || c.transient ? 'RETRY' : 'NOTIFY_OWNER');
  const retry = () => {
    if (refs.runId !== undefined) out.push('repair');
    if (refs.jobId !== undefined) out.push('rerun');
  };
  switch (signal.kind) {
    case 'job_failed':
    case 'task_failed':
    case 'pipeline_failed':
      if (action === 'RETRY') {
        retry();
        if (refs.jobId !== undefined) out.push('set_retry_policy');
      } else if (action === 'RETRY_WITH_NEW_PARAMS') {
        if (refs.jobId !== undefined) out.push('retry_with_params');
        out.push('notify_owner');
      } else {
        out.push('notify_owner');
        if (refs.jobId !== undefined) out.push('pause_schedule');
      }
      break;
    case 'run_timed_out':
      if (refs.jobId !== undefined) out.push('retry_with_params');
      out.push('notify_owner');
      break;
    case 'duration_anomaly':
    case 'sla_at_risk':
      out.push('notify_owner');
      if (refs.runId !== undefined && signal.kind === 'duration_anomaly') out.push('cancel_run');
      break;
    case 'warehouse_queueing':
      if (refs.warehouseId !== undefined) out.push('scale_warehouse');
      break;
    case 'runaway_query':
      out.push('kill_query', 'notify_owner');
      break;
    case 'cluster_event':
      if (refs.clusterId !== undefined) out.push('restart_cluster');
      break;
    default:
      out.push('notify_owner');
  }
  return [...new Set(out)];
}
