import { parseQuartzSchedule } from '../../domain/quartz-schedule.js';
import type { ScenarioPipeline } from '../scenario/schema.js';
import { nodeType, skuNames } from './catalog.js';
import { PIPELINE_ERROR_DEFAULT } from './error-texts.js';
import { SimApiError } from './sim-api-error.js';
import type { FaultState } from './model.js';
import { type SimContext, isTransient } from './sim-context.js';
import { hourSlices, isoDate } from './time-slices.js';

export interface PipelineEvent {
  id: string;
  sequence: { control_plane_seq_no: number };
  origin: Record<string, string>;
  timestamp: string;
  timestampMs: number;
  message: string;
  level: 'INFO' | 'WARN' | 'ERROR' | 'METRICS';
  maturity_level: 'STABLE';
  event_type: string;
  details: Record<string, unknown>;
  error?: { fatal: boolean; exceptions: { class_name: string; message: string }[] };
}

export interface PipelineUpdate {
  updateId: string;
  pipelineId: string;
  cause: string;
  fullRefresh: boolean;
  createdAt: number;
  /** [state, from ms] in order; the state at time t is the last with from ≤ t. */
  phases: [string, number][];
  endAt: number;
  ended: boolean;
  result: 'COMPLETED' | 'FAILED' | 'CANCELED' | undefined;
  clusterId: string;
  error: string | undefined;
  token: number;
  onEnd: ((u: PipelineUpdate) => void) | undefined;
  triggeredBy: { jobId: number; runId: number; taskRunId: number } | undefined;
  /** Timeline rows and DBUs are written up to here (hour boundaries while it runs). */
  slicedTo: number;
  /** A `pipeline_hang` fault holds it: RUNNING without progress, no error, until the fault lets go. */
  hung: FaultState | undefined;
}

export interface PipelineState {
  pipelineId: string;
  spec: ScenarioPipeline;
  active: PipelineUpdate | undefined;
  /** Newest last; bounded. */
  updates: PipelineUpdate[];
  events: PipelineEvent[];
  lastModified: number;
  seq: number;
}

const MAX_UPDATES = 50;
const MAX_EVENTS = 500;
/**
 * How often a running triggered update's flows report progress (a `flow_progress` event with its
 * metrics): every 45 to 90 seconds each, as a streaming flow does batch by batch.
 */
const PROGRESS_MIN_MS = 45_000;
const PROGRESS_SPREAD_MS = 45_000;
/** A continuous pipeline that failed is restarted after this long (Databricks retries it on failure). */
const CONTINUOUS_RETRY_MS = 5 * 60_000;

/** DLT pipelines: updates through their states, events, timeline rows, lineage and billing. */
/** What starts a pipeline update: who and why, and whom to tell when it ends. */
interface UpdateRequest {
  cause: string;
  user: string;
  fullRefresh?: boolean;
  onEnd?: (u: PipelineUpdate) => void;
  triggeredBy?: { jobId: number; runId: number; taskRunId: number };
}

/** An update a person (or a client acting for one) started, rather than a schedule or a job. */
const byPerson = (cause: string) => cause === 'USER_ACTION' || cause === 'API_CALL';

export class PipelineFleet {
  readonly byId = new Map<string, PipelineState>();
  readonly byName = new Map<string, PipelineState>();

