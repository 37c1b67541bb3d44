import type { Policy } from '../../config/policy.js';
import type { SqlParam, Warehouse } from '../../databricks/warehouse.js';
import { dateParam, ms, type SqlRow, str, tsParam } from '../collector/sql-row.js';
import {
  judgeSlas,
  type SlaJob,
  type SlaPromise,
  type SlaRun,
  type SlaVerdict,
  slaPromises,
} from './sla-compliance.js';

/**
 * The SLAs' inputs from the system tables — jobs and their tags, which jobs write which tables
 * (lineage), and the runs that finished — judged by `sla-compliance.ts`. The digest, the weekly
 * summary and the "SLA misses" question all read them here.
 */

/** Lineage this far back names a table's writers (as the collector's topology reads it). */
const LINEAGE_DAYS = 30;
const DAY_MS = 86_400_000;

const workspaceFilter = (on: boolean) => (on ? '\n  AND workspace_id = :workspace_id' : '');

const jobsSql = (ws: boolean) => `
SELECT job_id, name, tags['team'] AS team, tags['sla'] AS sla, tags['sla_timezone'] AS sla_timezone,
       tags['sla_table'] AS sla_table, tags['sla_max_age'] AS sla_max_age,
       tags['sla_warn_after'] AS sla_warn_after, tags['criticality'] AS criticality
FROM system.lakeflow.jobs
WHERE change_time < :until${workspaceFilter(ws)}
QUALIFY ROW_NUMBER() OVER (PARTITION BY workspace_id, job_id ORDER BY change_time DESC) = 1`;

const writesSql = (ws: boolean) => `
SELECT target_table_full_name AS table_name,
       coalesce(entity_metadata.job_info.job_id, entity_id) AS job_id
FROM system.access.table_lineage
WHERE entity_type = 'JOB' AND target_table_full_name IS NOT NULL
  AND event_date >= :lineage_since_date AND event_time < :until${workspaceFilter(ws)}
GROUP BY ALL`;

/** The finished runs of the jobs that write an SLA's table (`:w0`, `:w1` … bound one id each). */
const writerRunsSql = (ws: boolean, writers: number) => `
SELECT job_id, period_end_time AS ended, result_state
FROM system.lakeflow.job_run_timeline
WHERE result_state IS NOT NULL
  AND period_end_time >= :since AND period_end_time < :until${workspaceFilter(ws)}
  AND job_id IN (${Array.from({ length: writers }, (_, i) => `:w${i}`).join(', ')})`;

/**
 * Whether any run finished, per hour: the first and last end of each hour stand for all its runs.
 * A deadline has history when a run ended in the 24 h before it, and since an hour is shorter than
 * those 24 h, some hour's first or last end falls in them exactly when any run's end does — so a
 * workspace of 10,000 hourly jobs sends 192 rows, not 1.9 million (which the row limit cut short).
 */
const historySql = (ws: boolean) => `
SELECT MIN(period_end_time) AS first_end, MAX(period_end_time) AS last_end,
       SUM(CASE WHEN period_end_time >= :window_start THEN 1 ELSE 0 END) AS finished_in_window
FROM system.lakeflow.job_run_timeline
WHERE result_state IS NOT NULL
  AND period_end_time >= :since AND period_end_time < :until${workspaceFilter(ws)}
GROUP BY date_trunc('HOUR', period_end_time)`;

/** A statement as it ran: its SQL and its parameters as text ("Show SQL"). */
interface SlaStatement {
  readonly sql: string;
  readonly params: Readonly<Record<string, string>>;
}

export interface SlaCompliance {
  readonly promises: readonly SlaPromise[];
  /** Each deadline in the window, judged, oldest first. */
  readonly verdicts: readonly SlaVerdict[];
  /** Job id → name, for the jobs that write an SLA's table. */
  readonly jobNames: ReadonlyMap<string, string>;
  /** Runs of any job that finished in the window: none means the run timeline is late or young. */
  readonly runsFinished: number;
  readonly statements: readonly SlaStatement[];
}

export interface SlaWindow {
  /** Only this workspace's rows; every workspace the tables hold when absent. */
  readonly workspaceId?: string | undefined;
  readonly policySlas: Policy['slas'];
  /** Deadlines in `[from, to)` are judged. */
  readonly from: number;
  readonly to: number;
  readonly timeoutMs?: number | undefined;
}

