import { describe, expect, it } from 'vitest';
import { parseCostPeriod, zonedMidnight } from '../../../src/agents/analyst/cost-period.js';

/** Wednesday 2026-03-11 15:30 UTC. */
const NOW = Date.parse('2026-03-11T15:30:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

function read(words: string, timeZone = 'UTC') {
  const parsed = parseCostPeriod(words, NOW, timeZone);
  if (!parsed.ok) throw new Error(parsed.userMessage);
  return parsed.value;
}

describe('cost periods in the workspace time zone', () => {
  it('reads the last N days as whole calendar days up to now, against as long a stretch before', () => {
    const p = read('7d');
    expect([iso(p.fromMs), iso(p.toMs)]).toEqual(['2026-03-05T00:00:00.000Z', '2026-03-11T15:30:00.000Z']);
    expect(p.previousToMs).toBe(p.fromMs);
    expect(p.fromMs - p.previousFromMs).toBe(p.toMs - p.fromMs);
    expect(read('').label).toBe('last 7 days');
    expect(read('last 30 days').label).toBe('last 30 days');
  });

  it('reads yesterday, weeks from Monday and months from the first, whole against whole', () => {
    const y = read('yesterday');
    expect([iso(y.fromMs), iso(y.toMs), iso(y.previousFromMs)]).toEqual([
      '2026-03-10T00:00:00.000Z',
      '2026-03-11T00:00:00.000Z',
      '2026-03-09T00:00:00.000Z',
    ]);
    expect(iso(read('this week').fromMs)).toBe('2026-03-09T00:00:00.000Z');
    const lastWeek = read('last week');
    expect([iso(lastWeek.fromMs), iso(lastWeek.toMs)]).toEqual([
      '2026-03-02T00:00:00.000Z',
      '2026-03-09T00:00:00.000Z',
    ]);
    const lastMonth = read('last month');
    expect([iso(lastMonth.fromMs), iso(lastMonth.toMs), iso(lastMonth.previousFromMs)]).toEqual([
      '2026-02-01T00:00:00.000Z',
      '2026-03-01T00:00:00.000Z',
      '2026-01-01T00:00:00.000Z',
    ]);
    const thisMonth = read('this month');
    expect(thisMonth.previousToMs - thisMonth.previousFromMs).toBe(thisMonth.toMs - thisMonth.fromMs);
  });

  it("starts days at the workspace's midnight, across a daylight saving change", () => {
    expect(iso(read('yesterday', 'Europe/Berlin').fromMs)).toBe('2026-03-09T23:00:00.000Z');
    // New York springs forward on 2026-03-08: that Monday starts at 04:00 UTC, the Sunday before at 05:00.
    expect(iso(zonedMidnight(2026, 3, 9, 'America/New_York'))).toBe('2026-03-09T04:00:00.000Z');
    expect(iso(zonedMidnight(2026, 3, 7, 'America/New_York'))).toBe('2026-03-07T05:00:00.000Z');
    expect(iso(read('this week', 'Asia/Kolkata').fromMs)).toBe('2026-03-08T18:30:00.000Z');
  });

  it('names the periods it knows for one it does not, and refuses more than a year of days', () => {
    for (const bad of ['fortnight', '0d', '400d', "7d'; DROP TABLE x", 'x'.repeat(10_000)]) {
      const parsed = parseCostPeriod(bad, NOW, 'UTC');
      expect(parsed.ok).toBe(false);
      expect(!parsed.ok && parsed.userMessage).toContain('last month');
      expect(!parsed.ok && parsed.userMessage.length).toBeLessThan(300);
    }
  });
});