  constructor(private readonly ctx: SimContext) {
    for (const spec of ctx.scenario.pipelines) {
      const p: PipelineState = {
        pipelineId: ctx.prng.uuid(),
        spec,
        active: undefined,
        updates: [],
        events: [],
        lastModified: ctx.startMs - 7 * 86_400_000,
        seq: 0,
      };
      this.byId.set(p.pipelineId, p);
      this.byName.set(spec.name, p);
      ctx.emit('lakeflow.pipelines', {
        account_id: ctx.accountId,
        workspace_id: ctx.workspaceId,
        pipeline_id: p.pipelineId,
        pipeline_type: 'WORKSPACE',
        name: spec.name,
        created_by: spec.owner,
        run_as: spec.owner,
        tags: { team: spec.team },
        settings: {
          photon: true,
          development: false,
          continuous: spec.continuous,
          serverless: false,
          edition: spec.edition,
          channel: 'CURRENT',
        },
        configuration: {},
        change_time: p.lastModified,
        delete_time: null,
        create_time: p.lastModified,
      });
      // The scenario schema refuses a schedule that does not parse, so `ok` is false only for a bug.
      const schedule =
        spec.schedule && spec.schedule.pause_status !== 'PAUSED'
          ? parseQuartzSchedule(spec.schedule.quartz_cron_expression, spec.schedule.timezone_id)
          : undefined;
      if (schedule?.ok) {
        const cron = schedule.value;
        const arm = (after: number) => {
          const at = cron.nextAfter(after);
          if (at === undefined) return;
          ctx.at(at, () => {
            if (!p.active) this.startUpdate(p.pipelineId, { cause: 'SCHEDULE', user: spec.owner });
            arm(at);
          });
        };
        arm(ctx.startMs - 1000);
      }
      // A continuous pipeline's update was started by its owner and keeps running.
      if (spec.continuous) {
        ctx.at(ctx.startMs, () => {
          if (!p.active) this.startUpdate(p.pipelineId, { cause: 'USER_ACTION', user: spec.owner });
        });
      }
    }
  }

  /** Bills in-flight updates and writes their finished hourly timeline slices (result columns NULL). */
  onHour(hourStart: number): void {
    for (const p of this.byId.values()) {
      const u = p.active;
      if (u && u.createdAt < hourStart) this.#slice(p, u, hourStart, false);
    }
  }

