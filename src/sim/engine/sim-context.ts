import { type Scenario, type ScenarioFault, TRANSIENT_FAULT_KINDS } from '../scenario/schema.js';
import { resolveInstant } from '../scenario/instant.js';
import type { SinkTableName, SystemTableRow } from '../system-table-sink.js';
import type { Cloud } from './catalog.js';
import type { EventQueue } from './event-queue.js';
import type { FaultState } from './model.js';
import type { Prng } from './prng.js';
import type { RowBuffer } from './row-buffer.js';
import type { SimClock } from './sim-clock.js';
import { hourSlices, isoDate } from './time-slices.js';

/** What every part of the engine shares: time, randomness, the row stream, ids and the fault book. */
export class SimContext {
  readonly accountId: string;
  readonly workspaceId: string;
  readonly metastoreId: string;
  readonly host: string;
  readonly cloud: Cloud;
  /**
   * When the simulation begins: the scenario's `start`, less its healthy `history` when it has one. The
   * fleets start their clusters, warehouses and schedules here.
   */
  readonly startMs: number;
  /** The scenario's `start`: faults and `+2h` offsets resolve against it, and the scored window opens. */
  readonly scenarioStartMs: number;
  readonly endMs: number;
  readonly faults: FaultState[];
  #counter = 0;
  #runCounter = 0;
  readonly #runBase: number;
  readonly #idSalt: string;

  /** The stream draws come from now: the workload's, or the people's inside `byPerson`. */
  #prng: Prng;
  readonly #people: Prng;

  constructor(
    readonly scenario: Scenario,
    readonly clock: SimClock,
    prng: Prng,
    readonly queue: EventQueue,
    readonly rows: RowBuffer,
    people: Prng,
  ) {
    this.#prng = prng;
    this.#people = people;
    this.scenarioStartMs = Date.parse(scenario.start);
    this.startMs = simulationStart(scenario);
    this.endMs = this.scenarioStartMs + scenario.duration_hours * 3_600_000;
    this.workspaceId = scenario.workspace.id;
    this.host = scenario.workspace.host;
    this.cloud = scenario.workspace.cloud;
    this.accountId = scenario.workspace.account_id ?? prng.uuid();
    this.metastoreId = scenario.workspace.metastore_id ?? prng.uuid();
    this.#runBase = 100_000_000_000_000 + prng.int(0, 800_000) * 1_000_000_000;
    this.#idSalt = prng.chars(8, '0123456789abcdef');
    this.faults = scenario.faults.map((fault) => faultState(fault, this.scenarioStartMs, this.endMs));
    for (const f of this.faults) {
      const byKind = this.#byKind.get(f.fault.kind) ?? [];
      byKind.push(f);
      this.#byKind.set(f.fault.kind, byKind);
      const job = f.fault.target.job;
      if (job !== undefined) {
        const byJob = this.#byJob.get(job) ?? [];
        byJob.push(f);
        this.#byJob.set(job, byJob);
      }
    }
  }

  // Indexes keep the per-task fault lookup cheap in workspaces with thousands of jobs.
  readonly #byKind = new Map<string, FaultState[]>();
  readonly #byJob = new Map<string, FaultState[]>();

