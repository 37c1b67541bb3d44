import type { Signal } from '../../domain/signal.js';

/**
 * Dollars the incident has cost so far: the sum of its signals' `costUsd` (failed and retried runs, idle
 * or runaway compute), each signal counted once; null when no signal knows its cost.
 */
export function incidentCostUsd(signals: Iterable<Pick<Signal, 'id' | 'costUsd'>>): number | null {
  const seen = new Set<string>();
  let total = 0;
  let known = false;
  for (const s of signals) {
    if (seen.has(s.id)) continue;
    seen.add(s.id);
    if (s.costUsd === undefined) continue;
    known = true;
    total += s.costUsd;
  }
  return known ? Math.round(total * 100) / 100 : null;
}
