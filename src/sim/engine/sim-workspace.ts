import type { Clock } from '../../domain/clock.js';
import {
  type RevocableObjectType,
  revocableObjectOf,
  type Scenario,
  type ScenarioJob,
  type ScenarioTask,
} from '../scenario/schema.js';
import type { SinkTableName, SystemTableSink } from '../system-table-sink.js';
import { listPrices, NODE_TYPES, nodeType, skuNames } from './catalog.js';
import { attributesFromScenario } from './cluster-availability.js';
import { ClusterFleet, type ClusterState } from './cluster-fleet.js';
import {
  backgroundFailure,
  capacityTermination,
  clusterLaunchFailure,
  concurrentAppendFailure,
  customFailure,
  driverUnresponsiveFailure,
  insufficientPermissionsFailure,
  objectPermissionFailure,
  oomFailure,
  spotLossFailure,
  spotReclaimFailure,
  spotTermination,
  type TaskFailure,
  tableNotFoundFailure,
  timeoutFailure,
  withMessage,
} from './error-texts.js';
import { EventQueue } from './event-queue.js';
import type {
  ClusterSpec,
  FaultState,
  FaultTruth,
  JobSettings,
  JobState,
  RunState,
  TaskRun,
  TaskSettings,
} from './model.js';
import { parseQuartzSchedule } from '../../domain/quartz-schedule.js';
import { type AclObject, mayUse, type RevokedPermission, scimId } from './object-acl.js';
import { lineageRow, PipelineFleet } from './pipeline-fleet.js';
import { Prng } from './prng.js';
import { RowBuffer } from './row-buffer.js';
import { invalidParam, invalidState } from './sim-api-error.js';
import { SimClock } from './sim-clock.js';
import { SimContext, isTransient, simulationStart } from './sim-context.js';
import {
  JobTriggers,
  type TriggeredBy,
  triggerColumns,
  triggerPaused,
  triggerProblem,
  triggerSettings,
} from './job-triggers.js';
import { resolveInstant } from '../scenario/instant.js';
import { clusterCores, durationOnCluster } from './task-speed.js';
import { hourSlices } from './time-slices.js';
import { widenedClusters } from './widened-clusters.js';
import { WarehouseFleet } from './warehouse-fleet.js';

export interface SimWorkspaceOptions {
  scenario: Scenario;
  /** Seed for every random choice; same scenario + seed ⇒ identical rows and REST bodies. Default 1. */
  seed?: number;
  /** Where system-table rows go. Default: discarded. */
  sink?: SystemTableSink;
  /** Finished runs kept per job for the REST API (older ones fall out like Databricks' retention). Default 50. */
  recentRunsPerJob?: number;
}

/** A job run lifecycle notification, the source of job webhooks (docs/databricks.md, Job notification webhooks). */
export interface JobRunEvent {
  event_type: 'jobs.on_start' | 'jobs.on_success' | 'jobs.on_failure';
  jobId: number;
  jobName: string;
  runId: number;
  at: number;
}

const HOUR = 3_600_000;
const SUCCESSFUL = new Set(['SUCCESS', 'SUCCESS_WITH_FAILURES']);
const NULL_SINK: SystemTableSink = { append: () => {}, flush: async () => {} };
/** Mixed into the seed of the people's random stream, so it differs from the workload's. */
const PEOPLE_STREAM = 0x5eed_0b0e;

/** An object a `revoked_permission` fault can name. */
type AclTarget = AclObject & { type: RevocableObjectType };

/** The audit log's service and action for a change of each object type's ACL. */
const ACL_AUDIT_ACTIONS: Readonly<Record<RevocableObjectType, readonly [string, string]>> = {
  cluster: ['clusters', 'changeClusterAcl'],
  job: ['jobs', 'changeJobAcl'],
  pipeline: ['deltaPipelines', 'changePipelineAcls'],
};

/** The ACL service's names for the levels, as `aclPermissionSet` and its refusals spell them. */
const ACL_SERVICE_NAMES: Readonly<Record<string, string>> = {
  CAN_ATTACH_TO: 'Attach',
  CAN_RESTART: 'Restart',
  CAN_MANAGE: 'Manage',
  CAN_VIEW: 'View',
  CAN_MANAGE_RUN: 'Manage Run',
  CAN_RUN: 'Run',
  IS_OWNER: 'Owner',
  CAN_USE: 'Use',
  CAN_MONITOR: 'Monitor',
};

/** System-table spelling of REST result states (docs/databricks.md, Same thing, different spelling). */
function tableResultState(rest: string | undefined): string | null {
  switch (rest) {
    case undefined:
      return null;
    case 'SUCCESS':
    case 'SUCCESS_WITH_FAILURES':
      return 'SUCCEEDED';
    case 'TIMEDOUT':
      return 'TIMED_OUT';
    case 'CANCELED':
      return 'CANCELLED';
    case 'UPSTREAM_FAILED':
    case 'UPSTREAM_CANCELED':
    case 'EXCLUDED':
      return 'SKIPPED';
    case 'INTERNAL_ERROR':
      return 'ERROR';
    default:
      return rest;
  }
}

/**
 * The simulated Databricks workspace: a discrete-event simulation over a scenario. Time moves only
 * through `advanceTo`; everything that happens streams to the sink as system-table rows, and the REST
 * server reads and mutates the in-memory state (jobs, bounded recent runs, clusters, warehouses, pipelines).
 */
export class SimWorkspace {
  readonly scenario: Scenario;
  readonly clock: Clock;
  readonly clusters: ClusterFleet;
  readonly warehouses: WarehouseFleet;
  readonly pipelines: PipelineFleet;
  readonly jobs = new Map<number, JobState>();
  readonly #ctx: SimContext;
  readonly #simClock: SimClock;
  readonly #sink: SystemTableSink;
  readonly #rows: RowBuffer;
  readonly #queue = new EventQueue();
  readonly #runs = new Map<number, RunState>();
  readonly #taskRuns = new Map<number, { run: RunState; task: TaskRun }>();
  readonly #tokens = new Map<string, number>();
  readonly #listeners = new Set<(e: JobRunEvent) => void>();
  readonly #jobsByName = new Map<string, JobState>();
  readonly #active = new Set<RunState>();
  readonly #recentPerJob: number;
  readonly #groups: Map<string, Set<string>>;
  readonly #triggers: JobTriggers;
  /**
   * The job clusters each cost spike's deploy replaced, per job id, and what it put in their place: what
   * its rollback restores, and what tells a launch of the deployed settings from one of other settings.
   */
  readonly #deploys = new Map<
    FaultState,
    { jobs: Map<number, { before: JobClusters; after: JobClusters }>; rolledBack: boolean }
  >();
  /** Jobs whose owner will cancel their next run a minute after it starts (`cancellations`). */
  readonly #cancelNext = new Map<JobState, string>();
  #repairCounter = 0;

  constructor(opts: SimWorkspaceOptions) {
    this.scenario = opts.scenario;
    // With a history, the clock starts that long before the scenario's start (see SimContext.startMs).
    const startMs = simulationStart(opts.scenario);
    this.#simClock = new SimClock(startMs);
    this.clock = this.#simClock;
    this.#sink = opts.sink ?? NULL_SINK;
    this.#rows = new RowBuffer(this.#sink);
    this.#recentPerJob = opts.recentRunsPerJob ?? 50;
    const prng = new Prng(opts.seed ?? 1);
    // People's actions draw from a stream of their own (see SimContext.byPerson), seeded from the same seed.
    const people = new Prng((opts.seed ?? 1) ^ PEOPLE_STREAM);
    this.#ctx = new SimContext(opts.scenario, this.#simClock, prng, this.#queue, this.#rows, people);
    this.#groups = new Map(opts.scenario.groups.map((g) => [g.name, new Set(g.members)]));
    this.#emitStatic();
    this.clusters = new ClusterFleet(this.#ctx);
    this.warehouses = new WarehouseFleet(this.#ctx);
    this.pipelines = new PipelineFleet(this.#ctx);
    this.#triggers = new JobTriggers(this.#ctx, (job, trigger) => this.#triggerFire(job, trigger));
    this.#createScenarioJobs();
    this.#scheduleFaultMarkers();
    this.#scheduleCancellations();
    this.#queue.push(startMs, () => this.#onHour(startMs));
  }

  get workspaceId(): string {
    return this.#ctx.workspaceId;
  }
  get host(): string {
    return this.#ctx.host;
  }
  get accountId(): string {
    return this.#ctx.accountId;
  }
  /** The scenario's `start`: where its scored window (and its faults) begin. */
  get startMs(): number {
    return this.#ctx.scenarioStartMs;
  }
  /** Where the simulated clock began: `startMs` less the scenario's healthy history, if it has one. */
  get historyStartMs(): number {
    return this.#ctx.startMs;
  }
  /** Scenario start + duration_hours. */
  get endMs(): number {
    return this.#ctx.endMs;
  }
  now(): number {
    return this.#simClock.now();
  }
  runPageUrl(jobId: number, runId: number): string {
    return this.#ctx.runPageUrl(jobId, runId);
  }

  /** The `permissions[]` entries `revoked_permission` faults take away now (what the Permissions API leaves out). */
  revokedPermissions(at = this.now()): RevokedPermission[] {
    return this.#ctx.activeOfKind('revoked_permission', at).flatMap(({ fault }) => {
      const p = fault.target.permission;
      const object = p && revocableObjectOf(p);
      return p && object ? [{ ...object, principal: p.principal, level: p.level }] : [];
    });
  }

  /** Runs a person's action (a REST call that changes something) on the people's random stream. */
  byPerson<T>(act: () => T): T {
    return this.#ctx.byPerson(act);
  }

  /** Runs everything due up to `ms` in time order, then hands buffered rows to the sink. */
  advanceTo(ms: number): void {
    for (;;) {
      const next = this.#queue.peekTime();
      if (next === undefined || next > ms) break;
      const entry = this.#queue.pop();
      if (!entry) break;
      this.#simClock.set(entry.at);
      entry.run();
    }
    this.#simClock.set(ms);
    this.#rows.drain();
  }

  advanceBy(ms: number): void {
    this.advanceTo(this.now() + ms);
  }

  /** Bills still-running warehouses and clusters up to now; call once at the end of an export. */
  settle(): void {
    this.warehouses.settle(this.now());
    this.clusters.settle(this.now());
    this.#rows.drain();
  }

  /**
   * How many rows the workspace has written to `table` so far (flushed or not). The tables only ever grow
   * by the engine's appends, so an unchanged count means the table holds what it held.
   */
  rowsWritten(table: SinkTableName): number {
    return this.#rows.pushed(table);
  }

  /** Drains buffered rows and flushes the sink: of `tables` only, when given. */
  async flush(tables?: readonly SinkTableName[]): Promise<void> {
    this.#rows.drain(tables);
    await this.#sink.flush(tables);
  }

  /** Subscribes to job-run lifecycle events (start, success, failure); returns an unsubscribe function. */
  onJobRunEvent(listener: (e: JobRunEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Ground truth: every scenario fault with the runs, task runs and statements it actually affected. */
  faults(): FaultTruth[] {
    return this.#ctx.faults.map((f) => ({
      id: f.fault.id,
      kind: f.fault.kind,
      target: f.fault.target,
      expected: f.fault.expected,
      caused_by: f.fault.caused_by,
      start_ms: f.startMs,
      end_ms: f.endMs,
      resolved_at_ms: f.resolvedAt,
      affected_run_ids: [...f.affectedRunIds],
      affected_task_run_ids: [...f.affectedTaskRunIds],
      affected_statement_ids: [...f.affectedStatementIds],
      affected_resource_ids: [...f.affectedResourceIds],
      first_affected_ms: f.firstAffectedAt,
      last_affected_ms: f.lastAffectedAt,
      must_not_page: f.fault.must_not_page,
      recurring_by: f.fault.recurring_by,
    }));
  }

