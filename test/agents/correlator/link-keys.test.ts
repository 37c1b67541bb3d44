import { signalFootprint } from '../../../src/agents/correlator/signal-footprint.js';
import { describe, expect, it } from 'vitest';
import { buildDependencyGraph } from '../../../src/agents/correlator/build-dependency-graph.js';
import {
  type CorrelationOptions,
  correlate,
  type LinkKind,
  type OpenIncidentView,
} from '../../../src/agents/correlator/correlate.js';
import { DependencyGraph, type GraphView, nodeKey } from '../../../src/agents/correlator/dependency-graph.js';
import { linkQueryKeys, signalLinkKeys } from '../../../src/agents/correlator/link-keys.js';
import { withSignalEdges } from '../../../src/agents/correlator/signal-nodes.js';
import { makeSignal, type Signal, type SignalDraft } from '../../../src/domain/signal.js';
import { Prng } from '../../../src/sim/engine/prng.js';
import { NIGHTLY_ORDERS_LINEAGE } from './nightly-orders-lineage.js';

const WS = '1234567890123456';
const T0 = Date.UTC(2026, 10, 20, 2, 0);
const MIN = 60_000;
const OPTIONS: CorrelationOptions = { windowMinutes: 30 };
const CLUSTER = '0929-205554-jm9y8aqe';
const WAREHOUSE = '1a2b3c4d5e6f7a8b';

let seq = 0;
/** A signal as the detectors emit it; each call gets its own dedup key, hence its own id. */
function signal(draft: Partial<SignalDraft>): Signal {
  seq += 1;
  const made = makeSignal({
    source: 'test',
    dedupKey: `link-keys:${seq}`,
    workspaceId: WS,
    kind: 'task_failed',
    severityHint: 'P2',
    observedAt: T0,
    occurredAt: T0,
    subject: { type: 'task', id: '42/ingest' },
    ...draft,
  });
  if (!made.ok) throw new Error(made.userMessage);
  return made.value;
}

/** A failed task of `jobId`, with the refs its run reported (no cluster, no tables unless given). */
function taskFailure(jobId: string, refs: SignalDraft['refs'] = {}, at = T0): Signal {
  return signal({
    subject: { type: 'task', id: `${jobId}/main`, name: `${jobId} / main` },
    refs: { jobId, runId: `run-${jobId}-${seq}`, taskKey: 'main', ...refs },
    occurredAt: at,
    observedAt: at,
  });
}

function incidentOf(signals: readonly Signal[]): OpenIncidentView {
  return { id: `inc_${signals[0]!.id.slice(4, 20)}`, workspaceId: WS, rootSignalId: signals[0]!.id, signals };
}

/** How `correlate` would link `s` to the incident holding `members`, or undefined when it opens a new one. */
function linkOf(
  s: Signal,
  members: readonly Signal[],
  graph: GraphView,
  options = OPTIONS,
): LinkKind | undefined {
  const d = correlate(signalFootprint(s), [incidentOf(members)], graph, options, s.observedAt);
  return 'join' in d ? d.link : undefined;
}

/** The keys shared by what `s` looks up and what the incident's signals are stored under. */
function sharedKeys(s: Signal, members: readonly Signal[], graph: GraphView, options = OPTIONS): string[] {
  const query = linkQueryKeys(signalFootprint(s), withSignalEdges(graph, [s, ...members]), options);
  return [...new Set(members.flatMap(signalLinkKeys))].filter((k) => query.has(k)).sort();
}

/** The nightly pipeline: E writes sales.orders, M reads it and writes the revenue mart. */
const lineage = buildDependencyGraph({
  lineage: NIGHTLY_ORDERS_LINEAGE,
});
const empty = new DependencyGraph();

