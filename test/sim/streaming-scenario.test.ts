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
    const sink = new MemorySink();
    const ws = new SimWorkspace({ scenario: s, seed: 42, sink });
    ws.advanceTo(ws.startMs + hours * HOUR);
    return { s, ws, sink, truth: Object.fromEntries(ws.faults().map((f) => [f.id, f])) };
  };
  const jobRuns = (ws: SimWorkspace, name: string) => {
    const job = ws.listJobs().find((j) => j.settings.name === name);
    if (job === undefined) throw new Error(`no job ${name}`);
    return ws.listRuns({ jobId: job.jobId });
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
    const runs = runsOf(ws, truth['playback-shared-spot-loss']?.affected_run_ids);
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

  it('hangs the embeddings update without an error, holding the candidates job past its 07:00 SLA', async () => {
    const { ws } = await play(7);
    const [run] = jobRuns(ws, 'recs_candidates_daily');
    expect(run?.result).toBeUndefined();
    expect(run?.latest.get('refresh_embeddings')?.failure).toBeUndefined();
    const pipeline = [...ws.pipelines.byId.values()].find((p) => p.spec.name === 'recs_embeddings_dlt');
    const update = pipeline?.active;
    expect(update?.phases.at(-1)?.[0]).toBe('RUNNING');
    expect(update?.error).toBeUndefined();
  });

  it('queues the all-hands storm on the one-cluster BI warehouse: statements wait at capacity', async () => {
    const { sink, truth } = await play(35);
    const storm = new Set(truth['bi-query-storm']?.affected_statement_ids);
    expect(storm.size).toBeGreaterThan(100);
    const waited = sink
      .rows('query.history')
      .filter((q) => storm.has(String(q.statement_id)) && Number(q.waiting_at_capacity_duration_ms) > 0);
    expect(waited.length).toBeGreaterThan(storm.size / 2);
  });

  it('starts jobs on file arrival, on table updates and continuously, as well as on a schedule', async () => {
    const { ws } = await play(10);
    expect(new Set(jobRuns(ws, 'content_deliveries_ingest').map((r) => r.trigger))).toEqual(
      new Set(['FILE_ARRIVAL']),
    );
    expect(jobRuns(ws, 'playback_cdn_logs_stream').map((r) => r.trigger)).toContain('CONTINUOUS');
    expect(jobRuns(ws, 'platform_exec_dashboard').map((r) => r.trigger)).toContain('TABLE');
  });

  it('has Mei cancel a training run on night two, which ends USER_CANCELED', async () => {
    const { ws } = await play(27);
    const cancelled = jobRuns(ws, 'recs_train_ranker').filter((r) => r.result === 'CANCELED');
    expect(cancelled).toHaveLength(1);
    expect(cancelled[0]?.termination?.code).toBe('USER_CANCELED');
  });
});
