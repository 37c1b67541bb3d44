import type { z } from 'zod';
import { WarehouseError } from '../../databricks/warehouse.js';
import {
  type ClusterEventObservation,
  type CostObservation,
  clusterEventObservationSchema,
  costObservationSchema,
  type JobClusterHistory,
  jobClusterHistorySchema,
  type JobClusterLaunch,
  jobClusterLaunchSchema,
  type JobSettingsChange,
  LIMITS,
  type PipelineUpdateObservation,
  pipelineUpdateObservationSchema,
  type QueryObservation,
  queryObservationSchema,
  type TableLoadObservation,
  tableLoadObservationSchema,
  type WarehouseObservation,
  warehouseObservationSchema,
} from '../detector/observations.js';
import { type UsualQueue, usualQueueOf, usualQueueRanges } from '../detector/usual-queue.js';
import { seenRowsOf, type CollectorCache } from './collector-cache.js';
import type { CollectorDeps } from './collector-deps.js';
import { costPeriodsOf } from './cost-periods.js';
import {
  type GrantChangeObservation,
  grantChangeObservationSchema,
  parsePermissionChanges,
} from './grant-change-observation.js';
import {
  type AclChangeObservation,
  aclChangeObservationSchema,
  aclChangeOf,
} from './acl-change-observation.js';
import { changeTimesOf, type JobSettingsAuditEvent, jobSettingsChanges } from './job-settings-changes.js';
import { asDegraded, type Degraded } from './monitoring-degraded.js';
import { readUpdateProgress } from './pipeline-progress.js';
import { dateParam, ms, num, type SqlRow, str, stringMap, tsParam } from './sql-row.js';

/** How far back each source re-reads on every poll, because its table fills late (docs/databricks.md, System tables). */
const DEFAULT_LAG_ALLOWANCE_MS: Readonly<Record<SystemTableSource, number>> = {
  table_loads: 30 * 60_000,
  billing: 12 * 3_600_000,
  warehouse_events: 30 * 60_000,
  query_history: 30 * 60_000,
  audit: 60 * 60_000,
  pipelines: 30 * 60_000,
  cluster_events: 10 * 60_000,
  job_clusters: 30 * 60_000,
};
type SystemTableSource =
  | 'table_loads'
  | 'billing'
  | 'warehouse_events'
  | 'query_history'
  | 'audit'
  | 'pipelines'
  | 'cluster_events'
  | 'job_clusters';

export interface PollSystemTablesOptions {
  readonly lagAllowanceMs?: Partial<Record<SystemTableSource, number>>;
  /** How far back the first poll of a source looks. Default 24 hours. */
  readonly initialLookbackMs?: number;
  /** Only these sources (default all). */
  readonly sources?: readonly SystemTableSource[];
  /**
   * Takes what the poll read (judges it, queues its signals) before the watermarks move: a process
   * killed in between reads the same rows again instead of skipping those older than the lag allowance
   * (at least once; signal ids collapse the repeat). A hand-out that throws fails the poll and moves nothing.
   */
  readonly handOut?: (observations: SystemTableObservations) => Promise<void>;
}

export interface SystemTableObservations {
  tableLoads: TableLoadObservation[];
  costs: CostObservation[];
  grantChanges: GrantChangeObservation[];
  /** Changes of a cluster's, job's or pipeline's ACL. */
  aclChanges: AclChangeObservation[];
  queries: QueryObservation[];
  warehouses: WarehouseObservation[];
  pipelineUpdates: PipelineUpdateObservation[];
  clusterEvents: ClusterEventObservation[];
  /** Jobs that launched a job cluster since the last poll, each with its launches and spend of the last weeks. */
  jobClusters: JobClusterHistory[];
  /** Sources the workspace turned away this time; their watermarks did not move. */
  degraded: Degraded[];
  /** Rows that did not make valid observations, per source (logged, never fatal). */
  rejected: { source: SystemTableSource; reason: string }[];
}

/** A poll's observations with nothing found yet, overridden by what `found` names. */
export function systemTableObservations(
  found: Partial<SystemTableObservations> = {},
): SystemTableObservations {
  return {
    tableLoads: [],
    costs: [],
    grantChanges: [],
    aclChanges: [],
    queries: [],
    warehouses: [],
    pipelineUpdates: [],
    clusterEvents: [],
    jobClusters: [],
    degraded: [],
    rejected: [],
    ...found,
  };
}

type SqlParams = Record<string, ReturnType<typeof tsParam> | ReturnType<typeof dateParam> | string>;

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/**
 * How far back a running warehouse's last activity is looked for. A warehouse left on with auto-stop
 * off (over a weekend, say) had its last statement or start days ago; with a day's window a freshly
 * started dbxops found no activity, so no idle-since, and never reported it. Both tables are read
 * aggregated per warehouse.
 */
const WAREHOUSE_ACTIVITY_LOOKBACK_MS = 7 * DAY_MS;

interface Window {
  readonly since: number;
  readonly until: number;
}

/**
 * Polls the system tables (and the REST views that complete them) source by source. Each source has
 * its own watermark and re-reads its last `lagAllowance` every poll, since these tables fill minutes to
 * hours late; a row handed out once (by its natural key) is not handed out again by this process. A
 * source the workspace throttles is reported in `degraded` and keeps its watermark; the others go on.
 * After a restart rows inside the lag allowance are handed out once more: signal ids collapse them.
 */
