import type { Cloud } from './catalog.js';
import { attributesJson } from './cluster-availability.js';
import type { ClusterState } from './cluster-fleet.js';
import type { JobState, RunState, TaskRun } from './model.js';
import type { PipelineFleet, PipelineEvent, PipelineState, PipelineUpdate } from './pipeline-fleet.js';
import type { SimWorkspace } from './sim-workspace.js';
import type { QueryRecord, WarehouseState } from './warehouse-fleet.js';

/**
 * Renders the engine's state as the Databricks REST API spells it (docs/databricks.md, Identifiers and time): int64 ids as JSON
 * numbers, epoch-ms times, REST enum spellings, arrays paged at 100 in jobs/get and runs/get.
 */

const ARRAY_PAGE = 100;

export function encodeOffset(offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset })).toString('base64url');
}

/** Decodes a page token made by {@link encodeOffset}; `undefined` when it is not one. */
export function decodeOffset(token: string): number | undefined {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (
      typeof parsed === 'object' &&
      parsed !== null &&
      'o' in parsed &&
      Number.isInteger(parsed.o) &&
      (parsed.o as number) >= 0
    ) {
      return parsed.o as number;
    }
  } catch {
    return undefined;
  }
  return undefined;
}

export function baseJobJson(job: JobState, expandTasks: boolean): Record<string, unknown> {
  const { tasks, job_clusters, ...rest } = job.settings;
  const settings: Record<string, unknown> = { ...rest };
  if (expandTasks) {
    settings.tasks = tasks;
    settings.job_clusters = job_clusters ?? [];
  }
  return {
    job_id: job.jobId,
    creator_user_name: job.owner,
    created_time: job.createdTime,
    settings,
    effective_budget_policy_id: undefined,
  };
}

/** `jobs/get`: the full job with `tasks`/`job_clusters` paged at 100. */
export function jobJson(job: JobState, offset: number): Record<string, unknown> {
  const tasks = job.settings.tasks.slice(offset, offset + ARRAY_PAGE);
  const clusters = (job.settings.job_clusters ?? []).slice(offset, offset + ARRAY_PAGE);
  const more =
    job.settings.tasks.length > offset + ARRAY_PAGE ||
    (job.settings.job_clusters ?? []).length > offset + ARRAY_PAGE;
  const out: Record<string, unknown> = {
    job_id: job.jobId,
    creator_user_name: job.owner,
    run_as_user_name: job.owner,
    created_time: job.createdTime,
    settings: { ...job.settings, tasks, job_clusters: clusters },
    has_more: more,
  };
  if (more) out.next_page_token = encodeOffset(offset + ARRAY_PAGE);
  return out;
}

function taskLifeCycle(run: RunState, t: TaskRun, now: number): string {
  if (t.ended) return t.lifeCycle === 'SKIPPED' ? 'SKIPPED' : 'TERMINATED';
  if (run.phase === 'TERMINATING') return 'TERMINATING';
  if (t.lifeCycle === 'WAITING_FOR_RETRY') return 'WAITING_FOR_RETRY';
  return now < t.execAt ? 'PENDING' : 'RUNNING';
}

function statusState(lifeCycle: string): string {
  if (lifeCycle === 'SKIPPED' || lifeCycle === 'INTERNAL_ERROR') return 'TERMINATED';
  if (lifeCycle === 'WAITING_FOR_RETRY') return 'WAITING';
  return lifeCycle;
}

