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
  /** The people and service principals who ran queries or own jobs, pipelines or clusters (`USERS`). */
  readonly users: readonly string[];
}

/** The current row of each job of the workspace (the SCD2 table adds one per change), not deleted. */
export const CURRENT_JOBS = `SELECT job_id, name, tags['team'] AS team, run_as_user_name, creator_user_name
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
export const CURRENT_PIPELINES = `SELECT pipeline_id, name, tags['team'] AS team, run_as, created_by
  FROM system.lakeflow.pipelines
  WHERE workspace_id = :workspace_id
  QUALIFY row_number() OVER (PARTITION BY workspace_id, pipeline_id ORDER BY change_time DESC) = 1
    AND delete_time IS NULL`;

/**
 * The people and service principals a question may name: who ran queries, and who owns jobs, DLT
 * pipelines and all-purpose clusters (the identity a job or pipeline runs as, its creator, a cluster's
 * owner) — "jobs owned by finance-etl-sp@…" names someone who never ran a query.
 */
const USERS = `SELECT DISTINCT person FROM (
  SELECT executed_by AS person FROM system.query.history
   WHERE workspace_id = :workspace_id AND start_time >= :since
  UNION ALL SELECT run_as_user_name AS person FROM system.lakeflow.jobs WHERE workspace_id = :workspace_id AND delete_time IS NULL
  UNION ALL SELECT creator_user_name AS person FROM system.lakeflow.jobs WHERE workspace_id = :workspace_id AND delete_time IS NULL
  UNION ALL SELECT run_as AS person FROM system.lakeflow.pipelines WHERE workspace_id = :workspace_id AND delete_time IS NULL
  UNION ALL SELECT created_by AS person FROM system.lakeflow.pipelines WHERE workspace_id = :workspace_id AND delete_time IS NULL
  UNION ALL SELECT owned_by AS person FROM system.compute.clusters WHERE workspace_id = :workspace_id AND delete_time IS NULL
) WHERE person IS NOT NULL ORDER BY person`;

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
  const [jobs, teams, tables, warehouses, clusters, pipelines, users] = await Promise.all([
    runGuarded(warehouse, CURRENT_JOBS, params, limits),
    runGuarded(warehouse, TEAMS, params, limits),
    runGuarded(warehouse, TABLES, params, limits),
    runGuarded(warehouse, WAREHOUSES, { workspace_id: workspaceId }, limits),
    runGuarded(warehouse, CLUSTERS, { workspace_id: workspaceId }, limits),
    runGuarded(warehouse, CURRENT_PIPELINES, { workspace_id: workspaceId }, limits),
    runGuarded(warehouse, USERS, { since: sinceTime, workspace_id: workspaceId }, limits),
  ]);
  const text = (v: unknown) => (typeof v === 'string' ? v : v === null || v === undefined ? null : String(v));
  return {
    jobs: jobs.ok
      ? jobs.value.result.rows.flatMap((r) => {
          const id = text(r.job_id);
          const name = text(r.name);
          const owners = [text(r.run_as_user_name), text(r.creator_user_name)].filter(
            (o): o is string => o !== null,
          );
          return id === null || name === null
            ? []
            : [{ id, name, team: text(r.team), owners: [...new Set(owners)] }];
        })
      : [],
    teams: teams.ok ? teams.value.result.rows.flatMap((r) => text(r.team) ?? []) : [],
    tables: tables.ok ? tables.value.result.rows.flatMap((r) => text(r.name) ?? []) : [],
    warehouses: warehouses.ok ? refs(warehouses.value.result.rows, 'warehouse_id', 'warehouse_name') : [],
    clusters: clusters.ok ? refs(clusters.value.result.rows, 'cluster_id', 'cluster_name') : [],
    pipelines: pipelines.ok ? refs(pipelines.value.result.rows, 'pipeline_id', 'name') : [],
    users: users.ok ? users.value.result.rows.flatMap((r) => text(r.person) ?? []) : [],
  };
  function refs(rows: readonly Readonly<Record<string, unknown>>[], id: string, name: string): ComputeRef[] {
    return rows.flatMap((r) => {
      const ref = { id: text(r[id]), name: text(r[name]) };
      return ref.id === null || ref.name === null ? [] : [{ id: ref.id, name: ref.name }];
    });
  }
}
