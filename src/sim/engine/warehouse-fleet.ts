import type { ScenarioWarehouse } from '../scenario/schema.js';
import { WAREHOUSE_DBU_PER_HOUR, skuNames } from './catalog.js';
import { RUNAWAY_QUERY_DEFAULT, statementTypeOf } from './error-texts.js';
import type { FaultState } from './model.js';
import { type SimContext, isTransient } from './sim-context.js';
import { invalidParam } from './sim-api-error.js';
import { type WorkSpan, WorkingHours } from './working-hours.js';

type WarehouseStateName = 'STARTING' | 'RUNNING' | 'STOPPING' | 'STOPPED' | 'DELETED';

export interface WarehouseConfig {
  name: string;
  cluster_size: string;
  min_num_clusters: number;
  max_num_clusters: number;
  auto_stop_mins: number;
  warehouse_type: 'PRO' | 'CLASSIC';
  enable_serverless_compute: boolean;
  enable_photon: boolean;
  spot_instance_policy: string;
  tags: Record<string, string>;
}

export interface QueryRecord {
  statementId: string;
  warehouseId: string;
  text: string;
  statementType: string;
  user: string;
  startMs: number;
  execStartMs: number;
  endMs: number | undefined;
  status: 'QUEUED' | 'RUNNING' | 'FINISHED' | 'FAILED' | 'CANCELED';
  readBytes: number;
  readRows: number;
  producedRows: number;
  taskMs: number;
  errorMessage: string | null;
  clientApplication: string;
  jobInfo: { job_id: string; job_run_id: string; job_task_run_id: string } | null;
  dashboardId: string | null;
  token: number;
  /** When it was put in the at-capacity queue (all clusters busy); undefined if it never waited there. */
  capacityQueuedAt: number | undefined;
  /** Whether it holds one of the warehouse's statement slots. */
  slot: boolean;
  /** When the warehouse was to be ready at submission (the wait for compute ends there). */
  computeReadyAt: number;
  /** Planned execution time; undefined runs until cancelled or its fault ends. */
  durationMs: number | undefined;
}

export interface WarehouseState {
  id: string;
  spec: ScenarioWarehouse;
  /** When dashboards refresh and people query (`business_hours`). */
  hours: WorkingHours;
  config: WarehouseConfig;
  creator: string;
  state: WarehouseStateName;
  clusters: number;
  readyAt: number;
  billedTo: number;
  lastActivity: number;
  running: Map<string, QueryRecord>;
  /** Newest last; bounded for the query-history API. */
  recent: QueryRecord[];
  suppressQueries: boolean;
  /** Statements one cluster runs at once; Infinity when the scenario models no load (nothing waits). */
  concurrency: number;
  /** Statements admitted to run (or waiting for compute to start), against `clusters × concurrency`. */
  executing: number;
  /** Statements waiting at capacity, first come first served. */
  waiting: QueryRecord[];
  /** A scale-up or scale-down is already on the way. */
  scaling: boolean;
}

const RECENT_QUERIES = 1000;
const HOUR = 3_600_000;

type WarehouseLoad = NonNullable<ScenarioWarehouse['load']>;

/**
 * Statements one cluster runs at once: the scenario's load model says; a warehouse a query storm hits
 * gets Databricks' usual ten; otherwise nothing ever waits, as before the load model existed.
 */
function concurrencyOf(spec: ScenarioWarehouse, ctx: SimContext): number {
  if (spec.load) return spec.load.concurrency_per_cluster;
  const stormed = ctx.faultsOfKind('query_storm').some((f) => f.fault.target.warehouse === spec.name);
  return stormed ? 10 : Number.POSITIVE_INFINITY;
}

/** A statement's execution time, at least 200 ms. */
function statementMs(ctx: SimContext, d: { mean_seconds: number; jitter: number }): number {
  return Math.max(200, Math.round(ctx.prng.jitter(d.mean_seconds, d.jitter) * 1000));
}

