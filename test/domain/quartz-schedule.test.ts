import { describe, expect, it } from 'vitest';
import { parseQuartzSchedule } from '../../src/domain/quartz-schedule.js';

/** The first `count` run times after `from`, as ISO instants. */
function runs(expression: string, from: string, count: number, timezone = 'UTC'): string[] {
  const parsed = parseQuartzSchedule(expression, timezone);
  if (!parsed.ok) throw new Error(parsed.userMessage);
  const out: string[] = [];
  let after = Date.parse(from);
  for (let i = 0; i < count; i++) {
    const next = parsed.value.nextAfter(after);
    if (next === undefined) break;
    out.push(new Date(next).toISOString());
    after = next;
  }
  return out;
}

function refusal(expression: string, timezone = 'UTC') {
  const parsed = parseQuartzSchedule(expression, timezone);
  if (parsed.ok) throw new Error(`${expression} was accepted`);
  return parsed;
}

// Worked out on a calendar: 1 January 2026 is a Thursday; 2028 is a leap year.
const FROM = '2026-01-01T00:00:00Z';
const table: [what: string, expression: string, expected: string[]][] = [
  [
    'every 6 hours from 0 (0/6)',
    '0 0 0/6 * * ?',
    ['2026-01-01T06:00:00Z', '2026-01-01T12:00:00Z', '2026-01-01T18:00:00Z', '2026-01-02T00:00:00Z'],
  ],
  [
    'every 15 minutes from 5 (5/15)',
    '0 5/15 * * * ?',
    ['2026-01-01T00:05:00Z', '2026-01-01T00:20:00Z', '2026-01-01T00:35:00Z', '2026-01-01T00:50:00Z'],
  ],
  [
    'every 10 minutes with no start (/10)',
    '0 /10 * * * ?',
    ['2026-01-01T00:10:00Z', '2026-01-01T00:20:00Z', '2026-01-01T00:30:00Z', '2026-01-01T00:40:00Z'],
  ],
  [
    'every 3 hours within 9-17 (a-b/c)',
    '0 30 9-17/3 * * ?',
    ['2026-01-01T09:30:00Z', '2026-01-01T12:30:00Z', '2026-01-01T15:30:00Z', '2026-01-02T09:30:00Z'],
  ],
  [
    'an hour range that wraps past midnight (22-1)',
    '0 0 22-1 * * ?',
    ['2026-01-01T01:00:00Z', '2026-01-01T22:00:00Z', '2026-01-01T23:00:00Z', '2026-01-02T00:00:00Z'],
  ],
  [
    'weekdays by name (MON-FRI)',
    '0 0 12 ? * MON-FRI',
    ['2026-01-01T12:00:00Z', '2026-01-02T12:00:00Z', '2026-01-05T12:00:00Z', '2026-01-06T12:00:00Z'],
  ],
  [
    'weekdays in Quartz numbers (2-6 is MON-FRI)',
    '0 0 12 ? * 2-6',
    ['2026-01-01T12:00:00Z', '2026-01-02T12:00:00Z', '2026-01-05T12:00:00Z', '2026-01-06T12:00:00Z'],
  ],
  [
    'every other weekday from Monday in Quartz numbers (2/2 is MON, WED, FRI)',
    '0 0 12 ? * 2/2',
    ['2026-01-02T12:00:00Z', '2026-01-05T12:00:00Z', '2026-01-07T12:00:00Z'],
  ],
  [
    'every third day of the week (1-7/3 is SUN, WED, SAT)',
    '0 0 12 ? * 1-7/3',
    ['2026-01-03T12:00:00Z', '2026-01-04T12:00:00Z', '2026-01-07T12:00:00Z'],
  ],
  [
    'a wrapping weekday range with a step (FRI-MON/2 is FRI, SUN)',
    '0 0 12 ? * FRI-MON/2',
    ['2026-01-02T12:00:00Z', '2026-01-04T12:00:00Z', '2026-01-09T12:00:00Z'],
  ],
  [
    'every 5th day of the month from the 1st (*/5)',
    '0 0 12 */5 * ?',
    ['2026-01-01T12:00:00Z', '2026-01-06T12:00:00Z', '2026-01-11T12:00:00Z'],
  ],
  ['Sunday as Quartz day 1', '0 0 12 ? * 1', ['2026-01-04T12:00:00Z', '2026-01-11T12:00:00Z']],
  ['Saturday as Quartz day 7', '0 0 12 ? * 7', ['2026-01-03T12:00:00Z', '2026-01-10T12:00:00Z']],
  [
    'a weekday range that wraps (FRI-MON)',
    '0 0 12 ? * fri-mon',
    ['2026-01-02T12:00:00Z', '2026-01-03T12:00:00Z', '2026-01-04T12:00:00Z', '2026-01-05T12:00:00Z'],
  ],
  [
    'the 1st and the 15th (1,15)',
    '0 0 6 1,15 * ?',
    ['2026-01-01T06:00:00Z', '2026-01-15T06:00:00Z', '2026-02-01T06:00:00Z'],
  ],
  [
    'the last day of the month (L)',
    '0 0 12 L * ?',
    ['2026-01-31T12:00:00Z', '2026-02-28T12:00:00Z', '2026-03-31T12:00:00Z', '2026-04-30T12:00:00Z'],
  ],
  [
    'three days before the last (L-3)',
    '0 0 12 L-3 * ?',
    ['2026-01-28T12:00:00Z', '2026-02-25T12:00:00Z', '2026-03-28T12:00:00Z', '2026-04-27T12:00:00Z'],
  ],
  ['the last of February in a leap year (L, 2028)', '0 0 12 L 2 ? 2028', ['2028-02-29T12:00:00Z']],
  [
    'the last weekday of the month (LW: 31 Jan 2026 is a Saturday)',
    '0 0 12 LW * ?',
    ['2026-01-30T12:00:00Z', '2026-02-27T12:00:00Z', '2026-03-31T12:00:00Z'],
  ],
  [
    'the weekday nearest the 15th (15W: 15 Feb and 15 Mar 2026 are Sundays)',
    '0 0 12 15W * ?',
    ['2026-01-15T12:00:00Z', '2026-02-16T12:00:00Z', '2026-03-16T12:00:00Z'],
  ],
  [
    'the third Friday (6#3)',
    '0 0 12 ? * 6#3',
    ['2026-01-16T12:00:00Z', '2026-02-20T12:00:00Z', '2026-03-20T12:00:00Z'],
  ],
  [
    'the last Friday (6L)',
    '0 0 12 ? * 6L',
    ['2026-01-30T12:00:00Z', '2026-02-27T12:00:00Z', '2026-03-27T12:00:00Z'],
  ],
  ['L alone in day-of-week is Saturday', '0 0 12 ? * L', ['2026-01-03T12:00:00Z', '2026-01-10T12:00:00Z']],
  [
    'a 7-field expression with a year (Mondays of January 2027)',
    '0 0 12 ? JAN MON 2027',
    ['2027-01-04T12:00:00Z', '2027-01-11T12:00:00Z', '2027-01-18T12:00:00Z', '2027-01-25T12:00:00Z'],
  ],
  ['every other year (2026/2)', '0 0 0 1 1 ? 2026/2', ['2028-01-01T00:00:00Z', '2030-01-01T00:00:00Z']],
  ['a year already past: no run at all', '0 0 12 1 1 ? 2025', []],
];

