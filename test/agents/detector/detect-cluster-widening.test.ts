import { describe, expect, it } from 'vitest';
import { systemTableObservations } from '../../../src/agents/collector/poll-system-tables.js';
import { Detection } from '../../../src/agents/detector/detection.js';
import {
  type JobClusterHistory,
  type JobClusterLaunch,
  type JobSettingsChange,
  jobClusterHistorySchema,
} from '../../../src/agents/detector/observations.js';
import { summariseIncident } from '../../../src/agents/correlator/correlate.js';
import { DependencyGraph } from '../../../src/agents/correlator/dependency-graph.js';
import { triageFacts } from '../../../src/agents/correlator/triage-facts.js';
import { suggestRemediations } from '../../../src/agents/remediation/suggest-remediations.js';
import { triageIncident } from '../../../src/agents/triage/triage-incident.js';
import { defaultPolicy, policySchema } from '../../../src/config/policy.js';
import { DAY, HOUR, MIN, WS } from './observation-factory.js';

const NOV10 = Date.UTC(2026, 10, 10);
/** An hourly job's launches at :40, `wide` of the newest ones at `factor`× its 3 workers. */
function hourlyJob(
  opts: {
    jobId?: string;
    team?: string;
    launches?: number;
    wide?: number;
    factor?: number;
    usdPerDay?: number;
    launch?: (i: number, normal: JobClusterLaunch) => JobClusterLaunch;
    settingsChanges?: readonly JobSettingsChange[];
  } = {},
): JobClusterHistory {
  const n = opts.launches ?? 72;
  const wide = opts.wide ?? 0;
  const launches = Array.from({ length: n }, (_, i) => {
    const normal: JobClusterLaunch = {
      clusterId: `0${i}-100000-job${opts.jobId ?? '1'}`,
      createdAt: NOV10 + i * HOUR + 40 * MIN,
      workers: i >= n - wide ? 3 * (opts.factor ?? 4) : 3,
      workerNodeType: 'r5.2xlarge',
      driverNodeType: 'r5.2xlarge',
    };
    return opts.launch?.(i, normal) ?? normal;
  });
  return jobClusterHistorySchema.parse({
    workspaceId: WS,
    jobId: opts.jobId ?? '771',
    jobName: `features_hourly_${opts.jobId ?? '771'}`,
    team: opts.team ?? 'recs',
    launches,
    dailyUsd: [1, 2, 3].map((d) => ({ day: NOV10 - d * DAY, usd: opts.usdPerDay ?? 6 })),
    settingsChanges: opts.settingsChanges ?? [],
  });
}
const after = (job: JobClusterHistory) => Math.max(...job.launches.map((l) => l.createdAt)) + 5 * MIN;

function detect(jobs: readonly JobClusterHistory[], policy = defaultPolicy()) {
  const now = Math.max(...jobs.map(after));
  return new Detection(policy).ofSystemTables(systemTableObservations({ jobClusters: [...jobs] }), [], now)
    .signals;
}

