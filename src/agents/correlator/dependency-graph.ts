/**
 * Who feeds whom, as a directed graph in the direction data and trouble flow: a table → the jobs,
 * pipelines and dashboards that read it; a job → the tables it writes and the jobs it starts
 * (`run_job_task`); a cluster or warehouse → the jobs that run on it. Node keys are `kind:id`
 * (`job:42`, `table:main.sales.orders`). Built once per workspace from lineage and job settings;
 * queries never mutate it.
 */
export const NODE_KINDS = [
  'job',
  'table',
  'dashboard',
  'cluster',
  'warehouse',
  'pipeline',
  'query',
  'team',
] as const;
export type NodeKind = (typeof NODE_KINDS)[number];

/** The key of a node: `job:42`. */
export function nodeKey(kind: NodeKind, id: string): string {
  return `${kind}:${id}`;
}

/** The kind of a node key, or undefined for a key not made by `nodeKey`. */
export function nodeKind(key: string): NodeKind | undefined {
  const kind = key.slice(0, key.indexOf(':'));
  return (NODE_KINDS as readonly string[]).includes(kind) ? (kind as NodeKind) : undefined;
}

/** Read access to a dependency graph; `OverlayGraph` adds a few edges without copying the base. */
export interface GraphView {
  downstream(node: string): Iterable<string>;
  upstream(node: string): Iterable<string>;
  /** How many nodes read `node` directly (to tell a shared source from a table everyone reads). */
  fanOut(node: string): number;
  label(node: string): string;
  team(node: string): string | undefined;
}

/**
 * A node's neighbours, as small as their number allows: most nodes of a workspace have one or two, and a
 * Set per node and direction made up most of a 100,000-job graph's memory (bench/pipeline.bench.ts).
 */
type Neighbours = string | string[] | Set<string>;
/** Beyond this many neighbours, a Set keeps adding an edge O(1). */
const ARRAY_MAX = 16;

function addNeighbour(map: Map<string, Neighbours>, node: string, neighbour: string): void {
  const current = map.get(node);
  if (current === undefined) map.set(node, neighbour);
  else if (typeof current === 'string') {
    if (current !== neighbour) map.set(node, [current, neighbour]);
  } else if (Array.isArray(current)) {
    if (current.includes(neighbour)) return;
    if (current.length < ARRAY_MAX) current.push(neighbour);
    else map.set(node, new Set([...current, neighbour]));
  } else current.add(neighbour);
}

function neighbours(n: Neighbours | undefined): Iterable<string> {
  return n === undefined ? [] : typeof n === 'string' ? [n] : n;
}

export class DependencyGraph implements GraphView {
  readonly #down = new Map<string, Neighbours>();
  readonly #up = new Map<string, Neighbours>();
  readonly #labels = new Map<string, string>();
  readonly #teams = new Map<string, string>();

  /** Adds `from → to` (data or trouble flows from `from` to `to`); self-loops are ignored. */
  addEdge(from: string, to: string): this {
    if (from === to) return this;
    addNeighbour(this.#down, from, to);
    addNeighbour(this.#up, to, from);
    return this;
  }

  /** Names a node for cards (`Nightly orders ETL` for `job:42`); the first name given wins. */
  setLabel(node: string, label: string | undefined | null): this {
    if (label && !this.#labels.has(node)) this.#labels.set(node, label);
    return this;
  }

  /** The team owning a node (job tag `team`, table owner …). */
  setTeam(node: string, team: string | undefined | null): this {
    if (team && !this.#teams.has(node)) this.#teams.set(node, team);
    return this;
  }

  downstream(node: string): Iterable<string> {
    return neighbours(this.#down.get(node));
  }

  upstream(node: string): Iterable<string> {
    return neighbours(this.#up.get(node));
  }

  fanOut(node: string): number {
    const n = this.#down.get(node);
    return n === undefined ? 0 : typeof n === 'string' ? 1 : Array.isArray(n) ? n.length : n.size;
  }

  label(node: string): string {
    return this.#labels.get(node) ?? node.slice(node.indexOf(':') + 1);
  }

  team(node: string): string | undefined {
    return this.#teams.get(node);
  }

  /** Number of nodes with at least one edge. */
  get size(): number {
    return new Set([...this.#down.keys(), ...this.#up.keys()]).size;
  }
}

/** A base graph plus a few extra edges (e.g. from the signals being correlated), without copying the base. */
export class OverlayGraph implements GraphView {
  readonly #extra = new DependencyGraph();
  constructor(private readonly base: GraphView) {}

  addEdge(from: string, to: string): this {
    this.#extra.addEdge(from, to);
    return this;
  }

  *downstream(node: string): Iterable<string> {
    yield* this.base.downstream(node);
    yield* this.#extra.downstream(node);
  }

  *upstream(node: string): Iterable<string> {
    yield* this.base.upstream(node);
    yield* this.#extra.upstream(node);
  }

  fanOut(node: string): number {
    return this.base.fanOut(node) + this.#extra.fanOut(node);
  }

  label(node: string): string {
    return this.base.label(node);
  }

  team(node: string): string | undefined {
    return this.base.team(node);
  }
}

export interface TraversalLimits {
  /** Hops from the start. Default 8. */
  readonly maxDepth?: number;
  /** Nodes visited before giving up. Default 10 000. */
  readonly maxNodes?: number;
}

/**
 * Breadth-first walk from `start` (excluded from the result) along `direction`. Cycle-safe, and bounded
 * by depth and visited nodes, so a 100 000-reader table cannot stall the loop; `truncated` says so.
 */
export function reachable(
  graph: GraphView,
  start: Iterable<string>,
  direction: 'downstream' | 'upstream',
  limits: TraversalLimits = {},
): { nodes: Set<string>; depth: Map<string, number>; truncated: boolean } {
  const maxDepth = limits.maxDepth ?? 8;
  const maxNodes = limits.maxNodes ?? 10_000;
  const starts = new Set(start);
  const depth = new Map<string, number>();
  const nodes = new Set<string>();
  let frontier = [...starts];
  let truncated = false;
  for (let d = 1; d <= maxDepth && frontier.length > 0; d += 1) {
    const next: string[] = [];
    for (const node of frontier) {
      const neighbours = direction === 'downstream' ? graph.downstream(node) : graph.upstream(node);
      for (const n of neighbours) {
        if (starts.has(n) || nodes.has(n)) continue;
        if (nodes.size >= maxNodes) {
          truncated = true;
          return { nodes, depth, truncated };
        }
        nodes.add(n);
        depth.set(n, d);
        next.push(n);
      }
    }
    frontier = next;
  }
  // Stopped by depth: truncated only if something lies beyond.
  truncated = frontier.some((node) =>
    [...(direction === 'downstream' ? graph.downstream(node) : graph.upstream(node))].some(
      (n) => !starts.has(n) && !nodes.has(n),
    ),
  );
  return { nodes, depth, truncated };
}
