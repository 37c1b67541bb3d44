import { describe, expect, it } from 'vitest';
import { detectCostProblems } from '../../../src/agents/detector/detect-cost.js';
import { type CostObservation, costObservationSchema } from '../../../src/agents/detector/observations.js';
import { DAY, thresholds, WS } from './observation-factory.js';

const NOV1 = Date.UTC(2026, 10, 1);
const cost = (day: number, usd: number, team = 'data-eng'): CostObservation =>
  costObservationSchema.parse({ workspaceId: WS, team, periodStart: NOV1 + day * DAY, usd });
const usualDays = (n: number, team = 'data-eng') =>
  Array.from({ length: n }, (_, d) => cost(d, 100 + (d % 3) * 5, team));

describe('detectCostProblems', () => {
  it('reports a team spending cost_anomaly_ratio × its trailing median', () => {
    const out = detectCostProblems([...usualDays(10), cost(10, 240)], [], thresholds(), NOV1 + 11 * DAY);
    expect(out.signals).toHaveLength(1);
    expect(out.signals[0]).toMatchObject({
      kind: 'cost_anomaly',
      subject: { type: 'team', id: 'data-eng' },
      metrics: { usd: 240, baselineUsd: 105, ratio: 2.29 },
      costUsd: 135,
    });
  });

  it('judges the newest whole period, not the one still being billed', () => {
    // Day 10 spiked; day 11 has barely begun billing when the detector runs.
    const out = detectCostProblems(
      [...usualDays(10), cost(10, 240), cost(11, 3)],
      [],
      thresholds(),
      NOV1 + 11 * DAY + 2 * 3_600_000,
    );
    expect(out.signals.map((s) => [s.kind, s.occurredAt])).toEqual([['cost_anomaly', NOV1 + 10 * DAY]]);
  });

  it('reports a spike while its day is still running, as soon as what it billed beats a whole usual day', () => {
    // A bad deploy at 08:00 multiplied the cluster sizes: by 14:00 the day has billed 2.4 usual days.
    const early = detectCostProblems(
      [...usualDays(10), cost(10, 240)],
      [],
      thresholds(),
      NOV1 + 10 * DAY + 14 * 3_600_000,
    );
    expect(early.signals.map((s) => [s.kind, s.occurredAt, s.metrics.usd])).toEqual([
      ['cost_anomaly', NOV1 + 10 * DAY, 240],
    ]);
    // Judged again once the day is whole, it is the same signal: reported once.
    const whole = detectCostProblems([...usualDays(10), cost(10, 400)], [], thresholds(), NOV1 + 11 * DAY);
    expect(whole.signals.map((s) => s.id)).toEqual(early.signals.map((s) => s.id));
  });

  it('reports an afternoon spike within the hour, against the same hours of the days before', () => {
    const HOUR = 3_600_000;
    // Ten ordinary days: $3 an hour around the clock, $72 a day. From 17:00 on day 10, $20 an hour.
    const rows: CostObservation[] = [];
    for (let h = 0; h < 10 * 24 + 19; h++) {
      const usd = h >= 10 * 24 + 17 ? 20 : 3;
      rows.push(
        costObservationSchema.parse({
          workspaceId: WS,
          team: 'data-eng',
          periodStart: NOV1 + h * HOUR,
          granularity: 'hour',
          usd,
        }),
      );
    }
    const days = Array.from({ length: 11 }, (_, d) =>
      cost(
        d,
        rows
          .filter((r) => r.periodStart >= NOV1 + d * DAY && r.periodStart < NOV1 + (d + 1) * DAY)
          .reduce((a, r) => a + r.usd, 0),
      ),
    );
    // By 19:00 the day has billed $51 + $40 = $91 (the hour still running is left out): 1.6× the usual
    // $57 by 19:00, though less than 1.5 whole usual days — against which it would wait for midnight.
    const now = NOV1 + 10 * DAY + 19 * HOUR + 10 * 60_000;
    const out = detectCostProblems([...rows, ...days], [], thresholds(), now);
    const daily = out.signals.filter((s) => s.occurredAt === NOV1 + 10 * DAY);
    expect(daily.map((s) => s.metrics)).toEqual([
      { usd: 91, baselineUsd: 57, ratio: 1.6, periods: 10, periodHours: 24 },
    ]);
    expect(daily[0]!.evidence[0]!.label).toBe(
      'Spent $91 by 2026-11-11 19:00 UTC in the day from 2026-11-11 00:00 UTC, 1.6× the usual $57 by that hour',
    );
  });

  it('reports an hour that beats a whole usual hour before the hour ends', () => {
    const HOUR = 3_600_000;
    const hour = (h: number, usd: number) =>
      costObservationSchema.parse({
        workspaceId: WS,
        team: 'data-eng',
        periodStart: NOV1 + h * HOUR,
        granularity: 'hour',
        usd,
      });
    const usual = Array.from({ length: 12 }, (_, h) => hour(h, 20 + (h % 3)));
    const out = detectCostProblems(
      [...usual, hour(12, 90)],
      [],
      thresholds(),
      NOV1 + 12 * HOUR + 20 * 60_000,
    );
    expect(out.signals.map((s) => [s.kind, s.occurredAt])).toEqual([['cost_anomaly', NOV1 + 12 * HOUR]]);
  });

  describe('judges an hour against the same hour of earlier days', () => {
    const HOUR = 3_600_000;
    // A BI warehouse that bills $20 an hour from 08:00 to 18:00 and nothing at night, for eight days.
    const businessHours = (days: number, usdAt: (day: number, hour: number) => number) =>
      Array.from({ length: days * 24 }, (_, h) =>
        costObservationSchema.parse({
          workspaceId: WS,
          team: 'platform',
          periodStart: NOV1 + h * HOUR,
          granularity: 'hour',
          usd: usdAt(Math.floor(h / 24), h % 24),
        }),
      );
    const usual = (_day: number, hour: number) => (hour >= 8 && hour < 18 ? 20 : 0);

    it('does not call the first hour of every working day a spike against the quiet night before it', () => {
      const rows = businessHours(8, usual).filter((r) => r.periodStart <= NOV1 + 7 * DAY + 10 * HOUR);
      const out = detectCostProblems(rows, [], thresholds(), NOV1 + 7 * DAY + 10 * HOUR + 5 * 60_000);
      expect(out.signals).toEqual([]);
    });

    it('still reports an hour far above the same hour of the days before', () => {
      const rows = businessHours(8, (day, hour) => (day === 7 && hour === 9 ? 80 : usual(day, hour))).filter(
        (r) => r.periodStart <= NOV1 + 7 * DAY + 10 * HOUR,
      );
      const out = detectCostProblems(rows, [], thresholds(), NOV1 + 7 * DAY + 10 * HOUR + 5 * 60_000);
      expect(out.signals.map((s) => [s.occurredAt, s.metrics.baselineUsd, s.metrics.usd])).toEqual([
        [NOV1 + 7 * DAY + 9 * HOUR, 20, 80],
      ]);
    });

    it('judges against the hours just before while fewer days than min_history_runs lie behind', () => {
      const rows = businessHours(2, (day, hour) => (day === 1 && hour === 12 ? 80 : 20)).filter(
        (r) => r.periodStart <= NOV1 + DAY + 12 * HOUR,
      );
      const out = detectCostProblems(rows, [], thresholds(), NOV1 + DAY + 12 * HOUR + 5 * 60_000);
      expect(out.signals.map((s) => [s.occurredAt, s.metrics.baselineUsd])).toEqual([
        [NOV1 + DAY + 12 * HOUR, 20],
      ]);
    });
  });

  describe('names the warehouse or job that carries a rise', () => {
    const HOUR = 3_600_000;
    type Parts = Record<string, number>;
    // A platform team's usual hour: $6 on the BI warehouse, $2 on the ad-hoc one, $1 on a maintenance job.
    const usualHour: Parts = { 'warehouse:wh-bi': 6, 'warehouse:wh-adhoc': 2, 'job:77': 1 };
    const hourOf = (h: number, parts: Parts) =>
      costObservationSchema.parse({
        workspaceId: WS,
        team: 'platform',
        periodStart: NOV1 + h * HOUR,
        granularity: 'hour',
        usd: Object.values(parts).reduce((a, b) => a + b, 0),
        resources: Object.entries(parts).map(([key, usd]) => {
          const [type, id] = key.split(':');
          return { type, id, usd };
        }),
      });
    const dayOf = (rows: readonly CostObservation[], d: number) =>
      costObservationSchema.parse({
        workspaceId: WS,
        team: 'platform',
        periodStart: NOV1 + d * DAY,
        granularity: 'day',
        usd: rows
          .filter((r) => r.periodStart >= NOV1 + d * DAY && r.periodStart < NOV1 + (d + 1) * DAY)
          .reduce((a, r) => a + r.usd, 0),
      });
    /** Ten usual days, then day 10 with `spike` from 18:00, judged at 21:10. */
    const judge = (spike: Parts) => {
      const hours = Array.from({ length: 10 * 24 + 21 }, (_, h) =>
        hourOf(h, h >= 10 * 24 + 18 ? { ...usualHour, ...spike } : usualHour),
      );
      const days = Array.from({ length: 11 }, (_, d) => dayOf(hours, d));
      return detectCostProblems(
        [...hours, ...days],
        [],
        thresholds(),
        NOV1 + 10 * DAY + 21 * HOUR + 10 * 60_000,
      ).signals;
    };

    it('puts a warehouse left running on that warehouse, hour by hour and for the day so far', () => {
      const signals = judge({ 'warehouse:wh-adhoc': 60 });
      expect(signals.length).toBeGreaterThan(0);
      for (const s of signals) {
        expect(s.refs).toEqual({ team: 'platform', warehouseId: 'wh-adhoc' });
        expect(s.evidence[1]?.label).toMatch(
          /^Most of the rise is on warehouse wh-adhoc: \$\d+ against its usual \$\d+$/,
        );
      }
      const day = signals.find((s) => s.metrics.periodHours === 24);
      // By 21:00 the ad-hoc warehouse spent 18 × $2 + 3 × $60, where 21 of its usual hours come to $42.
      expect(day?.metrics).toMatchObject({ resourceUsd: 216, resourceBaselineUsd: 42 });
      const hour = signals.find((s) => s.occurredAt === NOV1 + 10 * DAY + 18 * HOUR);
      expect(hour?.metrics).toMatchObject({ periodHours: 1, resourceUsd: 60, resourceBaselineUsd: 2 });
    });

    it('puts a job run on clusters far wider than usual on that job', () => {
      const signals = judge({ 'job:77': 40 });
      expect(signals.length).toBeGreaterThan(0);
      expect(signals.every((s) => s.refs.jobId === '77' && s.refs.warehouseId === undefined)).toBe(true);
    });

    it('names nothing when the rise is spread over many resources, none carrying most of it', () => {
      const spread: Parts = {};
      for (let i = 0; i < 8; i++) spread[`job:${100 + i}`] = 4;
      const signals = judge(spread);
      expect(signals.length).toBeGreaterThan(0);
      for (const s of signals) {
        expect(s.refs).toEqual({ team: 'platform' });
        expect(s.metrics.resourceUsd).toBeUndefined();
        expect(s.evidence).toHaveLength(1);
      }
    });

    it('names nothing for spend whose usage names no resource', () => {
      const hours = Array.from({ length: 30 }, (_, h) =>
        costObservationSchema.parse({
          workspaceId: WS,
          team: 'platform',
          periodStart: NOV1 + h * HOUR,
          granularity: 'hour',
          usd: h === 29 ? 90 : 9,
        }),
      );
      const [signal] = detectCostProblems(hours, [], thresholds(), NOV1 + 29 * HOUR + 20 * 60_000).signals;
      expect(signal?.refs).toEqual({ team: 'platform' });
    });
  });

  it('reports a spike from days ago on a fresh start, once per anomalous day within the week', () => {
    const out = detectCostProblems(
      [...usualDays(10), cost(10, 260), cost(11, 250), ...[12, 13, 14].map((d) => cost(d, 104))],
      [],
      thresholds(),
      NOV1 + 15 * DAY,
    );
    expect(out.signals.map((s) => s.occurredAt)).toEqual([NOV1 + 10 * DAY, NOV1 + 11 * DAY]);
    expect(new Set(out.signals.map((s) => s.dedupKey)).size).toBe(2);
  });

  it('does not call a rise of a few dollars an anomaly, however large the ratio', () => {
    const hour = (h: number, usd: number) =>
      costObservationSchema.parse({
        workspaceId: WS,
        team: 'finance',
        granularity: 'hour',
        periodStart: NOV1 + h * 3_600_000,
        usd,
      });
    const cheap = [1.5, 2.7, 2.1, 2.7, 2.4].map((usd, h) => hour(h, usd));
    const now = NOV1 + 6 * 3_600_000;
    expect(detectCostProblems([...cheap, hour(5, 3.8)], [], thresholds(), now).signals).toEqual([]);
    expect(
      detectCostProblems([...cheap, hour(5, 3.8)], [], thresholds({ cost_anomaly_min_usd: 1 }), now).signals,
    ).toHaveLength(1);
  });

  it('stays quiet for a normal day and without enough history', () => {
    expect(
      detectCostProblems([...usualDays(10), cost(10, 120)], [], thresholds(), NOV1 + 11 * DAY).signals,
    ).toEqual([]);
    expect(
      detectCostProblems([...usualDays(3), cost(3, 900)], [], thresholds(), NOV1 + 4 * DAY).signals,
    ).toEqual([]);
  });

  it('adds up several rows of one day (several SKUs) before judging', () => {
    const out = detectCostProblems(
      [...usualDays(10), cost(10, 80), cost(10, 80)],
      [],
      thresholds(),
      NOV1 + 11 * DAY,
    );
    expect(out.signals[0]!.metrics.usd).toBe(160);
  });

  it('reports a budget exceeded once per team and month', () => {
    const days = usualDays(12);
    const budgets = [
      { team: 'data-eng', monthlyUsd: 1_000 },
      { team: 'bi', monthlyUsd: 1_000 },
    ];
    const a = detectCostProblems(days, budgets, thresholds(), NOV1 + 12 * DAY);
    const b = detectCostProblems(days, budgets, thresholds(), NOV1 + 13 * DAY);
    expect(a.signals.map((s) => [s.kind, s.subject.id])).toEqual([['budget_exceeded', 'data-eng']]);
    expect(b.signals.map((s) => s.id)).toEqual(a.signals.map((s) => s.id));
  });

  it('ignores last month for the budget', () => {
    const october = Array.from({ length: 20 }, (_, d) => cost(-d - 1, 100));
    expect(
      detectCostProblems(october, [{ team: 'data-eng', monthlyUsd: 500 }], thresholds(), NOV1 + DAY).signals,
    ).toEqual([]);
  });

  it('refuses negative or non-finite spend at the boundary', () => {
    expect(
      costObservationSchema.safeParse({ workspaceId: WS, team: 'x', periodStart: 0, usd: -1 }).success,
    ).toBe(false);
    expect(
      costObservationSchema.safeParse({ workspaceId: WS, team: 'x', periodStart: 0, usd: Infinity }).success,
    ).toBe(false);
  });
});
