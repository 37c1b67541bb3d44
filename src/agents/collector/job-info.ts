import type { BaseJob, JobTask } from '../../databricks/rest/jobs-api.js';

/** What the collector needs from a job's settings, taken from `jobs/get` or `jobs/list?expand_tasks=true`. */
export interface JobInfo {
  readonly jobId: string;
  readonly name?: string | undefined;
  readonly tags: Readonly<Record<string, string>>;
  /** The job's creator, else the identity it runs as. */
  readonly owner?: string | undefined;
  /** `max_retries` per task key (absent = 0 on Databricks). */
  readonly maxRetries: Readonly<Record<string, number>>;
  /** Child jobs started by `run_job_task`s. */
  readonly childJobIds: readonly string[];
  /** Clusters and warehouses named in the settings (`existing_cluster_id`, `sql_task.warehouse_id`). */
  readonly computeIds: readonly string[];
  /** Pipelines started by `pipeline_task`s. */
  readonly pipelineIds: readonly string[];
}

function nested(task: JobTask, field: string, key: string): string | undefined {
  const value = (task as Record<string, unknown>)[field];
  if (value === null || typeof value !== 'object') return undefined;
  const id = (value as Record<string, unknown>)[key];
  return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
}

/** Reduces a Databricks job to the facts the collector uses. */
export function jobInfoOf(job: BaseJob): JobInfo {
  const tasks = job.settings?.tasks ?? [];
  const maxRetries: Record<string, number> = {};
  const childJobIds = new Set<string>();
  const computeIds = new Set<string>();
  const pipelineIds = new Set<string>();
  for (const task of tasks) {
    maxRetries[task.task_key] = task.max_retries ?? 0;
    const child = nested(task, 'run_job_task', 'job_id');
    if (child !== undefined && child !== '0') childJobIds.add(child);
    const warehouse = nested(task, 'sql_task', 'warehouse_id');
    if (warehouse) computeIds.add(warehouse);
    if (task.existing_cluster_id) computeIds.add(task.existing_cluster_id);
    const pipeline = nested(task, 'pipeline_task', 'pipeline_id');
    if (pipeline) pipelineIds.add(pipeline);
  }
  return {
    jobId: String(job.job_id),
    name: job.settings?.name,
    tags: { ...(job.settings?.tags ?? {}) },
    owner: job.creator_user_name ?? job.run_as_user_name,
    maxRetries,
    childJobIds: listOf(childJobIds),
    computeIds: listOf(computeIds),
    pipelineIds: listOf(pipelineIds),
  };
}

/**
 * One shared empty list: most jobs start no other job, name no shared compute and, in lineage, read or
 * write nothing; 100,000 jobs need not hold 100,000 empty arrays each.
 */
export const NO_IDS: readonly string[] = Object.freeze([]);
const listOf = (set: ReadonlySet<string>): readonly string[] => (set.size === 0 ? NO_IDS : [...set]);
