import { utcMinute } from '../../domain/text.js';
import type { DurationBaselines } from './detect-duration-anomaly.js';
import { isInFlight, pipelineHistory } from './detect-pipeline-failures.js';
import { DetectorSink, type DetectorOutput } from './detector-output.js';
import type { PipelineUpdateObservation, RunObservation, TableSla } from './observations.js';
import { runOutcome } from './run-state.js';
import { lateLimit, usualSeconds } from './running-long.js';
import { valuesBefore } from './sample-window.js';
import { deadlinesAround } from './zoned-time.js';

/**
 * How early evidence against a refresh is reported: two hours, the outer band of the default triage
 * (P2 under 2 h, P1 under 30 min), so a hung upstream is told while there is still time to fix it and
 * the incident escalates as the deadline nears. Only evidence raises it, so a wider window pages no
 * healthy night; a deadline kept with less than `SLA_AT_RISK_MINUTES` to spare still counts as at risk
 * in the compliance figures.
 */
const SLA_WARNING_MINUTES = 120;

export interface SlaOptions {
  /** How long before a deadline an unrefreshed table with evidence against it is at risk (default `SLA_WARNING_MINUTES`). */
  readonly atRiskMinutes?: number;
  /**
   * The upstream jobs' and pipelines' usual durations (the duration baselines, pipelines under
   * `pipelineDurationKey`): what "running long" means.
   */
  readonly durations?: DurationBaselines;
  /** Pipeline updates seen this time; those in flight of an SLA's `upstreamPipelineIds` can be evidence. */
  readonly updates?: readonly PipelineUpdateObservation[];
  /** Successful runs a job needs before its usual duration is known (`thresholds.min_history_runs`, default 5). */
  readonly minHistoryRuns?: number;
}

/**
 * Tables not refreshed by their daily deadline (`sla_missed`), and tables whose deadline is near with
 * evidence that the refresh will not come (`sla_at_risk`): an upstream run of this cycle failed, was
 * skipped, or is running past its own usual duration, or an upstream pipeline's update is (a hung
 * update, error or not, holds back every table downstream of it). An upstream still running within its
 * usual time, or one whose usual time is not known yet, is no evidence: a healthy night pages nobody.
 * The signal names its evidence. A table counts as refreshed for a deadline when it was written after the deadline
 * before it. `runs` are the upstream jobs' recent runs (the latest finished one of each and those in flight).
 */
