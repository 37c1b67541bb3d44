import { describe, expect, it } from 'vitest';
import {
  countSlas,
  judgeSlas,
  SLA_AT_RISK_MINUTES,
  type SlaJob,
  slaPromises,
} from '../../../src/agents/sla/sla-compliance.js';

const at = (iso: string) => Date.parse(iso);
const revenue: SlaJob = {
  jobId: '1',
  name: 'finance_orders_daily',
  tags: { team: 'finance', sla: '06:00', sla_table: 'main.finance.daily_revenue' },
  tablesWritten: ['main.finance.orders', 'main.finance.daily_revenue'],
};
const events: SlaJob = {
  jobId: '2',
  name: 'mkt_events_ingest',
  tags: { team: 'marketing' },
  tablesWritten: ['main.marketing.events'],
};

describe('which SLAs exist', () => {
  it("takes a job's sla tag for the table sla_table names, and every table it writes without one", () => {
    expect(slaPromises([revenue], []).map((p) => [p.table, p.deadline, p.team, p.source])).toEqual([
      ['main.finance.daily_revenue', '06:00', 'finance', 'job_tag'],
    ]);
    const wide = { ...revenue, tags: { team: 'finance', sla: '06:00' } };
    expect(slaPromises([wide], []).map((p) => p.table)).toEqual([
      'main.finance.daily_revenue',
      'main.finance.orders',
    ]);
  });

  it("lets the policy's slas: win for the tables they name, with the team of the table's writer", () => {
    const policy = [
      { table: 'main.finance.daily_revenue', deadline: '05:00', timezone: 'Europe/Berlin' },
      { table: 'main.marketing.events', deadline: '09:00', timezone: 'UTC', criticality: 'high' },
    ];
    expect(slaPromises([revenue, events], policy)).toEqual([
      {
        table: 'main.finance.daily_revenue',
        deadline: '05:00',
        timezone: 'Europe/Berlin',
        team: 'finance',
        criticality: undefined,
        source: 'policy',
        writerJobIds: ['1'],
      },
      {
        table: 'main.marketing.events',
        deadline: '09:00',
        timezone: 'UTC',
        team: 'marketing',
        criticality: 'high',
        source: 'policy',
        writerJobIds: ['2'],
      },
    ]);
  });

  it('ignores a malformed or hostile sla tag, and counts a table listed twice once', () => {
    const bad = ['25:00', '6:00', 'tomorrow', '06:00; DROP TABLE x', '', ' '.repeat(10_000)].map(
      (sla, i): SlaJob => ({ jobId: `b${i}`, tags: { sla }, tablesWritten: ['main.x.t'] }),
    );
    expect(slaPromises(bad, [])).toEqual([]);
    const twice = slaPromises([revenue, { ...revenue, jobId: '9' }], []);
    expect(twice).toHaveLength(1);
    expect(twice[0]?.writerJobIds).toEqual(['1', '9']);
  });
});

describe('whether each deadline was kept', () => {
  const [promise] = slaPromises([revenue], []);
  const day = { from: at('2026-11-21T00:00:00Z'), to: at('2026-11-22T00:00:00Z') };
  // Another job's run: the run history reaches the day, so a deadline without a landing is a miss.
  const history = { jobId: '2', ended: at('2026-11-21T00:10:00Z'), succeeded: true };
  const judge = (runs: Parameters<typeof judgeSlas>[1]) =>
    judgeSlas([promise!], [history, ...runs], day.from, day.to);

  it('is met by a successful run of a writer in the day before it, at risk with under an hour to spare', () => {
    expect(judge([{ jobId: '1', ended: at('2026-11-21T01:45:00Z'), succeeded: true }])).toEqual([
      {
        table: 'main.finance.daily_revenue',
        team: 'finance',
        deadlineAt: at('2026-11-21T06:00:00Z'),
        status: 'met',
        landedAt: at('2026-11-21T01:45:00Z'),
        jobId: '1',
        maxAgeMinutes: null,
        oldestMs: null,
      },
    ]);
    const late = at('2026-11-21T06:00:00Z') - (SLA_AT_RISK_MINUTES - 1) * 60_000;
    expect(judge([{ jobId: '1', ended: late, succeeded: true }])[0]?.status).toBe('at_risk');
  });

  it('is missed when the writer failed, landed after the deadline, or landed the day before the window', () => {
    expect(judge([{ jobId: '1', ended: at('2026-11-21T01:45:00Z'), succeeded: false }])[0]?.status).toBe(
      'missed',
    );
    expect(judge([{ jobId: '1', ended: at('2026-11-21T06:00:01Z'), succeeded: true }])[0]?.status).toBe(
      'missed',
    );
    expect(judge([{ jobId: '1', ended: at('2026-11-20T05:59:00Z'), succeeded: true }])[0]).toMatchObject({
      status: 'missed',
      landedAt: null,
      jobId: '1',
    });
  });

  it('takes the first landing, however often the same run is reported', () => {
    const runs = Array.from({ length: 500 }, (_, i) => ({
      jobId: '1',
      ended: at('2026-11-21T02:00:00Z') + (i % 5) * 60_000,
      succeeded: true,
    }));
    expect(judge(runs)[0]?.landedAt).toBe(at('2026-11-21T02:00:00Z'));
  });

  it('does not judge a deadline the run history does not reach', () => {
    expect(judgeSlas([promise!], [], day.from, day.to)).toEqual([]);
  });

  it('finds the deadline in its own zone: 06:00 in Berlin is 05:00 UTC in winter', () => {
    const [berlin] = slaPromises(
      [revenue],
      [{ table: 'main.finance.daily_revenue', deadline: '06:00', timezone: 'Europe/Berlin' }],
    );
    const verdicts = judgeSlas([berlin!], [history], day.from, day.to);
    expect(verdicts.map((v) => new Date(v.deadlineAt).toISOString())).toEqual(['2026-11-21T05:00:00.000Z']);
  });

  it('counts met, at risk and missed in all and per team, teams alphabetically and no team last', () => {
    const v = (team: string | null, status: 'met' | 'at_risk' | 'missed') => ({
      table: 't',
      team,
      deadlineAt: 0,
      status,
      landedAt: null,
      jobId: null,
    });
    expect(
      countSlas([v(null, 'missed'), v('marketing', 'met'), v('finance', 'at_risk'), v('finance', 'met')]),
    ).toEqual({
      met: 2,
      atRisk: 1,
      missed: 1,
      byTeam: [
        { team: 'finance', met: 1, atRisk: 1, missed: 0 },
        { team: 'marketing', met: 1, atRisk: 0, missed: 0 },
        { team: null, met: 0, atRisk: 0, missed: 1 },
      ],
    });
  });
});

