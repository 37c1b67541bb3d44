import type { Signal } from '../../domain/signal.js';
import type { RemediationKind } from './remediation-kind.js';

/**
 * Which remediations make sense for the incident's root signal, most useful first. Never suggests a
 * plain retry for failures a retry cannot fix (code, grants, data, config): a person must act first.
 */
export function suggestRemediations(
  signal: Pick<Signal, 'kind' | 'refs' | 'classification'> | undefined,
): RemediationKind[] {
  if (signal === undefined) return [];
  const out: RemediationKind[] = [];
  const refs = signal.refs;
  const category = signal.classification?.category;
  const retryable = signal.classification === undefined || signal.classification.transient;
  switch (signal.kind) {
    case 'job_failed':
    case 'task_failed':
    case 'pipeline_failed':
      if (refs.runId !== undefined && retryable) out.push('repair');
      if (refs.jobId !== undefined && retryable) out.push('retry');
      if (category === 'resource' || category === 'capacity') out.push('bigger_cluster');
      if (category === 'timeout') out.push('longer_timeout');
      if (refs.jobId !== undefined && !retryable) out.push('pause_schedule');
      break;
    case 'run_timed_out':
    case 'duration_anomaly':
    case 'sla_at_risk':
      out.push('longer_timeout', 'bigger_cluster');
      if (refs.runId !== undefined && signal.kind === 'run_timed_out') out.push('repair');
      break;
    case 'warehouse_queueing':
      out.push('scale_warehouse');
      break;
    case 'warehouse_idle_no_autostop':
    case 'cost_anomaly':
      if (refs.warehouseId !== undefined) out.push('stop_warehouse');
      break;
    case 'runaway_query':
      out.push('cancel_statement');
      break;
    case 'cluster_event':
      if (refs.clusterId !== undefined) out.push('restart_cluster');
      break;
  }
  return [...new Set(out)];
}
