import type { Incident } from '../../domain/incident.js';
import { SYSTEM_ACTOR } from '../../domain/incident.js';
import type { Signal } from '../../domain/signal.js';
import { utcMinute } from '../../domain/text.js';
import type { IncidentRepository } from '../../store/incident-repository.js';
import { isInFlight, type RemediationAttempt } from '../../store/remediation-repository.js';
import type { LastSuccess } from '../detector/last-success.js';

/**
 * What makes an incident one a later success can end: a run or update that failed or was skipped. An
 * incident of a slow run alone is not — slow is not failed, and the owner is asked why, whatever the run
 * did next.
 */
const FAILED_RUNS: ReadonlySet<string> = new Set([
  'job_failed',
  'task_failed',
  'run_timed_out',
  'run_skipped',
  'pipeline_failed',
]);

/**
 * Signals about a run or update of a job or pipeline that went wrong: each names a job or pipeline that
 * must have succeeded since for the incident to be over. A skipped run did no work, and a run (or update)
 * running long is over when it, or a later one, succeeded.
 */
const NEEDS_A_SUCCESS: ReadonlySet<string> = new Set([...FAILED_RUNS, 'duration_anomaly']);

/**
 * Signals that pass with the failed runs they belong to: an SLA at risk or missed because of them (the
 * successful run delivers the data; should it still be late, its SLA signal comes back and reopens the
 * incident), and a cluster's event that took them down (the jobs running again is the cluster working).
 * Every other kind — spend, idle or queueing warehouses, runaway queries, empty or shrunken loads, a
 * revoked grant or permission, monitoring's own trouble — is not ended by a run that succeeded, so an
 * incident holding one is left to people (docs/design.md, "A job that recovers on its own resolves its incident").
 */
const PASS_WITH_THEM: ReadonlySet<string> = new Set([
  'sla_at_risk',
  'sla_missed',
  'table_overdue',
  'cluster_event',
]);

/** A job or pipeline that went wrong in an incident: when it last did, and in which runs then. */
export interface FailedSubject {
  readonly type: LastSuccess['type'];
  readonly id: string;
  readonly name: string;
  /** When it last went wrong in the incident (workspace time). */
  readonly failedAt: number;
  /** The runs that went wrong then (a repair keeps a run's id). */
  readonly runIds: ReadonlySet<string>;
}

/** A failed job or pipeline, and its success since. */
export interface Recovered extends FailedSubject {
  readonly success: LastSuccess;
}

/** Looks up the newest success the polls read of a job or pipeline. */
export type LastSuccessLookup = (type: LastSuccess['type'], id: string) => LastSuccess | undefined;

/** The job or pipeline a signal says went wrong, if it is one whose success can end it. */
function subjectOf(signal: Signal): { type: LastSuccess['type']; id: string } | undefined {
  if (!NEEDS_A_SUCCESS.has(signal.kind)) return undefined;
  if (signal.subject.type === 'pipeline') return { type: 'pipeline', id: signal.subject.id };
  const jobId = signal.refs.jobId ?? (signal.subject.type === 'job' ? signal.subject.id : undefined);
  return jobId === undefined ? undefined : { type: 'job', id: jobId };
}

/**
 * The jobs and pipelines that went wrong in an incident, each at its last failure there, when a later
 * success can end the incident: undefined when nothing in it failed, or when it holds a kind no run ends
 * (anything but `NEEDS_A_SUCCESS` and `PASS_WITH_THEM`).
 */
export function failedSubjects(signals: readonly Signal[]): FailedSubject[] | undefined {
  if (!signals.some((s) => FAILED_RUNS.has(s.kind))) return undefined;
  const failed = new Map<string, FailedSubject & { runIds: Set<string> }>();
  for (const signal of signals) {
    const subject = subjectOf(signal);
    if (subject === undefined) {
      if (!PASS_WITH_THEM.has(signal.kind)) return undefined;
      continue;
    }
    const key = `${subject.type}:${subject.id}`;
    const known = failed.get(key);
    // A task's signal names the task; the job's name comes from a job-level signal or the success.
    const name = signal.subject.type === subject.type ? signal.subject.name : undefined;
    const runId = signal.refs.runId;
    if (known === undefined || signal.occurredAt > known.failedAt) {
      failed.set(key, {
        ...subject,
        name: name ?? known?.name ?? subject.id,
        failedAt: signal.occurredAt,
        runIds: new Set(runId === undefined ? [] : [runId]),
      });
    } else if (signal.occurredAt === known.failedAt && runId !== undefined) known.runIds.add(runId);
  }
  return [...failed.values()];
}

