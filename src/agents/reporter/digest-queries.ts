import type { Warehouse } from '../../databricks/warehouse.js';
import { dateParam, ms, num, type SqlRow, str, tsParam } from '../collector/sql-row.js';

/**
 * The digest's system-table queries. Each is plain Databricks SQL over `system.*` with bound
 * parameters, and each figure the digest shows carries the statement it came from ("Show SQL"), so a
 * reader can run it in a notebook and get the same number.
 */

/** A statement and the parameters it ran with, as a figure's "Show SQL" shows it. */
export interface ShownSql {
  readonly sql: string;
  readonly params: Readonly<Record<string, string>>;
}

const PRICED_USAGE = `
FROM system.billing.usage u
JOIN system.billing.list_prices lp
  ON u.sku_name = lp.sku_name AND u.cloud = lp.cloud AND u.usage_unit = lp.usage_unit
 AND u.usage_start_time >= lp.price_start_time
 AND (lp.price_end_time IS NULL OR u.usage_end_time <= lp.price_end_time)
WHERE u.workspace_id = :workspace_id
  AND u.usage_date >= :since_date AND u.usage_date <= :until_date
  AND u.usage_start_time >= :since AND u.usage_start_time < :until`;
const USD = 'SUM(u.usage_quantity * lp.pricing.effective_list.`default`)';

/** Spend per team tag and hour (an untagged row has a null team). */
export const SPEND_BY_TEAM_HOUR_SQL = `
SELECT u.custom_tags['team'] AS team,
       date_trunc('HOUR', u.usage_start_time) AS hour,
       ${USD} AS usd${PRICED_USAGE}
GROUP BY ALL`;

/** The newest usage billing holds, to tell a late table from a quiet day. */
const BILLING_FRESHNESS_SQL = `
SELECT MAX(usage_end_time) AS latest
FROM system.billing.usage
WHERE workspace_id = :workspace_id AND usage_date >= :since_date`;

/** SQL warehouse spend per warehouse and hour. */
export const WAREHOUSE_SPEND_BY_HOUR_SQL = `
SELECT u.usage_metadata.warehouse_id AS warehouse_id,
       date_trunc('HOUR', u.usage_start_time) AS hour,
       ${USD} AS usd${PRICED_USAGE}
  AND u.usage_metadata.warehouse_id IS NOT NULL
GROUP BY ALL`;

/** Hours in which each warehouse started or finished a statement: its busy hours. */
const WAREHOUSE_BUSY_HOURS_SQL = [
  `SELECT compute.warehouse_id AS warehouse_id, date_trunc('HOUR', start_time) AS hour
   FROM system.query.history
   WHERE start_time >= :since AND start_time < :until AND compute.warehouse_id IS NOT NULL
   GROUP BY ALL`,
  `SELECT compute.warehouse_id AS warehouse_id, date_trunc('HOUR', end_time) AS hour
   FROM system.query.history
   WHERE end_time >= :since AND end_time < :until AND compute.warehouse_id IS NOT NULL
   GROUP BY ALL`,
];

/** Each warehouse's configuration as it stood at the end of the window. */
const WAREHOUSES_SQL = `
SELECT warehouse_id, warehouse_name, warehouse_size, warehouse_type, auto_stop_minutes,
       tags['team'] AS team, delete_time
FROM system.compute.warehouses
WHERE workspace_id = :workspace_id AND change_time < :until
QUALIFY ROW_NUMBER() OVER (PARTITION BY warehouse_id ORDER BY change_time DESC) = 1`;

/** Each all-purpose cluster's configuration as it stood at the end of the window. */
const ALL_PURPOSE_CLUSTERS_SQL = `
SELECT cluster_id, cluster_name, auto_termination_minutes, tags['team'] AS team, delete_time
FROM system.compute.clusters
WHERE workspace_id = :workspace_id AND change_time < :until AND cluster_source IN ('UI', 'API')
QUALIFY ROW_NUMBER() OVER (PARTITION BY cluster_id ORDER BY change_time DESC) = 1`;

