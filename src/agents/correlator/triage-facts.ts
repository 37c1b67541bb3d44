import type { Signal } from '../../domain/signal.js';
import type { TriageFacts } from '../triage/triage-incident.js';
import type { IncidentSummary } from './correlate.js';
import { FAILURE_KINDS } from './root-cause.js';

/**
 * The facts triage decides on, from a correlated incident. `repeated` (the fingerprint was seen before)
 * comes from the store; `criticality` from job and table tags, which signals do not carry yet.
 */
export function triageFacts(
  summary: IncidentSummary,
  signals: readonly Signal[],
  now: number,
  context: { readonly repeated: boolean; readonly criticality?: readonly string[] },
): TriageFacts {
  const costRatios = signals.map(costRatioOf).filter((r): r is number => r !== undefined);
  const classification = rootClassification(summary.rootSignal, signals);
  return {
    slaMinutesLeft: slaMinutesLeft(signals, now),
    criticality: context.criticality ?? [],
    blastRadius: summary.blastRadius.count,
    jobsFailed: new Set(
      signals.filter((s) => FAILURE_KINDS.has(s.kind) && s.refs.jobId !== undefined).map((s) => s.refs.jobId),
    ).size,
    failedRun: FAILURE_KINDS.has(summary.rootSignal.kind),
    stalled: signals.some(isStall),
    transient: classification?.transient ?? null,
    repeated: context.repeated,
    costRatio: costRatios.length > 0 ? Math.max(...costRatios) : null,
    category: classification?.category ?? summary.category,
    action: classification?.action ?? null,
  };
}

/**
 * The root cause's classification. A cluster's own problem (its nodes lost, its driver gone) arrives as
 * an event with a termination reason and no error of its own to classify: what it is, and whether it
 * passes by itself, is what the failures of the jobs it took down say — spot nodes reclaimed and given
 * back fail every job on it with the same capacity blip. One failure that does not pass by itself makes
 * the cluster's problem one that does not either.
 */
function rootClassification(root: Signal, signals: readonly Signal[]): Signal['classification'] {
  if (root.classification !== undefined || root.subject.type !== 'cluster') return root.classification;
  const onIt = signals
    .filter((s) => FAILURE_KINDS.has(s.kind) && s.refs.clusterId === root.subject.id)
    .map((s) => s.classification)
    .filter((c): c is NonNullable<Signal['classification']> => c !== undefined);
  return onIt.find((c) => !c.transient) ?? onIt[0];
}

/**
 * A run or update found stalled: the detector's `duration_anomaly` of something still running whose
 * progress reports stopped (it carries how long they have been quiet). One that only runs longer than
 * usual carries no quiet minutes: a slow run that keeps reporting is no stall.
 */
function isStall(s: Signal): boolean {
  return s.kind === 'duration_anomaly' && s.metrics.quietMinutes !== undefined;
}

/** Signals about an SLA's deadline itself: the table is late, or about to be. */
const SLA_KINDS: ReadonlySet<string> = new Set(['sla_at_risk', 'sla_missed']);

/**
 * Minutes until the nearest SLA deadline the incident's signals carry; null when none carries one. An SLA
 * signal is about the deadline itself: its minutes run down with the clock, so the severity rises as the
 * deadline nears. Any other signal carrying a deadline (a zero-row streak) is about data an SLA depends
 * on being wrong, not late: the loads succeed and the SLA's table is refreshed on time, so nearing the
 * deadline adds nothing; how urgent it is was fixed by how soon the SLA followed it. Should the deadline
 * itself come under threat, an SLA signal says so.
 */
function slaMinutesLeft(signals: readonly Signal[], now: number): number | null {
  let least: number | null = null;
  for (const s of signals) {
    const deadline = s.metrics.deadline;
    if (deadline === undefined) continue;
    const minutes = (deadline - (SLA_KINDS.has(s.kind) ? now : s.occurredAt)) / 60_000;
    if (least === null || minutes < least) least = minutes;
  }
  return least;
}

/**
 * Compute burning money with no useful work behind it is a cost anomaly by definition; its ratio is the
 * waste against what a well-configured workspace would spend: idle minutes against a 10-minute auto-stop,
 * a query's running minutes against the 10 minutes that even the long tail of BI queries stays under.
 */
const WASTE_BASELINE_MINUTES = 10;

function costRatioOf(signal: Signal): number | undefined {
  switch (signal.kind) {
    case 'cost_anomaly':
      return signal.metrics.ratio;
    case 'warehouse_idle_no_autostop':
      return signal.metrics.idleMinutes === undefined
        ? undefined
        : signal.metrics.idleMinutes / WASTE_BASELINE_MINUTES;
    case 'runaway_query':
      return signal.metrics.runningMinutes === undefined
        ? undefined
        : signal.metrics.runningMinutes / WASTE_BASELINE_MINUTES;
    default:
      return undefined;
  }
}
