import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCollectorCache } from '../../../src/agents/collector/collector-cache.js';
import { loadTopology } from '../../../src/agents/collector/load-topology.js';
import { pollRuns, RUNS_SOURCE } from '../../../src/agents/collector/poll-runs.js';
import { fetchRunObservation } from '../../../src/agents/collector/run-observation.js';
import { scenarioWith } from '../../sim/fixtures.js';
import { type Harness, startHarness } from './collector-harness.js';

const START = Date.parse('2026-11-20T00:00:00Z');
const MIN = 60_000;
const HOUR = 3_600_000;
const ERROR_TEXT = 'AnalysisException: [UNRESOLVED_COLUMN] A column `amount_usd` cannot be resolved.';
const expected = { category: 'syntax', severity: 'P3', action: 'NOTIFY_OWNER' } as const;

const scenario = scenarioWith((s) => {
  s.jobs![0]!.tags = { sla: '06:00', sla_timezone: 'Europe/Berlin' };
  s.jobs!.push({
    name: 'backfill',
    team: 'finance',
    owner: 'alice@example.com',
    schedule: { quartz_cron_expression: '0 30 0 * * ?', timezone_id: 'UTC' },
    tasks: [{ key: 'replay', duration: { mean_minutes: 150, jitter: 0 } }],
  });
  s.faults = [
    {
      id: 'bad-column',
      kind: 'task_error',
      target: { job: 'orders_etl', task: 'transform' },
      start: '+1h',
      occurrences: 1,
      message: ERROR_TEXT,
      expected,
    },
    {
      id: 'throttled',
      kind: 'throttle',
      target: {},
      start: '+4h',
      end: '+250m',
      expected: { category: 'capacity', severity: 'P4', action: 'RETRY' },
    },
  ];
});

let h: Harness;
beforeAll(async () => {
  h = await startHarness(scenario);
});
afterAll(async () => {
  await h.close();
});

const runIds = (list: { runId: string }[]) => list.map((r) => r.runId);

