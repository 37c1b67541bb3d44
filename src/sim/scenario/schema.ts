import { z } from 'zod';
import { MAX_AGE_LIMIT_MINUTES, parseDurationMinutes } from '../../domain/duration.js';
import { errorCategorySchema, failureActionSchema } from '../../domain/error-label.js';
import { knownZone, parseQuartzSchedule } from '../../domain/quartz-schedule.js';
import { severitySchema } from '../../domain/severity.js';

/**
 * The scenario format: a simulated Databricks workspace (topology + baseline behaviour) and the faults
 * injected into it, each with the ground truth an evaluation scores against. Field names are snake_case
 * because people write these files in YAML; `docs/scenarios.md` documents every field.
 */

const name = z.string().min(1).max(200);
const email = z
  .string()
  .min(3)
  .max(320)
  .regex(/^[^@\s]+@[^@\s]+$/, 'an email address like alice@example.com');

/** An instant: ISO-8601 with an offset (`2026-11-20T02:00:00Z`) or an offset from `start` (`+2h`, `+90m`, `+1d`). */
const instantSchema = z
  .string()
  .regex(
    /^(\+\d+(\.\d+)?[smhd]|\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d))$/,
    'an ISO instant like 2026-11-20T02:00:00Z or an offset from start like +2h',
  );

const tableName = z
  .string()
  .regex(/^[A-Za-z0-9_]+\.[A-Za-z0-9_]+\.[A-Za-z0-9_]+$/, 'a three-part table name like main.finance.orders');

const FAULT_KINDS = [
  'task_error',
  'timeout',
  'oom',
  'cloud_capacity',
  'concurrency_conflict',
  'duration_spike',
  'row_count_drop',
  'zero_rows',
  'skipped_downstream',
  'stale_table',
  'revoked_grant',
  'revoked_permission',
  'runaway_query',
  'idle_warehouse_no_autostop',
  'cost_spike',
  'pipeline_error',
  'driver_unresponsive',
  'spot_loss',
  'throttle',
  'server_error',
  'query_storm',
  'pipeline_hang',
  'late_arrival',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/**
 * Faults a retry gets past by their nature: a concurrent commit lost a race (the retry commits on the new
 * snapshot), a cloud capacity shortage or a spot reclaim (the retry gets nodes again). The others stay
 * until something changes: the code, grants, object permissions or settings (task and pipeline errors, a
 * revoked grant or permission), the cluster size or timeout (out of memory, a timeout), a restart (a hung
 * driver), or the window's end.
 */
export const TRANSIENT_FAULT_KINDS: ReadonlySet<FaultKind> = new Set([
  'concurrency_conflict',
  'cloud_capacity',
  'spot_loss',
  // A hung pipeline update is what a stop and a fresh update get past.
  'pipeline_hang',
]);

const jitter = z.number().min(0).max(1);

const durationSchema = z.strictObject({
  mean_minutes: z
    .number()
    .positive()
    .max(7 * 24 * 60),
  jitter: jitter.default(0.1),
});
const rowsSchema = z.strictObject({
  mean: z.number().int().min(0).max(1e13),
  jitter: jitter.default(0.1),
});

const scheduleSchema = z
  .strictObject({
    quartz_cron_expression: z.string(),
    timezone_id: z.string().min(1).max(64).default('UTC'),
    pause_status: z.enum(['PAUSED', 'UNPAUSED']).default('UNPAUSED'),
  })
  .superRefine((s, ctx) => {
    // The same parser the replay uses, so a schedule accepted here is one the simulator can play.
    const parsed = parseQuartzSchedule(s.quartz_cron_expression, s.timezone_id);
    if (parsed.ok) return;
    const path = parsed.reason === 'unknown_timezone' ? 'timezone_id' : 'quartz_cron_expression';
    ctx.addIssue({ code: 'custom', path: [path], message: parsed.userMessage });
  });

const TASK_TYPES = ['notebook', 'sql', 'python_wheel', 'pipeline', 'run_job'] as const;

const taskSchema = z.strictObject({
  key: z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, 'a task key of letters, digits, _ and -'),
  type: z.enum(TASK_TYPES).default('notebook'),
  depends_on: z.array(z.string()).max(100).default([]),
  /** job_cluster_key of a cluster in the job's `job_clusters`. */
  cluster: z.string().optional(),
  /** name of an all-purpose cluster (existing_cluster_id). */
  existing_cluster: z.string().optional(),
  /** name of a warehouse, for sql tasks. */
  warehouse: z.string().optional(),
  /** name of a pipeline, for pipeline tasks. */
  pipeline: z.string().optional(),
  /** name of a job, for run_job tasks. */
  run_job: z.string().optional(),
  max_retries: z.number().int().min(-1).max(100).default(0),
  min_retry_interval_millis: z.number().int().min(0).max(86_400_000).default(0),
  retry_on_timeout: z.boolean().default(false),
  timeout_seconds: z
    .number()
    .int()
    .min(0)
    .max(7 * 86_400)
    .default(0),
  reads: z.array(tableName).max(100).default([]),
  writes: z.array(tableName).max(100).default([]),
  duration: durationSchema.optional(),
  rows: rowsSchema.optional(),
});