describe('job clusters launched wider than their job usually launches', () => {
  it('reports a team whose job launched two clusters in a row four times wider, with the projected extra spend', () => {
    const [signal, ...rest] = detect([hourlyJob({ wide: 2 })]);
    expect(rest).toEqual([]);
    // 13 nodes instead of 4 on a $6 day: +$13.50 a day.
    expect(signal).toMatchObject({
      kind: 'cluster_widened',
      severityHint: 'P3',
      subject: { type: 'job', id: '771', name: 'features_hourly_771' },
      refs: { team: 'recs', jobId: '771' },
      classification: { category: 'config', action: 'NOTIFY_OWNER', transient: false },
      metrics: { ratio: 4, jobs: 1, launches: 2, usualDailyUsd: 6, projectedExtraUsdPerDay: 13.5 },
      occurredAt: NOV10 + 70 * HOUR + 40 * MIN,
    });
    const text = signal!.evidence.map((e) => e.label).join('\n');
    expect(text).toContain(
      "team recs's job clusters are launching 4.0× wider than usual since 2026-11-12 22:40",
    );
    expect(text).toContain('12 workers of r5.2xlarge on its last 2 launches');
    expect(text).toContain('usually 3 workers of r5.2xlarge');
    expect(text).toContain("Check the job's cluster settings");
  });

  it('becomes a P3 incident with a card that asks the owner to check the configuration', () => {
    const [signal] = detect([hourlyJob({ wide: 3 })]);
    const summary = summariseIncident([signal!], new DependencyGraph());
    expect(summary.title).toBe(
      "features_hourly_771's job clusters launch 4.0× wider than usual: about +$13.5 a day",
    );
    expect(summary.category).toBe('config');
    const facts = triageFacts(summary, [signal!], signal!.observedAt, { repeated: false });
    expect(triageIncident(facts, defaultPolicy().triage).severity).toBe('P3');
    expect(suggestRemediations(signal)).toEqual(['notify_owner']);
  });

  it('stays P3 however much reads the job: its runs still succeed, so nothing downstream is hurt, only the bill', () => {
    const [signal] = detect([hourlyJob({ wide: 2 })]);
    const graph = new DependencyGraph().addEdge('job:771', 'table:main.recs.features');
    for (let i = 0; i < 20; i += 1)
      graph
        .addEdge('table:main.recs.features', `job:reader${i}`)
        .addEdge(`job:reader${i}`, `table:main.recs.t${i}`);
    const summary = summariseIncident([signal!], graph);
    expect(summary.blastRadius.count).toBe(0);
    const facts = triageFacts(summary, [signal!], signal!.observedAt, { repeated: false });
    expect(triageIncident(facts, defaultPolicy().triage).severity).toBe('P3');
  });

  it('raises one signal for a team whose several jobs widened, naming each', () => {
    const signals = detect([hourlyJob({ wide: 2 }), hourlyJob({ jobId: '772', wide: 3, factor: 3 })]);
    expect(signals).toHaveLength(1);
    expect(signals[0]).toMatchObject({
      subject: { type: 'team', id: 'recs' },
      metrics: { jobs: 2, ratio: 4 },
    });
    expect(signals[0]!.refs.jobId).toBeUndefined();
    const text = signals[0]!.evidence.map((e) => e.label).join('\n');
    expect(text).toContain('features_hourly_771');
    expect(text).toContain('features_hourly_772');
  });

  it('stays quiet for a single wider run, and for one that went back to its usual size', () => {
    expect(detect([hourlyJob({ wide: 1 })])).toEqual([]);
    const backToUsual = hourlyJob({
      launch: (i, l) => (i === 69 || i === 70 ? { ...l, workers: 12 } : l),
    });
    expect(detect([backToUsual])).toEqual([]);
  });

  it('stays quiet for clusters autoscaling within the range the job always had', () => {
    const autoscaling = hourlyJob({
      launch: (_, l) => ({ ...l, workers: undefined, minWorkers: 2, maxWorkers: 8 }),
    });
    expect(detect([autoscaling])).toEqual([]);
    // Raising the autoscale ceiling fourfold is a widening: the cluster may now bill four times the workers.
    const ceilingRaised = hourlyJob({
      launch: (i, l) => ({ ...l, workers: undefined, minWorkers: 2, maxWorkers: i >= 70 ? 32 : 8 }),
    });
    expect(detect([ceilingRaised]).map((s) => s.metrics.ratio)).toEqual([4]);
  });

  it('stays quiet for a job with fewer than min_history_runs earlier launches to know its usual by', () => {
    expect(detect([hourlyJob({ launches: 6, wide: 2 })])).toEqual([]);
    expect(detect([hourlyJob({ launches: 7, wide: 2 })]).map((s) => s.kind)).toEqual(['cluster_widened']);
    const shorter = policySchema.parse({ thresholds: { min_history_runs: 4 } });
    expect(detect([hourlyJob({ launches: 6, wide: 2 })], shorter).map((s) => s.kind)).toEqual([
      'cluster_widened',
    ]);
  });

  it('compares node sizes too: the same workers on nodes twice the size are twice as wide', () => {
    const biggerNodes = hourlyJob({
      launch: (i, l) => (i >= 70 ? { ...l, workerNodeType: 'r5.8xlarge', driverNodeType: 'r5.8xlarge' } : l),
    });
    expect(detect([biggerNodes]).map((s) => s.metrics.ratio)).toEqual([4]);
  });

  it('stays quiet when the projected extra spend is under cost_anomaly_min_usd, and speaks once it is over', () => {
    const cheap = hourlyJob({ wide: 2, usdPerDay: 2 });
    expect(detect([cheap])).toEqual([]);
    const lower = policySchema.parse({ thresholds: { cost_anomaly_min_usd: 4 } });
    expect(detect([cheap], lower).map((s) => s.metrics.projectedExtraUsdPerDay)).toEqual([4.5]);
  });

  describe('at the first wide launch, when the job was deployed to that size just before it', () => {
    // The newest of 72 launches is at 23:40 on the 12th; the one before it at 22:40.
    const newest = NOV10 + 71 * HOUR + 40 * MIN;
    const deploy = (change: Partial<JobSettingsChange> = {}): JobSettingsChange => ({
      at: newest - 25 * MIN,
      by: 'dev@example.com',
      action: 'update',
      clusters: [{ key: 'etl', workers: 12, workerNodeType: 'r5.2xlarge' }],
      ...change,
    });

    it('reports the job at its first wide launch and names who changed it, when, and from what size to what', () => {
      const [signal, ...rest] = detect([hourlyJob({ wide: 1, settingsChanges: [deploy()] })]);
      expect(rest).toEqual([]);
      expect(signal).toMatchObject({
        kind: 'cluster_widened',
        occurredAt: newest,
        metrics: { ratio: 4, launches: 1, projectedExtraUsdPerDay: 13.5 },
      });
      const text = signal!.evidence.map((e) => e.label).join('\n');
      expect(text).toContain('12 workers of r5.2xlarge on its last launch since 2026-11-12 23:40 UTC');
      expect(text).toContain(
        "features_hourly_771's settings were changed by dev@example.com at 2026-11-12 23:15 UTC (jobs/update): 3 workers of r5.2xlarge → 12 workers of r5.2xlarge",
      );
    });

    it('counts a change the audit log does not describe: lakeflow.jobs says when the job changed, if not who or to what', () => {
      const [signal] = detect([hourlyJob({ wide: 1, settingsChanges: [{ at: newest - 25 * MIN }] })]);
      const text = signal!.evidence.map((e) => e.label).join('\n');
      expect(text).toContain(
        "features_hourly_771's settings were changed at 2026-11-12 23:15 UTC: 3 workers",
      );
    });

    it('matches an autoscaling cluster by the upper bound the change set', () => {
      const autoscaling = hourlyJob({
        wide: 1,
        launch: (i, l) => ({ ...l, workers: undefined, minWorkers: 2, maxWorkers: i === 71 ? 32 : 8 }),
        settingsChanges: [deploy({ clusters: [{ key: 'etl', minWorkers: 8, maxWorkers: 32 }] })],
      });
      expect(detect([autoscaling]).map((s) => s.metrics.ratio)).toEqual([4]);
    });

    it('stays quiet when the change set no cluster, set another size, or came before the last usual launch', () => {
      const schedule = deploy({ clusters: [] });
      const otherSize = deploy({ clusters: [{ key: 'etl', workers: 6 }] });
      const earlier = deploy({ at: newest - 2 * HOUR });
      for (const change of [schedule, otherSize, earlier])
        expect(detect([hourlyJob({ wide: 1, settingsChanges: [change] })])).toEqual([]);
    });

    it('keeps the same signal when the second wide launch comes', () => {
      const first = detect([hourlyJob({ wide: 1, settingsChanges: [deploy()] })])[0]!;
      const second = detect([hourlyJob({ wide: 2, launches: 73, settingsChanges: [deploy()] })])[0]!;
      expect(second.id).toBe(first.id);
      expect(second.evidence.map((e) => e.label).join('\n')).toContain(
        'settings were changed by dev@example.com',
      );
    });
  });

  it('keeps one signal for the widening as more wide launches come', () => {
    const first = detect([hourlyJob({ wide: 2, launches: 72 })])[0]!;
    const later = detect([hourlyJob({ wide: 3, launches: 73 })])[0]!;
    expect(later.id).toBe(first.id);
  });
});