/** Reads the SLAs and the runs around `[from, to)` and judges each deadline in it. */
export async function readSlaCompliance(warehouse: Warehouse, window: SlaWindow): Promise<SlaCompliance> {
  const ws = window.workspaceId !== undefined;
  // Runs from a day before `from`: a deadline early in the window is kept by a run the day before.
  const params: Record<string, SqlParam> = {
    window_start: tsParam(window.from),
    since: tsParam(window.from - DAY_MS),
    until: tsParam(window.to),
    lineage_since_date: dateParam(window.to - LINEAGE_DAYS * DAY_MS),
    ...(ws ? { workspace_id: window.workspaceId ?? '' } : {}),
  };
  const options = (bound: Record<string, SqlParam>) => ({
    params: bound,
    rowLimit: 100_000,
    ...(window.timeoutMs === undefined ? {} : { timeoutMs: window.timeoutMs }),
  });
  const statements: SlaStatement[] = [];
  const run = async (sql: string, bound: Record<string, SqlParam>) => {
    statements.push({ sql: sql.trim(), params: paramText(bound) });
    return (await warehouse.query(sql, options(bound))).rows;
  };
  const jobRows = await run(jobsSql(ws), params);
  // Lineage names the tables an SLA covers and their writers: 30 days of it is the slowest read here
  // (seconds on a 10,000-job workspace), and without an `sla` tag or a policy SLA nothing is promised.
  const promising =
    window.policySlas.length > 0 ||
    jobRows.some((r) => str(r, 'sla') !== undefined || str(r, 'sla_max_age') !== undefined);
  const writeRows = promising ? await run(writesSql(ws), params) : [];
  const tablesOf = new Map<string, string[]>();
  for (const r of writeRows) {
    const jobId = str(r, 'job_id');
    const table = str(r, 'table_name');
    if (jobId === undefined || table === undefined) continue;
    const list = tablesOf.get(jobId);
    if (list === undefined) tablesOf.set(jobId, [table]);
    else list.push(table);
  }
  const jobs: SlaJob[] = jobRows.flatMap((r) => {
    const jobId = str(r, 'job_id');
    return jobId === undefined
      ? []
      : [{ jobId, name: str(r, 'name'), tags: tagsOf(r), tablesWritten: tablesOf.get(jobId) ?? [] }];
  });
  const promises = slaPromises(jobs, window.policySlas);
  const writers = new Set(promises.flatMap((p) => p.writerJobIds));
  const writerParams: Record<string, SqlParam> = { ...params };
  [...writers].forEach((id, i) => {
    writerParams[`w${i}`] = id;
  });
  const [runRows, historyRows] = await Promise.all([
    writers.size === 0 ? Promise.resolve([]) : run(writerRunsSql(ws, writers.size), writerParams),
    run(historySql(ws), params),
  ]);
  const runs: SlaRun[] = runRows.flatMap((r) => {
    const jobId = str(r, 'job_id');
    const ended = ms(r, 'ended');
    return jobId === undefined || ended === undefined
      ? []
      : [{ jobId, ended, succeeded: str(r, 'result_state') === 'SUCCEEDED' }];
  });
  // Each hour's first and last end, as runs of no job: they tell judgeSlas where history exists.
  const history: SlaRun[] = historyRows.flatMap((r) =>
    [ms(r, 'first_end'), ms(r, 'last_end')].flatMap((ended) =>
      ended === undefined ? [] : [{ jobId: '', ended, succeeded: false }],
    ),
  );
  return {
    promises,
    jobNames: new Map(jobs.flatMap((j) => (writers.has(j.jobId) && j.name ? [[j.jobId, j.name]] : []))),
    verdicts: judgeSlas(promises, [...runs, ...history], window.from, window.to),
    runsFinished: historyRows.reduce((sum, r) => sum + Number(r.finished_in_window ?? 0), 0),
    statements,
  };
}

function tagsOf(row: SqlRow): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const key of [
    'team',
    'sla',
    'sla_timezone',
    'sla_table',
    'sla_max_age',
    'sla_warn_after',
    'criticality',
  ]) {
    const value = str(row, key);
    if (value !== undefined) tags[key] = value;
  }
  return tags;
}

function paramText(params: Readonly<Record<string, SqlParam>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(params)) {
    out[key] =
      value !== null && typeof value === 'object' && 'value' in value ? String(value.value) : String(value);
  }
  return out;
}