// ── Shared compute (simcompute): autoscaling and spot/on-demand, on job and all-purpose clusters ──
/**
 * Spot or on-demand nodes, in AWS's words; the simulator writes each cloud's own spelling
 * (`SPOT_WITH_FALLBACK_AZURE`, `PREEMPTIBLE_WITH_FALLBACK_GCP` …). Without it a cluster is what it
 * always was: AWS spot with fallback, Azure on demand (and `first_on_demand` 1).
 */
const AVAILABILITIES = ['SPOT_WITH_FALLBACK', 'SPOT', 'ON_DEMAND'] as const;
export type Availability = (typeof AVAILABILITIES)[number];

const autoscaleSchema = z
  .strictObject({
    min_workers: z.number().int().min(0).max(1000),
    max_workers: z.number().int().min(1).max(1000),
  })
  .refine((a) => a.min_workers <= a.max_workers, 'min_workers must not exceed max_workers');

/** Keys both kinds of cluster take; all optional, so a cluster without them behaves as before. */
const computeKeys = {
  /** Instead of a fixed `workers`: the cluster starts at `min_workers` and scales up to `max_workers` under load. */
  autoscale: autoscaleSchema.optional(),
  availability: z.enum(AVAILABILITIES).optional(),
  /** How many of the nodes (the driver first) are on-demand; the rest follow `availability`. */
  first_on_demand: z.number().int().min(0).max(1001).optional(),
};

const jobClusterSchema = z.strictObject({
  key: z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, 'a job cluster key of letters, digits, _ and -'),
  node_type: z.string().min(1).max(64).default('i3.xlarge'),
  driver_node_type: z.string().min(1).max(64).optional(),
  workers: z.number().int().min(0).max(1000).default(2),
  spark_version: z.string().default('15.4.x-scala2.12'),
  photon: z.boolean().default(false),
  ...computeKeys,
});

/** A table's maximum age as a team writes it (`90m`, `2h`, `1d`): becomes the `sla_max_age` tag as written. */
const maxAge = z
  .string()
  .max(40)
  .refine((text) => {
    const minutes = parseDurationMinutes(text);
    return minutes !== undefined && minutes <= MAX_AGE_LIMIT_MINUTES;
  }, 'a maximum age like "90m", "2h" or "1d" (31d at most)');

const slaSchema = z.union([
  z.string().regex(/^\d\d:\d\d$/, 'a deadline like "06:00"'),
  z.strictObject({
    deadline: z.string().regex(/^\d\d:\d\d$/, 'a deadline like "06:00"'),
    table: tableName.optional(),
    timezone_id: z.string().default('UTC'),
  }),
  z
    .strictObject({
      max_age: maxAge,
      warn_after: maxAge.optional(),
      table: tableName.optional(),
    })
    .refine(
      (sla) =>
        sla.warn_after === undefined ||
        (parseDurationMinutes(sla.warn_after) ?? 0) < (parseDurationMinutes(sla.max_age) ?? 0),
      { path: ['warn_after'], message: 'shorter than max_age' },
    ),
]);

// ── Job triggers besides a cron schedule (the Jobs API `trigger` and `continuous` settings) ──

const triggerPause = z.enum(['PAUSED', 'UNPAUSED']).default('UNPAUSED');
const triggerSeconds = z
  .number()
  .int()
  .min(0)
  .max(7 * 86_400)
  .default(0);

/** When files land in the watched location: every `every_minutes` (± jitter) inside the UTC `hours`. */
const fileArrivalsSchema = z.strictObject({
  every_minutes: z
    .number()
    .positive()
    .max(7 * 24 * 60),
  jitter: jitter.default(0.2),
  hours: z.tuple([z.number().int().min(0).max(23), z.number().int().min(1).max(24)]).default([0, 24]),
});

