import type { Policy, TriageCondition } from '../../config/policy.js';
import type { ErrorCategory, FailureAction } from '../../domain/error-label.js';
import { SEVERITIES, type Severity } from '../../domain/severity.js';

/** What triage needs to know about an incident, already computed by the correlator. */
export interface TriageFacts {
  /** Minutes until the earliest SLA deadline of the affected data; negative once missed; null when none. */
  slaMinutesLeft: number | null;
  /** Criticality tags of the affected jobs and tables, e.g. `financial-critical`. */
  criticality: readonly string[];
  /** Downstream jobs + tables + dashboards affected. */
  blastRadius: number;
  /** Distinct jobs whose runs failed in the incident (a shared cluster can take several down at once). */
  jobsFailed: number;
  /**
   * The root cause is a run's own error (a job, task or pipeline run failed or timed out), not a
   * cluster's event, a warehouse's load, a cost or a data signal: what the error calls for is what the
   * job's next run meets again.
   */
  failedRun: boolean;
  /**
   * A run or pipeline update of the incident is stalled: still running, but silent far past the gaps it
   * usually leaves between progress reports (`pipeline-stall.ts`). A hang does not pass by itself, unlike
   * a slow run that keeps reporting: someone must restart it.
   */
  stalled: boolean;
  /** Whether the root cause is transient (a retry would plausibly fix it); null when not classified. */
  transient: boolean | null;
  /** The same fingerprint was seen before (another day, or still recurring). */
  repeated: boolean;
  /** Observed cost ÷ baseline cost, for cost anomalies; null otherwise. */
  costRatio: number | null;
  /** Classification category of the root cause, when known. */
  category: ErrorCategory | null;
  /**
   * What the root cause's classification calls for, when known: `NOTIFY_OWNER` and `ESCALATE` are
   * fixed by a person, `RETRY` and `RETRY_WITH_NEW_PARAMS` by a retry, as it is or with other settings.
   */
  action: FailureAction | null;
}

export interface TriageDecision {
  severity: Severity;
  /** Why: the level and the condition that matched, in words for the card and the timeline. */
  reason: string;
  responseMinutes: number;
  escalationMinutes: number;
  channels: readonly string[];
  mentionOncall: boolean;
}

/**
 * Applies the P1–P4 policy: the most severe level with a matching condition wins; P4 when none match.
 * Pure: call it again as time passes and the SLA nears, and the severity rises.
 */
export function triageIncident(facts: TriageFacts, policy: Policy['triage']): TriageDecision {
  for (const severity of SEVERITIES) {
    const level = policy[severity];
    const matched = level.when.find((condition) => conditionHolds(condition, facts));
    const isLast = severity === 'P4';
    if (matched || isLast) {
      return {
        severity,
        reason: matched
          ? describeCondition(severity, matched, facts)
          : `${severity}: no higher level applies`,
        responseMinutes: level.response_minutes,
        escalationMinutes: level.escalation_minutes,
        ...levelRouting(severity, policy),
      };
    }
  }
  throw new Error('unreachable: P4 always decides');
}

/**
 * Where a level's cards go, as triage decides it: the level's channels and whether on-call is mentioned.
 * The notifier routes by this, so what triage decided and where the card lands cannot drift apart.
 */
export function levelRouting(
  severity: Severity,
  policy: Policy['triage'],
): Pick<TriageDecision, 'channels' | 'mentionOncall'> {
  const level = policy[severity];
  return { channels: level.channels, mentionOncall: level.mention_oncall };
}

function oneOf(expected: string | readonly string[], actual: readonly string[]): boolean {
  const wanted = typeof expected === 'string' ? [expected] : expected;
  return wanted.some((w) => actual.some((a) => a.toLowerCase() === w.toLowerCase()));
}

/** Every key present in the condition must hold; an empty condition never matches (it would match all). */
function conditionHolds(condition: TriageCondition, facts: TriageFacts): boolean {
  const checks: boolean[] = [];
  if (condition.sla_minutes_left_below !== undefined) {
    checks.push(facts.slaMinutesLeft !== null && facts.slaMinutesLeft < condition.sla_minutes_left_below);
  }
  if (condition.criticality !== undefined) checks.push(oneOf(condition.criticality, facts.criticality));
  if (condition.blast_radius_above !== undefined)
    checks.push(facts.blastRadius > condition.blast_radius_above);
  if (condition.jobs_failed_above !== undefined) checks.push(facts.jobsFailed > condition.jobs_failed_above);
  if (condition.failed_run !== undefined) checks.push(facts.failedRun === condition.failed_run);
  if (condition.stalled !== undefined) checks.push(facts.stalled === condition.stalled);
  // `transient: null` holds for a root cause nobody classified: unknown is neither a blip nor lasting.
  if (condition.transient !== undefined) checks.push(facts.transient === condition.transient);
  if (condition.repeated !== undefined) checks.push(facts.repeated === condition.repeated);
  if (condition.cost_ratio_above !== undefined) {
    checks.push(facts.costRatio !== null && facts.costRatio > condition.cost_ratio_above);
  }
  if (condition.category !== undefined) {
    checks.push(facts.category !== null && oneOf(condition.category, [facts.category]));
  }
  if (condition.action !== undefined) {
    checks.push(facts.action !== null && oneOf(condition.action, [facts.action]));
  }
  return checks.length > 0 && checks.every(Boolean);
}

function describeCondition(severity: Severity, c: TriageCondition, f: TriageFacts): string {
  const parts: string[] = [];
  if (c.sla_minutes_left_below !== undefined && f.slaMinutesLeft !== null) {
    parts.push(
      f.slaMinutesLeft < 0
        ? `SLA missed ${Math.round(-f.slaMinutesLeft)} min ago`
        : `SLA in ${Math.round(f.slaMinutesLeft)} min (< ${c.sla_minutes_left_below})`,
    );
  }
  if (c.criticality !== undefined) parts.push(`data is ${[c.criticality].flat().join('/')}`);
  if (c.blast_radius_above !== undefined)
    parts.push(`blast radius ${f.blastRadius} > ${c.blast_radius_above}`);
  if (c.jobs_failed_above !== undefined) parts.push(`${f.jobsFailed} jobs failed together`);
  if (c.failed_run !== undefined) parts.push(c.failed_run ? "the run's own error" : 'not a run failure');
  if (c.stalled !== undefined)
    parts.push(c.stalled ? 'stalled: no progress reported, someone must restart it' : 'not stalled');
  if (c.repeated !== undefined) parts.push(c.repeated ? 'seen before' : 'first occurrence');
  if (c.transient !== undefined)
    parts.push(c.transient === null ? 'not classified' : c.transient ? 'transient' : 'not transient');
  if (c.cost_ratio_above !== undefined && f.costRatio !== null) {
    parts.push(`cost ${f.costRatio.toFixed(1)}× baseline`);
  }
  if (c.category !== undefined) parts.push(`category ${f.category}`);
  if (c.action !== undefined) parts.push(`calls for ${f.action}`);
  return `${severity}: ${parts.join(', ')}`;
}