export async function pollSystemTables(
  deps: CollectorDeps,
  cache: CollectorCache,
  options: PollSystemTablesOptions = {},
): Promise<SystemTableObservations> {
  const out = systemTableObservations();
  const wanted = new Set(options.sources ?? (Object.keys(DEFAULT_LAG_ALLOWANCE_MS) as SystemTableSource[]));
  // Taken before `now`: every row counted in a version then carries a time no later than `now`, so a
  // table whose version has not moved by the next poll holds no row this poll's window left out.
  const versions = new Map<SystemTableSource, string>();
  for (const [source, tables] of TABLES_READ) {
    const version = deps.warehouse.contentVersion?.(tables);
    if (version !== undefined) versions.set(source, version);
  }
  const now = deps.clock.now();
  // Every source's watermark in one read, and the ones read through in one write at the end.
  const marks = new Map((await deps.watermarks.list(deps.workspaceId)).map((m) => [m.source, m]));
  const readThrough: SystemTableSource[] = [];
  /** Where each source's window began this poll. */
  const windows = new Map<SystemTableSource, number>();

  for (const source of wanted) {
    const lag = options.lagAllowanceMs?.[source] ?? DEFAULT_LAG_ALLOWANCE_MS[source];
    const mark = marks.get(source);
    windows.set(source, Math.max(0, (mark?.lastSeenAt ?? now - (options.initialLookbackMs ?? DAY_MS)) - lag));
  }

  const run = async (source: SystemTableSource, read: (w: Window) => Promise<void>) => {
    const since = windows.get(source);
    if (since === undefined) return;
    try {
      await read({ since, until: now });
      readThrough.push(source);
    } catch (error) {
      const degraded = asDegraded(error, source);
      if (!degraded) throw error;
      out.degraded.push(degraded);
    }
  };

  /** Parses, dedupes by `key` and collects; the key is remembered only once the poll has succeeded. */
  const accept = <S extends z.ZodType>(
    source: SystemTableSource,
    schema: S,
    key: string | undefined,
    input: unknown,
    into: z.output<S>[],
  ) => {
    const seen = seenRowsOf(cache, source);
    if (key !== undefined && seen.has(key)) return;
    const parsed = schema.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      out.rejected.push({
        source,
        reason: `${issue?.path.map(String).join('.') || '(row)'}: ${issue?.message}`,
      });
      return;
    }
    if (key !== undefined) seen.add(key);
    into.push(parsed.data);
  };

  const sql = async (text: string, params: SqlParams) =>
    (await deps.warehouse.query(text, { params, rowLimit: 100_000 })).rows;
  /**
   * True when the warehouse can tell that nothing was added to the source's tables since the start of
   * the last poll that read them through, and this window begins no earlier than that poll's (a
   * watermark set back, or a longer lag allowance, reads again): its statements would return only
   * rows that poll handed out, so they are not run. A real warehouse cannot tell, and is read every time.
   */
  const unchanged = (source: SystemTableSource): boolean => {
    const version = versions.get(source);
    const last = cache.tablesRead.get(source);
    return (
      version !== undefined &&
      last?.version === version &&
      (windows.get(source) ?? Number.NEGATIVE_INFINITY) >= last.since
    );
  };
  /** What a source keeps of this poll's read for the next, should its tables not change. */
  const kept = new Map<SystemTableSource, ReadonlyMap<string, number>>();
  const ws = deps.workspaceId;

  // Every source's first statements are started now, before any is read: a warehouse with several
  // connections runs them side by side while this thread handles the answers and REST calls before
  // them. Each source still reads its answers (and reports its failure) in its turn, so what the poll
  // hands out, and in what order, does not depend on which statement finished first.
  const started = new Map<SystemTableSource, Promise<readonly SqlRow[]>[]>();
  // Started in the order the sources read them, so the first answers needed are the first ready.
  for (const source of TABLES_READ.keys()) {
    const since = windows.get(source);
    if (since === undefined) continue;
    const statements = firstStatementsOf(source, {
      since,
      until: now,
      workspaceId: ws,
      unchanged: unchanged(source),
      keptActivity: cache.tablesRead.get('warehouse_events')?.kept !== undefined,
    });
    started.set(
      source,
      statements.map(({ text, params }) => {
        const rows = sql(text, params);
        // Awaited in the source's turn; a poll that fails before then must not leave it unhandled.
        rows.catch(() => undefined);
        return rows;
      }),
    );
  }
  /** The answers to the source's first statements, in the order `firstStatementsOf` gives them. */
  const answers = async (source: SystemTableSource): Promise<(readonly SqlRow[])[]> => {
    const out: (readonly SqlRow[])[] = [];
    for (const rows of started.get(source) ?? []) out.push(await rows);
    return out;
  };

  await run('table_loads', async () => {
    const [rows = []] = await answers('table_loads');
    for (const r of rows) {
      if (str(r, 'status') === 'FAILED') continue;
      const table = str(r, 'table_full_name');
      const taskRunId = str(r, 'task_run_id') ?? str(r, 'run_id');
      accept(
        'table_loads',
        tableLoadObservationSchema,
        `${taskRunId}|${table}`,
        {
          workspaceId: ws,
          table,
          jobId: str(r, 'job_id'),
          runId: str(r, 'run_id'),
          taskKey: str(r, 'task_key'),
          rowsWritten: num(r, 'rows_written'),
          loadedAt: ms(r, 'load_time'),
        },
        out.tableLoads,
      );
    }
  });

  await run('billing', async () => {
    const byGranularity = await answers('billing');
    for (const [index, rows] of byGranularity.entries()) {
      const granularity = COST_GRANULARITIES[index]!;
      for (const period of costPeriodsOf(rows, ws, granularity)) {
        const key = `${granularity}|${period.team}|${period.periodStart}`;
        if (cache.costs.get(key) === period.usd) continue;
        const before = out.costs.length;
        accept('billing', costObservationSchema, undefined, period, out.costs);
        if (out.costs.length > before) cache.costs.set(key, period.usd);
      }
    }
  });

  await run('audit', async () => {
    const [rows = []] = await answers('audit');
    for (const r of rows) {
      const params = stringMap(r, 'request_params');
      const eventId = str(r, 'event_id') ?? str(r, 'request_id') ?? `${ms(r, 'event_time')}`;
      const acl = aclChangeOf(str(r, 'action_name'), params);
      if (acl !== undefined) {
        // A row that makes no ACL change is reported once, not on every re-read of the lag allowance.
        const seen = seenRowsOf(cache, 'audit');
        const unreadable = `${eventId}|acl-unreadable`;
        if (seen.has(unreadable)) continue;
        const rejected = out.rejected.length;
        if (!acl.ok) out.rejected.push({ source: 'audit', reason: acl.reason });
        else
          accept(
            'audit',
            aclChangeObservationSchema,
            `${eventId}|acl`,
            { workspaceId: ws, eventId, at: ms(r, 'event_time'), actor: str(r, 'actor'), ...acl.change },
            out.aclChanges,
          );
        if (out.rejected.length > rejected) seen.add(unreadable);
        continue;
      }
      const parsed = parsePermissionChanges(params.changes);
      if (!parsed.ok) {
        // Reported once, not on every re-read of the lag allowance.
        const seen = seenRowsOf(cache, 'audit');
        if (!seen.has(`${eventId}|unreadable`)) out.rejected.push({ source: 'audit', reason: parsed.reason });
        seen.add(`${eventId}|unreadable`);
        continue;
      }
      for (const change of parsed.changes) {
        if (change.remove.length === 0) continue;
        accept(
          'audit',
          grantChangeObservationSchema,
          `${eventId}|${change.principal}`,
          {
            workspaceId: ws,
            eventId,
            at: ms(r, 'event_time'),
            actor: str(r, 'actor'),
            securableType: params.securable_type,
            securable: params.securable_full_name,
            principal: change.principal,
            removed: change.remove,
            added: change.add,
          },
          out.grantChanges,
        );
      }
    }
    const objectNames = new Map<string, Promise<string | undefined>>();
    out.aclChanges = await Promise.all(
      out.aclChanges.map(async (c) => withObjectName(deps, objectNames, await withPrincipalName(deps, c))),
    );
  });

  // Warehouse state and running queries share the REST query-history snapshot.
  const running: {
    warehouseId?: string | undefined;
    status: string;
    start: number;
    atCapacitySince?: number | undefined;
  }[] = [];
  await run('query_history', async () => {
    for await (const q of deps.client.queryHistory.listQueries({
      filter_by: {
        statuses: ['RUNNING', 'QUEUED'],
        query_start_time_range: { start_time_ms: now - 7 * DAY_MS, end_time_ms: now },
      },
      max_results: 500,
      include_metrics: true,
    })) {
      const start = q.query_start_time_ms ?? now;
      const warehouseId = q.warehouse_id ?? q.endpoint_id;
      const atCapacitySince = q.metrics?.overloading_queue_start_timestamp;
      running.push({ warehouseId, status: q.status ?? 'RUNNING', start, atCapacitySince });
      accept(
        'query_history',
        queryObservationSchema,
        undefined,
        {
          workspaceId: ws,
          statementId: q.query_id,
          warehouseId,
          user: q.user_name,
          state: q.status ?? 'RUNNING',
          startTime: start,
          durationMs: Math.max(0, now - start),
          readBytes: q.metrics?.read_bytes ?? 0,
          statementText: q.query_text,
        },
        out.queries,
      );
    }
    const [rows = []] = await answers('query_history');
    for (const r of rows) {
      const id = str(r, 'statement_id');
      accept(
        'query_history',
        queryObservationSchema,
        `${id}|${str(r, 'execution_status')}`,
        {
          workspaceId: ws,
          statementId: id,
          warehouseId: str(r, 'warehouse_id'),
          user: str(r, 'executed_by'),
          state: str(r, 'execution_status'),
          startTime: ms(r, 'start_time'),
          durationMs: Math.max(0, Math.round(num(r, 'total_duration_ms') ?? 0)),
          readBytes: Math.max(0, Math.round(num(r, 'read_bytes') ?? 0)),
          statementText: str(r, 'statement_text'),
          jobId: str(r, 'job_id'),
          dashboardId: str(r, 'dashboard_id'),
        },
        out.queries,
      );
    }
  });

  /**
   * How a queueing warehouse's queue usually stands at this hour, from its statements of the earlier
   * days in `system.query.history` (`usualQueueOf`), read once per warehouse and clock hour (the
   * stretches it is read from move by the hour). A read the warehouse turns away leaves the queue
   * judged as it stands, and is tried again on the next poll.
   */
  const usualQueueOfWarehouse = async (warehouseId: string): Promise<UsualQueue | undefined> => {
    const key = `${Math.floor(now / HOUR_MS)}|${warehouseId}`;
    const known = cache.usualQueues.get(key);
    if (known !== undefined) return known ?? undefined;
    const ranges = usualQueueRanges(now);
    const since = tsParam(Math.min(...ranges.map((r) => r.from)));
    const params: SqlParams = {
      warehouse_id: warehouseId,
      since,
      until: tsParam(Math.max(...ranges.map((r) => r.to))),
    };
    for (const [i, r] of ranges.entries()) {
      params[`from_${i}`] = tsParam(r.from);
      params[`to_${i}`] = tsParam(r.to);
    }
    try {
      const [first] = await sql(FIRST_STATEMENT_SQL, { warehouse_id: warehouseId, since });
      const waits = (await sql(pastWaitsSql(ranges.length), params)).flatMap((r) => {
        const start = ms(r, 'start_time');
        const waitMs = num(r, 'waiting_at_capacity_duration_ms');
        if (start === undefined || waitMs === undefined) return [];
        return [{ queuedAt: start + (num(r, 'waiting_for_compute_duration_ms') ?? 0), waitMs }];
      });
      const usual = usualQueueOf(waits, first === undefined ? undefined : ms(first, 'first_start'), now);
      cache.usualQueues.set(key, usual ?? null);
      return usual;
    } catch (error) {
      if (asDegraded(error, 'warehouse_events') === undefined) throw error;
      return undefined;
    }
  };

  await run('warehouse_events', async () => {
    const lookback = now - WAREHOUSE_ACTIVITY_LOOKBACK_MS;
    const idle = new Map<string, number>();
    const last = cache.tablesRead.get('warehouse_events')?.kept;
    if (unchanged('warehouse_events') && last !== undefined) {
      // The latest activity per warehouse since the lookback is the last poll's, but for what aged out.
      for (const [id, at] of last) if (at >= lookback) idle.set(id, at);
    } else {
      for (const rows of await answers('warehouse_events')) {
        for (const r of rows) {
          const id = str(r, 'warehouse_id');
          const at = ms(r, 'last_activity');
          if (id !== undefined && at !== undefined) idle.set(id, Math.max(idle.get(id) ?? 0, at));
        }
      }
    }
    kept.set('warehouse_events', idle);
    for (const key of cache.usualQueues.keys())
      if (!key.startsWith(`${Math.floor(now / HOUR_MS)}|`)) cache.usualQueues.delete(key);
    for await (const w of deps.client.warehouses.listWarehouses()) {
      const mine = running.filter((q) => q.warehouseId === w.id);
      // Only a wait at capacity is queueing: a statement waiting while the warehouse starts
      // (`provisioning_queue_start_timestamp`) waits for compute that is on its way.
      const queued = mine.filter((q) => q.status === 'QUEUED' && q.atCapacitySince !== undefined);
      const busy = mine.filter((q) => q.status !== 'QUEUED').length;
      const team = w.tags?.custom_tags?.find((t) => t.key === 'team')?.value;
      const usualQueue = queued.length > 0 ? await usualQueueOfWarehouse(w.id) : undefined;
      accept(
        'warehouse_events',
        warehouseObservationSchema,
        undefined,
        {
          workspaceId: ws,
          warehouseId: w.id,
          name: w.name,
          state: w.state ?? 'UNKNOWN',
          size: w.cluster_size,
          warehouseType: w.enable_serverless_compute ? 'SERVERLESS' : w.warehouse_type,
          autoStopMins: Math.max(0, w.auto_stop_mins ?? 0),
          numClusters: Math.max(0, w.num_clusters ?? 0),
          maxNumClusters: Math.max(1, w.max_num_clusters ?? 1),
          queuedQueries: queued.length,
          runningQueries: busy,
          idleSince: w.state === 'RUNNING' && mine.length === 0 ? idle.get(w.id) : undefined,
          maxQueuedMs:
            queued.length > 0
              ? Math.max(...queued.map((q) => Math.max(0, now - (q.atCapacitySince ?? q.start))))
              : undefined,
          team,
          ...(usualQueue !== undefined ? { usualQueue } : {}),
        },
        out.warehouses,
      );
    }
  });

  await run('pipelines', async () => {
    const [rows = []] = await answers('pipelines');
    for (const r of rows) {
      const pipelineId = str(r, 'pipeline_id');
      const updateId = str(r, 'update_id');
      const state = str(r, 'result_state');
      const errors: { message: string; className?: string }[] = [];
      if (state === 'FAILED' && pipelineId !== undefined)
        errors.push(...(await pipelineErrors(deps, pipelineId, updateId)));
      accept(
        'pipelines',
        pipelineUpdateObservationSchema,
        `${pipelineId}|${updateId}`,
        {
          workspaceId: ws,
          pipelineId,
          pipelineName: str(r, 'name'),
          updateId,
          state,
          cause: str(r, 'trigger_type'),
          startTime: ms(r, 'started') ?? ms(r, 'period_end_time'),
          endTime: ms(r, 'period_end_time'),
          errors,
          jobId: str(r, 'job_id'),
          clusterId: str(r, 'cluster_id'),
          team: stringMap(r, 'tags').team,
        },
        out.pipelineUpdates,
      );
    }
    // The timeline shows an update in flight only once an hour of it has passed (an update hung since
    // 05:00 appears at 06:00): the REST list has each pipeline's latest updates as they stand now.
    // Handed out on every poll while in flight, so each poll judges how long it has run.
    for await (const p of deps.client.pipelines.listPipelines({ max_results: 100 })) {
      for (const u of p.latest_updates ?? []) {
        const startTime = epochOf(u.creation_time);
        if (u.state === undefined || ENDED_UPDATE_STATES.has(u.state) || startTime === undefined) continue;
        const jobId = startingJob(cache, p.pipeline_id);
        const read = await readUpdateProgress(deps, cache.pipelineEvents, {
          pipelineId: p.pipeline_id,
          updateId: u.update_id,
          startTime,
        });
        if (!read.ok) {
          out.rejected.push({ source: 'pipelines', reason: read.message });
          deps.logger?.warn({ pipelineId: p.pipeline_id, updateId: u.update_id }, read.message);
        }
        accept(
          'pipelines',
          pipelineUpdateObservationSchema,
          undefined,
          {
            workspaceId: ws,
            pipelineId: p.pipeline_id,
            pipelineName: p.name,
            updateId: u.update_id,
            state: u.state,
            startTime,
            ...(jobId !== undefined ? { jobId } : {}),
            ...(p.cluster_id !== undefined ? { clusterId: p.cluster_id } : {}),
            // A failed read says nothing of how long the flows have been quiet, only the gaps it read.
            progress: { ...(read.ok ? { quietSince: read.quietSince } : {}), gaps: read.gaps },
          },
          out.pipelineUpdates,
        );
      }
    }
  });

  await run('cluster_events', async ({ since, until }) => {
    const active = new Set<string>();
    // A shared cluster's card names it as people know it, not by its id.
    const names = new Map<string, string>();
    for await (const c of deps.client.clusters.listClusters({
      filter_by: { cluster_states: ['RUNNING', 'PENDING', 'RESTARTING', 'RESIZING', 'ERROR'] },
    })) {
      active.add(c.cluster_id);
      if (c.cluster_name !== undefined && c.cluster_name !== '') names.set(c.cluster_id, c.cluster_name);
    }
    // Job clusters live only as long as their run: the poller remembers the ones runs used.
    const ids = new Set([...active, ...cache.clusters.keys()]);
    for (const clusterId of ids) {
      let last: string | undefined;
      for await (const e of deps.client.clusters.clusterEvents({
        cluster_id: clusterId,
        start_time: since,
        end_time: until,
        order: 'ASC',
        page_size: 500,
      })) {
        accept(
          'cluster_events',
          clusterEventObservationSchema,
          `${clusterId}|${e.timestamp}|${e.type}`,
          {
            workspaceId: ws,
            clusterId,
            ...(names.has(clusterId) ? { clusterName: names.get(clusterId) } : {}),
            // A job cluster's events are its run's: a launch failure is repaired on the run.
            ...cache.clusters.get(clusterId),
            timestamp: e.timestamp,
            type: e.type,
            reasonCode: e.details?.reason?.code,
            reasonType: e.details?.reason?.type,
            message: (e.details as Record<string, unknown> | undefined)?.driver_state_message as
              | string
              | undefined,
          },
          out.clusterEvents,
        );
        last = e.type;
      }
      // A remembered cluster that is no longer up and has nothing new, or whose last word is that it
      // terminates, has said all it will: a job cluster never starts again, and an all-purpose one that
      // does is listed as active (or used by a run) and remembered again. Without this every poll read
      // the events of every job cluster of the last thousand runs, a cost that grew with the hours watched.
      if (!active.has(clusterId) && (last === undefined || last === 'TERMINATING'))
        cache.clusters.delete(clusterId);
    }
  });

  await run('job_clusters', async ({ since, until }) => {
    const [launches = []] = await answers('job_clusters');
    if (launches.length === 0) return;
    // The spend and the settings changes of the jobs that launched, side by side (read in this order).
    const params = jobClusterParams(since, until, ws);
    const dailyRows = sql(JOB_DAILY_SPEND_SQL, params);
    const changesByJob = settingsChangesOf(sql, params);
    dailyRows.catch(() => undefined);
    changesByJob.catch(() => undefined);
    const jobs = new Map<
      string,
      { jobName?: string; team?: string; launches: JobClusterLaunch[]; newest: [number, string] }
    >();
    for (const r of launches) {
      const jobId = str(r, 'job_id');
      const clusterId = str(r, 'cluster_id');
      const createdAt = ms(r, 'create_time');
      if (jobId === undefined || clusterId === undefined || createdAt === undefined) continue;
      const job = jobs.get(jobId) ?? { launches: [], newest: [Number.NEGATIVE_INFINITY, ''] };
      const jobName = str(r, 'run_name');
      const team = str(r, 'team');
      // Tags are whatever a job's author wrote: a long one is cut, not a reason to lose the job.
      if (jobName !== undefined) job.jobName = jobName.slice(0, LIMITS.name);
      if (team !== undefined) job.team = team.slice(0, LIMITS.name);
      // One unreadable launch (a negative count, a node type no cloud has) is left out, not the job's history.
      const launch = jobClusterLaunchSchema.safeParse({
        clusterId,
        createdAt,
        workers: num(r, 'worker_count'),
        minWorkers: num(r, 'min_autoscale_workers'),
        maxWorkers: num(r, 'max_autoscale_workers'),
        workerNodeType: str(r, 'worker_node_type'),
        driverNodeType: str(r, 'driver_node_type'),
      });
      if (!launch.success) {
        const issue = launch.error.issues[0];
        out.rejected.push({
          source: 'job_clusters',
          reason: `launches.${issue?.path.map(String).join('.') ?? ''}: ${issue?.message}`,
        });
        continue;
      }
      job.launches.push(launch.data);
      if (createdAt > job.newest[0]) job.newest = [createdAt, clusterId];
      jobs.set(jobId, job);
    }
    const daily = new Map<string, { day: number; usd: number }[]>();
    for (const r of await dailyRows) {
      const jobId = str(r, 'job_id');
      const day = ms(r, 'day');
      const usd = num(r, 'usd');
      if (jobId === undefined || day === undefined || usd === undefined) continue;
      daily.set(jobId, [...(daily.get(jobId) ?? []), { day, usd }]);
    }
    const changes = await changesByJob;
    for (const [jobId, job] of jobs) {
      // Handed out again only when the job launched another cluster: the judgement is on its newest launch.
      accept(
        'job_clusters',
        jobClusterHistorySchema,
        `${jobId}|${job.newest[1]}`,
        {
          workspaceId: ws,
          jobId,
          ...(job.jobName !== undefined ? { jobName: job.jobName } : {}),
          ...(job.team !== undefined ? { team: job.team } : {}),
          launches: job.launches.slice(-LIMITS.list),
          dailyUsd: (daily.get(jobId) ?? []).slice(-LIMITS.list),
          settingsChanges: (changes.get(jobId) ?? []).slice(-LIMITS.list),
        },
        out.jobClusters,
      );
    }
  });

  await options.handOut?.(out);
  await deps.watermarks.advanceAll(
    deps.workspaceId,
    readThrough.map((source) => ({ source, position: { lastSeenAt: now } })),
    now,
  );
  // Only a poll handed out and moved on counts as read: one that failed is read again in full.
  for (const source of readThrough) {
    const version = versions.get(source);
    const since = windows.get(source);
    const keep = kept.get(source);
    if (version !== undefined && since !== undefined)
      cache.tablesRead.set(source, { version, since, ...(keep ? { kept: keep } : {}) });
  }
  for (const r of out.rejected) deps.logger?.debug(r, 'system-table row rejected');
  return out;
}