const jobTriggerSchema = z.strictObject({
  pause_status: triggerPause,
  file_arrival: z
    .strictObject({
      url: z
        .string()
        .regex(/^(s3|abfss|gs|dbfs):\/\/\S+$|^\/Volumes\/\S+$/, 'a storage URL or /Volumes/ path'),
      min_time_between_triggers_seconds: triggerSeconds,
      wait_after_last_change_seconds: triggerSeconds,
      /** The simulator's side: when files arrive there. */
      arrivals: fileArrivalsSchema,
    })
    .optional(),
  table_update: z
    .strictObject({
      table_names: z.array(tableName).min(1).max(10),
      condition: z.enum(['ANY_UPDATED', 'ALL_UPDATED']).default('ANY_UPDATED'),
      min_time_between_triggers_seconds: triggerSeconds,
      wait_after_last_change_seconds: triggerSeconds,
    })
    .optional(),
  periodic: z
    .strictObject({
      interval: z.number().int().min(1).max(10_000),
      unit: z.enum(['HOURS', 'DAYS', 'WEEKS']),
    })
    .optional(),
});

const jobSchema = z.strictObject({
  name,
  team: z.string().min(1),
  cost_center: z.string().max(64).optional(),
  owner: email,
  criticality: z.string().max(64).default('standard'),
  description: z.string().max(10_000).default(''),
  schedule: scheduleSchema.optional(),
  max_concurrent_runs: z.number().int().min(1).max(1000).default(1),
  timeout_seconds: z
    .number()
    .int()
    .min(0)
    .max(7 * 86_400)
    .default(0),
  job_clusters: z.array(jobClusterSchema).max(100).default([]),
  tasks: z.array(taskSchema).min(1).max(1000),
  sla: slaSchema.optional(),
  tags: z.record(z.string(), z.string()).default({}),
  /** One of file_arrival, table_update or periodic (instead of `schedule`). */
  trigger: jobTriggerSchema.optional(),
  /** A continuous job: a new run starts as soon as the last one ends. */
  continuous: z.strictObject({ pause_status: triggerPause }).optional(),
});

const teamSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9_-]{1,64}$/, 'a lower-case team name'),
  cost_center: z.string().max(64).optional(),
  slack_channel: z.string().max(100).optional(),
});

const userSchema = z.strictObject({
  email,
  team: z.string().optional(),
  display_name: z.string().max(200).optional(),
  service_principal: z.boolean().default(false),
  /** A deactivated user keeps their grants in the ACLs but may no longer act (SCIM `active: false`). */
  active: z.boolean().default(true),
});

const groupSchema = z.strictObject({ name, members: z.array(email).max(10_000).default([]) });

/** Workspace object permission levels, per object type (the Permissions API's `permission_level`). */
export const PERMISSION_LEVELS = {
  job: ['CAN_VIEW', 'CAN_MANAGE_RUN', 'CAN_MANAGE'],
  cluster: ['CAN_ATTACH_TO', 'CAN_RESTART', 'CAN_MANAGE'],
  warehouse: ['CAN_VIEW', 'CAN_MONITOR', 'CAN_USE', 'CAN_MANAGE'],
  pipeline: ['CAN_VIEW', 'CAN_RUN', 'CAN_MANAGE'],
} as const;
export type PermissionObjectType = keyof typeof PERMISSION_LEVELS;
export const OBJECT_TYPES = Object.keys(PERMISSION_LEVELS) as PermissionObjectType[];
/** Groups every workspace has: `admins` manage everything, `users` holds every user. */
export const BUILT_IN_GROUPS = ['admins', 'users'] as const;
const ALL_LEVELS = [...new Set(Object.values(PERMISSION_LEVELS).flat())] as [string, ...string[]];

/** The object types a `revoked_permission` fault can name. */
const REVOCABLE = ['cluster', 'job', 'pipeline'] as const;
export type RevocableObjectType = (typeof REVOCABLE)[number];

/**
 * The one cluster, job or pipeline a `revoked_permission` target names, by type and name; undefined when
 * it names none or several.
 */
export function revocableObjectOf(p: {
  job?: string | undefined;
  cluster?: string | undefined;
  pipeline?: string | undefined;
}): { type: RevocableObjectType; name: string } | undefined {
  const named = REVOCABLE.flatMap((type) => {
    const name = p[type];
    return name === undefined ? [] : [{ type, name }];
  });
  return named.length === 1 ? named[0] : undefined;
}

