import { type ClassifyFn, classifySafely } from './classify-hook.js';
import { DetectorSink, type DetectorOutput } from './detector-output.js';
import type { ClusterEventObservation } from './observations.js';

/** What went wrong with a cluster, in the words a card shows. */
type ClusterProblem = 'driver_unresponsive' | 'spot_loss' | 'launch_failure' | 'node_loss';

const BY_EVENT: Readonly<Record<string, ClusterProblem>> = {
  DRIVER_NOT_RESPONDING: 'driver_unresponsive',
  DRIVER_UNAVAILABLE: 'driver_unresponsive',
  NODES_LOST: 'node_loss',
  ADD_NODES_FAILED: 'launch_failure',
};

const BY_REASON: Readonly<Record<string, ClusterProblem>> = {
  DRIVER_UNREACHABLE: 'driver_unresponsive',
  DRIVER_UNRESPONSIVE: 'driver_unresponsive',
  DRIVER_OUT_OF_MEMORY: 'driver_unresponsive',
  SPOT_INSTANCE_TERMINATION: 'spot_loss',
  CLOUD_PROVIDER_LAUNCH_FAILURE: 'launch_failure',
  CLOUD_PROVIDER_RESOURCE_STOCKOUT: 'launch_failure',
  AWS_INSUFFICIENT_INSTANCE_CAPACITY_FAILURE: 'launch_failure',
  AZURE_QUOTA_EXCEEDED_EXCEPTION: 'launch_failure',
  BOOTSTRAP_TIMEOUT: 'launch_failure',
  INIT_SCRIPT_FAILURE: 'launch_failure',
  GLOBAL_INIT_SCRIPT_FAILURE: 'launch_failure',
  SUBNET_EXHAUSTED_FAILURE: 'launch_failure',
  NETWORK_CONFIGURATION_FAILURE: 'launch_failure',
  INSTANCE_POOL_MAX_CAPACITY_REACHED: 'launch_failure',
  SPARK_STARTUP_FAILURE: 'launch_failure',
  UNEXPECTED_LAUNCH_FAILURE: 'launch_failure',
};

const WORDS: Readonly<Record<ClusterProblem, string>> = {
  driver_unresponsive: 'driver is not responding',
  spot_loss: 'lost spot instances',
  launch_failure: 'failed to launch',
  node_loss: 'lost worker nodes',
};

/** The problem an event reports, or undefined for routine events (RUNNING, RESIZING, INACTIVITY …). */
function clusterProblem(
  event: Pick<ClusterEventObservation, 'type' | 'reasonCode'>,
): ClusterProblem | undefined {
  const reason = event.reasonCode?.toUpperCase();
  if (reason !== undefined && Object.hasOwn(BY_REASON, reason)) return BY_REASON[reason];
  const type = event.type.toUpperCase();
  if (!Object.hasOwn(BY_EVENT, type)) return undefined;
  // NODES_LOST with a spot reason is a spot loss; otherwise a generic node loss.
  return BY_EVENT[type];
}

/**
 * Cluster events that hurt workloads: driver unresponsive or unavailable, spot and node loss, launch
 * failures (cloud capacity, quota, init scripts …). One signal per event, classified by its termination
 * reason like a run's failure (spot nodes reclaimed are a capacity blip that passes by itself), so the
 * incident it opens is triaged on what it is before the jobs it took down report in.
 */
export function detectClusterEvents(
  events: readonly ClusterEventObservation[],
  now: number,
  options: { readonly classify?: ClassifyFn } = {},
): DetectorOutput {
  const sink = new DetectorSink();
  for (const e of events) {
    sink.guard(`cluster:${e.clusterId}`, () => {
      const problem = clusterProblem(e);
      if (problem === undefined) return;
      const name = e.clusterName ?? e.clusterId;
      const code = e.reasonCode ?? e.type;
      const message = e.message ?? `Cluster ${name} ${WORDS[problem]} (${code})`;
      const classification = classifySafely(options.classify, { message, terminationCode: code });
      sink.emit(`cluster:${e.clusterId}`, {
        dedupKey: `${e.workspaceId}:cluster-event:${e.clusterId}:${e.type}:${e.timestamp}`,
        workspaceId: e.workspaceId,
        kind: 'cluster_event',
        severityHint: problem === 'launch_failure' || problem === 'driver_unresponsive' ? 'P2' : 'P3',
        observedAt: now,
        occurredAt: e.timestamp,
        subject: { type: 'cluster', id: e.clusterId, name },
        refs: {
          clusterId: e.clusterId,
          ...(e.jobId !== undefined ? { jobId: e.jobId } : {}),
          ...(e.runId !== undefined ? { runId: e.runId } : {}),
          ...(e.team !== undefined ? { team: e.team } : {}),
        },
        error: { message, terminationCode: code, errorClass: problem },
        ...(classification !== undefined ? { classification } : {}),
        metrics: {},
        evidence: [{ label: `${e.type}${e.reasonCode !== undefined ? ` / ${e.reasonCode}` : ''}` }],
      });
    });
  }
  return sink.output();
}
