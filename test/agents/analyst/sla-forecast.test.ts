import { describe, expect, it } from 'vitest';
import { forecastSlas, runsOfSlices } from '../../../src/agents/analyst/sla-forecast.js';
import type { SlaPromise } from '../../../src/agents/sla/sla-compliance.js';

const H = 3_600_000;
const M = 60_000;
/** 2026-03-10 00:00 UTC: the day's deadlines are at 06:00 UTC and 09:30 Berlin time (08:30 UTC). */
const DAY = Date.UTC(2026, 2, 10);

const promise = (table: string, deadline: string, writer: string, timezone = 'UTC'): SlaPromise => ({
  table,
  deadline,
  timezone,
  team: 'finance',
  criticality: undefined,
  source: 'job_tag',
  writerJobIds: [writer],
});
const REVENUE = promise('main.finance.revenue', '06:00', 'w1');
const LEDGER = promise('main.finance.ledger', '09:30', 'w2', 'Europe/Berlin');
const NAMES: Record<string, string> = { w1: 'revenue_daily', w2: 'ledger_close', u1: 'orders_ingest' };
const name = (id: string) => NAMES[id] ?? id;

/** A finished run, and a run still going (no result yet). */
const done = (jobId: string, started: number, minutes: number, result = 'SUCCEEDED') => ({
  jobId,
  started,
  ended: started + minutes * M,
  result,
});
const going = (jobId: string, started: number) => ({ jobId, started, ended: null, result: null });
/** Each of the past days' runs of a job, succeeding in `minutes` from `hour`. */
const usual = (jobId: string, hour: number, minutes: number) =>
  [1, 2, 3].map((d) => done(jobId, DAY - d * 24 * H + hour * H, minutes));

const forecast = (nowMs: number, runs: ReturnType<typeof done | typeof going>[], clock?: string) =>
  forecastSlas({
    promises: [REVENUE, LEDGER],
    runs,
    upstreamOf: new Map([['w1', ['u1']]]),
    name,
    nowMs,
    clock,
  }).map((f) => [f.table, f.status, f.evidence]);

describe('forecastSlas', () => {
  it('tells a deadline on time once a writer succeeded before it, and missed once it passed without one', () => {
    const runs = [...usual('w1', 2, 40), done('w1', DAY + 2 * H, 40), ...usual('w2', 5, 60)];
    expect(forecast(DAY + 7 * H, runs, '06:00')).toEqual([
      ['main.finance.revenue', 'on_time', 'refreshed at 02:40 UTC by revenue_daily'],
    ]);
    expect(forecast(DAY + 9 * H, runs.concat(done('w2', DAY + 5 * H, 60, 'FAILED')), '09:30')).toEqual([
      [
        'main.finance.ledger',
        'missed',
        // In the SLA's own zone: 06:00 UTC is 07:00 in Berlin in March.
        'not refreshed by 09:30 Europe/Berlin: ledger_close failed at 07:00 CET',
      ],
    ]);
  });

  it('tells a deadline ahead at risk, with the evidence: the writer failed, runs long, or has not started', () => {
    const history = [...usual('w1', 2, 40), ...usual('u1', 1, 30)];
    const failed = forecast(DAY + 3 * H, [...history, done('w1', DAY + 2 * H, 20, 'FAILED')], '06:00');
    expect(failed).toEqual([
      ['main.finance.revenue', 'at_risk', 'revenue_daily failed at 02:20 UTC; 3 h before 06:00 UTC'],
    ]);
    const long = forecast(DAY + 4 * H, [...history, going('w1', DAY + 2 * H)], '06:00');
    expect(long[0]?.[2]).toBe('revenue_daily has been running 2 h (usually 40 min); 2 h before 06:00 UTC');
    const late = forecast(DAY + 3 * H, history, '06:00');
    expect(late[0]?.[2]).toMatch(/^revenue_daily has not started \(it started at 02:00 UTC the day before\)/);
  });

  it('tells it at risk when a job upstream of the writer failed, and on track when nothing is against it', () => {
    const history = [...usual('w1', 2, 40), ...usual('u1', 1, 30)];
    const upstream = forecast(DAY + 90 * M, [...history, done('u1', DAY + H, 15, 'TIMED_OUT')], '06:00');
    expect(upstream[0]).toEqual([
      'main.finance.revenue',
      'at_risk',
      'upstream orders_ingest timed out at 01:15 UTC; 4 h 30 min before 06:00 UTC',
    ]);
    const calm = forecast(DAY + 90 * M, [...history, done('u1', DAY + H, 30)], '06:00');
    expect(calm[0]?.[1]).toBe('on_track');
  });

  it('keeps only the SLAs due at the clock time asked, each in its own zone, and none for a time no SLA has', () => {
    const runs = [...usual('w1', 2, 40), ...usual('w2', 5, 60)];
    expect(forecast(DAY + H, runs, '09:30').map(([table]) => table)).toEqual(['main.finance.ledger']);
    expect(forecast(DAY + H, runs).map(([table]) => table)).toEqual([
      'main.finance.revenue',
      'main.finance.ledger',
    ]);
    expect(forecast(DAY + H, runs, '07:15')).toEqual([]);
  });
});

describe('runsOfSlices', () => {
  it("makes one run of a run's slices, its result the last slice's, and a run with no result still going", () => {
    const slices = [
      { job_id: 'j', run_id: 'r1', start: 0, end: H, result: null },
      { job_id: 'j', run_id: 'r1', start: H, end: 2 * H, result: 'FAILED' },
      { job_id: 'j', run_id: 'r2', start: 3 * H, end: 4 * H, result: null },
      // The same slice twice, as a page read twice would give it.
      { job_id: 'j', run_id: 'r2', start: 3 * H, end: 4 * H, result: null },
    ];
    expect(runsOfSlices(slices)).toEqual([
      { jobId: 'j', started: 0, ended: 2 * H, result: 'FAILED' },
      { jobId: 'j', started: 3 * H, ended: null, result: null },
    ]);
  });
});
