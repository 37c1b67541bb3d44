import { describe, expect, it } from 'vitest';
import { queryInfoJson } from '../../../src/sim/engine/rest-views.js';
import { SimWorkspace } from '../../../src/sim/engine/sim-workspace.js';
import { runScenario } from '../../../src/sim/run-scenario.js';
import { MemorySink } from '../../../src/sim/memory-sink.js';
import type { ScenarioInput } from '../../../src/sim/scenario/schema.js';
import { scenarioWith } from '../fixtures.js';

const MIN = 60_000;
const HOUR = 3_600_000;
const START = Date.parse('2026-11-20T00:00:00Z');

type Warehouse = NonNullable<ScenarioInput['warehouses']>[number];

function bi(extra: Partial<Warehouse> = {}): Warehouse {
  return {
    name: 'bi',
    team: 'finance',
    owner: 'alice@example.com',
    size: 'Small',
    max_clusters: 1,
    auto_stop_mins: 30,
    business_hours: [0, 24],
    users: ['alice@example.com'],
    ...extra,
  };
}

function workspace(change: (s: ScenarioInput) => void, seed = 7) {
  const sink = new MemorySink();
  const ws = new SimWorkspace({ scenario: scenarioWith(change), seed, sink });
  return { ws, sink };
}

const storm = (end = '+2h') => ({
  id: 'storm',
  kind: 'query_storm' as const,
  target: { warehouse: 'bi' },
  start: '+1h',
  end,
  factor: 40,
  expected: {
    category: 'capacity' as const,
    severity: 'P3' as const,
    action: 'RETRY_WITH_NEW_PARAMS' as const,
  },
});

function history(sink: MemorySink) {
  return sink.rows('query.history') as {
    statement_id: string;
    execution_status: string;
    waiting_at_capacity_duration_ms: number;
    waiting_for_compute_duration_ms: number;
    execution_duration_ms: number;
    total_duration_ms: number;
    client_application: string;
    query_source: { dashboard_id: string | null };
  }[];
}

