import { describe, expect, it } from 'vitest';
import { pipelineJson } from '../../../src/sim/engine/rest-views.js';
import { SimWorkspace } from '../../../src/sim/engine/sim-workspace.js';
import { MemorySink } from '../../../src/sim/memory-sink.js';
import type { PipelineEvent } from '../../../src/sim/engine/pipeline-fleet.js';
import type { ScenarioInput } from '../../../src/sim/scenario/schema.js';
import { scenarioWith } from '../fixtures.js';

const MIN = 60_000;
const HOUR = 3_600_000;
const START = Date.parse('2026-11-20T00:00:00Z');

type Pipeline = NonNullable<ScenarioInput['pipelines']>[number];
type Fault = NonNullable<ScenarioInput['faults']>[number];

function stream(extra: Partial<Pipeline> = {}): Pipeline {
  return {
    name: 'clickstream',
    team: 'finance',
    owner: 'alice@example.com',
    reads: ['main.finance.raw_orders'],
    writes: ['main.finance.orders_stream'],
    duration: { mean_minutes: 10, jitter: 0.1 },
    ...extra,
  };
}

const hang = (start = '+1h', end = '+4h'): Fault => ({
  id: 'stuck',
  kind: 'pipeline_hang',
  target: { pipeline: 'clickstream' },
  start,
  end,
  expected: { category: 'timeout', severity: 'P2', action: 'RETRY' },
});

function workspace(change: (s: ScenarioInput) => void, seed = 7) {
  const sink = new MemorySink();
  const ws = new SimWorkspace({ scenario: scenarioWith(change), seed, sink });
  return { ws, sink };
}

function pipeline(ws: SimWorkspace) {
  const p = ws.pipelines.byName.get('clickstream');
  if (!p) throw new Error('no pipeline');
  return p;
}

function writes(sink: MemorySink) {
  return (
    sink.rows('access.table_lineage') as {
      entity_type: string;
      target_table_full_name: string;
      event_time: number;
    }[]
  )
    .filter((r) => r.entity_type === 'PIPELINE')
    .map((r) => r.event_time);
}

describe('Scheduled pipelines', () => {
  it('starts an update at every time of a Quartz step from an offset (hours 0/6)', () => {
    const { ws } = workspace((s) => {
      s.duration_hours = 24;
      s.pipelines = [stream({ schedule: { quartz_cron_expression: '0 0 0/6 * * ?', timezone_id: 'UTC' } })];
    });
    ws.advanceTo(START + 24 * HOUR - 1);
    expect(pipeline(ws).updates.map((u) => [u.cause, (u.createdAt - START) / HOUR])).toEqual([
      ['SCHEDULE', 0],
      ['SCHEDULE', 6],
      ['SCHEDULE', 12],
      ['SCHEDULE', 18],
    ]);
  });
});

describe('Progress of triggered updates', () => {
  const progress = (events: readonly PipelineEvent[], updateId: string) =>
    events.filter((e) => e.event_type === 'flow_progress' && e.origin.update_id === updateId);

  it('has each flow report progress every 45 to 90 seconds while its update runs, then complete', () => {
    const { ws } = workspace((s) => {
      s.pipelines = [stream({ schedule: { quartz_cron_expression: '0 0 * * * ?', timezone_id: 'UTC' } })];
    });
    ws.advanceTo(START + HOUR - 1);
    const p = pipeline(ws);
    const u = p.updates[0]!;
    const reports = progress(p.events, u.updateId);
    const running = reports.filter(
      (e) => (e.details as { flow_progress: { status: string } }).flow_progress.status === 'RUNNING',
    );
    // Ten minutes of work, give or take: a report a minute or so.
    expect(running.length).toBeGreaterThan(5);
    for (const [a, b] of running.slice(1).map((e, i) => [running[i]!, e] as const)) {
      expect(b.timestampMs - a.timestampMs).toBeGreaterThanOrEqual(45_000);
      expect(b.timestampMs - a.timestampMs).toBeLessThanOrEqual(90_000);
    }
    expect(running[0]?.origin.flow_name).toBe('orders_stream');
    expect(running[0]?.details).toMatchObject({
      flow_progress: { metrics: { num_output_rows: expect.any(Number) } },
    });
    expect(reports.at(-1)?.details).toEqual({ flow_progress: { status: 'COMPLETED' } });
    expect(reports.at(-1)?.timestampMs).toBe(u.endAt);
  });

  it('has a hung update report no progress at all while it stays RUNNING', () => {
    const { ws } = workspace((s) => {
      s.pipelines = [stream({ schedule: { quartz_cron_expression: '0 0 * * * ?', timezone_id: 'UTC' } })];
      s.faults = [hang('+0.5h', '+3h')];
    });
    ws.advanceTo(START + 2 * HOUR);
    const held = pipeline(ws).active;
    if (!held) throw new Error('no update in flight');
    expect(ws.pipelines.stateAt(held, ws.now())).toBe('RUNNING');
    expect(progress(pipeline(ws).events, held.updateId)).toEqual([]);
  });
});