describe('a maximum-age SLA', () => {
  const live: SlaJob = {
    jobId: '9',
    name: 'orders_live_refresh',
    tags: { team: 'sales', sla_max_age: '2h', sla_table: 'main.sales.orders_live' },
    tablesWritten: ['main.sales.orders_live'],
  };
  const day = { from: at('2026-11-21T00:00:00Z'), to: at('2026-11-22T00:00:00Z') };
  const hourly = (hours: readonly number[]) =>
    hours.map((h) => ({ jobId: '9', ended: at('2026-11-21T00:05:00Z') + h * 3_600_000, succeeded: true }));
  const judge = (runs: ReturnType<typeof hourly>) => {
    const yesterday = { jobId: '9', ended: at('2026-11-20T23:05:00Z'), succeeded: true };
    return judgeSlas(slaPromises([live], []), [yesterday, ...runs], day.from, day.to);
  };

  it('is promised by the sla_max_age tag, and the policy takes max_age and warn_after', () => {
    expect(slaPromises([live], []).map((p) => [p.table, p.maxAgeMinutes, p.deadline])).toEqual([
      ['main.sales.orders_live', 120, undefined],
    ]);
    const policy = [{ table: 'main.sales.orders_live', max_age: '1d', warn_after: '20h', timezone: 'UTC' }];
    expect(slaPromises([live], policy)[0]).toMatchObject({ maxAgeMinutes: 1440, warnAfterMinutes: 1200 });
  });

  it('ignores a tag whose age is nonsense, and keeps a deadline when a job states both', () => {
    for (const bad of ['2', 'two hours', '-2h', '0h', '1.5h', '99999d', `${'1h'.repeat(50)}`])
      expect(slaPromises([{ ...live, tags: { sla_max_age: bad } }], [])).toEqual([]);
    const both = { ...live, tags: { sla: '06:00', sla_max_age: '2h' } };
    expect(slaPromises([both], []).map((p) => [p.deadline, p.maxAgeMinutes])).toEqual([['06:00', undefined]]);
  });

  it('is met on a day refreshed every hour, and missed when a gap made the table older than its maximum age', () => {
    const everyHour = hourly(Array.from({ length: 24 }, (_, h) => h));
    expect(judge(everyHour).map((v) => [v.status, v.oldestMs])).toEqual([['met', 3_600_000]]);
    // No refresh from 09:05 to 13:05: 2 h old at 11:05, when it was missed.
    const gap = hourly([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23]);
    expect(judge(gap)).toEqual([
      {
        table: 'main.sales.orders_live',
        team: 'sales',
        deadlineAt: at('2026-11-21T11:05:00Z'),
        status: 'missed',
        landedAt: at('2026-11-21T13:05:00Z'),
        jobId: '9',
        maxAgeMinutes: 120,
        oldestMs: 4 * 3_600_000,
      },
    ]);
  });

  it('is at risk when the table came within a quarter of its maximum age of it', () => {
    // 09:05 to 10:40: 95 min old, within 30 min of 2 h.
    const close = [
      ...hourly([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]),
      { jobId: '9', ended: at('2026-11-21T10:40:00Z'), succeeded: true },
      ...hourly([11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23]),
    ];
    expect(judge(close)[0]?.status).toBe('at_risk');
  });

  it('judges a day the run history begins in from its first refresh, and no day without one', () => {
    const runs = [{ jobId: '9', ended: at('2026-11-21T10:05:00Z'), succeeded: true }];
    expect(judgeSlas(slaPromises([live], []), runs, day.from, day.to)).toMatchObject([
      {
        status: 'missed',
        deadlineAt: at('2026-11-21T12:05:00Z'),
        landedAt: null,
        oldestMs: 13 * 3_600_000 + 55 * 60_000,
      },
    ]);
    expect(judgeSlas(slaPromises([live], []), [], day.from, day.to)).toEqual([]);
  });

  it('is missed while it goes on at the end of the window, with no landing', () => {
    const stopped = hourly([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
    expect(judge(stopped)[0]).toMatchObject({
      status: 'missed',
      deadlineAt: at('2026-11-21T22:05:00Z'),
      landedAt: null,
    });
  });
});