describe('the collector on the runs of a simulated workspace', () => {
  const cache = createCollectorCache();

  it('observes a failed run from its id with the failing task real error text, tags, owner and tables', async () => {
    await h.advanceTo(START + 110 * MIN);
    const loaded = await loadTopology(h.deps, cache);
    expect(loaded.degraded).toBeUndefined();
    const failedRunId = h.workspace.faults().find((f) => f.id === 'bad-column')?.affected_run_ids[0];
    expect(failedRunId).toBeDefined();

    const outcome = await fetchRunObservation(h.deps, failedRunId!, cache);
    if (outcome.status !== 'ok') throw new Error(`expected ok, got ${outcome.status}`);
    const run = outcome.observation;
    expect(run.resultState).toBe('FAILED');
    expect(run.jobName).toBe('orders_etl');
    expect(run.tags).toMatchObject({
      team: 'finance',
      cost_center: 'CC-100',
      criticality: 'financial-critical',
      sla: '06:00',
    });
    expect(run.owner).toBe('alice@example.com');
    expect(run.runPageUrl).toMatch(/^https:\/\/dbc-unit\.cloud\.databricks\.com\/.*run\//);
    expect(run.tablesWritten).toEqual([
      'main.finance.daily_revenue',
      'main.finance.orders',
      'main.finance.raw_orders',
    ]);
    const transform = run.tasks.find((t) => t.taskKey === 'transform');
    expect(transform).toMatchObject({ resultState: 'FAILED', maxRetries: 0 });
    expect(transform?.errorMessage).toContain('[UNRESOLVED_COLUMN]');
    expect(run.computeIds.length).toBeGreaterThan(0);
  });

  it('answers a run that does not exist with not_found and a malformed id with invalid, without throwing', async () => {
    expect((await fetchRunObservation(h.deps, 999_999_999, cache)).status).toBe('not_found');
    expect((await fetchRunObservation(h.deps, 'abc; DROP TABLE runs', cache)).status).toBe('invalid');
    expect((await fetchRunObservation(h.deps, '99999999999999999999', cache)).status).toBe('invalid');
  });

  it('hands out each completed run once, however often it polls', async () => {
    await h.advanceTo(START + 2 * HOUR);
    const first = await pollRuns(h.deps, cache, { overlapMs: 10 * MIN });
    if (first.degraded) throw new Error('unexpected degraded');
    expect(first.completed.map((r) => r.jobName)).toEqual(['orders_etl', 'orders_etl']);
    expect(first.completed[1]?.tasks.find((t) => t.taskKey === 'transform')?.errorMessage).toContain(
      'amount_usd',
    );
    expect(first.active.map((r) => r.jobName)).toContain('backfill');

    const second = await pollRuns(h.deps, cache, { overlapMs: 10 * MIN });
    if (second.degraded) throw new Error('unexpected degraded');
    expect(second.completed).toEqual([]);
    const mark = await h.deps.watermarks.get(h.deps.workspaceId, RUNS_SOURCE);
    expect(mark?.lastSeenId).toBe(first.completed[1]?.runId);
  });

  it('resumes from the watermark after a restart and sees a long run that started before it', async () => {
    const before = new Set(
      runIds((await h.workspace.listRuns({ completedOnly: true })).map((r) => ({ runId: String(r.runId) }))),
    );
    await h.advanceTo(START + 3.5 * HOUR);
    const restarted = createCollectorCache();
    const outcome = await pollRuns(h.deps, restarted, { overlapMs: 10 * MIN });
    if (outcome.degraded) throw new Error('unexpected degraded');
    const names = outcome.completed.map((r) => r.jobName).sort();
    expect(names).toEqual(['backfill', 'orders_etl', 'orders_etl']);
    for (const id of runIds(outcome.completed)) expect(before.has(id)).toBe(false);
    const backfill = outcome.completed.find((r) => r.jobName === 'backfill');
    expect(backfill!.startTime).toBeLessThan(START + HOUR);
  });

  it('reports a throttled workspace as degraded, keeps its watermark, and loses nothing once it recovers', async () => {
    await h.advanceTo(START + 4 * HOUR + 5 * MIN);
    const mark = await h.deps.watermarks.get(h.deps.workspaceId, RUNS_SOURCE);
    const throttled = await pollRuns(h.deps, cache, { overlapMs: 10 * MIN });
    expect(throttled.degraded).toMatchObject({ source: 'runs', reason: 'RATE_LIMITED' });
    expect(throttled.degraded!.retryAfterMs).toBeGreaterThan(0);
    expect((await h.deps.watermarks.get(h.deps.workspaceId, RUNS_SOURCE))?.lastSeenAt).toBe(mark?.lastSeenAt);

    await h.advanceTo(START + 4 * HOUR + 40 * MIN);
    const recovered = await pollRuns(h.deps, cache, { overlapMs: 10 * MIN });
    if (recovered.degraded) throw new Error('still degraded');
    const starts = recovered.completed.map((r) => r.startTime);
    expect(starts.some((s) => s >= START + 4 * HOUR)).toBe(true);
  });

  it('reads the runs again when the process dies while handing them out, before the watermark moves', async () => {
    await h.advanceTo(START + 7 * HOUR);
    const mark = await h.deps.watermarks.get(h.deps.workspaceId, RUNS_SOURCE);
    const killed = pollRuns(h.deps, cache, {
      overlapMs: 10 * MIN,
      handOut: async () => {
        throw new Error('SIGKILL while queueing the signals');
      },
    });
    await expect(killed).rejects.toThrow('SIGKILL');
    expect(await h.deps.watermarks.get(h.deps.workspaceId, RUNS_SOURCE)).toEqual(mark);

    // The next process (a fresh cache) is handed the same runs, once.
    const handedOut: string[] = [];
    const again = await pollRuns(h.deps, createCollectorCache(), {
      overlapMs: 10 * MIN,
      handOut: async (observed) => {
        handedOut.push(...runIds(observed.completed));
      },
    });
    if (again.degraded) throw new Error('unexpected degraded');
    expect(handedOut.length).toBeGreaterThan(0);
    expect(handedOut).toEqual(runIds(again.completed));
    const then = await pollRuns(h.deps, createCollectorCache(), { overlapMs: 10 * MIN });
    if (then.degraded) throw new Error('unexpected degraded');
    expect(then.completed).toEqual([]);
  });
});
