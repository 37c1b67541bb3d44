import { z } from 'zod';
import { MAX_AGE_LIMIT_MINUTES } from '../../domain/duration.js';
import { err, ok, type Result } from '../../domain/result.js';
import { idString } from '../../domain/text.js';
import { usualQueueSchema } from './usual-queue.js';

/**
 * What the collector hands the detectors: plain observations shaped after the REST API and the system
 * tables (docs/databricks.md, System tables), camelCase, ids as strings, times as epoch milliseconds. The collector parses
 * raw workspace data through these schemas once; detectors trust the parsed output.
 */

/**
 * The bounds of an observation's fields. The collector's mappers fit what the workspace sent into them
 * (`fit-observation.ts`) rather than refuse a run for a long name.
 */
export const LIMITS = {
  name: 512,
  text: 65_536,
  list: 1_000,
  tasks: 1_000,
  events: 5_000,
  code: 128,
  key: 256,
  url: 2_048,
} as const;

const name = z.string().max(LIMITS.name);
const code = z.string().max(LIMITS.code);
const epochMs = z.number().int().nonnegative();
const usd = z.number().finite().nonnegative();
const tableName = z.string().min(1).max(LIMITS.name);
// Error text comes from user code and can be any size: keep the head, which is where the message sits.
const errorText = z.string().transform((v) => v.slice(0, LIMITS.text));

/** One attempt of one task inside a job run (`runs/get` `tasks[]`, `job_task_run_timeline`). */
const taskRunObservationSchema = z.object({
  taskKey: z.string().min(1).max(LIMITS.key),
  /** The task run id (not the parent job run id). */
  runId: idString,
  attemptNumber: z.number().int().nonnegative().default(0),
  /** REST `state.life_cycle_state` / `status.state` (QUEUED … TERMINATED, INTERNAL_ERROR, SKIPPED …). */
  lifeCycleState: code.optional(),
  /** REST `state.result_state` or system-table `result_state`; either vocabulary is understood. */
  resultState: code.optional(),
  terminationCode: code.optional(),
  terminationType: code.optional(),
  stateMessage: errorText.optional(),
  /** `runs/get-output` `error` for this task run. */
  errorMessage: errorText.optional(),
  /** `runs/get-output` `error_trace`. */
  errorTrace: errorText.optional(),
  startTime: epochMs.optional(),
  endTime: epochMs.optional(),
  dependsOn: z.array(z.string().max(LIMITS.key)).max(LIMITS.list).default([]),
  clusterId: idString.optional(),
  /** The task's `max_retries` when known: a failed attempt at it is final even while the run goes on. */
  maxRetries: z.number().int().min(-1).optional(),
  costUsd: usd.optional(),
});
export type TaskRunObservation = z.output<typeof taskRunObservationSchema>;

/** One job run (`runs/get`, `job_run_timeline` end row ⨝ `lakeflow.jobs`). */
export const runObservationSchema = z.object({
  workspaceId: idString,
  jobId: idString,
  jobName: name.optional(),
  runId: idString,
  runName: name.optional(),
  /** REST `trigger` (PERIODIC, ONE_TIME, RETRY, RUN_JOB_TASK …) or system-table `trigger_type`. */
  trigger: code.optional(),
  lifeCycleState: code.optional(),
  resultState: code.optional(),
  terminationCode: code.optional(),
  terminationType: code.optional(),
  stateMessage: errorText.optional(),
  startTime: epochMs,
  endTime: epochMs.optional(),
  tasks: z.array(taskRunObservationSchema).max(LIMITS.tasks).default([]),
  /** Job tags; `team`, `cost_center` and `criticality` are the ones the bot reads. */
  tags: z.record(z.string().max(LIMITS.key), z.string().max(LIMITS.name)).default({}),
  owner: name.optional(),
  tablesRead: z.array(tableName).max(LIMITS.list).default([]),
  tablesWritten: z.array(tableName).max(LIMITS.list).default([]),
  /** Cluster and warehouse ids the run used (`compute_ids`). */
  computeIds: z.array(idString).max(LIMITS.list).default([]),
  /** For runs started by a `run_job_task`: the parent job. */
  parentJobId: idString.optional(),
  costUsd: usd.optional(),
  runPageUrl: z
    .url({ protocol: /^https?$/ })
    .max(LIMITS.url)
    .optional(),
});
export type RunObservation = z.output<typeof runObservationSchema>;
export type RunObservationInput = z.input<typeof runObservationSchema>;