function taskRunJson(ws: SimWorkspace, run: RunState, t: TaskRun): Record<string, unknown> {
  const now = ws.now();
  const life = taskLifeCycle(run, t, now);
  const state: Record<string, unknown> = {
    life_cycle_state: life,
    state_message: t.stateMessage,
    user_cancelled_or_timedout: t.result === 'CANCELED' || t.result === 'TIMEDOUT',
  };
  if (t.ended) state.result_state = t.result;
  const status: Record<string, unknown> = { state: statusState(life) };
  if (t.ended) {
    status.termination_details = {
      code: t.failure?.code ?? 'SUCCESS',
      type: t.failure?.type ?? 'SUCCESS',
      message: t.failure?.error ?? '',
    };
  }
  const started = now >= t.queuedAt;
  const end = t.ended ? t.endAt : 0;
  const out: Record<string, unknown> = {
    task_key: t.key,
    run_id: t.runId,
    attempt_number: t.attempt,
    state,
    status,
    start_time: started ? t.queuedAt : 0,
    end_time: end,
    setup_duration: Math.max(0, Math.min(t.ended ? t.endAt : now, t.execAt) - t.queuedAt),
    execution_duration: t.ended ? Math.max(0, t.endAt - t.execAt) : 0,
    cleanup_duration: 0,
    run_page_url: ws.runPageUrl(run.job.jobId, t.runId),
    run_if: 'ALL_SUCCESS',
  };
  const s = t.settings;
  if (s.depends_on && s.depends_on.length > 0) out.depends_on = s.depends_on;
  for (const key of [
    'notebook_task',
    'sql_task',
    'pipeline_task',
    'run_job_task',
    'python_wheel_task',
    'job_cluster_key',
    'existing_cluster_id',
  ] as const) {
    if (s[key] !== undefined) out[key] = s[key];
  }
  if (t.clusterId)
    out.cluster_instance = { cluster_id: t.clusterId, spark_context_id: String(t.runId % 9_999_991) };
  return out;
}

/** `jobs/runs/get` (and the elements of `runs/list` when `expand_tasks`). */
export function runJson(
  ws: SimWorkspace,
  run: RunState,
  opts: { includeHistory?: boolean; offset?: number; expandTasks?: boolean } = {},
): Record<string, unknown> {
  const now = ws.now();
  let life: string = run.phase;
  if (run.phase === 'RUNNING') {
    const active = run.tasks.filter((t) => !t.ended);
    life = active.length > 0 && active.every((t) => now < t.execAt) ? 'PENDING' : 'RUNNING';
  }
  const state: Record<string, unknown> = {
    life_cycle_state: life,
    state_message: run.termination?.message ?? '',
    user_cancelled_or_timedout: run.result === 'CANCELED' || run.result === 'TIMEDOUT',
  };
  if (run.result !== undefined) state.result_state = run.result;
  if (run.phase === 'QUEUED') state.queue_reason = 'Queued due to reaching maximum concurrent runs of 1.';
  const status: Record<string, unknown> = { state: statusState(life) };
  if (run.phase === 'QUEUED')
    status.queue_details = {
      code: 'MAX_CONCURRENT_RUNS_REACHED',
      message: 'Queued due to reaching maximum concurrent runs.',
    };
  if (run.termination) status.termination_details = run.termination;
  const end = run.endTime ?? 0;
  const out: Record<string, unknown> = {
    job_id: run.job.jobId,
    run_id: run.runId,
    number_in_job: run.runId,
    original_attempt_run_id: run.runId,
    creator_user_name: run.job.owner,
    run_name: run.jobName,
    run_type: 'JOB_RUN',
    trigger: run.trigger,
    attempt_number: 0,
    start_time: run.startTime,
    end_time: end,
    setup_duration: 0,
    execution_duration: 0,
    cleanup_duration: 0,
    run_duration: (run.endTime ?? now) - run.startTime,
    queue_duration: run.phase === 'QUEUED' ? now - run.createdAt : 0,
    run_page_url: ws.runPageUrl(run.job.jobId, run.runId),
    state,
    status,
    format: 'MULTI_TASK',
    job_parameters: Object.entries(run.params).map(([name, value]) => ({ name, default: value, value })),
  };
  if (run.settings.schedule) out.schedule = run.settings.schedule;
  if (opts.expandTasks !== false) {
    const offset = opts.offset ?? 0;
    out.tasks = run.tasks.slice(offset, offset + ARRAY_PAGE).map((t) => taskRunJson(ws, run, t));
    out.job_clusters = (run.settings.job_clusters ?? []).slice(offset, offset + ARRAY_PAGE);
    const more = run.tasks.length > offset + ARRAY_PAGE;
    out.has_more = more;
    if (more) out.next_page_token = encodeOffset(offset + ARRAY_PAGE);
  }
  if (opts.includeHistory) {
    out.repair_history = run.repairs.map((r) => {
      const item: Record<string, unknown> = {
        type: r.type,
        start_time: r.start_time,
        end_time: r.end_time ?? 0,
        state:
          r.result === undefined
            ? { life_cycle_state: 'RUNNING' }
            : { life_cycle_state: 'TERMINATED', result_state: r.result },
        task_run_ids: r.taskRunIds,
      };
      if (r.id !== undefined) item.id = r.id;
      return item;
    });
  }
  return out;
}

