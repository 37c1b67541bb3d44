import { describe, expect, it } from 'vitest';
import { createCollectorCache } from '../../../src/agents/collector/collector-cache.js';
import { loadTopology } from '../../../src/agents/collector/load-topology.js';
import { pollSystemTables } from '../../../src/agents/collector/poll-system-tables.js';
import { readBaselineHistory } from '../../../src/agents/collector/read-baseline-history.js';
import { Detection } from '../../../src/agents/detector/detection.js';
import { defaultPolicy } from '../../../src/config/policy.js';
import { makeSignal, type SignalDraft } from '../../../src/domain/signal.js';
import { summariseIncident } from '../../../src/agents/correlator/correlate.js';
import { DependencyGraph } from '../../../src/agents/correlator/dependency-graph.js';
import { triageFacts } from '../../../src/agents/correlator/triage-facts.js';
import { triageIncident } from '../../../src/agents/triage/triage-incident.js';
import type { Scenario, ScenarioInput } from '../../../src/sim/scenario/schema.js';
import { startHarness } from '../collector/collector-harness.js';
import { scenarioWith } from '../../sim/fixtures.js';

const START = Date.parse('2026-11-20T00:00:00Z');
const MIN = 60_000;
const HOUR = 60 * MIN;

const owner = { team: 'finance', owner: 'alice@example.com' };

/**
 * Polls the workspace every minute from `from` to `to` as the embedded bot does (its past read first,
 * then the pipelines and the loads), and returns every signal the detectors raised, with when.
 */
async function watch(scenario: Scenario, from: number, to: number): Promise<SignalDraft[]> {
  const h = await startHarness(scenario);
  try {
    await h.advanceTo(from);
    const cache = createCollectorCache();
    const outcome = await loadTopology(h.deps, cache);
    if (outcome.degraded) throw new Error('topology degraded');
    const detection = new Detection(defaultPolicy());
    detection.seed(await readBaselineHistory(h.deps, from), from);
    const signals: SignalDraft[] = [];
    for (let t = from; t <= to; t += MIN) {
      await h.advanceTo(t);
      const tables = await pollSystemTables(h.deps, cache, { sources: ['pipelines', 'table_loads'] });
      signals.push(...detection.ofSystemTables(tables, outcome.topology.slas, t).signals);
    }
    return signals;
  } finally {
    await h.close();
  }
}

const labels = (s: SignalDraft) => (s.evidence ?? []).map((e) => `${e.label}\n${e.excerpt ?? ''}`).join('\n');

/**
 * A job starts the clickstream pipeline at 04:30 every night; the revenue mart reads what it refreshes
 * into a table due at 06:00.
 */
function nightly(faults: ScenarioInput['faults']): Scenario {
  return scenarioWith((s) => {
    s.faults = faults;
    s.duration_hours = 6;
    s.history = { days: 3 };
    s.jobs = [
      {
        name: 'stream_refresh',
        ...owner,
        schedule: { quartz_cron_expression: '0 30 4 * * ?', timezone_id: 'UTC' },
        tasks: [{ key: 'refresh', type: 'pipeline', pipeline: 'clickstream' }],
      },
      {
        name: 'revenue_mart',
        ...owner,
        schedule: { quartz_cron_expression: '0 20 5 * * ?', timezone_id: 'UTC' },
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
        ...owner,
        reads: ['main.finance.raw_orders'],
        writes: ['main.finance.orders'],
        duration: { mean_minutes: 15, jitter: 0.1 },
      },
    ];
  });
}

describe('a pipeline update whose flows stop reporting progress', () => {
  it('puts the table downstream at risk within ten minutes of the hang, naming the stall', async () => {
    const scenario = nightly([
      {
        id: 'stuck',
        kind: 'pipeline_hang',
        target: { pipeline: 'clickstream' },
        start: '+4.3h',
        end: '+6h',
        expected: { category: 'timeout', severity: 'P2', action: 'RETRY' },
      },
    ]);
    const signals = await watch(scenario, START + 4 * HOUR + 25 * MIN, START + 4 * HOUR + 50 * MIN);
    const atRisk = signals.filter(
      (s) => s.kind === 'sla_at_risk' && s.subject.id === 'main.finance.daily_revenue',
    );
    expect(atRisk.length).toBeGreaterThan(0);
    const first = atRisk[0]!;
    // The update began at 04:30; a quarter of an hour is its usual duration, so only the silence shows it.
    expect(first.observedAt).toBeLessThanOrEqual(START + 4 * HOUR + 40 * MIN);
    expect(labels(first)).toMatch(
      /Upstream pipeline clickstream has had no flow progress for \d+ min \(usually every \d+ s\)/,
    );
    expect(first.refs?.pipelineId).toBeDefined();
    const hung = signals.find((s) => s.kind === 'duration_anomaly' && s.subject.type === 'pipeline');
    expect(hung?.observedAt).toBeLessThanOrEqual(START + 4 * HOUR + 40 * MIN);
    expect(labels(hung!)).toContain('no flow progress');
  }, 120_000);
});

describe('a continuous pipeline that stalls', () => {
  it('is found by its silence alone: its update never ends', async () => {
    const scenario = scenarioWith((s) => {
      s.duration_hours = 6;
      s.history = { days: 1 };
      s.jobs = [];
      s.pipelines = [
        {
          name: 'sessions',
          ...owner,
          continuous: true,
          reads: ['main.finance.raw_events'],
          writes: ['main.finance.sessions'],
          duration: { mean_minutes: 5, jitter: 0.1 },
        },
      ];
      s.faults = [
        {
          id: 'stalled',
          kind: 'pipeline_hang',
          target: { pipeline: 'sessions' },
          start: '+3h',
          end: '+5h',
          expected: { category: 'timeout', severity: 'P3', action: 'RETRY' },
        },
      ];
    });
    const signals = await watch(scenario, START + 2 * HOUR + 30 * MIN, START + 3 * HOUR + 40 * MIN);
    const stalled = signals.filter((s) => s.kind === 'duration_anomaly' && s.subject.name === 'sessions');
    expect(stalled.length).toBeGreaterThan(0);
    const first = stalled[0]!;
    // Five-minute batches: four of them missed is the bar, counted from the last batch before 03:00.
    expect(first.observedAt).toBeGreaterThan(START + 3 * HOUR + 10 * MIN);
    expect(first.observedAt).toBeLessThanOrEqual(START + 3 * HOUR + 26 * MIN);
    expect(labels(first)).toMatch(/no flow progress for 2\d min \(usually every 5 min\)/);
    // No deadline below it and nothing downstream, yet it does not pass by itself: someone is told.
    const made = makeSignal(first);
    if (!made.ok) throw new Error(made.userMessage);
    const facts = triageFacts(
      summariseIncident([made.value], new DependencyGraph()),
      [made.value],
      first.observedAt,
      {
        repeated: false,
      },
    );
    expect(triageIncident(facts, defaultPolicy().triage)).toMatchObject({
      severity: 'P3',
      reason: expect.stringContaining('stalled'),
    });
  }, 120_000);
});
