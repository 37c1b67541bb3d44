import type { Signal } from '../../domain/signal.js';
import { type DependencyGraph, type GraphView, nodeKey, OverlayGraph } from './dependency-graph.js';
import type { SignalFootprint } from './signal-footprint.js';

/** An edge `from → to` (upstream to downstream) between two graph nodes. */
export type SignalEdge = readonly [from: string, to: string];

/** The graph node a signal is about: a task's job, a table, a cluster … */
export function primaryNode(signal: Signal): string {
  const { subject, refs } = signal;
  switch (subject.type) {
    case 'task':
      return nodeKey('job', refs.jobId ?? subject.id.split('/')[0] ?? subject.id);
    case 'workspace':
      return `workspace:${subject.id}`;
    default:
      return nodeKey(subject.type, subject.id);
  }
}

/**
 * Every node a signal touches: its subject, the job behind it and the compute it ran on. Two signals
 * sharing any of these (the same job, the same all-purpose cluster or warehouse) are linked.
 */
export function signalNodes(signal: Signal): string[] {
  const { refs } = signal;
  const nodes = new Set([primaryNode(signal)]);
  if (refs.jobId !== undefined) nodes.add(nodeKey('job', refs.jobId));
  if (refs.pipelineId !== undefined) nodes.add(nodeKey('pipeline', refs.pipelineId));
  if (refs.clusterId !== undefined) nodes.add(nodeKey('cluster', refs.clusterId));
  if (refs.warehouseId !== undefined) nodes.add(nodeKey('warehouse', refs.warehouseId));
  return [...nodes];
}

/**
 * What a signal itself says of the graph: the tables its run read and wrote, the compute under it. A
 * signal with neither a job nor a pipeline behind it says nothing.
 */
export function signalEdges(s: Signal): SignalEdge[] {
  const { refs } = s;
  const owner =
    refs.jobId !== undefined
      ? nodeKey('job', refs.jobId)
      : refs.pipelineId !== undefined
        ? nodeKey('pipeline', refs.pipelineId)
        : undefined;
  if (owner === undefined) return [];
  const edges: SignalEdge[] = [];
  for (const t of refs.tablesRead ?? []) edges.push([nodeKey('table', t), owner]);
  // A table signal names its own table in tablesWritten; that is not a write by the job behind it.
  if (s.subject.type !== 'table')
    for (const t of refs.tablesWritten ?? []) edges.push([owner, nodeKey('table', t)]);
  else edges.push([owner, primaryNode(s)]);
  if (refs.clusterId !== undefined && s.subject.type !== 'cluster')
    edges.push([nodeKey('cluster', refs.clusterId), owner]);
  if (refs.warehouseId !== undefined && s.subject.type !== 'warehouse')
    edges.push([nodeKey('warehouse', refs.warehouseId), owner]);
  return edges;
}

/**
 * The graph plus what the signals themselves say (`signalEdges`; a footprint brings them already
 * derived). Correlation then works even for jobs lineage has not seen yet.
 */
export function withSignalEdges(
  graph: DependencyGraph | GraphView,
  signals: Iterable<Signal | SignalFootprint>,
): GraphView {
  const overlay = new OverlayGraph(graph);
  for (const s of signals)
    for (const [from, to] of 'edges' in s ? s.edges : signalEdges(s)) overlay.addEdge(from, to);
  return overlay;
}
