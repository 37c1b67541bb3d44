// @module-tag slow — five scenarios replayed through the pipeline (test/suite-sequencer.ts runs it first)
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateScenario } from '../../src/app/eval-command.js';
import { replayScenario } from '../../src/app/replay-scenario.js';
import { defaultPolicy } from '../../src/config/policy.js';
import type { Signal } from '../../src/domain/signal.js';
import type { ScenarioInput } from '../../src/sim/scenario/schema.js';
import { baseScenario } from '../sim/fixtures.js';

/**
 * What real workspaces do every week, replayed through the whole pipeline (simulator on loopback,
 * webhooks, polls, detectors, correlator, triage, store, notifier): owners cancelling their own runs,
 * a runaway query, a dashboard storm on a one-cluster warehouse, and a pipeline update that hangs
 * upstream of a table with a deadline.
 */

let dir: string;
const file = (name: string) => join(dir, name);

async function write(name: string, s: ScenarioInput): Promise<string> {
  await writeFile(file(name), JSON.stringify(s));
  return file(name);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dbxops-workload-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const warehouse = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  team: 'finance',
  owner: 'alice@example.com',
  size: 'Small' as const,
  max_clusters: 1,
  auto_stop_mins: 30,
  business_hours: [0, 24] as [number, number],
  users: ['alice@example.com'],
  ...extra,
});

