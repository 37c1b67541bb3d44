import { z } from 'zod';
import type { JobSettings } from '../engine/model.js';
import {
  baseJobJson,
  decodeOffset,
  encodeOffset,
  jobJson,
  runJson,
  runOutputJson,
} from '../engine/rest-views.js';
import { invalidParam } from '../engine/sim-api-error.js';
import { boolParam, idParam, intParam, objectParam, stringArrayParam, stringParam } from './params.js';
import type { RouteContext, SimRoute } from './route.js';

// Untrusted input: the shape is checked, unknown fields are kept (Databricks has many we do not model).
const taskSchema = z.looseObject({
  task_key: z.string().min(1).max(100),
  depends_on: z
    .array(z.looseObject({ task_key: z.string() }))
    .max(100)
    .optional(),
  job_cluster_key: z.string().max(100).optional(),
  existing_cluster_id: z.string().max(100).optional(),
  max_retries: z.number().int().min(-1).optional(),
  min_retry_interval_millis: z.number().int().min(0).optional(),
  retry_on_timeout: z.boolean().optional(),
  timeout_seconds: z.number().int().min(0).optional(),
});
const clusterSpecSchema = z.looseObject({
  spark_version: z.string().max(100),
  node_type_id: z.string().max(100),
  driver_node_type_id: z.string().max(100).optional(),
  num_workers: z.number().int().min(0).max(100_000).optional(),
  autoscale: z
    .object({ min_workers: z.number().int().min(0), max_workers: z.number().int().min(0) })
    .optional(),
  custom_tags: z.record(z.string(), z.string()).optional(),
});
const settingsSchema = z.looseObject({
  name: z.string().max(4096).optional(),
  tasks: z.array(taskSchema).max(1000).optional(),
  job_clusters: z
    .array(z.looseObject({ job_cluster_key: z.string().min(1).max(100), new_cluster: clusterSpecSchema }))
    .max(100)
    .optional(),
  schedule: z
    .looseObject({
      quartz_cron_expression: z.string().max(200),
      timezone_id: z.string().max(100),
      pause_status: z.enum(['PAUSED', 'UNPAUSED']).optional(),
    })
    .optional(),
  tags: z.record(z.string(), z.string()).optional(),
  max_concurrent_runs: z.number().int().min(0).max(1000).optional(),
  timeout_seconds: z.number().int().min(0).optional(),
});

function parseSettings(value: unknown, field: string): Partial<JobSettings> {
  const parsed = settingsSchema.safeParse(value ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = [field, ...(issue?.path ?? [])].join('.');
    throw invalidParam(`Invalid ${path}: ${issue?.message ?? 'invalid value'}`);
  }
  return parsed.data as Partial<JobSettings>;
}

function pageOffset(ctx: RouteContext): number {
  const token = stringParam(ctx, 'page_token', true);
  if (token === undefined || token === '') return intParam(ctx, 'offset', 0, 0, 1_000_000);
  const offset = decodeOffset(token);
  if (offset === undefined) throw invalidParam(`Invalid page_token: ${token.slice(0, 64)}`);
  return offset;
}

function paged<T>(items: T[], offset: number, limit: number) {
  const page = items.slice(offset, offset + limit);
  const out: { has_more: boolean; next_page_token?: string; prev_page_token?: string } = {
    has_more: offset + limit < items.length,
  };
  if (out.has_more) out.next_page_token = encodeOffset(offset + limit);
  if (offset > 0) out.prev_page_token = encodeOffset(Math.max(0, offset - limit));
  return { page, meta: out };
}

const J = String.raw`^/api/2\.[12]/jobs`;

