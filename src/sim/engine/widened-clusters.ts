import type { JobSettings } from './model.js';

type JobClusters = NonNullable<JobSettings['job_clusters']>;

/**
 * A job's job clusters as a deploy that makes them `factor`× wider writes them: fixed workers and both
 * autoscale bounds multiplied (rounded up), node types as they were. A single-node cluster (no workers)
 * has nothing to widen and stays as it is.
 */
export function widenedClusters(clusters: JobClusters, factor: number): JobClusters {
  return clusters.map((c) => {
    const spec = c.new_cluster;
    const widen = (n: number) => Math.ceil(n * factor);
    return {
      ...c,
      new_cluster: {
        ...spec,
        ...(spec.num_workers !== undefined ? { num_workers: widen(spec.num_workers) } : {}),
        ...(spec.autoscale !== undefined
          ? {
              autoscale: {
                min_workers: widen(spec.autoscale.min_workers),
                max_workers: widen(spec.autoscale.max_workers),
              },
            }
          : {}),
      },
    };
  });
}
