import type { JobRunSummary, JobStatus, JobStatusRefusal } from '../agents/status/job-status.js';
import type { Result } from '../domain/result.js';
import { utcMinute } from '../domain/text.js';
import type { ChatResponse } from './chat-request.js';

function runLine(run: JobRunSummary): string {
  const started =
    run.startedAt === null
      ? 'not started'
      : new Date(run.startedAt).toISOString().slice(0, 16).replace('T', ' ');
  const minutes = run.durationMs === null ? '' : ` · ${Math.round(run.durationMs / 60_000)} min`;
  return `${run.state} · ${started} UTC${minutes}`;
}

/** `/dbx status <job>` as a card for the requester; a refusal keeps its reason and message. */
export function jobStatusReply(status: Result<JobStatus, JobStatusRefusal>): ChatResponse {
  if (!status.ok) return { ok: false, reason: status.reason, userMessage: status.userMessage };
  const { jobId, jobName, latestRuns, schedule, openIncidents } = status.value;
  const fields = [
    { label: 'Job', value: `${jobName} (${jobId})` },
    {
      label: 'Latest runs',
      value: latestRuns.length === 0 ? 'no runs yet' : latestRuns.map(runLine).join('\n'),
    },
    {
      label: 'Open incidents',
      value:
        openIncidents.length === 0 ? 'none' : openIncidents.map((i) => `${i.severity} ${i.id}`).join('\n'),
    },
  ];
  if (schedule !== null) {
    const when =
      schedule.problem !== null
        ? `\n${schedule.problem}`
        : schedule.nextRunAt === null
          ? ''
          : `\nnext run ${utcMinute(schedule.nextRunAt)}`;
    fields.push({
      label: 'Schedule',
      value: `${schedule.cron} ${schedule.timezone} (${schedule.pauseStatus})${when}`,
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
          text: latestRuns[0] === undefined ? 'No runs yet.' : `Last run: ${runLine(latestRuns[0])}`,
          fields,
        },
      },
    ],
  };
}
