import { z } from 'zod';
import { databricksId, openEnum } from './databricks-json.js';
import type { HttpTransport } from './http-transport.js';
import { loopError, MAX_PAGES, paginate } from './paginate.js';

const JOBS = '/api/2.2/jobs';

const lifeCycleState = openEnum([
  'QUEUED',
  'PENDING',
  'RUNNING',
  'TERMINATING',
  'TERMINATED',
  'SKIPPED',
  'INTERNAL_ERROR',
  'BLOCKED',
  'WAITING_FOR_RETRY',
] as const);

const resultState = openEnum([
  'SUCCESS',
  'FAILED',
  'TIMEDOUT',
  'CANCELED',
  'MAXIMUM_CONCURRENT_RUNS_REACHED',
  'EXCLUDED',
  'SUCCESS_WITH_FAILURES',
  'UPSTREAM_FAILED',
  'UPSTREAM_CANCELED',
  'DISABLED',
] as const);

const runStateSchema = z.looseObject({
  life_cycle_state: lifeCycleState.optional(),
  result_state: resultState.optional(),
  state_message: z.string().optional(),
  user_cancelled_or_timedout: z.boolean().optional(),
  queue_reason: z.string().optional(),
});

const runStatusSchema = z.looseObject({
  state: openEnum([
    'QUEUED',
    'PENDING',
    'RUNNING',
    'TERMINATING',
    'TERMINATED',
    'BLOCKED',
    'WAITING',
  ] as const).optional(),
  termination_details: z
    .looseObject({
      code: z.string().optional(),
      type: openEnum(['SUCCESS', 'INTERNAL_ERROR', 'CLIENT_ERROR', 'CLOUD_FAILURE'] as const).optional(),
      message: z.string().optional(),
    })
    .optional(),
  queue_details: z.looseObject({ code: z.string().optional(), message: z.string().optional() }).optional(),
});

export const clusterSpecSchema = z.looseObject({
  spark_version: z.string().optional(),
  node_type_id: z.string().optional(),
  driver_node_type_id: z.string().optional(),
  num_workers: z.number().int().optional(),
  autoscale: z.looseObject({ min_workers: z.number().int(), max_workers: z.number().int() }).optional(),
  custom_tags: z.record(z.string(), z.string()).optional(),
  spark_conf: z.record(z.string(), z.string()).optional(),
  policy_id: z.string().optional(),
  instance_pool_id: z.string().optional(),
  data_security_mode: z.string().optional(),
  runtime_engine: z.string().optional(),
  autotermination_minutes: z.number().int().optional(),
});

const jobTaskSchema = z.looseObject({
  task_key: z.string(),
  description: z.string().optional(),
  depends_on: z.array(z.looseObject({ task_key: z.string(), outcome: z.string().optional() })).optional(),
  run_if: z.string().optional(),
  existing_cluster_id: z.string().optional(),
  job_cluster_key: z.string().optional(),
  new_cluster: clusterSpecSchema.optional(),
  environment_key: z.string().optional(),
  max_retries: z.number().int().optional(),
  min_retry_interval_millis: z.number().int().optional(),
  retry_on_timeout: z.boolean().optional(),
  timeout_seconds: z.number().int().optional(),
  disabled: z.boolean().optional(),
});

const jobClusterSchema = z.looseObject({
  job_cluster_key: z.string(),
  new_cluster: clusterSpecSchema,
});

const cronScheduleSchema = z.looseObject({
  quartz_cron_expression: z.string(),
  timezone_id: z.string(),
  pause_status: openEnum(['PAUSED', 'UNPAUSED'] as const).optional(),
});

const jobSettingsSchema = z.looseObject({
  name: z.string().optional(),
  description: z.string().optional(),
  tags: z.record(z.string(), z.string()).optional(),
  tasks: z.array(jobTaskSchema).optional(),
  job_clusters: z.array(jobClusterSchema).optional(),
  schedule: cronScheduleSchema.optional(),
  max_concurrent_runs: z.number().int().optional(),
  timeout_seconds: z.number().int().optional(),
  queue: z.looseObject({ enabled: z.boolean() }).optional(),
  parameters: z.array(z.looseObject({ name: z.string(), default: z.string().optional() })).optional(),
  format: z.string().optional(),
});

const baseJobSchema = z.looseObject({
  job_id: databricksId,
  creator_user_name: z.string().optional(),
  run_as_user_name: z.string().optional(),
  created_time: z.number().optional(),
  settings: jobSettingsSchema.optional(),
  has_more: z.boolean().optional(),
});

const jobSchema = baseJobSchema.extend({ next_page_token: z.string().optional() });

