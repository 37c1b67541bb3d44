import { describe, expect, it } from 'vitest';
import { costPeriodsOf } from '../../../src/agents/collector/cost-periods.js';
import { costObservationSchema } from '../../../src/agents/detector/observations.js';

const WS = '1234567890123456';
const H9 = '2026-11-04T09:00:00.000Z';
const H10 = '2026-11-04T10:00:00.000Z';
const row = (team: unknown, period: unknown, type: unknown, id: unknown, usd: unknown) => ({
  team: team as string,
  period_start: period as string,
  resource_type: type as string,
  resource_id: id as string,
  usd: usd as number,
});

describe('costPeriodsOf', () => {
  it("adds a team's rows of one period up, and keeps what each warehouse, job, pipeline or cluster spent", () => {
    const periods = costPeriodsOf(
      [
        row('platform', H9, 'warehouse', 'wh-bi', 30),
        row('platform', H9, 'warehouse', 'wh-adhoc', 4),
        row('platform', H9, 'job', '42', 1.5),
        row('platform', H10, 'warehouse', 'wh-bi', 2),
        row('recs', H9, 'pipeline', 'p-emb', 8),
        row('recs', H9, 'cluster', '0101-shared', 3),
      ],
      WS,
      'hour',
    );
    expect(periods).toEqual([
      {
        workspaceId: WS,
        team: 'platform',
        periodStart: Date.parse(H9),
        granularity: 'hour',
        usd: 35.5,
        resources: [
          { type: 'warehouse', id: 'wh-bi', usd: 30 },
          { type: 'warehouse', id: 'wh-adhoc', usd: 4 },
          { type: 'job', id: '42', usd: 1.5 },
        ],
      },
      expect.objectContaining({ team: 'platform', periodStart: Date.parse(H10), usd: 2 }),
      expect.objectContaining({
        team: 'recs',
        usd: 11,
        resources: [
          { type: 'pipeline', id: 'p-emb', usd: 8 },
          { type: 'cluster', id: '0101-shared', usd: 3 },
        ],
      }),
    ]);
    for (const p of periods) expect(costObservationSchema.safeParse(p).success).toBe(true);
  });

  it('adds up to the same totals, in the same order, whatever order the warehouse returns the rows in', () => {
    // Added left to right these come to 6.4058735 less a hair, right to left to a hair more.
    const rows = [
      row('recs', H10, 'job', '1', 1.0289065),
      row('recs', H10, 'job', '2', 1.5233546),
      row('recs', H10, 'job', '3', 3.8536124),
      row('ads', H9, 'job', '4', 1),
    ];
    const forwards = costPeriodsOf(rows, WS, 'hour');
    expect(costPeriodsOf([...rows].reverse(), WS, 'hour')).toEqual(forwards);
    expect(forwards.map((p) => p.team)).toEqual(['ads', 'recs']);
  });

  it('counts usage that names no resource in the total only', () => {
    const [period] = costPeriodsOf([row('ads', H9, null, null, 5), row('ads', H9, 'job', '7', 2)], WS, 'day');
    expect(period).toMatchObject({ usd: 7, resources: [{ type: 'job', id: '7', usd: 2 }] });
  });

  it('keeps the spend and drops the breakdown of a hostile or malformed resource', () => {
    const [period] = costPeriodsOf(
      [
        row('ads', H9, 'job', 'x'.repeat(10_000), 5),
        row('ads', H9, 'notebook', 'n-1', 1),
        row('ads', H9, 'warehouse', '', 1),
        row('ads', H9, { type: 'job' }, '7', 1),
      ],
      WS,
      'hour',
    );
    expect(period).toMatchObject({ usd: 8, resources: [] });
    expect(costObservationSchema.safeParse(period).success).toBe(true);
  });

  it('leaves out rows with no team or period, and never spends below zero after a retraction', () => {
    const periods = costPeriodsOf(
      [
        row(null, H9, 'job', '1', 5),
        row('ads', 'not a time', 'job', '1', 5),
        row('ads', H9, 'job', '1', 3),
        row('ads', H9, 'job', '1', -4),
        row('ads', H9, 'job', '2', 'NaN'),
      ],
      WS,
      'hour',
    );
    expect(periods).toEqual([expect.objectContaining({ team: 'ads', usd: 0, resources: [] })]);
  });

  it('names at most the twenty biggest resources of a period, however many jobs a team runs', () => {
    const rows = Array.from({ length: 500 }, (_, i) => row('ads', H9, 'job', String(i), i + 1));
    const [period] = costPeriodsOf([...rows, ...rows], WS, 'hour');
    expect(period!.resources).toHaveLength(20);
    expect(period!.resources[0]).toEqual({ type: 'job', id: '499', usd: 1000 });
    expect(period!.usd).toBe(250_500);
    expect(costObservationSchema.safeParse(period).success).toBe(true);
  });
});
