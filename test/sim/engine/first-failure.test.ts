import { describe, expect, it } from 'vitest';
import { findFirstFailure } from '../../../src/sim/engine/first-failure.js';
import { loadScenario } from '../../../src/sim/scenario/load-scenario.js';
import { scenarioWith } from '../fixtures.js';

const HOUR = 3_600_000;

describe('findFirstFailure', () => {
  it("finds the demo's nightly extract timing out, the first failure a newcomer sees", async () => {
    const demo = await loadScenario('scenarios/demo.yaml');
    const first = findFirstFailure(demo, 42, 12 * HOUR);
    const start = Date.parse(demo.start);
    expect(first?.jobName).toBe('finance_orders_daily');
    // Scheduled at 01:00, its extract hits the 45-minute timeout.
    expect(first?.at).toBeGreaterThan(start + 1.75 * HOUR);
    expect(first?.at).toBeLessThan(start + 2 * HOUR);
  });

  it('gives the same answer for the same seed', async () => {
    const demo = await loadScenario('scenarios/demo.yaml');
    expect(findFirstFailure(demo, 7, 12 * HOUR)).toEqual(findFirstFailure(demo, 7, 12 * HOUR));
  });

  it('finds nothing in a workspace without faults, or before the window ends', async () => {
    expect(
      findFirstFailure(
        scenarioWith(() => {}),
        1,
        6 * HOUR,
      ),
    ).toBeUndefined();
    const demo = await loadScenario('scenarios/demo.yaml');
    expect(findFirstFailure(demo, 42, HOUR)).toBeUndefined();
  });

  it('passes over a run its owner cancelled: nothing failed', () => {
    const scenario = scenarioWith((s) => {
      s.cancellations = [{ job: 'orders_etl', at: '+62m' }];
    });
    expect(findFirstFailure(scenario, 1, 6 * HOUR)).toBeUndefined();
  });
});