export function runOutputJson(ws: SimWorkspace, run: RunState, t: TaskRun): Record<string, unknown> {
  const out: Record<string, unknown> = { metadata: { ...taskRunJson(ws, run, t), job_id: run.job.jobId } };
  if (t.ended && t.failure && t.result !== 'UPSTREAM_FAILED') {
    out.error = t.failure.error;
    out.error_trace = t.failure.errorTrace;
  }
  if (t.ended && !t.failure && t.settings.notebook_task) {
    out.notebook_output = { result: JSON.stringify({ rows_written: t.rows }), truncated: false };
  }
  if (t.settings.python_wheel_task) {
    out.logs = t.failure ? `${t.failure.errorTrace}\n` : `Wrote ${t.rows} rows\n`;
    out.logs_truncated = false;
  }
  return out;
}

export function clusterJson(c: ClusterState, cloud: Cloud): Record<string, unknown> {
  const out: Record<string, unknown> = {
    cluster_id: c.clusterId,
    cluster_name: c.name,
    spark_version: c.spec.spark_version,
    node_type_id: c.spec.node_type_id,
    driver_node_type_id: c.spec.driver_node_type_id ?? c.spec.node_type_id,
    num_workers: c.workers,
    autotermination_minutes: c.autoterminationMinutes,
    state: c.state,
    state_message: c.stateMessage,
    start_time: c.startTime,
    cluster_source: c.source,
    creator_user_name: c.owner,
    custom_tags: c.spec.custom_tags ?? {},
    default_tags: {
      Vendor: 'Databricks',
      Creator: c.owner,
      ClusterName: c.name,
      ClusterId: c.clusterId,
      ...(c.jobId !== undefined ? { JobId: String(c.jobId), RunName: c.runName ?? '' } : {}),
    },
    spark_conf: {},
    data_security_mode: 'SINGLE_USER',
    single_user_name: c.owner,
    runtime_engine: c.photon ? 'PHOTON' : 'STANDARD',
    spec: c.spec,
  };
  // An autoscaling cluster reports its range beside the workers it has now (`num_workers`).
  if (c.spec.autoscale) out.autoscale = c.spec.autoscale;
  Object.assign(out, attributesJson(cloud, c.spec));
  if (c.terminatedTime !== undefined) out.terminated_time = c.terminatedTime;
  if (c.terminationReason) out.termination_reason = c.terminationReason;
  if (c.lastRestartedTime !== undefined) out.last_restarted_time = c.lastRestartedTime;
  return out;
}

export function warehouseJson(ws: SimWorkspace, w: WarehouseState): Record<string, unknown> {
  const c = w.config;
  return {
    id: w.id,
    name: c.name,
    cluster_size: c.cluster_size,
    min_num_clusters: c.min_num_clusters,
    max_num_clusters: c.max_num_clusters,
    auto_stop_mins: c.auto_stop_mins,
    enable_photon: c.enable_photon,
    enable_serverless_compute: c.enable_serverless_compute,
    warehouse_type: c.warehouse_type,
    spot_instance_policy: c.spot_instance_policy,
    channel: { name: 'CHANNEL_NAME_CURRENT' },
    tags: { custom_tags: Object.entries(c.tags).map(([key, value]) => ({ key, value })) },
    creator_name: w.creator,
    state: w.state,
    num_clusters: w.state === 'RUNNING' ? w.clusters : 0,
    num_active_sessions: w.running.size,
    health: { status: 'HEALTHY' },
    odbc_params: { hostname: ws.host, path: `/sql/1.0/warehouses/${w.id}`, protocol: 'https', port: 443 },
    jdbc_url: `jdbc:databricks://${ws.host}:443/default;transportMode=http;ssl=1;AuthMech=3;httpPath=/sql/1.0/warehouses/${w.id};`,
  };
}

export function pipelineUpdateJson(
  fleet: PipelineFleet,
  u: PipelineUpdate,
  now: number,
): Record<string, unknown> {
  return {
    pipeline_id: u.pipelineId,
    update_id: u.updateId,
    state: fleet.stateAt(u, now),
    // Databricks names a job's pipeline task as the cause whoever started the run (a person's run-now,
    // a repair): the job, not the person, asked for the update.
    cause: u.triggeredBy ? 'JOB_TASK' : u.cause === 'SCHEDULE' ? 'API_CALL' : u.cause,
    creation_time: u.createdAt,
    full_refresh: u.fullRefresh,
    cluster_id: u.clusterId,
  };
}