/** Spend per cluster. */
export const CLUSTER_SPEND_SQL = `
SELECT u.usage_metadata.cluster_id AS cluster_id, ${USD} AS usd${PRICED_USAGE}
  AND u.usage_metadata.cluster_id IS NOT NULL
GROUP BY ALL`;

/** Spend per job. */
export const JOB_SPEND_SQL = `
SELECT u.usage_metadata.job_id AS job_id, MAX(u.usage_metadata.job_name) AS job_name,
       MAX(u.custom_tags['team']) AS team, ${USD} AS usd${PRICED_USAGE}
  AND u.usage_metadata.job_id IS NOT NULL
GROUP BY u.usage_metadata.job_id`;

/** Job runs billed at the all-purpose price, per job. */
export const JOBS_ON_ALL_PURPOSE_SQL = `
SELECT u.usage_metadata.job_id AS job_id, MAX(u.usage_metadata.job_name) AS job_name,
       u.custom_tags['team'] AS team, ${USD} AS usd${PRICED_USAGE}
  AND u.billing_origin_product = 'ALL_PURPOSE' AND u.usage_metadata.job_id IS NOT NULL
GROUP BY ALL`;

/** List price per DBU of jobs compute against all-purpose compute, for what moving a job saves. */
const JOBS_VS_ALL_PURPOSE_PRICE_SQL = `
SELECT AVG(CASE WHEN sku_name LIKE '%JOBS_COMPUTE' AND sku_name NOT LIKE '%SERVERLESS%' THEN pricing.effective_list.\`default\` END) AS jobs,
       AVG(CASE WHEN sku_name LIKE '%ALL_PURPOSE_COMPUTE' THEN pricing.effective_list.\`default\` END) AS all_purpose
FROM system.billing.list_prices
WHERE price_end_time IS NULL`;

/** The parameters every windowed statement takes. */
export function windowParams(workspaceId: string, from: number, to: number) {
  return {
    workspace_id: workspaceId,
    since: tsParam(from),
    until: tsParam(to),
    since_date: dateParam(from),
    // usage_date is the UTC date: the last one the window touches.
    until_date: dateParam(to - 1),
  };
}

type Params = ReturnType<typeof windowParams>;

/** What a statement ran with, for "Show SQL": parameters as text. */
export function shown(sql: string, params: Params): ShownSql {
  return {
    sql: sql.trim(),
    params: Object.fromEntries(
      Object.entries(params).map(([k, v]) => [k, typeof v === 'string' ? v : (v.value ?? '')]),
    ),
  };
}

async function rows(warehouse: Warehouse, sql: string, params: Params): Promise<readonly SqlRow[]> {
  return (await warehouse.query(sql, { params, rowLimit: 100_000 })).rows;
}

export interface HourlySpend {
  readonly team: string | null;
  readonly hour: number;
  readonly usd: number;
}

export async function spendByTeamHour(warehouse: Warehouse, params: Params): Promise<HourlySpend[]> {
  return (await rows(warehouse, SPEND_BY_TEAM_HOUR_SQL, params)).map((r) => ({
    team: str(r, 'team') ?? null,
    hour: ms(r, 'hour') ?? 0,
    usd: num(r, 'usd') ?? 0,
  }));
}

export async function billingLatest(warehouse: Warehouse, params: Params): Promise<number | null> {
  const [row] = await rows(warehouse, BILLING_FRESHNESS_SQL, params);
  return row === undefined ? null : (ms(row, 'latest') ?? null);
}

export interface WarehouseHourSpend {
  readonly warehouseId: string;
  readonly hour: number;
  readonly usd: number;
}

export async function warehouseSpendByHour(
  warehouse: Warehouse,
  params: Params,
): Promise<WarehouseHourSpend[]> {
  return (await rows(warehouse, WAREHOUSE_SPEND_BY_HOUR_SQL, params)).map((r) => ({
    warehouseId: str(r, 'warehouse_id') ?? '',
    hour: ms(r, 'hour') ?? 0,
    usd: num(r, 'usd') ?? 0,
  }));
}

/** `warehouse_id\u0000hour` of every hour a warehouse ran a statement in. */
export async function warehouseBusyHours(warehouse: Warehouse, params: Params): Promise<Set<string>> {
  const busy = new Set<string>();
  for (const sql of WAREHOUSE_BUSY_HOURS_SQL) {
    for (const r of await rows(warehouse, sql, params))
      busy.add(`${str(r, 'warehouse_id') ?? ''}\u0000${ms(r, 'hour') ?? 0}`);
  }
  return busy;
}

