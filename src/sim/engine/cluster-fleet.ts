import type { ScenarioCluster } from '../scenario/schema.js';
import { WorkingHours } from './working-hours.js';
import { type Cloud, nodeType, skuNames } from './catalog.js';
import {
  attributeColumns,
  attributesFromScenario,
  nodeAvailability,
  spotNodesAtRisk,
} from './cluster-availability.js';
import { type ClusterTermination, spotTermination } from './error-texts.js';
import type { ClusterSpec, FaultState } from './model.js';
import { invalidParam, invalidState } from './sim-api-error.js';
import type { SimContext } from './sim-context.js';
import { clusterCores } from './task-speed.js';
import { isoDate } from './time-slices.js';

type ClusterStateName =
  | 'PENDING'
  | 'RUNNING'
  | 'RESTARTING'
  | 'RESIZING'
  | 'TERMINATING'
  | 'TERMINATED'
  | 'ERROR';

interface ClusterEvent {
  cluster_id: string;
  timestamp: number;
  type: string;
  details: Record<string, unknown>;
}

export interface ClusterState {
  clusterId: string;
  name: string;
  source: 'UI' | 'API' | 'JOB' | 'PIPELINE';
  spec: ClusterSpec;
  autoterminationMinutes: number;
  owner: string;
  team: string;
  tags: Record<string, string>;
  state: ClusterStateName;
  stateMessage: string;
  startTime: number;
  readyAt: number;
  terminatedTime: number | undefined;
  terminationReason: ClusterTermination | undefined;
  lastRestartedTime: number | undefined;
  events: ClusterEvent[];
  billedTo: number;
  workers: number;
  /** Job clusters: the job and run they belong to. */
  jobId: number | undefined;
  runId: number | undefined;
  runName: string | undefined;
  photon: boolean;
  /** An unresolved driver_unresponsive fault on this cluster. */
  unresponsive: FaultState | undefined;
  /** When people use an all-purpose cluster (its `business_hours`). */
  busyHours: WorkingHours;
  /** A job cluster whose launch fails: the scenario's own wording for the run's error, if it gave one. */
  launchMessage: string | undefined;
  /** Spot nodes reclaimed and not yet replaced: the fault, and whether the driver went with them. */
  spotLost: { fault: FaultState; driver: boolean } | undefined;
  /**
   * Cores as the cluster was created: the durations of the tasks that run on it are for these, and an
   * edit or resize changes them (`task-speed.ts`). Job clusters take theirs from the job instead.
   */
  baselineCores: number;
}

/** What a spot reclaim took from a cluster. */
export interface SpotReclaim {
  readonly workers: number;
  readonly driver: boolean;
}

const MAX_EVENTS = 500;
const MAX_JOB_CLUSTERS = 2000;
const MINUTE = 60_000;
/** A job cluster works whenever it runs. */
const ALWAYS = new WorkingHours([0, 24]);

/** All-purpose and job clusters: lifecycle, events, SCD2 rows, node timeline and billing. */
export class ClusterFleet {
  readonly byId = new Map<string, ClusterState>();
  readonly byName = new Map<string, ClusterState>();
  readonly #jobClusterOrder: string[] = [];
  readonly #nodeTimeline: 'all' | 'all_purpose' | 'off';
  /** The workspace's cloud: how the REST views spell spot and on-demand. */
  readonly cloud: Cloud;

