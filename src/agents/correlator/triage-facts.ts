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
  return {
    slaMinutesLeft: summary.slaDeadline !== null ? (summary.slaDeadline - now) / 60_000 : null,
    criticality: context.criticality ?? [],
    blastRadius: summary.blastRadius.count,
    jobsFailed: new Set(
      signals.filter((s) => FAILURE_KINDS.has(s.kind) && s.refs.jobId !== undefined).map((s) => s.refs.jobId),
    ).size,
    transient: summary.rootSignal.classification?.transient ?? null,
    repeated: context.repeated,
    costRatio: costRatios.length > 0 ? Math.max(...costRatios) : null,
    category: summary.category,
  };
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
