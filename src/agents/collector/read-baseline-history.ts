import type { CostObservation, TableLoadObservation } from '../detector/observations.js';
import { costObservationSchema, tableLoadObservationSchema } from '../detector/observations.js';
import { DURATION_MAX_SAMPLES } from '../detector/detect-duration-anomaly.js';
import { ROW_COUNT_MAX_LOADS } from '../detector/detect-row-counts.js';
import type { CollectorDeps } from './collector-deps.js';
import { costPeriodsOf } from './cost-periods.js';
import { COST_BY_DAY_SQL, COST_BY_HOUR_SQL } from './poll-system-tables.js';
import { dateParam, ms, num, str, tsParam } from './sql-row.js';

/** One successful run of the past: how long it took, for the job's duration baseline. */
interface PastRun {
  readonly workspaceId: string;
  readonly jobId: string;
  readonly runId: string;
  readonly startTime: number;
  readonly seconds: number;
}

/** One completed update of a pipeline in the past, for the pipeline's duration baseline. */
interface PastUpdate {
  readonly workspaceId: string;
  readonly pipelineId: string;
  readonly updateId: string;
  readonly startTime: number;
  readonly seconds: number;
}

/** The workspace's past as the system tables hold it: what the detectors' baselines are made of. */
export interface BaselineHistory {
  readonly runs: readonly PastRun[];
  readonly updates: readonly PastUpdate[];
  readonly loads: readonly TableLoadObservation[];
  readonly costs: readonly CostObservation[];
}

const DAY_MS = 86_400_000;
/** How far back the past is read: a month of a daily job's runs, and the cost detector's two weeks. */
const BASELINE_HISTORY_MS = 30 * DAY_MS;
/** Runs kept per job and loads per writer of a table: what the duration and row-count baselines keep anyway. */
const RUNS_PER_JOB = DURATION_MAX_SAMPLES;
const LOADS_PER_WRITER = ROW_COUNT_MAX_LOADS;
const COST_HISTORY_MS = 15 * DAY_MS;

/**
 * Reads the past the detectors' baselines are made of from the system tables, once, when dbxops first
 * watches a workspace: the newest successful runs of each job (`system.lakeflow.job_run_timeline`) and
 * completed updates of each pipeline (`pipeline_update_timeline`), the newest loads of each table by each of its writers (`main.ops.etl_audit`) and two weeks of spend per team. A workspace with a
 * past has it there whether dbxops is new to it or not (system tables keep a year; `runs/list` pages
 * through it slowly), so a first poll judges the next run against weeks of earlier ones instead of
 * waiting weeks to learn them. The same statements run on a real SQL warehouse and the embedded DuckDB.
 * Rows that are not valid observations are left out.
 */
