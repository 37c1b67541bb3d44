import { utcMinute } from '../../domain/text.js';
import type { DurationBaselines } from './detect-duration-anomaly.js';
import { DetectorSink, type DetectorOutput } from './detector-output.js';
import type { RunObservation, TableSla } from './observations.js';
import { runOutcome } from './run-state.js';
import { median, scaledMad, valuesBefore } from './sample-window.js';
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
  /** The upstream jobs' usual durations (the duration detector's baselines): what "running long" means. */
  readonly durations?: DurationBaselines;
  /** Successful runs a job needs before its usual duration is known (`thresholds.min_history_runs`, default 5). */
  readonly minHistoryRuns?: number;
}

/**
 * Tables not refreshed by their daily deadline (`sla_missed`), and tables whose deadline is near with
 * evidence that the refresh will not come (`sla_at_risk`): an upstream run of this cycle failed, was
 * skipped, or is running past its own usual duration. An upstream still running within its usual time,
 * or a job whose usual time is not known yet, is no evidence: a healthy night pages nobody. The signal
 * names its evidence. A table counts as refreshed for a deadline when it was written after the deadline
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
      const evidence = upstream
        .filter((r) => r.startTime >= cycleStart - atRiskMs)
        .map((r) => evidenceAgainst(r, now, options))
        .filter((label): label is string => label !== undefined);
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

/** How far past its median a run must be to be "running long": three robust spreads, and 20 % at least. */
const LONG_RUN_MADS = 3;
const LONG_RUN_MIN_RATIO = 1.2;

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
      if (history.length < (options.minHistoryRuns ?? 5)) return undefined;
      const usual = median(history);
      const limit = Math.max(usual + LONG_RUN_MADS * scaledMad(history), LONG_RUN_MIN_RATIO * usual);
      const ranSeconds = (now - run.startTime) / 1000;
      if (!(usual > 0) || ranSeconds <= limit) return undefined;
      return `Upstream ${name} has been running ${Math.round(ranSeconds / 60)} min, past its usual ${Math.round(usual / 60)} min (run ${run.runId})`;
    }
    default:
      return undefined;
  }
}