const runTaskSchema = z.looseObject({
  task_key: z.string(),
  run_id: databricksId,
  attempt_number: z.number().int().optional(),
  state: runStateSchema.optional(),
  status: runStatusSchema.optional(),
  start_time: z.number().optional(),
  end_time: z.number().optional(),
  setup_duration: z.number().optional(),
  execution_duration: z.number().optional(),
  cleanup_duration: z.number().optional(),
  run_duration: z.number().optional(),
  depends_on: z.array(z.looseObject({ task_key: z.string() })).optional(),
  existing_cluster_id: z.string().optional(),
  job_cluster_key: z.string().optional(),
  cluster_instance: z
    .looseObject({ cluster_id: z.string().optional(), spark_context_id: z.string().optional() })
    .optional(),
  run_page_url: z.string().optional(),
  /** The pipeline a pipeline task updates (its settings, repeated on the task run). */
  pipeline_task: z.looseObject({ pipeline_id: z.string().optional() }).optional(),
});

const repairHistoryItemSchema = z.looseObject({
  type: openEnum(['ORIGINAL', 'REPAIR'] as const),
  id: databricksId.optional(),
  start_time: z.number().optional(),
  end_time: z.number().optional(),
  state: runStateSchema.optional(),
  status: runStatusSchema.optional(),
  task_run_ids: z.array(databricksId).optional(),
});

export const runSchema = z.looseObject({
  job_id: databricksId.optional(),
  run_id: databricksId,
  number_in_job: databricksId.optional(),
  original_attempt_run_id: databricksId.optional(),
  creator_user_name: z.string().optional(),
  run_name: z.string().optional(),
  run_type: openEnum(['JOB_RUN', 'WORKFLOW_RUN', 'SUBMIT_RUN'] as const).optional(),
  trigger: z.string().optional(),
  attempt_number: z.number().int().optional(),
  start_time: z.number().optional(),
  end_time: z.number().optional(),
  setup_duration: z.number().optional(),
  execution_duration: z.number().optional(),
  cleanup_duration: z.number().optional(),
  run_duration: z.number().optional(),
  queue_duration: z.number().optional(),
  run_page_url: z.string().optional(),
  state: runStateSchema.optional(),
  status: runStatusSchema.optional(),
  schedule: cronScheduleSchema.optional(),
  tasks: z.array(runTaskSchema).optional(),
  job_clusters: z.array(jobClusterSchema).optional(),
  job_parameters: z.array(z.looseObject({ name: z.string() })).optional(),
  repair_history: z.array(repairHistoryItemSchema).optional(),
  has_more: z.boolean().optional(),
  next_page_token: z.string().optional(),
});

const runOutputSchema = z.looseObject({
  metadata: runSchema.optional(),
  error: z.string().optional(),
  error_trace: z.string().optional(),
  logs: z.string().optional(),
  logs_truncated: z.boolean().optional(),
  info: z.string().optional(),
  notebook_output: z
    .looseObject({ result: z.string().optional(), truncated: z.boolean().optional() })
    .optional(),
});

const listJobsResponse = z.looseObject({
  jobs: z.array(baseJobSchema).optional(),
  has_more: z.boolean().optional(),
  next_page_token: z.string().optional(),
  prev_page_token: z.string().optional(),
});
const listRunsResponse = z.looseObject({
  runs: z.array(runSchema).optional(),
  has_more: z.boolean().optional(),
  next_page_token: z.string().optional(),
  prev_page_token: z.string().optional(),
});
const empty = z.looseObject({});
const runNowResponse = z.looseObject({ run_id: databricksId, number_in_job: databricksId.optional() });
const repairResponse = z.looseObject({ repair_id: databricksId });

export type JobSettings = z.output<typeof jobSettingsSchema>;
/** Settings as sent: the known fields typed, any other Databricks field passed through. */
type JobSettingsInput = z.input<typeof jobSettingsSchema>;
export type BaseJob = z.output<typeof baseJobSchema>;
export type Job = z.output<typeof jobSchema>;
export type JobTask = z.output<typeof jobTaskSchema>;
export type Run = z.output<typeof runSchema>;
export type RunTask = z.output<typeof runTaskSchema>;
export type RunOutput = z.output<typeof runOutputSchema>;

interface ListJobsParams {
  /** 1–100; default 20 on the server. */
  limit?: number | undefined;
  name?: string | undefined;
  expand_tasks?: boolean | undefined;
}
interface ListJobsPage {
  jobs: BaseJob[];
  has_more: boolean;
  next_page_token?: string | undefined;
}

interface ListRunsParams {
  job_id?: number | undefined;
  active_only?: boolean | undefined;
  completed_only?: boolean | undefined;
  limit?: number | undefined;
  run_type?: string | undefined;
  start_time_from?: number | undefined;
  start_time_to?: number | undefined;
  expand_tasks?: boolean | undefined;
}
interface ListRunsPage {
  runs: Run[];
  has_more: boolean;
  next_page_token?: string | undefined;
}

