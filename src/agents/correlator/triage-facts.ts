import type { Signal } from '../../domain/signal.js';
import type { TriageFacts } from '../triage/triage-incident.js';
import type { IncidentSummary } from './correlate.js';

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
  const costRatios = signals
    .filter((s) => s.kind === 'cost_anomaly')
    .map((s) => s.metrics.ratio)
    .filter((r): r is number => r !== undefined);
  return {
    slaMinutesLeft: summary.slaDeadline !== null ? (summary.slaDeadline - now) / 60_000 : null,
    criticality: context.criticality ?? [],
    blastRadius: summary.blastRadius.count,
    transient: summary.rootSignal.classification?.transient ?? null,
    repeated: context.repeated,
    costRatio: costRatios.length > 0 ? Math.max(...costRatios) : null,
    category: summary.category,
  };
}
