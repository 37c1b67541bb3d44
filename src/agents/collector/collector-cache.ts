import { BoundedSet } from './bounded-set.js';
import type { JobInfo } from './job-info.js';
import type { Topology } from './topology.js';

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
  /** Clusters recently used by runs, for `clusters/events`. */
  readonly clusters: BoundedSet;
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
    clusters: new BoundedSet(1_000),
    topology: undefined,
    capacity,
  };
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
