import type { QuartzSchedule } from '../../domain/quartz-schedule.js';
import type { ClusterState } from './cluster-fleet.js';
import type { ScenarioFault, ScenarioJob, ScenarioTask } from '../scenario/schema.js';
import type { TaskFailure } from './error-texts.js';
import type { TriggerSettings } from './job-triggers.js';

/** Internal state of the simulated workspace. REST shapes are rendered from it in `rest-views.ts`. */

export interface ClusterSpec {
  spark_version: string;
  node_type_id: string;
  driver_node_type_id?: string;
  num_workers?: number;
  autoscale?: { min_workers: number; max_workers: number };
  custom_tags?: Record<string, string>;
  runtime_engine?: string;
  [key: string]: unknown;
}

export interface TaskSettings {
  task_key: string;
  depends_on?: { task_key: string; outcome?: string }[];
  job_cluster_key?: string;
  existing_cluster_id?: string;
  notebook_task?: { notebook_path: string; source?: string; base_parameters?: Record<string, string> };
  sql_task?: { warehouse_id: string; [key: string]: unknown };
  pipeline_task?: { pipeline_id: string; full_refresh?: boolean };
  run_job_task?: { job_id: number; job_parameters?: Record<string, string> };
  python_wheel_task?: { package_name: string; entry_point: string };
  max_retries?: number;
  min_retry_interval_millis?: number;
  retry_on_timeout?: boolean;
  timeout_seconds?: number;
  [key: string]: unknown;
}

export interface JobSettings {
  name: string;
  tasks: TaskSettings[];
  job_clusters?: { job_cluster_key: string; new_cluster: ClusterSpec }[];
  schedule?: { quartz_cron_expression: string; timezone_id: string; pause_status?: 'PAUSED' | 'UNPAUSED' };
  tags?: Record<string, string>;
  max_concurrent_runs?: number;
  timeout_seconds?: number;
  trigger?: TriggerSettings;
  continuous?: { pause_status?: 'PAUSED' | 'UNPAUSED' };
  [key: string]: unknown;
}

export interface JobState {
  jobId: number;
  settings: JobSettings;
  /** Scenario definition: behaviour (durations, rows, tables) keyed by task key. */
  spec: ScenarioJob | undefined;
  /** Scenario behaviour per task key (durations, rows, tables read and written). */
  behaviours: Map<string, ScenarioTask>;
  /**
   * Cores of each job cluster (by `job_cluster_key`) as the job was created: its tasks' durations are
   * for these, and a cluster resized later changes them (`task-speed.ts`).
   */
  baselineCores: Map<string, number>;
  team: string;
  owner: string;
  createdTime: number;
  cron: QuartzSchedule | undefined;
  /** Bumped on every schedule change so that an already-queued fire of the old schedule is dropped. */
  cronEpoch: number;
  /** Newest last; bounded. */
  recent: RunState[];
  queued: RunState[];
  activeCount: number;
  deleted: boolean;
}

type RunPhase =
  | 'QUEUED'
  | 'PENDING'
  | 'RUNNING'
  | 'TERMINATING'
  | 'TERMINATED'
  | 'SKIPPED'
  | 'INTERNAL_ERROR';

export interface TaskRun {
  key: string;
  runId: number;
  attempt: number;
  settings: TaskSettings;
  behaviour: ScenarioTask | undefined;
  queuedAt: number;
  /** When execution starts (after cluster setup). */
  execAt: number;
  /** Planned end while running; actual end once ended. */
  endAt: number;
  ended: boolean;
  /** REST result_state once ended. */
  result: string | undefined;
  lifeCycle: 'PENDING' | 'RUNNING' | 'TERMINATED' | 'SKIPPED' | 'INTERNAL_ERROR' | 'WAITING_FOR_RETRY';
  failure: TaskFailure | undefined;
  stateMessage: string;
  clusterId: string | undefined;
  warehouseId: string | undefined;
  rows: number;
  faultIds: string[];
  manual: boolean;
  /** Invalidates a scheduled end when the run is cancelled. */
  token: number;
  childRunId?: number;
  updateId?: string;
  /** Timeline rows are written up to here (hour boundaries while running). */
  slicedTo?: number;
}

interface RepairItem {
  type: 'ORIGINAL' | 'REPAIR';
  id?: number;
  start_time: number;
  end_time?: number;
  taskRunIds: number[];
  result?: string;
}

export interface RunState {
  runId: number;
  job: JobState;
  jobName: string;
  trigger: string;
  createdAt: number;
  startTime: number;
  endTime: number | undefined;
  phase: RunPhase;
  result: string | undefined;
  termination: { code: string; type: string; message: string } | undefined;
  settings: JobSettings;
  tasks: TaskRun[];
  /** The latest attempt per task key. */
  latest: Map<string, TaskRun>;
  /** Job clusters of the current attempt, by job_cluster_key. */
  clusters: Map<string, ClusterState>;
  repairs: RepairItem[];
  idempotencyToken: string | undefined;
  manual: boolean;
  params: Record<string, string>;
  token: number;
  parentTask: { run: RunState; task: TaskRun } | undefined;
  cancelRequested: boolean;
  /** Task keys the current attempt (original or repair) covers. */
  scope: Set<string>;
  /** Timeline rows are written up to here (hour boundaries while running). */
  slicedTo?: number;
}

export interface FaultState {
  fault: ScenarioFault;
  startMs: number;
  endMs: number;
  hits: number;
  resolvedAt: number | undefined;
  affectedRunIds: Set<string>;
  affectedTaskRunIds: Set<string>;
  affectedStatementIds: Set<string>;
  /** Warehouses, clusters and pipelines the fault acted on. */
  affectedResourceIds: Set<string>;
  firstAffectedAt: number | undefined;
  lastAffectedAt: number | undefined;
  /** Baseline cluster memory (MB) for OOM faults, captured at first hit. */
  baselineMemoryMb?: number;
  baselineDurationMs?: number;
}

/** Ground truth for one injected fault, as the evaluation scores it. */
export interface FaultTruth {
  id: string;
  kind: string;
  target: ScenarioFault['target'];
  expected: ScenarioFault['expected'];
  caused_by: string | undefined;
  start_ms: number;
  end_ms: number;
  resolved_at_ms: number | undefined;
  affected_run_ids: string[];
  affected_task_run_ids: string[];
  affected_statement_ids: string[];
  affected_resource_ids: string[];
  first_affected_ms: number | undefined;
  last_affected_ms: number | undefined;
  /** No incident at P1 or P2 may come of it; it is not a fault to find (`must_not_page`). */
  must_not_page?: boolean | undefined;
  /** A recurring issue must be open by its Nth occurrence (`recurring_by`). */
  recurring_by?: number | undefined;
}
