import { BoundedSet } from './bounded-set.js';
import type { Run } from '../../databricks/rest/jobs-api.js';
import type { JobInfo } from './job-info.js';
import type { Topology } from './topology.js';
import type { UsualQueue } from '../detector/usual-queue.js';
import type { PipelineEventCursor } from './pipeline-progress.js';

/** Per-process memory of one workspace's collector. Losing it (a restart) loses nothing: the watermarks hold. */
export interface CollectorCache {
  /** `jobs/get` summaries by job id, each with when it was fetched. */
  readonly jobs: Map<string, { readonly fetchedAt: number; readonly info: JobInfo }>;
  /** How long a job summary is trusted before `jobs/get` is called again. */
  readonly jobTtlMs: number;
  /** `runId@endTime` of completed runs already handed out. */
  readonly seenRuns: BoundedSet;
  /** Natural keys of system-table rows already handed out, per source. */
  readonly seenRows: Map<string, BoundedSet>;
  /** The last cost figure handed out per team and period, so only changed totals are repeated. */
  readonly costs: Map<string, number>;
  /**
   * Clusters recently used by runs, for `clusters/events`, oldest first; a job cluster with the job and
   * run that own it (its events are that run's), an all-purpose cluster with none.
   */
  readonly clusters: Map<string, ClusterOwner>;
  /**
   * Per system-table source, the content version of its tables (`Warehouse.contentVersion`, known of the
   * embedded warehouse only) when the last poll that read them through began, and what that poll kept
   * for the next (a source's own summary): a poll skips the statements over tables nothing was added to.
   */
  readonly tablesRead: Map<string, TablesRead>;
  /**
   * Queueing warehouses' usual queues read this clock hour, by `<hour>|<warehouse id>`; null when a
   * warehouse has too little history for one.
   */
  readonly usualQueues: Map<string, UsualQueue | null>;
  /** Where each pipeline's event log was read to, for the progress of its updates in flight. */
  readonly pipelineEvents: Map<string, PipelineEventCursor>;
  topology: Topology | undefined;
  readonly capacity: number;
}

export interface CollectorCacheOptions {
  /** Default 10 minutes. */
  readonly jobTtlMs?: number;
  /** Keys remembered per set. Default 50 000. */
  readonly capacity?: number;
}

/** A fresh, empty cache (what a process has after a restart). */
export function createCollectorCache(options: CollectorCacheOptions = {}): CollectorCache {
  const capacity = options.capacity ?? 50_000;
  return {
    jobs: new Map(),
    jobTtlMs: options.jobTtlMs ?? 10 * 60_000,
    seenRuns: new BoundedSet(capacity),
    seenRows: new Map(),
    costs: new Map(),
    clusters: new Map(),
    tablesRead: new Map(),
    usualQueues: new Map(),
    pipelineEvents: new Map(),
    topology: undefined,
    capacity,
  };
}

interface TablesRead {
  readonly version: string;
  /** Where that poll's window began. */
  readonly since: number;
  readonly kept?: ReadonlyMap<string, number>;
}

/** The job and run a job cluster belongs to; empty for an all-purpose cluster. */
interface ClusterOwner {
  readonly jobId?: string;
  readonly runId?: string;
}

/** Clusters remembered for `clusters/events`. */
const CLUSTERS_REMEMBERED = 1_000;

/**
 * Remembers the clusters a run's tasks ran on. A job cluster (a task without `existing_cluster_id`) lives
 * and dies with its run, so its events name that job and run; an all-purpose cluster serves many runs
 * and belongs to none of them.
 */
export function rememberClusters(cache: CollectorCache, run: Run): void {
  for (const task of run.tasks ?? []) {
    const id = task.cluster_instance?.cluster_id;
    if (id === undefined || id === '') continue;
    const jobCluster = task.existing_cluster_id === undefined && run.job_id !== undefined;
    const owner = jobCluster ? { jobId: String(run.job_id), runId: String(run.run_id) } : {};
    if (!cache.clusters.has(id) && cache.clusters.size >= CLUSTERS_REMEMBERED) {
      const oldest = cache.clusters.keys().next();
      if (!oldest.done) cache.clusters.delete(oldest.value);
    }
    cache.clusters.set(id, owner);
  }
}

/** The seen-set of one system-table source, created on first use. */
export function seenRowsOf(cache: CollectorCache, source: string): BoundedSet {
  let set = cache.seenRows.get(source);
  if (set === undefined) {
    set = new BoundedSet(cache.capacity);
    cache.seenRows.set(source, set);
  }
  return set;
}