  /** Timeline slices and billing from where the last call stopped to `to`; the end row when `final`. */
  #slice(p: PipelineState, u: PipelineUpdate, to: number, final: boolean): void {
    const ctx = this.ctx;
    const from = u.slicedTo;
    if (!final && to <= from) return;
    u.slicedTo = to;
    const slices = hourSlices(from, to);
    slices.forEach(([s, e], i) => {
      const last = final && i === slices.length - 1;
      ctx.emit('lakeflow.pipeline_update_timeline', {
        account_id: ctx.accountId,
        workspace_id: ctx.workspaceId,
        pipeline_id: p.pipelineId,
        update_id: u.updateId,
        update_type: u.fullRefresh ? 'FULL_REFRESH' : 'REFRESH',
        request_id: u.updateId,
        run_as_user_name: p.spec.owner,
        trigger_type: u.triggeredBy ? 'JOB_TASK' : u.cause === 'SCHEDULE' ? 'CRON' : u.cause,
        trigger_details: u.triggeredBy
          ? {
              job_task: {
                job_id: String(u.triggeredBy.jobId),
                job_task_run_id: String(u.triggeredBy.taskRunId),
                performance_target: null,
              },
            }
          : null,
        result_state: last ? (u.result ?? null) : null,
        compute: { type: 'CLASSIC', cluster_id: u.clusterId },
        period_start_time: s,
        period_end_time: e,
        refresh_selection: [],
        full_refresh_selection: [],
        reset_checkpoint_selection: [],
      });
    });
    const nt = nodeType(p.spec.node_type);
    const skus = skuNames(ctx.cloud);
    const sku =
      p.spec.edition === 'CORE' ? skus.dltCore : p.spec.edition === 'PRO' ? skus.dltPro : skus.dltAdvanced;
    ctx.bill(from, to, (p.spec.workers + 1) * nt.dbu_per_hour, {
      sku_name: sku,
      billing_origin_product: 'DLT',
      custom_tags: { team: p.spec.team },
      usage_metadata: {
        cluster_id: u.clusterId,
        dlt_pipeline_id: p.pipelineId,
        dlt_update_id: u.updateId,
        dlt_maintenance_id: null,
        node_type: p.spec.node_type,
        job_id: null,
        job_run_id: null,
        warehouse_id: null,
      },
      identity_metadata: { run_as: p.spec.owner, owned_by: p.spec.owner, created_by: p.spec.owner },
      product_features: {
        jobs_tier: null,
        sql_tier: null,
        dlt_tier: p.spec.edition,
        is_serverless: false,
        is_photon: true,
        serving_type: null,
      },
    });
  }

  get(id: string): PipelineState {
    const p = this.byId.get(id);
    if (!p) throw new SimApiError(404, 'RESOURCE_DOES_NOT_EXIST', `Pipeline ${id} does not exist.`);
    return p;
  }

  stateAt(u: PipelineUpdate, at: number): string {
    if (u.ended && at >= u.endAt) return u.result ?? 'COMPLETED';
    let state = 'QUEUED';
    for (const [name, from] of u.phases) if (from <= at) state = name;
    return state;
  }

  pipelineState(p: PipelineState): string {
    if (!p.active) {
      const last = p.updates.at(-1);
      return last?.result === 'FAILED' ? 'FAILED' : 'IDLE';
    }
    const s = this.stateAt(p.active, this.ctx.now());
    return s === 'RUNNING' || s === 'SETTING_UP_TABLES' ? 'RUNNING' : 'STARTING';
  }

  /** Starts an update (REST `updates`, a schedule or a pipeline task). Refuses while one is active. */
  startUpdate(id: string, opts: UpdateRequest): PipelineUpdate {
    // A person's update (and a pipeline task of a person's run) draws from the people's stream.
    return byPerson(opts.cause)
      ? this.ctx.byPerson(() => this.#startUpdateNow(id, opts))
      : this.#startUpdateNow(id, opts);
  }

  #startUpdateNow(id: string, opts: UpdateRequest): PipelineUpdate {
    const ctx = this.ctx;
    const p = this.get(id);
    if (p.active) {
      throw new SimApiError(
        409,
        'INVALID_STATE_TRANSITION',
        `Pipeline ${id} already has an active update ${p.active.updateId}.`,
      );
    }
    const now = ctx.now();
    const manual = byPerson(opts.cause);
    const faults = ctx.activeFaults(
      now,
      (f) => f.kind === 'pipeline_error' && f.target.pipeline === p.spec.name,
    );
    const fault = faults.find((f) => !(manual && isTransient(f)));
    // A hang holds a triggered update only; a continuous one stalls batch by batch (see #batch).
    const hang = fault || p.spec.continuous ? undefined : this.#activeHang(p, manual);
    const wait = ctx.prng.int(60_000, 240_000);
    const phases: [string, number][] = [
      ['CREATED', now],
      ['WAITING_FOR_RESOURCES', now + 1_000],
      ['INITIALIZING', now + wait],
      ['SETTING_UP_TABLES', now + wait + 30_000],
      ['RUNNING', now + wait + 60_000],
    ];
    const runMs = Math.round(ctx.prng.jitter(p.spec.duration.mean_minutes, p.spec.duration.jitter) * 60_000);
    const u: PipelineUpdate = {
      updateId: ctx.prng.uuid(),
      pipelineId: id,
      cause: opts.cause,
      fullRefresh: opts.fullRefresh ?? false,
      createdAt: now,
      phases,
      endAt: now + wait + 60_000 + (fault ? Math.round(runMs * 0.3) : runMs),
      ended: false,
      result: undefined,
      clusterId: ctx.clusterId(now),
      error: fault ? (fault.fault.message ?? PIPELINE_ERROR_DEFAULT) : undefined,
      token: 0,
      onEnd: opts.onEnd,
      triggeredBy: opts.triggeredBy,
      slicedTo: now,
      hung: hang,
    };
    // Held until the fault lets go: RUNNING far past its normal time, with no error, then completed late.
    if (hang) u.endAt = Math.max(u.endAt, hang.endMs);
    if (hang) {
      ctx.hit(hang, now, {
        resourceId: id,
        ...(opts.triggeredBy ? { runId: opts.triggeredBy.runId, taskRunId: opts.triggeredBy.taskRunId } : {}),
      });
    }
    if (fault) {
      ctx.hit(fault, now, {
        resourceId: id,
        ...(opts.triggeredBy ? { runId: opts.triggeredBy.runId, taskRunId: opts.triggeredBy.taskRunId } : {}),
      });
    }
    p.active = u;
    p.updates.push(u);
    if (p.updates.length > MAX_UPDATES) p.updates.shift();
    if (manual)
      ctx.audit('deltaPipelines', 'startUpdate', opts.user, {
        pipeline_id: id,
        full_refresh: String(u.fullRefresh),
      });
    this.#event(
      p,
      u,
      now,
      'create_update',
      'INFO',
      `Update ${u.updateId.slice(0, 6)} started by ${opts.cause}.`,
      {
        create_update: { cause: opts.cause, full_refresh: u.fullRefresh },
      },
    );
    for (const [state, at] of phases.slice(1)) {
      this.#event(p, u, at, 'update_progress', 'INFO', `Update ${u.updateId.slice(0, 6)} is ${state}.`, {
        update_progress: { state },
      });
    }
    const token = u.token;
    if (p.spec.continuous && !u.error) {
      const running = phases.at(-1)?.[1] ?? now;
      ctx.at(running + this.#batchMs(p), () => this.#batch(p, u, token));
      return u;
    }
    ctx.at(u.endAt, () => {
      if (u.token === token) this.#end(p, u, u.error ? 'FAILED' : 'COMPLETED');
    });
    const running = phases.at(-1)?.[1] ?? now;
    if (!hang) ctx.at(running + progressGapMs(u.updateId, 0), () => this.#progress(p, u, token, 1));
    return u;
  }

  /**
   * The flows of a running triggered update report progress until it ends. A hung update reports none:
   * it stays RUNNING with nothing moving. The gaps come from the update's id rather than the workload's
   * random stream, so reporting progress changes nothing else the workspace does.
   */
  #progress(p: PipelineState, u: PipelineUpdate, token: number, tick: number): void {
    const now = this.ctx.now();
    if (u.token !== token || u.ended || now >= u.endAt) return;
    for (const table of p.spec.writes) {
      const flow = table.split('.').at(-1) ?? table;
      const rows = Math.round(1_000 + unitHash(`${u.updateId}|${flow}|${tick}`) * 50_000);
      this.#flowProgress(p, u, now, flow, 'RUNNING', { num_output_rows: rows, backlog_bytes: rows * 40 });
    }
    const next = now + progressGapMs(u.updateId, tick);
    if (next < u.endAt) this.ctx.at(next, () => this.#progress(p, u, token, tick + 1));
  }

  /** A `flow_progress` event of one flow; its id and sequence draw no randomness. */
  #flowProgress(
    p: PipelineState,
    u: PipelineUpdate,
    at: number,
    flow: string,
    status: string,
    metrics: Record<string, number> | undefined,
  ): void {
    p.seq += 1;
    p.events.push({
      id: `${u.updateId.slice(0, 24)}${p.seq.toString(16).padStart(12, '0')}`,
      sequence: { control_plane_seq_no: p.seq },
      origin: {
        pipeline_id: p.pipelineId,
        pipeline_name: p.spec.name,
        update_id: u.updateId,
        cluster_id: u.clusterId,
        flow_name: flow,
        dataset_name: flow,
      },
      timestamp: new Date(at).toISOString(),
      timestampMs: at,
      message: `Flow '${flow}' is ${status}.`,
      level: metrics ? 'METRICS' : 'INFO',
      maturity_level: 'STABLE',
      event_type: 'flow_progress',
      details: { flow_progress: { status, ...(metrics ? { metrics } : {}) } },
    });
    if (p.events.length > MAX_EVENTS) p.events.shift();
  }

  #activeHang(p: PipelineState, manual: boolean): FaultState | undefined {
    return this.ctx
      .activeOfKind('pipeline_hang', this.ctx.now(), (f) => f.target.pipeline === p.spec.name)
      .find((f) => !(manual && isTransient(f)));
  }

  /** A continuous pipeline processes a micro-batch about every `duration.mean_minutes`. */
  #batchMs(p: PipelineState): number {
    return Math.max(30_000, Math.round(this.ctx.prng.jitter(p.spec.duration.mean_minutes, 0.2) * 60_000));
  }

  /**
   * One micro-batch of a continuous update: its tables are refreshed, unless a hang holds it (RUNNING,
   * no progress, no error) or a pipeline error fails it (and Databricks restarts it a few minutes later).
   */
  #batch(p: PipelineState, u: PipelineUpdate, token: number): void {
    if (u.token !== token || u.ended) return;
    const ctx = this.ctx;
    const now = ctx.now();
    const manual = byPerson(u.cause) && u.createdAt > ctx.startMs;
    const hang = this.#activeHang(p, manual);
    const error = ctx
      .activeFaults(now, (f) => f.kind === 'pipeline_error' && f.target.pipeline === p.spec.name)
      .find((f) => !(manual && isTransient(f)));
    if (hang) {
      u.hung = hang;
      ctx.hit(hang, now, { resourceId: p.pipelineId });
    } else if (error) {
      ctx.hit(error, now, { resourceId: p.pipelineId });
      u.error = error.fault.message ?? PIPELINE_ERROR_DEFAULT;
      this.#end(p, u, 'FAILED');
      return;
    } else {
      u.hung = undefined;
      this.#event(p, u, now, 'flow_progress', 'INFO', 'Completed a streaming update batch.', {
        flow_progress: { status: 'COMPLETED' },
      });
      this.#writeTables(p, u);
    }
    ctx.at(now + this.#batchMs(p), () => this.#batch(p, u, token));
  }

  /** `pipelines/{id}/stop`: cancels the active update; a no-op when idle. */
  stop(id: string, user: string): void {
    const p = this.get(id);
    this.ctx.audit('deltaPipelines', 'stop', user, { pipeline_id: id });
    if (!p.active) return;
    p.active.token += 1;
    this.#end(p, p.active, 'CANCELED');
  }

  /** A continuous pipeline whose update failed is started again (`RETRY_ON_FAILURE`). */
  #restartContinuous(p: PipelineState): void {
    this.ctx.at(this.ctx.now() + CONTINUOUS_RETRY_MS, () => {
      if (!p.active) this.startUpdate(p.pipelineId, { cause: 'RETRY_ON_FAILURE', user: p.spec.owner });
    });
  }

  #end(p: PipelineState, u: PipelineUpdate, result: 'COMPLETED' | 'FAILED' | 'CANCELED'): void {
    const ctx = this.ctx;
    const now = ctx.now();
    u.ended = true;
    u.endAt = now;
    u.result = result;
    p.active = undefined;
    if (result === 'FAILED') {
      const table = p.spec.writes[0] ?? 'main.default.unknown';
      this.#event(
        p,
        u,
        now,
        'flow_progress',
        'ERROR',
        `Failed to resolve flow: '${table.split('.').at(-1)}'.`,
        {
          flow_progress: { status: 'FAILED' },
        },
        {
          fatal: true,
          exceptions: [
            {
              class_name: 'org.apache.spark.sql.AnalysisException',
              message: u.error ?? PIPELINE_ERROR_DEFAULT,
            },
          ],
        },
      );
    }
    if (result === 'COMPLETED' && !p.spec.continuous)
      for (const table of p.spec.writes)
        this.#flowProgress(p, u, now, table.split('.').at(-1) ?? table, 'COMPLETED', undefined);
    this.#event(
      p,
      u,
      now,
      'update_progress',
      result === 'FAILED' ? 'ERROR' : 'INFO',
      `Update ${u.updateId.slice(0, 6)} is ${result}.`,
      {
        update_progress: { state: result },
      },
    );
    this.#slice(p, u, now, true);
    if (result === 'COMPLETED') this.#writeTables(p, u);
    if (result === 'FAILED' && p.spec.continuous) this.#restartContinuous(p);
    u.onEnd?.(u);
  }

  /** The pipeline's tables were refreshed by `u` (an update completing, or a continuous micro-batch). */
  #writeTables(p: PipelineState, u: PipelineUpdate): void {
    const ctx = this.ctx;
    for (const target of p.spec.writes) {
      const sources = p.spec.reads.length > 0 ? p.spec.reads : [undefined];
      for (const source of sources) {
        lineageRow(ctx, {
          source,
          target,
          entityType: 'PIPELINE',
          entityId: p.pipelineId,
          runId: u.updateId,
          createdBy: p.spec.owner,
          metadata: { dlt_pipeline_info: { dlt_pipeline_id: p.pipelineId, dlt_update_id: u.updateId } },
        });
      }
      ctx.tableUpdated(target);
    }
  }

  #event(
    p: PipelineState,
    u: PipelineUpdate,
    at: number,
    type: string,
    level: PipelineEvent['level'],
    message: string,
    details: Record<string, unknown>,
    error?: PipelineEvent['error'],
  ): void {
    p.seq += 1;
    const event: PipelineEvent = {
      id: this.ctx.prng.uuid(),
      sequence: { control_plane_seq_no: p.seq },
      origin: {
        pipeline_id: p.pipelineId,
        pipeline_name: p.spec.name,
        update_id: u.updateId,
        cluster_id: u.clusterId,
      },
      timestamp: new Date(at).toISOString(),
      timestampMs: at,
      message,
      level,
      maturity_level: 'STABLE',
      event_type: type,
      details,
    };
    if (error) event.error = error;
    p.events.push(event);
    if (p.events.length > MAX_EVENTS) p.events.shift();
  }
}

