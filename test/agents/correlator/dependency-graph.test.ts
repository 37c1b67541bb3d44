import { describe, expect, it } from 'vitest';
import { buildDependencyGraph } from '../../../src/agents/correlator/build-dependency-graph.js';
import { DependencyGraph, OverlayGraph, reachable } from '../../../src/agents/correlator/dependency-graph.js';
import { Prng } from '../../../src/sim/engine/prng.js';

describe('DependencyGraph', () => {
  it('keeps each edge once, in the order added, however many neighbours a node has', () => {
    for (const n of [1, 2, 16, 17, 200]) {
      const g = new DependencyGraph();
      const readers = Array.from({ length: n }, (_, i) => `job:${i}`);
      for (const r of readers) g.addEdge('table:main.raw.orders', r);
      for (const r of readers) g.addEdge('table:main.raw.orders', r);
      expect([...g.downstream('table:main.raw.orders')]).toEqual(readers);
      expect(g.fanOut('table:main.raw.orders')).toBe(n);
      for (const r of readers) expect([...g.upstream(r)]).toEqual(['table:main.raw.orders']);
    }
  });

  it('ignores self-loops and answers nothing for an unknown node', () => {
    const g = new DependencyGraph().addEdge('job:1', 'job:1');
    expect([...g.downstream('job:1')]).toEqual([]);
    expect(g.fanOut('job:404')).toBe(0);
    expect([...g.upstream('job:404')]).toEqual([]);
  });

  it('adds an overlay edge to a node that already has many neighbours without changing the base', () => {
    const base = new DependencyGraph();
    for (let i = 0; i < 20; i++) base.addEdge('cluster:shared', `job:${i}`);
    const view = new OverlayGraph(base).addEdge('cluster:shared', 'job:extra');
    expect(view.fanOut('cluster:shared')).toBe(21);
    expect(base.fanOut('cluster:shared')).toBe(20);
    expect(reachable(view, ['cluster:shared'], 'downstream').nodes.has('job:extra')).toBe(true);
  });
});

describe('FrozenGraph', () => {
  it('answers every query as the graph it was frozen from, in the same order', () => {
    const rng = new Prng(11);
    for (let round = 0; round < 50; round++) {
      const g = new DependencyGraph();
      const nodes = Array.from(
        { length: rng.int(1, 40) },
        (_, i) => `${rng.pick(['job', 'table', 'cluster'])}:${i}`,
      );
      for (let e = rng.int(0, 120); e > 0; e--) g.addEdge(rng.pick(nodes), rng.pick(nodes));
      for (const node of nodes) {
        if (rng.chance(0.3)) g.setLabel(node, `name of ${node}`);
        if (rng.chance(0.3)) g.setTeam(node, rng.pick(['finance', 'sales', 'ops']));
      }
      const frozen = g.freeze();
      for (const node of [...nodes, 'job:unknown']) {
        expect([...frozen.downstream(node)]).toEqual([...g.downstream(node)]);
        expect([...frozen.upstream(node)]).toEqual([...g.upstream(node)]);
        expect(frozen.fanOut(node)).toBe(g.fanOut(node));
        expect(frozen.label(node)).toBe(g.label(node));
        expect(frozen.team(node)).toBe(g.team(node));
      }
      expect(frozen.size).toBe(g.size);
    }
  });
});

describe('buildDependencyGraph', () => {
  it('labels a table by its name and a job by its job name', () => {
    const g = buildDependencyGraph({
      lineage: [
        {
          sourceTable: 'main.raw.orders',
          targetTable: 'main.sales.orders',
          entityType: 'JOB',
          entityId: '7',
        },
      ],
      jobs: [
        { jobId: '7', name: 'Nightly orders ETL', team: 'data-eng', tablesWritten: ['main.sales.orders'] },
      ],
    });
    expect(g.label('table:main.sales.orders')).toBe('main.sales.orders');
    expect(g.label('job:7')).toBe('Nightly orders ETL');
    expect(g.team('table:main.sales.orders')).toBe('data-eng');
    expect([...g.downstream('table:main.raw.orders')].sort()).toEqual(['job:7', 'table:main.sales.orders']);
    expect([...g.downstream('job:7')]).toEqual(['table:main.sales.orders']);
  });
});
