import type { TableSla } from '../detector/observations.js';

/**
 * The workspace's dependency picture as plain, serialisable data: what the correlator's graph builder
 * (`buildDependencyGraph`) takes as input, plus the SLAs the detectors watch. Rebuilt periodically by
 * `loadTopology`; never mutated after it is built.
 */
export interface Topology {
  readonly workspaceId: string;
  /** When it was built (epoch ms). */
  readonly builtAt: number;
  readonly jobs: readonly TopologyJob[];
  /**
   * Distinct lineage edges from `system.access.table_lineage` over the lookback. Like `tableTeams`, an
   * input of the dependency graph: `loadTopology` returns it, and monitoring drops it from its cached
   * copy once the graph holds it (~15 MB on 100,000 jobs). Ask the graph, not this.
   */
  readonly lineage?: readonly TopologyLineageEdge[] | undefined;
  /** `run_job_task` edges: the parent job starts the child job. */
  readonly jobEdges: readonly { readonly parentJobId: string; readonly childJobId: string }[];
  readonly slas: readonly TableSla[];
  /** Table → owning team (from the teams of the jobs that write it). A graph input, as `lineage` is. */
  readonly tableTeams?: Readonly<Record<string, string>> | undefined;
}

export interface TopologyJob {
  readonly jobId: string;
  readonly name?: string | undefined;
  readonly team?: string | undefined;
  readonly owner?: string | undefined;
  readonly tags: Readonly<Record<string, string>>;
  readonly tablesRead: readonly string[];
  readonly tablesWritten: readonly string[];
  /** Clusters and warehouses the job's settings name (shared compute). */
  readonly computeIds: readonly string[];
}

export interface TopologyLineageEdge {
  readonly sourceTable: string | null;
  readonly targetTable: string | null;
  readonly entityType: string | null;
  readonly entityId: string | null;
  /** The writing job when the entity is a job (or a notebook inside one). */
  readonly jobId: string | null;
}

/** The job of `jobId` in `topology`, if known. */
export function topologyJob(topology: Topology | undefined, jobId: string): TopologyJob | undefined {
  if (topology === undefined) return undefined;
  // A topology is never mutated after it is built, so its index is built once, on first lookup: a
  // linear find cost ~3 ms per webhook on a 100,000-job workspace (bench/pipeline.bench.ts).
  let index = JOB_INDEX.get(topology);
  if (index === undefined) {
    index = new Map();
    for (const job of topology.jobs) if (!index.has(job.jobId)) index.set(job.jobId, job);
    JOB_INDEX.set(topology, index);
  }
  return index.get(jobId);
}

const JOB_INDEX = new WeakMap<Topology, Map<string, TopologyJob>>();