describe('parseQuartzSchedule', () => {
  it.each(table)('runs %s at the times Quartz would', (_what, expression, expected) => {
    expect(runs(expression, FROM, expected.length + 1).slice(0, expected.length)).toEqual(
      expected.map((t) => new Date(t).toISOString()),
    );
    if (expected.length === 0) expect(runs(expression, FROM, 1)).toEqual([]);
  });

  it("runs in the schedule's time zone (12:00 in New York is 17:00 UTC in winter)", () => {
    expect(runs('0 0 12 * * ?', FROM, 2, 'America/New_York')).toEqual([
      '2026-01-01T17:00:00.000Z',
      '2026-01-02T17:00:00.000Z',
    ]);
  });

  it('keeps local noon across a DST change (Berlin moves to UTC+2 on 29 March 2026)', () => {
    expect(runs('0 0 12 * * ?', '2026-03-28T00:00:00Z', 3, 'Europe/Berlin')).toEqual([
      '2026-03-28T11:00:00.000Z',
      '2026-03-29T10:00:00.000Z',
      '2026-03-30T10:00:00.000Z',
    ]);
  });

  it('skips a fixed time that the DST change never reaches, as Quartz does (02:30 on 29 March in Berlin)', () => {
    expect(runs('0 30 2 * * ?', '2026-03-28T00:00:00Z', 2, 'Europe/Berlin')).toEqual([
      '2026-03-28T01:30:00.000Z',
      '2026-03-30T00:30:00.000Z',
    ]);
  });

  it('runs a fixed time once and an hourly schedule twice in the hour that repeats (25 October in Berlin)', () => {
    // 02:30 CEST is 00:30Z; 02:30 CET, an hour later, is 01:30Z.
    expect(runs('0 30 2 * * ?', '2026-10-24T23:00:00Z', 2, 'Europe/Berlin')).toEqual([
      '2026-10-25T00:30:00.000Z',
      '2026-10-26T01:30:00.000Z',
    ]);
    expect(runs('0 30 * * * ?', '2026-10-25T00:00:00Z', 3, 'Europe/Berlin')).toEqual([
      '2026-10-25T00:30:00.000Z',
      '2026-10-25T01:30:00.000Z',
      '2026-10-25T02:30:00.000Z',
    ]);
  });

  it('counts every 6 hours in local time through the night the clocks go forward', () => {
    // 00:00 CET is 23:00Z; 06:00 CEST (after the change at 02:00) is 04:00Z.
    expect(runs('0 0 0/6 * * ?', '2026-03-28T20:00:00Z', 3, 'Europe/Berlin')).toEqual([
      '2026-03-28T23:00:00.000Z',
      '2026-03-29T04:00:00.000Z',
      '2026-03-29T10:00:00.000Z',
    ]);
  });

  it('reads "*" in both day fields, which Quartz refuses, as every day (the Unix-cron habit)', () => {
    expect(runs('0 0 12 * * *', '2026-11-20T00:00:00Z', 2)).toEqual([
      '2026-11-20T12:00:00.000Z',
      '2026-11-21T12:00:00.000Z',
    ]);
  });

  it('accepts lower-case names and surrounding blanks', () => {
    expect(runs('  0 0 12 ? jan,jul mon  ', FROM, 1)).toEqual(['2026-01-05T12:00:00.000Z']);
  });

  it.each([
    ['empty', '', /0 fields/],
    ['blank', '   ', /0 fields/],
    ['five fields (Unix cron)', '0 12 * * *', /5 fields/],
    ['a nickname', '@daily', /1 field\./],
    ['both day fields given', '0 0 12 1 * MON', /one of day-of-month and day-of-week must be "\?"/],
    ['both day fields ?', '0 0 12 ? * ?', /must be "\?"/],
    ['a zero step', '*/0 * * * * ?', /seconds field "\*\/0".*step/],
    ['a step larger than the field', '0 0 0/24 * * ?', /hours field.*step/],
    ['an hour of 24', '0 0 24 * * ?', /hours field "24".*0–23/],
    ['Quartz has no day-of-week 0', '0 0 12 ? * 0', /day-of-week field "0".*1–7/],
    ['Quartz has no day-of-week 8', '0 0 12 ? * 8', /day-of-week field "8"/],
    ['a huge number', '0 0 99999999999999999999 * * ?', /hours field/],
    ['a year before 1970', '0 0 12 * * ? 1969', /year field/],
    ['? outside the day fields', '? 0 12 * * ?', /seconds field.*only allowed in day-of-month/],
    ['an unknown name', '0 0 12 ? * MONDAY', /day-of-week field "MONDAY"/],
    ['L in a list', '0 0 12 L,15 * ?', /day-of-month field/],
    ['# in a range', '0 0 12 ? * 5-6#L', /day-of-week field/],
    ['a fifth-plus week', '0 0 12 ? * 6#6', /1 to 5/],
    ["croner's AND modifier", '0 0 12 ? * +MON', /day-of-week field/],
    ['an empty list element', '0 0 1,,2 * * ?', /hours field/],
    ['a range with three ends', '0 0 1-2-3 * * ?', /hours field/],
    ['Arabic-Indic digits', '0 0 ١٢ * * ?', /hours field/],
    ['fullwidth digits', '０ 0 12 * * ?', /seconds field/],
    ['an injection-looking tail', '0 0 12 * * ?; DROP TABLE jobs; --', /fields/],
    ['fields separated by no-break spaces', '0\u00a00\u00a012\u00a0*\u00a0*\u00a0?', /1 field\./],
    ['a newline inside', '0 0 12\n* * ?', /5 fields/],
    ['shell syntax', '0 0 $(reboot) * * ?', /hours field/],
    ['200 fields', Array.from({ length: 200 }, () => '0').join(' '), /longer than 200 characters/],
    ['200 fields without blanks', '0'.repeat(200).split('').join('\t').slice(0, 199), /fields/],
  ])('refuses %s, naming what is wrong', (_what, expression, why) => {
    const r = refusal(expression);
    expect(r.reason).toBe('invalid_quartz_cron');
    expect(r.userMessage).toMatch(why);
    expect(r.userMessage).not.toMatch(/CronPattern|TypeError|at .*\.js/);
  });

  it('shows at most 80 characters of a long expression in its refusal', () => {
    const r = refusal(`0 0 12 * * ? ${'x'.repeat(150)}`);
    expect(r.userMessage.length).toBeLessThan(300);
    expect(r.userMessage).toContain('…');
  });

  it('refuses an unknown time zone as the zone, not the expression', () => {
    const r = refusal('0 0 12 * * ?', 'Mars/Olympus');
    expect(r.reason).toBe('unknown_timezone');
    expect(r.userMessage).toContain('"Mars/Olympus"');
  });

  it('gives the same answer when asked again for the same instant', () => {
    const parsed = parseQuartzSchedule('0 0 0/6 * * ?', 'UTC');
    if (!parsed.ok) throw new Error(parsed.userMessage);
    const after = Date.parse(FROM);
    const first = parsed.value.nextAfter(after);
    expect(parsed.value.nextAfter(after + 1)).toBe(first);
    expect(parsed.value.nextAfter(after)).toBe(first);
  });
});
