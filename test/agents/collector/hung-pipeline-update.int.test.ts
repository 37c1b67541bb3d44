import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCollectorCache } from '../../../src/agents/collector/collector-cache.js';
import { loadTopology } from '../../../src/agents/collector/load-topology.js';
import { pollSystemTables } from '../../../src/agents/collector/poll-system-tables.js';
import { readBaselineHistory } from '../../../src/agents/collector/read-baseline-history.js';
import { scenarioWith } from '../../sim/fixtures.js';
import { type Harness, startHarness } from './collector-harness.js';

const START = Date.parse('2026-11-20T00:00:00Z');
const MIN = 60_000;
const HOUR = 60 * MIN;
const HANG = START + 2 * HOUR;

/**
 * A nightly job starts the clickstream pipeline (a pipeline task) at 02:00; the pipeline refreshes the
 * orders the revenue mart reads into a table due at 06:00. Six healthy nights before, then tonight's
 * update hangs without an error.
 */
const scenario = scenarioWith((s) => {
  s.duration_hours = 5;
  s.history = { days: 6 };
  s.jobs = [
    {
      name: 'stream_refresh',
      team: 'finance',
      owner: 'alice@example.com',
      schedule: { quartz_cron_expression: '0 0 2 * * ?', timezone_id: 'UTC' },
      tasks: [{ key: 'refresh', type: 'pipeline', pipeline: 'clickstream' }],
    },
    {
      name: 'revenue_mart',
      team: 'finance',
      owner: 'alice@example.com',
      schedule: { quartz_cron_expression: '0 0 3 * * ?', timezone_id: 'UTC' },
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
      start: '+2h',
      end: '+5h',
      expected: { category: 'timeout', severity: 'P1', action: 'ESCALATE' },
    },
  ];
});

let h: Harness;
let pipelineId: string;
beforeAll(async () => {
  h = await startHarness(scenario);
  pipelineId = h.workspace.pipelines.byName.get('clickstream')?.pipelineId ?? '';
  await h.advanceTo(START);
});
afterAll(async () => {
  await h.close();
});

describe('the collector on a pipeline update that hangs upstream of a table with a deadline', () => {
  it("reads the pipeline's completed updates of the past, for its usual duration", async () => {
    const past = await readBaselineHistory(h.deps, START);
    const updates = past.updates.filter((u) => u.pipelineId === pipelineId);
    expect(updates).toHaveLength(6);
    // A quarter of an hour each, give or take the minutes waiting for compute.
    for (const u of updates) expect(u.seconds).toBeGreaterThan(13 * 60);
    for (const u of updates) expect(u.seconds).toBeLessThan(25 * 60);
  });

  it('counts the pipeline, found by lineage, among what the table with the deadline waits on', async () => {
    const outcome = await loadTopology(h.deps);
    if (outcome.degraded) throw new Error('topology degraded');
    const sla = outcome.topology.slas.find((x) => x.table === 'main.finance.daily_revenue');
    expect(sla?.upstreamPipelineIds).toEqual([pipelineId]);
  });

  it('sees the update in flight on every poll, from its start and with the job that started it', async () => {
    const cache = createCollectorCache();
    await loadTopology(h.deps, cache);
    const refresh = h.workspace.listJobs().find((j) => j.settings.name === 'stream_refresh');
    const inFlight = async () =>
      (await pollSystemTables(h.deps, cache, { sources: ['pipelines'] })).pipelineUpdates.filter(
        (u) => u.endTime === undefined,
      );
    await h.advanceTo(HANG + 40 * MIN);
    const first = await inFlight();
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({ pipelineId, state: 'RUNNING', jobId: String(refresh?.jobId) });
    // Started when the job's pipeline task did, give or take a second.
    expect(Math.abs(first[0]!.startTime - HANG)).toBeLessThan(2 * MIN);
    // The timeline has no row of it before 03:00; polled again, it is handed out again, so each poll
    // judges how long it has run.
    await h.advanceTo(HANG + 50 * MIN);
    expect((await inFlight()).map((u) => u.updateId)).toEqual([first[0]!.updateId]);
  });
});