/** One grant on a workspace object: exactly one of job/cluster/warehouse/pipeline names the object. */
const permissionSchema = z.strictObject({
  job: name.optional(),
  cluster: name.optional(),
  warehouse: name.optional(),
  pipeline: name.optional(),
  /** A user's or service principal's email, or a group's name. */
  principal: z.string().min(1).max(320),
  level: z.enum(ALL_LEVELS),
});

const tableSchema = z.strictObject({
  name: tableName,
  owner: z.string().min(1).max(320),
  criticality: z.string().max(64).default('standard'),
  team: z.string().optional(),
});

const pipelineSchema = z.strictObject({
  name,
  team: z.string().min(1),
  owner: email,
  edition: z.enum(['CORE', 'PRO', 'ADVANCED']).default('ADVANCED'),
  schedule: scheduleSchema.optional(),
  node_type: z.string().default('i3.xlarge'),
  workers: z.number().int().min(0).max(1000).default(2),
  duration: durationSchema.default({ mean_minutes: 15, jitter: 0.1 }),
  reads: z.array(tableName).max(100).default([]),
  writes: z.array(tableName).max(100).default([]),
  /** A continuous pipeline: one update starts at the scenario's start and keeps RUNNING. */
  continuous: z.boolean().default(false),
});

const clockTime = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'a local time like "09:30" (00:00 to 24:00)');

/**
 * Working hours: whole UTC hours `[from, to)` as `[8, 18]`, or local times in a time zone
 * (`{from: "09:30", to: "19:30", timezone: "Asia/Kolkata"}`), which follow the zone's daylight saving and
 * may run past midnight (`to` before `from`).
 */
const businessHoursSchema = z.union(
  [
    z
      .tuple([z.number().int().min(0).max(23), z.number().int().min(1).max(24)])
      .refine(([from, to]) => from !== to, 'two different hours like [8, 18]'),
    z
      .strictObject({
        from: clockTime,
        to: clockTime,
        timezone: z.string().min(1).max(64).default('UTC'),
      })
      .superRefine((h, ctx) => {
        if (!knownZone(h.timezone))
          ctx.addIssue({
            code: 'custom',
            path: ['timezone'],
            message: 'a known IANA time zone like "UTC", "Europe/Berlin" or "Asia/Kolkata"',
          });
        if (h.from === '24:00')
          ctx.addIssue({ code: 'custom', path: ['from'], message: 'a time before 24:00, like "09:30"' });
        else if (minutesOfDay(h.from) === minutesOfDay(h.to))
          ctx.addIssue({ code: 'custom', path: ['to'], message: 'a time other than from' });
      }),
  ],
  'UTC hours like [8, 18] or local times like {from: "09:30", to: "19:30", timezone: "Asia/Kolkata"}',
);
export type BusinessHours = z.infer<typeof businessHoursSchema>;

/** Minutes since midnight of an `HH:MM` clock time. */
export function minutesOfDay(hhmm: string): number {
  const [hh, mm] = hhmm.split(':').map(Number);
  return (hh ?? 0) * 60 + (mm ?? 0);
}

const clusterSchema = z.strictObject({
  name,
  team: z.string().min(1),
  owner: email,
  node_type: z.string().default('i3.xlarge'),
  workers: z.number().int().min(0).max(1000).default(2),
  spark_version: z.string().default('15.4.x-scala2.12'),
  autotermination_minutes: z.number().int().min(0).max(43_200).default(120),
  state: z.enum(['RUNNING', 'TERMINATED']).default('RUNNING'),
  /** When people use the cluster: it scales up and restarts in these hours and idles outside them. */
  business_hours: businessHoursSchema.default([8, 18]),
  ...computeKeys,
});

export const WAREHOUSE_SIZES = [
  '2X-Small',
  'X-Small',
  'Small',
  'Medium',
  'Large',
  'X-Large',
  '2X-Large',
  '3X-Large',
  '4X-Large',
] as const;

// ── Warehouse load: dashboards and ad-hoc queries competing for a warehouse's clusters ──

const statementDuration = z.strictObject({
  mean_seconds: z.number().positive().max(86_400),
  jitter: jitter.default(0.5),
});

