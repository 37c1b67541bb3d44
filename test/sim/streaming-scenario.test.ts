import { describe, expect, it } from 'vitest';
import { SimWorkspace } from '../../src/sim/engine/sim-workspace.js';
import { MemorySink } from '../../src/sim/memory-sink.js';
import { loadScenario } from '../../src/sim/scenario/load-scenario.js';

const HOUR = 3_600_000;

/**
 * scenarios/streaming.yaml, played flat out: what its faults do to the workspace before any detection
 * looks at it, so that the eval (test/e2e/eval-streaming.test.ts) scores situations that really happen.
 */
describe('scenarios/streaming.yaml', () => {
  const play = async (hours: number) => {
    const s = await loadScenario('scenarios/streaming.yaml');
    const ws = new SimWorkspace({ scenario: s, seed: 42, sink: new MemorySink() });
    ws.advanceTo(ws.startMs + hours * HOUR);
    return { s, ws, truth: Object.fromEntries(ws.faults().map((f) => [f.id, f])) };
  };
  const runsOf = (ws: SimWorkspace, ids: readonly string[] | undefined) =>
    (ids ?? []).map((id) => ws.getRun(Number(id)));

  it('is another company than the demo: five teams of a streaming service, none of the demo’s jobs', async () => {
    const s = await loadScenario('scenarios/streaming.yaml');
    const demo = await loadScenario('scenarios/demo.yaml');
    expect(s.teams.map((t) => t.name)).toEqual(['content', 'playback', 'recs', 'ads', 'platform']);
    const demoJobs = new Set(demo.jobs.map((j) => j.name));
    expect(s.jobs.filter((j) => demoJobs.has(j.name))).toEqual([]);
    expect(s.workspace.id).not.toBe(demo.workspace.id);
  });

  it('takes the shared cluster down under its three jobs in the same minute', async () => {
    const { ws, truth } = await play(11);
    const runs = runsOf(ws, truth['playback-shared-down']?.affected_run_ids);
    const first = runs.filter((r) => r.startTime < ws.startMs + 10.5 * HOUR);
    expect(new Set(first.map((r) => r.jobName))).toEqual(
      new Set(['playback_qoe_hourly', 'playback_cdn_health', 'playback_startup_latency']),
    );
    const ends = first.map((r) => r.endTime ?? 0);
    expect(Math.max(...ends) - Math.min(...ends)).toBeLessThan(60_000);
    expect(first.every((r) => r.result === 'FAILED')).toBe(true);
  });

  it('fails two unrelated nightly jobs in the same minute', async () => {
    const { ws, truth } = await play(28);
    const [oom] = runsOf(ws, truth['invoicing-oom']?.affected_run_ids);
    const [code] = runsOf(ws, truth['artwork-code-error']?.affected_run_ids);
    expect(oom?.result).toBe('FAILED');
    expect(code?.result).toBe('FAILED');
    expect(Math.abs((oom?.startTime ?? 0) - (code?.startTime ?? 0))).toBeLessThan(60_000);
  });

  it('lets a transient conflict be recovered by the task’s own retry, so the run succeeds', async () => {
    const { ws, truth } = await play(12);
    const [run] = runsOf(ws, truth['impressions-retry-recovered']?.affected_run_ids);
    expect(run?.result).toBe('SUCCESS');
    expect(run?.tasks.map((t) => t.result)).toEqual(['FAILED', 'SUCCESS']);
  });

  it('collides the GDPR deletion with the OPTIMIZE on three nights', async () => {
    const { ws, truth } = await play(50);
    const nights = runsOf(ws, truth['gdpr-nightly-conflict']?.affected_run_ids);
    expect(nights.map((r) => r?.result)).toEqual(['FAILED', 'FAILED', 'FAILED']);
    expect(nights.map((r) => new Date(r?.startTime ?? 0).toISOString().slice(11, 16))).toEqual([
      '01:00',
      '01:00',
      '01:00',
    ]);
  });

  it('loads zero rows into the catalog three hours running, each load a success', async () => {
    const { ws, truth } = await play(30);
    const runs = runsOf(ws, truth['catalog-zero-rows']?.affected_run_ids);
    expect(runs).toHaveLength(3);
    expect(runs.map((r) => r.result)).toEqual(['SUCCESS', 'SUCCESS', 'SUCCESS']);
    expect(runs.flatMap((r) => r.tasks.map((t) => t.rows))).toEqual([0, 0, 0]);
  });

  it('denies the recs features job the catalog from the moment the grant is revoked', async () => {
    const { ws, truth } = await play(16);
    const runs = runsOf(ws, truth['catalog-grant-revoked']?.affected_run_ids);
    expect(runs.length).toBeGreaterThanOrEqual(2);
    expect(new Set(runs.map((r) => r.jobName))).toEqual(new Set(['recs_features_hourly']));
    expect(runs[0]?.tasks[0]?.failure?.error).toContain('INSUFFICIENT_PERMISSIONS');
  });
});