describe('signalLinkKeys', () => {
  it('stores a task signal under its job, its cluster and the tables its run read and wrote', () => {
    const s = taskFailure('42', {
      clusterId: CLUSTER,
      tablesRead: ['main.raw.orders'],
      tablesWritten: ['main.sales.orders'],
    });
    expect(signalLinkKeys(s).sort()).toEqual([
      `cluster:${CLUSTER}`,
      'job:42',
      'table:main.raw.orders',
      'table:main.sales.orders',
    ]);
  });

  it('stores a table signal once under its own table, and under the job and warehouse that fill it', () => {
    const s = signal({
      kind: 'row_count_drop',
      subject: { type: 'table', id: 'main.sales.orders' },
      refs: { jobId: 'E', warehouseId: WAREHOUSE, tablesWritten: ['main.sales.orders'] },
    });
    expect(signalLinkKeys(s).sort()).toEqual(['job:E', 'table:main.sales.orders', `warehouse:${WAREHOUSE}`]);
  });

  it('stores a pipeline and a warehouse signal under their own nodes', () => {
    const pipeline = signal({
      kind: 'pipeline_failed',
      subject: { type: 'pipeline', id: 'p-7' },
      refs: { pipelineId: 'p-7' },
    });
    const warehouse = signal({ kind: 'warehouse_queueing', subject: { type: 'warehouse', id: WAREHOUSE } });
    expect(signalLinkKeys(pipeline)).toEqual(['pipeline:p-7']);
    expect(signalLinkKeys(warehouse)).toEqual([`warehouse:${WAREHOUSE}`]);
  });
});

