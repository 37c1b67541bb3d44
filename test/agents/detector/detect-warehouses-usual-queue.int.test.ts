import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCollectorCache } from '../../../src/agents/collector/collector-cache.js';
import { pollSystemTables } from '../../../src/agents/collector/poll-system-tables.js';
import { detectWarehouseProblems } from '../../../src/agents/detector/detect-warehouses.js';
import { defaultPolicy } from '../../../src/config/policy.js';
import type { ScenarioInput } from '../../../src/sim/scenario/schema.js';
import { scenarioWith } from '../../sim/fixtures.js';
import { type Harness, startHarness } from '../collector/collector-harness.js';

const START = Date.parse('2026-11-20T00:00:00Z');
const SECOND = 1_000;
const MIN = 60_000;
const HOUR = 3_600_000;

/**
 * A control room's one-cluster warehouse: on every half hour of its working day two dashboards submit
 * 22 statements for its ten slots, so a dozen wait at capacity for a while, every day at that hour.
 * An outage storms it from 09:00 to 10:00 on the scored day.
 */
function controlRoom(change: (s: ScenarioInput) => void = () => {}) {
  return scenarioWith((s) => {
    s.duration_hours = 12;
    s.warehouses = [
      {
        name: 'ops',
        team: 'finance',
        owner: 'alice@example.com',
        max_clusters: 1,
        auto_stop_mins: 45,
        business_hours: [6, 18],
        load: {
          concurrency_per_cluster: 10,
          dashboards: [
            {
              name: 'outage-map',
              refresh_minutes: 30,
              queries: 12,
              duration: { mean_seconds: 40, jitter: 0.2 },
            },
            {
              name: 'feeders',
              refresh_minutes: 30,
              queries: 10,
              duration: { mean_seconds: 40, jitter: 0.2 },
            },
          ],
        },
      },
    ];
    s.faults = [
      {
        id: 'storm',
        kind: 'query_storm',
        target: { warehouse: 'ops' },
        start: '+9h',
        end: '+10h',
        factor: 40,
        expected: { category: 'capacity', severity: 'P3', action: 'RETRY_WITH_NEW_PARAMS' },
      },
    ];
    change(s);
  });
}

/** The warehouse as a poll at `at` observes it, and what the warehouse detector makes of it. */
async function pollAt(h: Harness, at: number) {
  await h.advanceTo(at);
  const polled = await pollSystemTables(h.deps, createCollectorCache(), {
    sources: ['query_history', 'warehouse_events'],
  });
  const ops = polled.warehouses.filter((w) => w.name === 'ops');
  const found = detectWarehouseProblems(ops, defaultPolicy().thresholds, at).signals;
  return { observed: ops[0], kinds: found.map((s) => s.kind) };
}

describe('queueing judged against the warehouse’s own history', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(controlRoom((s) => (s.history = { days: 5 })));
  });
  afterAll(async () => {
    await h.close();
  });

  it('raises nothing for the queue the warehouse has at this hour every day', async () => {
    const { observed, kinds } = await pollAt(h, START + 7.5 * HOUR + 5 * SECOND);
    expect(observed?.queuedQueries).toBeGreaterThanOrEqual(10);
    expect(observed?.usualQueue?.days).toBe(5);
    expect(kinds).toEqual([]);
  });

  it('still raises queueing for a storm well beyond its usual queue', async () => {
    const { observed, kinds } = await pollAt(h, START + 9 * HOUR + 10 * MIN);
    expect(observed?.queuedQueries).toBeGreaterThan(2 * (observed?.usualQueue?.queuedQueries ?? 0));
    expect(kinds).toEqual(['warehouse_queueing']);
  });
});

describe('queueing on a warehouse without history', () => {
  it('is judged as it stands: the same daily queue is reported', async () => {
    const h = await startHarness(controlRoom());
    try {
      const { observed, kinds } = await pollAt(h, START + 7.5 * HOUR + 5 * SECOND);
      expect(observed?.queuedQueries).toBeGreaterThanOrEqual(10);
      expect(observed?.usualQueue).toBeUndefined();
      expect(kinds).toEqual(['warehouse_queueing']);
    } finally {
      await h.close();
    }
  });
});
