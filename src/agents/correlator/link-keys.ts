import type { Signal } from '../../domain/signal.js';
import { type GraphView, nodeKey, nodeKind, reachable, type TraversalLimits } from './dependency-graph.js';
import type { SignalFootprint } from './signal-footprint.js';
import { signalNodes } from './signal-nodes.js';

/**
 * The keys a stored signal is found by when a later signal looks for incidents to join: the nodes it
 * touches (`signalNodes`) and the tables its run read and wrote. They depend on the signal alone, not on
 * the graph of the day, so they can be stored once with it.
 */
export function signalLinkKeys(signal: Signal): string[] {
  return linkKeysOf(signal, signalNodes(signal));
}

/** `signalLinkKeys` of a signal whose nodes (`signalNodes`) are already known. */
export function linkKeysOf(signal: Signal, nodes: readonly string[]): string[] {
  const keys = new Set(nodes);
  for (const table of [...(signal.refs.tablesRead ?? []), ...(signal.refs.tablesWritten ?? [])]) {
    keys.add(nodeKey('table', table));
  }
  return [...keys];
}

export interface LinkQueryOptions {
  /** As the correlator's `sharedSourceMaxReaders` (default 25). */
  readonly sharedSourceMaxReaders?: number;
  readonly limits?: TraversalLimits;
}

/**
 * Every key under which a signal the correlator could link to the footprint's signal has been stored: its own nodes,
 * everything up- and downstream of them, their parents, the other jobs on the same cluster or warehouse,
 * and the other readers of a shared source. A superset of what `correlate` accepts as a link, so looking
 * incidents up by these keys (instead of reading every open incident) never misses a join.
 */
export function linkQueryKeys(
  footprint: SignalFootprint,
  view: GraphView,
  options: LinkQueryOptions = {},
): Set<string> {
  const nodes = new Set(footprint.nodes);
  const keys = new Set(nodes);
  for (const n of reachable(view, nodes, 'downstream', options.limits).nodes) keys.add(n);
  for (const n of reachable(view, nodes, 'upstream', options.limits).nodes) keys.add(n);
  const maxReaders = options.sharedSourceMaxReaders ?? 25;
  const parents = new Set<string>();
  for (const n of nodes) for (const p of view.upstream(n)) parents.add(p);
  for (const p of parents) {
    keys.add(p);
    const kind = nodeKind(p);
    // Jobs on the same compute link as shared_compute; readers of a small shared table as shared_source.
    const shared =
      kind === 'cluster' || kind === 'warehouse' || (kind === 'table' && view.fanOut(p) <= maxReaders);
    if (shared) for (const sibling of view.downstream(p)) keys.add(sibling);
  }
  for (const n of nodes) {
    const kind = nodeKind(n);
    if (kind === 'cluster' || kind === 'warehouse') for (const job of view.downstream(n)) keys.add(job);
  }
  return keys;
}
