import { describe, expect, it } from 'vitest';
import { incidentTitle } from '../../../src/agents/correlator/incident-title.js';
import { incidentCostUsd } from '../../../src/agents/correlator/incident-cost.js';
import { failedTaskSignal } from '../../domain/signal-factory.js';

describe('incidentTitle', () => {
  it('says what failed and why in plain words', () => {
    const s = failedTaskSignal({
      subject: { type: 'task', id: '42/load_orders', name: 'Nightly orders ETL / load_orders' },
      refs: { jobId: '42', runId: '1', taskKey: 'load_orders' },
      error: { message: 'java.lang.OutOfMemoryError: Java heap space' },
      classification: { category: 'resource', transient: false, rule: 'spark.oom' },
    });
    expect(incidentTitle(s)).toBe('Nightly orders ETL failed: out of memory on task load_orders');
  });

  it('falls back to the category, then to the first line of the error', () => {
    expect(incidentTitle(failedTaskSignal())).toBe(
      'nightly_sales failed: a table or file is missing on task ingest',
    );
    const unknown = failedTaskSignal({
      classification: undefined,
      error: { message: '[WEIRD_THING] Something odd happened\n  at frame 1' },
    });
    expect(incidentTitle(unknown)).toBe('nightly_sales failed: Something odd happened on task ingest');
  });

  it('keeps a hostile 100 kB job name within the title limit', () => {
    const s = failedTaskSignal({ subject: { type: 'task', id: '42/ingest', name: 'x'.repeat(100_000) } });
    expect(incidentTitle(s).length).toBeLessThanOrEqual(300);
  });

  it('words SLA and cost signals too', () => {
    const sla = failedTaskSignal({
      kind: 'sla_missed',
      subject: { type: 'table', id: 'main.mart.rev', name: 'main.mart.rev' },
      refs: {},
      error: undefined,
      classification: undefined,
    });
    expect(incidentTitle(sla)).toBe('main.mart.rev missed its freshness SLA');
    const cost = failedTaskSignal({
      kind: 'cost_anomaly',
      subject: { type: 'team', id: 'data-eng', name: 'data-eng' },
      metrics: { ratio: 2.29 },
      error: undefined,
      classification: undefined,
    });
    expect(incidentTitle(cost)).toBe('data-eng spent 2.3× the usual');
  });
});

describe('incidentCostUsd', () => {
  it('adds each signal once and is null when no cost is known', () => {
    const a = failedTaskSignal({ costUsd: 7.5 });
    const b = failedTaskSignal({ dedupKey: 'other', costUsd: 13.2 });
    expect(incidentCostUsd([a, b, a])).toBe(20.7);
    expect(incidentCostUsd([failedTaskSignal()])).toBeNull();
  });
});

describe('incidentTitle of a runaway query', () => {
  const runaway = (metrics: Record<string, number>) =>
    failedTaskSignal({
      kind: 'runaway_query',
      subject: { type: 'query', id: 'q1', name: 'query by mei@example.com' },
      refs: { warehouseId: 'w1' },
      error: undefined,
      metrics,
    });

  it('says how much a query caught by its bytes in its first minute read, never "running 0 min"', () => {
    const title = incidentTitle(runaway({ runningMinutes: 0, runningSeconds: 12, readGib: 2887.1 }));
    expect(title).toBe('Runaway query by mei@example.com: read 2.8 TiB in under a minute');
    expect(title).not.toMatch(/\b0 min/);
  });

  it('says how long a long runaway has been running', () => {
    expect(incidentTitle(runaway({ runningMinutes: 42, runningSeconds: 2_530, readGib: 3 }))).toBe(
      'Runaway query by mei@example.com: running 42 min',
    );
  });
});

describe('incidentTitle of a cluster event', () => {
  const event = (message: string) =>
    failedTaskSignal({
      kind: 'cluster_event',
      subject: { type: 'cluster', id: '0523-101010-abcde123', name: 'ship-shared' },
      error: { message },
      classification: undefined,
    });

  it('names the cluster once when the event already names it', () => {
    expect(incidentTitle(event('Cluster ship-shared lost spot instances (SPOT_INSTANCE_TERMINATION)'))).toBe(
      'Cluster ship-shared lost spot instances (SPOT_INSTANCE_TERMINATION)',
    );
  });

  it('puts the cluster before an event that does not name it', () => {
    expect(incidentTitle(event('Driver is unresponsive, likely due to GC'))).toBe(
      'Cluster ship-shared: Driver is unresponsive, likely due to GC',
    );
  });
});