describe('linkQueryKeys', () => {
  it('finds another failure of the same job', () => {
    const member = taskFailure('42');
    const s = taskFailure('42', {}, T0 + 5 * MIN);
    expect(linkOf(s, [member], empty)).toBe('same_subject');
    expect(sharedKeys(s, [member], empty)).toEqual(['job:42']);
  });

  it('finds the incident of the upstream job whose table a downstream job reads', () => {
    const extract = taskFailure('E');
    const mart = taskFailure('M', {}, T0 + 10 * MIN);
    expect(linkOf(mart, [extract], lineage)).toBe('downstream');
    expect(sharedKeys(mart, [extract], lineage)).toEqual(['job:E']);
  });

  it('lets an upstream cause find the incident its consequence opened', () => {
    const stale = signal({
      kind: 'row_count_drop',
      subject: { type: 'table', id: 'main.mart.daily_revenue' },
    });
    const extract = taskFailure('E', {}, T0 + 5 * MIN);
    expect(linkOf(extract, [stale], lineage)).toBe('upstream');
    expect(sharedKeys(extract, [stale], lineage)).toEqual(['table:main.mart.daily_revenue']);
  });

  it('finds a failure on the same all-purpose cluster, known from the job settings', () => {
    const shared = buildDependencyGraph({
      jobs: [
        { jobId: 'A', computeIds: [CLUSTER] },
        { jobId: 'B', computeIds: [CLUSTER] },
      ],
    });
    const a = taskFailure('A');
    const b = taskFailure('B', {}, T0 + 3 * MIN);
    expect(linkOf(b, [a], shared)).toBe('shared_compute');
    expect(sharedKeys(b, [a], shared)).toEqual(['job:A']);
  });

  it('lets a cluster event find the failures of the jobs running on that cluster', () => {
    const shared = buildDependencyGraph({ jobs: [{ jobId: 'A', computeIds: [CLUSTER] }] });
    const a = taskFailure('A');
    const driver = signal({ kind: 'cluster_event', subject: { type: 'cluster', id: CLUSTER } });
    expect(linkOf(driver, [a], shared)).toBe('shared_compute');
    expect(sharedKeys(driver, [a], shared)).toEqual(['job:A']);
  });

  it('finds a failure on the same cluster known only from the signals’ refs', () => {
    const a = taskFailure('A', { clusterId: CLUSTER });
    const b = taskFailure('B', { clusterId: CLUSTER }, T0 + 3 * MIN);
    expect(linkOf(b, [a], empty)).toBe('shared_compute');
    expect(sharedKeys(b, [a], empty)).toEqual([`cluster:${CLUSTER}`, 'job:A']);
    const firstLookup = linkQueryKeys(signalFootprint(b), withSignalEdges(empty, [b]));
    expect(signalLinkKeys(a).filter((k) => firstLookup.has(k))).toEqual([`cluster:${CLUSTER}`]);
  });

  it('finds a failure on the same SQL warehouse', () => {
    const queueing = signal({ kind: 'warehouse_queueing', subject: { type: 'warehouse', id: WAREHOUSE } });
    const query = taskFailure('Q', { warehouseId: WAREHOUSE }, T0 + MIN);
    expect(linkOf(query, [queueing], empty)).toBe('shared_compute');
    expect(sharedKeys(query, [queueing], empty)).toEqual([`warehouse:${WAREHOUSE}`]);
  });

  it('finds a failure sharing a small upstream source table', () => {
    const g = buildDependencyGraph({
      jobs: [
        { jobId: 'P', tablesRead: ['main.raw.payments'] },
        { jobId: 'Q', tablesRead: ['main.raw.payments'] },
      ],
    });
    const p = taskFailure('P');
    const q = taskFailure('Q', {}, T0 + MIN);
    expect(linkOf(q, [p], g)).toBe('shared_source');
    expect(sharedKeys(q, [p], g)).toEqual(['job:P']);
  });

  it('does not reach the other readers of a table more than 25 jobs read', () => {
    const readers = Array.from({ length: 40 }, (_, i) => ({ jobId: `R${i}`, tablesRead: ['main.dim.date'] }));
    const g = buildDependencyGraph({ jobs: readers });
    const r0 = taskFailure('R0');
    const r1 = taskFailure('R1', {}, T0 + MIN);
    expect(linkOf(r1, [r0], g)).toBeUndefined();
    const query = linkQueryKeys(signalFootprint(r1), withSignalEdges(g, [r1]));
    expect(query.has('table:main.dim.date')).toBe(true);
    expect(query.has('job:R0')).toBe(false);
    expect(sharedKeys(r1, [r0], g)).toEqual([]);
  });

  it('reaches the readers of a table read by exactly 25 jobs', () => {
    const readers = Array.from({ length: 25 }, (_, i) => ({ jobId: `R${i}`, tablesRead: ['main.dim.date'] }));
    const g = buildDependencyGraph({ jobs: readers });
    const r0 = taskFailure('R0');
    const r24 = taskFailure('R24', {}, T0 + MIN);
    expect(linkOf(r24, [r0], g)).toBe('shared_source');
    expect(sharedKeys(r24, [r0], g)).toEqual(['job:R0']);
  });

  it('finds an incident linked only through the tables its run wrote, before lineage knows them', () => {
    const extract = taskFailure('E', { tablesWritten: ['main.sales.orders'] });
    const mart = taskFailure('M', { tablesRead: ['main.sales.orders'] }, T0 + 10 * MIN);
    expect(linkOf(mart, [extract], empty)).toBe('downstream');
    // The lookup sees only the new signal's own edges: the stored table key is what connects them.
    const firstLookup = linkQueryKeys(signalFootprint(mart), withSignalEdges(empty, [mart]));
    expect(signalLinkKeys(extract).filter((k) => firstLookup.has(k))).toEqual(['table:main.sales.orders']);
  });

  it('finds an incident sharing a source table known only from both runs’ refs', () => {
    const p = taskFailure('P', { tablesRead: ['main.raw.payments'] });
    const q = taskFailure('Q', { tablesRead: ['main.raw.payments'] }, T0 + MIN);
    expect(linkOf(q, [p], empty)).toBe('shared_source');
    const firstLookup = linkQueryKeys(signalFootprint(q), withSignalEdges(empty, [q]));
    expect(signalLinkKeys(p).filter((k) => firstLookup.has(k))).toEqual(['table:main.raw.payments']);
  });

  it('keeps an unrelated job’s failure out of reach', () => {
    const a = taskFailure('A', { clusterId: CLUSTER, tablesRead: ['main.web.clicks'] });
    const x = taskFailure('X', { clusterId: '1120-010101-zzzz9999', tablesRead: ['main.raw.orders'] });
    expect(linkOf(x, [a], lineage)).toBeUndefined();
    expect(sharedKeys(x, [a], lineage)).toEqual([]);
  });
});