/** A stable dashboard id (32 hex digits, as Lakeview's) from the warehouse and dashboard names. */
function dashboardIdOf(warehouse: string, dashboard: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (const ch of `${warehouse}/${dashboard}`) {
    h1 = Math.imul(h1 ^ ch.charCodeAt(0), 16_777_619) >>> 0;
    h2 = Math.imul(h2 ^ ch.charCodeAt(0), 2_246_822_519) >>> 0;
  }
  const hex = (n: number) => n.toString(16).padStart(8, '0');
  return `${hex(h1)}${hex(h2)}${hex(h1 ^ h2)}${hex((Math.imul(h1, 31) ^ h2) >>> 0)}`;
}

/**
 * How long a statement waited before it ran: for compute (the warehouse starting) and at capacity
 * (every slot taken). The two never overlap: time spent while compute was still starting counts as
 * waiting for compute.
 */
function queryWaits(r: QueryRecord): { forCompute: number; atCapacity: number } {
  const execStart = Number.isFinite(r.execStartMs) ? r.execStartMs : r.startMs;
  const forCompute = Math.max(0, Math.min(execStart, r.computeReadyAt) - r.startMs);
  const atCapacity = r.capacityQueuedAt === undefined ? 0 : Math.max(0, execStart - r.startMs - forCompute);
  return { forCompute, atCapacity };
}

const QUERY_TEXTS = [
  [
    'SELECT',
    'SELECT region, sum(amount) AS revenue FROM main.finance.orders WHERE order_date >= current_date() - 7 GROUP BY region',
  ],
  [
    'SELECT',
    'SELECT campaign_id, count(*) FROM main.marketing.events WHERE event_date = current_date() GROUP BY ALL',
  ],
  ['SELECT', 'SELECT * FROM main.finance.daily_revenue ORDER BY day DESC LIMIT 100'],
  ['SELECT', 'SELECT customer_id, max(order_ts) FROM main.sales.orders GROUP BY customer_id'],
  [
    'INSERT',
    'INSERT INTO main.analytics.kpi_snapshot SELECT current_timestamp(), count(*) FROM main.sales.orders',
  ],
] as const;

const CLIENTS = ['Databricks SQL Dashboard', 'Databricks SQL Editor', 'Tableau', 'PowerBI'] as const;

/** SQL warehouses: start/stop/auto-stop, queries and their history, warehouse events and billing. */
export class WarehouseFleet {
  readonly byId = new Map<string, WarehouseState>();
  readonly byName = new Map<string, WarehouseState>();
  readonly #statements = new Map<string, QueryRecord>();

