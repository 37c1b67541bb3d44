import type { Signal } from '../../domain/signal.js';
import { linkKeysOf } from './link-keys.js';
import { type SignalEdge, signalEdges, signalNodes } from './signal-nodes.js';

/**
 * A signal's place in the dependency graph: every node it touches, the keys it is stored and found by,
 * and the edges it states itself. Derived once when the signal enters correlation
 * (`handleSignal`) and passed along, so each step reads it instead of working it out again.
 */
export interface SignalFootprint {
  readonly signal: Signal;
  /** Every node it touches (`signalNodes`): its subject, the job behind it, the compute it ran on. */
  readonly nodes: readonly string[];
  /** The keys it is stored under for later signals to find (`signalLinkKeys`). */
  readonly linkKeys: readonly string[];
  /** What the signal says of the graph (`signalEdges`): the tables its run read and wrote, its compute. */
  readonly edges: readonly SignalEdge[];
}

export function signalFootprint(signal: Signal): SignalFootprint {
  const nodes = signalNodes(signal);
  return {
    signal,
    nodes,
    linkKeys: linkKeysOf(signal, nodes),
    edges: signalEdges(signal),
  };
}