export interface WarehouseConfigRow {
  readonly warehouseId: string;
  readonly name: string;
  readonly size: string | null;
  readonly type: string | null;
  readonly autoStopMinutes: number | null;
  readonly team: string | null;
  readonly deleted: boolean;
}

export async function warehouseConfigs(warehouse: Warehouse, params: Params): Promise<WarehouseConfigRow[]> {
  return (await rows(warehouse, WAREHOUSES_SQL, params)).map((r) => ({
    warehouseId: str(r, 'warehouse_id') ?? '',
    name: str(r, 'warehouse_name') ?? str(r, 'warehouse_id') ?? '',
    size: str(r, 'warehouse_size') ?? null,
    type: str(r, 'warehouse_type') ?? null,
    autoStopMinutes: num(r, 'auto_stop_minutes') ?? null,
    team: str(r, 'team') ?? null,
    deleted: ms(r, 'delete_time') !== undefined,
  }));
}

export interface ClusterConfigRow {
  readonly clusterId: string;
  readonly name: string;
  readonly autoTerminationMinutes: number | null;
  readonly team: string | null;
  readonly deleted: boolean;
}

export async function allPurposeClusters(warehouse: Warehouse, params: Params): Promise<ClusterConfigRow[]> {
  return (await rows(warehouse, ALL_PURPOSE_CLUSTERS_SQL, params)).map((r) => ({
    clusterId: str(r, 'cluster_id') ?? '',
    name: str(r, 'cluster_name') ?? str(r, 'cluster_id') ?? '',
    autoTerminationMinutes: num(r, 'auto_termination_minutes') ?? null,
    team: str(r, 'team') ?? null,
    deleted: ms(r, 'delete_time') !== undefined,
  }));
}

export async function clusterSpend(warehouse: Warehouse, params: Params): Promise<Map<string, number>> {
  return new Map(
    (await rows(warehouse, CLUSTER_SPEND_SQL, params)).map((r) => [
      str(r, 'cluster_id') ?? '',
      num(r, 'usd') ?? 0,
    ]),
  );
}

export interface JobOnAllPurpose {
  readonly jobId: string;
  readonly jobName: string;
  readonly team: string | null;
  readonly usd: number;
}

export async function jobsOnAllPurpose(warehouse: Warehouse, params: Params): Promise<JobOnAllPurpose[]> {
  return (await rows(warehouse, JOBS_ON_ALL_PURPOSE_SQL, params)).map((r) => ({
    jobId: str(r, 'job_id') ?? '',
    jobName: str(r, 'job_name') ?? `job ${str(r, 'job_id') ?? ''}`,
    team: str(r, 'team') ?? null,
    usd: num(r, 'usd') ?? 0,
  }));
}

/** Jobs-compute price as a fraction of all-purpose, from list prices; null when either is unlisted. */
export async function jobsPriceRatio(warehouse: Warehouse): Promise<number | null> {
  const [row] = (await warehouse.query(JOBS_VS_ALL_PURPOSE_PRICE_SQL)).rows;
  const jobs = row === undefined ? undefined : num(row, 'jobs');
  const allPurpose = row === undefined ? undefined : num(row, 'all_purpose');
  return jobs !== undefined && allPurpose !== undefined && allPurpose > 0 ? jobs / allPurpose : null;
}

export interface JobSpend {
  readonly name: string | null;
  readonly team: string | null;
  readonly usd: number;
}

export async function jobSpend(warehouse: Warehouse, params: Params): Promise<Map<string, JobSpend>> {
  const out = new Map<string, JobSpend>();
  for (const r of await rows(warehouse, JOB_SPEND_SQL, params)) {
    const jobId = str(r, 'job_id');
    if (jobId === undefined) continue;
    out.set(jobId, {
      name: str(r, 'job_name') ?? null,
      team: str(r, 'team') ?? null,
      usd: num(r, 'usd') ?? 0,
    });
  }
  return out;
}