  constructor(private readonly ctx: SimContext) {
    for (const spec of ctx.scenario.warehouses) {
      const id = ctx.prng.chars(16, '0123456789abcdef');
      const w: WarehouseState = {
        id,
        spec,
        hours: new WorkingHours(spec.business_hours),
        creator: spec.owner,
        config: {
          name: spec.name,
          cluster_size: spec.size,
          min_num_clusters: spec.min_clusters,
          max_num_clusters: spec.max_clusters,
          auto_stop_mins: spec.auto_stop_mins,
          warehouse_type: spec.type === 'CLASSIC' ? 'CLASSIC' : 'PRO',
          enable_serverless_compute: spec.type === 'SERVERLESS',
          enable_photon: true,
          spot_instance_policy: 'COST_OPTIMIZED',
          tags: { team: spec.team, ...spec.tags },
        },
        state: 'STOPPED',
        clusters: 0,
        readyAt: 0,
        billedTo: ctx.startMs,
        lastActivity: ctx.startMs,
        running: new Map(),
        recent: [],
        suppressQueries: false,
        concurrency: concurrencyOf(spec, ctx),
        executing: 0,
        waiting: [],
        scaling: false,
      };
      this.byId.set(id, w);
      this.byName.set(spec.name, w);
      this.#scdRow(w, ctx.startMs - 30 * 86_400_000);
    }
    for (const f of ctx.faults) {
      const name = f.fault.target.warehouse;
      const w = name === undefined ? undefined : this.byName.get(name);
      if (!w) continue;
      if (f.fault.kind === 'runaway_query') ctx.at(f.startMs, () => this.#startRunaway(w, f));
      if (f.fault.kind === 'query_storm') ctx.at(f.startMs, () => this.#stormArrival(w, f));
      if (f.fault.kind === 'idle_warehouse_no_autostop') {
        ctx.at(f.startMs, () => {
          this.edit(w.id, { auto_stop_mins: 0 }, w.spec.owner);
          w.suppressQueries = true;
          this.start(w.id, w.spec.owner);
          ctx.hit(f, ctx.now(), { resourceId: w.id });
        });
        ctx.at(f.endMs, () => {
          w.suppressQueries = false;
        });
      }
    }
  }

  get(id: string): WarehouseState {
    const w = this.byId.get(id);
    if (!w || w.state === 'DELETED') throw invalidParam(`Warehouse ${id} does not exist.`);
    return w;
  }

  isSuppressed(w: WarehouseState, at: number): boolean {
    return (
      w.suppressQueries ||
      this.ctx.activeFaults(
        at,
        (f) => f.kind === 'idle_warehouse_no_autostop' && f.target.warehouse === w.spec.name,
      ).length > 0
    );
  }

  /** Called at each UTC hour: bill the past hour and schedule this hour's dashboard/BI queries. */
  onHour(hourStart: number): void {
    for (const w of this.byId.values()) {
      if (w.state === 'RUNNING') this.#billTo(w, hourStart);
      for (const span of w.hours.within(hourStart)) this.#scheduleSpan(w, span);
    }
  }

  /** Dashboard/BI queries in one working part of an hour (all of it but where working hours begin or end). */
  #scheduleSpan(w: WarehouseState, span: WorkSpan): void {
    const ctx = this.ctx;
    const share = (span.to - span.from) / HOUR;
    if (w.spec.load) this.#scheduleLoad(w, w.spec.load, span);
    if (w.spec.queries_per_hour <= 0) return;
    const n = Math.max(0, Math.round(ctx.prng.jitter(w.spec.queries_per_hour * share, 0.3)));
    const starts: number[] = [];
    for (let i = 0; i < n; i++) starts.push(span.from + Math.floor(ctx.prng.next() * (span.to - span.from)));
    starts.sort((a, b) => a - b);
    for (const at of starts) {
      ctx.at(at, () => {
        if (this.isSuppressed(w, at) || w.state === 'DELETED') return;
        const [type, text] = ctx.prng.pick(QUERY_TEXTS);
        const heavy = ctx.prng.chance(0.02);
        const ms = heavy
          ? ctx.prng.int(120_000, 900_000)
          : 300 + Math.floor(-Math.log(1 - ctx.prng.next()) * 2500);
        this.runQuery(w, {
          text,
          statementType: type,
          user: w.spec.users.length > 0 ? ctx.prng.pick(w.spec.users) : w.spec.owner,
          durationMs: ms,
          readBytes: heavy ? ctx.prng.int(20, 400) * 1e9 : ctx.prng.int(1, 500) * 1e6,
          client: ctx.prng.pick(CLIENTS),
        });
      });
    }
  }

  /**
   * Submits a query; starts the warehouse if needed (the query waits for compute). When every slot of
   * every running cluster is taken it waits at capacity, first come first served, and autoscaling adds
   * a cluster if `max_num_clusters` allows.
   */
  runQuery(
    w: WarehouseState,
    q: {
      text: string;
      statementType: string;
      user: string;
      durationMs: number | undefined;
      readBytes: number;
      client: string;
      jobInfo?: QueryRecord['jobInfo'];
      dashboardId?: string;
      error?: string;
      /** A statement that already ran (a SQL task's, recorded as the task ends): it takes no slot. */
      recordOnly?: boolean;
    },
  ): QueryRecord {
    const ctx = this.ctx;
    const now = ctx.now();
    if (w.state === 'STOPPED' || w.state === 'STOPPING') this.start(w.id, q.user, true);
    const record: QueryRecord = {
      statementId: ctx.prng.uuid(),
      warehouseId: w.id,
      text: q.text,
      statementType: q.statementType,
      user: q.user,
      startMs: now,
      execStartMs: Math.max(now, w.readyAt),
      endMs: undefined,
      status: w.readyAt > now ? 'QUEUED' : 'RUNNING',
      readBytes: q.readBytes,
      readRows: Math.round(q.readBytes / 120),
      producedRows: q.statementType === 'SELECT' ? ctx.prng.int(1, 5000) : 0,
      taskMs: (q.durationMs ?? 3_600_000) * ctx.prng.int(4, 32),
      errorMessage: q.error ?? null,
      clientApplication: q.client,
      jobInfo: q.jobInfo ?? null,
      dashboardId: q.dashboardId ?? null,
      token: 0,
      capacityQueuedAt: undefined,
      slot: false,
      computeReadyAt: w.readyAt,
      durationMs: q.durationMs,
    };
    w.running.set(record.statementId, record);
    this.#statements.set(record.statementId, record);
    w.lastActivity = now;
    if (q.recordOnly) {
      this.#scheduleEnd(w, record);
      return record;
    }
    if (w.waiting.length > 0 || w.executing >= this.#capacity(w)) {
      record.status = 'QUEUED';
      record.capacityQueuedAt = now;
      record.execStartMs = Number.POSITIVE_INFINITY;
      w.waiting.push(record);
      this.#scaleUpSoon(w);
      return record;
    }
    this.#admit(w, record);
    return record;
  }

  /** Slots for statements: every running cluster's, or the minimum's while the warehouse starts. */
  #capacity(w: WarehouseState): number {
    return Math.max(w.clusters, w.config.min_num_clusters) * w.concurrency;
  }