  /** A REST throttle or server-error fault active now, which the server turns into 429 / 503. */
  restFault(): { kind: 'throttle' | 'server_error'; retryAfterSeconds: number } | undefined {
    const now = this.now();
    for (const f of this.#ctx.faults) {
      if (f.fault.kind !== 'throttle' && f.fault.kind !== 'server_error') continue;
      if (now < f.startMs || now >= f.endMs) continue;
      if (f.fault.occurrences !== undefined && f.hits >= f.fault.occurrences) continue;
      this.#ctx.hit(f, now, {});
      return {
        kind: f.fault.kind,
        retryAfterSeconds: Math.max(1, Math.min(60, Math.ceil((f.endMs - now) / 1000))),
      };
    }
    return undefined;
  }

  // ───────────────────────────── setup ─────────────────────────────

  #emitStatic(): void {
    const ctx = this.#ctx;
    const s = this.scenario;
    ctx.emit('access.workspaces_latest', {
      account_id: ctx.accountId,
      workspace_id: ctx.workspaceId,
      workspace_name: s.workspace.name ?? s.name,
      workspace_url: `https://${ctx.host}`,
      create_time: ctx.startMs - 365 * 86_400_000,
      status: 'RUNNING',
    });
    for (const price of listPrices(ctx.cloud)) {
      ctx.emit('billing.list_prices', {
        account_id: ctx.accountId,
        price_start_time: Date.UTC(2023, 0, 1),
        price_end_time: null,
        sku_name: price.sku_name,
        cloud: ctx.cloud,
        currency_code: 'USD',
        usage_unit: 'DBU',
        pricing: {
          default: price.price,
          promotional: { default: price.price },
          effective_list: { default: price.price },
        },
      });
    }
    for (const n of NODE_TYPES) {
      ctx.emit('compute.node_types', {
        account_id: ctx.accountId,
        node_type: n.node_type,
        core_count: n.core_count,
        memory_mb: n.memory_mb,
        gpu_count: n.gpu_count,
      });
    }
    // information_schema is current state: grants revoked during the scenario are already absent.
    const revoked = new Set(
      s.faults
        .filter((f) => f.kind === 'revoked_grant' && f.target.grant !== undefined)
        .map((f) => `${f.target.grant?.table}|${f.target.grant?.principal}`),
    );
    for (const g of s.grants) {
      if (revoked.has(`${g.table}|${g.principal}`)) continue;
      const [catalog, schema, table] = g.table.split('.');
      const owner = s.tables.find((t) => t.name === g.table)?.owner ?? 'admins';
      this.#ctx.emit('information_schema.table_privileges', {
        grantor: g.grantor ?? owner,
        grantee: g.principal,
        table_catalog: catalog,
        table_schema: schema,
        table_name: table,
        privilege_type: g.privilege,
        is_grantable: 'NO',
        inherited_from: 'NONE',
      });
    }
  }

  #createScenarioJobs(): void {
    const ctx = this.#ctx;
    const created = ctx.startMs - 7 * 86_400_000;
    const ids = new Map<string, number>();
    for (const spec of this.scenario.jobs) ids.set(spec.name, ctx.nextRunId());
    for (const spec of this.scenario.jobs) {
      const settings = this.#settingsFromScenario(spec, ids);
      this.#addJob(ids.get(spec.name)!, settings, spec, spec.owner, created);
    }
  }

  #settingsFromScenario(spec: ScenarioJob, ids: Map<string, number>): JobSettings {
    const tags: Record<string, string> = { team: spec.team, criticality: spec.criticality, ...spec.tags };
    if (spec.cost_center) tags.cost_center = spec.cost_center;
    // Teams record data SLAs as job tags (`sla`, `sla_timezone`, or `sla_max_age` and `sla_warn_after`;
    // optionally `sla_table`); the collector reads them from jobs/get or lakeflow.jobs (docs/scenarios.md).
    if (typeof spec.sla === 'string') tags.sla = spec.sla;
    else if (spec.sla && 'max_age' in spec.sla) {
      tags.sla_max_age = spec.sla.max_age;
      if (spec.sla.warn_after) tags.sla_warn_after = spec.sla.warn_after;
      if (spec.sla.table) tags.sla_table = spec.sla.table;
    } else if (spec.sla) {
      tags.sla = spec.sla.deadline;
      tags.sla_timezone = spec.sla.timezone_id;
      if (spec.sla.table) tags.sla_table = spec.sla.table;
    }
    const settings: JobSettings = {
      name: spec.name,
      description: spec.description,
      tags,
      tasks: spec.tasks.map((t) => this.#taskFromScenario(spec, t, ids)),
      job_clusters: spec.job_clusters.map((c) => ({
        job_cluster_key: c.key,
        new_cluster: {
          spark_version: c.spark_version,
          node_type_id: c.node_type,
          driver_node_type_id: c.driver_node_type ?? c.node_type,
          ...(c.autoscale ? { autoscale: { ...c.autoscale } } : { num_workers: c.workers }),
          runtime_engine: c.photon ? 'PHOTON' : 'STANDARD',
          custom_tags: {},
          ...attributesFromScenario(this.#ctx.cloud, c),
        },
      })),
      max_concurrent_runs: spec.max_concurrent_runs,
      timeout_seconds: spec.timeout_seconds,
      email_notifications: { on_failure: [spec.owner] },
      queue: { enabled: true },
      run_as: { user_name: spec.owner },
      format: 'MULTI_TASK',
    };
    if (spec.schedule) {
      settings.schedule = {
        quartz_cron_expression: spec.schedule.quartz_cron_expression,
        timezone_id: spec.schedule.timezone_id,
        pause_status: spec.schedule.pause_status,
      };
    }
    Object.assign(settings, triggerSettings(spec));
    return settings;
  }

  #taskFromScenario(job: ScenarioJob, t: ScenarioTask, ids: Map<string, number>): TaskSettings {
    const task: TaskSettings = {
      task_key: t.key,
      depends_on: t.depends_on.map((k) => ({ task_key: k })),
      run_if: 'ALL_SUCCESS',
      max_retries: t.max_retries,
      min_retry_interval_millis: t.min_retry_interval_millis,
      retry_on_timeout: t.retry_on_timeout,
      timeout_seconds: t.timeout_seconds,
    };
    if (t.cluster) task.job_cluster_key = t.cluster;
    if (t.existing_cluster)
      task.existing_cluster_id = this.clusters.byName.get(t.existing_cluster)?.clusterId ?? '';
    const path = `/Repos/${job.team}/${job.name}/${t.key}`;
    switch (t.type) {
      case 'sql':
        task.sql_task = {
          warehouse_id: this.warehouses.byName.get(t.warehouse ?? '')?.id ?? '',
          file: { path: `${path}.sql` },
        };
        break;
      case 'pipeline':
        task.pipeline_task = {
          pipeline_id: this.pipelines.byName.get(t.pipeline ?? '')?.pipelineId ?? '',
          full_refresh: false,
        };
        break;
      case 'run_job':
        task.run_job_task = { job_id: ids.get(t.run_job ?? '') ?? 0 };
        break;
      case 'python_wheel':
        task.python_wheel_task = { package_name: `${job.team}_etl`, entry_point: t.key };
        break;
      default:
        task.notebook_task = { notebook_path: path, source: 'WORKSPACE' };
    }
    return task;
  }

  #addJob(
    jobId: number,
    settings: JobSettings,
    spec: ScenarioJob | undefined,
    owner: string,
    created: number,
  ): JobState {
    const job: JobState = {
      jobId,
      settings,
      spec,
      behaviours: new Map((spec?.tasks ?? []).map((t) => [t.key, t])),
      baselineCores: new Map(
        (settings.job_clusters ?? []).map((c) => [c.job_cluster_key, clusterCores(c.new_cluster)]),
      ),
      team: settings.tags?.team ?? spec?.team ?? '',
      owner,
      createdTime: created,
      cron: undefined,
      cronEpoch: 0,
      recent: [],
      queued: [],
      activeCount: 0,
      deleted: false,
    };
    this.jobs.set(jobId, job);
    this.#jobsByName.set(settings.name, job);
    this.#jobRows(job, created);
    this.#armSchedule(job);
    return job;
  }

  #jobRows(job: JobState, at: number, deleted = false): void {
    const ctx = this.#ctx;
    const s = job.settings;
    const schedule = s.schedule;
    const trigger = triggerColumns(s);
    ctx.emit('lakeflow.jobs', {
      account_id: ctx.accountId,
      workspace_id: ctx.workspaceId,
      job_id: String(job.jobId),
      name: s.name,
      description: typeof s.description === 'string' ? s.description : '',
      creator_id: job.owner,
      tags: s.tags ?? {},
      change_time: at,
      delete_time: deleted ? at : null,
      run_as: job.owner,
      trigger: trigger.trigger,
      trigger_type: trigger.type,
      run_as_user_name: job.owner,
      creator_user_name: job.owner,
      paused: schedule ? schedule.pause_status === 'PAUSED' : triggerPaused(s),
      timeout_seconds: s.timeout_seconds ?? 0,
      health_rules: null,
      deployment: null,
      create_time: job.createdTime,
    });
    for (const t of s.tasks) {
      ctx.emit('lakeflow.job_tasks', {
        account_id: ctx.accountId,
        workspace_id: ctx.workspaceId,
        job_id: String(job.jobId),
        task_key: t.task_key,
        depends_on_keys: (t.depends_on ?? []).map((d) => d.task_key),
        change_time: at,
        delete_time: deleted ? at : null,
        timeout_seconds: t.timeout_seconds ?? 0,
        health_rules: null,
      });
    }
  }

  #armSchedule(job: JobState): void {
    this.#triggers.arm(job);
    job.cronEpoch += 1;
    job.cron = undefined;
    const schedule = job.settings.schedule;
    if (job.deleted || !schedule || schedule.pause_status === 'PAUSED') return;
    // Jobs are validated on create/reset, so a schedule that does not parse here never fires.
    const parsed = parseQuartzSchedule(schedule.quartz_cron_expression, schedule.timezone_id);
    if (!parsed.ok) return;
    const cron = parsed.value;
    job.cron = cron;
    const epoch = job.cronEpoch;
    const arm = (after: number) => {
      const at = cron.nextAfter(after);
      if (at === undefined) return;
      this.#ctx.at(at, () => {
        if (job.cronEpoch !== epoch) return;
        this.#scheduledFire(job, at);
        arm(at);
      });
    };
    // At the scenario start a fire exactly at start still counts.
    arm(this.now() <= this.#ctx.startMs ? this.#ctx.startMs - 1000 : this.now());
  }

  #scheduledFire(job: JobState, at: number): void {
    // A stale_table fault (not caused by another fault) is a missed trigger: the writer never runs.
    const stale = this.#ctx.activeOfKind(
      'stale_table',
      at,
      (f) =>
        f.caused_by === undefined &&
        f.target.table !== undefined &&
        [...job.behaviours.values()].some((t) => t.writes.includes(f.target.table ?? '')),
    );
    if (stale.length > 0) {
      for (const f of stale) this.#ctx.hit(f, at, {});
      return;
    }
    this.#startRun(job, { trigger: 'PERIODIC', manual: false, user: job.owner });
  }

  /** A file-arrival, table-update, periodic or continuous trigger fired. */
  #triggerFire(job: JobState, trigger: TriggeredBy): void {
    this.#startRun(job, { trigger, manual: false, user: job.owner });
  }

  /**
   * Owners cancelling their own runs: the run in flight at `at`, or else the next one a minute after it
   * starts. Ordinary work (a wrong parameter, a run started by mistake), not a failure.
   */
  #scheduleCancellations(): void {
    const ctx = this.#ctx;
    for (const c of this.scenario.cancellations) {
      const job = this.#jobsByName.get(c.job);
      if (!job) continue;
      const by = c.by ?? job.owner;
      ctx.at(resolveInstant(c.at, ctx.scenarioStartMs), () => {
        const inFlight = this.#activeRuns(job).filter((r) => r.phase !== 'QUEUED');
        if (inFlight.length === 0) this.#cancelNext.set(job, by);
        for (const run of inFlight) this.byPerson(() => this.cancelRun(run.runId, by));
      });
    }
  }

  #scheduleFaultMarkers(): void {
    const ctx = this.#ctx;
    for (const f of ctx.faults) {
      if (f.fault.kind === 'spot_loss' && f.fault.target.cluster !== undefined && !f.fault.target.job) {
        const c = this.clusters.byName.get(f.fault.target.cluster);
        if (c) ctx.at(f.startMs, () => this.#reclaimSpot(c, f));
      }
      if (f.fault.kind === 'revoked_grant' && f.fault.target.grant) {
        const g = f.fault.target.grant;
        const owner = this.scenario.tables.find((t) => t.name === g.table)?.owner ?? 'admin@example.com';
        const privilege = this.scenario.grants.find(
          (x) => x.table === g.table && x.principal === g.principal,
        )?.privilege;
        ctx.at(f.startMs, () =>
          ctx.audit('unityCatalog', 'updatePermissions', owner, {
            securable_type: 'table',
            securable_full_name: g.table,
            changes: JSON.stringify([{ principal: g.principal, remove: [privilege ?? 'SELECT'] }]),
          }),
        );
      }
      if (f.fault.kind === 'revoked_permission' && f.fault.target.permission) {
        ctx.at(f.startMs, () => this.#auditAclChange(f));
      }
      if (f.fault.kind === 'cost_spike' && f.fault.target.team) {
        ctx.at(f.startMs, () => {
          ctx.hit(f, ctx.now(), {});
          this.#deployWidening(f);
        });
        ctx.at(f.endMs, () => this.#rollBackWidening(f));
      }
    }
  }

  /**
   * Someone takes a principal's level on a cluster, job or pipeline away: the object's owner, through the
   * Permissions API, which the audit log records as the object's ACL change (`clusters`
   * `changeClusterAcl`, `jobs` `changeJobAcl`, `deltaPipelines` `changePipelineAcls`) with the principal
   * by its SCIM id (`targetUserId`), the object's id (`resourceId`) and what the principal holds after
   * the change (`aclPermissionSet`, in the ACL service's words; `None` when nothing is left).
   */
  #auditAclChange(f: FaultState): void {
    const object = this.#aclObject(f.fault.target.permission);
    const p = f.fault.target.permission;
    if (object === undefined || p === undefined) return;
    const revoked = this.revokedPermissions();
    const left = this.scenario.permissions.find(
      (x) =>
        x[object.type] === object.name &&
        x.principal === p.principal &&
        !revoked.some((r) => r.type === object.type && r.principal === x.principal && r.level === x.level),
    );
    const [service, action] = ACL_AUDIT_ACTIONS[object.type];
    this.#ctx.audit(service, action, object.owner, {
      targetUserId: scimId(p.principal),
      resourceId: object.id,
      aclPermissionSet: left === undefined ? 'None' : (ACL_SERVICE_NAMES[left.level] ?? left.level),
    });
  }

  /** The cluster, job or pipeline a `revoked_permission` fault names, as its ACL knows it. */
  #aclObject(
    p: { job?: string | undefined; cluster?: string | undefined; pipeline?: string | undefined } | undefined,
  ): AclTarget | undefined {
    const named = p && revocableObjectOf(p);
    switch (named?.type) {
      case 'cluster': {
        const c = this.clusters.byName.get(named.name);
        return c && { type: 'cluster', id: c.clusterId, name: c.name, owner: c.owner };
      }
      case 'job': {
        const j = this.#jobsByName.get(named.name);
        return j && { type: 'job', id: String(j.jobId), name: named.name, owner: j.owner };
      }
      case 'pipeline': {
        const x = this.pipelines.byName.get(named.name);
        return x && { type: 'pipeline', id: x.pipelineId, name: x.spec.name, owner: x.spec.owner };
      }
      default:
        return undefined;
    }
  }

  /**
   * The `revoked_permission` fault that leaves the job's run-as principal (its owner) unable to use the
   * object now: it took away a level of theirs (or of a group of theirs) on it, and nothing else left
   * gives them one (ownership, `admins`, another entry).
   */
  #deniedUse(job: JobState, object: AclTarget, now: number): FaultState | undefined {
    const revoked = this.revokedPermissions(now);
    if (!revoked.some((r) => r.type === object.type && r.name === object.name)) return undefined;
    // Every workspace user is in `users`.
    const isMember = (group: string) => group === 'users' || this.#isPrincipal(job.owner, group);
    if (mayUse(this.scenario, object, job.owner, isMember, revoked)) return undefined;
    return this.#ctx
      .activeOfKind('revoked_permission', now, (f) => f.target.permission?.[object.type] === object.name)
      .find((f) => isMember(f.fault.target.permission?.principal ?? ''));
  }

  /**
   * A cost spike is a deploy: its team's jobs get job clusters `factor`× wider through `jobs/update` by
   * each job's owner, which writes what Databricks writes for it (a `jobs`/`update` audit row with the
   * new settings and a new `lakeflow.jobs` row). Runs started from then on launch the wider clusters.
   */
  #deployWidening(f: FaultState): void {
    const changed = new Map<number, { before: JobClusters; after: JobClusters }>();
    for (const job of this.jobs.values()) {
      const before = job.settings.job_clusters ?? [];
      if (job.deleted || job.team !== f.fault.target.team || before.length === 0) continue;
      const after = widenedClusters(before, f.fault.factor ?? 4);
      if (JSON.stringify(after) === JSON.stringify(before)) continue;
      this.updateJob(job.jobId, { job_clusters: after }, [], job.owner);
      changed.set(job.jobId, { before, after: job.settings.job_clusters ?? after });
    }
    this.#deploys.set(f, { jobs: changed, rolledBack: false });
  }

  /**
   * The deploy rolled back at the fault's end (or once its `occurrences` are used up), by the same
   * people, on the jobs that still carry it: a job someone changed again since keeps that change.
   */
  #rollBackWidening(f: FaultState): void {
    const deploy = this.#deploys.get(f);
    if (deploy === undefined || deploy.rolledBack) return;
    deploy.rolledBack = true;
    for (const [jobId, { before, after }] of deploy.jobs) {
      const job = this.jobs.get(jobId);
      if (job === undefined || job.deleted || job.settings.job_clusters !== after) continue;
      this.updateJob(jobId, { job_clusters: before }, [], job.owner);
    }
  }

  /**
   * The cost spike whose deploy put `spec` on `job`, and the spec it replaced: a run started before the
   * rollback still launches the deployed spec, whose extra workers idle all the same.
   */
  #deployedSpec(job: JobState, spec: ClusterSpec): { f: FaultState; before: ClusterSpec } | undefined {
    for (const [f, deploy] of this.#deploys) {
      const clusters = deploy.jobs.get(job.jobId);
      const key = clusters?.after.find((c) => c.new_cluster === spec)?.job_cluster_key;
      const before = clusters?.before.find((c) => c.job_cluster_key === key)?.new_cluster;
      if (key !== undefined && before !== undefined) return { f, before };
    }
    return undefined;
  }

  /**
   * The cloud reclaims a shared cluster's spot nodes: every task running on it fails within minutes, each
   * job with the same executor-lost (or driver-lost) wording, and the cluster says NODES_LOST. An
   * on-demand cluster (or one whose `first_on_demand` covers every node) loses nothing.
   */
  #reclaimSpot(c: ClusterState, f: FaultState): void {
    const ctx = this.#ctx;
    if (f.resolvedAt !== undefined) return;
    const lost = this.clusters.reclaimSpot(c, f, f.endMs);
    if (lost === undefined) return;
    const now = this.now();
    ctx.hit(f, now, { resourceId: c.clusterId });
    let n = 0;
    for (const run of [...this.#active].sort((a, b) => a.runId - b.runId)) {
      for (const task of run.latest.values()) {
        if (task.ended || task.clusterId !== c.clusterId) continue;
        // Stages lose their executors one after another: the tasks fail a minute or two apart.
        const at = Math.max(now, task.execAt) + 60_000 + 20_000 * n++;
        if (task.endAt <= at) continue;
        ctx.hit(f, now, { runId: run.runId, taskRunId: task.runId });
        task.faultIds.push(f.fault.id);
        task.rows = 0;
        this.#scheduleEnd(
          run,
          task,
          at,
          withMessage(spotReclaimFailure(c.clusterId, lost.driver), f.fault.message),
        );
      }
    }
  }

  #onHour(hourStart: number): void {
    // In-flight runs get their finished hourly slices now (result columns NULL), as Databricks writes them.
    for (const run of this.#active) {
      if (run.phase === 'QUEUED') continue;
      this.#runTimelineRows(run, hourStart);
      for (const t of run.tasks)
        if (!t.ended && t.queuedAt < hourStart) this.#taskTimelineRows(run, t, hourStart);
    }
    this.clusters.onHour(hourStart);
    this.warehouses.onHour(hourStart);
    this.pipelines.onHour(hourStart);
    this.#queue.push(hourStart + HOUR, () => this.#onHour(hourStart + HOUR));
  }

  // ───────────────────────────── jobs API ─────────────────────────────

  getJob(jobId: number): JobState {
    const job = this.jobs.get(jobId);
    if (!job || job.deleted) throw invalidParam(`Job ${jobId} does not exist.`);
    return job;
  }

  listJobs(): JobState[] {
    return [...this.jobs.values()].filter((j) => !j.deleted).sort((a, b) => a.jobId - b.jobId);
  }

  createJob(settings: JobSettings, user: string): number {
    validateSettings(settings);
    const ctx = this.#ctx;
    const jobId = ctx.nextRunId();
    ctx.audit('jobs', 'create', user, { job_id: String(jobId), new_settings: JSON.stringify(settings) });
    const team = settings.tags?.team ?? '';
    const job = this.#addJob(
      jobId,
      { max_concurrent_runs: 1, queue: { enabled: true }, ...settings },
      undefined,
      user,
      this.now(),
    );
    job.team = team;
    return jobId;
  }

  /** `jobs/update`: top-level keys replace; `tasks`/`job_clusters` merge by key (docs/databricks.md, Jobs: update against reset). */
  updateJob(jobId: number, newSettings: Partial<JobSettings>, fieldsToRemove: string[], user: string): void {
    const job = this.getJob(jobId);
    const next: JobSettings = { ...job.settings };
    for (const [key, value] of Object.entries(newSettings)) {
      if (key === 'tasks' && Array.isArray(value))
        next.tasks = mergeByKey(next.tasks, value as TaskSettings[], 'task_key');
      else if (key === 'job_clusters' && Array.isArray(value)) {
        next.job_clusters = mergeByKey(
          next.job_clusters ?? [],
          value as NonNullable<JobSettings['job_clusters']>,
          'job_cluster_key',
        );
      } else next[key] = value;
    }
    for (const field of fieldsToRemove) {
      const [head, key] = field.split('/');
      if (head === 'tasks' && key) next.tasks = next.tasks.filter((t) => t.task_key !== key);
      else if (head === 'job_clusters' && key)
        next.job_clusters = (next.job_clusters ?? []).filter((c) => c.job_cluster_key !== key);
      else if (head && head !== 'name' && head !== 'tasks') delete next[head];
    }
    validateSettings(next);
    this.#ctx.audit('jobs', 'update', user, {
      job_id: String(jobId),
      new_settings: JSON.stringify(newSettings),
    });
    this.#applySettings(job, next, 'timeout_seconds' in newSettings);
  }

  /** `jobs/reset`: replaces all settings. */
  resetJob(jobId: number, newSettings: JobSettings, user: string): void {
    const job = this.getJob(jobId);
    validateSettings(newSettings);
    this.#ctx.audit('jobs', 'reset', user, {
      job_id: String(jobId),
      new_settings: JSON.stringify(newSettings),
    });
    this.#applySettings(job, newSettings, true);
  }

  #applySettings(job: JobState, next: JobSettings, timeoutChanged: boolean): void {
    const scheduleChanged =
      JSON.stringify([next.schedule, next.trigger, next.continuous]) !==
      JSON.stringify([job.settings.schedule, job.settings.trigger, job.settings.continuous]);
    this.#jobsByName.delete(job.settings.name);
    job.settings = next;
    this.#jobsByName.set(next.name, job);
    if (next.tags?.team) job.team = next.tags.team;
    this.#jobRows(job, this.now());
    if (scheduleChanged) this.#armSchedule(job);
    // Only timeout changes reach runs already in flight (docs/databricks.md, Jobs: update against reset).
    if (timeoutChanged) {
      for (const run of this.#activeRuns(job))
        run.settings = { ...run.settings, timeout_seconds: next.timeout_seconds };
    }
  }

  deleteJob(jobId: number, user: string): void {
    const job = this.getJob(jobId);
    this.#ctx.audit('jobs', 'delete', user, { job_id: String(jobId) });
    for (const run of this.#activeRuns(job)) this.cancelRun(run.runId, user);
    job.deleted = true;
    job.cronEpoch += 1;
    this.#triggers.arm(job);
    this.#jobRows(job, this.now(), true);
  }

  #activeRuns(job: JobState): RunState[] {
    return [...job.queued, ...job.recent.filter((r) => r.endTime === undefined && !job.queued.includes(r))];
  }

  /** `jobs/run-now`; a repeated idempotency token returns the first run. */
  runNow(
    jobId: number,
    opts: { user: string; idempotencyToken?: string; only?: string[]; params?: Record<string, string> },
  ): RunState {
    const job = this.getJob(jobId);
    if (opts.idempotencyToken !== undefined) {
      const existing = this.#tokens.get(opts.idempotencyToken);
      const run = existing === undefined ? undefined : this.#runs.get(existing);
      if (run) return run;
    }
    if (opts.only) {
      for (const key of opts.only) {
        if (!job.settings.tasks.some((t) => t.task_key === key))
          throw invalidParam(`Task ${key} does not exist in job ${jobId}.`);
      }
    }
    const run = this.#startRun(job, {
      trigger: 'ONE_TIME',
      manual: true,
      user: opts.user,
      only: opts.only,
      params: opts.params,
      idempotencyToken: opts.idempotencyToken,
    });
    this.#ctx.audit('jobs', 'runNow', opts.user, { job_id: String(jobId), run_id: String(run.runId) });
    return run;
  }

  getRun(runId: number): RunState {
    const run = this.#runs.get(runId);
    if (!run) {
      const task = this.#taskRuns.get(runId);
      if (task) return task.run;
      throw invalidParam(`Run ${runId} does not exist.`);
    }
    return run;
  }

  /** The task run behind a task run id; a multi-task parent run id is refused as Databricks does. */
  getTaskRun(runId: number): { run: RunState; task: TaskRun } {
    const found = this.#taskRuns.get(runId);
    if (found) return found;
    const run = this.#runs.get(runId);
    if (run && run.tasks.length === 1 && run.tasks[0]) return { run, task: run.tasks[0] };
    if (run) {
      throw invalidParam(
        'Retrieving the output of runs with multiple tasks is not supported. Please retrieve the output of each individual task run instead.',
      );
    }
    throw invalidParam(`Run ${runId} does not exist.`);
  }

  /** Runs newest first, as `runs/list` returns them. */
  listRuns(filter: {
    jobId?: number;
    activeOnly?: boolean;
    completedOnly?: boolean;
    startFrom?: number;
    startTo?: number;
  }): RunState[] {
    const jobs = filter.jobId === undefined ? [...this.jobs.values()] : [this.getJob(filter.jobId)];
    const out: RunState[] = [];
    for (const job of jobs) {
      for (const run of [...job.recent, ...job.queued]) {
        const active = run.endTime === undefined;
        if (filter.activeOnly && !active) continue;
        if (filter.completedOnly && active) continue;
        if (filter.startFrom !== undefined && run.startTime < filter.startFrom) continue;
        if (filter.startTo !== undefined && run.startTime > filter.startTo) continue;
        out.push(run);
      }
    }
    return out.sort((a, b) => b.startTime - a.startTime || b.runId - a.runId);
  }

  /** `runs/cancel`: asynchronous — TERMINATING now, TERMINATED/CANCELED a few seconds later. */
  cancelRun(runId: number, user: string): void {
    const found = this.#taskRuns.get(runId);
    const run = found ? found.run : this.getRun(runId);
    this.#ctx.audit('jobs', 'cancel', user, { run_id: String(runId) });
    if (run.endTime !== undefined || run.cancelRequested) return;
    run.cancelRequested = true;
    const job = run.job;
    const queuedIndex = job.queued.indexOf(run);
    if (queuedIndex >= 0) {
      job.queued.splice(queuedIndex, 1);
      this.#finishRun(run, { code: 'USER_CANCELED', type: 'SUCCESS', message: 'Run cancelled.' });
      return;
    }
    run.phase = 'TERMINATING';
    run.token += 1;
    this.#ctx.at(this.now() + 5_000, () => {
      for (const t of run.tasks) {
        if (t.ended) continue;
        t.token += 1;
        this.#endTask(run, t, {
          result: 'CANCELED',
          code: 'USER_CANCELED',
          type: 'SUCCESS',
          error: 'Run cancelled.',
          errorTrace: '',
        });
      }
      this.#finishRun(run, { code: 'USER_CANCELED', type: 'SUCCESS', message: `Run cancelled by ${user}.` });
    });
  }

  cancelAllRuns(jobId: number, user: string): void {
    const job = this.getJob(jobId);
    this.#ctx.audit('jobs', 'cancelAllRuns', user, { job_id: String(jobId) });
    for (const run of this.#activeRuns(job)) this.cancelRun(run.runId, user);
  }

  /**
   * `runs/repair`: reruns tasks inside the same run with the job's current settings; the second and
   * later repairs must name the latest repair id.
   */
  repairRun(
    runId: number,
    opts: {
      user: string;
      rerunTasks?: string[];
      rerunAllFailed?: boolean;
      rerunDependents?: boolean;
      latestRepairId?: number;
    },
  ): number {
    const run = this.#runs.get(runId);
    if (!run) throw invalidParam(`Run ${runId} does not exist.`);
    if (run.endTime === undefined)
      throw invalidState(`Run ${runId} is still in progress and cannot be repaired.`);
    if (run.job.deleted) throw invalidParam(`Job ${run.job.jobId} does not exist.`);
    const lastRepair = [...run.repairs].reverse().find((r) => r.type === 'REPAIR');
    if (lastRepair && opts.latestRepairId !== lastRepair.id) {
      throw invalidParam(
        `The latest repair ID for run ${runId} is ${lastRepair.id}. Please provide the latest_repair_id of the run to repair it.`,
      );
    }
    if (opts.rerunTasks && opts.rerunAllFailed)
      throw invalidParam('Only one of rerun_tasks and rerun_all_failed_tasks can be set.');
    const settings = run.job.settings;
    const keys = new Set<string>();
    if (opts.rerunAllFailed) {
      for (const [key, t] of run.latest) if (!SUCCESSFUL.has(t.result ?? '')) keys.add(key);
    } else {
      for (const key of opts.rerunTasks ?? []) {
        if (!settings.tasks.some((t) => t.task_key === key))
          throw invalidParam(`Task ${key} does not exist in job ${run.job.jobId}.`);
        keys.add(key);
      }
    }
    if (keys.size === 0) throw invalidParam('No tasks to repair: set rerun_tasks or rerun_all_failed_tasks.');
    if (opts.rerunDependents || opts.rerunAllFailed) {
      // Tasks after the repaired ones run again when they did not succeed (skipped, or never started in a
      // cancelled run); one that succeeded is kept unless `rerun_dependent_tasks` asks for it too, as in
      // Databricks, where only that flag reruns "tasks that depend on them, even if previously successful".
      const succeeded = (key: string) => SUCCESSFUL.has(run.latest.get(key)?.result ?? '');
      let grew = true;
      while (grew) {
        grew = false;
        for (const t of settings.tasks) {
          if (keys.has(t.task_key) || (!opts.rerunDependents && succeeded(t.task_key))) continue;
          if ((t.depends_on ?? []).some((d) => keys.has(d.task_key))) {
            keys.add(t.task_key);
            grew = true;
          }
        }
      }
    }
    const ctx = this.#ctx;
    this.#repairCounter += 1;
    const repairId = ctx.nextRunId() + this.#repairCounter;
    ctx.audit('jobs', 'repairRun', opts.user, {
      run_id: String(runId),
      latest_repair_id: String(opts.latestRepairId ?? ''),
      rerun_tasks: JSON.stringify([...keys]),
    });
    const now = this.now();
    run.repairs.push({ type: 'REPAIR', id: repairId, start_time: now, taskRunIds: [] });
    run.settings = settings;
    run.scope = keys;
    run.endTime = undefined;
    run.result = undefined;
    run.termination = undefined;
    run.phase = 'RUNNING';
    run.manual = true;
    run.cancelRequested = false;
    run.clusters = new Map();
    run.slicedTo = undefined;
    this.#active.add(run);
    run.job.activeCount += 1;
    for (const key of keys) run.latest.delete(key);
    this.#advanceRun(run);
    return repairId;
  }

  // ───────────────────────────── run engine ─────────────────────────────

  #startRun(
    job: JobState,
    opts: {
      trigger: string;
      manual: boolean;
      user: string;
      only?: string[] | undefined;
      params?: Record<string, string> | undefined;
      idempotencyToken?: string | undefined;
      parentTask?: { run: RunState; task: TaskRun };
    },
  ): RunState {
    const ctx = this.#ctx;
    const now = this.now();
    const runId = ctx.nextRunId();
    const scope = new Set(opts.only ?? job.settings.tasks.map((t) => t.task_key));
    const run: RunState = {
      runId,
      job,
      jobName: job.settings.name,
      trigger: opts.trigger,
      createdAt: now,
      startTime: now,
      endTime: undefined,
      phase: 'PENDING',
      result: undefined,
      termination: undefined,
      settings: job.settings,
      tasks: [],
      latest: new Map(),
      clusters: new Map(),
      repairs: [{ type: 'ORIGINAL', start_time: now, taskRunIds: [] }],
      idempotencyToken: opts.idempotencyToken,
      manual: opts.manual,
      params: opts.params ?? {},
      token: 0,
      parentTask: opts.parentTask,
      cancelRequested: false,
      scope,
    };
    this.#runs.set(runId, run);
    if (opts.idempotencyToken !== undefined) this.#tokens.set(opts.idempotencyToken, runId);
    job.recent.push(run);
    this.#evict(job);
    const limit = job.settings.max_concurrent_runs ?? 1;
    if (job.activeCount >= limit) {
      if ((job.settings.queue as { enabled?: boolean } | undefined)?.enabled === false) {
        run.phase = 'SKIPPED';
        this.#finishRun(run, {
          code: 'MAX_CONCURRENT_RUNS_EXCEEDED',
          type: 'CLIENT_ERROR',
          message: `Skipping this run because the limit of ${limit} maximum concurrent runs has been reached.`,
        });
        return run;
      }
      run.phase = 'QUEUED';
      job.queued.push(run);
      return run;
    }
    this.#beginRun(run);
    return run;
  }

  #beginRun(run: RunState): void {
    const now = this.now();
    this.#active.add(run);
    run.job.activeCount += 1;
    run.startTime = now;
    run.phase = 'RUNNING';
    this.#ctx.audit('jobs', 'runStart', run.job.owner, {
      jobId: String(run.job.jobId),
      runId: String(run.runId),
      jobTriggerType: run.trigger === 'PERIODIC' ? 'cron' : 'manual',
    });
    this.#notify('jobs.on_start', run);
    const canceller = this.#cancelNext.get(run.job);
    if (canceller !== undefined) {
      this.#cancelNext.delete(run.job);
      this.#ctx.at(now + 60_000, () => this.byPerson(() => this.cancelRun(run.runId, canceller)));
    }
    this.#advanceRun(run);
  }

  #evict(job: JobState): void {
    while (job.recent.length > this.#recentPerJob) {
      const index = job.recent.findIndex((r) => r.endTime !== undefined);
      if (index < 0) break;
      const [old] = job.recent.splice(index, 1);
      if (!old) break;
      this.#runs.delete(old.runId);
      for (const t of old.tasks) this.#taskRuns.delete(t.runId);
      if (old.idempotencyToken !== undefined) this.#tokens.delete(old.idempotencyToken);
    }
  }

  /** Starts every task whose dependencies are done, skips those whose upstream failed, ends the run when all are final. */
  #advanceRun(run: RunState): void {
    if (run.endTime !== undefined || run.cancelRequested) return;
    const tasks = run.settings.tasks;
    let changed = true;
    while (changed) {
      changed = false;
      for (const t of tasks) {
        const key = t.task_key;
        if (!run.scope.has(key) || run.latest.has(key)) continue;
        let ready = true;
        let upstreamOk = true;
        for (const d of t.depends_on ?? []) {
          const dep = run.latest.get(d.task_key);
          if (dep === undefined) {
            // A dependency removed from the settings no longer gates the task.
            if (tasks.some((x) => x.task_key === d.task_key)) ready = false;
            continue;
          }
          if (!dep.ended) ready = false;
          else if (!SUCCESSFUL.has(dep.result ?? '')) upstreamOk = false;
        }
        if (!ready) continue;
        if (upstreamOk) {
          // A repaired task continues the attempt numbering of its earlier task runs.
          let attempt = 0;
          for (const x of run.tasks) if (x.key === key) attempt++;
          this.#startTask(run, t, attempt);
        } else {
          this.#skipTask(run, t);
        }
        changed = true;
      }
    }
    for (const key of run.scope) {
      const t = run.latest.get(key);
      if (t === undefined || !t.ended) return;
    }
    this.#completeRun(run);
  }

  #newTaskRun(run: RunState, settings: TaskSettings, attempt: number): TaskRun {
    const now = this.now();
    const task: TaskRun = {
      key: settings.task_key,
      runId: this.#ctx.nextRunId(),
      attempt,
      settings,
      behaviour: run.job.behaviours.get(settings.task_key),
      queuedAt: now,
      execAt: now,
      endAt: now,
      ended: false,
      result: undefined,
      lifeCycle: 'PENDING',
      failure: undefined,
      stateMessage: '',
      clusterId: undefined,
      warehouseId: undefined,
      rows: 0,
      faultIds: [],
      manual: run.manual,
      token: 0,
    };
    run.tasks.push(task);
    run.latest.set(task.key, task);
    run.repairs.at(-1)?.taskRunIds.push(task.runId);
    this.#taskRuns.set(task.runId, { run, task });
    return task;
  }

  #skipTask(run: RunState, settings: TaskSettings): void {
    const task = this.#newTaskRun(run, settings, 0);
    task.ended = true;
    task.lifeCycle = 'SKIPPED';
    task.result = 'UPSTREAM_FAILED';
    task.stateMessage = 'Upstream task(s) failed.';
    task.failure = {
      result: 'FAILED',
      code: 'SKIPPED',
      type: 'CLIENT_ERROR',
      error: 'Upstream task(s) failed.',
      errorTrace: '',
    };
    this.#taskTimelineRows(run, task);
    // Ground truth for skipped_downstream / stale_table faults caused by the upstream failure.
    for (const f of [
      ...this.#ctx.faultsOfKind('skipped_downstream'),
      ...this.#ctx.faultsOfKind('stale_table'),
    ]) {
      if (this.now() < f.startMs || this.now() >= f.endMs) continue;
      const target = f.fault.target;
      const writes = task.behaviour?.writes ?? [];
      const matches =
        (target.job === run.job.settings.name && (target.task === undefined || target.task === task.key)) ||
        (target.table !== undefined && writes.includes(target.table));
      if (matches) this.#ctx.hit(f, this.now(), { runId: run.runId, taskRunId: task.runId });
    }
  }

  #behaviourOf(task: TaskRun) {
    const base = this.scenario.baseline;
    return {
      duration: task.behaviour?.duration ?? base.duration,
      rows: task.behaviour?.rows ?? base.rows,
      reads: task.behaviour?.reads ?? [],
      writes: task.behaviour?.writes ?? [],
    };
  }

  #clusterMemoryMb(spec: {
    node_type_id: string;
    driver_node_type_id?: string;
    num_workers?: number;
    autoscale?: { max_workers: number };
  }): number {
    const workers = spec.num_workers ?? spec.autoscale?.max_workers ?? 0;
    return (
      nodeType(spec.node_type_id).memory_mb * workers +
      nodeType(spec.driver_node_type_id ?? spec.node_type_id).memory_mb
    );
  }

  #startTask(run: RunState, settings: TaskSettings, attempt: number): void {
    // A task of a person's run (a repair, a run-now) draws from the people's stream, and so does the job
    // cluster it launches: the scheduled workload's draws stay what they would have been.
    if (run.manual) this.#ctx.byPerson(() => this.#startTaskNow(run, settings, attempt));
    else this.#startTaskNow(run, settings, attempt);
  }

  #startTaskNow(run: RunState, settings: TaskSettings, attempt: number): void {
    const ctx = this.#ctx;
    const job = run.job;
    const task = this.#newTaskRun(run, settings, attempt);
    const now = this.now();
    const b = this.#behaviourOf(task);
    const jobName = job.settings.name;
    const manual = run.manual;
    const faults = ctx.activeForJob(
      jobName,
      now,
      (f) => f.target.task === undefined || f.target.task === task.key,
    );
    const applies = (f: FaultState) => !(manual && isTransient(f));
    const hit = (f: FaultState) => {
      ctx.hit(f, now, { runId: run.runId, taskRunId: task.runId });
      task.faultIds.push(f.fault.id);
    };

    // Compute: job cluster (launched once per run), all-purpose cluster, warehouse, or serverless.
    let setupEnd = now + ctx.prng.int(5_000, 30_000);
    let cluster: ClusterState | undefined;
    let memoryMb = 0;
    // The cores the task's work spreads over, against those its scenario duration is for.
    let cores = { now: 0, baseline: 0 };
    if (settings.job_cluster_key) {
      const key = settings.job_cluster_key;
      const def = run.settings.job_clusters?.find((c) => c.job_cluster_key === key);
      if (!def) {
        this.#failNow(run, task, {
          result: 'FAILED',
          code: 'INVALID_RUN_CONFIGURATION',
          type: 'CLIENT_ERROR',
          error: `Job cluster key ${key} is not defined in job_clusters.`,
          errorTrace: '',
        });
        return;
      }
      const deployed = this.#deployedSpec(job, def.new_cluster);
      cluster = run.clusters.get(key);
      if (!cluster) {
        const workers = def.new_cluster.num_workers ?? def.new_cluster.autoscale?.min_workers ?? 1;
        if (deployed && ctx.activeOfKind('cost_spike', now, (x) => x === deployed.f.fault).length > 0) {
          ctx.hit(deployed.f, now, { runId: run.runId });
          // Its last counted launch: the deploy is rolled back before the job's next run.
          if (deployed.f.fault.occurrences !== undefined && deployed.f.hits >= deployed.f.fault.occurrences)
            this.#rollBackWidening(deployed.f);
        }
        const capacity = faults.find((f) => f.fault.kind === 'cloud_capacity' && applies(f));
        if (capacity) hit(capacity);
        cluster = this.clusters.launchJobCluster({
          spec: def.new_cluster,
          workers,
          jobId: job.jobId,
          runId: run.runId,
          runName: jobName,
          owner: job.owner,
          tags: { ...(job.settings.tags ?? {}), JobId: String(job.jobId), RunName: jobName },
          launchFailure: capacity ? capacityTermination(ctx.cloud, def.new_cluster.node_type_id) : undefined,
          launchMessage: capacity?.fault.message,
        });
        run.clusters.set(key, cluster);
      }
      setupEnd = Math.max(now, cluster.readyAt);
      memoryMb = this.#clusterMemoryMb(def.new_cluster);
      // The spec's workers, not a cost spike's extra ones: those idle (the work has no more partitions).
      cores = {
        now: clusterCores(deployed?.before ?? def.new_cluster),
        baseline: job.baselineCores.get(key) ?? 0,
      };
      task.clusterId = cluster.clusterId;
      if (cluster.terminationReason && cluster.terminationReason.code !== 'JOB_FINISHED') {
        task.execAt = setupEnd;
        this.#scheduleEnd(
          run,
          task,
          setupEnd,
          withMessage(
            clusterLaunchFailure(cluster.clusterId, cluster.terminationReason),
            cluster.launchMessage,
          ),
        );
        return;
      }
    } else if (settings.existing_cluster_id) {
      cluster = this.clusters.byId.get(settings.existing_cluster_id);
      if (!cluster) {
        this.#failNow(run, task, {
          result: 'FAILED',
          code: 'RESOURCE_NOT_FOUND',
          type: 'CLIENT_ERROR',
          error: `Cluster ${settings.existing_cluster_id} does not exist`,
          errorTrace: '',
        });
        return;
      }
      const denied = this.#deniedUse(
        job,
        { type: 'cluster', id: cluster.clusterId, name: cluster.name, owner: cluster.owner },
        now,
      );
      if (denied) {
        hit(denied);
        task.clusterId = cluster.clusterId;
        this.#failNow(
          run,
          task,
          withMessage(
            objectPermissionFailure(job.owner, {
              type: 'cluster',
              name: cluster.name,
              id: cluster.clusterId,
            }),
            denied.fault.message,
          ),
        );
        return;
      }
      if (cluster.state === 'TERMINATED') this.clusters.start(cluster.clusterId, job.owner);
      setupEnd = Math.max(now, cluster.readyAt);
      memoryMb = this.#clusterMemoryMb(cluster.spec);
      cores = { now: clusterCores(cluster.spec), baseline: cluster.baselineCores };
      task.clusterId = cluster.clusterId;
      if (cluster.unresponsive) {
        hit(cluster.unresponsive);
        this.#scheduleEnd(
          run,
          task,
          setupEnd + 60_000,
          withMessage(driverUnresponsiveFailure(), cluster.unresponsive.fault.message),
        );
        return;
      }
      // Spot nodes reclaimed and not replaced yet: the task's stages lose their executors too.
      const lost = cluster.spotLost;
      if (lost !== undefined && applies(lost.fault)) {
        hit(lost.fault);
        task.execAt = setupEnd;
        this.#scheduleEnd(
          run,
          task,
          setupEnd + 90_000,
          withMessage(spotReclaimFailure(cluster.clusterId, lost.driver), lost.fault.fault.message),
        );
        return;
      }
    } else if (settings.sql_task) {
      const w = this.warehouses.byId.get(settings.sql_task.warehouse_id);
      if (w) {
        task.warehouseId = w.id;
        if (w.state === 'STOPPED' || w.state === 'STOPPING') this.warehouses.start(w.id, job.owner, true);
        setupEnd = Math.max(now + 1_000, w.readyAt);
      }
    }
    task.execAt = setupEnd;

    // A cluster resized since the scenario was written runs the same work faster or slower.
    const onCluster = (ms: number) => durationOnCluster(ms, cores.baseline, cores.now);
    let durationMs = onCluster(
      Math.max(30_000, ctx.prng.jitter(b.duration.mean_minutes, b.duration.jitter) * 60_000),
    );
    let rows = Math.max(0, Math.round(ctx.prng.jitter(b.rows.mean, b.rows.jitter)));
    let failure: TaskFailure | undefined;
    let failAtFraction = 1;
    let timeoutMessage: string | undefined;

    for (const f of faults) {
      const kind = f.fault.kind;
      if (!applies(f) && kind !== 'oom' && kind !== 'timeout') continue;
      switch (kind) {
        case 'duration_spike':
          durationMs *= f.fault.factor ?? 3;
          hit(f);
          break;
        case 'row_count_drop':
          rows = Math.round(rows * (f.fault.factor ?? 0.08));
          hit(f);
          break;
        case 'zero_rows':
          rows = 0;
          hit(f);
          break;
        case 'oom': {
          f.baselineMemoryMb ??= memoryMb;
          if (memoryMb > f.baselineMemoryMb) break;
          failure ??= withMessage(oomFailure(), f.fault.message);
          failAtFraction = 0.6;
          hit(f);
          break;
        }
        case 'timeout': {
          durationMs = onCluster(b.duration.mean_minutes * 60_000 * (f.fault.factor ?? 4));
          if (manual && isTransient(f)) durationMs = onCluster(b.duration.mean_minutes * 60_000);
          else {
            hit(f);
            timeoutMessage ??= f.fault.message;
          }
          break;
        }
        case 'task_error':
          failure ??= f.fault.message
            ? customFailure(f.fault.message)
            : tableNotFoundFailure(b.reads[0] ?? 'main.default.source');
          failAtFraction = 0.3;
          hit(f);
          break;
        case 'concurrency_conflict':
          failure ??= withMessage(
            concurrentAppendFailure(b.writes[0] ?? 'main.default.target'),
            f.fault.message,
          );
          failAtFraction = 0.9;
          hit(f);
          break;
        case 'spot_loss':
          failure ??= withMessage(spotLossFailure(), f.fault.message);
          failAtFraction = 0.5;
          if (cluster)
            cluster.events.push({
              cluster_id: cluster.clusterId,
              timestamp: setupEnd + durationMs * 0.4,
              type: 'NODES_LOST',
              details: {
                current_num_workers: Math.max(0, cluster.workers - 1),
                target_num_workers: cluster.workers,
                reason: spotTermination(ctx.cloud, cluster.spec.node_type_id, cluster.clusterId),
              },
            });
          hit(f);
          break;
        default:
          break;
      }
    }
    // Revoked grants: a task reading the table as the (member of the) revoked principal is denied.
    if (!failure) {
      for (const f of ctx.activeOfKind('revoked_grant', now)) {
        const g = f.fault.target.grant;
        if (!g || !b.reads.includes(g.table) || !this.#isPrincipal(job.owner, g.principal)) continue;
        const privilege =
          this.scenario.grants.find((x) => x.table === g.table && x.principal === g.principal)?.privilege ??
          'SELECT';
        failure = withMessage(insufficientPermissionsFailure(g.table, privilege), f.fault.message);
        failAtFraction = 0.05;
        hit(f);
      }
    }
    // A run_job or pipeline task whose run-as may no longer run the job or start the pipeline it names.
    if (!failure) {
      const child = settings.run_job_task && this.jobs.get(settings.run_job_task.job_id);
      const pipeline = settings.pipeline_task && this.pipelines.byId.get(settings.pipeline_task.pipeline_id);
      const object: AclTarget | undefined = child
        ? { type: 'job', id: String(child.jobId), name: child.settings.name, owner: child.owner }
        : pipeline
          ? {
              type: 'pipeline',
              id: pipeline.pipelineId,
              name: pipeline.spec.name,
              owner: pipeline.spec.owner,
            }
          : undefined;
      const denied = object && this.#deniedUse(job, object, now);
      if (object && denied) {
        failure = withMessage(
          objectPermissionFailure(job.owner, { type: object.type, name: object.name, id: object.id }),
          denied.fault.message,
        );
        failAtFraction = 0.02;
        hit(denied);
      }
    }
    if (!failure && ctx.prng.chance(this.scenario.baseline.failure_rate)) {
      failure = backgroundFailure(ctx.prng.next());
      failAtFraction = ctx.prng.next();
    }
    const timeout = (settings.timeout_seconds ?? 0) || (run.settings.timeout_seconds ?? 0);
    if (timeout > 0 && durationMs * (failure ? failAtFraction : 1) > timeout * 1000) {
      failure = withMessage(timeoutFailure(timeout), timeoutMessage);
      durationMs = timeout * 1000;
      failAtFraction = 1;
    }
    task.rows = failure ? 0 : rows;

    if (settings.run_job_task && !failure) {
      const child = this.jobs.get(settings.run_job_task.job_id);
      if (child && !child.deleted) {
        ctx.at(setupEnd, () => {
          if (task.ended) return;
          const childRun = this.#startRun(child, {
            trigger: 'RUN_JOB_TASK',
            manual: run.manual,
            user: job.owner,
            parentTask: { run, task },
          });
          task.childRunId = childRun.runId;
        });
        return;
      }
    }
    if (settings.pipeline_task && !failure) {
      const pipeline = this.pipelines.byId.get(settings.pipeline_task.pipeline_id);
      if (pipeline) {
        ctx.at(setupEnd, () => {
          if (task.ended) return;
          try {
            const u = this.pipelines.startUpdate(pipeline.pipelineId, {
              cause: run.manual ? 'USER_ACTION' : 'JOB_TASK',
              user: job.owner,
              triggeredBy: { jobId: job.jobId, runId: run.runId, taskRunId: task.runId },
              onEnd: (update) => {
                if (task.ended) return;
                const f: TaskFailure | undefined =
                  update.result === 'COMPLETED'
                    ? undefined
                    : {
                        result: update.result === 'CANCELED' ? 'CANCELED' : 'FAILED',
                        code: 'RUN_EXECUTION_ERROR',
                        type: 'CLIENT_ERROR',
                        error: `Pipeline update ${update.updateId} ${update.result}: ${update.error ?? 'cancelled'}`,
                        errorTrace: '',
                      };
                this.#endTask(run, task, f);
              },
            });
            task.updateId = u.updateId;
          } catch (error) {
            this.#endTask(run, task, customFailure((error as Error).message));
          }
        });
        return;
      }
    }
    this.#scheduleEnd(run, task, setupEnd + durationMs * (failure ? failAtFraction : 1), failure);
  }

  #isPrincipal(user: string, principal: string): boolean {
    return (
      user === principal || (this.#groups.get(principal)?.has(user) ?? false) || principal === 'account users'
    );
  }

  #failNow(run: RunState, task: TaskRun, failure: TaskFailure): void {
    this.#scheduleEnd(run, task, this.now(), failure);
  }

  #scheduleEnd(run: RunState, task: TaskRun, at: number, failure: TaskFailure | undefined): void {
    task.endAt = Math.round(at);
    const token = task.token;
    this.#ctx.at(task.endAt, () => {
      if (task.token === token && !task.ended) this.#endTask(run, task, failure);
    });
  }

  #endTask(run: RunState, task: TaskRun, failure: TaskFailure | undefined): void {
    const ctx = this.#ctx;
    const now = this.now();
    task.ended = true;
    task.endAt = now;
    task.lifeCycle = 'TERMINATED';
    task.failure = failure;
    task.result = failure ? failure.result : 'SUCCESS';
    task.stateMessage = failure ? failure.error : '';
    if (failure) task.rows = 0;
    this.#taskTimelineRows(run, task);
    const b = this.#behaviourOf(task);
    const executed = now > task.execAt && failure?.code !== 'CLUSTER_ERROR';
    if (executed) {
      for (const target of b.writes) {
        const sources = b.reads.length > 0 ? b.reads : [undefined];
        for (const source of sources) {
          lineageRow(ctx, {
            source,
            target,
            entityType: 'JOB',
            entityId: String(run.job.jobId),
            runId: String(run.runId),
            createdBy: run.job.owner,
            metadata: { job_info: { job_id: String(run.job.jobId), job_run_id: String(run.runId) } },
          });
        }
        if (!failure) ctx.tableUpdated(target);
        ctx.emit('ops.etl_audit', {
          table_full_name: target,
          job_id: String(run.job.jobId),
          run_id: String(run.runId),
          task_key: task.key,
          task_run_id: String(task.runId),
          rows_written: failure ? 0 : task.rows,
          load_time: now,
          status: failure ? 'FAILED' : 'SUCCEEDED',
        });
      }
      if (b.writes.length === 0 && b.reads.length > 0) {
        for (const source of b.reads) {
          lineageRow(ctx, {
            source,
            target: undefined,
            entityType: 'JOB',
            entityId: String(run.job.jobId),
            runId: String(run.runId),
            createdBy: run.job.owner,
            metadata: { job_info: { job_id: String(run.job.jobId), job_run_id: String(run.runId) } },
          });
        }
      }
      if (task.settings.sql_task && task.warehouseId) this.#sqlTaskQuery(run, task, b.writes[0], failure);
      if (
        !task.clusterId &&
        !task.settings.sql_task &&
        !task.settings.run_job_task &&
        !task.settings.pipeline_task
      ) {
        this.#billServerless(run, task);
      }
    }
    const s = task.settings;
    const maxRetries = s.max_retries ?? 0;
    const retriable =
      failure !== undefined &&
      failure.result !== 'CANCELED' &&
      !run.cancelRequested &&
      (maxRetries === -1 || task.attempt < maxRetries) &&
      (failure.result !== 'TIMEDOUT' || s.retry_on_timeout === true);
    if (retriable) {
      // Between attempts the task waits; the next attempt is a new task run with the next attempt number.
      const retryAt = now + Math.max(s.min_retry_interval_millis ?? 0, 1_000);
      const attempt = task.attempt + 1;
      run.latest.set(task.key, { ...task, ended: false, lifeCycle: 'WAITING_FOR_RETRY' });
      ctx.at(retryAt, () => {
        if (run.cancelRequested || run.endTime !== undefined) return;
        this.#startTask(run, run.settings.tasks.find((t) => t.task_key === task.key) ?? s, attempt);
      });
      return;
    }
    this.#advanceRun(run);
  }

  #sqlTaskQuery(
    run: RunState,
    task: TaskRun,
    table: string | undefined,
    failure: TaskFailure | undefined,
  ): void {
    const w = task.warehouseId ? this.warehouses.byId.get(task.warehouseId) : undefined;
    if (!w) return;
    const record = this.warehouses.runQuery(w, {
      text: table
        ? `INSERT OVERWRITE ${table} SELECT * FROM staging_${task.key}`
        : `SELECT * FROM ${task.key}`,
      statementType: table ? 'INSERT' : 'SELECT',
      user: run.job.owner,
      durationMs: 0,
      readBytes: task.rows * 200,
      client: 'Databricks Jobs',
      recordOnly: true,
      jobInfo: {
        job_id: String(run.job.jobId),
        job_run_id: String(run.runId),
        job_task_run_id: String(task.runId),
      },
      ...(failure ? { error: failure.error } : {}),
    });
    record.startMs = task.execAt;
    record.execStartMs = task.execAt;
  }

  #billServerless(run: RunState, task: TaskRun): void {
    const ctx = this.#ctx;
    ctx.bill(task.execAt, task.endAt, 6, {
      sku_name: skuNames(ctx.cloud).jobsServerless,
      billing_origin_product: 'JOBS',
      custom_tags: run.job.settings.tags ?? {},
      usage_metadata: {
        job_id: String(run.job.jobId),
        job_run_id: String(run.runId),
        cluster_id: null,
        job_name: run.jobName,
      },
      identity_metadata: { run_as: run.job.owner, owned_by: run.job.owner, created_by: run.job.owner },
      product_features: {
        jobs_tier: 'CLASSIC',
        sql_tier: null,
        dlt_tier: null,
        is_serverless: true,
        is_photon: true,
        serving_type: null,
      },
    });
  }

  #completeRun(run: RunState): void {
    const finals = [...run.latest.values()];
    const failed = finals.find((t) => t.result === 'FAILED' || t.result === 'TIMEDOUT');
    const canceled = finals.find((t) => t.result === 'CANCELED');
    if (canceled && !failed) {
      this.#finishRun(run, { code: 'USER_CANCELED', type: 'SUCCESS', message: 'Run cancelled.' });
      return;
    }
    if (failed) {
      const f = failed.failure;
      const skipped = finals.some((t) => t.result === 'UPSTREAM_FAILED');
      this.#finishRun(run, {
        code: f?.code ?? 'RUN_EXECUTION_ERROR',
        type: f?.type ?? 'CLIENT_ERROR',
        message: `Task ${failed.key} failed with message: ${f?.error ?? 'Workload failed, see run output for details'}.${skipped ? ' This caused all downstream tasks to get skipped.' : ''}`,
        result: finals.every((t) => t.result !== 'FAILED') ? 'TIMEDOUT' : 'FAILED',
      });
      return;
    }
    this.#finishRun(run, { code: 'SUCCESS', type: 'SUCCESS', message: '' });
  }

  #finishRun(run: RunState, end: { code: string; type: string; message: string; result?: string }): void {
    const ctx = this.#ctx;
    const now = this.now();
    const wasActive = run.phase !== 'QUEUED' && run.phase !== 'SKIPPED';
    run.endTime = now;
    this.#active.delete(run);
    run.termination = { code: end.code, type: end.type, message: end.message };
    if (run.phase === 'SKIPPED') run.result = undefined;
    else {
      run.phase = 'TERMINATED';
      run.result =
        end.result ??
        (end.code === 'SUCCESS' ? 'SUCCESS' : end.code === 'USER_CANCELED' ? 'CANCELED' : 'FAILED');
    }
    const repair = run.repairs.at(-1);
    if (repair) {
      repair.end_time = now;
      repair.result = run.result;
    }
    for (const cluster of run.clusters.values()) {
      const oomTask = run.tasks.find(
        (t) => t.clusterId === cluster.clusterId && t.failure?.code === 'DRIVER_ERROR',
      );
      const idle = ctx
        .faultsOfKind('cost_spike')
        .some((f) => f.fault.target.team === run.job.team && f.affectedRunIds.has(String(run.runId)));
      this.clusters.terminateJobCluster(cluster, {
        ...(oomTask ? { oomAt: oomTask.endAt } : {}),
        idleCpu: idle,
      });
    }
    this.#runTimelineRows(run);
    if (run.result !== undefined) {
      const ok = run.result === 'SUCCESS';
      ctx.audit('jobs', ok ? 'runSucceeded' : 'runFailed', run.job.owner, {
        jobId: String(run.job.jobId),
        runId: String(run.runId),
        jobTerminalState: run.result,
        jobTriggerType: run.trigger === 'PERIODIC' ? 'cron' : 'manual',
      });
      this.#notify(ok ? 'jobs.on_success' : 'jobs.on_failure', run);
    }
    if (wasActive) run.job.activeCount = Math.max(0, run.job.activeCount - 1);
    if (run.parentTask) {
      const { run: parent, task } = run.parentTask;
      run.parentTask = undefined;
      if (!task.ended) {
        this.#endTask(
          parent,
          task,
          run.result === 'SUCCESS'
            ? undefined
            : {
                result: 'FAILED',
                code: 'RUN_EXECUTION_ERROR',
                type: 'CLIENT_ERROR',
                error: `Run job ${run.runId} failed: ${end.message}`,
                errorTrace: '',
              },
        );
      }
    }
    const next = run.job.queued.shift();
    if (next) this.#beginRun(next);
    else if (run.result !== undefined) this.#triggers.runEnded(run);
    this.#evict(run.job);
  }

  #notify(type: JobRunEvent['event_type'], run: RunState): void {
    const event: JobRunEvent = {
      event_type: type,
      jobId: run.job.jobId,
      jobName: run.jobName,
      runId: run.runId,
      at: this.now(),
    };
    for (const l of this.#listeners) l(event);
  }

  #computeStructs(clusterId: string | undefined, warehouseId: string | undefined) {
    if (clusterId)
      return { ids: [clusterId], compute: [{ type: 'CLASSIC', cluster_id: clusterId, warehouse_id: null }] };
    if (warehouseId)
      return {
        ids: [warehouseId],
        compute: [{ type: 'WAREHOUSE', cluster_id: null, warehouse_id: warehouseId }],
      };
    return { ids: [], compute: [{ type: 'SERVERLESS', cluster_id: null, warehouse_id: null }] };
  }

  /** Task timeline slices from where the last call stopped to `until` (the end row when the task ended). */
  #taskTimelineRows(run: RunState, task: TaskRun, until?: number): void {
    const ctx = this.#ctx;
    const { ids, compute } = this.#computeStructs(task.clusterId, task.warehouseId);
    const final = until === undefined;
    const from = task.slicedTo ?? task.queuedAt;
    const to = final ? (task.ended ? task.endAt : from) : until;
    if (!final && to <= from) return;
    task.slicedTo = to;
    const slices = hourSlices(from, to);
    const setup = Math.max(0, Math.min(to, task.execAt) - task.queuedAt);
    slices.forEach(([s, e], i) => {
      const last = final && i === slices.length - 1;
      ctx.emit('lakeflow.job_task_run_timeline', {
        account_id: ctx.accountId,
        workspace_id: ctx.workspaceId,
        job_id: String(run.job.jobId),
        run_id: String(task.runId),
        period_start_time: s,
        period_end_time: e,
        task_key: task.key,
        compute_ids: ids,
        result_state: last ? tableResultState(task.result) : null,
        job_run_id: String(run.runId),
        parent_run_id: String(run.runId),
        termination_code: last ? (task.failure?.code ?? 'SUCCESS') : null,
        compute,
        termination_type: last ? (task.failure?.type ?? 'SUCCESS') : null,
        task_parameters: {},
        setup_duration_seconds: last ? Math.round(setup / 1000) : null,
        cleanup_duration_seconds: last ? 0 : null,
        execution_duration_seconds: last ? Math.round(Math.max(0, to - task.execAt) / 1000) : null,
      });
    });
  }

  /** Run timeline slices from where the last call stopped to `until` (the end row once the run ended). */
  #runTimelineRows(run: RunState, until?: number): void {
    const ctx = this.#ctx;
    const repair = run.repairs.at(-1);
    const segmentStart = repair?.start_time ?? run.startTime;
    const final = until === undefined;
    const from = run.slicedTo ?? segmentStart;
    const to = final ? (run.endTime ?? from) : until;
    if (!final && to <= from) return;
    run.slicedTo = to;
    const never = run.phase === 'SKIPPED' || (run.tasks.length === 0 && final);
    const slices = never ? [[from, from] as [number, number]] : hourSlices(from, to);
    const clusterIds = [
      ...new Set(run.tasks.map((t) => t.clusterId ?? t.warehouseId).filter((x): x is string => !!x)),
    ];
    const tableResult = run.phase === 'SKIPPED' ? 'SKIPPED' : tableResultState(run.result);
    slices.forEach(([s, e], i) => {
      const last = final && i === slices.length - 1;
      ctx.emit('lakeflow.job_run_timeline', {
        account_id: ctx.accountId,
        workspace_id: ctx.workspaceId,
        job_id: String(run.job.jobId),
        run_id: String(run.runId),
        period_start_time: s,
        period_end_time: e,
        trigger_type: timelineTrigger(run),
        result_state: last ? tableResult : null,
        run_type: 'JOB_RUN',
        run_name: run.jobName,
        compute_ids: clusterIds,
        termination_code: last ? (run.termination?.code ?? null) : null,
        termination_type: last ? (run.termination?.type ?? null) : null,
        job_parameters: run.params,
        source_task_run_id: null,
        root_task_run_id: null,
        compute: clusterIds.map((id) =>
          id.includes('-')
            ? { type: 'CLASSIC', cluster_id: id, warehouse_id: null }
            : { type: 'WAREHOUSE', cluster_id: null, warehouse_id: id },
        ),
        setup_duration_seconds: last ? 0 : null,
        queue_duration_seconds: last ? Math.round((run.startTime - run.createdAt) / 1000) : null,
        run_duration_seconds: last ? Math.round((to - segmentStart) / 1000) : null,
        cleanup_duration_seconds: last ? 0 : null,
        execution_duration_seconds: last ? 0 : null,
      });
    });
  }
}

