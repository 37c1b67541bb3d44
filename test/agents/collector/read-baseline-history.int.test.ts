import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBaselineHistory } from '../../../src/agents/collector/read-baseline-history.js';
import { scenarioWith } from '../../sim/fixtures.js';
import { type Harness, startHarness } from './collector-harness.js';

const START = Date.parse('2026-11-20T00:00:00Z');
const HOUR = 3_600_000;

// The hourly orders job, with two healthy days before the scenario's start and a fault at the start.
const scenario = scenarioWith((s) => {
  s.history = { days: 2 };
  s.faults = [
    {
      id: 'race',
      kind: 'concurrency_conflict',
      target: { job: 'orders_etl', task: 'transform' },
      start: '+0h',
      occurrences: 1,
      expected: { category: 'concurrency', severity: 'P3', action: 'RETRY' },
    },
  ];
});

let h: Harness;
beforeAll(async () => {
  h = await startHarness(scenario);
  await h.advanceTo(START);
});
afterAll(async () => {
  await h.close();
});

describe('readBaselineHistory on a workspace with a past', () => {
  it("reads each job's newest successful runs, as many as a duration baseline keeps, all before now", async () => {
    const past = await readBaselineHistory(h.deps, START);
    const [job] = h.workspace.listJobs();
    const mine = past.runs.filter((r) => r.jobId === String(job?.jobId));
    // 48 hourly runs in two days; a baseline keeps the newest 30.
    expect(mine).toHaveLength(30);
    expect(mine.every((r) => r.startTime < START && r.startTime >= START - 2 * 24 * HOUR)).toBe(true);
    // Three five-minute tasks and the cluster's start: a quarter of an hour or so, every time.
    expect(mine.every((r) => r.seconds > 10 * 60 && r.seconds < 40 * 60)).toBe(true);
  });

  it('finds the same runs the REST run list serves, so a poll that lists them again counts each once', async () => {
    const past = await readBaselineHistory(h.deps, START);
    const listed = new Map(
      h.workspace.listRuns({ completedOnly: true }).map((r) => [String(r.runId), r] as const),
    );
    const served = past.runs.filter((r) => listed.has(r.runId));
    expect(served.length).toBeGreaterThan(0);
    for (const r of served) expect(listed.get(r.runId)?.startTime).toBe(r.startTime);
  });

  it('reads the loads of every table the job writes and two weeks of spend per team', async () => {
    const past = await readBaselineHistory(h.deps, START);
    expect(new Set(past.loads.map((l) => l.table))).toEqual(
      new Set(['main.finance.raw_orders', 'main.finance.orders', 'main.finance.daily_revenue']),
    );
    expect(past.loads.every((l) => l.rowsWritten > 0 && l.loadedAt < START)).toBe(true);
    expect(past.costs.some((c) => c.team === 'finance' && c.granularity === 'day' && c.usd > 0)).toBe(true);
    expect(past.costs.some((c) => c.team === 'finance' && c.granularity === 'hour')).toBe(true);
  });

  it('leaves the fault to the scored window: nothing failed in the history', () => {
    const [race] = h.workspace.faults();
    expect(race?.start_ms).toBe(START);
    expect(race?.affected_run_ids).toEqual([]);
    expect(h.workspace.historyStartMs).toBe(START - 2 * 24 * HOUR);
  });
});