// A small random workspace: few enough names that random signals and edges often meet.
const JOBS = ['1', '2', '3', '4', '5', '6', '7'];
const TABLES = ['main.s.t0', 'main.s.t1', 'main.s.t2', 'main.s.t3', 'main.s.t4', 'main.s.t5'];
const CLUSTERS = ['0101-000000-aaaa0001', '0101-000000-aaaa0002', '0101-000000-aaaa0003'];
const WAREHOUSES = ['1a2b3c4d5e6f7a80', '1a2b3c4d5e6f7a81'];
const PIPELINES = ['p-1', 'p-2'];
const KINDS = [
  'task_failed',
  'job_failed',
  'run_timed_out',
  'run_skipped',
  'row_count_drop',
  'sla_missed',
  'cluster_event',
  'warehouse_queueing',
  'pipeline_failed',
];

function some<T>(rng: Prng, items: readonly T[], max: number): T[] {
  const n = rng.int(0, max);
  return [...new Set(Array.from({ length: n }, () => rng.pick(items)))];
}

/** A random graph, half the time from job settings and lineage, half the time edge by edge. */
function randomGraph(rng: Prng): GraphView {
  if (rng.chance(0.5)) {
    return buildDependencyGraph({
      lineage: Array.from({ length: rng.int(0, 4) }, () => ({
        sourceTable: rng.chance(0.8) ? rng.pick(TABLES) : null,
        targetTable: rng.chance(0.8) ? rng.pick(TABLES) : null,
        entityType: 'JOB',
        entityId: rng.pick(JOBS),
      })),
      jobs: JOBS.filter(() => rng.chance(0.6)).map((jobId) => ({
        jobId,
        tablesRead: some(rng, TABLES, 2),
        tablesWritten: some(rng, TABLES, 1),
        computeIds: some(rng, [...CLUSTERS, ...WAREHOUSES], 1),
      })),
      jobEdges: Array.from({ length: rng.int(0, 2) }, () => ({
        parentJobId: rng.pick(JOBS),
        childJobId: rng.pick(JOBS),
      })),
      pipelines: PIPELINES.filter(() => rng.chance(0.4)).map((pipelineId) => ({
        pipelineId,
        tablesRead: some(rng, TABLES, 1),
        tablesWritten: some(rng, TABLES, 1),
        ...(rng.chance(0.5) ? { jobId: rng.pick(JOBS) } : {}),
      })),
    });
  }
  const g = new DependencyGraph();
  const job = () => nodeKey('job', rng.pick(JOBS));
  const table = () => nodeKey('table', rng.pick(TABLES));
  const edges: (() => [string, string])[] = [
    () => [table(), job()],
    () => [job(), table()],
    () => [job(), job()],
    () => [table(), table()],
    () => [nodeKey('cluster', rng.pick(CLUSTERS)), job()],
    () => [nodeKey('warehouse', rng.pick(WAREHOUSES)), job()],
    () => [table(), nodeKey('pipeline', rng.pick(PIPELINES))],
    () => [nodeKey('pipeline', rng.pick(PIPELINES)), table()],
  ];
  for (let i = rng.int(0, 12); i > 0; i--) g.addEdge(...rng.pick(edges)());
  return g;
}

