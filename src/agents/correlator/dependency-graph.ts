/**
 * Who feeds whom, as a directed graph in the direction data and trouble flow: a table → the jobs,
 * pipelines and dashboards that read it; a job → the tables it writes and the jobs it starts
 * (`run_job_task`); a cluster or warehouse → the jobs that run on it. Node keys are `kind:id`
 * (`job:42`, `table:main.sales.orders`). Built once per workspace from lineage and job settings;
 * queries never mutate it.
 */
const NODE_KINDS = [
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

function neighbourCount(n: Neighbours | undefined): number {
  return n === undefined ? 0 : typeof n === 'string' ? 1 : Array.isArray(n) ? n.length : n.size;
}

/** What a node without a name is called on a card: its id (`main.sales.orders` for `table:main.sales.orders`). */
const unnamedLabel = (node: string): string => node.slice(node.indexOf(':') + 1);

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
    return neighbourCount(this.#down.get(node));
  }

  label(node: string): string {
    return this.#labels.get(node) ?? unnamedLabel(node);
  }

  team(node: string): string | undefined {
    return this.#teams.get(node);
  }

  /** Number of nodes with at least one edge. */
  get size(): number {
    return new Set([...this.#down.keys(), ...this.#up.keys()]).size;
  }

  /** The same graph, read-only and compact (see `FrozenGraph`). */
  freeze(): FrozenGraph {
    const nodes = new Set([
      ...this.#down.keys(),
      ...this.#up.keys(),
      ...this.#labels.keys(),
      ...this.#teams.keys(),
    ]);
    return new FrozenGraph([...nodes], this.#down, this.#up, this.#labels, this.#teams);
  }
}

/** Neighbour lists of every node in two typed arrays: node i's are `targets[offsets[i] … offsets[i+1])`. */
interface Adjacency {
  readonly offsets: Int32Array;
  readonly targets: Int32Array;
}

function adjacency(
  keys: readonly string[],
  index: ReadonlyMap<string, number>,
  map: Map<string, Neighbours>,
): Adjacency {
  const offsets = new Int32Array(keys.length + 1);
  let edges = 0;
  for (let i = 0; i < keys.length; i++) {
    offsets[i] = edges;
    edges += neighbourCount(map.get(keys[i]!));
  }
  offsets[keys.length] = edges;
  const targets = new Int32Array(edges);
  let at = 0;
  for (const key of keys)
    for (const neighbour of neighbours(map.get(key))) targets[at++] = index.get(neighbour)!;
  return { offsets, targets };
}

/**
 * A built graph frozen for queries: nodes numbered, edges in typed arrays, teams as small numbers. A
 * 100,000-job workspace's graph drops from ~45 MB of maps and lists to about half, and the garbage
 * collector no longer walks hundreds of thousands of objects it can never free. Neighbours come out in
 * the order they were added, as from `DependencyGraph`.
 */
export class FrozenGraph implements GraphView {
  readonly #keys: readonly string[];
  readonly #index: ReadonlyMap<string, number>;
  readonly #down: Adjacency;
  readonly #up: Adjacency;
  readonly #labels: ReadonlyMap<number, string>;
  readonly #teamOf: Uint32Array;
  readonly #teamNames: readonly string[];

  constructor(
    keys: readonly string[],
    down: Map<string, Neighbours>,
    up: Map<string, Neighbours>,
    labels: ReadonlyMap<string, string>,
    teams: ReadonlyMap<string, string>,
  ) {
    const index = new Map<string, number>();
    for (const [i, key] of keys.entries()) index.set(key, i);
    this.#keys = keys;
    this.#index = index;
    this.#down = adjacency(keys, index, down);
    this.#up = adjacency(keys, index, up);
    // Only a job's, dashboard's or pipeline's name differs from its key: a map of those, not a slot each.
    this.#labels = new Map([...labels].map(([node, label]) => [index.get(node)!, label]));
    const teamIds = new Map<string, number>();
    this.#teamOf = new Uint32Array(keys.length);
    for (const [node, team] of teams) {
      let id = teamIds.get(team);
      if (id === undefined) {
        id = teamIds.size + 1;
        teamIds.set(team, id);
      }
      this.#teamOf[index.get(node)!] = id;
    }
    this.#teamNames = ['', ...teamIds.keys()];
  }

  #neighbours(node: string, adjacency: Adjacency): string[] {
    const i = this.#index.get(node);
    if (i === undefined) return [];
    const out: string[] = [];
    for (let at = adjacency.offsets[i]!; at < adjacency.offsets[i + 1]!; at++)
      out.push(this.#keys[adjacency.targets[at]!]!);
    return out;
  }

  downstream(node: string): Iterable<string> {
    return this.#neighbours(node, this.#down);
  }

  upstream(node: string): Iterable<string> {
    return this.#neighbours(node, this.#up);
  }

  fanOut(node: string): number {
    const i = this.#index.get(node);
    return i === undefined ? 0 : this.#down.offsets[i + 1]! - this.#down.offsets[i]!;
  }

  label(node: string): string {
    const i = this.#index.get(node);
    return (i === undefined ? undefined : this.#labels.get(i)) ?? unnamedLabel(node);
  }

  team(node: string): string | undefined {
    const i = this.#index.get(node);
    const id = i === undefined ? 0 : this.#teamOf[i]!;
    return id === 0 ? undefined : this.#teamNames[id];
  }

  /** Number of nodes with at least one edge. */
  get size(): number {
    let count = 0;
    for (let i = 0; i < this.#keys.length; i++)
      if (
        this.#down.offsets[i + 1]! > this.#down.offsets[i]! ||
        this.#up.offsets[i + 1]! > this.#up.offsets[i]!
      )
        count++;
    return count;
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