type JobClusters = NonNullable<JobSettings['job_clusters']>;

/** The system tables' spelling of what started a run (docs/databricks.md, Same thing, different spelling). */
function timelineTrigger(run: RunState): string {
  switch (run.trigger) {
    case 'PERIODIC':
      return 'CRON';
    case 'FILE_ARRIVAL':
    case 'TABLE':
    case 'CONTINUOUS':
      return run.trigger;
    default:
      return run.repairs.length > 1 ? 'ONETIME_RETRY' : 'ONETIME';
  }
}

function mergeByKey<T extends Record<string, unknown>>(current: T[], updates: T[], key: string): T[] {
  const out = [...current];
  for (const u of updates) {
    const i = out.findIndex((c) => c[key] === u[key]);
    if (i >= 0) out[i] = u;
    else out.push(u);
  }
  return out;
}

function validateSettings(s: JobSettings): void {
  if (typeof s.name !== 'string' || s.name.length === 0)
    throw invalidParam('Job name must be a non-empty string.');
  if (!Array.isArray(s.tasks)) throw invalidParam('tasks must be an array.');
  const keys = new Set<string>();
  for (const t of s.tasks) {
    if (typeof t.task_key !== 'string' || t.task_key === '')
      throw invalidParam('Every task needs a task_key.');
    if (keys.has(t.task_key)) throw invalidParam(`Task key ${t.task_key} is duplicated.`);
    keys.add(t.task_key);
  }
  for (const t of s.tasks) {
    for (const d of t.depends_on ?? []) {
      if (!keys.has(d.task_key))
        throw invalidParam(`Task ${t.task_key} depends on ${d.task_key}, which does not exist.`);
    }
    if (t.job_cluster_key && !(s.job_clusters ?? []).some((c) => c.job_cluster_key === t.job_cluster_key)) {
      throw invalidParam(
        `Task ${t.task_key} references job cluster ${t.job_cluster_key}, which does not exist.`,
      );
    }
  }
  const trigger = triggerProblem(s);
  if (trigger !== undefined) throw invalidParam(trigger);
  if (s.schedule) {
    const parsed = parseQuartzSchedule(s.schedule.quartz_cron_expression, s.schedule.timezone_id);
    if (!parsed.ok) throw invalidParam(parsed.userMessage);
  }
}