/** One load into a table by a job task (from lineage + `query.history.written_rows`, or the task's metrics). */
export const tableLoadObservationSchema = z.object({
  workspaceId: idString,
  table: tableName,
  jobId: idString.optional(),
  runId: idString,
  taskKey: z.string().max(LIMITS.key).optional(),
  rowsWritten: z.number().int().nonnegative(),
  loadedAt: epochMs,
});
export type TableLoadObservation = z.output<typeof tableLoadObservationSchema>;

/**
 * A freshness promise: `table` is refreshed every day before `deadline` (HH:MM) in `timezone`, or is never
 * older than `maxAgeMinutes` since its last write (`warnAfterMinutes`: the age from which evidence
 * against the next refresh tells it at risk). Exactly one of `deadline` and `maxAgeMinutes`.
 */
export const tableSlaSchema = z
  .object({
    workspaceId: idString,
    table: tableName,
    deadline: z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'must be HH:MM (24 h)' })
      .optional(),
    maxAgeMinutes: z.number().int().positive().max(MAX_AGE_LIMIT_MINUTES).optional(),
    warnAfterMinutes: z.number().int().nonnegative().max(MAX_AGE_LIMIT_MINUTES).optional(),
    timezone: z
      .string()
      .max(64)
      .refine((tz) => isTimeZone(tz), { message: 'must be an IANA time zone such as Europe/Berlin' }),
    upstreamJobIds: z.array(idString).max(LIMITS.list).default([]),
    /** DLT / Lakeflow pipelines upstream of the table (by lineage): a hung update of one holds it back. */
    upstreamPipelineIds: z.array(idString).max(LIMITS.list).optional(),
    team: name.optional(),
    criticality: name.optional(),
    /** The last time the table was written (lineage `event_time` or `information_schema.tables.last_altered`). */
    lastRefreshedAt: epochMs.optional(),
  })
  .refine((sla) => (sla.deadline === undefined) !== (sla.maxAgeMinutes === undefined), {
    message: 'takes either a deadline or a maximum age',
  });
export type TableSla = z.output<typeof tableSlaSchema>;

/** A DLT / Lakeflow pipeline update (`pipeline_update_timeline`, `pipelines/{id}/updates`, events). */
export const pipelineUpdateObservationSchema = z.object({
  workspaceId: idString,
  pipelineId: idString,
  pipelineName: name.optional(),
  updateId: idString,
  /** Update `state` (COMPLETED, FAILED, CANCELED, RUNNING …) or `result_state`. */
  state: code,
  cause: code.optional(),
  startTime: epochMs,
  endTime: epochMs.optional(),
  /** ERROR-level event messages (`error.exceptions[].message`), newest first. */
  errors: z
    .array(z.object({ message: errorText, className: z.string().max(512).optional() }))
    .max(LIMITS.list)
    .default([]),
  tablesWritten: z.array(tableName).max(LIMITS.list).default([]),
  /** The job whose pipeline task triggered the update (`trigger_details.job_task.job_id`). */
  jobId: idString.optional(),
  clusterId: idString.optional(),
  team: name.optional(),
  costUsd: usd.optional(),
  /**
   * What the pipeline's event log says of the update in flight, when it could be read: when its flows
   * last reported progress, and the gaps between progress reports read since the last poll.
   */
  progress: z
    .object({
      /**
       * The newest `flow_progress` event of the update, or its `update_progress` RUNNING when none yet;
       * absent when the log could not be read this time.
       */
      quietSince: epochMs.optional(),
      /** Gaps between one update's consecutive progress reports (this one's or earlier ones'), in seconds. */
      gaps: z
        .array(z.object({ updateId: idString, at: epochMs, seconds: z.number().finite().nonnegative() }))
        .max(LIMITS.list)
        .default([]),
    })
    .optional(),
});
export type PipelineUpdateObservation = z.output<typeof pipelineUpdateObservationSchema>;