/** A number in [0, 1) from `key` alone (FNV-1a): the same key gives the same number, and no stream is drawn. */
function unitHash(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) / 4_294_967_296;
}

/** The wait before a running update's flows report progress for the `tick`th time. */
function progressGapMs(updateId: string, tick: number): number {
  return PROGRESS_MIN_MS + Math.floor(unitHash(`${updateId}#${tick}`) * PROGRESS_SPREAD_MS);
}

interface TableNameParts {
  readonly catalog: string | null;
  readonly schema: string | null;
  readonly table: string | null;
}

const NO_TABLE: TableNameParts = { catalog: null, schema: null, table: null };
/** A workspace has a few thousand tables and writes a lineage row per task run; split each name once. */
const partsByName = new Map<string, TableNameParts>();

function tableNameParts(name: string | undefined): TableNameParts {
  if (name === undefined) return NO_TABLE;
  let parts = partsByName.get(name);
  if (parts === undefined) {
    const [catalog, schema, table] = name.split('.');
    parts = { catalog: catalog ?? null, schema: schema ?? null, table: table ?? null };
    if (partsByName.size >= 10_000) partsByName.clear();
    partsByName.set(name, parts);
  }
  return parts;
}

/** One `access.table_lineage` row (shared by jobs and pipelines). */
export function lineageRow(
  ctx: SimContext,
  r: {
    source: string | undefined;
    target: string | undefined;
    entityType: 'JOB' | 'PIPELINE';
    entityId: string;
    runId: string;
    createdBy: string;
    metadata: Record<string, unknown>;
  },
): void {
  const now = ctx.now();
  const s = tableNameParts(r.source);
  const t = tableNameParts(r.target);
  ctx.emit('access.table_lineage', {
    account_id: ctx.accountId,
    metastore_id: ctx.metastoreId,
    workspace_id: ctx.workspaceId,
    entity_type: r.entityType,
    entity_id: r.entityId,
    entity_run_id: r.runId,
    source_table_full_name: r.source ?? null,
    source_table_catalog: s.catalog,
    source_table_schema: s.schema,
    source_table_name: s.table,
    source_path: null,
    source_type: r.source === undefined ? null : 'TABLE',
    target_table_full_name: r.target ?? null,
    target_table_catalog: t.catalog,
    target_table_schema: t.schema,
    target_table_name: t.table,
    target_path: null,
    target_type: r.target === undefined ? null : 'TABLE',
    created_by: r.createdBy,
    event_time: now,
    event_date: isoDate(now),
    record_id: ctx.recordId(),
    event_id: ctx.recordId(),
    statement_id: null,
    entity_metadata: {
      job_info: null,
      dashboard_id: null,
      legacy_dashboard_id: null,
      notebook_id: null,
      sql_query_id: null,
      dlt_pipeline_info: null,
      genie_space_id: null,
      alert_id: null,
      ...r.metadata,
    },
    direct_access: false,
  });
}
