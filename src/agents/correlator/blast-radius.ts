import { type BlastRadius, INCIDENT_LIMITS } from '../../domain/incident.js';
import type { Signal } from '../../domain/signal.js';
import { type GraphView, nodeKey, nodeKind, reachable, type TraversalLimits } from './dependency-graph.js';
import { revocationExplains } from './revocation-explains.js';
import { primaryNode } from './signal-nodes.js';

export interface BlastRadiusResult extends BlastRadius {
  /** The walk hit its depth or node limit: there may be more downstream than counted. */
  readonly truncated: boolean;
}

/**
 * Who is hurt downstream of `root` (a node key or several): jobs, tables and dashboards by BFS, and
 * the teams owning them. `count` is jobs + tables + dashboards found; each list keeps the nearest
 * `INCIDENT_LIMITS.listItems` names. Bounded (default depth 6, 10 000 nodes) and cycle-safe.
 */
export function blastRadius(
  root: string | readonly string[],
  graph: GraphView,
  limits: TraversalLimits = {},
): BlastRadiusResult {
  const roots = typeof root === 'string' ? [root] : root;
  const walk = reachable(graph, roots, 'downstream', {
    maxDepth: limits.maxDepth ?? 6,
    maxNodes: limits.maxNodes,
  });
  // Nearest first, so the names a card shows are the most directly affected.
  const ordered = [...walk.nodes].sort((a, b) => (walk.depth.get(a) ?? 0) - (walk.depth.get(b) ?? 0));
  const jobs: string[] = [];
  const tables: string[] = [];
  const dashboards: string[] = [];
  const teams = new Set<string>();
  let count = 0;
  const cap = INCIDENT_LIMITS.listItems;
  for (const node of ordered) {
    const kind = nodeKind(node);
    const list =
      kind === 'job' ? jobs : kind === 'table' ? tables : kind === 'dashboard' ? dashboards : undefined;
    if (list === undefined) continue;
    count += 1;
    if (list.length < cap) list.push(graph.label(node).slice(0, INCIDENT_LIMITS.name));
    const team = graph.team(node);
    if (team !== undefined && teams.size < cap) teams.add(team.slice(0, INCIDENT_LIMITS.name));
  }
  return { jobs, tables, dashboards, teams: [...teams].sort(), count, truncated: walk.truncated };
}

/**
 * Who a revoked grant (or ACL change) hurts: only the principal that lost the privilege, so only the
 * jobs whose permission failures it explains and what those jobs feed — not every reader of the
 * securable or user of the cluster, most of which still hold their own. A revocation nothing has
 * failed on yet hurts nobody known.
 */
export function revocationBlastRadius(
  revocation: Signal,
  signals: readonly Signal[],
  graph: GraphView,
  limits: TraversalLimits = {},
): BlastRadiusResult {
  const securable = primaryNode(revocation);
  const broken = new Set<string>();
  for (const s of signals) {
    if (s.refs.jobId !== undefined && revocationExplains(revocation, s, graph))
      broken.add(nodeKey('job', s.refs.jobId));
  }
  return blastRadius(securable, new OnlyThrough(graph, securable, broken), limits);
}

/**
 * Who `root` hurts when what it writes into `unhurt` stays as current as before its failure (another job
 * keeps those tables fresh): the walk leaves `root` only through its other outputs.
 */
export function blastRadiusSparing(
  root: string,
  unhurt: ReadonlySet<string>,
  graph: GraphView,
  limits: TraversalLimits = {},
): BlastRadiusResult {
  const next = new Set([...graph.downstream(root)].filter((n) => !unhurt.has(n)));
  return blastRadius(root, new OnlyThrough(graph, root, next), limits);
}

/** The graph, except that `node` leads only to `next` (the jobs that lost access through it). */
class OnlyThrough implements GraphView {
  constructor(
    private readonly base: GraphView,
    private readonly node: string,
    private readonly next: ReadonlySet<string>,
  ) {}

  downstream(node: string): Iterable<string> {
    return node === this.node ? this.next : this.base.downstream(node);
  }

  upstream(node: string): Iterable<string> {
    return this.base.upstream(node);
  }

  fanOut(node: string): number {
    return node === this.node ? this.next.size : this.base.fanOut(node);
  }

  label(node: string): string {
    return this.base.label(node);
  }

  team(node: string): string | undefined {
    return this.base.team(node);
  }
}
