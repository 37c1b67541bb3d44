import type { DatabricksClient } from '../../databricks/rest/databricks-client.js';
import { DatabricksApiError } from '../../databricks/rest/databricks-api-error.js';
import type { BaseJob, Run } from '../../databricks/rest/jobs-api.js';
import type { Incident } from '../../domain/incident.js';
import { parseQuartzSchedule } from '../../domain/quartz-schedule.js';
import { err, ok, type Result } from '../../domain/result.js';
import type { IncidentRepository } from '../../store/incident-repository.js';

const RUNS_SHOWN = 5;
/** Longer input is no job name Databricks accepts; it is cut before it reaches the workspace or a reply. */
const QUERY_LIMIT = 256;

/** One of a job's latest runs, in our own terms. */
export interface JobRunSummary {
  /** The result state when the run finished, else its life-cycle state, else `UNKNOWN`. */
  readonly state: string;
  /** Epoch ms; null when the run has not started. */
  readonly startedAt: number | null;
  /** Null while the run has no duration yet. */
  readonly durationMs: number | null;
}

/** What `/dbx status <job>` shows: the job, its latest runs, its schedule and the open incidents naming it. */
export interface JobStatus {
  readonly jobId: string;
  readonly jobName: string;
  /** Newest first, at most five. */
  readonly latestRuns: readonly JobRunSummary[];
  readonly schedule: {
    readonly cron: string;
    readonly timezone: string;
    readonly pauseStatus: string;
    /** Epoch ms of the next scheduled run; null when paused, never again, or the schedule is unreadable. */
    readonly nextRunAt: number | null;
    /** Why the schedule cannot be read (the job's problem, not the lookup's); null when it can. */
    readonly problem: string | null;
  } | null;
  readonly openIncidents: readonly Pick<Incident, 'id' | 'severity'>[];
}

export type JobStatusRefusal = 'not_found' | 'unavailable';

function runSummary(run: Run): JobRunSummary {
  return {
    state: run.state?.result_state ?? run.state?.life_cycle_state ?? run.status?.state ?? 'UNKNOWN',
    startedAt: run.start_time ?? null,
    durationMs: run.run_duration ?? null,
  };
}

type CronSchedule = NonNullable<NonNullable<BaseJob['settings']>['schedule']>;

function scheduleStatus(schedule: CronSchedule, nowMs: number): NonNullable<JobStatus['schedule']> {
  const pauseStatus = schedule.pause_status ?? 'UNPAUSED';
  const parsed = parseQuartzSchedule(schedule.quartz_cron_expression, schedule.timezone_id);
  const next = parsed.ok && pauseStatus !== 'PAUSED' ? parsed.value.nextAfter(nowMs) : undefined;
  return {
    cron: schedule.quartz_cron_expression,
    timezone: schedule.timezone_id,
    pauseStatus,
    nextRunAt: next ?? null,
    problem: parsed.ok ? null : parsed.userMessage,
  };
}

/** Finds a job by numeric id or by exact name (case-insensitive), reading at most one page of matches. */
async function findJob(api: DatabricksClient, query: string): Promise<BaseJob | undefined> {
  if (/^\d{1,16}$/.test(query)) {
    try {
      return await api.jobs.getJob(Number(query));
    } catch (error) {
      if (
        error instanceof DatabricksApiError &&
        (error.reason === 'NOT_FOUND' || error.reason === 'INVALID_PARAMETER')
      ) {
        return undefined;
      }
      throw error;
    }
  }
  const page = await api.jobs.listJobsPage({ name: query, limit: 25 });
  const wanted = query.toLowerCase();
  return page.jobs.find((j) => j.settings?.name?.toLowerCase() === wanted) ?? page.jobs[0];
}

/**
 * Looks a job up by name or id and gathers its status. Workspace failures become an `unavailable`
 * refusal that says what to do, never a stack trace.
 */
export async function lookUpJobStatus(
  api: DatabricksClient,
  incidents: IncidentRepository,
  query: string,
  options: {
    /** The workspace's clock: the next run is counted from it. */
    readonly nowMs: number;
    /** The workspace `api` reaches: only its open incidents are the job's (default: every workspace's). */
    readonly workspaceId?: string;
  },
): Promise<Result<JobStatus, JobStatusRefusal>> {
  const { workspaceId, nowMs } = options;
  const name = query.slice(0, QUERY_LIMIT);
  try {
    const job = await findJob(api, name);
    if (job === undefined) {
      return err(
        'not_found',
        `I found no job named or numbered "${name}". Check the name in the Jobs UI, or use the job id.`,
      );
    }
    const runs = (await api.jobs.listRunsPage({ job_id: Number(job.job_id), limit: RUNS_SHOWN })).runs;
    const jobName = job.settings?.name ?? String(job.job_id);
    const open = (
      await incidents.listOpen({ ...(workspaceId === undefined ? {} : { workspaceId }), limit: 200 })
    ).filter(
      (i) => i.title.toLowerCase().includes(jobName.toLowerCase()) || i.blastRadius.jobs.includes(jobName),
    );
    const schedule = job.settings?.schedule;
    return ok({
      jobId: String(job.job_id),
      jobName,
      latestRuns: runs.map(runSummary),
      schedule: schedule === undefined ? null : scheduleStatus(schedule, nowMs),
      openIncidents: open.map((i) => ({ id: i.id, severity: i.severity })),
    });
  } catch (error) {
    const reason = error instanceof DatabricksApiError ? error.reason : 'UNKNOWN';
    return err(
      'unavailable',
      `The workspace did not answer (${reason}). Try again in a minute; if it persists, check DATABRICKS_HOST and the token.`,
    );
  }
}