const COST_GRANULARITIES = ['hour', 'day'] as const;

/** The parameters of the job-cluster statements: the window's launches, two weeks of their history. */
function jobClusterParams(since: number, until: number, workspaceId: string): SqlParams {
  return {
    since: tsParam(since),
    until: tsParam(until),
    lookback: tsParam(until - JOB_CLUSTER_LOOKBACK_MS),
    lookback_date: dateParam(until - JOB_CLUSTER_LOOKBACK_MS),
    workspace_id: workspaceId,
  };
}

/**
 * The statements a source runs whatever their answers, for its window (none for a source whose tables
 * did not change, or that reads REST only). The job-cluster source runs more once it finds a launch.
 */
function firstStatementsOf(
  source: SystemTableSource,
  at: {
    since: number;
    until: number;
    workspaceId: string;
    unchanged: boolean;
    /** Whether the warehouse-activity source kept its last answers to reuse while unchanged. */
    keptActivity: boolean;
  },
): { text: string; params: SqlParams }[] {
  const { since, until, workspaceId } = at;
  if (source === 'warehouse_events') {
    if (at.unchanged && at.keptActivity) return [];
    const params = { since: tsParam(until - WAREHOUSE_ACTIVITY_LOOKBACK_MS) };
    return WAREHOUSE_ACTIVITY_SQL.map((text) => ({ text, params }));
  }
  if (at.unchanged) return [];
  const window = { since: tsParam(since), until: tsParam(until) };
  switch (source) {
    case 'table_loads':
      return [{ text: TABLE_LOADS_SQL, params: window }];
    case 'billing':
      // The periods start on whole hours and days, so an unchanged table adds up to the same totals.
      return COST_GRANULARITIES.map((granularity) => {
        const step = granularity === 'hour' ? HOUR_MS : DAY_MS;
        const from = Math.floor(since / step) * step;
        return {
          text: granularity === 'hour' ? COST_BY_HOUR_SQL : COST_BY_DAY_SQL,
          params: { since: tsParam(from), since_date: dateParam(from), workspace_id: workspaceId },
        };
      });
    case 'audit':
      return [{ text: AUDIT_SQL, params: { ...window, since_date: dateParam(since) } }];
    case 'query_history':
      return [{ text: QUERY_HISTORY_SQL, params: window }];
    case 'pipelines':
      return [{ text: PIPELINE_UPDATES_SQL, params: { ...window, lookback: tsParam(since - 7 * DAY_MS) } }];
    case 'job_clusters':
      return [{ text: JOB_CLUSTER_LAUNCHES_SQL, params: jobClusterParams(since, until, workspaceId) }];
    case 'cluster_events':
      return [];
  }
}

