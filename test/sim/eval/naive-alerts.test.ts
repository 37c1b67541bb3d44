import { describe, expect, it } from 'vitest';
import { countNaiveAlerts } from '../../../src/sim/eval/naive-alerts.js';
import { MemorySink } from '../../../src/sim/memory-sink.js';
import { runScenario } from '../../../src/sim/run-scenario.js';
import { scenarioWith } from '../fixtures.js';

const START = Date.parse('2026-11-20T00:00:00Z');

describe('countNaiveAlerts', () => {
  it("counts the failed runs of the scored window only, not those of the scenario's history", async () => {
    // The hourly job fails now and then all along: in its two days of history and after its start.
    const scenario = scenarioWith((s) => {
      s.history = { days: 2 };
      s.baseline = { ...s.baseline, failure_rate: 0.2 };
    });
    const end = START + 6 * 3_600_000;
    const sink = new MemorySink();
    await runScenario({ scenario, seed: 5, sink, until: end });
    const failed = (from: number) =>
      sink
        .rows('lakeflow.job_run_timeline')
        .concat(sink.rows('lakeflow.job_task_run_timeline'))
        .filter((r) => ['FAILED', 'TIMED_OUT', 'ERROR', 'SKIPPED'].includes(String(r.result_state)))
        .filter((r) => Number(r.period_end_time) >= from).length;
    expect(failed(0)).toBeGreaterThan(failed(START));
    expect(failed(START)).toBeGreaterThan(0);
    expect(await countNaiveAlerts(scenario, 5, end)).toBe(failed(START));
  });

  it('counts a run its owner cancelled, whose on_failure notification Databricks sends by default', async () => {
    const end = START + 4 * 3_600_000;
    const quiet = scenarioWith((s) => {
      s.baseline = { ...s.baseline, failure_rate: 0 };
    });
    const cancelled = scenarioWith((s) => {
      s.baseline = { ...s.baseline, failure_rate: 0 };
      s.cancellations = [{ job: 'orders_etl', at: '+123m' }];
    });
    const sink = new MemorySink();
    await runScenario({ scenario: cancelled, seed: 5, sink, until: end });
    const ended = (table: 'lakeflow.job_run_timeline' | 'lakeflow.job_task_run_timeline') =>
      sink.rows(table).filter((r) => r.result_state !== null && r.result_state !== 'SUCCEEDED');
    // The 02:00 run, cancelled while it extracts: the run and its extract task end CANCELLED (the two
    // tasks after it never start), a notification each for a job and a task notifying on failure.
    expect(ended('lakeflow.job_run_timeline').map((r) => r.result_state)).toEqual(['CANCELLED']);
    expect(ended('lakeflow.job_task_run_timeline').map((r) => [r.task_key, r.result_state])).toEqual([
      ['extract', 'CANCELLED'],
    ]);
    expect(await countNaiveAlerts(quiet, 5, end)).toBe(0);
    expect(await countNaiveAlerts(cancelled, 5, end)).toBe(2);
  });
});
