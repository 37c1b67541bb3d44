import type { Signal } from '../../domain/signal.js';
import { type GraphView, reachable, type TraversalLimits } from './dependency-graph.js';
import { signalNodes } from './signal-nodes.js';

/**
 * When the graph cannot tell which of two signals caused the other (same job, same warehouse), the
 * kind decides: infrastructure before runs, runs before their consequences (skips, stale tables, SLAs).
 */
const CAUSE_RANK: Readonly<Record<string, number>> = {
  cluster_event: 0,
  grant_revoked: 0,
  acl_changed: 0,
  runaway_query: 1,
  warehouse_idle_no_autostop: 1,
  cluster_widened: 1,
  pipeline_failed: 2,
  job_failed: 2,
  task_failed: 2,
  run_timed_out: 2,
  duration_anomaly: 3,
  warehouse_queueing: 3,
  run_skipped: 4,
  row_count_drop: 5,
  row_count_spike: 5,
  zero_rows: 5,
  sla_at_risk: 6,
  sla_missed: 7,
  table_overdue: 7,
  cost_anomaly: 8,
  budget_exceeded: 8,
};

/** Kinds that are consequences of something upstream rather than causes of their own. */
export const CONSEQUENCE_KINDS: ReadonlySet<string> = new Set([
  'run_skipped',
  'row_count_drop',
  'zero_rows',
  'sla_at_risk',
  'sla_missed',
  'table_overdue',
]);

/**
 * Kinds that are evidence only on an incident about their cause and open none of their own: a table
 * not written for longer than usual is idle as often as it is held back.
 */
export const JOIN_ONLY_KINDS: ReadonlySet<string> = new Set(['table_overdue']);

/** Runs and updates that broke: the kinds that can be a root cause of their own. */
export const FAILURE_KINDS: ReadonlySet<string> = new Set([
  'job_failed',
  'task_failed',
  'run_timed_out',
  'pipeline_failed',
]);

/**
 * Money spent for nothing: an idle warehouse, a team's spend, job clusters launched wider than their
 * job's usual. They share compute and tables with failures but neither cause nor follow from them, so
 * they join only the same problem again.
 */
export const WASTE_KINDS: ReadonlySet<string> = new Set([
  'warehouse_idle_no_autostop',
  'cluster_widened',
  'cost_anomaly',
  'budget_exceeded',
]);

/** A team's spend: what the resource it names spending more than usual explains (`SPEND_CAUSE_KINDS`). */
export const SPEND_KINDS: ReadonlySet<string> = new Set(['cost_anomaly', 'budget_exceeded']);

/**
 * Why one resource spends more than usual: a warehouse left idle with auto-stop off, a query running
 * for hours, a warehouse queueing at capacity (scaled out to its maximum, or scaled up to drain the
 * queue), a job run or pipeline update running far past its usual time (a hung update), a job's clusters
 * launched wider than usual. A team's rise in spend on that resource comes of it.
 */
export const SPEND_CAUSE_KINDS: ReadonlySet<string> = new Set([
  'warehouse_idle_no_autostop',
  'runaway_query',
  'warehouse_queueing',
  // A run or pipeline update hours past its usual time bills its cluster for all of them.
  'duration_anomaly',
  // A job whose clusters launch wider bills the extra workers on every run.
  'cluster_widened',
]);

/**
 * Causes that happen once and then stay (a revoked grant or permission): they do not recur themselves,
 * so their incident counts as repeated when what they break fails again.
 */
export const STANDING_CAUSE_KINDS: ReadonlySet<string> = new Set(['grant_revoked', 'acl_changed']);

export function causeRank(kind: string): number {
  return Object.hasOwn(CAUSE_RANK, kind) ? CAUSE_RANK[kind]! : 5;
}

/**
 * The root cause among an incident's signals: the one nothing else in the incident is strictly upstream
 * of (by the graph), then the most cause-like kind, then the earliest, then the smallest id so that
 * every worker picks the same one.
 */
export function pickRootCause(
  signals: readonly Signal[],
  graph: GraphView,
  limits: TraversalLimits = {},
): Signal {
  if (signals.length === 0) throw new RangeError('pickRootCause needs at least one signal');
  const all = [...new Map(signals.map((s) => [s.id, s])).values()];
  // A team's spend is what something else cost (its node reaches every job of the team, upstream of
  // all of them by the graph): it is the root only of an incident of spend alone.
  const causes = all.filter((s) => !SPEND_KINDS.has(s.kind));
  const unique = causes.length > 0 ? causes : all;
  const nodes = unique.map((s) => new Set(signalNodes(s)));
  const reach = unique.map(
    (s) => reachable(graph, signalNodes(s), 'downstream', { maxNodes: 5_000, ...limits }).nodes,
  );
  const reaches = (i: number, j: number) => [...nodes[j]!].some((n) => reach[i]!.has(n));
  const candidates = unique.filter((_, j) =>
    unique.every((__, i) => i === j || !reaches(i, j) || reaches(j, i)),
  );
  const pool = candidates.length > 0 ? candidates : unique;
  return pool.reduce((best, s) => (compareCause(s, best) < 0 ? s : best));
}

function compareCause(a: Signal, b: Signal): number {
  return (
    causeRank(a.kind) - causeRank(b.kind) ||
    a.occurredAt - b.occurredAt ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}
