import { describe, expect, it } from 'vitest';
import { detectSlaBreaches } from '../../../src/agents/detector/detect-sla.js';
import { type TableSla, tableSlaSchema } from '../../../src/agents/detector/observations.js';
import { HOUR, MIN, run, WS } from './observation-factory.js';

// 06:00 in Berlin on 2026-11-20 is 05:00 UTC (CET, +01:00).
const DEADLINE = Date.UTC(2026, 10, 20, 5, 0);

function sla(overrides: Partial<TableSla> = {}): TableSla {
  return tableSlaSchema.parse({
    workspaceId: WS,
    table: 'main.mart.daily_revenue',
    deadline: '06:00',
    timezone: 'Europe/Berlin',
    upstreamJobIds: ['684914303928317'],
    team: 'finance',
    lastRefreshedAt: DEADLINE - 25 * HOUR,
    ...overrides,
  });
}

const upstreamRunning = run({
  runId: 'u1',
  lifeCycleState: 'RUNNING',
  resultState: undefined,
  startTime: DEADLINE - 3 * HOUR,
  endTime: undefined,
});

describe('detectSlaBreaches', () => {
  it('reports a table not refreshed by its deadline in its own time zone', () => {
    const out = detectSlaBreaches([sla()], [], DEADLINE + 10 * MIN);
    expect(out.signals).toHaveLength(1);
    expect(out.signals[0]).toMatchObject({
      kind: 'sla_missed',
      subject: { type: 'table', id: 'main.mart.daily_revenue' },
      occurredAt: DEADLINE,
      metrics: { deadline: DEADLINE, minutesLate: 10 },
    });
  });

  it('is satisfied by a refresh after the previous deadline', () => {
    expect(
      detectSlaBreaches([sla({ lastRefreshedAt: DEADLINE - HOUR })], [], DEADLINE + 10 * MIN).signals,
    ).toEqual([]);
  });

  it('reports the same miss with the same id on every poll until the next deadline', () => {
    const a = detectSlaBreaches([sla()], [], DEADLINE + 10 * MIN);
    const b = detectSlaBreaches([sla()], [], DEADLINE + 5 * HOUR);
    expect(b.signals.map((s) => s.id)).toEqual(a.signals.map((s) => s.id));
  });

  it('reports SLA at risk while an upstream run is still going as the deadline nears', () => {
    const early = detectSlaBreaches([sla()], [upstreamRunning], DEADLINE - 2 * HOUR);
    expect(early.signals).toEqual([]);
    const out = detectSlaBreaches([sla()], [upstreamRunning], DEADLINE - 30 * MIN);
    expect(out.signals).toHaveLength(1);
    expect(out.signals[0]).toMatchObject({
      kind: 'sla_at_risk',
      metrics: { minutesLeft: 30, deadline: DEADLINE },
    });
  });

  it('reports SLA at risk when an upstream run failed, and not when it succeeded', () => {
    const failed = run({
      runId: 'u2',
      resultState: 'FAILED',
      startTime: DEADLINE - 3 * HOUR,
      endTime: DEADLINE - 2 * HOUR,
    });
    const ok = run({ runId: 'u3', startTime: DEADLINE - 3 * HOUR, endTime: DEADLINE - 2 * HOUR });
    expect(detectSlaBreaches([sla()], [failed], DEADLINE - 30 * MIN).signals.map((s) => s.kind)).toEqual([
      'sla_at_risk',
    ]);
    expect(detectSlaBreaches([sla()], [ok], DEADLINE - 30 * MIN).signals).toEqual([]);
  });

  it('computes the deadline across a DST change (New York, 2026-03-08)', () => {
    const s = sla({
      timezone: 'America/New_York',
      deadline: '06:00',
      lastRefreshedAt: Date.UTC(2026, 2, 6, 12),
    });
    // 06:00 EDT on 8 March is 10:00 UTC.
    const out = detectSlaBreaches([s], [], Date.UTC(2026, 2, 8, 10, 5));
    expect(out.signals[0]!.metrics.deadline).toBe(Date.UTC(2026, 2, 8, 10, 0));
  });

  it('refuses a malformed deadline or time zone at the boundary', () => {
    expect(
      tableSlaSchema.safeParse({ workspaceId: WS, table: 't', deadline: '25:00', timezone: 'UTC' }).success,
    ).toBe(false);
    expect(
      tableSlaSchema.safeParse({ workspaceId: WS, table: 't', deadline: '06:00', timezone: 'Mars/Olympus' })
        .success,
    ).toBe(false);
  });

  it('skips one SLA with odd data and judges the rest', () => {
    const odd = { ...sla({ table: 'main.mart.odd' }), timezone: 'Not/AZone' };
    const out = detectSlaBreaches([odd, sla()], [], DEADLINE + 10 * MIN);
    expect(out.skipped.map((s) => s.subject)).toEqual(['table:main.mart.odd']);
    expect(out.signals.map((s) => s.subject.id)).toEqual(['main.mart.daily_revenue']);
  });
});