/**
 * The launched jobs' settings changes, by job id. The audit log is read only when a job changed (most
 * never do), from a few minutes before the oldest change; a workspace whose audit log this principal
 * cannot read still shows when its jobs changed, only not who changed them or to what.
 */
async function settingsChangesOf(
  sql: (text: string, params: SqlParams) => Promise<readonly SqlRow[]>,
  params: SqlParams,
): Promise<Map<string, JobSettingsChange[]>> {
  const rows = new Map<string, { times: number[]; createdAt: number | undefined }>();
  for (const r of await sql(JOB_SETTINGS_ROWS_SQL, params)) {
    const jobId = str(r, 'job_id');
    const at = ms(r, 'change_time');
    if (jobId === undefined || at === undefined) continue;
    const job = rows.get(jobId) ?? { times: [], createdAt: ms(r, 'create_time') };
    job.times.push(at);
    rows.set(jobId, job);
  }
  const changed = [...rows.values()].flatMap((j) => changeTimesOf(j.times, j.createdAt));
  const audit = new Map<string, JobSettingsAuditEvent[]>();
  if (changed.length > 0) {
    const since = Math.min(...changed) - 5 * 60_000;
    try {
      for (const r of await sql(JOB_SETTINGS_AUDIT_SQL, {
        ...params,
        changes_since: tsParam(since),
        changes_date: dateParam(since),
      })) {
        const jobId = str(r, 'job_id');
        const at = ms(r, 'event_time');
        if (jobId === undefined || at === undefined) continue;
        audit.set(jobId, [
          ...(audit.get(jobId) ?? []),
          { at, by: str(r, 'actor'), action: str(r, 'action_name'), newSettings: str(r, 'new_settings') },
        ]);
      }
    } catch (error) {
      // Who made a change is a bonus beside when it was made: an audit log this principal may not read
      // (or the workspace has not enabled) costs the names, not the launches. Throttling is reported.
      if (
        !(error instanceof WarehouseError && (error.reason === 'PERMISSION' || error.reason === 'NOT_FOUND'))
      )
        throw error;
    }
  }
  const out = new Map<string, JobSettingsChange[]>();
  for (const [jobId, job] of rows)
    out.set(jobId, jobSettingsChanges(job.times, job.createdAt, audit.get(jobId) ?? []));
  return out;
}