const warehouseLoadSchema = z.strictObject({
  /** Statements one cluster runs at once; more wait at capacity (`waiting_at_capacity_duration_ms`). */
  concurrency_per_cluster: z.number().int().min(1).max(1000).default(10),
  /** Dashboards refreshed every `refresh_minutes` in business hours, each refresh all `queries` at once. */
  dashboards: z
    .array(
      z.strictObject({
        name,
        refresh_minutes: z.number().int().min(1).max(1440).default(15),
        queries: z.number().int().min(1).max(500).default(8),
        duration: statementDuration.default({ mean_seconds: 4, jitter: 0.5 }),
      }),
    )
    .max(1000)
    .default([]),
  /** People's own queries in business hours, on top of `queries_per_hour`. */
  adhoc: z
    .strictObject({
      queries_per_hour: z.number().min(0).max(100_000),
      duration: statementDuration.default({ mean_seconds: 20, jitter: 0.8 }),
    })
    .optional(),
});

const warehouseSchema = z.strictObject({
  name,
  team: z.string().min(1),
  owner: email,
  size: z.enum(WAREHOUSE_SIZES).default('Small'),
  min_clusters: z.number().int().min(1).max(30).default(1),
  max_clusters: z.number().int().min(1).max(40).default(1),
  auto_stop_mins: z.number().int().min(0).max(10_000).default(20),
  type: z.enum(['PRO', 'CLASSIC', 'SERVERLESS']).default('PRO'),
  tags: z.record(z.string(), z.string()).default({}),
  queries_per_hour: z.number().min(0).max(100_000).default(0),
  /** When queries arrive; outside these hours the warehouse idles and auto-stops. */
  business_hours: businessHoursSchema.default([8, 18]),
  users: z.array(email).max(1000).default([]),
  /** Dashboards, ad-hoc queries and a concurrency limit per cluster; without it statements never wait. */
  load: warehouseLoadSchema.optional(),
});

const grantSchema = z.strictObject({
  table: tableName,
  principal: z.string().min(1).max(320),
  privilege: z.enum(['SELECT', 'MODIFY', 'ALL PRIVILEGES', 'USE SCHEMA', 'USE CATALOG']).default('SELECT'),
  grantor: z.string().max(320).optional(),
});

const targetSchema = z.strictObject({
  job: z.string().optional(),
  task: z.string().optional(),
  warehouse: z.string().optional(),
  cluster: z.string().optional(),
  pipeline: z.string().optional(),
  team: z.string().optional(),
  table: tableName.optional(),
  grant: z.strictObject({ table: tableName, principal: z.string().min(1) }).optional(),
  /** revoked_permission: the `permissions[]` entry taken away (one of cluster, job or pipeline). */
  permission: z
    .strictObject({
      job: name.optional(),
      cluster: name.optional(),
      pipeline: name.optional(),
      principal: z.string().min(1).max(320),
      level: z.enum(ALL_LEVELS),
    })
    .optional(),
});

const faultSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_.-]{1,100}$/, 'a fault id of letters, digits, _ . and -'),
  kind: z.enum(FAULT_KINDS),
  target: targetSchema,
  start: instantSchema,
  end: instantSchema.optional(),
  /** How many runs/attempts the fault hits (from `start`); without it the fault lasts until `end`. */
  occurrences: z.number().int().min(1).max(100_000).optional(),
  /**
   * Error text to use instead of the kind's realistic default: the run's error for the kinds that fail
   * runs, the update's error for pipeline_error, the cluster event's message for driver_unresponsive and
   * spot_loss on a cluster, the failed statement's error for runaway_query.
   */
  message: z.string().max(10_000).optional(),
  /** runaway_query: the statement that runs away and how much it reads, instead of the default cross join. */
  query: z
    .strictObject({
      text: z.string().min(1).max(100_000),
      read_bytes: z.number().int().min(0).max(1e18).optional(),
    })
    .optional(),
  /** late_arrival: how much later each file held back lands (`2h10m`, `90m`). */
  delay: z
    .string()
    .max(40)
    .refine((text) => parseDurationMinutes(text) !== undefined, 'a delay like "2h10m", "90m" or "1d"')
    .optional(),
  /** late_arrival: the files held back all land at this instant instead. */
  until: instantSchema.optional(),
  /** late_arrival: the files held back never land. */
  skip: z.literal(true).optional(),
  /** Multiplier for duration_spike/timeout (×duration), row_count_drop (×rows), cost_spike (×workers). */
  factor: z.number().positive().max(10_000).optional(),
  /**
   * Whether a person's repair or run-now gets past the fault without changing anything first (a blip, a
   * commit race, a capacity shortage that has passed). Defaults by kind (`TRANSIENT_FAULT_KINDS`); the
   * engine never reads `expected`, which is the answer the evaluation grades, to decide how it behaves.
   */
  transient: z.boolean().optional(),
  expected: z.strictObject({
    category: errorCategorySchema,
    severity: severitySchema,
    action: failureActionSchema,
  }),
  caused_by: z.string().optional(),
  note: z.string().max(2000).optional(),
  // ── ground truth beyond "find it" (docs/scenarios.md, Ground truth that says what must not happen) ──
  /**
   * The fault must page nobody: no incident at P1 or P2 may come of it (a blip its own task retry
   * recovered, a run its owner cancelled). It is not a fault to find: recall and precision leave it out.
   */
  must_not_page: z.boolean().default(false),
  /** The fault repeats (night after night): a recurring issue must be open by its Nth occurrence. */
  recurring_by: z.number().int().min(2).max(1000).optional(),
});