export function detectSlaBreaches(
  slas: readonly TableSla[],
  runs: readonly RunObservation[],
  now: number,
  options: SlaOptions = {},
): DetectorOutput {
  const atRiskMs = (options.atRiskMinutes ?? SLA_WARNING_MINUTES) * 60_000;
  const sink = new DetectorSink();
  for (const sla of slas) {
    sink.guard(`table:${sla.table}`, () => {
      const { previous, next } = deadlinesAround(now, sla.deadline, sla.timezone);
      const day = next - previous;
      const refreshed = (deadline: number) =>
        sla.lastRefreshedAt !== undefined && sla.lastRefreshedAt > deadline - day;
      const upstream = runs.filter(
        (r) => r.workspaceId === sla.workspaceId && sla.upstreamJobIds.includes(r.jobId),
      );
      const refs = {
        tablesWritten: [sla.table],
        ...(sla.team !== undefined ? { team: sla.team } : {}),
      };
      const severity =
        sla.criticality?.toLowerCase() === 'financial-critical' ? ('P1' as const) : ('P2' as const);

      if (!refreshed(previous)) {
        const minutesLate = Math.floor((now - previous) / 60_000);
        sink.emit(`table:${sla.table}`, {
          dedupKey: `${sla.workspaceId}:sla-missed:${sla.table}:${previous}`,
          workspaceId: sla.workspaceId,
          kind: 'sla_missed',
          severityHint: severity,
          observedAt: now,
          occurredAt: previous,
          subject: { type: 'table', id: sla.table, name: sla.table },
          refs,
          metrics: { deadline: previous, minutesLate, upstreamJobs: sla.upstreamJobIds.length },
          evidence: [
            {
              label: `Not refreshed by ${sla.deadline} ${sla.timezone}${
                sla.lastRefreshedAt !== undefined
                  ? `; last refresh ${new Date(sla.lastRefreshedAt).toISOString()}`
                  : ''
              }`,
            },
          ],
        });
        return;
      }

      if (refreshed(next) || next - now > atRiskMs) return;
      const cycleStart = previous;
      const updates = (options.updates ?? []).filter(
        (u) => u.workspaceId === sla.workspaceId && (sla.upstreamPipelineIds ?? []).includes(u.pipelineId),
      );
      const evidence = [
        ...upstream
          .filter((r) => r.startTime >= cycleStart - atRiskMs)
          .map((r) => evidenceAgainst(r, now, options)),
        ...updates
          .filter((u) => u.startTime >= cycleStart - atRiskMs)
          .map((u) => updateEvidence(u, now, options)),
      ].filter((label): label is string => label !== undefined);
      if (evidence.length === 0) return;
      sink.emit(`table:${sla.table}`, {
        dedupKey: `${sla.workspaceId}:sla-at-risk:${sla.table}:${next}`,
        workspaceId: sla.workspaceId,
        kind: 'sla_at_risk',
        severityHint: severity,
        observedAt: now,
        occurredAt: now,
        subject: { type: 'table', id: sla.table, name: sla.table },
        refs,
        metrics: { deadline: next, minutesLeft: Math.floor((next - now) / 60_000) },
        // The card shows the first excerpt: all the evidence, in words.
        evidence: evidence
          .slice(0, 20)
          .map((label, i) => (i === 0 ? { label, excerpt: evidence.join('\n') } : { label })),
      });
    });
  }
  return sink.output();
}

/** What an upstream run says against the next refresh, in words for the card; undefined when nothing. */
function evidenceAgainst(run: RunObservation, now: number, options: SlaOptions): string | undefined {
  const name = run.jobName ?? `job ${run.jobId}`;
  const outcome = runOutcome(run.lifeCycleState, run.resultState);
  switch (outcome) {
    case 'failed':
    case 'internal_error':
    case 'timed_out':
    case 'waiting_for_retry': {
      const words = outcome === 'timed_out' ? 'timed out' : 'failed';
      const at = run.endTime !== undefined ? ` at ${utcMinute(run.endTime)}` : '';
      return `Upstream ${name} ${words}${at} (run ${run.runId})`;
    }
    case 'skipped':
    case 'upstream_failed':
      return `Upstream ${name} was skipped (run ${run.runId})`;
    case 'running': {
      const history = valuesBefore(
        options.durations?.[`${run.workspaceId}:${run.jobId}`],
        run.runId,
        run.startTime,
      );
      const past = pastUsual(history, now - run.startTime, options);
      return past === undefined
        ? undefined
        : `Upstream ${name} has been running ${past.ran} min, past its usual ${past.usual} min (run ${run.runId})`;
    }
    default:
      return undefined;
  }
}

/** What an upstream pipeline's update in flight says against the next refresh: running past its usual time. */
function updateEvidence(u: PipelineUpdateObservation, now: number, options: SlaOptions): string | undefined {
  if (!isInFlight(u)) return undefined;
  const past = pastUsual(pipelineHistory(options.durations, u), now - u.startTime, options);
  if (past === undefined) return undefined;
  const name = u.pipelineName ?? `pipeline ${u.pipelineId}`;
  return `Upstream pipeline ${name} has been updating ${past.ran} min, past its usual ${past.usual} min (update ${u.updateId})`;
}

/** Minutes run and usual, when `ranMs` is past the bar of lateness of `history`; else undefined. */
function pastUsual(
  history: readonly number[],
  ranMs: number,
  options: SlaOptions,
): { readonly ran: number; readonly usual: number } | undefined {
  const usual = usualSeconds(history, options.minHistoryRuns ?? 5);
  if (usual === undefined || ranMs / 1000 <= lateLimit(history, usual)) return undefined;
  return { ran: Math.round(ranMs / 60_000), usual: Math.round(usual / 60) };
}
