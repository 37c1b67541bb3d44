import type { Warehouse } from '../../databricks/warehouse.js';
import { runGuarded } from './guarded-query.js';
import type { JobRef, ComputeRef } from './intent-router.js';
import type { SqlGuardPolicy } from './sql-guard.js';

/** The names questions are matched against: read from the system tables, never typed in config. */
export interface WorkspaceNames {
  readonly jobs: readonly JobRef[];
  readonly teams: readonly string[];
  readonly tables: readonly string[];
  readonly warehouses: readonly ComputeRef[];
  /** All-purpose clusters: a job's or a pipeline's own cluster is named after its run, not by a person. */
  readonly clusters: readonly ComputeRef[];
  /** DLT pipelines (`system.lakeflow.pipelines`). */
  readonly pipelines: readonly ComputeRef[];
  /** The people and service principals who ran queries, or own jobs, pipelines or clusters (`OWNERS`). */
  readonly users: readonly string[];
}

/** The current row of each job of the workspace (the SCD2 table adds one per change), not deleted. */
export const CURRENT_JOBS = `SELECT job_id, name, tags['team'] AS team
  FROM system.lakeflow.jobs
  WHERE workspace_id = :workspace_id
  QUALIFY row_number() OVER (PARTITION BY workspace_id, job_id ORDER BY change_time DESC) = 1
    AND delete_time IS NULL`;

const TEAMS = `SELECT DISTINCT team FROM (
  SELECT tags['team'] AS team FROM system.lakeflow.jobs WHERE workspace_id = :workspace_id
  UNION ALL SELECT custom_tags['team'] AS team FROM system.billing.usage
   WHERE workspace_id = :workspace_id AND usage_date >= :since
) WHERE team IS NOT NULL ORDER BY team`;

const TABLES = `SELECT DISTINCT name FROM (
  SELECT source_table_full_name AS name FROM system.access.table_lineage WHERE workspace_id = :workspace_id AND event_date >= :since
  UNION ALL SELECT target_table_full_name AS name FROM system.access.table_lineage WHERE workspace_id = :workspace_id AND event_date >= :since
) WHERE name IS NOT NULL ORDER BY name`;

/** The current row of each SQL warehouse of the workspace, not deleted. */
const WAREHOUSES = `SELECT warehouse_id, warehouse_name
  FROM system.compute.warehouses
  WHERE workspace_id = :workspace_id
  QUALIFY row_number() OVER (PARTITION BY workspace_id, warehouse_id ORDER BY change_time DESC) = 1
    AND delete_time IS NULL`;

/** The current row of each all-purpose cluster of the workspace, not deleted. */
const CLUSTERS = `SELECT cluster_id, cluster_name
  FROM system.compute.clusters
  WHERE workspace_id = :workspace_id AND cluster_source NOT IN ('JOB', 'PIPELINE', 'PIPELINE_MAINTENANCE')
  QUALIFY row_number() OVER (PARTITION BY workspace_id, cluster_id ORDER BY change_time DESC) = 1
    AND delete_time IS NULL`;

/** The current row of each DLT pipeline of the workspace, not deleted. */
export const CURRENT_PIPELINES = `SELECT pipeline_id, name, tags['team'] AS team
  FROM system.lakeflow.pipelines
  WHERE workspace_id = :workspace_id
  QUALIFY row_number() OVER (PARTITION BY workspace_id, pipeline_id ORDER BY change_time DESC) = 1
    AND delete_time IS NULL`;

const USERS = `SELECT DISTINCT executed_by FROM system.query.history
  WHERE workspace_id = :workspace_id AND start_time >= :since AND executed_by IS NOT NULL
  ORDER BY executed_by`;

/**
 * Who owns each job, DLT pipeline and all-purpose cluster now (the latest row): the identity a job or
 * pipeline runs as and its creator, a cluster's owner. Each is read apart, and a failure only loses
 * those owners: `run_as_user_name` and `creator_user_name` are newer columns of `system.lakeflow.jobs`
 * than the job names, which must load without them.
 */
const OWNERS = {
  job: `SELECT job_id AS id, run_as_user_name AS run_as, creator_user_name AS creator
  FROM system.lakeflow.jobs WHERE workspace_id = :workspace_id
  QUALIFY row_number() OVER (PARTITION BY workspace_id, job_id ORDER BY change_time DESC) = 1 AND delete_time IS NULL`,
  pipeline: `SELECT pipeline_id AS id, run_as, created_by AS creator
  FROM system.lakeflow.pipelines WHERE workspace_id = :workspace_id
  QUALIFY row_number() OVER (PARTITION BY workspace_id, pipeline_id ORDER BY change_time DESC) = 1 AND delete_time IS NULL`,
  cluster: `SELECT cluster_id AS id, owned_by AS run_as, owned_by AS creator
  FROM system.compute.clusters WHERE workspace_id = :workspace_id
  QUALIFY row_number() OVER (PARTITION BY workspace_id, cluster_id ORDER BY change_time DESC) = 1 AND delete_time IS NULL`,
} as const;