  /** Active faults of one kind (see {@link activeFaults}). */
  activeOfKind(kind: string, at: number, match: (f: ScenarioFault) => boolean = () => true): FaultState[] {
    return active(this.#byKind.get(kind) ?? [], at, match);
  }

  /** Active faults that target one job (see {@link activeFaults}). */
  activeForJob(jobName: string, at: number, match: (f: ScenarioFault) => boolean = () => true): FaultState[] {
    return active(this.#byJob.get(jobName) ?? [], at, match);
  }

  faultsOfKind(kind: string): readonly FaultState[] {
    return this.#byKind.get(kind) ?? [];
  }

  now(): number {
    return this.clock.now();
  }

  /** Run an action at `at` (never before now). */
  at(at: number, run: () => void): void {
    this.queue.push(Math.max(at, this.clock.now()), run);
  }

  emit(table: SinkTableName, row: SystemTableRow): void {
    this.rows.push(table, row);
  }

  /** A 15-digit job or run id; sequential under a seeded base so ids sort by creation like Databricks'. */
  nextRunId(): number {
    this.#runCounter += 1;
    return this.#runBase + this.#runCounter * 17;
  }

  /** A unique record id that costs no randomness (the hot path makes millions). */
  recordId(): string {
    this.#counter += 1;
    return `${this.#idSalt}-0000-4000-8000-${this.#counter.toString(16).padStart(12, '0')}`;
  }

  clusterId(at: number): string {
    const d = new Date(at);
    const p = (n: number) => String(n).padStart(2, '0');
    return `${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}-${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}-${this.prng.chars(8)}`;
  }

  runPageUrl(jobId: number, runId: number): string {
    return `https://${this.host}/?o=${this.workspaceId}#job/${jobId}/run/${runId}`;
  }

  audit(
    service: string,
    action: string,
    user: string,
    params: Record<string, string>,
    response: { status_code: number; error_message?: string | null; result?: string | null } = {
      status_code: 200,
    },
  ): void {
    const now = this.now();
    this.emit('access.audit', {
      account_id: this.accountId,
      workspace_id: this.workspaceId,
      version: '2.0',
      event_time: now,
      event_date: isoDate(now),
      source_ip_address: user.endsWith('@databricks.com') ? null : '10.0.0.12',
      user_agent: 'dbxops-sim',
      session_id: null,
      user_identity: { email: user, subject_name: null },
      service_name: service,
      action_name: action,
      request_id: this.recordId(),
      request_params: params,
      response: {
        status_code: response.status_code,
        error_message: response.error_message ?? null,
        result: response.result ?? null,
      },
      audit_level: 'WORKSPACE_LEVEL',
      event_id: this.recordId(),
      identity_metadata: { run_by: user, run_as: user, acting_resource: null },
    });
  }

  /**
   * Bills a compute interval as `billing.usage` rows, one per UTC hour it touches (how Databricks
   * windows classic compute). `dbuPerHour` is for the whole resource.
   */
  bill(
    from: number,
    to: number,
    dbuPerHour: number,
    row: {
      sku_name: string;
      billing_origin_product: string;
      custom_tags: Record<string, string>;
      usage_metadata: Record<string, string | null>;
      identity_metadata: Record<string, string | null>;
      product_features: Record<string, unknown>;
    },
  ): void {
    if (to <= from || dbuPerHour <= 0) return;
    const now = this.now();
    for (const [s, e] of hourSlices(from, to)) {
      this.emit('billing.usage', {
        record_id: this.recordId(),
        account_id: this.accountId,
        workspace_id: this.workspaceId,
        sku_name: row.sku_name,
        cloud: this.cloud,
        usage_start_time: s,
        usage_end_time: e,
        usage_date: isoDate(s),
        custom_tags: row.custom_tags,
        usage_unit: 'DBU',
        usage_quantity: Math.round(((e - s) / 3_600_000) * dbuPerHour * 1e6) / 1e6,
        usage_metadata: row.usage_metadata,
        identity_metadata: row.identity_metadata,
        record_type: 'ORIGINAL',
        ingestion_date: isoDate(now),
        billing_origin_product: row.billing_origin_product,
        product_features: row.product_features,
        usage_type: 'COMPUTE_TIME',
      });
    }
  }

  readonly #tableListeners: ((table: string, at: number) => void)[] = [];

  /** Subscribes to successful writes of tables (what table-update triggers watch). */
  onTableUpdated(listener: (table: string, at: number) => void): void {
    this.#tableListeners.push(listener);
  }

  /** A job task or a pipeline refreshed `table` just now. */
  tableUpdated(table: string): void {
    for (const l of this.#tableListeners) l(table, this.now());
  }

  /** Where random draws come from (durations, rows, setup times, ids). */
  get prng(): Prng {
    return this.#prng;
  }

  /**
   * Runs what a person (or a client acting for one) did — a repair, a run-now, a restart, a cancel — and
   * everything it starts, on a random stream of its own. The scheduled workload keeps its own stream, so
   * a remediation changes what it touches and nothing else: every later scheduled run draws the same
   * durations and row counts as in a replay where nobody acted, and a fix cannot conjure an unrelated
   * anomaly in the data the detectors read.
   */
  byPerson<T>(act: () => T): T {
    const before = this.#prng;
    this.#prng = this.#people;
    try {
      return act();
    } finally {
      this.#prng = before;
    }
  }

  /** Faults of `kind` whose window contains `at` and which still have occurrences left. */
  activeFaults(at: number, match: (f: ScenarioFault) => boolean): FaultState[] {
    return active(this.faults, at, match);
  }

  /** Records that a fault shaped something a detector can see. */
  hit(
    f: FaultState,
    at: number,
    ids: { runId?: number; taskRunId?: number; statementId?: string; resourceId?: string },
  ): void {
    f.hits += 1;
    if (ids.runId !== undefined) f.affectedRunIds.add(String(ids.runId));
    if (ids.taskRunId !== undefined) f.affectedTaskRunIds.add(String(ids.taskRunId));
    if (ids.statementId !== undefined) f.affectedStatementIds.add(ids.statementId);
    if (ids.resourceId !== undefined) f.affectedResourceIds.add(ids.resourceId);
    f.firstAffectedAt ??= at;
    f.lastAffectedAt = Math.max(f.lastAffectedAt ?? at, at);
  }
}

/** Where a scenario's simulation begins: its `start`, or `history.days` before it. */
export function simulationStart(scenario: Scenario): number {
  return Date.parse(scenario.start) - Math.round((scenario.history?.days ?? 0) * 86_400_000);
}

function active(list: readonly FaultState[], at: number, match: (f: ScenarioFault) => boolean): FaultState[] {
  if (list.length === 0) return [];
  return list.filter(
    (f) =>
      at >= f.startMs &&
      at < f.endMs &&
      f.resolvedAt === undefined &&
      (f.fault.occurrences === undefined || f.hits < f.fault.occurrences) &&
      match(f.fault),
  );
}

function faultState(fault: ScenarioFault, startMs: number, scenarioEnd: number): FaultState {
  const s = resolveInstant(fault.start, startMs);
  // Without an end, a counted fault lasts until its occurrences are used up, an uncounted one for an hour.
  const e =
    fault.end !== undefined
      ? resolveInstant(fault.end, startMs)
      : fault.occurrences !== undefined
        ? Math.max(scenarioEnd, s + 3_600_000)
        : s + 3_600_000;
  return {
    fault,
    startMs: s,
    endMs: e,
    hits: 0,
    resolvedAt: undefined,
    affectedRunIds: new Set(),
    affectedTaskRunIds: new Set(),
    affectedStatementIds: new Set(),
    affectedResourceIds: new Set(),
    firstAffectedAt: undefined,
    lastAffectedAt: undefined,
  };
}

/**
 * Whether a person's repair or rerun gets past the fault unchanged: as the scenario says (`transient`), else
 * by its kind. Never by `expected`: the engine reacts to what was done, not to what the evaluation expects.
 */
export function isTransient(f: FaultState): boolean {
  return f.fault.transient ?? TRANSIENT_FAULT_KINDS.has(f.fault.kind);
}