  /** Gives a statement a slot: it runs once compute is up, and ends after its duration. */
  #admit(w: WarehouseState, record: QueryRecord): void {
    const now = this.ctx.now();
    w.executing += 1;
    record.slot = true;
    record.execStartMs = Math.max(now, w.readyAt);
    record.status = record.execStartMs > now ? 'QUEUED' : 'RUNNING';
    this.#scheduleEnd(w, record);
  }

  #scheduleEnd(w: WarehouseState, record: QueryRecord): void {
    if (record.durationMs === undefined) return;
    const token = record.token;
    this.ctx.at(record.execStartMs + record.durationMs, () => {
      if (record.token === token) this.#finishQuery(w, record, record.errorMessage ? 'FAILED' : 'FINISHED');
    });
  }

  /** Admits waiting statements into free slots, oldest first. */
  #admitWaiting(w: WarehouseState): void {
    while (w.waiting.length > 0 && w.executing < this.#capacity(w)) {
      const next = w.waiting.shift();
      if (next) this.#admit(w, next);
    }
  }

  /** Autoscaling adds one cluster a while after statements start queueing, up to `max_num_clusters`. */
  #scaleUpSoon(w: WarehouseState): void {
    if (w.scaling || w.state !== 'RUNNING' || w.clusters >= w.config.max_num_clusters) return;
    w.scaling = true;
    const ctx = this.ctx;
    const delay = w.config.enable_serverless_compute ? 15_000 : 120_000;
    ctx.at(ctx.now() + delay, () => {
      w.scaling = false;
      if (w.state !== 'RUNNING' || w.waiting.length === 0) return;
      if (w.clusters >= w.config.max_num_clusters) return;
      this.#billTo(w, ctx.now());
      w.clusters += 1;
      this.#event(w, 'SCALED_UP', w.clusters, ctx.now());
      this.#admitWaiting(w);
      this.#scaleUpSoon(w);
    });
  }

  /** Once a cluster's worth of slots has been idle for ten minutes, autoscaling removes one. */
  #scaleDownSoon(w: WarehouseState): void {
    const spare = () =>
      w.state === 'RUNNING' &&
      w.clusters > w.config.min_num_clusters &&
      w.waiting.length === 0 &&
      w.executing <= (w.clusters - 1) * w.concurrency;
    if (w.scaling || !Number.isFinite(w.concurrency) || !spare()) return;
    w.scaling = true;
    const ctx = this.ctx;
    ctx.at(ctx.now() + 600_000, () => {
      w.scaling = false;
      if (!spare()) return;
      this.#billTo(w, ctx.now());
      w.clusters -= 1;
      this.#event(w, 'SCALED_DOWN', w.clusters, ctx.now());
      this.#scaleDownSoon(w);
    });
  }

  /** This hour's dashboard refreshes and ad-hoc queries on a warehouse with a load model. */
  #scheduleLoad(w: WarehouseState, load: WarehouseLoad, span: WorkSpan): void {
    const ctx = this.ctx;
    const user = () => (w.spec.users.length > 0 ? ctx.prng.pick(w.spec.users) : w.spec.owner);
    for (const d of load.dashboards) {
      const every = d.refresh_minutes * 60_000;
      const dashboardId = dashboardIdOf(w.spec.name, d.name);
      for (let at = Math.ceil(span.from / every) * every; at < span.to; at += every) {
        const durations = Array.from({ length: d.queries }, () => statementMs(ctx, d.duration));
        const by = user();
        ctx.at(at, () => {
          if (this.isSuppressed(w, at) || w.state === 'DELETED') return;
          durations.forEach((ms, i) => {
            this.runQuery(w, {
              text: `SELECT * FROM dashboard_dataset_${i + 1} /* ${d.name} */`,
              statementType: 'SELECT',
              user: by,
              durationMs: ms,
              readBytes: Math.round(ms * 40_000),
              client: 'Databricks SQL Dashboard',
              dashboardId,
            });
          });
        });
      }
    }
    if (load.adhoc && load.adhoc.queries_per_hour > 0) {
      const share = (span.to - span.from) / HOUR;
      const n = Math.max(0, Math.round(ctx.prng.jitter(load.adhoc.queries_per_hour * share, 0.3)));
      for (let i = 0; i < n; i++) {
        const at = span.from + Math.floor(ctx.prng.next() * (span.to - span.from));
        const ms = statementMs(ctx, load.adhoc.duration);
        const [type, text] = ctx.prng.pick(QUERY_TEXTS);
        const by = user();
        ctx.at(at, () => {
          if (this.isSuppressed(w, at) || w.state === 'DELETED') return;
          this.runQuery(w, {
            text,
            statementType: type,
            user: by,
            durationMs: ms,
            readBytes: Math.round(ms * 60_000),
            client: 'Databricks SQL Editor',
          });
        });
      }
    }
  }

  /**
   * A storm: statements arrive `factor` a minute (default 20, Poisson) from the fault's start to its end,
   * each one drawing the next arrival, so the cost stays one event per statement.
   */
  #stormArrival(w: WarehouseState, f: FaultState): void {
    const ctx = this.ctx;
    const now = ctx.now();
    if (now >= f.endMs || f.resolvedAt !== undefined) return;
    if (f.fault.occurrences !== undefined && f.hits >= f.fault.occurrences) return;
    if (w.state !== 'DELETED') {
      const record = this.runQuery(w, {
        text: 'SELECT region, product, sum(amount) FROM main.sales.orders GROUP BY CUBE(region, product)',
        statementType: 'SELECT',
        user: w.spec.users.length > 0 ? ctx.prng.pick(w.spec.users) : w.spec.owner,
        durationMs: statementMs(ctx, { mean_seconds: 30, jitter: 0.8 }),
        readBytes: ctx.prng.int(1, 40) * 1e9,
        client: 'Databricks SQL Dashboard',
      });
      ctx.hit(f, now, { statementId: record.statementId, resourceId: w.id });
    }
    const perMinute = f.fault.factor ?? 20;
    const gap = Math.max(50, Math.round((-Math.log(1 - ctx.prng.next()) * 60_000) / perMinute));
    ctx.at(now + gap, () => this.#stormArrival(w, f));
  }

  /** Cancels a running or queued statement; returns false when it is unknown or already ended. */
  cancelStatement(statementId: string, user: string): boolean {
    const record = this.#statements.get(statementId);
    if (!record || record.endMs !== undefined) return false;
    const w = this.byId.get(record.warehouseId);
    if (!w) return false;
    record.token += 1;
    this.ctx.audit('databrickssql', 'cancelQuery', user, { queryId: statementId, warehouseId: w.id });
    this.#finishQuery(w, record, 'CANCELED');
    return true;
  }

  statement(statementId: string): QueryRecord | undefined {
    return this.#statements.get(statementId);
  }

  #finishQuery(w: WarehouseState, r: QueryRecord, status: 'FINISHED' | 'FAILED' | 'CANCELED'): void {
    const ctx = this.ctx;
    const now = ctx.now();
    if (r.slot) {
      r.slot = false;
      w.executing = Math.max(0, w.executing - 1);
    } else if (!Number.isFinite(r.execStartMs)) {
      // Cancelled while it waited at capacity: it never ran.
      const at = w.waiting.indexOf(r);
      if (at >= 0) w.waiting.splice(at, 1);
      r.execStartMs = now;
    }
    r.endMs = now;
    r.status = status;
    if (status === 'CANCELED') r.errorMessage = 'Query has been cancelled.';
    w.running.delete(r.statementId);
    w.recent.push(r);
    if (w.recent.length > RECENT_QUERIES) {
      const old = w.recent.shift();
      if (old) this.#statements.delete(old.statementId);
    }
    w.lastActivity = now;
    const { forCompute: waiting, atCapacity } = queryWaits(r);
    const exec = Math.max(0, now - r.execStartMs);
    const taskMs =
      status === 'FINISHED' ? r.taskMs : Math.round((r.taskMs * exec) / Math.max(1, r.taskMs / 8));
    ctx.emit('query.history', {
      account_id: ctx.accountId,
      workspace_id: ctx.workspaceId,
      statement_id: r.statementId,
      executed_by: r.user,
      executed_by_user_id: r.user,
      executed_as: r.user,
      executed_as_user_id: r.user,
      session_id: null,
      execution_status: status,
      compute: { type: 'WAREHOUSE', cluster_id: null, warehouse_id: w.id },
      statement_text: r.text,
      statement_type: r.statementType,
      error_message: r.errorMessage,
      client_application: r.clientApplication,
      client_driver: null,
      total_duration_ms: now - r.startMs,
      waiting_for_compute_duration_ms: waiting,
      waiting_at_capacity_duration_ms: atCapacity,
      execution_duration_ms: exec,
      compilation_duration_ms: Math.min(exec, 120),
      total_task_duration_ms: taskMs,
      result_fetch_duration_ms: status === 'FINISHED' ? 15 : 0,
      start_time: r.startMs,
      end_time: now,
      update_time: now,
      read_partitions: Math.max(1, Math.round(r.readBytes / 2.5e8)),
      pruned_files: 0,
      read_files: Math.max(1, Math.round(r.readBytes / 1.28e8)),
      read_rows: r.readRows,
      produced_rows: status === 'FINISHED' ? r.producedRows : 0,
      read_bytes: r.readBytes,
      read_io_cache_percent: 0,
      from_result_cache: false,
      spilled_local_bytes: r.readBytes > 1e11 ? Math.round(r.readBytes / 3) : 0,
      written_bytes: 0,
      shuffle_read_bytes: Math.round(r.readBytes / 4),
      written_rows: 0,
      written_files: 0,
      query_source: { job_info: r.jobInfo, dashboard_id: r.dashboardId },
      query_tags: null,
    });
    this.#admitWaiting(w);
    this.#scaleDownSoon(w);
    this.#armAutoStop(w);
  }

  #armAutoStop(w: WarehouseState): void {
    const mins = w.config.auto_stop_mins;
    if (mins <= 0 || w.state !== 'RUNNING') return;
    const due = Math.max(w.lastActivity, w.readyAt) + mins * 60_000;
    this.ctx.at(due, () => {
      if (w.state !== 'RUNNING' || w.running.size > 0 || w.config.auto_stop_mins <= 0) return;
      if (w.lastActivity + w.config.auto_stop_mins * 60_000 > this.ctx.now()) return;
      this.#stopNow(w, 'System-User');
    });
  }

  /** `warehouses/{id}/start`: STOPPED → STARTING at once, RUNNING once compute is up. */
  start(id: string, user: string, implicit = false): void {
    const ctx = this.ctx;
    const w = this.get(id);
    if (w.state === 'RUNNING' || w.state === 'STARTING') return;
    if (!implicit) ctx.audit('databrickssql', 'startWarehouse', user, { id });
    const now = ctx.now();
    w.state = 'STARTING';
    w.readyAt =
      now +
      (w.config.enable_serverless_compute ? ctx.prng.int(5_000, 15_000) : ctx.prng.int(120_000, 300_000));
    this.#event(w, 'STARTING', 0, now);
    const readyAt = w.readyAt;
    ctx.at(readyAt, () => {
      if (w.state !== 'STARTING' || w.readyAt !== readyAt) return;
      w.state = 'RUNNING';
      w.clusters = w.config.min_num_clusters;
      w.billedTo = readyAt;
      w.lastActivity = Math.max(w.lastActivity, readyAt);
      this.#event(w, 'RUNNING', w.clusters, readyAt);
      for (const q of w.running.values()) if (q.status === 'QUEUED' && q.slot) q.status = 'RUNNING';
      this.#admitWaiting(w);
      this.#armAutoStop(w);
    });
  }

  /** `warehouses/{id}/stop`: STOPPING at once, STOPPED shortly after; running queries are cancelled. */
  stop(id: string, user: string): void {
    const w = this.get(id);
    this.ctx.audit('databrickssql', 'stopWarehouse', user, { id });
    this.#stopNow(w, user);
  }

  #stopNow(w: WarehouseState, user: string): void {
    if (w.state === 'STOPPED' || w.state === 'STOPPING') return;
    const ctx = this.ctx;
    const now = ctx.now();
    if (w.state === 'RUNNING') this.#billTo(w, now);
    for (const q of [...w.running.values()]) this.cancelStatement(q.statementId, user);
    this.#event(w, 'STOPPING', w.clusters, now);
    w.state = 'STOPPING';
    ctx.at(now + 10_000, () => {
      if (w.state !== 'STOPPING') return;
      w.state = 'STOPPED';
      w.clusters = 0;
      this.#event(w, 'STOPPED', 0, ctx.now());
    });
  }

  /** `warehouses/{id}/edit`: merges the given fields (forgiving, as Databricks is) and records an SCD2 row. */
  edit(id: string, patch: Partial<WarehouseConfig>, user: string): void {
    const w = this.get(id);
    const next = { ...w.config, ...definedOnly(patch) };
    if (!(next.cluster_size in WAREHOUSE_DBU_PER_HOUR))
      throw invalidParam(`Invalid cluster_size: ${next.cluster_size}`);
    if (
      next.min_num_clusters < 1 ||
      next.max_num_clusters > 40 ||
      next.min_num_clusters > next.max_num_clusters
    ) {
      throw invalidParam(
        'min_num_clusters must be between 1 and max_num_clusters, and max_num_clusters at most 40',
      );
    }
    if (next.auto_stop_mins !== 0 && next.auto_stop_mins < 1)
      throw invalidParam('auto_stop_mins must be 0 or ≥ 1');
    const ctx = this.ctx;
    const now = ctx.now();
    if (w.state === 'RUNNING') this.#billTo(w, now);
    w.config = next;
    ctx.audit('databrickssql', 'editWarehouse', user, { id, ...stringify(patch) });
    this.#scdRow(w, now);
    if (w.state === 'RUNNING' && w.clusters < next.min_num_clusters) {
      w.clusters = next.min_num_clusters;
      this.#event(w, 'SCALED_UP', w.clusters, now);
    }
    if (w.state === 'RUNNING' && w.clusters > next.max_num_clusters) {
      w.clusters = next.max_num_clusters;
      this.#event(w, 'SCALED_DOWN', w.clusters, now);
    }
    // More clusters allowed: the queue drains, and autoscaling may add what the new maximum allows.
    this.#admitWaiting(w);
    if (w.waiting.length > 0) this.#scaleUpSoon(w);
    this.#armAutoStop(w);
  }

  #startRunaway(w: WarehouseState, f: FaultState): void {
    const ctx = this.ctx;
    const user = w.spec.users[0] ?? w.spec.owner;
    const record = this.runQuery(w, {
      text: f.fault.query?.text ?? RUNAWAY_QUERY_DEFAULT.text,
      statementType: statementTypeOf(f.fault.query?.text ?? RUNAWAY_QUERY_DEFAULT.text),
      user,
      durationMs: undefined,
      readBytes: f.fault.query?.read_bytes ?? RUNAWAY_QUERY_DEFAULT.readBytes,
      client: 'Databricks SQL Editor',
    });
    ctx.hit(f, ctx.now(), { statementId: record.statementId, resourceId: w.id });
    // The runaway query saturates the warehouse: autoscaling adds clusters up to the max.
    const scaleAt = Math.max(ctx.now(), w.readyAt) + 60_000;
    ctx.at(scaleAt, () => {
      if (w.state === 'RUNNING' && record.endMs === undefined && w.clusters < w.config.max_num_clusters) {
        this.#billTo(w, ctx.now());
        w.clusters = w.config.max_num_clusters;
        this.#event(w, 'SCALED_UP', w.clusters, ctx.now());
        this.#admitWaiting(w);
      }
    });
    ctx.at(f.endMs, () => {
      if (record.endMs !== undefined) return;
      if (isTransient(f)) this.#finishQuery(w, record, 'FINISHED');
      else {
        record.errorMessage =
          f.fault.message ??
          '[TASK_WRITE_FAILED] Query exceeded the maximum execution time and was cancelled by the warehouse (statement timeout 172800 s).';
        this.#finishQuery(w, record, 'FAILED');
      }
      if (w.state === 'RUNNING' && w.clusters > w.config.min_num_clusters) {
        this.#billTo(w, ctx.now());
        w.clusters = w.config.min_num_clusters;
        this.#event(w, 'SCALED_DOWN', w.clusters, ctx.now());
      }
    });
  }

  #billTo(w: WarehouseState, to: number): void {
    const ctx = this.ctx;
    const from = Math.max(w.billedTo, w.readyAt);
    const skus = skuNames(ctx.cloud);
    const serverless = w.config.enable_serverless_compute;
    const sku = serverless
      ? skus.sqlServerless
      : w.config.warehouse_type === 'CLASSIC'
        ? skus.sqlClassic
        : skus.sqlPro;
    ctx.bill(from, to, (WAREHOUSE_DBU_PER_HOUR[w.config.cluster_size] ?? 12) * Math.max(1, w.clusters), {
      sku_name: sku,
      billing_origin_product: 'SQL',
      custom_tags: w.config.tags,
      usage_metadata: {
        warehouse_id: w.id,
        cluster_id: null,
        job_id: null,
        job_run_id: null,
        node_type: null,
      },
      identity_metadata: { run_as: null, owned_by: w.creator, created_by: w.creator },
      product_features: {
        jobs_tier: null,
        sql_tier: w.config.warehouse_type,
        dlt_tier: null,
        is_serverless: serverless,
        is_photon: w.config.enable_photon,
        serving_type: null,
      },
    });
    w.billedTo = Math.max(w.billedTo, to);
  }

  #event(w: WarehouseState, type: string, clusters: number, at: number): void {
    const ctx = this.ctx;
    ctx.emit('compute.warehouse_events', {
      account_id: ctx.accountId,
      workspace_id: ctx.workspaceId,
      warehouse_id: w.id,
      event_type: type,
      cluster_count: clusters,
      event_time: at,
    });
  }

  #scdRow(w: WarehouseState, at: number): void {
    const ctx = this.ctx;
    ctx.emit('compute.warehouses', {
      warehouse_id: w.id,
      workspace_id: ctx.workspaceId,
      account_id: ctx.accountId,
      warehouse_name: w.config.name,
      warehouse_type: w.config.enable_serverless_compute ? 'SERVERLESS' : w.config.warehouse_type,
      warehouse_channel: 'CURRENT',
      warehouse_size: w.config.cluster_size.toUpperCase().replace('-', '_'),
      min_clusters: w.config.min_num_clusters,
      max_clusters: w.config.max_num_clusters,
      auto_stop_minutes: w.config.auto_stop_mins,
      tags: w.config.tags,
      change_time: at,
      delete_time: null,
      created_by: w.creator,
    });
  }

  /** Bills running warehouses up to `to` (end of an export). */
  settle(to: number): void {
    for (const w of this.byId.values()) if (w.state === 'RUNNING') this.#billTo(w, to);
  }

  /** Every query the history API can list: running ones and the bounded recent history. */
  allQueries(): QueryRecord[] {
    const all: QueryRecord[] = [];
    for (const w of this.byId.values()) all.push(...w.recent, ...w.running.values());
    return all;
  }

  static sizeOk(size: string): boolean {
    return size in WAREHOUSE_DBU_PER_HOUR;
  }
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function stringify(o: object): Record<string, string> {
  return Object.fromEntries(
    Object.entries(o).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
  );
}