/**
 * Each failed job and pipeline with its success since, when every one has one; undefined when any has
 * not. A success counts when it started at or after the failure, or is the failed run itself repaired
 * to success after it (Databricks keeps the run id of a repaired run) — never one that ends after `now`,
 * and never one older than the failure, whatever order the polls read them in.
 */
export function recoveredOnItsOwn(
  failed: readonly FailedSubject[],
  lastSuccess: LastSuccessLookup,
  now: number,
): Recovered[] | undefined {
  const recovered: Recovered[] = [];
  for (const f of failed) {
    const success = lastSuccess(f.type, f.id);
    if (success === undefined || success.endTime > now) return undefined;
    const later =
      success.startTime >= f.failedAt || (f.runIds.has(success.runId) && success.endTime > f.failedAt);
    if (!later) return undefined;
    recovered.push({ ...f, name: success.name ?? f.name, success });
  }
  return recovered;
}

/** The timeline data `kind` of an incident resolved because its runs succeeded on their own. */
export const RECOVERED_ON_ITS_OWN = 'recovered_on_its_own';

/** At most this many jobs and pipelines are named on the timeline; the rest are counted. */
const NAMED = 5;

/** "orders_etl run 812 succeeded at 2026-11-20 03:14 UTC" and the rest, for the timeline. */
function describeRecovery(recovered: readonly Recovered[]): string {
  const each = recovered.slice(0, NAMED).map((r) => {
    const what =
      r.type === 'job' ? `run ${r.success.runId} succeeded` : `update ${r.success.runId} completed`;
    return `${r.name} ${what} at ${utcMinute(r.success.endTime)}`;
  });
  const more = recovered.length - each.length;
  return `${each.join('; ')}${more > 0 ? `; and ${more} more` : ''}`;
}

export interface ResolveRecoveredDeps {
  readonly incidents: Pick<IncidentRepository, 'applyEvent'>;
  /**
   * The incident's remediation attempts as they stand, those whose approval request expired unanswered
   * finished first (`settleExpiredApprovals`): such a request does not hold the incident for ever.
   */
  readonly attempts: (incidentId: string) => Promise<readonly RemediationAttempt[]>;
  /** The newest successes the polls read in the incident's workspace; asked only when they could end it. */
  readonly lastSuccesses: () => Promise<LastSuccessLookup>;
  readonly now: number;
}

/**
 * Resolves an open incident whose failed jobs and pipelines have each succeeded since
 * (`recoveredOnItsOwn`), saying on its timeline which run succeeded when — the card and its thread show
 * it like any change. A remediation in flight (pressed, awaiting approval, executing, verifying) comes
 * first: its own verification resolves the incident, so nothing is done under it; one awaiting an
 * approval whose request expired unanswered is finished, and no longer does. `signals` are the
 * incident's at its version. Returns the resolved incident, or undefined when it stays as it is (also
 * when it changed since it was read: the next review looks again).
 */
export async function resolveIfRecovered(
  deps: ResolveRecoveredDeps,
  incident: Incident,
  signals: readonly Signal[],
): Promise<Incident | undefined> {
  if (incident.state === 'mitigating' || incident.state === 'resolved') return undefined;
  const failed = failedSubjects(signals);
  if (failed === undefined) return undefined;
  const recovered = recoveredOnItsOwn(failed, await deps.lastSuccesses(), deps.now);
  if (recovered === undefined) return undefined;
  if ((await deps.attempts(incident.id)).some(isInFlight)) return undefined;
  const recovery = describeRecovery(recovered);
  const resolved = await deps.incidents.applyEvent(
    incident.id,
    {
      type: 'resolve',
      actor: SYSTEM_ACTOR,
      why: {
        summary: `Resolved, recovered on its own: ${recovery}`,
        data: {
          kind: RECOVERED_ON_ITS_OWN,
          recovery,
          runs: recovered.map((r) => ({
            type: r.type,
            id: r.id,
            runId: r.success.runId,
            endedAt: r.success.endTime,
            failedAt: r.failedAt,
          })),
        },
      },
    },
    deps.now,
    incident.version,
  );
  return resolved.ok ? resolved.value : undefined;
}