/** How far back names are looked for in the partitioned tables. */
const NAME_DAYS = 30;

/**
 * Loads the job, team, table, warehouse, all-purpose cluster, pipeline and user names of workspace `workspaceId` (the system tables hold the whole
 * account's). `nowMs` is the workspace clock. Names come from
 * the same guarded path as answers, so a limit on rows applies to them too.
 */
export async function loadWorkspaceNames(
  warehouse: Warehouse,
  policy: SqlGuardPolicy,
  nowMs: number,
  workspaceId: string,
): Promise<WorkspaceNames> {
  const since = {
    value: new Date(nowMs - NAME_DAYS * 86_400_000).toISOString().slice(0, 10),
    type: 'DATE',
  } as const;
  const sinceTime = new Date(nowMs - NAME_DAYS * 86_400_000);
  const limits = { ...policy, maxRows: 10_000 };
  const params = { since, workspace_id: workspaceId };
  const byWorkspace = { workspace_id: workspaceId };
  const [
    jobs,
    teams,
    tables,
    warehouses,
    clusters,
    pipelines,
    users,
    jobOwners,
    pipelineOwners,
    clusterOwners,
  ] = await Promise.all([
    runGuarded(warehouse, CURRENT_JOBS, params, limits),
    runGuarded(warehouse, TEAMS, params, limits),
    runGuarded(warehouse, TABLES, params, limits),
    runGuarded(warehouse, WAREHOUSES, { workspace_id: workspaceId }, limits),
    runGuarded(warehouse, CLUSTERS, { workspace_id: workspaceId }, limits),
    runGuarded(warehouse, CURRENT_PIPELINES, { workspace_id: workspaceId }, limits),
    runGuarded(warehouse, USERS, { since: sinceTime, workspace_id: workspaceId }, limits),
    runGuarded(warehouse, OWNERS.job, byWorkspace, limits),
    runGuarded(warehouse, OWNERS.pipeline, byWorkspace, limits),
    runGuarded(warehouse, OWNERS.cluster, byWorkspace, limits),
  ]);
  const text = (v: unknown) => (typeof v === 'string' ? v : v === null || v === undefined ? null : String(v));
  // A table without its owner columns loses only its owners: names and answers go on without them.
  const ownersOf = (outcome: typeof jobOwners): Map<string, string[]> => {
    const map = new Map<string, string[]>();
    if (!outcome.ok) return map;
    for (const r of outcome.value.result.rows) {
      const id = text(r.id);
      const people = [text(r.run_as), text(r.creator)].filter((p): p is string => p !== null);
      if (id !== null) map.set(id, [...new Set(people)]);
    }
    return map;
  };
  const owners = [ownersOf(jobOwners), ownersOf(pipelineOwners), ownersOf(clusterOwners)];
  const jobOwnersById = owners[0]!;
  return {
    jobs: jobs.ok
      ? jobs.value.result.rows.flatMap((r) => {
          const id = text(r.job_id);
          const name = text(r.name);
          const jobOwners = id === null ? undefined : jobOwnersById.get(id);
          return id === null || name === null
            ? []
            : [{ id, name, team: text(r.team), ...(jobOwners === undefined ? {} : { owners: jobOwners }) }];
        })
      : [],
    teams: teams.ok ? teams.value.result.rows.flatMap((r) => text(r.team) ?? []) : [],
    tables: tables.ok ? tables.value.result.rows.flatMap((r) => text(r.name) ?? []) : [],
    warehouses: warehouses.ok ? refs(warehouses.value.result.rows, 'warehouse_id', 'warehouse_name') : [],
    clusters: clusters.ok ? refs(clusters.value.result.rows, 'cluster_id', 'cluster_name') : [],
    pipelines: pipelines.ok ? refs(pipelines.value.result.rows, 'pipeline_id', 'name') : [],
    users: [
      ...new Set([
        ...(users.ok ? users.value.result.rows.flatMap((r) => text(r.executed_by) ?? []) : []),
        ...owners.flatMap((map) => [...map.values()].flat()),
      ]),
    ].sort(),
  };
  function refs(rows: readonly Readonly<Record<string, unknown>>[], id: string, name: string): ComputeRef[] {
    return rows.flatMap((r) => {
      const ref = { id: text(r[id]), name: text(r[name]) };
      return ref.id === null || ref.name === null ? [] : [{ id: ref.id, name: ref.name }];
    });
  }
}
