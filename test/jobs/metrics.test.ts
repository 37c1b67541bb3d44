import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/jobs/metrics.js';

describe('createMetrics', () => {
  it('exposes queue depth, source lag, signals and incidents in the Prometheus text format', async () => {
    const m = createMetrics({ defaultMetrics: false });
    m.queueDepth.set({ queue: 'detect', state: 'waiting' }, 4);
    m.sourceLagSeconds.set({ workspace: 'demo', source: 'runs' }, 12);
    m.signals.inc({ kind: 'job_failed' });
    m.incidentsOpened.inc({ severity: 'P1' });
    const text = await m.registry.metrics();
    expect(text).toContain('dbxops_queue_depth{queue="detect",state="waiting"} 4');
    expect(text).toContain('dbxops_source_lag_seconds{workspace="demo",source="runs"} 12');
    expect(text).toContain('dbxops_signals_total{kind="job_failed"} 1');
    expect(text).toContain('dbxops_incidents_opened_total{severity="P1"} 1');
  });

  it('keeps two instances apart', async () => {
    const a = createMetrics({ defaultMetrics: false });
    const b = createMetrics({ defaultMetrics: false });
    a.signals.inc({ kind: 'x' }, 3);
    expect(await b.registry.metrics()).not.toContain('kind="x"');
  });
});