/**
 * The change with its principal named as ACLs name it (a user's `userName`, a group's `displayName`)
 * when the audit row gave only a SCIM id (`targetUserId`). The name is a bonus: an id SCIM does not
 * know, or a SCIM this principal may not read, leaves the id.
 */
async function withPrincipalName(
  deps: CollectorDeps,
  change: AclChangeObservation,
): Promise<AclChangeObservation> {
  if (!/^\d{1,20}$/.test(change.principal)) return change;
  try {
    const name = await deps.client.scim.principalName(change.principal);
    return name === undefined ? change : { ...change, principal: name };
  } catch {
    return change;
  }
}

/**
 * The change with the name of the cluster, job or pipeline it was made on: the audit row gives only its
 * id, and a card saying "job 812734" leaves the reader to look it up. Read once per object and poll; a
 * name is a bonus, so an object since deleted, or one this principal may not read, keeps its id alone.
 */
async function withObjectName(
  deps: CollectorDeps,
  names: Map<string, Promise<string | undefined>>,
  change: AclChangeObservation,
): Promise<AclChangeObservation> {
  const key = `${change.objectType}:${change.objectId}`;
  let name = names.get(key);
  if (name === undefined) {
    name = objectName(deps, change).catch(() => undefined);
    names.set(key, name);
  }
  const found = await name;
  return found === undefined || found === '' ? change : { ...change, objectName: found.slice(0, 512) };
}

