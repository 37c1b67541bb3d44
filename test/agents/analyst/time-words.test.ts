import { describe, expect, it } from 'vitest';
import {
  describePeriod,
  findPeriod,
  isTimeZone,
  previousPeriod,
  recentPeriod,
} from '../../../src/agents/analyst/time-words.js';

// Wednesday 9 December 2026, 10:30 UTC (11:30 in Berlin, 05:30 in New York).
const NOW = Date.UTC(2026, 11, 9, 10, 30);
const iso = (ms: number) => new Date(ms).toISOString();

function period(text: string, timeZone = 'UTC', nowMs = NOW) {
  const found = findPeriod(text, { nowMs, timeZone });
  if (found === undefined) throw new Error(`no period in "${text}"`);
  return {
    start: iso(found.period.startMs),
    end: iso(found.period.endMs),
    label: found.period.label,
    ...found,
  };
}

describe('findPeriod', () => {
  it('reads "yesterday" as the previous calendar day in the workspace time zone', () => {
    expect(period('what failed yesterday?')).toMatchObject({
      start: '2026-12-08T00:00:00.000Z',
      end: '2026-12-09T00:00:00.000Z',
      rest: 'what failed ?',
    });
    // Berlin is UTC+1 in December: its midnight is 23:00 UTC the day before.
    expect(period('what failed yesterday', 'Europe/Berlin')).toMatchObject({
      start: '2026-12-07T23:00:00.000Z',
      end: '2026-12-08T23:00:00.000Z',
    });
  });

  it("reads a calendar date as that whole local day, last year's when the day is still to come", () => {
    expect(period('spend on 2026-11-20')).toMatchObject({
      start: '2026-11-20T00:00:00.000Z',
      end: '2026-11-21T00:00:00.000Z',
      label: 'on 2026-11-20',
      rest: 'spend',
    });
    expect(period('what failed on Dec 7th', 'Europe/Berlin').start).toBe('2026-12-06T23:00:00.000Z');
    expect(period('failures 3 november').label).toBe('on 2026-11-03');
    expect(period('failures on december 25').label).toBe('on 2025-12-25');
    expect(period('anything fail yday?').label).toBe('yesterday');
    expect(period('spend last wk').label).toBe(period('spend last week').label);
  });

  it('reads no date in numbers beside other words, nor an impossible one', () => {
    expect(findPeriod('top 10 decreasing jobs', { nowMs: NOW, timeZone: 'UTC' })).toBeUndefined();
    expect(findPeriod('spend on 2026-02-30', { nowMs: NOW, timeZone: 'UTC' })).toBeUndefined();
  });

  it('reads "last night" as 18:00 the evening before to 08:00 this morning, local time', () => {
    expect(period('what failed last night', 'Europe/Berlin')).toMatchObject({
      start: '2026-12-08T17:00:00.000Z',
      end: '2026-12-09T07:00:00.000Z',
      rest: 'what failed',
    });
    // At 05:30 in New York the night is not over: it ends now.
    expect(period('failures last night', 'America/New_York')).toMatchObject({
      start: '2026-12-08T23:00:00.000Z',
      end: iso(NOW),
    });
  });

  it('reads "this week" from Monday 00:00 and "last week" as the whole week before', () => {
    expect(period('spend this week')).toMatchObject({ start: '2026-12-07T00:00:00.000Z', end: iso(NOW) });
    expect(period('spend last week')).toMatchObject({
      start: '2026-11-30T00:00:00.000Z',
      end: '2026-12-07T00:00:00.000Z',
    });
  });

  it('reads "since Monday" from the most recent Monday, and today when today is that day', () => {
    expect(period('failures since Monday')).toMatchObject({
      start: '2026-12-07T00:00:00.000Z',
      label: 'since Monday',
    });
    expect(period('failures since wednesday')).toMatchObject({ start: '2026-12-09T00:00:00.000Z' });
    expect(period('failures since Thu')).toMatchObject({ start: '2026-12-03T00:00:00.000Z' });
  });

  it('reads rolling periods in words or digits', () => {
    expect(period('failures in the past 2 days')).toMatchObject({
      start: '2026-12-07T10:30:00.000Z',
      label: 'the past 2 days',
      rest: 'failures',
    });
    expect(period('last 36 hours')).toMatchObject({ start: '2026-12-07T22:30:00.000Z' });
    expect(period('over the last three days')).toMatchObject({ start: '2026-12-06T10:30:00.000Z' });
    expect(period('the past hour')).toMatchObject({ start: '2026-12-09T09:30:00.000Z' });
    expect(period('failures 48h')).toMatchObject({ start: '2026-12-07T10:30:00.000Z' });
  });

  it('reads today, this month and last month at local midnights', () => {
    expect(period('cost today', 'Asia/Tokyo')).toMatchObject({ start: '2026-12-08T15:00:00.000Z' });
    expect(period('cost this month')).toMatchObject({ start: '2026-12-01T00:00:00.000Z' });
    expect(period('cost last month')).toMatchObject({
      start: '2026-11-01T00:00:00.000Z',
      end: '2026-12-01T00:00:00.000Z',
    });
  });

  it('keeps a day whole across a daylight-saving change', () => {
    // Sunday 29 March 2026: Berlin skips 02:00–03:00, so that day lasts 23 hours.
    const monday = Date.UTC(2026, 2, 30, 12);
    const found = period('yesterday', 'Europe/Berlin', monday);
    expect(found).toMatchObject({ start: '2026-03-28T23:00:00.000Z', end: '2026-03-29T22:00:00.000Z' });
  });

  it('finds nothing in a question without time words, and ignores numbers that are names', () => {
    expect(findPeriod('why did orders_etl fail', { nowMs: NOW, timeZone: 'UTC' })).toBeUndefined();
    expect(findPeriod('status of job 42', { nowMs: NOW, timeZone: 'UTC' })).toBeUndefined();
  });

  it('handles a 100 KB question without time words quickly enough to answer', () => {
    const text = 'x'.repeat(100_000);
    expect(findPeriod(text, { nowMs: NOW, timeZone: 'UTC' })).toBeUndefined();
  });
});

describe('previousPeriod and recentPeriod', () => {
  it('gives the period of the same length just before, for "compared with last week"', () => {
    const week = period('this week');
    const before = previousPeriod(week.period);
    expect(before.endMs).toBe(week.period.startMs);
    expect(before.endMs - before.startMs).toBe(week.period.endMs - week.period.startMs);
  });

  it('defaults to a rolling period labelled in words', () => {
    expect(recentPeriod(24, { nowMs: NOW, timeZone: 'UTC' })).toEqual({
      startMs: NOW - 86_400_000,
      endMs: NOW,
      label: 'the past day',
    });
    expect(recentPeriod(168, { nowMs: NOW, timeZone: 'UTC' }).label).toBe('the past 7 days');
  });
});

describe('describePeriod and isTimeZone', () => {
  it('prints the period in the workspace time zone', () => {
    const found = period('yesterday', 'Europe/Berlin');
    expect(describePeriod(found.period, 'Europe/Berlin')).toBe(
      'Tue 8 Dec 00:00 – Wed 9 Dec 00:00 Europe/Berlin',
    );
  });

  it('knows real zones from made-up ones', () => {
    expect(isTimeZone('Europe/Berlin')).toBe(true);
    expect(isTimeZone('Mars/Olympus_Mons')).toBe(false);
  });
});