describe('Continuous pipelines', () => {
  it('keeps one update RUNNING from the start and refreshes its tables batch by batch', () => {
    const { ws, sink } = workspace((s) => {
      s.pipelines = [stream({ continuous: true })];
    });
    ws.advanceTo(START + 3 * HOUR + MIN);
    const p = pipeline(ws);
    expect(p.updates.length).toBe(1);
    const body = pipelineJson(ws.pipelines, p, ws.now(), true) as {
      state: string;
      spec: { continuous: boolean };
      latest_updates: { state: string }[];
    };
    expect(body.state).toBe('RUNNING');
    expect(body.spec.continuous).toBe(true);
    expect(body.latest_updates[0]?.state).toBe('RUNNING');
    // About one batch every 10 minutes once it runs.
    expect(writes(sink).length).toBeGreaterThan(14);
    // Finished hourly slices of the in-flight update, result NULL, and its DBUs hour by hour.
    const slices = (
      sink.rows('lakeflow.pipeline_update_timeline') as {
        period_end_time: number;
        result_state: string | null;
      }[]
    ).map((r) => [r.period_end_time, r.result_state]);
    expect(slices).toEqual([
      [START + HOUR, null],
      [START + 2 * HOUR, null],
      [START + 3 * HOUR, null],
    ]);
    const dlt = (sink.rows('billing.usage') as { billing_origin_product: string }[]).filter(
      (r) => r.billing_origin_product === 'DLT',
    );
    expect(dlt.length).toBe(3);
    expect(
      (sink.rows('lakeflow.pipelines') as { settings: { continuous: boolean } }[])[0]?.settings.continuous,
    ).toBe(true);
  });

  it('stops refreshing its tables while hung, with no error, and resumes when the hang lets go', () => {
    const { ws, sink } = workspace((s) => {
      s.pipelines = [stream({ continuous: true })];
      s.faults = [hang('+1h', '+3h')];
    });
    ws.advanceTo(START + 5 * HOUR);
    const times = writes(sink);
    expect(times.filter((t) => t > START + HOUR + 15 * MIN && t < START + 3 * HOUR)).toEqual([]);
    expect(times.some((t) => t > START + 3 * HOUR)).toBe(true);
    expect(pipeline(ws).events.some((e) => e.level === 'ERROR')).toBe(false);
    expect(pipeline(ws).updates.length).toBe(1);
    expect(ws.faults()[0]?.affected_resource_ids).toEqual([pipeline(ws).pipelineId]);
  });

  it('fails under a pipeline error and is restarted by Databricks with RETRY_ON_FAILURE', () => {
    const { ws } = workspace((s) => {
      s.pipelines = [stream({ continuous: true })];
      s.faults = [
        {
          id: 'bad-column',
          kind: 'pipeline_error',
          target: { pipeline: 'clickstream' },
          start: '+1h',
          end: '+80m',
          expected: { category: 'syntax', severity: 'P2', action: 'NOTIFY_OWNER' },
        },
      ];
    });
    ws.advanceTo(START + 3 * HOUR);
    const updates = pipeline(ws).updates;
    expect(updates[0]?.result).toBe('FAILED');
    expect(updates.slice(1).every((u) => u.cause === 'RETRY_ON_FAILURE')).toBe(true);
    expect(updates.at(-1)?.ended).toBe(false);
  });

  it('stays stopped once a person stops it', () => {
    const { ws } = workspace((s) => {
      s.pipelines = [stream({ continuous: true })];
    });
    ws.advanceTo(START + HOUR);
    ws.pipelines.stop(pipeline(ws).pipelineId, 'alice@example.com');
    ws.advanceTo(START + 3 * HOUR);
    expect(pipeline(ws).updates.map((u) => u.result)).toEqual(['CANCELED']);
    expect(ws.pipelines.pipelineState(pipeline(ws))).toBe('IDLE');
  });
});

describe('Hung pipeline updates', () => {
  const orchestrated = (s: ScenarioInput) => {
    s.pipelines = [stream({ schedule: undefined })];
    s.jobs?.push({
      name: 'stream_refresh',
      team: 'finance',
      owner: 'alice@example.com',
      schedule: { quartz_cron_expression: '0 0 * * * ?', timezone_id: 'UTC' },
      tasks: [
        { key: 'refresh', type: 'pipeline', pipeline: 'clickstream', writes: ['main.finance.orders_stream'] },
      ],
    });
    s.faults = [hang('+1h', '+4h')];
  };

  it('keeps an update RUNNING far past its normal time without an error, and its job task with it', () => {
    const { ws } = workspace(orchestrated);
    ws.advanceTo(START + 3 * HOUR);
    const p = pipeline(ws);
    const held = p.active;
    if (!held) throw new Error('no update in flight');
    expect(held.createdAt).toBeGreaterThanOrEqual(START + HOUR);
    expect(ws.pipelines.stateAt(held, ws.now())).toBe('RUNNING');
    expect(ws.now() - held.createdAt).toBeGreaterThan(90 * MIN);
    expect(p.events.some((e) => e.level === 'ERROR')).toBe(false);
    const job = ws.listJobs().find((j) => j.settings.name === 'stream_refresh');
    const running = ws.listRuns({ jobId: job?.jobId, activeOnly: true });
    expect(running.length).toBeGreaterThanOrEqual(1);
    expect(Math.min(...running.map((r) => r.startTime))).toBe(START + HOUR);
    ws.advanceTo(START + 4 * HOUR + 10 * MIN);
    expect(held.result).toBe('COMPLETED');
    expect(held.endAt).toBe(START + 4 * HOUR);
  });

  it('gets past the hang when a person stops the update and starts a fresh one', () => {
    const { ws } = workspace(orchestrated);
    ws.advanceTo(START + 2 * HOUR);
    const p = pipeline(ws);
    ws.pipelines.stop(p.pipelineId, 'alice@example.com');
    const fresh = ws.pipelines.startUpdate(p.pipelineId, { cause: 'USER_ACTION', user: 'alice@example.com' });
    ws.advanceTo(START + 2 * HOUR + 30 * MIN);
    expect(fresh.result).toBe('COMPLETED');
  });
});