async function objectName(deps: CollectorDeps, change: AclChangeObservation): Promise<string | undefined> {
  const { client } = deps;
  switch (change.objectType) {
    case 'job': {
      const id = Number(change.objectId);
      return Number.isSafeInteger(id) ? (await client.jobs.getJob(id)).settings?.name : undefined;
    }
    case 'cluster':
      return (await client.clusters.getCluster(change.objectId)).cluster_name;
    case 'pipeline':
      return (await client.pipelines.getPipeline(change.objectId)).name;
  }
}

async function pipelineErrors(deps: CollectorDeps, pipelineId: string, updateId: string | undefined) {
  const errors: { message: string; className?: string }[] = [];
  try {
    for await (const e of deps.client.pipelines.pipelineEvents(pipelineId, {
      filter: "level='ERROR'",
      max_results: 100,
    })) {
      const origin = (e as { origin?: { update_id?: string } }).origin;
      if (updateId !== undefined && origin?.update_id !== undefined && origin.update_id !== updateId)
        continue;
      const exceptions =
        (e as { error?: { exceptions?: { class_name?: string; message?: string }[] } }).error?.exceptions ??
        [];
      if (exceptions.length === 0 && typeof e.message === 'string') errors.push({ message: e.message });
      for (const x of exceptions)
        errors.push({
          message: x.message ?? String(e.message ?? ''),
          ...(x.class_name ? { className: x.class_name } : {}),
        });
      if (errors.length >= 20) break;
    }
  } catch (error) {
    // The update's failure is known from the table; its text is a bonus, unless the workspace is throttling.
    if (asDegraded(error, 'pipelines')) throw error;
  }
  return errors;
}