interface RunNowRequest {
  job_id: number;
  job_parameters?: Record<string, string> | undefined;
  /** ≤64 chars; a repeat with the same token returns the existing run instead of starting another. */
  idempotency_token?: string | undefined;
  only?: string[] | undefined;
  queue?: { enabled: boolean } | undefined;
  performance_target?: string | undefined;
  pipeline_params?: { full_refresh?: boolean } | undefined;
  [extra: string]: unknown;
}

type RepairRunRequest = {
  run_id: number;
  /** Required from the second repair of the same run on. */
  latest_repair_id?: number | undefined;
  rerun_dependent_tasks?: boolean | undefined;
  job_parameters?: Record<string, string> | undefined;
  performance_target?: string | undefined;
} & (
  | { rerun_tasks: string[]; rerun_all_failed_tasks?: never }
  | { rerun_all_failed_tasks: true; rerun_tasks?: never }
);

/** Jobs API 2.2. Ids are numbers (exact below 2^53); enums are open strings. */
export interface JobsApi {
  /** Every job, following `page_token` until the last page. */
  listJobs(params?: ListJobsParams): AsyncGenerator<BaseJob, void, undefined>;
  /** One page of jobs. */
  listJobsPage(params?: ListJobsParams & { page_token?: string | undefined }): Promise<ListJobsPage>;
  /** The job with all its tasks/job_clusters/parameters, merged across the 100-item pages of 2.2. */
  getJob(jobId: number): Promise<Job>;
  /** Partial update: top-level keys replace, `tasks`/`job_clusters` merge by key (whole entries). */
  updateJob(request: {
    job_id: number;
    new_settings?: JobSettingsInput;
    fields_to_remove?: string[];
  }): Promise<void>;
  /** Replaces every setting. */
  resetJob(request: { job_id: number; new_settings: JobSettingsInput }): Promise<void>;
  runNow(request: RunNowRequest): Promise<{ run_id: number; number_in_job?: number | undefined }>;
  /** Every run matching the filter, newest first, following `page_token`. */
  listRuns(params?: ListRunsParams): AsyncGenerator<Run, void, undefined>;
  listRunsPage(params?: ListRunsParams & { page_token?: string | undefined }): Promise<ListRunsPage>;
  /** The run with all task runs (and `repair_history` when asked), merged across pages. */
  getRun(
    runId: number,
    options?: { include_history?: boolean; include_resolved_values?: boolean },
  ): Promise<Run>;
  /** Output of a task run (a multi-task parent run id answers 400 INVALID_PARAMETER). */
  getRunOutput(runId: number): Promise<RunOutput>;
  repairRun(request: RepairRunRequest): Promise<{ repair_id: number }>;
  /** Asynchronous: the run goes TERMINATING, then TERMINATED/CANCELED. */
  cancelRun(runId: number): Promise<void>;
  cancelAllRuns(request: { job_id: number; all_queued_runs?: boolean }): Promise<void>;
}

// Jobs 2.2 caps these arrays at 100 per response and pages them with page_token. Each maps to the field
// that identifies an entry: a later page that repeats an entry (some servers resend the unpaged arrays
// on every page) must not duplicate it.
const JOB_PAGED_ARRAYS: Readonly<Record<string, string>> = {
  tasks: 'task_key',
  job_clusters: 'job_cluster_key',
  parameters: 'name',
  environments: 'environment_key',
};
const RUN_PAGED_ARRAYS: Readonly<Record<string, string>> = {
  tasks: 'run_id',
  job_clusters: 'job_cluster_key',
  job_parameters: 'name',
  repair_history: 'id',
  iterations: 'run_id',
};

function identity(item: unknown, keyField: string): string {
  if (item && typeof item === 'object' && keyField in item) {
    const key = (item as Record<string, unknown>)[keyField];
    if (key !== undefined && key !== null) return `${keyField}:${String(key)}`;
  }
  return `json:${JSON.stringify(item)}`;
}

function mergeArrays(
  target: Record<string, unknown>,
  page: Record<string, unknown>,
  keys: Readonly<Record<string, string>>,
): void {
  for (const [key, keyField] of Object.entries(keys)) {
    const more = page[key];
    if (!Array.isArray(more)) continue;
    const current = Array.isArray(target[key]) ? (target[key] as unknown[]) : [];
    const seen = new Set(current.map((item) => identity(item, keyField)));
    const added = more.filter((item) => {
      const id = identity(item, keyField);
      if (seen.has(id)) return false;
      seen.add(id);
      return true;
    });
    target[key] = [...current, ...added];
  }
}