describe('the pipeline on what workspaces do every week', () => {
  it('raises nothing when owners cancel their own runs: no incident, no card', async () => {
    const s = baseScenario();
    s.duration_hours = 4;
    s.cancellations = [
      { job: 'orders_etl', at: '+123m' },
      { job: 'orders_etl', at: '+150m' },
    ];
    const r = await evaluateScenario({
      scenario: await write('cancel.json', s),
      seed: 7,
      json: true,
      step: 60,
    });
    expect(r.incidents).toBe(0);
    expect(r.cards).toBe(0);
    expect(r.pipeline_failures).toBe(0);
  }, 300_000);

  it('raises nothing for a healthy workspace of triggered and continuous work and a busy dashboard warehouse', async () => {
    const s = baseScenario();
    s.duration_hours = 6;
    s.pipelines = [
      {
        name: 'clickstream',
        team: 'finance',
        owner: 'alice@example.com',
        continuous: true,
        reads: ['main.finance.raw_orders'],
        writes: ['main.finance.clicks'],
        duration: { mean_minutes: 10, jitter: 0.1 },
      },
    ];
    s.jobs?.push(
      {
        name: 'orders_ingest',
        team: 'finance',
        owner: 'alice@example.com',
        trigger: {
          file_arrival: {
            url: 's3://acme-landing/orders/',
            wait_after_last_change_seconds: 300,
            arrivals: { every_minutes: 45 },
          },
        },
        tasks: [{ key: 'ingest', writes: ['main.finance.landing'], duration: { mean_minutes: 3 } }],
      },
      {
        name: 'clicks_mart',
        team: 'finance',
        owner: 'alice@example.com',
        trigger: {
          table_update: { table_names: ['main.finance.clicks'], min_time_between_triggers_seconds: 1800 },
        },
        tasks: [{ key: 'build', reads: ['main.finance.clicks'], writes: ['main.finance.clicks_mart'] }],
      },
      {
        name: 'events_stream',
        team: 'finance',
        owner: 'alice@example.com',
        continuous: {},
        tasks: [
          { key: 'consume', writes: ['main.finance.events'], duration: { mean_minutes: 20, jitter: 0.2 } },
        ],
      },
    );
    s.warehouses = [
      warehouse('bi', {
        load: {
          dashboards: [{ name: 'exec-kpis', refresh_minutes: 15, queries: 8 }],
          adhoc: { queries_per_hour: 30 },
        },
      }),
    ];
    const r = await evaluateScenario({
      scenario: await write('healthy.json', s),
      seed: 7,
      json: true,
      step: 60,
    });
    expect(r.unmatched_incidents).toEqual([]);
    expect(r.cards).toBe(0);
  }, 600_000);

  it('offers kill_query on a runaway query, and pressing it ends the statement', async () => {
    const s = baseScenario();
    s.duration_hours = 3;
    s.users = [...(s.users ?? []), { email: 'erin@example.com', team: 'finance' }];
    s.groups = [...(s.groups ?? []), { name: 'admins', members: ['erin@example.com', 'alice@example.com'] }];
    s.operator = 'erin@example.com';
    s.warehouses = [warehouse('adhoc')];
    s.faults = [
      {
        id: 'runaway',
        kind: 'runaway_query',
        target: { warehouse: 'adhoc' },
        start: '+30m',
        end: '+3h',
        expected: { category: 'resource', severity: 'P3', action: 'NOTIFY_OWNER' },
      },
    ];
    const r = await evaluateScenario({
      scenario: await write('runaway.json', s),
      seed: 7,
      json: true,
      step: 60,
    });
    expect(r.recall).toBe(1);
    expect(r.precision).toBe(1);
    expect(r.responses[0]?.suggested).toContain('kill_query');
    expect(r.responses[0]?.suggested[0]).toBe('kill_query');
    expect(r.responses[0]?.firstOutcome).toBe('recovered');
  }, 300_000);

  it('opens one queueing incident for a storm on a warehouse with max_num_clusters 1', async () => {
    const s = baseScenario();
    s.duration_hours = 2;
    s.warehouses = [warehouse('bi')];
    s.faults = [
      {
        id: 'storm',
        kind: 'query_storm',
        target: { warehouse: 'bi' },
        start: '+1h',
        end: '+90m',
        factor: 30,
        expected: { category: 'capacity', severity: 'P3', action: 'RETRY_WITH_NEW_PARAMS' },
      },
    ];
    const r = await evaluateScenario({
      scenario: await write('storm.json', s),
      seed: 7,
      json: true,
      step: 60,
    });
    expect(r.per_fault[0]).toMatchObject({ id: 'storm', detected: true });
    expect(r.incidents).toBe(1);
    expect(r.unmatched_incidents).toEqual([]);
    expect(r.per_fault[0]?.timeToDetectS).toBeLessThan(15 * 60);
  }, 300_000);

  it('sees a hung upstream pipeline update as SLA at risk on the downstream table before its deadline', async () => {
    // A week of healthy history and a healthy day one (lineage and durations to learn from: a run going
    // long is evidence only against its usual duration); on day two the nightly pipeline update hangs,
    // so the table-update-triggered mart job never runs and its 06:00 table is at risk.
    const s = baseScenario();
    s.duration_hours = 30;
    s.history = { days: 7 };
    s.jobs = [
      {
        name: 'stream_refresh',
        team: 'finance',
        owner: 'alice@example.com',
        schedule: { quartz_cron_expression: '0 0 2 * * ?', timezone_id: 'UTC' },
        tasks: [
          {
            key: 'refresh',
            type: 'pipeline',
            pipeline: 'clickstream',
            reads: ['main.finance.raw_orders'],
            writes: ['main.finance.orders'],
          },
        ],
      },
      {
        name: 'revenue_mart',
        team: 'finance',
        owner: 'alice@example.com',
        criticality: 'financial-critical',
        trigger: { table_update: { table_names: ['main.finance.orders'] } },
        tasks: [
          {
            key: 'build',
            reads: ['main.finance.orders'],
            writes: ['main.finance.daily_revenue'],
            duration: { mean_minutes: 10, jitter: 0.1 },
          },
        ],
        sla: { deadline: '06:00', table: 'main.finance.daily_revenue' },
      },
    ];
    s.pipelines = [
      {
        name: 'clickstream',
        team: 'finance',
        owner: 'alice@example.com',
        reads: ['main.finance.raw_orders'],
        writes: ['main.finance.orders'],
        duration: { mean_minutes: 15, jitter: 0.1 },
      },
    ];
    s.faults = [
      {
        id: 'stuck',
        kind: 'pipeline_hang',
        target: { pipeline: 'clickstream' },
        start: '+25h',
        end: '+30h',
        expected: { category: 'timeout', severity: 'P1', action: 'ESCALATE' },
      },
    ];
    const replay = await replayScenario({
      scenario: await write('hang.json', s),
      seed: 7,
      policy: defaultPolicy(),
      step: 120,
    });
    try {
      const ws = replay.embedded.workspace;
      const stuck = ws.pipelines.byName.get('clickstream')?.updates.at(-1);
      if (!stuck) throw new Error('no pipeline update');
      // Normally a quarter of an hour; this one held from 02:00 until the hang let go at 06:00.
      expect(stuck.endAt - stuck.createdAt).toBeGreaterThan(3 * 3_600_000);
      expect(stuck.error).toBeUndefined();
      const incidents = await replay.app.repos.incidents.listOpen({ limit: 100 });
      const signals: Signal[] = (
        await Promise.all(incidents.map((i) => replay.app.repos.incidents.listSignals(i.id)))
      ).flat();
      const atRisk = signals.filter(
        (x) => x.kind === 'sla_at_risk' && x.subject.id === 'main.finance.daily_revenue',
      );
      expect(atRisk.length).toBeGreaterThan(0);
      const deadline = Date.parse('2026-11-21T06:00:00Z');
      expect(Math.min(...atRisk.map((x) => x.observedAt))).toBeLessThan(deadline);
      // It names its evidence: the upstream job whose pipeline task is still waiting on the update.
      expect(atRisk.flatMap((x) => x.evidence.map((e) => e.label)).join(' ')).toContain('stream_refresh');
    } finally {
      await replay.close();
    }
  }, 600_000);
});