/** One cluster event (`clusters/events`), with the termination reason when there is one. */
export const clusterEventObservationSchema = z.object({
  workspaceId: idString,
  clusterId: idString,
  clusterName: name.optional(),
  timestamp: epochMs,
  /** Event `type`: NODES_LOST, DRIVER_NOT_RESPONDING, TERMINATING … */
  type: code,
  /** `details.reason.code`, e.g. SPOT_INSTANCE_TERMINATION. */
  reasonCode: code.optional(),
  reasonType: code.optional(),
  message: errorText.optional(),
  /** Job clusters: the job and run that own the cluster. */
  jobId: idString.optional(),
  runId: idString.optional(),
  team: name.optional(),
});
export type ClusterEventObservation = z.output<typeof clusterEventObservationSchema>;

/** A SQL warehouse right now (`warehouses/get` + `warehouse_events` + `query.history`). */
export const warehouseObservationSchema = z.object({
  workspaceId: idString,
  warehouseId: idString,
  name: name.optional(),
  /** STARTING, RUNNING, STOPPING, STOPPED … */
  state: code,
  /** `cluster_size`: 2X-Small … 4X-Large (either spelling: `X_SMALL` or `X-Small`). */
  size: code.optional(),
  warehouseType: code.optional(),
  autoStopMins: z.number().int().nonnegative(),
  numClusters: z.number().int().nonnegative().default(1),
  maxNumClusters: z.number().int().positive().default(1),
  /** Statements waiting at capacity (the warehouse at its maximum load), not for it to start. */
  queuedQueries: z.number().int().nonnegative().default(0),
  runningQueries: z.number().int().nonnegative().default(0),
  /** Since when the warehouse has run with no statement (last statement end, else the RUNNING event). */
  idleSince: epochMs.optional(),
  /** Longest current wait at capacity (since `overloading_queue_start_timestamp`); a start's wait is not counted. */
  maxQueuedMs: z.number().int().nonnegative().optional(),
  team: name.optional(),
  /**
   * How its queue at capacity usually stands at this time of day (`usual-queue.ts`), read from
   * `system.query.history` when it queues; absent with too little history, or none read.
   */
  usualQueue: usualQueueSchema.optional(),
});
export type WarehouseObservation = z.output<typeof warehouseObservationSchema>;

/** One statement (`query/history` API or `system.query.history`). */
export const queryObservationSchema = z.object({
  workspaceId: idString,
  statementId: idString,
  warehouseId: idString.optional(),
  user: name.optional(),
  /** RUNNING, QUEUED, FINISHED, FAILED, CANCELED. */
  state: code,
  startTime: epochMs,
  /** Duration so far for a running statement, total for a finished one. */
  durationMs: z.number().int().nonnegative(),
  readBytes: z.number().int().nonnegative().default(0),
  statementText: z
    .string()
    .transform((v) => v.slice(0, 2_000))
    .optional(),
  jobId: idString.optional(),
  dashboardId: idString.optional(),
  costUsd: usd.optional(),
});
export type QueryObservation = z.output<typeof queryObservationSchema>;

/** The most resources a team's period names (its biggest spenders): bounds one observation's size. */
export const COST_RESOURCES_MAX = 20;

/**
 * Part of a team's spend in a period, on one resource as `billing.usage.usage_metadata` names it: the
 * warehouse, else the pipeline, else the job (a job cluster's id changes every run), else the
 * all-purpose cluster.
 */
const costResourceSchema = z.object({
  type: z.enum(['warehouse', 'pipeline', 'job', 'cluster']),
  id: idString,
  usd,
});
export type CostResource = z.output<typeof costResourceSchema>;

/** Spend of one team in one period (`billing.usage` ⨝ `list_prices`, grouped by `custom_tags['team']`). */
export const costObservationSchema = z.object({
  workspaceId: idString,
  team: z.string().min(1).max(256),
  /** Start of the day or hour, UTC epoch ms. */
  periodStart: epochMs,
  granularity: z.enum(['day', 'hour']).default('day'),
  usd,
  /**
   * The biggest parts of `usd` by resource, largest first (what usage without `usage_metadata` spent is
   * in `usd` only): what lets a rise be put on the warehouse or job that carries it.
   */
  resources: z.array(costResourceSchema).max(COST_RESOURCES_MAX).default([]),
});
export type CostObservation = z.output<typeof costObservationSchema>;

