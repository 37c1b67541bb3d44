import { describe, expect, it } from 'vitest';
import {
  monthStart,
  parseCostPeriod,
  splitTrailingPeriod,
  zonedMidnight,
} from '../../../src/agents/analyst/cost-period.js';

/** Wednesday 2026-03-11 15:30 UTC. */
const NOW = Date.parse('2026-03-11T15:30:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

function read(words: string, timeZone = 'UTC') {
  const parsed = parseCostPeriod(words, NOW, timeZone);
  if (!parsed.ok) throw new Error(parsed.userMessage);
  return parsed.value;
}

describe('cost periods, read with the time words of questions', () => {
  it('reads nothing as the past 7 days, compared with the 7 days before', () => {
    const p = read('');
    expect([iso(p.fromMs), iso(p.toMs)]).toEqual(['2026-03-04T15:30:00.000Z', '2026-03-11T15:30:00.000Z']);
    expect([iso(p.previousFromMs), iso(p.previousToMs)]).toEqual([
      '2026-02-25T15:30:00.000Z',
      '2026-03-04T15:30:00.000Z',
    ]);
    expect(p.label).toBe('the past 7 days');
    expect(read('30d').label).toBe('the past 30 days');
    expect(read('last 30 days').label).toBe('the past 30 days');
  });

  it('reads yesterday, this week and last month in the workspace time zone', () => {
    const y = read('yesterday', 'Europe/Berlin');
    expect([iso(y.fromMs), iso(y.toMs), iso(y.previousFromMs)]).toEqual([
      '2026-03-09T23:00:00.000Z',
      '2026-03-10T23:00:00.000Z',
      '2026-03-08T23:00:00.000Z',
    ]);
    expect(iso(read('this week').fromMs)).toBe('2026-03-09T00:00:00.000Z');
    const lastMonth = read('last month');
    expect([iso(lastMonth.fromMs), iso(lastMonth.toMs)]).toEqual([
      '2026-02-01T00:00:00.000Z',
      '2026-03-01T00:00:00.000Z',
    ]);
    expect(lastMonth.previousToMs).toBe(lastMonth.fromMs);
  });

  it("finds days and months at the workspace's midnight, across a daylight saving change", () => {
    // New York springs forward on 2026-03-08: the Monday after starts at 04:00 UTC, Saturday at 05:00.
    const sunday = Date.parse('2026-03-08T12:00:00Z');
    expect(iso(zonedMidnight(sunday, 1, 'America/New_York'))).toBe('2026-03-09T04:00:00.000Z');
    expect(iso(zonedMidnight(sunday, -1, 'America/New_York'))).toBe('2026-03-07T05:00:00.000Z');
    expect(iso(monthStart(NOW, 'Asia/Kolkata'))).toBe('2026-02-28T18:30:00.000Z');
  });

  it('names the periods it knows for one it does not, and refuses more than a year', () => {
    for (const bad of ['fortnight', '0d', '400d', "7d'; DROP TABLE x", 'x'.repeat(10_000)]) {
      const parsed = parseCostPeriod(bad, NOW, 'UTC');
      expect(parsed.ok).toBe(false);
      expect(!parsed.ok && parsed.userMessage).toContain('last month');
      expect(!parsed.ok && parsed.userMessage.length).toBeLessThan(300);
    }
  });
});

describe('the period words at the end of /dbx cost', () => {
  it('takes the longest run of last words that are time words and nothing else', () => {
    expect(splitTrailingPeriod('finance since 6am')).toEqual({ rest: 'finance', period: 'since 6am' });
    expect(splitTrailingPeriod('data-platform 11/20 to 11/21')).toEqual({
      rest: 'data-platform',
      period: '11/20 to 11/21',
    });
    expect(splitTrailingPeriod('cost_center=CC-100 past 2 days')).toEqual({
      rest: 'cost_center=CC-100',
      period: 'past 2 days',
    });
    expect(splitTrailingPeriod('team-x')).toEqual({ rest: 'team-x', period: '' });
    expect(splitTrailingPeriod('finance november so far')).toEqual({
      rest: 'finance',
      period: 'november so far',
    });
    expect(splitTrailingPeriod('marketing since the 1st')).toEqual({
      rest: 'marketing',
      period: 'since the 1st',
    });
    expect(read('in february')).toMatchObject({
      fromMs: Date.parse('2026-02-01T00:00:00Z'),
      toMs: Date.parse('2026-03-01T00:00:00Z'),
    });
  });

  it('leaves words that are no period with the target, and a period it cannot read to be said so', () => {
    expect(splitTrailingPeriod('finance 2 retries')).toEqual({ rest: 'finance 2 retries', period: '' });
    expect(splitTrailingPeriod('finance 31/11').period).toBe('31/11');
    const refused = parseCostPeriod('31/11', NOW, 'UTC');
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.userMessage).toContain('no date of the calendar');
  });

  it('reads a time of day as the hours it bounds', () => {
    expect(read('since 6am')).toMatchObject({ fromMs: Date.parse('2026-03-11T06:00:00Z'), toMs: NOW });
  });

  it('reads only the last words of a 40 kB command for its period', () => {
    const text = `${'finance '.repeat(5_000)}yesterday`;
    expect(splitTrailingPeriod(text).period).toBe('yesterday');
  });
});
