import { describe, expect, it } from 'vitest';
import {
  describePeriod,
  findComparedPeriods,
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
  if (found === undefined || 'problem' in found) throw new Error(`no period in "${text}"`);
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

  it('reads no date in numbers beside other words', () => {
    expect(findPeriod('top 10 decreasing jobs', { nowMs: NOW, timeZone: 'UTC' })).toBeUndefined();
    expect(
      findPeriod('jobs with more than 3 retries after 2 failures', { nowMs: NOW, timeZone: 'UTC' }),
    ).toBeUndefined();
    expect(findPeriod('spend 2019-2020 budget v1.2', { nowMs: NOW, timeZone: 'UTC' })).toBeUndefined();
  });

  it('says an impossible date is none, instead of answering for the default period', () => {
    expect(problem('spend on 2026-02-30')).toMatchObject({ typed: 'on 2026-02-30', readings: [] });
    expect(problem('failures on 31/11').reason).toContain('no date of the calendar');
    expect(problem('failures on 13/13').readings).toEqual([]);
  });

  it('reads a date in digits, day and month told apart by a part above 12', () => {
    expect(period('failures on 11/21')).toMatchObject({
      start: '2026-11-21T00:00:00.000Z',
      end: '2026-11-22T00:00:00.000Z',
      label: 'on 2026-11-21',
      rest: 'failures',
    });
    expect(period('cost 21/11')).toMatchObject({ start: '2026-11-21T00:00:00.000Z' });
    expect(period('cost on 21.11.2026')).toMatchObject({ start: '2026-11-21T00:00:00.000Z' });
    expect(period('cost on 03/03')).toMatchObject({ start: '2026-03-03T00:00:00.000Z' });
  });

  it('offers both readings of a date whose day and month could be either, rather than guess', () => {
    expect(problem('what failed on 12/03')).toEqual({
      typed: '12/03',
      reason: '"12/03" reads as 2026-12-03 or 2026-03-12',
      readings: ['2026-12-03', '2026-03-12'],
    });
  });

  it('reads a stretch of days between two dates, the second day whole', () => {
    expect(period('failures 11/20 to 11/21')).toMatchObject({
      start: '2026-11-20T00:00:00.000Z',
      end: '2026-11-22T00:00:00.000Z',
      label: 'from 2026-11-20 to 2026-11-21',
      rest: 'failures',
    });
    expect(period('spend between 2026-12-01 and 2026-12-03')).toMatchObject({
      start: '2026-12-01T00:00:00.000Z',
      end: '2026-12-04T00:00:00.000Z',
      rest: 'spend',
    });
    // Two days joined by "and" alone are two days, not the stretch between them.
    expect(period('failures on 3 Dec and 5 Dec').end).toBe('2026-12-04T00:00:00.000Z');
    expect(problem('failures 11/25 to 11/21').reason).toBe('that stretch ends before it starts');
  });

  it('reads "the 20th" as that day of this month, or of last month when it is still to come', () => {
    expect(period('spend on the 3rd')).toMatchObject({ start: '2026-12-03T00:00:00.000Z' });
    expect(period('spend on the 20th')).toMatchObject({ start: '2026-11-20T00:00:00.000Z' });
    expect(period('spend on the 20th of November')).toMatchObject({ start: '2026-11-20T00:00:00.000Z' });
  });

  it('reads "since" or "from" before a day with no second day as that day up to now', () => {
    expect(period('top jobs since the 1st')).toMatchObject({
      start: '2026-12-01T00:00:00.000Z',
      end: iso(NOW),
      label: 'since 2026-12-01',
      rest: 'top jobs',
    });
    expect(period('failures since Nov 20').start).toBe('2026-11-20T00:00:00.000Z');
    expect(period('spend from 11/20').end).toBe(iso(NOW));
    // With a second day it is still the stretch between them.
    expect(period('spend from the 1st to the 3rd').end).toBe('2026-12-04T00:00:00.000Z');
  });

  it('reads "the day before yesterday" and "N days ago" as that whole day', () => {
    expect(period('what broke the day before yesterday')).toMatchObject({
      start: '2026-12-07T00:00:00.000Z',
      end: '2026-12-08T00:00:00.000Z',
      rest: 'what broke',
    });
    expect(period('failures day before yday').start).toBe('2026-12-07T00:00:00.000Z');
    expect(period('spend 3 days ago').start).toBe('2026-12-06T00:00:00.000Z');
    expect(period('spend two days ago').start).toBe('2026-12-07T00:00:00.000Z');
  });

  it('reads a month by its name as that calendar month, up to now while it lasts', () => {
    expect(period('how much did we spend in november?')).toMatchObject({
      start: '2026-11-01T00:00:00.000Z',
      end: '2026-12-01T00:00:00.000Z',
      label: 'in November 2026',
      rest: 'how much did we spend ?',
    });
    expect(period('spend december so far')).toMatchObject({
      start: '2026-12-01T00:00:00.000Z',
      end: iso(NOW),
    });
    expect(period('cost for oct').start).toBe('2026-10-01T00:00:00.000Z');
    expect(period('cost since september')).toMatchObject({
      start: '2026-09-01T00:00:00.000Z',
      end: iso(NOW),
    });
    // A month still to come this year is last year's; one named with a year still to come is said.
    expect(period('spend in may').start).toBe('2026-05-01T00:00:00.000Z');
    expect(period('failures in august 2025').end).toBe('2025-09-01T00:00:00.000Z');
    expect(problem('spend in march 2027').reason).toContain('still to come');
    // Short names and words that are months only sometimes need a word that makes them one.
    for (const text of [
      'may I see the spend',
      'queries by jan',
      'march on with failures',
      'who read main.sales.november_orders',
      'cost of team-december',
      'status of the friday-export job',
    ])
      expect(findPeriod(text, { nowMs: NOW, timeZone: 'UTC' })).toBeUndefined();
  });

  it('reads a weekday by its short name after "on", and by its whole name alone', () => {
    expect(period('did we miss the SLA on fri?')).toMatchObject({
      start: '2026-12-04T00:00:00.000Z',
      end: '2026-12-05T00:00:00.000Z',
      label: 'on Friday',
    });
    expect(period('what broke saturday').start).toBe('2026-12-05T00:00:00.000Z');
    expect(period('any timeouts since fri 6pm')).toMatchObject({
      start: '2026-12-04T18:00:00.000Z',
      end: iso(NOW),
    });
    expect(period('failures since thurs').start).toBe('2026-12-03T00:00:00.000Z');
    expect(findPeriod('which warehouses sat idle', { nowMs: NOW, timeZone: 'UTC' })).toBeUndefined();
  });

  it('reads a short weekday beside another day, a comparing word, a part of the day or a time, and a possessive', () => {
    expect(period('failures mon-tue')).toMatchObject({
      start: '2026-12-07T00:00:00.000Z',
      end: '2026-12-09T00:00:00.000Z',
    });
    expect(period('failures thu - fri')).toMatchObject({
      start: '2026-12-03T00:00:00.000Z',
      end: '2026-12-05T00:00:00.000Z',
    });
    expect(period('anything slow sat evening?')).toMatchObject({
      start: '2026-12-05T18:00:00.000Z',
      end: '2026-12-06T00:00:00.000Z',
    });
    expect(period('what ran mon 9pm')).toMatchObject({
      start: '2026-12-07T21:00:00.000Z',
      end: '2026-12-07T22:00:00.000Z',
    });
    expect(period('queries on finance_wh sun between 2 and 4')).toMatchObject({
      start: '2026-12-06T02:00:00.000Z',
      end: '2026-12-06T04:00:00.000Z',
    });
    expect(period("why did tuesday's orders run fail").label).toBe('on Tuesday');
    expect(period('the error in mondays fx rates run').label).toBe('on Monday');
    expect(findPeriod('what fails every mondays', { nowMs: NOW, timeZone: 'UTC' })).toBeUndefined();
    // A weekday's night is as "last night" is: 18:00 that evening to 08:00 the next morning.
    expect(period('did anything break sat nite')).toMatchObject({
      start: '2026-12-05T18:00:00.000Z',
      end: '2026-12-06T08:00:00.000Z',
      label: 'Saturday night',
    });
    expect(period('queries on monday night between 1 and 3')).toMatchObject({
      start: '2026-12-08T01:00:00.000Z',
      end: '2026-12-08T03:00:00.000Z',
    });
    expect(findPeriod('which warehouses sat there idle', { nowMs: NOW, timeZone: 'UTC' })).toBeUndefined();
    // Alone, the short forms that are no English word are days; "sat", "sun", "mon" and "wed" are not.
    expect(period('top users on marketing_bi fri').label).toBe('on Friday');
    expect(period('thurs failures').label).toBe('on Thursday');
    expect(findPeriod('is the sun job done', { nowMs: NOW, timeZone: 'UTC' })).toBeUndefined();
  });

  it('reads the weekend as the latest Saturday and Sunday that have begun, up to now', () => {
    expect(period('what failed over the weekend')).toMatchObject({
      start: '2026-12-05T00:00:00.000Z',
      end: '2026-12-07T00:00:00.000Z',
      rest: 'what failed',
    });
    expect(period('spend last weekend').start).toBe('2026-12-05T00:00:00.000Z');
    // On a Sunday morning, this weekend is still going on, and the last one is the week before's.
    const sunday = Date.UTC(2026, 10, 22, 9);
    expect(period('failures this weekend', 'UTC', sunday)).toMatchObject({
      start: '2026-11-21T00:00:00.000Z',
      end: iso(sunday),
    });
    expect(period('failures last weekend', 'UTC', sunday).start).toBe('2026-11-14T00:00:00.000Z');
    expect(findPeriod('status of weekend_batch', { nowMs: NOW, timeZone: 'UTC' })).toBeUndefined();
  });

  it('reads "mo" and "mth" for month', () => {
    expect(period('$ by team this mo').label).toBe('this month');
    expect(period('spend last mth').label).toBe('last month');
  });

  it('reads a part of the day after a day, or "in the …", as its hours', () => {
    expect(period('queries yesterday afternoon')).toMatchObject({
      start: '2026-12-08T12:00:00.000Z',
      end: '2026-12-08T18:00:00.000Z',
      rest: 'queries',
    });
    expect(period('failures friday evening')).toMatchObject({
      start: '2026-12-04T18:00:00.000Z',
      end: '2026-12-05T00:00:00.000Z',
    });
    expect(period('jobs on the 3rd in the morning').end).toBe('2026-12-03T12:00:00.000Z');
    expect(period('failed runs since yesterday afternoon')).toMatchObject({
      start: '2026-12-08T12:00:00.000Z',
      end: iso(NOW),
    });
    // A greeting is no part of the day, and "this morning" keeps its own reading.
    expect(period('morning! what failed last night').label).toBe('last night');
    expect(period('failures this morning').label).toBe('this morning');
  });

  it('reads days of one month written as a stretch: "3-5 dec", "dec 3-5"', () => {
    expect(period('spend 3-5 dec')).toMatchObject({
      start: '2026-12-03T00:00:00.000Z',
      end: '2026-12-06T00:00:00.000Z',
      label: 'from 2026-12-03 to 2026-12-05',
      rest: 'spend',
    });
    expect(period('failures dec 1-2').end).toBe('2026-12-03T00:00:00.000Z');
    expect(period('failures 1st to 2nd December').start).toBe('2026-12-01T00:00:00.000Z');
    expect(problem('spend dec 5-3').reason).toBe('that stretch ends before it starts');
  });

  it('reads years and quarters as calendar ones, up to now while they last', () => {
    expect(period('spend ytd')).toMatchObject({ start: '2026-01-01T00:00:00.000Z', end: iso(NOW) });
    expect(period('spend last year')).toMatchObject({
      start: '2025-01-01T00:00:00.000Z',
      end: '2026-01-01T00:00:00.000Z',
    });
    expect(period('how much did we spend last quarter')).toMatchObject({
      start: '2026-07-01T00:00:00.000Z',
      end: '2026-10-01T00:00:00.000Z',
      label: 'in Q3 2026',
    });
    expect(period('spend this quarter').start).toBe('2026-10-01T00:00:00.000Z');
    expect(period('spend q1').end).toBe('2026-04-01T00:00:00.000Z');
    expect(problem('spend q1 2027').reason).toContain('still to come');
  });

  it('reads a fortnight, "wks" and "mos" in rolling periods, and "tonight" as this evening up to now', () => {
    expect(period('costs for the past fortnight').start).toBe('2026-11-25T10:30:00.000Z');
    expect(period('spend for the last 2 wks').start).toBe('2026-11-25T10:30:00.000Z');
    expect(period('spend past 3 mos').label).toBe('the past 3 months');
    expect(period('what failed tonight', 'UTC', Date.UTC(2026, 11, 9, 23))).toMatchObject({
      start: '2026-12-09T18:00:00.000Z',
      end: '2026-12-09T23:00:00.000Z',
    });
    // Asked after midnight, tonight is the evening before.
    expect(period('what failed tonight', 'UTC', Date.UTC(2026, 11, 10, 2)).start).toBe(
      '2026-12-09T18:00:00.000Z',
    );
    expect(period('what broke this wknd').start).toBe('2026-12-05T00:00:00.000Z');
  });

  it('says a date still to come is still to come, instead of answering an empty period', () => {
    expect(problem('failures on 2026-12-25').reason).toBe(
      "2026-12-25 is still to come: the workspace's clock says 2026-12-09",
    );
    // Without a year, the latest such day: last year's.
    expect(period('failures on 25 Dec')).toMatchObject({ start: '2025-12-25T00:00:00.000Z' });
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

  it('reads "for the week" or "over the month" as the week or month that is running', () => {
    expect(period('failure count over the week')).toMatchObject({
      start: '2026-12-07T00:00:00.000Z',
      end: iso(NOW),
      label: 'this week',
    });
    expect(period('costs for the month please')).toMatchObject({
      start: '2026-12-01T00:00:00.000Z',
      label: 'this month',
    });
    // The week before is another period, compared, never this one.
    expect(period('spend yesterday against the week before').label).toBe('yesterday');
  });

  it('reads "the week before last" as the whole calendar week before last week', () => {
    expect(period('what broke the wk before last')).toMatchObject({
      start: '2026-11-23T00:00:00.000Z',
      end: '2026-11-30T00:00:00.000Z',
      label: 'the week before last',
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

function problem(text: string, nowMs = NOW) {
  const found = findPeriod(text, { nowMs, timeZone: 'UTC' });
  if (found === undefined || !('problem' in found)) throw new Error(`"${text}" read without a problem`);
  return found.problem;
}

describe('findPeriod with times of day', () => {
  it('reads "since 6am" as from 06:00 today up to now', () => {
    expect(period('failures since 6am')).toMatchObject({
      start: '2026-12-09T06:00:00.000Z',
      end: iso(NOW),
      label: 'since 06:00 today',
      rest: 'failures',
    });
    expect(period('since 8 am who ran the most')).toMatchObject({ start: '2026-12-09T08:00:00.000Z' });
  });

  it('reads a time that has not come yet today as the latest one that has', () => {
    expect(period('failures since 14:00')).toMatchObject({
      start: '2026-12-08T14:00:00.000Z',
      end: iso(NOW),
      label: 'since 14:00 yesterday',
    });
  });

  it('bounds the day the question names: "after 3pm yesterday", "before noon yesterday"', () => {
    expect(period('did it fail after 3pm yesterday')).toMatchObject({
      start: '2026-12-08T15:00:00.000Z',
      end: '2026-12-09T00:00:00.000Z',
      label: 'after 15:00 yesterday',
      rest: 'did it fail',
    });
    expect(period('failures before noon yesterday')).toMatchObject({
      start: '2026-12-08T00:00:00.000Z',
      end: '2026-12-08T12:00:00.000Z',
    });
  });

  it('reads a stretch of hours with "between", "from … to" and a dash', () => {
    expect(period('jobs that failed from 9am to noon yesterday')).toMatchObject({
      start: '2026-12-08T09:00:00.000Z',
      end: '2026-12-08T12:00:00.000Z',
      label: 'between 09:00 and 12:00 yesterday',
    });
    expect(period('queries between 06:00 and 09:00 on 2026-12-01')).toMatchObject({
      start: '2026-12-01T06:00:00.000Z',
      end: '2026-12-01T09:00:00.000Z',
    });
    // A pm on the second side alone is the first's too.
    expect(period('spend 9-11pm yesterday')).toMatchObject({
      start: '2026-12-08T21:00:00.000Z',
      end: '2026-12-08T23:00:00.000Z',
    });
    expect(period('failures between 2 and 4 yesterday')).toMatchObject({ start: '2026-12-08T02:00:00.000Z' });
  });

  it('puts evening times of "last night" on the evening and morning times on the morning', () => {
    expect(period('anything fail last night after 10pm?')).toMatchObject({
      start: '2026-12-08T22:00:00.000Z',
      end: '2026-12-09T00:00:00.000Z',
    });
    expect(period('what failed between 2:00 and 4:00 last night')).toMatchObject({
      start: '2026-12-09T02:00:00.000Z',
      end: '2026-12-09T04:00:00.000Z',
      label: 'between 02:00 and 04:00 today',
    });
    // At midnight this morning's 02:00 is still to come: the night before it is meant.
    expect(
      period('what failed between 2:00 and 4:00 last night', 'UTC', Date.UTC(2026, 11, 9)),
    ).toMatchObject({
      start: '2026-12-08T02:00:00.000Z',
      end: '2026-12-08T04:00:00.000Z',
    });
  });

  it('crosses midnight when the stretch ends before it starts', () => {
    expect(period('failures between 11pm and 1am yesterday')).toMatchObject({
      start: '2026-12-08T23:00:00.000Z',
      end: '2026-12-09T01:00:00.000Z',
    });
  });

  it('reads a date with a time after it as that time on that date', () => {
    expect(period('spend since 2026-12-08 06:00')).toMatchObject({
      start: '2026-12-08T06:00:00.000Z',
      end: iso(NOW),
      rest: 'spend',
    });
  });

  it('reads hours in the workspace time zone', () => {
    // 06:00 in Berlin is 05:00 UTC in December.
    expect(period('failures since 6am', 'Europe/Berlin')).toMatchObject({
      start: '2026-12-09T05:00:00.000Z',
    });
  });

  it('takes "since" and "after" on a period of days as its first day\'s time', () => {
    expect(period('failures since monday 9am')).toMatchObject({
      start: '2026-12-07T09:00:00.000Z',
      end: iso(NOW),
    });
  });

  it('reads "at 3am" as the hour from it, and bare hours that would run backwards as a working day', () => {
    expect(period('jobs that failed at 3am')).toMatchObject({
      start: '2026-12-09T03:00:00.000Z',
      end: '2026-12-09T04:00:00.000Z',
    });
    expect(period('spend between 9 and 5 yesterday')).toMatchObject({
      start: '2026-12-08T09:00:00.000Z',
      end: '2026-12-08T17:00:00.000Z',
    });
    // A 24-hour clock time keeps its meaning: 23 to 2 crosses midnight.
    expect(period('failures between 23 and 2 yesterday')).toMatchObject({ end: '2026-12-09T02:00:00.000Z' });
  });

  it('reads a clock time before what it qualifies ("the 3am jobs", "the 11pm run") as the hour from it', () => {
    expect(period('show me the 3am jobs')).toMatchObject({
      start: '2026-12-09T03:00:00.000Z',
      end: '2026-12-09T04:00:00.000Z',
      rest: 'show me the jobs',
    });
    expect(period('did the 11pm run fail yesterday')).toMatchObject({
      start: '2026-12-08T23:00:00.000Z',
      end: '2026-12-09T00:00:00.000Z',
    });
    // A bare number is no clock time: "the 3 jobs" names no hour; nor does a deadline's time.
    expect(findPeriod('the 3 jobs', { nowMs: NOW, timeZone: 'UTC' })).toBeUndefined();
    expect(period('did the daily revenue table make its 6am deadline yesterday')).toMatchObject({
      start: '2026-12-08T00:00:00.000Z',
      end: '2026-12-09T00:00:00.000Z',
    });
    expect(findPeriod('which tables missed the 9am SLA', { nowMs: NOW, timeZone: 'UTC' })).toBeUndefined();
    // A name or two between the time and its SLA: still the deadline, and the day asked is the period.
    expect(period('is the 07:30 gl close sla ok today')).toMatchObject({
      start: '2026-12-09T00:00:00.000Z',
      label: 'today',
    });
    expect(
      findPeriod('did the 5am main.sales.orders slo hold', { nowMs: NOW, timeZone: 'UTC' }),
    ).toBeUndefined();
    // The hour of runs that missed an SLA is still the hour asked.
    expect(period('did the 3am jobs miss their sla')).toMatchObject({
      start: '2026-12-09T03:00:00.000Z',
      end: '2026-12-09T04:00:00.000Z',
    });
  });

  it('reads no period in a length runs are measured by ("longer than 2 hours")', () => {
    expect(period('jobs running longer than 2 hours yesterday')).toMatchObject({ label: 'yesterday' });
    expect(findPeriod('queries taking 3 hours', { nowMs: NOW, timeZone: 'UTC' })).toBeUndefined();
  });

  it('reads "the early hours" as 00:00–06:00, and a stretch starting now as the latest day it has passed', () => {
    expect(period('what failed in the early hours')).toMatchObject({
      start: '2026-12-09T00:00:00.000Z',
      end: '2026-12-09T06:00:00.000Z',
    });
    const midnight = Date.UTC(2026, 11, 9);
    expect(period('failures between midnight and 6', 'UTC', midnight)).toMatchObject({
      start: '2026-12-08T00:00:00.000Z',
      end: '2026-12-08T06:00:00.000Z',
    });
    // "Since" a time that is now is from now: nothing has passed yet.
    expect(period('failures since midnight', 'UTC', midnight)).toMatchObject({
      start: iso(midnight),
      end: iso(midnight),
    });
  });

  it('bounds "this morning" by its hours, and at midnight takes the latest morning they have passed', () => {
    expect(period('jobs that ran between 2 and 4 this morning')).toMatchObject({
      start: '2026-12-09T02:00:00.000Z',
      end: '2026-12-09T04:00:00.000Z',
      label: 'between 02:00 and 04:00 today',
    });
    expect(period('jobs that ran between 2 and 4 this morning', 'UTC', Date.UTC(2026, 11, 9))).toMatchObject({
      start: '2026-12-08T02:00:00.000Z',
      end: '2026-12-08T04:00:00.000Z',
      label: 'between 02:00 and 04:00 yesterday',
    });
    // Asked at midnight, "this morning" alone is yesterday's morning too, and says so.
    expect(period('did anything go red this morning', 'UTC', Date.UTC(2026, 11, 9))).toMatchObject({
      start: '2026-12-08T00:00:00.000Z',
      end: '2026-12-08T12:00:00.000Z',
      label: 'yesterday morning',
    });
    expect(period('what broke this morning', 'UTC', Date.UTC(2026, 11, 9, 0, 20))).toMatchObject({
      start: '2026-12-09T00:00:00.000Z',
      end: '2026-12-09T00:20:00.000Z',
      label: 'this morning',
    });
  });

  it('says a time no clock shows is none, instead of answering for the whole day', () => {
    expect(problem('cost between 25:00 and 4').reason).toContain('"25:00" is no time of day');
    expect(problem('failures since 13pm').reason).toContain('am and pm go from 1 to 12');
    expect(problem('failures after 6:75 yesterday').reason).toContain('no minute 75');
    expect(problem('failures between 2:00 and 4:00 this week').reason).toContain('one day');
  });

  it('reads a 10 kB question of clock-like digits without hanging or throwing', () => {
    const text = `failures ${'12:3'.repeat(2_500)} since ${'9'.repeat(5_000)}`;
    expect(() => findPeriod(text, { nowMs: NOW, timeZone: 'UTC' })).not.toThrow();
  });
});

describe('findComparedPeriods', () => {
  const compared = (text: string) => {
    const found = findComparedPeriods(text, { nowMs: NOW, timeZone: 'UTC' });
    return (
      found && { start: iso(found.period.startMs), against: iso(found.against.startMs), rest: found.rest }
    );
  };

  it('asks about the period named first and holds it against the second, whichever the words', () => {
    expect(compared('compare cost yesterday vs Friday')).toEqual({
      start: '2026-12-08T00:00:00.000Z',
      against: '2026-12-04T00:00:00.000Z',
      rest: 'compare cost vs',
    });
    expect(compared('was Friday worse than yesterday')).toMatchObject({
      start: '2026-12-04T00:00:00.000Z',
      against: '2026-12-08T00:00:00.000Z',
    });
  });

  it('reads two days offered as a choice, and "the day before" as the period just before', () => {
    expect(compared('friday or saturday, which was more expensive')).toMatchObject({
      start: '2026-12-04T00:00:00.000Z',
      against: '2026-12-05T00:00:00.000Z',
    });
    expect(compared('yesterday vs the day before failures')).toMatchObject({
      start: '2026-12-08T00:00:00.000Z',
      against: '2026-12-07T00:00:00.000Z',
    });
    expect(compared('marketing $ fri vs sat')).toMatchObject({
      start: '2026-12-04T00:00:00.000Z',
      against: '2026-12-05T00:00:00.000Z',
    });
    expect(compared('sat or sun, which cost more')).toMatchObject({
      start: '2026-12-05T00:00:00.000Z',
      against: '2026-12-06T00:00:00.000Z',
    });
    expect(compared('cost yesterday compared to mon')).toMatchObject({
      start: '2026-12-08T00:00:00.000Z',
      against: '2026-12-07T00:00:00.000Z',
    });
  });

  it('finds no comparison in one period, nor in two days that are not compared', () => {
    expect(compared('failures on monday and wednesday')).toBeUndefined();
    expect(compared('failures on friday or saturday')).toBeUndefined();
    expect(compared('spend last 3 days against the 3 days before')).toBeUndefined();
  });
});

describe('findPeriod on time words typed in a hurry', () => {
  it('reads "yesterday" and "overnight" misspelt as the words they misspell', () => {
    for (const typed of [
      'failures yestrday',
      'top queries yesturday',
      'spend ystday',
      'what broke yesterdy',
    ]) {
      expect(period(typed)).toMatchObject({
        start: '2026-12-08T00:00:00.000Z',
        end: '2026-12-09T00:00:00.000Z',
      });
    }
    expect(period('anything break over nite')).toMatchObject({
      start: '2026-12-08T18:00:00.000Z',
      end: '2026-12-09T08:00:00.000Z',
    });
    expect(period('what failed overnite')).toMatchObject({ label: 'last night' });
  });

  it('reads a stretch from a time on one day to a time on another', () => {
    // Wednesday 9 December 2026: Monday is the 7th, Tuesday the 8th.
    expect(period('what broke between 11pm mon and 3am tue')).toMatchObject({
      start: '2026-12-07T23:00:00.000Z',
      end: '2026-12-08T03:00:00.000Z',
      rest: 'what broke',
    });
    expect(period('queries from 22:00 yesterday to 01:30 today')).toMatchObject({
      start: '2026-12-08T22:00:00.000Z',
      end: '2026-12-09T01:30:00.000Z',
    });
  });

  it('reads a number spelt out in words before a unit of time', () => {
    expect(period('failures over the past forty-eight hours')).toMatchObject({
      start: iso(NOW - 48 * 3_600_000),
      end: iso(NOW),
    });
    expect(period('spend for the last twenty one days')).toMatchObject({ start: iso(NOW - 21 * 86_400_000) });
    expect(period('queries in the past eighteen hours')).toMatchObject({ start: iso(NOW - 18 * 3_600_000) });
  });

  it('reads the time of an event after "since" or "after" as where the stretch starts, not as its hour', () => {
    expect(period('what failed since the release at 9:00')).toMatchObject({
      start: '2026-12-09T09:00:00.000Z',
      end: '2026-12-09T10:30:00.000Z',
    });
    expect(period('failures after the outage at 2am yesterday')).toMatchObject({
      start: '2026-12-08T02:00:00.000Z',
      end: '2026-12-09T00:00:00.000Z',
    });
    // With no such word before it, "at" is still the hour from it.
    expect(period('what failed at 2am yesterday')).toMatchObject({
      start: '2026-12-08T02:00:00.000Z',
      end: '2026-12-08T03:00:00.000Z',
    });
  });

  it('reads a clock time before an event\'s noun after "since", "after" or "before" as where the stretch starts or ends', () => {
    expect(period('since the 9:00 rollback did anything break')).toMatchObject({
      start: '2026-12-09T09:00:00.000Z',
      end: '2026-12-09T10:30:00.000Z',
    });
    // "Since our 3pm patch", asked before 3pm, is yesterday's afternoon up to now.
    expect(period('any errors since our 3pm patch')).toMatchObject({
      start: '2026-12-08T15:00:00.000Z',
      end: '2026-12-09T10:30:00.000Z',
    });
    expect(period('failures after the 02:00 maintenance window yesterday')).toMatchObject({
      start: '2026-12-08T02:00:00.000Z',
      end: '2026-12-09T00:00:00.000Z',
    });
    expect(period("what broke before yesterday's 6am deploy")).toMatchObject({
      start: '2026-12-08T00:00:00.000Z',
      end: '2026-12-08T06:00:00.000Z',
    });
    // With no such word, or "from" (what a batch started at), the time is still the hour from it.
    expect(period('the 3am jobs yesterday')).toMatchObject({ end: '2026-12-08T04:00:00.000Z' });
    expect(period('what failed from the 3am batch yesterday')).toMatchObject({
      start: '2026-12-08T03:00:00.000Z',
      end: '2026-12-08T04:00:00.000Z',
    });
    // Hostile or malformed times are said to be unreadable, never read as another hour.
    for (const typed of ['since the 25:00 hotfix', 'since the 14:99 hotfix', 'after the 13pm deploy'])
      expect(findPeriod(typed, { nowMs: NOW, timeZone: 'UTC' })).toMatchObject({
        problem: expect.anything(),
      });
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

describe('findPeriod, bare hours before a day and a part of it', () => {
  it('reads "between 1 and 3 mon morning" as those hours of that day', () => {
    expect(period('any timeouts between 1 and 3 mon morning')).toMatchObject({
      start: '2026-12-07T01:00:00.000Z',
      end: '2026-12-07T03:00:00.000Z',
    });
  });

  it('reads bare hours before an afternoon or an evening as the hours after noon', () => {
    expect(period('failures between 2 and 5 tuesday afternoon')).toMatchObject({
      start: '2026-12-08T14:00:00.000Z',
      end: '2026-12-08T17:00:00.000Z',
    });
    expect(period('queries between 7 and 9 in the evening yesterday')).toMatchObject({
      start: '2026-12-08T19:00:00.000Z',
      end: '2026-12-08T21:00:00.000Z',
    });
  });
});

describe('findComparedPeriods, the one before named alone', () => {
  const compared = (text: string) => {
    const found = findComparedPeriods(text, { nowMs: NOW, timeZone: 'UTC' });
    return found && { period: iso(found.period.startMs), against: iso(found.against.startMs) };
  };

  it('holds the past week against the week before when "week over week" names no period', () => {
    expect(compared('failures per team week over week')).toEqual({
      period: '2026-12-02T10:30:00.000Z',
      against: '2026-11-25T10:30:00.000Z',
    });
    expect(compared('slas missed w/w')).toEqual(compared('failures wow'));
  });

  it('reads "vs last week" or "against the prior week" alone as this week against last week', () => {
    expect(compared('failures per team vs last week')).toEqual({
      period: '2026-12-07T00:00:00.000Z',
      against: '2026-11-30T00:00:00.000Z',
    });
    expect(compared('failure counts against the prior week')).toEqual(compared('failures vs last week'));
  });

  it('reads the one before in chat\'s short units ("vs last wk", "vs prior mth") as this one against it', () => {
    expect(compared('is the bill up vs last wk')).toEqual(compared('is the bill up vs last week'));
    expect(compared('marketing spend compared to the previous wk')).toEqual({
      period: '2026-12-07T00:00:00.000Z',
      against: '2026-11-30T00:00:00.000Z',
    });
    expect(compared('are dbus higher than prior mth')).toEqual(compared('dbus higher than last month'));
    expect(compared('are dbus higher than prior mth')).toMatchObject({ period: '2026-12-01T00:00:00.000Z' });
    // "Last wk" with no comparing word is last week alone.
    expect(compared('spend last wk')).toBeUndefined();
  });

  it('reads "this week vs last" as this week against last week', () => {
    expect(compared('failures this week vs last')).toEqual({
      period: '2026-12-07T00:00:00.000Z',
      against: '2026-11-30T00:00:00.000Z',
    });
    expect(compared('failures this week')).toBeUndefined();
  });
});