/**
 * The tables each source's statements read (the REST calls beside them are made every poll). A source
 * skips its statements when none of these changed; cluster events come from REST only.
 */
const TABLES_READ: ReadonlyMap<SystemTableSource, readonly string[]> = new Map([
  ['table_loads', ['main.ops.etl_audit']],
  ['billing', ['system.billing.usage', 'system.billing.list_prices']],
  ['audit', ['system.access.audit']],
  ['query_history', ['system.query.history']],
  ['warehouse_events', ['system.query.history', 'system.compute.warehouse_events']],
  ['pipelines', ['system.lakeflow.pipeline_update_timeline', 'system.lakeflow.pipelines']],
  ['job_clusters', ['system.compute.clusters']],
]);

/** How far back a job's earlier launches and spend are read: two weeks of its usual. */
const JOB_CLUSTER_LOOKBACK_MS = 14 * DAY_MS;

// The jobs that launched a job cluster in the window: their clusters' first rows (as launched; a later
// row of the same cluster records its deletion) over the lookback, and their spend per day. Job clusters
// carry the job in the default tag `JobId` and its name in `RunName`.
const LAUNCHED_JOBS_CTE = `
WITH launched AS (
  SELECT DISTINCT tags['JobId'] AS job_id
  FROM system.compute.clusters
  WHERE cluster_source = 'JOB' AND change_time >= :since AND change_time <= :until
    AND create_time >= :since AND tags['JobId'] IS NOT NULL)`;

const JOB_CLUSTER_LAUNCHES_SQL = `${LAUNCHED_JOBS_CTE}
SELECT c.cluster_id, c.tags['JobId'] AS job_id, c.tags['RunName'] AS run_name, c.tags['team'] AS team,
       c.create_time, c.worker_count, c.min_autoscale_workers, c.max_autoscale_workers,
       c.worker_node_type, c.driver_node_type
FROM system.compute.clusters c
JOIN launched ON c.tags['JobId'] = launched.job_id
WHERE c.cluster_source = 'JOB' AND c.create_time >= :lookback AND c.create_time <= :until
QUALIFY ROW_NUMBER() OVER (PARTITION BY c.cluster_id ORDER BY c.change_time) = 1
ORDER BY c.create_time, c.cluster_id`;

const JOB_DAILY_SPEND_SQL = `${LAUNCHED_JOBS_CTE}
SELECT u.usage_metadata.job_id AS job_id, u.usage_date AS day,
       SUM(u.usage_quantity * lp.pricing.effective_list.\`default\`) AS usd
FROM system.billing.usage u
JOIN launched ON u.usage_metadata.job_id = launched.job_id
JOIN system.billing.list_prices lp
  ON u.sku_name = lp.sku_name AND u.cloud = lp.cloud AND u.usage_unit = lp.usage_unit
 AND u.usage_start_time >= lp.price_start_time
 AND (lp.price_end_time IS NULL OR u.usage_end_time <= lp.price_end_time)
WHERE u.usage_date >= :lookback_date AND u.workspace_id = :workspace_id
GROUP BY ALL
ORDER BY job_id, day`;

// The launched jobs' `lakeflow.jobs` rows over the lookback: one per change of their settings.
const JOB_SETTINGS_ROWS_SQL = `${LAUNCHED_JOBS_CTE}
SELECT j.job_id, j.change_time, j.create_time
FROM system.lakeflow.jobs j
JOIN launched ON j.job_id = launched.job_id
WHERE j.workspace_id = :workspace_id AND j.change_time >= :lookback AND j.change_time <= :until
ORDER BY j.job_id, j.change_time`;

// Who changed them and to what: the `jobs` audit events of the same changes, read from the oldest change.
const JOB_SETTINGS_AUDIT_SQL = `${LAUNCHED_JOBS_CTE}
SELECT a.request_params['job_id'] AS job_id, a.event_time, a.action_name, a.user_identity.email AS actor,
       a.request_params['new_settings'] AS new_settings
FROM system.access.audit a
JOIN launched ON a.request_params['job_id'] = launched.job_id
WHERE a.event_date >= :changes_date AND a.event_time >= :changes_since AND a.event_time <= :until
  AND a.service_name = 'jobs' AND a.action_name IN ('update', 'reset')
ORDER BY job_id, a.event_time`;

const TABLE_LOADS_SQL = `
SELECT table_full_name, job_id, run_id, task_key, task_run_id, rows_written, load_time, status
FROM main.ops.etl_audit
WHERE load_time >= :since AND load_time <= :until`;