  constructor(private readonly ctx: SimContext) {
    this.cloud = ctx.cloud;
    this.#nodeTimeline = ctx.scenario.baseline.node_timeline;
    for (const spec of ctx.scenario.clusters) this.#createAllPurpose(spec);
    for (const f of ctx.faults) {
      if (f.fault.kind !== 'driver_unresponsive' || f.fault.target.cluster === undefined) continue;
      const c = this.byName.get(f.fault.target.cluster);
      if (!c) continue;
      ctx.at(f.startMs, () => {
        if (c.state !== 'RUNNING') this.#startNow(c, c.owner);
        c.unresponsive = f;
        this.#addEvent(c, 'DRIVER_NOT_RESPONDING', {
          driver_state_message: 'Driver is up but is not responsive, likely due to GC.',
        });
        ctx.hit(f, ctx.now(), { resourceId: c.clusterId });
      });
      ctx.at(f.startMs + 15 * MINUTE, () => {
        if (c.unresponsive === f)
          this.#addEvent(c, 'DRIVER_UNAVAILABLE', { driver_state_message: 'Driver is unresponsive.' });
      });
    }
  }

  #createAllPurpose(spec: ScenarioCluster): void {
    const ctx = this.ctx;
    const createdAt = ctx.startMs - 14 * 86_400_000;
    const c: ClusterState = {
      clusterId: ctx.clusterId(createdAt),
      name: spec.name,
      source: 'UI',
      spec: {
        spark_version: spec.spark_version,
        node_type_id: spec.node_type,
        driver_node_type_id: spec.node_type,
        ...(spec.autoscale ? { autoscale: { ...spec.autoscale } } : { num_workers: spec.workers }),
        custom_tags: { team: spec.team },
        ...attributesFromScenario(ctx.cloud, spec),
      },
      autoterminationMinutes: spec.autotermination_minutes,
      owner: spec.owner,
      team: spec.team,
      tags: { team: spec.team },
      state: 'TERMINATED',
      stateMessage: '',
      startTime: createdAt,
      readyAt: createdAt,
      terminatedTime: ctx.startMs,
      terminationReason: {
        code: 'INACTIVITY',
        type: 'SUCCESS',
        parameters: { inactivity_duration_min: '120' },
      },
      lastRestartedTime: undefined,
      events: [],
      billedTo: ctx.startMs,
      workers: spec.autoscale?.min_workers ?? spec.workers,
      jobId: undefined,
      runId: undefined,
      runName: undefined,
      photon: false,
      unresponsive: undefined,
      busyHours: new WorkingHours(spec.business_hours),
      launchMessage: undefined,
      spotLost: undefined,
      baselineCores: 0,
    };
    c.baselineCores = clusterCores(c.spec);
    this.byId.set(c.clusterId, c);
    this.byName.set(c.name, c);
    this.#scdRow(c, createdAt, null);
    if (spec.state === 'RUNNING') {
      c.state = 'RUNNING';
      c.readyAt = ctx.startMs;
      c.startTime = ctx.startMs;
      c.terminatedTime = undefined;
      c.terminationReason = undefined;
      this.#addEvent(
        c,
        'RUNNING',
        { current_num_workers: c.workers, target_num_workers: c.workers },
        ctx.startMs,
      );
      this.#armAutoTermination(c);
    }
  }

  get(id: string): ClusterState {
    const c = this.byId.get(id);
    if (!c) throw invalidParam(`Cluster ${id} does not exist`);
    return c;
  }

  /** Launches a job cluster for a run. A capacity fault makes the launch fail after the cloud gives up. */
  launchJobCluster(opts: {
    spec: ClusterSpec;
    workers: number;
    jobId: number;
    runId: number;
    runName: string;
    owner: string;
    tags: Record<string, string>;
    launchFailure: ClusterTermination | undefined;
    launchMessage?: string | undefined;
  }): ClusterState {
    const ctx = this.ctx;
    const now = ctx.now();
    const setup = ctx.prng.int(180_000, 360_000);
    const c: ClusterState = {
      clusterId: ctx.clusterId(now),
      name: `job-${opts.jobId}-run-${opts.runId}`,
      source: 'JOB',
      spec: opts.spec,
      autoterminationMinutes: 0,
      owner: opts.owner,
      team: opts.tags.team ?? '',
      tags: { ...(opts.spec.custom_tags ?? {}), ...opts.tags },
      state: 'PENDING',
      stateMessage: 'Finding instances for new nodes, acquiring more instances if necessary',
      startTime: now,
      readyAt: now + setup,
      terminatedTime: undefined,
      terminationReason: undefined,
      lastRestartedTime: undefined,
      events: [],
      billedTo: now,
      workers: opts.workers,
      jobId: opts.jobId,
      runId: opts.runId,
      runName: opts.runName,
      photon: opts.spec.runtime_engine === 'PHOTON',
      unresponsive: undefined,
      busyHours: ALWAYS,
      launchMessage: opts.launchMessage,
      spotLost: undefined,
      baselineCores: clusterCores(opts.spec),
    };
    this.byId.set(c.clusterId, c);
    this.#jobClusterOrder.push(c.clusterId);
    // Keep the REST view bounded: forget the oldest terminated job clusters, never running ones.
    while (this.#jobClusterOrder.length > MAX_JOB_CLUSTERS) {
      const old = this.#jobClusterOrder.shift();
      if (old === undefined) break;
      const oldCluster = this.byId.get(old);
      if (oldCluster && oldCluster.terminatedTime === undefined) {
        this.#jobClusterOrder.push(old);
        break;
      }
      this.byId.delete(old);
    }
    this.#addEvent(c, 'CREATING', {
      cluster_size: { num_workers: c.workers },
      user: opts.owner,
      job_run_name: opts.runName,
    });
    this.#scdRow(c, now, null);
    if (opts.launchFailure) {
      const failAt = now + ctx.prng.int(240_000, 600_000);
      c.readyAt = failAt;
      c.terminationReason = opts.launchFailure;
      const failure = opts.launchFailure;
      ctx.at(failAt, () => {
        c.state = 'TERMINATED';
        c.terminatedTime = ctx.now();
        c.stateMessage = `${failure.code}: ${Object.values(failure.parameters)[1] ?? ''}`;
        this.#addEvent(c, 'TERMINATING', { reason: failure });
        this.#scdRow(c, ctx.now(), ctx.now());
      });
    } else {
      ctx.at(c.readyAt, () => {
        if (c.state !== 'PENDING') return;
        c.state = 'RUNNING';
        c.stateMessage = '';
        this.#addEvent(c, 'RUNNING', { current_num_workers: c.workers, target_num_workers: c.workers });
      });
    }
    return c;
  }

  /** Ends a job cluster when its run finishes: bills it and writes its node timeline. */
  terminateJobCluster(c: ClusterState, opts: { oomAt?: number; idleCpu?: boolean }): void {
    if (c.terminatedTime !== undefined) return;
    const ctx = this.ctx;
    const now = ctx.now();
    c.state = 'TERMINATED';
    c.terminatedTime = now;
    c.terminationReason = { code: 'JOB_FINISHED', type: 'SUCCESS', parameters: {} };
    this.#addEvent(c, 'TERMINATING', { reason: c.terminationReason });
    this.#scdRow(c, now, now);
    this.#bill(c, c.startTime, now);
    if (this.#nodeTimeline === 'all' && now > c.readyAt) {
      this.#nodeRows(c, c.readyAt, now, opts.idleCpu ? 8 : 55, opts.oomAt);
    }
  }

  /** Called at each UTC hour: bill and record node rows for running all-purpose clusters; start/idle them. */
  onHour(hourStart: number): void {
    for (const c of this.byId.values()) {
      if (c.source === 'JOB') continue;
      if (c.state === 'RUNNING' || c.state === 'RESIZING' || c.state === 'RESTARTING')
        this.#accrue(c, hourStart);
      if (c.state === 'RUNNING') this.#autoscale(c, c.busyHours.contains(hourStart));
      const opens = c.busyHours.opensIn(hourStart);
      // Local working hours may begin or end within the hour (09:30 in Kolkata): the load follows then.
      for (const turn of [opens, c.busyHours.closesIn(hourStart)]) {
        if (turn === undefined || turn === hourStart) continue;
        this.ctx.at(turn, () => {
          if (c.state !== 'RUNNING') return;
          this.#accrue(c, turn);
          this.#autoscale(c, c.busyHours.contains(turn));
        });
      }
      if (opens !== undefined && c.state === 'TERMINATED' && c.terminationReason?.code === 'INACTIVITY') {
        this.ctx.at(opens + this.ctx.prng.int(0, 40) * MINUTE, () => {
          if (c.state === 'TERMINATED') this.start(c.clusterId, c.owner);
        });
      }
    }
  }

  /**
   * An autoscaling all-purpose cluster follows its load: up to `max_workers` while people use it, back to
   * `min_workers` when they stop (what the autoscaler's RESIZING and UPSIZE_COMPLETED events say). Lost
   * spot nodes are replaced first, so a degraded cluster is left alone.
   */
  #autoscale(c: ClusterState, busy: boolean): void {
    const range = c.spec.autoscale;
    if (range === undefined || c.spotLost !== undefined) return;
    const target = busy ? range.max_workers : range.min_workers;
    if (target === c.workers) return;
    const previous = c.workers;
    c.workers = target;
    this.#addEvent(c, 'RESIZING', {
      current_num_workers: previous,
      target_num_workers: target,
      cause: 'AUTOSCALE',
    });
    if (target > previous)
      this.#addEvent(c, 'UPSIZE_COMPLETED', { current_num_workers: target, target_num_workers: target });
  }

  /**
   * The cloud takes back a running cluster's spot nodes (`spot_loss` on a cluster): a NODES_LOST event
   * with the termination reason Databricks gives, and, with the driver among them, a restart. Spot with
   * fallback gets on-demand replacements a few minutes later; plain spot waits until `until` (the spot
   * market has capacity again). Returns what was lost, or undefined when nothing was at risk (an
   * on-demand cluster, or one not running).
   */
  reclaimSpot(c: ClusterState, f: FaultState, until: number): SpotReclaim | undefined {
    if (c.state !== 'RUNNING' && c.state !== 'RESIZING') return undefined;
    const ctx = this.ctx;
    const a = nodeAvailability(ctx.cloud, c.spec);
    const atRisk = spotNodesAtRisk(a, c.workers);
    if (atRisk.workers === 0 && !atRisk.driver) return undefined;
    this.#accrue(c, ctx.now());
    const target = c.workers;
    const reason = spotTermination(ctx.cloud, c.spec.node_type_id, c.clusterId);
    c.spotLost = { fault: f, driver: atRisk.driver };
    c.workers = target - atRisk.workers;
    this.#addEvent(c, 'NODES_LOST', {
      current_num_workers: c.workers,
      target_num_workers: target,
      reason,
      ...(f.fault.message !== undefined ? { driver_state_message: f.fault.message } : {}),
    });
    if (atRisk.driver) {
      c.state = 'RESTARTING';
      c.lastRestartedTime = ctx.now();
      this.#addEvent(c, 'RESTARTING', { reason });
    }
    const fallback = a.availability === 'SPOT_WITH_FALLBACK';
    const back = fallback ? ctx.now() + 4 * MINUTE : Math.max(until, ctx.now() + 4 * MINUTE);
    ctx.at(back, () => {
      if (c.spotLost?.fault !== f) return;
      this.#accrue(c, ctx.now());
      c.spotLost = undefined;
      c.workers = target;
      if (c.state === 'RESTARTING') {
        c.state = 'RUNNING';
        this.#addEvent(c, 'DRIVER_HEALTHY', { driver_state_message: 'Driver is healthy.' });
        this.#addEvent(c, 'RUNNING', { current_num_workers: target, target_num_workers: target });
      } else {
        this.#addEvent(c, 'UPSIZE_COMPLETED', { current_num_workers: target, target_num_workers: target });
      }
    });
    return atRisk;
  }

  #accrue(c: ClusterState, to: number): void {
    const from = Math.max(c.billedTo, c.readyAt);
    if (to <= from) return;
    this.#bill(c, from, to);
    if (this.#nodeTimeline !== 'off') {
      this.#nodeRows(c, from, to, c.busyHours.contains(from) ? 45 : 3, undefined);
    }
    c.billedTo = to;
  }

  #armAutoTermination(c: ClusterState): void {
    const mins = c.autoterminationMinutes;
    if (mins <= 0 || c.source === 'JOB') return;
    // People stop using the cluster at the end of the working day; it then idles until auto-termination.
    const ctx = this.ctx;
    const now = ctx.now();
    const idleFrom = Math.max(c.busyHours.closingOf(now), now);
    const started = c.startTime;
    ctx.at(idleFrom + mins * MINUTE, () => {
      if (c.state !== 'RUNNING' || c.startTime !== started) return;
      if (c.busyHours.contains(ctx.now())) return;
      this.#terminateNow(c, {
        code: 'INACTIVITY',
        type: 'SUCCESS',
        parameters: { inactivity_duration_min: String(mins) },
      });
    });
  }

  #terminateNow(c: ClusterState, reason: ClusterTermination): void {
    const ctx = this.ctx;
    this.#accrue(c, ctx.now());
    c.state = 'TERMINATING';
    c.terminationReason = reason;
    this.#addEvent(c, 'TERMINATING', { reason });
    ctx.at(ctx.now() + 30_000, () => {
      if (c.state !== 'TERMINATING') return;
      c.state = 'TERMINATED';
      c.terminatedTime = ctx.now();
      this.#addEvent(c, 'TERMINATED', { reason });
    });
  }

  #startNow(c: ClusterState, user: string): void {
    const ctx = this.ctx;
    const now = ctx.now();
    c.state = 'PENDING';
    c.startTime = now;
    c.readyAt = now + ctx.prng.int(180_000, 300_000);
    c.billedTo = c.readyAt;
    c.terminatedTime = undefined;
    c.terminationReason = undefined;
    this.#addEvent(c, 'STARTING', { user });
    const readyAt = c.readyAt;
    ctx.at(readyAt, () => {
      if (c.state !== 'PENDING' || c.readyAt !== readyAt) return;
      c.state = 'RUNNING';
      this.#addEvent(c, 'RUNNING', { current_num_workers: c.workers, target_num_workers: c.workers });
      this.#armAutoTermination(c);
    });
  }

  /** `clusters/start`: TERMINATED → PENDING at once → RUNNING. */
  start(id: string, user: string): void {
    const c = this.get(id);
    if (c.source === 'JOB') throw invalidParam(`Cluster ${id} is a job cluster and cannot be started.`);
    if (c.state !== 'TERMINATED') throw invalidState(`Cluster ${id} is in unexpected state ${c.state}.`);
    this.ctx.audit('clusters', 'start', user, { cluster_id: id });
    this.#startNow(c, user);
  }

  /** `clusters/delete` (terminate). */
  terminate(id: string, user: string): void {
    const c = this.get(id);
    this.ctx.audit('clusters', 'delete', user, { cluster_id: id });
    if (c.state === 'TERMINATED' || c.state === 'TERMINATING') return;
    this.#terminateNow(c, { code: 'USER_REQUEST', type: 'SUCCESS', parameters: { username: user } });
  }

  /** `clusters/restart`: RESTARTING at once; clears an unresponsive driver. No-op unless running. */
  restart(id: string, user: string): void {
    const c = this.get(id);
    this.ctx.audit('clusters', 'restart', user, { cluster_id: id });
    if (c.state !== 'RUNNING') return;
    const ctx = this.ctx;
    this.#accrue(c, ctx.now());
    c.state = 'RESTARTING';
    c.lastRestartedTime = ctx.now();
    this.#addEvent(c, 'RESTARTING', { user });
    if (c.unresponsive) {
      c.unresponsive.resolvedAt = ctx.now();
      c.unresponsive = undefined;
    }
    const at = ctx.now() + ctx.prng.int(120_000, 240_000);
    ctx.at(at, () => {
      if (c.state !== 'RESTARTING') return;
      c.state = 'RUNNING';
      c.readyAt = at;
      c.billedTo = at;
      this.#addEvent(c, 'DRIVER_HEALTHY', { driver_state_message: 'Driver is healthy.' });
      this.#addEvent(c, 'RUNNING', { current_num_workers: c.workers, target_num_workers: c.workers });
    });
  }

  /** `clusters/resize`: only when RUNNING; RESIZING at once, RUNNING with the new size shortly after. */
  resize(id: string, workers: number, user: string): void {
    const c = this.get(id);
    if (c.source === 'JOB') throw invalidParam(`Cluster ${id} is a job cluster and cannot be resized.`);
    if (c.state !== 'RUNNING') throw invalidState(`Cluster ${id} is in unexpected state ${c.state}.`);
    const ctx = this.ctx;
    this.ctx.audit('clusters', 'resize', user, { cluster_id: id, num_workers: String(workers) });
    this.#accrue(c, ctx.now());
    const previous = c.workers;
    c.state = 'RESIZING';
    c.spec = { ...c.spec, num_workers: workers };
    this.#addEvent(c, 'RESIZING', { current_num_workers: previous, target_num_workers: workers, user });
    ctx.at(ctx.now() + 90_000, () => {
      if (c.state !== 'RESIZING') return;
      this.#accrue(c, ctx.now());
      c.workers = workers;
      c.state = 'RUNNING';
      this.#addEvent(c, 'UPSIZE_COMPLETED', { current_num_workers: workers, target_num_workers: workers });
      this.#scdRow(c, ctx.now(), null);
    });
  }

  /** `clusters/edit`: RUNNING → restarts with the new spec; TERMINATED stays terminated. */
  edit(
    id: string,
    spec: ClusterSpec & { autotermination_minutes?: number; cluster_name?: string },
    user: string,
  ): void {
    const c = this.get(id);
    if (c.source === 'JOB') throw invalidParam(`Cluster ${id} is a job cluster and cannot be edited.`);
    if (c.state !== 'RUNNING' && c.state !== 'TERMINATED') {
      throw invalidState(`Cluster ${id} is in unexpected state ${c.state}.`);
    }
    const { autotermination_minutes, cluster_name, ...rest } = spec;
    this.ctx.audit('clusters', 'edit', user, { cluster_id: id, ...{ spec: JSON.stringify(spec) } });
    const wasRunning = c.state === 'RUNNING';
    if (wasRunning) this.#accrue(c, this.ctx.now());
    c.spec = { ...rest };
    if (cluster_name !== undefined) c.name = cluster_name;
    if (autotermination_minutes !== undefined) c.autoterminationMinutes = autotermination_minutes;
    c.workers = rest.num_workers ?? rest.autoscale?.min_workers ?? c.workers;
    this.#addEvent(c, 'EDITED', { user, attributes: rest });
    this.#scdRow(c, this.ctx.now(), null);
    if (wasRunning) {
      c.state = 'RUNNING';
      this.restart(id, user);
    }
  }

  /** Bills running all-purpose clusters up to `to` (end of an export). */
  settle(to: number): void {
    for (const c of this.byId.values()) {
      if (c.source !== 'JOB' && c.state === 'RUNNING') this.#accrue(c, to);
    }
  }

  #addEvent(c: ClusterState, type: string, details: Record<string, unknown>, at = this.ctx.now()): void {
    c.events.push({ cluster_id: c.clusterId, timestamp: at, type, details });
    if (c.events.length > MAX_EVENTS) c.events.shift();
  }

  #bill(c: ClusterState, from: number, to: number): void {
    const ctx = this.ctx;
    const worker = nodeType(c.spec.node_type_id);
    const driver = nodeType(c.spec.driver_node_type_id ?? c.spec.node_type_id);
    const photon = c.photon ? 2.5 : 1;
    const dbu = (c.workers * worker.dbu_per_hour + driver.dbu_per_hour) * photon;
    const skus = skuNames(ctx.cloud);
    const job = c.source === 'JOB';
    ctx.bill(from, to, dbu, {
      sku_name: job ? (c.photon ? skus.jobsPhoton : skus.jobs) : skus.allPurpose,
      billing_origin_product: job ? 'JOBS' : 'ALL_PURPOSE',
      custom_tags: c.tags,
      usage_metadata: {
        cluster_id: c.clusterId,
        job_id: c.jobId === undefined ? null : String(c.jobId),
        warehouse_id: null,
        instance_pool_id: null,
        node_type: c.spec.node_type_id,
        job_run_id: c.runId === undefined ? null : String(c.runId),
        notebook_id: null,
        dlt_pipeline_id: null,
        endpoint_name: null,
        endpoint_id: null,
        dlt_update_id: null,
        dlt_maintenance_id: null,
        run_name: c.runName ?? null,
        job_name: c.runName ?? null,
      },
      identity_metadata: { run_as: job ? c.owner : null, owned_by: c.owner, created_by: c.owner },
      product_features: {
        jobs_tier: job ? 'CLASSIC' : null,
        sql_tier: null,
        dlt_tier: null,
        is_serverless: false,
        is_photon: c.photon,
        serving_type: null,
      },
    });
  }

  #nodeRows(c: ClusterState, from: number, to: number, cpu: number, oomAt: number | undefined): void {
    const ctx = this.ctx;
    const start = Math.floor(from / MINUTE) * MINUTE;
    const nodes = c.workers + 1;
    const driverType = c.spec.driver_node_type_id ?? c.spec.node_type_id;
    for (let n = 0; n < nodes; n++) {
      const driver = n === 0;
      const instanceId = `i-${c.clusterId.slice(-8)}${n.toString(16).padStart(4, '0')}`;
      for (let t = start; t < to; t += MINUTE) {
        const nearOom = oomAt !== undefined && driver && t >= oomAt - 10 * MINUTE;
        const hung = c.unresponsive !== undefined && driver;
        const busy = hung ? 98 : nearOom ? 92 : cpu + ((t / MINUTE + n) % 7) - 3;
        ctx.emit('compute.node_timeline', {
          account_id: ctx.accountId,
          workspace_id: ctx.workspaceId,
          cluster_id: c.clusterId,
          instance_id: instanceId,
          start_time: t,
          end_time: t + MINUTE,
          driver,
          cpu_user_percent: Math.max(0.5, busy * 0.85),
          cpu_system_percent: Math.max(0.2, busy * 0.1),
          cpu_wait_percent: 0.5,
          mem_used_percent: nearOom || hung ? 97.5 : 35 + busy / 3,
          mem_swap_percent: nearOom ? 12 : 0,
          network_sent_bytes: Math.round(busy * 1e6),
          network_received_bytes: Math.round(busy * 1.4e6),
          disk_free_bytes_per_mount_point: { '/local_disk0': 120_000_000_000 },
          node_type: driver ? driverType : c.spec.node_type_id,
          private_ip: `10.0.${(n >> 8) & 255}.${n & 255}`,
        });
      }
    }
  }

  #scdRow(c: ClusterState, at: number, deleteTime: number | null): void {
    const ctx = this.ctx;
    ctx.emit('compute.clusters', {
      account_id: ctx.accountId,
      workspace_id: ctx.workspaceId,
      cluster_id: c.clusterId,
      cluster_name: c.name,
      owned_by: c.owner,
      create_time: c.source === 'JOB' ? c.startTime : ctx.startMs - 14 * 86_400_000,
      delete_time: deleteTime,
      driver_node_type: c.spec.driver_node_type_id ?? c.spec.node_type_id,
      worker_node_type: c.spec.node_type_id,
      worker_count: c.spec.autoscale ? null : c.workers,
      min_autoscale_workers: c.spec.autoscale?.min_workers ?? null,
      max_autoscale_workers: c.spec.autoscale?.max_workers ?? null,
      auto_termination_minutes: c.source === 'JOB' ? null : c.autoterminationMinutes,
      enable_elastic_disk: true,
      tags: c.tags,
      cluster_source: c.source,
      init_scripts: [],
      ...attributeColumns(ctx.cloud, c.spec),
      driver_instance_pool_id: null,
      worker_instance_pool_id: null,
      dbr_version: c.spec.spark_version,
      change_time: at,
      change_date: isoDate(at),
      data_security_mode: 'SINGLE_USER',
      policy_id: null,
    });
  }
}
