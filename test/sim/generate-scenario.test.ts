import { describe, expect, it } from 'vitest';
import { generateScenario } from '../../src/sim/generate-scenario.js';
import { MemorySink } from '../../src/sim/memory-sink.js';
import { runScenario } from '../../src/sim/run-scenario.js';

describe('generateScenario', () => {
  it('builds a valid workspace of hourly jobs with about four tasks each, the same for the same seed', () => {
    const a = generateScenario({ jobs: 300, seed: 9 });
    const b = generateScenario({ jobs: 300, seed: 9 });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(a.jobs).toHaveLength(300);
    const tasks = a.jobs.reduce((n, j) => n + j.tasks.length, 0) / a.jobs.length;
    expect(tasks).toBeGreaterThanOrEqual(3.5);
    expect(tasks).toBeLessThanOrEqual(4.5);
    expect(a.jobs.every((j) => /^0 \d+ \* \* \* \?$/.test(j.schedule?.quartz_cron_expression ?? ''))).toBe(
      true,
    );
    expect(a.baseline.node_timeline).toBe('off');
    expect(JSON.stringify(generateScenario({ jobs: 300, seed: 10 }))).not.toBe(JSON.stringify(a));
  });

  it('adds faults at the requested rate and they validate', () => {
    const s = generateScenario({ jobs: 200, seed: 1, faultRate: 0.2 });
    expect(s.faults.length).toBeGreaterThan(15);
    expect(new Set(s.faults.map((f) => f.id)).size).toBe(s.faults.length);
  });

  it('runs a couple of hours for a few hundred jobs in well under a few seconds', async () => {
    const scenario = generateScenario({ jobs: 200, seed: 2, teams: ['a-team', 'b-team'] });
    const sink = new MemorySink();
    const started = performance.now();
    await runScenario({ scenario, seed: 2, sink, until: Date.parse(scenario.start) + 2 * 3_600_000 });
    expect(performance.now() - started).toBeLessThan(20_000);
    expect(sink.rows('lakeflow.job_run_timeline').length).toBeGreaterThan(200);
    expect(new Set(sink.rows('billing.usage').map((r) => (r.custom_tags as { team: string }).team))).toEqual(
      new Set(['a-team', 'b-team']),
    );
  });
});