export async function readBaselineHistory(
  deps: Pick<CollectorDeps, 'warehouse' | 'workspaceId'>,
  now: number,
): Promise<BaselineHistory> {
  const since = now - BASELINE_HISTORY_MS;
  const query = async (
    text: string,
    params: Record<string, ReturnType<typeof tsParam> | ReturnType<typeof dateParam> | string>,
  ) => (await deps.warehouse.query(text, { params, rowLimit: 100_000 })).rows;
  const ws = deps.workspaceId;

  const window = { since: tsParam(since), until: tsParam(now), workspace_id: ws };
  const pastDurations = async (what: PastDurations) =>
    (await query(pastDurationsSql(what), window)).flatMap((r) => {
      const owner = str(r, what.owner);
      const item = str(r, what.item);
      const started = ms(r, 'started');
      const ended = ms(r, 'ended');
      if (owner === undefined || item === undefined || started === undefined || ended === undefined)
        return [];
      if (ended < started) return [];
      return [{ owner, item, startTime: started, seconds: (ended - started) / 1000 }];
    });
  const runs: PastRun[] = (await pastDurations(PAST_RUNS)).map((d) => ({
    workspaceId: ws,
    jobId: d.owner,
    runId: d.item,
    startTime: d.startTime,
    seconds: d.seconds,
  }));
  const updates: PastUpdate[] = (await pastDurations(PAST_UPDATES)).map((d) => ({
    workspaceId: ws,
    pipelineId: d.owner,
    updateId: d.item,
    startTime: d.startTime,
    seconds: d.seconds,
  }));

  const loads: TableLoadObservation[] = [];
  for (const r of await query(PAST_LOADS_SQL, {
    since: tsParam(since),
    until: tsParam(now),
  })) {
    const parsed = tableLoadObservationSchema.safeParse({
      workspaceId: ws,
      table: str(r, 'table_full_name'),
      jobId: str(r, 'job_id'),
      runId: str(r, 'run_id'),
      taskKey: str(r, 'task_key'),
      rowsWritten: num(r, 'rows_written'),
      loadedAt: ms(r, 'load_time'),
    });
    if (parsed.success) loads.push(parsed.data);
  }

  const costs: CostObservation[] = [];
  const costSince = now - COST_HISTORY_MS;
  for (const granularity of ['hour', 'day'] as const) {
    const from = Math.floor(costSince / DAY_MS) * DAY_MS;
    const rows = await query(granularity === 'hour' ? COST_BY_HOUR_SQL : COST_BY_DAY_SQL, {
      since: tsParam(from),
      since_date: dateParam(from),
      workspace_id: ws,
    });
    for (const period of costPeriodsOf(rows, ws, granularity)) {
      const parsed = costObservationSchema.safeParse(period);
      if (parsed.success) costs.push(parsed.data);
    }
  }
  return { runs, updates, loads, costs };
}

/** A timeline table whose slices make up runs (or updates) of an owner (a job, a pipeline). */
interface PastDurations {
  readonly table: string;
  readonly owner: string;
  readonly item: string;
  /** The result state of the slice that says the run or update succeeded. */
  readonly succeeded: string;
}

const PAST_RUNS: PastDurations = {
  table: 'system.lakeflow.job_run_timeline',
  owner: 'job_id',
  item: 'run_id',
  succeeded: 'SUCCEEDED',
};
const PAST_UPDATES: PastDurations = {
  table: 'system.lakeflow.pipeline_update_timeline',
  owner: 'pipeline_id',
  item: 'update_id',
  succeeded: 'COMPLETED',
};

// A run's (or update's) duration from its first slice's start to its last slice's end, for those whose
// last slice says they succeeded; the newest per owner, as the duration baseline keeps them.
function pastDurationsSql({ table, owner, item, succeeded }: PastDurations): string {
  return `
WITH ended AS (
  SELECT ${owner}, ${item}, MAX(period_end_time) AS ended
  FROM ${table}
  WHERE workspace_id = :workspace_id AND result_state = '${succeeded}'
    AND period_end_time >= :since AND period_end_time <= :until
  GROUP BY ${owner}, ${item}),
starts AS (
  SELECT ${item}, MIN(period_start_time) AS started
  FROM ${table}
  WHERE workspace_id = :workspace_id AND period_end_time >= :since AND period_end_time <= :until
  GROUP BY ${item})
SELECT ended.${owner}, ended.${item}, starts.started, ended.ended
FROM ended JOIN starts ON ended.${item} = starts.${item}
QUALIFY ROW_NUMBER() OVER (PARTITION BY ended.${owner} ORDER BY ended.ended DESC) <= ${RUNS_PER_JOB}`;
}

const PAST_LOADS_SQL = `
SELECT table_full_name, job_id, run_id, task_key, rows_written, load_time
FROM main.ops.etl_audit
WHERE load_time >= :since AND load_time <= :until AND (status IS NULL OR status <> 'FAILED')
QUALIFY ROW_NUMBER() OVER (PARTITION BY table_full_name, job_id, task_key ORDER BY load_time DESC) <= ${LOADS_PER_WRITER}`;
