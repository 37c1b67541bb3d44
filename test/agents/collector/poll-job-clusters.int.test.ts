import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCollectorCache } from '../../../src/agents/collector/collector-cache.js';
import { pollSystemTables } from '../../../src/agents/collector/poll-system-tables.js';
import { Detection } from '../../../src/agents/detector/detection.js';
import { policySchema } from '../../../src/config/policy.js';
import { scenarioWith } from '../../sim/fixtures.js';
import { type Harness, startHarness } from './collector-harness.js';

const START = Date.parse('2026-11-20T00:00:00Z');
const MIN = 60_000;
const HOUR = 3_600_000;

// Two healthy days of the hourly ETL on 2 workers, then a deploy that launches its clusters four times wider.
const scenario = scenarioWith((s) => {
  s.history = { days: 2 };
  s.faults = [
    {
      id: 'wide',
      kind: 'cost_spike',
      target: { team: 'finance' },
      start: '+30m',
      end: '+6h',
      factor: 4,
      expected: { category: 'config', severity: 'P3', action: 'NOTIFY_OWNER' },
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

describe('pollSystemTables reading job clusters from system.compute.clusters', () => {
  const cache = createCollectorCache();

  it('hands out the deploy with the first launch after it, and detection names who changed the job, when and to what', async () => {
    // The deploy at 00:30, the first run on the new settings at 01:00.
    const at = START + HOUR + 20 * MIN;
    await h.advanceTo(at);
    const polled = await pollSystemTables(h.deps, createCollectorCache(), { sources: ['job_clusters'] });
    expect(polled.rejected).toEqual([]);
    const job = polled.jobClusters[0]!;
    const owner = h.workspace.listJobs()[0]!.owner;
    expect(job.settingsChanges).toEqual([
      {
        at: START + 30 * MIN,
        by: owner,
        action: 'update',
        clusters: [{ key: 'etl', workers: 8, workerNodeType: 'i3.xlarge' }],
      },
    ]);
    const policy = policySchema.parse({ thresholds: { cost_anomaly_min_usd: 0 } });
    const [signal, ...rest] = new Detection(policy).ofSystemTables(polled, [], at).signals;
    expect(rest).toEqual([]);
    expect(signal).toMatchObject({ kind: 'cluster_widened', metrics: { ratio: 4, launches: 1 } });
    expect(signal!.evidence.map((e) => e.label)).toContainEqual(
      `${job.jobName}'s settings were changed by ${owner} at 2026-11-20 00:30 UTC (jobs/update): 2 workers of i3.xlarge → 8 workers of i3.xlarge`,
    );
  });

  it('hands out a job that launched a cluster with its earlier launches and its spend a day, once per launch', async () => {
    await h.advanceTo(START + 2 * HOUR + 20 * MIN);
    const polled = await pollSystemTables(h.deps, cache, { sources: ['job_clusters'] });
    expect(polled.degraded).toEqual([]);
    expect(polled.rejected).toEqual([]);
    expect(polled.jobClusters).toHaveLength(1);
    const job = polled.jobClusters[0]!;
    expect(job.team).toBe('finance');
    expect(job.jobName).toBe(h.workspace.listJobs()[0]!.settings.name);
    // Two days of hourly runs before the start, each on its own job cluster as launched.
    expect(job.launches.length).toBeGreaterThanOrEqual(48);
    const workers = job.launches.sort((a, b) => a.createdAt - b.createdAt).map((l) => l.workers);
    expect(workers.slice(0, 40).every((w) => w === 2)).toBe(true);
    expect(workers.slice(-2)).toEqual([8, 8]);
    expect(job.launches.every((l) => l.workerNodeType === 'i3.xlarge')).toBe(true);
    expect(job.dailyUsd.filter((d) => d.day < START && d.usd > 0).length).toBeGreaterThanOrEqual(1);

    const again = await pollSystemTables(h.deps, cache, { sources: ['job_clusters'] });
    expect(again.jobClusters).toEqual([]);
  });

  it('raises the widening through detection once the projected extra clears cost_anomaly_min_usd', async () => {
    await h.advanceTo(START + 3 * HOUR + 20 * MIN);
    const polled = await pollSystemTables(h.deps, cache, { sources: ['job_clusters'] });
    expect(polled.jobClusters).toHaveLength(1);
    const policy = policySchema.parse({ thresholds: { cost_anomaly_min_usd: 0 } });
    const signals = new Detection(policy).ofSystemTables(polled, [], START + 3 * HOUR + 20 * MIN).signals;
    expect(signals.map((s) => [s.kind, s.metrics.ratio, s.refs.team])).toEqual([
      ['cluster_widened', 4, 'finance'],
    ]);
  });

  it('leaves out unreadable, hostile and repeated cluster rows without losing the job or failing the poll', async () => {
    const at = START + 3 * HOUR + 30 * MIN;
    await h.advanceTo(at);
    const jobId = String(h.workspace.listJobs()[0]!.jobId);
    const row = (clusterId: string, extra: Record<string, unknown>) => ({
      account_id: 'acct',
      workspace_id: h.deps.workspaceId,
      cluster_id: clusterId,
      cluster_name: `job-${jobId}-run`,
      create_time: at - 2 * MIN,
      change_time: at - 2 * MIN,
      worker_node_type: 'i3.xlarge',
      driver_node_type: 'i3.xlarge',
      worker_count: 2,
      cluster_source: 'JOB',
      tags: { JobId: jobId, RunName: 'x'.repeat(5_000), team: 'finance' },
      ...extra,
    });
    h.sink.append('compute.clusters', [
      // A negative worker count and a node type far longer than any cloud's: left out, reported.
      row('0000-000000-negative', { worker_count: -3 }),
      row('0000-000000-hostile', { worker_node_type: `i3.xlarge'; DROP TABLE x; --${'y'.repeat(500)}` }),
      // The same launch written twice: counted once.
      row('0000-000000-twice', {}),
      row('0000-000000-twice', {}),
      // A job cluster without its JobId tag is nobody's launch.
      row('0000-000000-untagged', { tags: { RunName: 'manual' } }),
    ]);
    await h.sink.flush();
    const polled = await pollSystemTables(h.deps, cache, { sources: ['job_clusters'] });
    expect(polled.degraded).toEqual([]);
    expect(polled.rejected.map((r) => r.source)).toEqual(['job_clusters', 'job_clusters']);
    expect(polled.jobClusters).toHaveLength(1);
    const job = polled.jobClusters[0]!;
    expect(job.jobName).toHaveLength(512);
    const ids = job.launches.map((l) => l.clusterId);
    expect(ids.filter((id) => id === '0000-000000-twice')).toHaveLength(1);
    expect(
      ids.some((id) => id.includes('negative') || id.includes('hostile') || id.includes('untagged')),
    ).toBe(false);
    expect(job.launches.length).toBeGreaterThanOrEqual(48);
  });
});