/** A random signal shaped like the detectors' (task, job, table, cluster, warehouse or pipeline). */
function randomSignal(rng: Prng, at: number): Signal {
  const jobId = rng.pick(JOBS);
  const kind = rng.pick(KINDS);
  const compute = {
    ...(rng.chance(0.3) ? { clusterId: rng.pick(CLUSTERS) } : {}),
    ...(rng.chance(0.15) ? { warehouseId: rng.pick(WAREHOUSES) } : {}),
  };
  const tables = {
    ...(rng.chance(0.4) ? { tablesRead: some(rng, TABLES, 2) } : {}),
    ...(rng.chance(0.3) ? { tablesWritten: some(rng, TABLES, 2) } : {}),
  };
  const runId = String(rng.int(1, 3));
  const base = { kind, occurredAt: at, observedAt: at };
  switch (rng.int(0, 5)) {
    case 0:
      return signal({
        ...base,
        subject: { type: 'task', id: `${jobId}/t${rng.int(1, 2)}` },
        refs: { jobId, runId, ...compute, ...tables },
      });
    case 1:
      return signal({
        ...base,
        subject: { type: 'job', id: jobId },
        refs: { jobId, runId, ...compute, ...tables },
      });
    case 2: {
      const t = rng.pick(TABLES);
      return signal({
        ...base,
        subject: { type: 'table', id: t },
        refs: { ...(rng.chance(0.5) ? { jobId } : {}), tablesWritten: [t] },
      });
    }
    case 3:
      return signal({ ...base, subject: { type: 'cluster', id: rng.pick(CLUSTERS) } });
    case 4:
      return signal({ ...base, subject: { type: 'warehouse', id: rng.pick(WAREHOUSES) }, refs: compute });
    default: {
      const pipelineId = rng.pick(PIPELINES);
      return signal({
        ...base,
        subject: { type: 'pipeline', id: pipelineId },
        refs: { pipelineId, ...(rng.chance(0.5) ? { jobId } : {}), ...tables },
      });
    }
  }
}

describe('linkQueryKeys against correlate', () => {
  it('reaches every incident correlate joins, over 600 random workspaces', () => {
    const rng = new Prng(20_261_120);
    const links = new Map<string, number>();
    let missed: unknown;
    for (let round = 0; round < 600 && missed === undefined; round++) {
      const graph = randomGraph(rng);
      const options: CorrelationOptions = {
        windowMinutes: 30,
        ...(rng.chance(0.3) ? { sharedSourceMaxReaders: rng.int(0, 2) } : {}),
        ...(rng.chance(0.3) ? { limits: { maxDepth: rng.int(0, 2), maxNodes: rng.int(1, 8) } } : {}),
      };
      const members = Array.from({ length: rng.int(1, 3) }, () =>
        randomSignal(rng, T0 + rng.int(0, 40) * MIN),
      );
      const s = randomSignal(rng, T0 + rng.int(0, 40) * MIN);
      const link = linkOf(s, members, graph, options);
      if (link === undefined) continue;
      links.set(link, (links.get(link) ?? 0) + 1);
      const stored = new Set(members.flatMap(signalLinkKeys));
      // As the brief states the claim: with the incident's signals' edges in the view …
      const withMembers = linkQueryKeys(signalFootprint(s), withSignalEdges(graph, [s, ...members]), options);
      // … and as handleSignal's first lookup runs it, knowing only the new signal's own edges.
      const firstLookup = linkQueryKeys(signalFootprint(s), withSignalEdges(graph, [s]), options);
      const reached =
        [...stored].some((k) => withMembers.has(k)) && [...stored].some((k) => firstLookup.has(k));
      if (!reached) missed = { round, link, s, members, withMembers: [...withMembers], stored: [...stored] };
    }
    expect(missed).toBeUndefined();
    // The sample exercised every kind of link, not just the easy ones.
    expect([...links.keys()].sort()).toEqual([
      'downstream',
      'same_subject',
      'shared_compute',
      'shared_source',
      'upstream',
    ]);
    // Fewer than links alone would give: a join also needs the time of the incident's cause.
    expect([...links.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(150);
  });
});