// ── People cancelling their own runs ──

const cancellationSchema = z.strictObject({
  job: name,
  /** The run in flight then is cancelled; with none, the next run a minute after it starts. */
  at: instantSchema,
  /** Who presses cancel; default the job's owner. */
  by: email.optional(),
});

const baselineSchema = z.strictObject({
  duration: durationSchema.default({ mean_minutes: 12, jitter: 0.15 }),
  rows: rowsSchema.default({ mean: 100_000, jitter: 0.1 }),
  /** Background probability that a task attempt fails with a generic error (outside any fault). */
  failure_rate: z.number().min(0).max(1).default(0),
  /** Record compute.node_timeline per node per minute: `all`, only `all_purpose` clusters, or `off`. */
  node_timeline: z.enum(['all', 'all_purpose', 'off']).default('all'),
});

/**
 * Healthy history before `start`: the workspace runs its schedules for `days` days without faults, played
 * flat out into the system tables and the REST run lists, so detectors find baselines at the first poll
 * as they would on a workspace that has a past. Only `start` onwards is replayed and scored.
 */
const historySchema = z.strictObject({
  days: z.number().positive().max(90),
});

export const scenarioSchema = z.strictObject({
  name,
  description: z.string().max(10_000).default(''),
  start: instantSchema.refine((s) => !s.startsWith('+'), 'start must be an absolute ISO instant'),
  duration_hours: z
    .number()
    .positive()
    .max(24 * 90)
    .default(24),
  workspace: z.strictObject({
    id: z.string().regex(/^\d{10,19}$/, 'a numeric workspace id like 1234567890123456'),
    host: z.string().regex(/^[a-z0-9.-]+$/, 'a host name like dbc-1a2b3c4d-5e6f.cloud.databricks.com'),
    cloud: z.enum(['AWS', 'AZURE', 'GCP']).default('AWS'),
    name: z.string().max(200).optional(),
    account_id: z.uuid().optional(),
    metastore_id: z.uuid().optional(),
  }),
  teams: z.array(teamSchema).max(1000).default([]),
  users: z.array(userSchema).max(100_000).default([]),
  /** The user the local console operator acts as when dbxops runs this scenario embedded. */
  operator: email.optional(),
  groups: z.array(groupSchema).max(10_000).default([]),
  jobs: z.array(jobSchema).max(100_000).default([]),
  tables: z.array(tableSchema).max(1_000_000).default([]),
  pipelines: z.array(pipelineSchema).max(10_000).default([]),
  clusters: z.array(clusterSchema).max(10_000).default([]),
  warehouses: z.array(warehouseSchema).max(1000).default([]),
  grants: z.array(grantSchema).max(1_000_000).default([]),
  permissions: z.array(permissionSchema).max(1_000_000).default([]),
  baseline: baselineSchema.default({
    duration: { mean_minutes: 12, jitter: 0.15 },
    rows: { mean: 100_000, jitter: 0.1 },
    failure_rate: 0,
    node_timeline: 'all',
  }),
  faults: z.array(faultSchema).max(100_000).default([]),
  /** Runs their owner (or `by`) cancels: ordinary work, nothing to alert on. */
  cancellations: z.array(cancellationSchema).max(10_000).default([]),
  history: historySchema.optional(),
});

export type Scenario = z.infer<typeof scenarioSchema>;
export type ScenarioInput = z.input<typeof scenarioSchema>;
export type ScenarioJob = Scenario['jobs'][number];
export type ScenarioTask = ScenarioJob['tasks'][number];
export type ScenarioFault = Scenario['faults'][number];
export type ScenarioWarehouse = Scenario['warehouses'][number];
export type ScenarioCluster = Scenario['clusters'][number];
export type ScenarioPipeline = Scenario['pipelines'][number];