/** A team's monthly budget (policy `budgets`). */
const budgetSchema = z.object({ team: z.string().min(1).max(256), monthlyUsd: usd });
export type Budget = z.output<typeof budgetSchema>;

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/**
 * Parses a list of untrusted observations item by item: the good ones come back, each bad one is named
 * with its index and the first problem, so one malformed row never hides the rest.
 */
export function parseObservations<S extends z.ZodType>(
  schema: S,
  items: unknown,
): Result<{ items: z.output<S>[]; rejected: { index: number; reason: string }[] }, 'not_a_list'> {
  if (!Array.isArray(items)) return err('not_a_list', 'Observations must arrive as a list.');
  const good: z.output<S>[] = [];
  const rejected: { index: number; reason: string }[] = [];
  items.forEach((item, index) => {
    const parsed = schema.safeParse(item);
    if (parsed.success) good.push(parsed.data);
    else {
      const issue = parsed.error.issues[0];
      rejected.push({ index, reason: `${issue?.path.map(String).join('.') || '(item)'}: ${issue?.message}` });
    }
  });
  return ok({ items: good, rejected });
}

/** One job cluster as it was launched: the first `system.compute.clusters` row of a `cluster_source` JOB cluster. */
export const jobClusterLaunchSchema = z.object({
  clusterId: idString,
  createdAt: epochMs,
  /** `worker_count`; null for an autoscaling cluster, which has `min/max_autoscale_workers` instead. */
  workers: z.number().int().nonnegative().optional(),
  minWorkers: z.number().int().nonnegative().optional(),
  maxWorkers: z.number().int().nonnegative().optional(),
  workerNodeType: code.optional(),
  driverNodeType: code.optional(),
});
export type JobClusterLaunch = z.output<typeof jobClusterLaunchSchema>;

/**
 * One change of a job's settings: a `system.lakeflow.jobs` row (a new row per change, at `change_time`)
 * beyond the job's first, completed from the `jobs` `update`/`reset` audit event at that time when the
 * audit log has it: who made it, and the clusters it set.
 */
const jobSettingsChangeSchema = z.object({
  at: epochMs,
  /** `user_identity.email` of the audit event; absent without one. */
  by: name.optional(),
  /** `update` or `reset`, as the audit log names the call. */
  action: code.optional(),
  /**
   * The job and task clusters the change set (`new_settings.job_clusters[].new_cluster`,
   * `new_settings.tasks[].new_cluster`); empty when it set none, absent when what it set is unknown.
   */
  clusters: z
    .array(
      z.object({
        key: z.string().max(LIMITS.key),
        workers: z.number().int().nonnegative().optional(),
        minWorkers: z.number().int().nonnegative().optional(),
        maxWorkers: z.number().int().nonnegative().optional(),
        workerNodeType: code.optional(),
      }),
    )
    .max(LIMITS.list)
    .optional(),
});
export type JobSettingsChange = z.output<typeof jobSettingsChangeSchema>;

/**
 * A job's job-cluster launches over the last weeks (`system.compute.clusters`, tag `JobId`) and what the
 * job usually costs a day (`system.billing.usage` by `usage_metadata.job_id`, days before `usualUntil`).
 * Handed out whenever the job launches a new cluster, so the detector sees the launch against the job's own.
 */
export const jobClusterHistorySchema = z.object({
  workspaceId: idString,
  jobId: idString,
  jobName: name.optional(),
  team: name.optional(),
  launches: z.array(jobClusterLaunchSchema).max(LIMITS.list),
  /** The job's spend per whole day it ran, by day (UTC midnight epoch ms). */
  dailyUsd: z
    .array(z.object({ day: epochMs, usd }))
    .max(LIMITS.list)
    .default([]),
  /** Changes to the job's settings over the same weeks, oldest first. */
  settingsChanges: z.array(jobSettingsChangeSchema).max(LIMITS.list).default([]),
});
export type JobClusterHistory = z.output<typeof jobClusterHistorySchema>;
