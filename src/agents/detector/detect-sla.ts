import { DetectorSink, type DetectorOutput } from './detector-output.js';
import type { RunObservation, TableSla } from './observations.js';
import { runOutcome } from './run-state.js';
import { SLA_AT_RISK_MINUTES } from '../sla/sla-compliance.js';
import { deadlinesAround } from './zoned-time.js';

export interface SlaOptions {
  /** How long before a deadline an unrefreshed table with a running or failed upstream is at risk (default `SLA_AT_RISK_MINUTES`). */
  readonly atRiskMinutes?: number;
}

/**
 * Tables not refreshed by their daily deadline (`sla_missed`), and tables whose deadline is near while
 * an upstream job is still running or has failed (`sla_at_risk`). A table counts as refreshed for a
 * deadline when it was written after the deadline before it. `runs` are the upstream jobs' recent runs.
 */
export function detectSlaBreaches(
  slas: readonly TableSla[],
  runs: readonly RunObservation[],
  now: number,
  options: SlaOptions = {},
): DetectorOutput {
  const atRiskMs = (options.atRiskMinutes ?? SLA_AT_RISK_MINUTES) * 60_000;
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
      const current = upstream.filter((r) => r.startTime >= cycleStart - atRiskMs);
      const blocking = current
        .map((r) => ({ run: r, outcome: runOutcome(r.lifeCycleState, r.resultState) }))
        .filter(({ outcome }) =>
          ['running', 'pending', 'waiting_for_retry', 'failed', 'internal_error', 'timed_out'].includes(
            outcome,
          ),
        );
      if (blocking.length === 0) return;
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
        evidence: blocking.slice(0, 20).map(({ run, outcome }) => ({
          label: `Upstream ${run.jobName ?? `job ${run.jobId}`} is ${outcome.replaceAll('_', ' ')}`,
        })),
      });
    });
  }
  return sink.output();
}
