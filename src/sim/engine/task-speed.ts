import { nodeType } from './catalog.js';

/**
 * The share of a task's time that does not shrink on a bigger cluster: the driver planning the query,
 * listing and committing files, and the stages that run on one core. The rest is spread over the
 * workers' cores (Amdahl's law, the rough shape of a Spark job's time against its cluster).
 */
export const SERIAL_SHARE = 0.2;

/** The part of a cluster spec that says how much it computes with. */
export interface ComputeShape {
  readonly node_type_id: string;
  readonly driver_node_type_id?: string | undefined;
  readonly num_workers?: number | undefined;
  readonly autoscale?: { readonly max_workers: number } | undefined;
}

/**
 * The cores a task's work is spread over: the workers' (an autoscaling cluster grows to its maximum
 * under load), or the driver's on a single-node cluster, which runs the work itself.
 */
export function clusterCores(spec: ComputeShape): number {
  const workers = spec.num_workers ?? spec.autoscale?.max_workers ?? 0;
  if (workers > 0) return workers * nodeType(spec.node_type_id).core_count;
  return nodeType(spec.driver_node_type_id ?? spec.node_type_id).core_count;
}

/**
 * How long a task whose scenario duration was drawn for a cluster of `baselineCores` takes on one of
 * `cores`: the serial share as it is, the rest scaled by the cores. The same cluster gives the same
 * duration, so a scenario's durations hold until someone resizes its compute.
 */
export function durationOnCluster(durationMs: number, baselineCores: number, cores: number): number {
  if (baselineCores <= 0 || cores <= 0 || baselineCores === cores) return durationMs;
  return durationMs * (SERIAL_SHARE + (1 - SERIAL_SHARE) * (baselineCores / cores));
}