/** Jobs API 2.1/2.2 (docs/databricks.md, REST calls). */
export const jobRoutes: SimRoute[] = [
  {
    method: 'GET',
    pattern: new RegExp(`${J}/list$`),
    handle(ctx) {
      const limit = intParam(ctx, 'limit', 20, 1, 100);
      const expand = boolParam(ctx, 'expand_tasks');
      const name = stringParam(ctx, 'name', true);
      let jobs = ctx.workspace.listJobs();
      if (name !== undefined) jobs = jobs.filter((j) => j.settings.name.toLowerCase() === name.toLowerCase());
      const { page, meta } = paged(jobs, pageOffset(ctx), limit);
      const body: Record<string, unknown> = { ...meta };
      if (page.length > 0) body.jobs = page.map((j) => baseJobJson(j, expand));
      return { body };
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`${J}/get$`),
    handle(ctx) {
      const job = ctx.workspace.getJob(idParam(ctx, 'job_id'));
      return { body: jobJson(job, pageOffset(ctx)) };
    },
  },
  {
    method: 'POST',
    pattern: new RegExp(`${J}/create$`),
    handle(ctx) {
      const settings = parseSettings(ctx.body, 'settings');
      const jobId = ctx.workspace.createJob(
        { name: 'Untitled', tasks: [], ...settings } as JobSettings,
        ctx.user,
      );
      return { body: { job_id: jobId } };
    },
  },
  {
    method: 'POST',
    pattern: new RegExp(`${J}/update$`),
    handle(ctx) {
      const jobId = idParam(ctx, 'job_id');
      const settings = parseSettings(objectParam(ctx, 'new_settings'), 'new_settings');
      const remove = stringArrayParam(ctx, 'fields_to_remove') ?? [];
      ctx.workspace.updateJob(jobId, settings, remove, ctx.user);
      return { body: {} };
    },
  },
  {
    method: 'POST',
    pattern: new RegExp(`${J}/reset$`),
    handle(ctx) {
      const jobId = idParam(ctx, 'job_id');
      const raw = objectParam(ctx, 'new_settings');
      if (!raw) throw invalidParam('Missing required field: new_settings');
      const settings = parseSettings(raw, 'new_settings');
      ctx.workspace.resetJob(jobId, { name: 'Untitled', tasks: [], ...settings } as JobSettings, ctx.user);
      return { body: {} };
    },
  },
  {
    method: 'POST',
    pattern: new RegExp(`${J}/delete$`),
    handle(ctx) {
      ctx.workspace.deleteJob(idParam(ctx, 'job_id'), ctx.user);
      return { body: {} };
    },
  },
  {
    method: 'POST',
    pattern: new RegExp(`${J}/run-now$`),
    handle(ctx) {
      const jobId = idParam(ctx, 'job_id');
      const token = stringParam(ctx, 'idempotency_token', true);
      if (token !== undefined && token.length > 64)
        throw invalidParam('idempotency_token must be at most 64 characters');
      const only = stringArrayParam(ctx, 'only');
      const params = objectParam(ctx, 'job_parameters');
      const run = ctx.workspace.runNow(jobId, {
        user: ctx.user,
        ...(token !== undefined ? { idempotencyToken: token } : {}),
        ...(only ? { only } : {}),
        ...(params
          ? { params: Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)])) }
          : {}),
      });
      return { body: { run_id: run.runId, number_in_job: run.runId } };
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`${J}/runs/list$`),
    handle(ctx) {
      const limit = intParam(ctx, 'limit', 20, 1, 25);
      const jobId = idParam(ctx, 'job_id', true);
      const activeOnly = boolParam(ctx, 'active_only');
      const completedOnly = boolParam(ctx, 'completed_only');
      if (activeOnly && completedOnly)
        throw invalidParam('active_only and completed_only cannot both be true');
      const from = idParam(ctx, 'start_time_from', true);
      const to = idParam(ctx, 'start_time_to', true);
      const runs = ctx.workspace.listRuns({
        ...(jobId !== undefined ? { jobId } : {}),
        activeOnly,
        completedOnly,
        ...(from !== undefined ? { startFrom: from } : {}),
        ...(to !== undefined ? { startTo: to } : {}),
      });
      const expand = boolParam(ctx, 'expand_tasks');
      const { page, meta } = paged(runs, pageOffset(ctx), limit);
      const body: Record<string, unknown> = { ...meta };
      if (page.length > 0) body.runs = page.map((r) => runJson(ctx.workspace, r, { expandTasks: expand }));
      return { body };
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`${J}/runs/get$`),
    handle(ctx) {
      const run = ctx.workspace.getRun(idParam(ctx, 'run_id'));
      return {
        body: runJson(ctx.workspace, run, {
          includeHistory: boolParam(ctx, 'include_history'),
          offset: pageOffset(ctx),
        }),
      };
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`${J}/runs/get-output$`),
    handle(ctx) {
      const { run, task } = ctx.workspace.getTaskRun(idParam(ctx, 'run_id'));
      return { body: runOutputJson(ctx.workspace, run, task) };
    },
  },
  {
    method: 'POST',
    pattern: new RegExp(`${J}/runs/repair$`),
    handle(ctx) {
      const runId = idParam(ctx, 'run_id');
      const rerunTasks = stringArrayParam(ctx, 'rerun_tasks');
      const latest = idParam(ctx, 'latest_repair_id', true);
      const repairId = ctx.workspace.repairRun(runId, {
        user: ctx.user,
        ...(rerunTasks ? { rerunTasks } : {}),
        rerunAllFailed: boolParam(ctx, 'rerun_all_failed_tasks'),
        rerunDependents: boolParam(ctx, 'rerun_dependent_tasks'),
        ...(latest !== undefined ? { latestRepairId: latest } : {}),
      });
      return { body: { repair_id: repairId } };
    },
  },
  {
    method: 'POST',
    pattern: new RegExp(`${J}/runs/cancel$`),
    handle(ctx) {
      ctx.workspace.cancelRun(idParam(ctx, 'run_id'), ctx.user);
      return { body: {} };
    },
  },
  {
    method: 'POST',
    pattern: new RegExp(`${J}/runs/cancel-all$`),
    handle(ctx) {
      const jobId = idParam(ctx, 'job_id', true);
      if (jobId === undefined) {
        if (!boolParam(ctx, 'all_queued_runs'))
          throw invalidParam('Either job_id or all_queued_runs must be set');
        for (const job of ctx.workspace.listJobs()) {
          for (const r of job.queued) ctx.workspace.cancelRun(r.runId, ctx.user);
        }
        return { body: {} };
      }
      ctx.workspace.cancelAllRuns(jobId, ctx.user);
      return { body: {} };
    },
  },
];