/** Builds the Jobs API over a transport. */
export function createJobsApi(transport: HttpTransport): JobsApi {
  const listJobsPage: JobsApi['listJobsPage'] = async (params = {}) => {
    const res = await transport.request(
      { method: 'GET', path: `${JOBS}/list`, query: { ...params } },
      listJobsResponse,
    );
    return {
      jobs: res.jobs ?? [],
      has_more: res.has_more ?? res.next_page_token !== undefined,
      next_page_token: res.next_page_token,
    };
  };

  const listRunsPage: JobsApi['listRunsPage'] = async (params = {}) => {
    const res = await transport.request(
      { method: 'GET', path: `${JOBS}/runs/list`, query: { ...params } },
      listRunsResponse,
    );
    return {
      runs: res.runs ?? [],
      has_more: res.has_more ?? res.next_page_token !== undefined,
      next_page_token: res.next_page_token,
    };
  };

  async function getAllPages<T extends { next_page_token?: string | undefined }>(
    path: string,
    query: Record<string, string | number | boolean | undefined>,
    schema: z.ZodType<T>,
    merge: (first: T, page: T) => void,
  ): Promise<T> {
    const first = await transport.request({ method: 'GET', path, query }, schema);
    const seen = new Set<string>();
    let token = first.next_page_token;
    for (let pages = 1; token; pages++) {
      if (seen.has(token)) throw loopError({ method: 'GET', path }, 'the same next_page_token twice');
      if (pages >= MAX_PAGES) throw loopError({ method: 'GET', path }, `more than ${MAX_PAGES} pages`);
      seen.add(token);
      const page = await transport.request(
        { method: 'GET', path, query: { ...query, page_token: token } },
        schema,
      );
      merge(first, page);
      token = page.next_page_token;
    }
    delete first.next_page_token;
    if ('has_more' in first) (first as { has_more?: boolean }).has_more = false;
    return first;
  }

  return {
    listJobs(params = {}) {
      return paginate(
        async (page_token) => {
          const page = await listJobsPage({ ...params, page_token });
          return { items: page.jobs, nextPageToken: page.has_more ? page.next_page_token : undefined };
        },
        { method: 'GET', path: `${JOBS}/list` },
        (job) => job.job_id,
      );
    },
    listJobsPage,

    getJob(jobId) {
      return getAllPages(`${JOBS}/get`, { job_id: jobId }, jobSchema, (first, page) => {
        if (!page.settings) return;
        first.settings ??= {};
        mergeArrays(first.settings, page.settings, JOB_PAGED_ARRAYS);
      });
    },

    async updateJob(request) {
      // Same settings twice give the same job: safe to repeat after an ambiguous failure.
      await transport.request(
        { method: 'POST', path: `${JOBS}/update`, body: request, idempotent: true },
        empty,
      );
    },

    async resetJob(request) {
      await transport.request(
        { method: 'POST', path: `${JOBS}/reset`, body: request, idempotent: true },
        empty,
      );
    },

    async runNow(request) {
      // Without an idempotency token a repeat could start a second run.
      const idempotent = typeof request.idempotency_token === 'string' && request.idempotency_token !== '';
      return transport.request(
        { method: 'POST', path: `${JOBS}/run-now`, body: request, idempotent },
        runNowResponse,
      );
    },

    listRuns(params = {}) {
      return paginate(
        async (page_token) => {
          const page = await listRunsPage({ ...params, page_token });
          return { items: page.runs, nextPageToken: page.has_more ? page.next_page_token : undefined };
        },
        { method: 'GET', path: `${JOBS}/runs/list` },
        (run) => run.run_id,
      );
    },
    listRunsPage,

    getRun(runId, options = {}) {
      return getAllPages(`${JOBS}/runs/get`, { run_id: runId, ...options }, runSchema, (first, page) => {
        mergeArrays(first, page, RUN_PAGED_ARRAYS);
      });
    },

    getRunOutput(runId) {
      return transport.request(
        { method: 'GET', path: `${JOBS}/runs/get-output`, query: { run_id: runId } },
        runOutputSchema,
      );
    },

    repairRun(request) {
      return transport.request(
        { method: 'POST', path: `${JOBS}/runs/repair`, body: request },
        repairResponse,
      );
    },

    async cancelRun(runId) {
      await transport.request(
        { method: 'POST', path: `${JOBS}/runs/cancel`, body: { run_id: runId }, idempotent: true },
        empty,
      );
    },

    async cancelAllRuns(request) {
      await transport.request(
        { method: 'POST', path: `${JOBS}/runs/cancel-all`, body: request, idempotent: true },
        empty,
      );
    },
  };
}
