import { describe, expect, it } from 'vitest';
import { DependencyGraph } from '../../../src/agents/correlator/dependency-graph.js';
import { signalLinkKeys } from '../../../src/agents/correlator/link-keys.js';
import { signalFootprint } from '../../../src/agents/correlator/signal-footprint.js';
import { signalNodes, withSignalEdges } from '../../../src/agents/correlator/signal-nodes.js';
import { failedTaskSignal } from '../../domain/signal-factory.js';

const CLUSTER = '0929-205554-jm9y8aqe';

describe('signalFootprint', () => {
  const signal = failedTaskSignal({
    refs: {
      jobId: '42',
      clusterId: CLUSTER,
      tablesRead: ['main.raw.orders'],
      tablesWritten: ['main.sales.orders'],
    },
  });
  const footprint = signalFootprint(signal);

  it('holds the nodes a signal touches and the keys it is stored under', () => {
    expect(footprint.nodes).toEqual(signalNodes(signal));
    expect(footprint.linkKeys).toEqual(signalLinkKeys(signal));
    expect(footprint.linkKeys).toEqual(
      expect.arrayContaining([
        'job:42',
        `cluster:${CLUSTER}`,
        'table:main.raw.orders',
        'table:main.sales.orders',
      ]),
    );
  });

  it('adds the same edges to the graph as the signal it came from', () => {
    const fromSignal = withSignalEdges(new DependencyGraph(), [signal]);
    const fromFootprint = withSignalEdges(new DependencyGraph(), [footprint]);
    for (const node of ['job:42', 'table:main.raw.orders', 'table:main.sales.orders', `cluster:${CLUSTER}`]) {
      expect([...fromFootprint.downstream(node)], node).toEqual([...fromSignal.downstream(node)]);
      expect([...fromFootprint.upstream(node)], node).toEqual([...fromSignal.upstream(node)]);
    }
    expect([...fromFootprint.downstream('table:main.raw.orders')]).toEqual(['job:42']);
    expect([...fromFootprint.downstream('job:42')]).toEqual(['table:main.sales.orders']);
  });
});
