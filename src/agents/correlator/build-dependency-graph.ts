import { isWarehouseId } from '../detector/compute-ids.js';
import type { TableSla } from '../detector/observations.js';
import { DependencyGraph, type FrozenGraph, type NodeKind, nodeKey } from './dependency-graph.js';

/** One row of `system.access.table_lineage`, camelCase; a read has no target, a write from literals no source. */
export interface LineageEdge {
  readonly sourceTable?: string | null;
  readonly targetTable?: string | null;
  /** JOB, PIPELINE, NOTEBOOK, DASHBOARD_V3, DBSQL_DASHBOARD, DBSQL_QUERY … */
  readonly entityType?: string | null;
  readonly entityId?: string | null;
  /** `entity_metadata.job_info.job_id`: set for notebook tasks inside a job too. */
  readonly jobId?: string | null;
  /** `entity_metadata.dashboard_id` / `legacy_dashboard_id`. */
  readonly dashboardId?: string | null;
  /** `entity_metadata.dlt_pipeline_info.dlt_pipeline_id`. */
  readonly pipelineId?: string | null;
}

/** What the job settings say about a job: its name, team, tables and compute. */
interface JobNode {
  readonly jobId: string;
  readonly name?: string;
  readonly team?: string;
  readonly tablesRead?: readonly string[];
  readonly tablesWritten?: readonly string[];
  readonly computeIds?: readonly string[];
}

interface DashboardNode {
  readonly dashboardId: string;
  readonly name?: string;
  readonly team?: string;
  readonly tablesRead: readonly string[];
}

interface PipelineNode {
  readonly pipelineId: string;
  readonly name?: string;
  readonly team?: string;
  readonly tablesRead?: readonly string[];
  readonly tablesWritten?: readonly string[];
  /** The job whose pipeline task starts it. */
  readonly jobId?: string;
}

export interface GraphInput {
  readonly lineage?: readonly LineageEdge[];
  readonly jobs?: readonly JobNode[];
  /** `run_job_task` edges: the parent job starts the child job. */
  readonly jobEdges?: readonly { readonly parentJobId: string; readonly childJobId: string }[];
  readonly dashboards?: readonly DashboardNode[];
  readonly pipelines?: readonly PipelineNode[];
  /** SLA upstream jobs count as writers of their table. */
  readonly slas?: readonly Pick<TableSla, 'table' | 'upstreamJobIds' | 'team'>[];
  /** Table → owning team. */
  readonly tableTeams?: Readonly<Record<string, string>>;
}

const DASHBOARD_ENTITIES = new Set(['DASHBOARD_V3', 'DBSQL_DASHBOARD', 'DASHBOARD']);

/**
 * Builds the dependency graph from lineage rows, job settings, `run_job_task` edges, dashboards,
 * pipelines and SLAs. Rows with nothing usable (no tables, unknown entity) are ignored, not refused:
 * lineage is best-effort by nature.
 */
export function buildDependencyGraph(input: GraphInput): FrozenGraph {
  const g = new DependencyGraph();
  // One string per node key, however many edges name it: on a 100,000-job workspace the copies cost
  // tens of megabytes (bench/pipeline.bench.ts).
  const interned = new Map<string, string>();
  const key = (kind: NodeKind, id: string) => {
    const k = nodeKey(kind, id);
    const known = interned.get(k);
    if (known !== undefined) return known;
    interned.set(k, k);
    return k;
  };
  const table = (name: string) => key('table', name);

  for (const row of input.lineage ?? []) {
    const source = row.sourceTable ?? undefined;
    const target = row.targetTable ?? undefined;
    const entity = lineageEntity(row, key);
    if (source && target) g.addEdge(table(source), table(target));
    if (entity !== undefined) {
      if (source) g.addEdge(table(source), entity);
      if (target) g.addEdge(entity, table(target));
    }
  }

  for (const job of input.jobs ?? []) {
    const j = key('job', job.jobId);
    g.setLabel(j, job.name).setTeam(j, job.team);
    for (const t of job.tablesRead ?? []) g.addEdge(table(t), j);
    for (const t of job.tablesWritten ?? []) g.addEdge(j, table(t)).setTeam(table(t), job.team);
    for (const c of job.computeIds ?? []) g.addEdge(key(isWarehouseId(c) ? 'warehouse' : 'cluster', c), j);
  }

  for (const e of input.jobEdges ?? []) g.addEdge(key('job', e.parentJobId), key('job', e.childJobId));

  for (const d of input.dashboards ?? []) {
    const node = key('dashboard', d.dashboardId);
    g.setLabel(node, d.name).setTeam(node, d.team);
    for (const t of d.tablesRead) g.addEdge(table(t), node);
  }

  for (const p of input.pipelines ?? []) {
    const node = key('pipeline', p.pipelineId);
    g.setLabel(node, p.name).setTeam(node, p.team);
    for (const t of p.tablesRead ?? []) g.addEdge(table(t), node);
    for (const t of p.tablesWritten ?? []) g.addEdge(node, table(t)).setTeam(table(t), p.team);
    if (p.jobId !== undefined) g.addEdge(key('job', p.jobId), node);
  }

  for (const sla of input.slas ?? []) {
    g.setTeam(table(sla.table), sla.team);
    for (const jobId of sla.upstreamJobIds) g.addEdge(key('job', jobId), table(sla.table));
  }

  for (const [t, team] of Object.entries(input.tableTeams ?? {})) g.setTeam(table(t), team);
  return g.freeze();
}

function lineageEntity(row: LineageEdge, key: (kind: NodeKind, id: string) => string): string | undefined {
  const type = row.entityType?.toUpperCase();
  if (row.jobId) return key('job', row.jobId);
  if (type === 'JOB' && row.entityId) return key('job', row.entityId);
  if (row.pipelineId) return key('pipeline', row.pipelineId);
  if (type === 'PIPELINE' && row.entityId) return key('pipeline', row.entityId);
  if (row.dashboardId) return key('dashboard', row.dashboardId);
  if (type !== undefined && DASHBOARD_ENTITIES.has(type) && row.entityId)
    return key('dashboard', row.entityId);
  return undefined;
}