describe('Warehouse load model', () => {
  it('queues a storm at capacity on a one-cluster warehouse: QUEUED in the REST history, waiting_at_capacity in system.query.history', () => {
    const { ws, sink } = workspace((s) => {
      s.warehouses = [bi()];
      s.faults = [storm()];
    });
    ws.advanceTo(START + HOUR + 30 * MIN);
    const w = ws.warehouses.byName.get('bi');
    if (!w) throw new Error('no warehouse');
    const now = ws.now();
    const listed = ws.warehouses.allQueries().map((q) => queryInfoJson(q, now, true));
    const queued = listed.filter((q) => q.status === 'QUEUED');
    const running = listed.filter((q) => q.status === 'RUNNING');
    expect(running.length).toBe(10);
    expect(queued.length).toBeGreaterThan(50);
    expect(
      (queued[0]?.metrics as { overloading_queue_start_timestamp?: number })
        ?.overloading_queue_start_timestamp,
    ).toBeTypeOf('number');
    ws.advanceTo(START + 3 * HOUR);
    const waited = history(sink).filter((r) => r.waiting_at_capacity_duration_ms > 60_000);
    expect(waited.length).toBeGreaterThan(50);
    for (const r of waited) {
      expect(r.total_duration_ms).toBe(
        r.waiting_for_compute_duration_ms + r.waiting_at_capacity_duration_ms + r.execution_duration_ms,
      );
    }
    const truth = ws.faults()[0];
    expect(truth?.affected_resource_ids).toEqual([w.id]);
    expect(truth?.affected_statement_ids.length).toBeGreaterThan(1000);
  });

  it('scales a warehouse with room up to max_num_clusters under the same storm, so fewer statements wait', () => {
    const waits = (max: number) => {
      const { ws, sink } = workspace((s) => {
        s.warehouses = [bi({ max_clusters: max })];
        s.faults = [storm()];
      });
      ws.advanceTo(START + 4 * HOUR);
      const scaled = (
        sink.rows('compute.warehouse_events') as { event_type: string; cluster_count: number }[]
      )
        .filter((e) => e.event_type === 'SCALED_UP')
        .map((e) => e.cluster_count);
      const total = history(sink).reduce((sum, r) => sum + r.waiting_at_capacity_duration_ms, 0);
      return { scaled, total };
    };
    const one = waits(1);
    const four = waits(4);
    expect(one.scaled).toEqual([]);
    expect(four.scaled.slice(0, 3)).toEqual([2, 3, 4]);
    expect(Math.max(...four.scaled)).toBe(4);
    expect(four.total).toBeLessThan(one.total / 5);
  });

  it('scales back down once the storm has passed', () => {
    const { ws, sink } = workspace((s) => {
      s.warehouses = [bi({ max_clusters: 3 })];
      s.faults = [storm()];
    });
    ws.advanceTo(START + 4 * HOUR);
    const events = (sink.rows('compute.warehouse_events') as { event_type: string; cluster_count: number }[])
      .filter((e) => e.event_type.startsWith('SCALED'))
      .map((e) => `${e.event_type}:${e.cluster_count}`);
    expect(events.slice(0, 2)).toEqual(['SCALED_UP:2', 'SCALED_UP:3']);
    expect(events.at(-1)).toBe('SCALED_DOWN:1');
  });

  it('refreshes dashboards all at once on their cadence, with the dashboard id in query_source', () => {
    const { ws, sink } = workspace((s) => {
      s.warehouses = [
        bi({
          business_hours: [8, 18],
          load: { dashboards: [{ name: 'exec-kpis', refresh_minutes: 15, queries: 6 }] },
        }),
      ];
    });
    ws.advanceTo(START + 24 * HOUR);
    const rows = history(sink).filter((r) => r.client_application === 'Databricks SQL Dashboard');
    // 10 business hours × 4 refreshes × 6 statements.
    expect(rows.length).toBe(240);
    expect(new Set(rows.map((r) => r.query_source.dashboard_id))).toEqual(
      new Set([expect.stringMatching(/^[0-9a-f]{32}$/)]),
    );
    expect(rows.every((r) => r.waiting_at_capacity_duration_ms === 0)).toBe(true);
  });

  it('makes a big dashboard wait at capacity when it refreshes more statements than the warehouse runs at once', () => {
    const { ws, sink } = workspace((s) => {
      s.warehouses = [
        bi({
          load: {
            concurrency_per_cluster: 4,
            dashboards: [{ name: 'wall', refresh_minutes: 30, queries: 12, duration: { mean_seconds: 20 } }],
          },
        }),
      ];
    });
    ws.advanceTo(START + 3 * HOUR);
    const rows = history(sink);
    expect(rows.filter((r) => r.waiting_at_capacity_duration_ms > 0).length).toBeGreaterThan(0);
    expect(rows.filter((r) => r.waiting_at_capacity_duration_ms === 0).length).toBeGreaterThan(0);
  });

  it('runs dashboards and people only in local working hours, from the half hour the zone begins them', () => {
    const { ws, sink } = workspace((s) => {
      s.warehouses = [
        bi({
          // 03:30 to 12:30 UTC.
          business_hours: { from: '09:00', to: '18:00', timezone: 'Asia/Kolkata' },
          queries_per_hour: 20,
          load: {
            dashboards: [{ name: 'exec-kpis', refresh_minutes: 15, queries: 2 }],
            adhoc: { queries_per_hour: 30 },
          },
        }),
      ];
    });
    ws.advanceTo(START + 24 * HOUR);
    const starts = history(sink).map((r) => ({
      at: ((r as unknown as { start_time: number }).start_time - START) / MIN,
      dashboard: r.query_source.dashboard_id !== null,
    }));
    const opens = 3 * 60 + 30;
    const closes = 12 * 60 + 30;
    expect(starts.length).toBeGreaterThan(0);
    expect(starts.filter((q) => q.at < opens || q.at >= closes)).toEqual([]);
    // 9 working hours × 4 refreshes × 2 statements, the first at 03:30.
    const dashboards = starts.filter((q) => q.dashboard);
    expect(dashboards).toHaveLength(72);
    expect(Math.min(...dashboards.map((q) => q.at))).toBe(opens);
    const others = starts.filter((q) => !q.dashboard);
    expect(others.some((q) => q.at < opens + 30)).toBe(true);
    expect(others.length).toBeGreaterThan(9 * 50 * 0.6);
    expect(others.length).toBeLessThan(9 * 50 * 1.4);
  });

  it('adds ad-hoc queries from the SQL editor at the scenario rate', () => {
    const { ws, sink } = workspace((s) => {
      s.warehouses = [bi({ load: { adhoc: { queries_per_hour: 30 } } })];
    });
    ws.advanceTo(START + 10 * HOUR);
    const n = history(sink).filter((r) => r.client_application === 'Databricks SQL Editor').length;
    expect(n).toBeGreaterThan(200);
    expect(n).toBeLessThan(400);
  });

  it('records a queued statement that is cancelled while it waits as CANCELED, having run for no time', () => {
    const { ws, sink } = workspace((s) => {
      s.warehouses = [bi()];
      s.faults = [storm()];
    });
    ws.advanceTo(START + HOUR + 20 * MIN);
    const waiting = ws.warehouses
      .allQueries()
      .find((q) => q.status === 'QUEUED' && q.capacityQueuedAt !== undefined);
    if (!waiting) throw new Error('nothing waits');
    expect(ws.warehouses.cancelStatement(waiting.statementId, 'alice@example.com')).toBe(true);
    ws.advanceBy(1000);
    const row = history(sink).find((r) => r.statement_id === waiting.statementId);
    expect(row?.execution_status).toBe('CANCELED');
    expect(row?.execution_duration_ms).toBe(0);
    expect(row?.waiting_at_capacity_duration_ms).toBeGreaterThan(0);
  });

  it('costs one event per statement: twice the storm hours, about twice the statements', () => {
    const count = (end: string) => {
      const { ws, sink } = workspace((s) => {
        s.duration_hours = 12;
        s.warehouses = [bi({ max_clusters: 2 })];
        s.faults = [storm(end)];
      });
      ws.advanceTo(START + 12 * HOUR);
      return history(sink).length;
    };
    const ratio = count('+5h') / count('+3h');
    expect(ratio).toBeGreaterThan(1.8);
    expect(ratio).toBeLessThan(2.2);
  });

  it('leaves a warehouse without a load model or storm exactly as before: nothing ever waits at capacity', () => {
    const { ws, sink } = workspace((s) => {
      s.warehouses = [bi({ queries_per_hour: 2000 })];
    });
    ws.advanceTo(START + 3 * HOUR);
    expect(history(sink).length).toBeGreaterThan(4000);
    expect(history(sink).every((r) => r.waiting_at_capacity_duration_ms === 0)).toBe(true);
  });

  it('is deterministic from the seed with every new key at once: load, storm, triggers, continuous pipeline, cancellation', async () => {
    const scenario = scenarioWith((s) => {
      s.warehouses = [
        bi({ load: { dashboards: [{ name: 'kpis', queries: 12 }], adhoc: { queries_per_hour: 50 } } }),
      ];
      s.pipelines = [
        {
          name: 'stream',
          team: 'finance',
          owner: 'alice@example.com',
          continuous: true,
          writes: ['main.finance.s'],
        },
      ];
      s.jobs?.push(
        {
          name: 'mart',
          team: 'finance',
          owner: 'alice@example.com',
          trigger: {
            table_update: { table_names: ['main.finance.s'], min_time_between_triggers_seconds: 1800 },
          },
          tasks: [{ key: 'build', reads: ['main.finance.s'] }],
        },
        {
          name: 'ingest',
          team: 'finance',
          owner: 'alice@example.com',
          trigger: { file_arrival: { url: 's3://landing/', arrivals: { every_minutes: 20 } } },
          tasks: [{ key: 'load' }],
        },
      );
      s.faults = [storm()];
      s.cancellations = [{ job: 'orders_etl', at: '+3h' }];
    });
    const rows = async (seed: number) => {
      const sink = new MemorySink();
      await runScenario({ scenario, seed, sink });
      return JSON.stringify([...sink.tables]);
    };
    const a = await rows(42);
    expect(await rows(42)).toBe(a);
    expect(await rows(43)).not.toBe(a);
  });
});
