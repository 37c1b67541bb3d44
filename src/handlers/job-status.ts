import type { DatabricksClient } from '../databricks/rest/databricks-client.js';
import { DatabricksApiError } from '../databricks/rest/databricks-api-error.js';
import type { BaseJob, Run } from '../databricks/rest/jobs-api.js';
import type { IncidentRepository } from '../store/incident-repository.js';
import type { ChatResponse } from './chat-request.js';

const RUNS_SHOWN = 5;

function runLine(run: Run): string {
  const state = run.state?.result_state ?? run.state?.life_cycle_state ?? run.status?.state ?? 'UNKNOWN';
  const started =
    run.start_time === undefined
      ? 'not started'
      : new Date(run.start_time).toISOString().slice(0, 16).replace('T', ' ');
  const minutes = run.run_duration === undefined ? '' : ` · ${Math.round(run.run_duration / 60_000)} min`;
  return `${state} · ${started} UTC${minutes}`;
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
 * `/dbx status <job>`: the job's latest runs and how many open incidents name it. Workspace failures
 * become an `unavailable` answer that says what to do, never a stack trace.
 */
export async function jobStatus(
  api: DatabricksClient | undefined,
  query: string,
  incidents: IncidentRepository,
): Promise<ChatResponse> {
  if (api === undefined) {
    return {
      ok: false,
      reason: 'unavailable',
      userMessage: 'No Databricks workspace is connected, so I cannot look up jobs.',
    };
  }
  const name = query.slice(0, 256);
  try {
    const job = await findJob(api, name);
    if (job === undefined) {
      return {
        ok: false,
        reason: 'not_found',
        userMessage: `I found no job named or numbered "${name}". Check the name in the Jobs UI, or use the job id.`,
      };
    }
    const runs = (await api.jobs.listRunsPage({ job_id: Number(job.job_id), limit: RUNS_SHOWN })).runs;
    const jobName = job.settings?.name ?? String(job.job_id);
    const open = (await incidents.listOpen({ limit: 200 })).filter(
      (i) => i.title.toLowerCase().includes(jobName.toLowerCase()) || i.blastRadius.jobs.includes(jobName),
    );
    const fields = [
      { label: 'Job', value: `${jobName} (${String(job.job_id)})` },
      { label: 'Latest runs', value: runs.length === 0 ? 'no runs yet' : runs.map(runLine).join('\n') },
      {
        label: 'Open incidents',
        value: open.length === 0 ? 'none' : open.map((i) => `${i.severity} ${i.id}`).join('\n'),
      },
    ];
    const schedule = job.settings?.schedule;
    if (schedule !== undefined) {
      fields.push({
        label: 'Schedule',
        value: `${schedule.quartz_cron_expression} ${schedule.timezone_id} (${schedule.pause_status ?? 'UNPAUSED'})`,
      });
    }
    return {
      ok: true,
      replies: [
        {
          audience: 'requester',
          card: {
            kind: 'message',
            tone: 'info',
            title: `Status of ${jobName}`,
            text: runs[0] === undefined ? 'No runs yet.' : `Last run: ${runLine(runs[0])}`,
            fields,
          },
        },
      ],
    };
  } catch (error) {
    const reason = error instanceof DatabricksApiError ? error.reason : 'UNKNOWN';
    return {
      ok: false,
      reason: 'unavailable',
      userMessage: `The workspace did not answer (${reason}). Try again in a minute; if it persists, check DATABRICKS_HOST and the token.`,
    };
  }
}