export function pipelineJson(
  fleet: PipelineFleet,
  p: PipelineState,
  now: number,
  withSpec: boolean,
): Record<string, unknown> {
  const latest = [...p.updates]
    .reverse()
    .filter((u) => u.createdAt <= now)
    .slice(0, 5)
    .map((u) => ({
      update_id: u.updateId,
      state: fleet.stateAt(u, now),
      creation_time: new Date(u.createdAt).toISOString(),
    }));
  const state = fleet.pipelineState(p);
  const out: Record<string, unknown> = {
    pipeline_id: p.pipelineId,
    name: p.spec.name,
    state,
    health: state === 'FAILED' ? 'UNHEALTHY' : 'HEALTHY',
    creator_user_name: p.spec.owner,
    run_as_user_name: p.spec.owner,
    latest_updates: latest,
  };
  if (p.active) out.cluster_id = p.active.clusterId;
  if (withSpec) {
    out.last_modified = p.lastModified;
    out.spec = {
      id: p.pipelineId,
      name: p.spec.name,
      edition: p.spec.edition,
      photon: true,
      continuous: p.spec.continuous,
      development: false,
      channel: 'CURRENT',
      clusters: [
        {
          label: 'default',
          node_type_id: p.spec.node_type,
          num_workers: p.spec.workers,
          custom_tags: { team: p.spec.team },
        },
      ],
      configuration: {},
    };
  }
  return out;
}

export function pipelineEventJson(e: PipelineEvent): Record<string, unknown> {
  const { timestampMs: _ignored, ...rest } = e;
  return rest;
}

/** A statement's status as the Query History API reports it at `now`. */
export function queryStatus(q: QueryRecord, now: number): string {
  const ended = q.endMs !== undefined && q.endMs <= now;
  return ended ? q.status : now < q.execStartMs ? 'QUEUED' : 'RUNNING';
}

export function queryInfoJson(q: QueryRecord, now: number, includeMetrics: boolean): Record<string, unknown> {
  const ended = q.endMs !== undefined && q.endMs <= now;
  const out: Record<string, unknown> = {
    query_id: q.statementId,
    status: queryStatus(q, now),
    query_text: q.text,
    statement_type: q.statementType,
    warehouse_id: q.warehouseId,
    endpoint_id: q.warehouseId,
    user_id: hashId(q.user),
    user_name: q.user,
    executed_as_user_id: hashId(q.user),
    executed_as_user_name: q.user,
    query_start_time_ms: q.startMs,
    is_final: ended,
    client_application: q.clientApplication,
    lookup_key: Buffer.from(q.statementId).toString('base64url'),
    spark_ui_url: '',
    channel_used: { name: 'CHANNEL_NAME_CURRENT' },
  };
  if (ended && q.endMs !== undefined) {
    out.execution_end_time_ms = q.endMs;
    out.query_end_time_ms = q.endMs;
    out.duration = q.endMs - q.startMs;
    out.rows_produced = q.status === 'FINISHED' ? q.producedRows : 0;
  }
  if (q.errorMessage) out.error_message = q.errorMessage;
  if (q.jobInfo) out.query_source = { job_info: q.jobInfo };
  if (includeMetrics) {
    const end = ended && q.endMs !== undefined ? q.endMs : now;
    out.metrics = {
      total_time_ms: end - q.startMs,
      execution_time_ms: Math.max(0, end - q.execStartMs),
      compilation_time_ms: 120,
      read_bytes: ended ? q.readBytes : Math.round(q.readBytes * 0.4),
      rows_read_count: q.readRows,
      rows_produced_count: ended ? q.producedRows : 0,
      spill_to_disk_bytes: q.readBytes > 1e11 ? Math.round(q.readBytes / 3) : 0,
      task_total_time_ms: ended ? q.taskMs : Math.max(0, end - q.execStartMs) * 64,
      result_from_cache: false,
      provisioning_queue_start_timestamp:
        Math.min(q.execStartMs, q.computeReadyAt) > q.startMs ? q.startMs : undefined,
      // Waiting because every cluster's slots were taken (the warehouse was at capacity).
      overloading_queue_start_timestamp: q.capacityQueuedAt,
    };
  }
  return out;
}

/** Databricks user ids are numeric; derive a stable one from the email. */
function hashId(s: string): number {
  let h = 7;
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) % 9_000_000_000_000;
  return 1_000_000_000_000 + h;
}