// Per team, period and resource: the warehouse, else the pipeline, else the job (whose job clusters get a
// new id every run), else the all-purpose cluster (`costPeriodsOf` adds them up per team and period).
const COST_SELECT = (unit: string) => `
SELECT u.custom_tags['team'] AS team,
       date_trunc('${unit}', u.usage_start_time) AS period_start,
       CASE WHEN u.usage_metadata.warehouse_id IS NOT NULL THEN 'warehouse'
            WHEN u.usage_metadata.dlt_pipeline_id IS NOT NULL THEN 'pipeline'
            WHEN u.usage_metadata.job_id IS NOT NULL THEN 'job'
            WHEN u.usage_metadata.cluster_id IS NOT NULL THEN 'cluster' END AS resource_type,
       COALESCE(u.usage_metadata.warehouse_id, u.usage_metadata.dlt_pipeline_id, u.usage_metadata.job_id,
                u.usage_metadata.cluster_id) AS resource_id,
       SUM(u.usage_quantity * lp.pricing.effective_list.\`default\`) AS usd
FROM system.billing.usage u
JOIN system.billing.list_prices lp
  ON u.sku_name = lp.sku_name AND u.cloud = lp.cloud AND u.usage_unit = lp.usage_unit
 AND u.usage_start_time >= lp.price_start_time
 AND (lp.price_end_time IS NULL OR u.usage_end_time <= lp.price_end_time)
WHERE u.usage_date >= :since_date
  AND u.usage_start_time >= :since
  AND u.workspace_id = :workspace_id
  AND u.custom_tags['team'] IS NOT NULL
GROUP BY ALL`;
export const COST_BY_HOUR_SQL = COST_SELECT('HOUR');
export const COST_BY_DAY_SQL = COST_SELECT('DAY');

const AUDIT_SQL = `
SELECT event_id, request_id, event_time, user_identity.email AS actor, action_name, request_params
FROM system.access.audit
WHERE event_date >= :since_date
  AND event_time >= :since AND event_time <= :until
  AND ((service_name = 'unityCatalog' AND action_name = 'updatePermissions')
    OR (service_name = 'clusters' AND action_name = 'changeClusterAcl')
    OR (service_name = 'jobs' AND action_name = 'changeJobAcl')
    OR (service_name = 'deltaPipelines' AND action_name = 'changePipelineAcls'))`;

const QUERY_HISTORY_SQL = `
SELECT statement_id, compute.warehouse_id AS warehouse_id, executed_by, execution_status, start_time,
       total_duration_ms, read_bytes, statement_text,
       query_source.job_info.job_id AS job_id, query_source.dashboard_id AS dashboard_id
FROM system.query.history
WHERE end_time >= :since AND end_time <= :until`;

// Two statements, not a UNION in a derived table: the embedded DuckDB translation refuses that shape.
const WAREHOUSE_ACTIVITY_SQL = [
  `SELECT compute.warehouse_id AS warehouse_id, MAX(end_time) AS last_activity
   FROM system.query.history
   WHERE end_time >= :since AND compute.warehouse_id IS NOT NULL
   GROUP BY compute.warehouse_id`,
  `SELECT warehouse_id, MAX(event_time) AS last_activity
   FROM system.compute.warehouse_events
   WHERE event_time >= :since AND event_type IN ('STARTING', 'RUNNING')
   GROUP BY warehouse_id`,
];

/** A warehouse's first statement since `since`: how many earlier days it has a history for. */
const FIRST_STATEMENT_SQL = `
SELECT MIN(start_time) AS first_start
FROM system.query.history
WHERE compute.warehouse_id = :warehouse_id AND start_time >= :since`;

/** A warehouse's statements that waited at capacity in the `ranges` stretches (`usualQueueRanges`). */
function pastWaitsSql(ranges: number): string {
  const within = Array.from(
    { length: ranges },
    (_, i) => `(start_time >= :from_${i} AND start_time < :to_${i})`,
  ).join(' OR ');
  return `
SELECT start_time, waiting_for_compute_duration_ms, waiting_at_capacity_duration_ms
FROM system.query.history
WHERE compute.warehouse_id = :warehouse_id AND start_time >= :since AND start_time < :until
  AND waiting_at_capacity_duration_ms > 0 AND (${within})`;
}

const ENDED_UPDATE_STATES: ReadonlySet<string> = new Set(['COMPLETED', 'FAILED', 'CANCELED']);

/** `creation_time` as the list gives it (an ISO time) or as `updates/{id}` does (epoch ms). */
function epochOf(time: string | undefined): number | undefined {
  if (time === undefined) return undefined;
  const at = /^\d+$/.test(time) ? Number(time) : Date.parse(time);
  return Number.isFinite(at) ? at : undefined;
}

/** The one job whose pipeline task starts the pipeline, when one (and only one) does. */
function startingJob(cache: CollectorCache, pipelineId: string): string | undefined {
  let found: string | undefined;
  for (const { info } of cache.jobs.values()) {
    if (!info.pipelineIds.includes(pipelineId)) continue;
    if (found !== undefined) return undefined;
    found = info.jobId;
  }
  return found;
}

const PIPELINE_UPDATES_SQL = `
WITH ends AS (
  SELECT pipeline_id, update_id, result_state, trigger_type, period_end_time,
         trigger_details.job_task.job_id AS job_id, compute.cluster_id AS cluster_id
  FROM system.lakeflow.pipeline_update_timeline
  WHERE result_state IS NOT NULL AND period_end_time >= :since AND period_end_time <= :until),
starts AS (
  SELECT update_id, MIN(period_start_time) AS started
  FROM system.lakeflow.pipeline_update_timeline
  WHERE period_end_time >= :lookback
  GROUP BY update_id),
names AS (
  SELECT pipeline_id, name, tags FROM system.lakeflow.pipelines
  QUALIFY ROW_NUMBER() OVER (PARTITION BY pipeline_id ORDER BY change_time DESC) = 1)
SELECT ends.*, starts.started, names.name, names.tags
FROM ends LEFT JOIN starts ON ends.update_id = starts.update_id
LEFT JOIN names ON ends.pipeline_id = names.pipeline_id`;
