import { localDate, zonedTime } from '../../domain/zoned-time.js';
import { clockText, type DayWindow, findTimeOfDay, readClockTime } from './time-of-day.js';

/**
 * Time words in a question ("last night", "this week", "since Monday", "yesterday", "past 2 days")
 * turned into a half-open period [startMs, endMs) of the workspace's clock, in the workspace's time
 * zone: "yesterday" in Berlin starts at Berlin's midnight, across DST changes too. `now` is always
 * the workspace clock (simulated in the embedded mode), never the machine's.
 */
export interface Period {
  readonly startMs: number;
  readonly endMs: number;
  /** The words as a person reads them back: "yesterday", "the past 2 days", "since Monday". */
  readonly label: string;
}

export interface TimeContext {
  /** The workspace clock's now, epoch ms. */
  readonly nowMs: number;
  /** IANA zone of the workspace ("Europe/Berlin"); "yesterday" and "Monday" start at its midnight. */
  readonly timeZone: string;
}

export interface FoundPeriod {
  readonly period: Period;
  /** The question with the time words taken out, so names are matched without them. */
  readonly rest: string;
}

/**
 * Time words that look like a period but read as none, or as two: "25:00", "2026-02-30", "12/03"
 * (3 December or 12 March?). Said back, never skipped: a question answered for another period is
 * another question's answer.
 */
export interface PeriodProblem {
  readonly problem: {
    /** The words as typed. */
    readonly typed: string;
    readonly reason: string;
    /** For words that read two ways: each reading as words the router reads one way ("2026-12-03"). */
    readonly readings: readonly string[];
  };
}

type LocalDay = { year: number; month: number; day: number };

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
/** A month's name, whole or shortened, as the calendar-date rules read it. */
const MONTH_WORD =
  '(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)(?:uary|ruary|ch|il|e|y|ust|t|tember|ober|ember)?';

const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;

/** A weekday as people shorten it: "mon", "tue", "tues", "wed", "weds", "thu", "thurs", "fri", "sat", "sun". */
const WEEKDAY_SHORT = 'mon|tues?|wed(?:nes)?|weds|thu(?:rs?)?|fri|sat(?:ur)?|sun';

/** What sets two days side by side: "fri vs sat", "sat or sun", "thu and fri", "mon-wed". */
const DAYS_JOINT = String.raw`vs\.?|versus|or|and|&|against|than|compared (?:to|with)|to|-|–|until|till|thru|through`;

/**
 * A short weekday that is a day by what stands beside it — another day ("fri vs sat", "sat or sun"),
 * a word comparing periods ("yesterday vs fri") or a part of the day or a time after it ("sat
 * evening", "fri 6pm", "sat between 4 and 9am") — and a weekday's possessive ("saturday's run",
 * "saturdays gl close run"; "on saturdays" is the latest one, "every mondays" none) — and, alone, the short
 * forms that are no English word ("top users fri", "thurs failures"; not "sat", "sun", "mon" or "wed"):
 * each spelt as the day's whole name.
 */
const WEEKDAY_BESIDE = new RegExp(
  String.raw`(?<![\w.-])(${WEEKDAY_SHORT})(?!\w)\.?(?=\s*(?:${DAYS_JOINT})\s*(?:${WEEKDAY_SHORT})(?:day)?\b|\s+(?:morning|afternoon|evening|night|noon|midday|between|from|after|before|at\s+\d|\d{1,2}(?::\d{2})?\s*(?:[ap]\.?m\b|h\b)))|(?<=\b(?:${WEEKDAY_SHORT})(?:day)?\.?\s*(?:${DAYS_JOINT})\s*|\b(?:vs\.?|versus|against|than|compared (?:to|with))\s+)(${WEEKDAY_SHORT})(?![\w-])|(?<!\b(?:every|all|most|some|the|other)\s+)\b((?:mon|tues|wednes|thurs|fri|satur|sun)day)(?:'s|’s|s)(?![\w-])|(?<![\w.-])(?<!\b(?:every|each|all|most|some)\s+)(tues?|thu(?:rs?)?|fri)(?![\w-])\.?`,
  'gi',
);

/**
 * Time words as thumbs misspell them on a phone ("ystrday", "yesturday", "yesterdy", "overnite", "over
 * nite"), spelt right before they are read: a question's period is never dropped for a letter.
 */
const TIME_TYPOS: readonly (readonly [RegExp, string])[] = [
  [/\by[ae]?s?t[eu]?r?d[ae]?y\b/gi, 'yesterday'],
  [/\bover\s?ni(?:ght|te|gt|hgt|ht)\b/gi, 'overnight'],
];

const TENS = ['twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];
const UNITS = ['one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
const TEENS = [
  'eleven',
  'twelve',
  'thirteen',
  'fourteen',
  'fifteen',
  'sixteen',
  'seventeen',
  'eighteen',
  'nineteen',
];
/** A number of two words or of the teens spelt out before a unit of time ("forty-eight hours", "eighteen days"). */
const SPELT_NUMBER = new RegExp(
  String.raw`\b(?:(${TENS.join('|')})(?:[-\s](${UNITS.join('|')}))?|(${TEENS.join('|')}))(?=\s+(?:minutes?|mins?|hours?|hrs?|days?|weeks?|wks?|months?)\b)`,
  'gi',
);

/** Misspelt time words put right, and numbers spelt out before a unit of time written in digits. */
const withTimeTyposSpelt = (text: string): string =>
  TIME_TYPOS.reduce((t, [typo, word]) => t.replace(typo, word), text).replace(
    SPELT_NUMBER,
    (_all, tens?: string, unit?: string, teen?: string) =>
      teen !== undefined
        ? String(TEENS.indexOf(teen.toLowerCase()) + 11)
        : String(
            (TENS.indexOf((tens ?? '').toLowerCase()) + 2) * 10 +
              (unit === undefined ? 0 : UNITS.indexOf(unit.toLowerCase()) + 1),
          ),
  );

// Spaced apart from what joins it, a day spelt out is read as any whole name is ("mon-fri").
const withWeekdaysSpelt = (text: string): string =>
  text.replace(
    WEEKDAY_BESIDE,
    (_all, before?: string, after?: string, possessive?: string, alone?: string) =>
      possessive !== undefined
        ? possessive
        : ` ${WEEKDAYS[weekdayIndex((before ?? after ?? alone ?? '').toLowerCase())] ?? _all} `,
  );

/** The weekday (0 = Sunday) a full or shortened name stands for, or -1. */
const weekdayIndex = (word: string): number =>
  word === '' ? -1 : WEEKDAYS.findIndex((d) => d.startsWith(word.replace(/s$/, '').slice(0, 3)));

const NUMBER_WORDS: Readonly<Record<string, number>> = {
  a: 1,
  an: 1,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  twelve: 12,
  fourteen: 14,
  thirty: 30,
  few: 3,
  couple: 2,
};

const UNIT_MS: Readonly<Record<string, number>> = {
  minute: 60_000,
  min: 60_000,
  hour: HOUR,
  h: HOUR,
  hr: HOUR,
  day: DAY,
  d: DAY,
  week: 7 * DAY,
  wk: 7 * DAY,
  w: 7 * DAY,
  fortnight: 14 * DAY,
  month: 30 * DAY,
  mo: 30 * DAY,
  mth: 30 * DAY,
};

/** True when `timeZone` is an IANA zone this runtime knows. */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

const shiftDay = (day: LocalDay, delta: number): LocalDay =>
  localDate(Date.UTC(day.year, day.month - 1, day.day + delta, 12), 'UTC');

const weekday = (day: LocalDay): number => new Date(Date.UTC(day.year, day.month - 1, day.day)).getUTCDay();

/** The instant `hhmm` happens on `day` in the zone. */
const at = (day: LocalDay, hhmm: string, timeZone: string): number => zonedTime(day, hhmm, timeZone);

const capitalised = (word: string): string => `${word[0]?.toUpperCase() ?? ''}${word.slice(1)}`;

interface Rule {
  readonly pattern: RegExp;
  readonly period: (
    match: RegExpExecArray,
    ctx: TimeContext,
    today: LocalDay,
  ) => Period | PeriodProblem | undefined;
}

const isoDay = (day: LocalDay): string =>
  `${day.year}-${String(day.month).padStart(2, '0')}-${String(day.day).padStart(2, '0')}`;

const realDay = (day: LocalDay): boolean => {
  const probe = new Date(Date.UTC(day.year, day.month - 1, day.day));
  return (
    day.month >= 1 &&
    day.month <= 12 &&
    probe.getUTCMonth() === day.month - 1 &&
    probe.getUTCDate() === day.day
  );
};

/** A year left out means the latest such day: last year's when this year's is still to come. */
const latestYear = (month: number, dayOfMonth: number, today: LocalDay): number =>
  month > today.month || (month === today.month && dayOfMonth > today.day) ? today.year - 1 : today.year;

/** That whole local day, or why it is none (no such date, or one still to come). */
function wholeDay(day: LocalDay, typed: string, ctx: TimeContext, today: LocalDay): Period | PeriodProblem {
  if (!realDay(day)) return problem(typed, `"${typed}" is no date of the calendar`, []);
  if (isoDay(day) > isoDay(today))
    return problem(typed, `${isoDay(day)} is still to come: the workspace's clock says ${isoDay(today)}`, []);
  return {
    startMs: at(day, '00:00', ctx.timeZone),
    endMs: at(shiftDay(day, 1), '00:00', ctx.timeZone),
    label: `on ${isoDay(day)}`,
  };
}

const problem = (typed: string, reason: string, readings: readonly string[]): PeriodProblem => ({
  problem: { typed: typed.trim(), reason, readings },
});

/** Monday 00:00 of the week holding `day` (weeks start on Monday, as ISO 8601 and most teams count). */
const weekStart = (day: LocalDay): LocalDay => shiftDay(day, -((weekday(day) + 6) % 7));

const rolling = (amount: number, unitMs: number, ctx: TimeContext, label: string): Period => ({
  startMs: ctx.nowMs - amount * unitMs,
  endMs: ctx.nowMs,
  label,
});

const unitOf = (word: string): string => word.replace(/s$/, '');

// Order matters: longer phrases first, so "last night" is not read as "last n…" and "since yesterday"
// not as "yesterday".
const RULES: readonly Rule[] = [
  {
    // "Tonight": this evening from 18:00 up to now — asked after midnight, the evening before.
    pattern: /\bto-?ni(?:ght|te)\b/,
    period: (_m, ctx, today) => {
      const evening = at(today, '18:00', ctx.timeZone);
      const startMs = evening <= ctx.nowMs ? evening : at(shiftDay(today, -1), '18:00', ctx.timeZone);
      return { startMs, endMs: ctx.nowMs, label: 'tonight' };
    },
  },
  {
    pattern: /\b(?:last|yester(?:day)?)\s*ni(?:ght|te)\b|\bovernight\b/,
    period: (_m, ctx, today) => {
      const start = at(shiftDay(today, -1), '18:00', ctx.timeZone);
      return {
        startMs: start,
        endMs: Math.min(ctx.nowMs, at(today, '08:00', ctx.timeZone)),
        label: 'last night',
      };
    },
  },
  {
    pattern: /\bsince\s+yesterday\b/,
    period: (_m, ctx, today) => ({
      startMs: at(shiftDay(today, -1), '00:00', ctx.timeZone),
      endMs: ctx.nowMs,
      label: 'since yesterday',
    }),
  },
  {
    pattern: new RegExp(String.raw`\b(?:since|from)\s+(?:last\s+)?(${WEEKDAY_SHORT})(?:day)?\b`),
    period: (m, ctx, today) => {
      const index = weekdayIndex(m[1] ?? '');
      if (index < 0) return undefined;
      const back = (weekday(today) - index + 7) % 7;
      const day = WEEKDAYS[index] ?? '';
      return {
        startMs: at(shiftDay(today, -back), '00:00', ctx.timeZone),
        endMs: ctx.nowMs,
        label: `since ${capitalised(day)}`,
      };
    },
  },
  {
    // "Friday night", "on sat nite": as "last night" is, 18:00 that evening to 08:00 the next morning
    // (or now), the latest such weekday before today.
    pattern: new RegExp(
      String.raw`(?<![\w.-])(?:on\s+)?(monday|tuesday|wednesday|thursday|friday|saturday|sunday|${WEEKDAY_SHORT})\s+ni(?:ght|te)\b`,
    ),
    period: (m, ctx, today) => {
      const index = weekdayIndex(m[1] ?? '');
      if (index < 0) return undefined;
      const day = shiftDay(today, -((weekday(today) - index + 7) % 7 || 7));
      return {
        startMs: at(day, '18:00', ctx.timeZone),
        endMs: Math.min(ctx.nowMs, at(shiftDay(day, 1), '08:00', ctx.timeZone)),
        label: `${capitalised(WEEKDAYS[index] ?? '')} night`,
      };
    },
  },
  {
    // "on Friday", "on fri", or a weekday's whole name alone ("what broke saturday"): a short form
    // alone is a plain word too often ("sat idle", "the sun"), unless `withWeekdaysSpelt` spelt it out.
    pattern: new RegExp(
      String.raw`\bon\s+(${WEEKDAY_SHORT})(?:day)?\b|(?<![\w.-])(monday|tuesday|wednesday|thursday|friday|saturday|sunday)(?![\w-]|\.\w)`,
    ),
    period: (m, ctx, today) => {
      const index = weekdayIndex(m[1] ?? m[2] ?? '');
      if (index < 0) return undefined;
      // "on Monday" means the last Monday before today; on a Monday, a week ago.
      const back = (weekday(today) - index + 7) % 7 || 7;
      const day = shiftDay(today, -back);
      return {
        startMs: at(day, '00:00', ctx.timeZone),
        endMs: at(shiftDay(day, 1), '00:00', ctx.timeZone),
        label: `on ${capitalised(WEEKDAYS[index] ?? '')}`,
      };
    },
  },
  {
    // Days of one month written as a stretch: "20-21 nov", "nov 20-21", "20th to 21st November".
    pattern: new RegExp(
      String.raw`\b(?:(\d{1,2})(?:st|nd|rd|th)?\s*(?:-|–|to|until|till)\s*(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(${MONTH_WORD})|(${MONTH_WORD})\.?\s+(\d{1,2})(?:st|nd|rd|th)?\s*(?:-|–|to|until|till)\s*(\d{1,2})(?:st|nd|rd|th)?)\b`,
    ),
    period: (m, ctx, today) => {
      const name = m[3] ?? m[4] ?? '';
      const month = MONTHS.indexOf(name.slice(0, 3)) + 1;
      const from = Number(m[1] ?? m[5]);
      const to = Number(m[2] ?? m[6]);
      const year = latestYear(month, to, today);
      const first = wholeDay({ year, month, day: from }, m[0], ctx, today);
      const last = wholeDay({ year, month, day: to }, m[0], ctx, today);
      if ('problem' in first) return first;
      if ('problem' in last) return last;
      if (last.endMs <= first.startMs) return problem(m[0], 'that stretch ends before it starts', []);
      return {
        startMs: first.startMs,
        endMs: last.endMs,
        label: `from ${first.label.slice(3)} to ${last.label.slice(3)}`,
      };
    },
  },
  {
    // A calendar date: "on 2026-11-20", "on Nov 21", "21 Nov", "November 21st" (this year, or last
    // year's when that day is still to come).
    pattern:
      /\b(?:on\s+)?(?:(\d{4})-(\d{2})-(\d{2})|(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)(?:uary|ruary|ch|il|e|y|ust|t|tember|ober|ember)?\.?\s+(\d{1,2})(?:st|nd|rd|th)?|(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)(?:uary|ruary|ch|il|e|y|ust|t|tember|ober|ember)?)\b/,
    period: (m, ctx, today) => {
      const monthName = m[4] ?? m[7];
      const month = monthName === undefined ? Number(m[2]) : MONTHS.indexOf(monthName) + 1;
      const dayOfMonth = Number(m[3] ?? m[5] ?? m[6]);
      const year = m[1] === undefined ? latestYear(month, dayOfMonth, today) : Number(m[1]);
      return wholeDay({ year, month, day: dayOfMonth }, m[0], ctx, today);
    },
  },
  {
    // A date in digits: "11/21", "21/11", "21.11.2026", "12/03/2026". Day and month are told apart by
    // a part above 12; when both could be either ("12/03"), the two readings are offered, not guessed.
    pattern:
      /(?:\bon\s+)?(?<![\d/.:-])(\d{1,2})\/(\d{1,2})(?:\/(\d{4}|\d{2}))?(?![\d/])|(?<![\d/.:-])(\d{1,2})\.(\d{1,2})\.(\d{4})(?![\d.])/,
    period: (m, ctx, today) => {
      const typed = m[0].replace(/^on\s+/, '');
      const first = Number(m[1] ?? m[4]);
      const second = Number(m[2] ?? m[5]);
      const written = m[3] ?? m[6];
      const yearOf = (month: number, dayOfMonth: number) =>
        written === undefined
          ? latestYear(month, dayOfMonth, today)
          : written.length === 2
            ? 2000 + Number(written)
            : Number(written);
      // Dots are written day first (21.11.2026); slashes either way.
      const dayFirst = { year: yearOf(second, first), month: second, day: first };
      const monthFirst = { year: yearOf(first, second), month: first, day: second };
      const readings = (m[4] === undefined ? [monthFirst, dayFirst] : [dayFirst]).filter(realDay);
      const distinct = readings.filter((r, i) => readings.findIndex((o) => isoDay(o) === isoDay(r)) === i);
      if (distinct.length === 0) return problem(typed, `"${typed}" is no date of the calendar`, []);
      if (distinct.length > 1)
        return problem(
          typed,
          `"${typed}" reads as ${distinct.map(isoDay).join(' or ')}`,
          distinct.map(isoDay),
        );
      return wholeDay(distinct[0]!, typed, ctx, today);
    },
  },
  {
    // "on the 20th": that day of this month, or of last month when this month's is still to come.
    pattern: /\b(?:on\s+)?the\s+(\d{1,2})(?:st|nd|rd|th)\b/,
    period: (m, ctx, today) => {
      const dayOfMonth = Number(m[1]);
      const month = dayOfMonth > today.day ? shiftDay({ ...today, day: 1 }, -1) : today;
      return wholeDay({ year: month.year, month: month.month, day: dayOfMonth }, m[0], ctx, today);
    },
  },
  {
    // "the day before yesterday", "2 days ago", "three days ago": that whole day.
    pattern: new RegExp(
      String.raw`\b(?:(?:the\s+)?day\s+before\s+(?:yesterday|y'?day)|(\d{1,2}|${Object.keys(NUMBER_WORDS).join('|')})\s+days?\s+ago)\b`,
    ),
    period: (m, ctx, today) => {
      const word = m[1];
      const back = word === undefined ? 2 : /^\d/.test(word) ? Number(word) : (NUMBER_WORDS[word] ?? 0);
      if (back <= 0) return undefined;
      const day = shiftDay(today, -back);
      return {
        startMs: at(day, '00:00', ctx.timeZone),
        endMs: at(shiftDay(day, 1), '00:00', ctx.timeZone),
        label: `on ${isoDay(day)}`,
      };
    },
  },
  {
    pattern: /\byesterday\b|\by'?day\b|\bystd\b/,
    period: (_m, ctx, today) => ({
      startMs: at(shiftDay(today, -1), '00:00', ctx.timeZone),
      endMs: at(today, '00:00', ctx.timeZone),
      label: 'yesterday',
    }),
  },
  {
    // Asked at midnight, before any of today's morning has passed, the latest morning that has: yesterday's.
    pattern: /\bthis\s+morning\b/,
    period: (_m, ctx, today) => {
      const begun = at(today, '00:00', ctx.timeZone) < ctx.nowMs;
      const day = begun ? today : shiftDay(today, -1);
      return {
        startMs: at(day, '00:00', ctx.timeZone),
        endMs: Math.min(ctx.nowMs, at(day, '12:00', ctx.timeZone)),
        label: begun ? 'this morning' : 'yesterday morning',
      };
    },
  },
  {
    pattern: /\btoday\b|\bso\s+far\s+today\b/,
    period: (_m, ctx, today) => ({
      startMs: at(today, '00:00', ctx.timeZone),
      endMs: ctx.nowMs,
      label: 'today',
    }),
  },
  {
    // "over the weekend", "this weekend": the latest Saturday and Sunday that have begun, up to now;
    // "last weekend" in a weekend is the one before.
    pattern:
      /\b(?:(this|last|previous|past)\s+|(?:over|during|on|at)\s+the\s+|the\s+)?(?:week-?ends?|wknds?)\b/,
    period: (m, ctx, today) => {
      const inWeekend = weekday(today) === 6 || weekday(today) === 0;
      const back = (weekday(today) + 1) % 7;
      const earlier = inWeekend && (m[1] === 'last' || m[1] === 'previous' || m[1] === 'past') ? 7 : 0;
      const saturday = shiftDay(today, -back - earlier);
      return {
        startMs: at(saturday, '00:00', ctx.timeZone),
        endMs: Math.min(ctx.nowMs, at(shiftDay(saturday, 2), '00:00', ctx.timeZone)),
        label: `the weekend of ${isoDay(saturday)}`,
      };
    },
  },
  {
    // "For the week", "over the week", "the week so far": the week that is running, as "this week".
    pattern:
      /\bthis\s+w(?:ee)?k\b|\bweek\s+to\s+date\b|\bwtd\b|\b(?:for|over|during|across|in)\s+the\s+w(?:ee)?k\b(?![\s-]+(?:before|after|prior|of|ending|ended|starting|to|earlier|end))|\bthe\s+w(?:ee)?k\s+so\s+far\b/,
    period: (_m, ctx, today) => ({
      startMs: at(weekStart(today), '00:00', ctx.timeZone),
      endMs: ctx.nowMs,
      label: 'this week',
    }),
  },
  {
    // "The week before last": the whole calendar week before last week.
    pattern: /\b(?:the\s+)?w(?:ee)?k\s+before\s+last\b/,
    period: (_m, ctx, today) => {
      const monday = weekStart(today);
      return {
        startMs: at(shiftDay(monday, -14), '00:00', ctx.timeZone),
        endMs: at(shiftDay(monday, -7), '00:00', ctx.timeZone),
        label: 'the week before last',
      };
    },
  },
  {
    pattern: /\b(?:last|previous|prior)\s+w(?:ee)?k\b/,
    period: (_m, ctx, today) => {
      const monday = weekStart(today);
      return {
        startMs: at(shiftDay(monday, -7), '00:00', ctx.timeZone),
        endMs: at(monday, '00:00', ctx.timeZone),
        label: 'last week',
      };
    },
  },
  {
    pattern:
      /\bthis\s+m(?:onth|o|th)\b|\bmonth\s+to\s+date\b|\bmtd\b|\b(?:for|over|during|across|in)\s+the\s+month\b(?![\s-]+(?:before|after|prior|of|ending|ended|starting|to|earlier|end))|\bthe\s+month\s+so\s+far\b/,
    period: (_m, ctx, today) => ({
      startMs: at({ ...today, day: 1 }, '00:00', ctx.timeZone),
      endMs: ctx.nowMs,
      label: 'this month',
    }),
  },
  {
    pattern: /\b(?:last|previous|prior)\s+m(?:onth|o|th)\b/,
    period: (_m, ctx, today) => {
      const first = { ...today, day: 1 };
      const previousFirst = { ...shiftDay(first, -1), day: 1 };
      return {
        startMs: at(previousFirst, '00:00', ctx.timeZone),
        endMs: at(first, '00:00', ctx.timeZone),
        label: 'last month',
      };
    },
  },
  {
    // "This year", "ytd", "last year"; "this quarter", "qtd", "last quarter", "Q3", "q3 2026":
    // calendar years and quarters, up to now while they last.
    pattern:
      /\b(?:(this|last|previous|prior)\s+(year|quarter|qtr)|(ytd|qtd)|year\s+to\s+date|quarter\s+to\s+date|q([1-4])(?:\s+(\d{4}))?)\b/,
    period: (m, ctx, today) => {
      const [whole, which, unit, short, quarter, written] = m;
      const isYear = unit === 'year' || short === 'ytd' || whole.startsWith('year');
      const back = which === undefined || which === 'this' ? 0 : 1;
      let first: LocalDay;
      let months: number;
      if (isYear) {
        first = { year: today.year - back, month: 1, day: 1 };
        months = 12;
      } else if (quarter !== undefined) {
        const q = Number(quarter);
        const thisYears = (q - 1) * 3 + 1 <= today.month;
        first = {
          year: written === undefined ? today.year - (thisYears ? 0 : 1) : Number(written),
          month: (q - 1) * 3 + 1,
          day: 1,
        };
        months = 3;
      } else {
        const startMonth = Math.floor((today.month - 1) / 3) * 3 + 1 - back * 3;
        first =
          startMonth < 1
            ? { year: today.year - 1, month: startMonth + 12, day: 1 }
            : { year: today.year, month: startMonth, day: 1 };
        months = 3;
      }
      const startMs = at(first, '00:00', ctx.timeZone);
      if (startMs > ctx.nowMs)
        return problem(
          whole,
          `${isoDay(first)} is still to come: the workspace's clock says ${isoDay(today)}`,
          [],
        );
      const endMonth = first.month - 1 + months;
      const next = { year: first.year + Math.floor(endMonth / 12), month: (endMonth % 12) + 1, day: 1 };
      const label = isYear
        ? back === 0
          ? 'this year'
          : `in ${first.year}`
        : `in Q${(first.month - 1) / 3 + 1} ${first.year}`;
      return { startMs, endMs: Math.min(ctx.nowMs, at(next, '00:00', ctx.timeZone)), label };
    },
  },
  {
    // A month by its name: "in November", "november so far", "for oct", "since september", "may 2026" —
    // the calendar month (up to now while it lasts; "since" runs to now), last year's while this year's
    // is still to come. A short name, or "may"/"march", only with a word that makes it a month.
    pattern:
      /(?<![\w.-])(?:(in|for|during|over|throughout|of|since|from)\s+)?(january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec)\.?(?:\s+(\d{4})\b|(?=\s+so\s+far\b))?(?:\s+so\s+far)?(?![\w-]|\.\w)/,
    period: (m, ctx, today) => {
      const [whole, lead, name = '', written] = m;
      const plainWord = name.length <= 4 || name === 'march';
      if (plainWord && lead === undefined && written === undefined && !/so\s+far/.test(whole))
        return undefined;
      const month = MONTHS.indexOf(name.slice(0, 3)) + 1;
      const year =
        written !== undefined ? Number(written) : month > today.month ? today.year - 1 : today.year;
      const first = { year, month, day: 1 };
      const next = { ...shiftDay({ year, month, day: 28 }, 7), day: 1 };
      const startMs = at(first, '00:00', ctx.timeZone);
      if (startMs > ctx.nowMs)
        return problem(
          whole,
          `${isoDay(first).slice(0, 7)} is still to come: the workspace's clock says ${isoDay(today)}`,
          [],
        );
      const monthName = new Date(Date.UTC(year, month - 1, 1)).toLocaleString('en-US', {
        month: 'long',
        timeZone: 'UTC',
      });
      return {
        startMs,
        endMs:
          lead === 'since' || lead === 'from'
            ? ctx.nowMs
            : Math.min(ctx.nowMs, at(next, '00:00', ctx.timeZone)),
        label: `${lead === 'since' || lead === 'from' ? 'since' : 'in'} ${monthName} ${year}`,
      };
    },
  },
  {
    // "past 2 days", "in the last 36 hours", "over the previous week", "last 24h", "past few days".
    pattern:
      /\b(?:(?:in|over|during|for)\s+)?(?:the\s+)?(?:past|last|previous|recent|prior)\s+(?:(\d{1,4}|a|an|one|two|three|four|five|six|seven|eight|nine|ten|twelve|fourteen|thirty|few|couple)\s*(?:of\s+)?)?(minutes?|mins?|hours?|hrs?|h|days?|d|weeks?|wks?|w|fortnights?|months?|mos|mo|mths?)\b/,
    period: (m, ctx) => {
      const word = m[1];
      const amount = word === undefined ? 1 : /^\d/.test(word) ? Number(word) : (NUMBER_WORDS[word] ?? 1);
      const unit = unitOf(m[2] ?? 'day');
      const unitMs = UNIT_MS[unit] ?? DAY;
      if (amount <= 0) return undefined;
      const name =
        { min: 'minute', h: 'hour', hr: 'hour', d: 'day', w: 'week', wk: 'week', mo: 'month', mth: 'month' }[
          unit
        ] ?? unit;
      return rolling(amount, unitMs, ctx, amount === 1 ? `the past ${name}` : `the past ${amount} ${name}s`);
    },
  },
  {
    // "24h", "48 hours", "7 days" standing alone ("failures 24h"); a length a run is measured by
    // ("longer than 2 hours", "taking 3 hours") is no period.
    pattern: /(?:^|\s)(?<!\b(?:than|exceeding|took|taking|lasting)\s)(\d{1,4})\s*(h|hours?|d|days?)\b/,
    period: (m, ctx) => {
      const amount = Number(m[1]);
      const unit = unitOf(m[2] ?? 'h');
      const isHours = unit === 'h' || unit === 'hour';
      if (amount <= 0) return undefined;
      return rolling(amount, isHours ? HOUR : DAY, ctx, `the past ${amount} ${isHours ? 'hours' : 'days'}`);
    },
  },
];

/** "since 2026-11-21 06:00", "since monday 9am": a day with a time after it, read as the time on that day. */
const DATE_THEN_TIME =
  /\b(since|after|from|before|until|till)\s+(\d{4}-\d{2}-\d{2}|\d{1,2}\/\d{1,2}(?:\/\d{2,4})?|(?:mon|tues?|wed(?:nes)?|weds|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?)(?![\d/])(?:\s+at|\s*t|,)?\s*(\d{1,2}(?::\d{2})?\s*(?:[ap]\.?m\.?)?|noon|midnight)(?![\d:])/i;

/**
 * Finds the first time expression in `text` and the period it means at `ctx.nowMs`: a day or a
 * stretch of days, and within it the times of day the question names ("after 3pm yesterday"). Returns
 * undefined when the text names no time — callers then use their own default (`recentPeriod`) — and
 * a problem for time words that read as no period, or as two.
 */
export function findPeriod(text: string, ctx: TimeContext): FoundPeriod | PeriodProblem | undefined {
  const reordered = withWeekdaysSpelt(withTimeTyposSpelt(text)).replace(DATE_THEN_TIME, '$1 $3 on $2');
  const across = acrossTwoDays(reordered, ctx);
  if (across !== undefined) return across;
  const clock = findTimeOfDay(reordered);
  if (clock?.ok === false) return problem(clock.typed, clock.reason, []);
  const rest = clock === undefined ? reordered : cut(reordered, clock.index, clock.length);
  const day = findDay(rest, ctx);
  if (clock === undefined || (day !== undefined && 'problem' in day)) return day;
  const within = withinDay(clock.window, day?.period, ctx);
  if ('problem' in within) return within;
  return { period: within, rest: day?.rest ?? rest };
}

const DAY_WORD =
  '(?:sunday|monday|tuesday|wednesday|thursday|friday|saturday|sun|mon|tues?|wed|thu(?:rs?)?|fri|sat|yesterday|today)';
const CLOCK = String.raw`(?:noon|midnight|\d{1,2}(?:[:.]\d{2})?\s*(?:[ap]\.?m\.?)?)`;
/** "Between 11pm fri and 3am sat", "from 22:00 yesterday to 02:00 today": a stretch from a time of one day to one of another. */
const ACROSS_DAYS = new RegExp(
  String.raw`\b(?:between|from)\s+(${CLOCK})\s+(?:on\s+)?(${DAY_WORD})\s*(?:and|to|till|until|-|–)\s*(${CLOCK})\s+(?:on\s+)?(${DAY_WORD})\b`,
  'i',
);

/** A stretch from a time on one day to a time on another, or undefined when the text names none. */
function acrossTwoDays(text: string, ctx: TimeContext): FoundPeriod | PeriodProblem | undefined {
  const found = ACROSS_DAYS.exec(text);
  if (found === null) return undefined;
  const [whole, fromTime = '', fromDay = '', toTime = '', toDay = ''] = found;
  const spelt = (day: string) => {
    const index = weekdayIndex(day.toLowerCase());
    return /^(?:yesterday|today)$/i.test(day) || index < 0 ? day : (WEEKDAYS[index] ?? day);
  };
  const from = readClockTime(fromTime);
  const to = readClockTime(toTime);
  if (!from.ok) return problem(fromTime.trim(), from.reason, []);
  if (!to.ok) return problem(toTime.trim(), to.reason, []);
  const first = findDay(spelt(fromDay), ctx);
  const second = findDay(spelt(toDay), ctx);
  if (first === undefined || second === undefined || 'problem' in first || 'problem' in second)
    return undefined;
  const startMs = at(localDate(first.period.startMs, ctx.timeZone), clockText(from.minutes), ctx.timeZone);
  const endMs = Math.min(
    ctx.nowMs,
    at(localDate(second.period.startMs, ctx.timeZone), clockText(to.minutes), ctx.timeZone),
  );
  if (endMs <= startMs) return undefined;
  return {
    period: {
      startMs,
      endMs,
      label: `from ${clockText(from.minutes)} ${first.period.label} to ${clockText(to.minutes)} ${second.period.label}`,
    },
    rest: cut(text, found.index, whole.length),
  };
}

/** Words that set two periods side by side: "yesterday vs Friday", "was Saturday worse than Friday". */
const COMPARING = /\b(?:vs\.?|versus|compared?|comparing|comparison|than|against)\b/i;
/** "Friday or Saturday, which was more expensive": two periods offered as a choice. */
const CHOICE_WORDS =
  /\b(?:which|more|less|worse|better|higher|lower|bigger|smaller|cheaper|pricier|most|least)\b/i;
/** "Week over week", "wow", "w/w": a period held against the one before it. */
const OVER_THE_ONE_BEFORE = /\b(?:week|wk)\s*(?:over|on)\s*(?:week|wk)\b|\bwow\b|\bw\/w\b/i;
/**
 * "vs last week", "against the prior wk", "compared with the previous day": the one before, named alone,
 * its unit as chat shortens it too.
 */
const AGAINST_THE_LAST =
  /\b(?:vs\.?|versus|against|than|compared (?:to|with))\s+(?:the\s+)?(?:last|previous|prior|preceding)\s+(day|week|wk|month|mo|mth)\b/i;
const UNIT_SPELT: Readonly<Record<string, 'day' | 'week' | 'month'>> = {
  day: 'day',
  week: 'week',
  wk: 'week',
  month: 'month',
  mo: 'month',
  mth: 'month',
};
/** "Yesterday vs the day before": the period just before the one named. */
const THE_ONE_BEFORE =
  /\b(?:vs\.?|versus|against|than|compared (?:to|with))\s+(?:the\s+)?(?:last|previous|prior|preceding)(?:\s+one)?\s*(?:[?!.,;]|$)|\b(?:the\s+)?(?:\d+\s+|two\s+|three\s+)?(?:days?|weeks?|wks?|months?|period|one)\s+before\b(?!\s+(?:yesterday|last))|\b(?:previous|prior)\s+(?:day|week|month|period)\b/i;

/**
 * Two periods a question compares ("cost yesterday vs Friday", "was Saturday worse than Friday"): the
 * one named first is asked about, the other is what it is held against. Undefined when the question
 * names fewer than two periods or does not compare them.
 */
export function findComparedPeriods(
  text: string,
  ctx: TimeContext,
): (FoundPeriod & { readonly against: Period }) | undefined {
  const over = OVER_THE_ONE_BEFORE.test(text);
  // "Failures per team vs last week", "vs the prior week", with no period of their own: this one against it.
  const onlyBefore = AGAINST_THE_LAST.exec(text);
  if (onlyBefore !== null) {
    const rest = cut(text, onlyBefore.index, onlyBefore[0].length);
    const unit = UNIT_SPELT[(onlyBefore[1] ?? 'week').toLowerCase()] ?? 'week';
    const before = findPeriod(`last ${unit}`, ctx);
    if (findPeriod(rest, ctx) === undefined && before !== undefined && !('problem' in before)) {
      const period =
        unit === 'day' ? recentPeriod(24, ctx) : (findPeriod(`this ${unit}`, ctx) as FoundPeriod).period;
      return { period, against: before.period, rest };
    }
  }
  // "Failures week over week" with no period named: the past week against the one before.
  if (over && findPeriod(text, ctx) === undefined) {
    const period = recentPeriod(7 * 24, ctx);
    return { period, against: previousPeriod(period), rest: text };
  }
  if (!over && !COMPARING.test(text) && !(/\bor\b/i.test(text) && CHOICE_WORDS.test(text))) return undefined;
  const first = findPeriod(text, ctx);
  if (first === undefined || 'problem' in first) return undefined;
  const second = findPeriod(first.rest, ctx);
  if (second === undefined && (over || (COMPARING.test(text) && THE_ONE_BEFORE.test(first.rest)))) {
    // "This week vs last": the last of the same calendar unit, not the days just before this one's.
    const unit = /^this (week|month)$/.exec(first.period.label)?.[1];
    const last = unit === undefined ? undefined : findPeriod(`last ${unit}`, ctx);
    const against = last !== undefined && !('problem' in last) ? last.period : previousPeriod(first.period);
    return { ...first, against };
  }
  if (second === undefined || 'problem' in second) return undefined;
  // Two readings of the same stretch ("the last 3 days against the 3 days before") are no two periods.
  if (first.period.startMs < second.period.endMs && second.period.startMs < first.period.endMs)
    return undefined;
  // Where each one's words were taken out tells which came first in the question.
  const secondFirst = divergence(first.rest, second.rest) < divergence(text, first.rest);
  return secondFirst
    ? { period: second.period, against: first.period, rest: second.rest }
    : { period: first.period, against: second.period, rest: second.rest };
}

/** Where two texts first differ. */
function divergence(a: string, b: string): number {
  let i = 0;
  while (i < a.length && a[i]?.toLowerCase() === b[i]?.toLowerCase()) i++;
  return i;
}

const cut = (text: string, index: number, length: number): string =>
  `${text.slice(0, index)} ${text.slice(index + length)}`.replace(/\s+/g, ' ').trim();

/** The first day or stretch of days the text names, with the text without its words. */
function findDay(text: string, ctx: TimeContext): FoundPeriod | PeriodProblem | undefined {
  const lower = text.toLowerCase();
  const today = localDate(ctx.nowMs, ctx.timeZone);
  for (const rule of RULES) {
    const match = rule.pattern.exec(lower);
    if (match === null) continue;
    const period = rule.period(match, ctx, today);
    if (period === undefined) continue;
    if ('problem' in period) return period;
    if (period.endMs < period.startMs) continue;
    const range = untilDay(lower, match, period, ctx, today) ?? sinceDay(lower, match, period, ctx);
    if (range !== undefined && 'problem' in range) return range;
    const [start, end] = range === undefined ? [match.index, match.index + match[0].length] : range.span;
    return { period: range?.period ?? period, rest: cut(text, start, end - start) };
  }
  return undefined;
}

/** What joins two days into a stretch: "11/20 to 11/21", "from Nov 3 until Nov 5", "between … and …". */
const DAY_JOINT = /^\s*(?:to|-|–|until|till|through|thru|and)\s*/;

/**
 * A second day right after a first ("11/20 to 11/21"): the stretch from the first day's start to the
 * second's end, and where its words lie in the text. Undefined when no day follows.
 */
function untilDay(
  lower: string,
  match: RegExpExecArray,
  first: Period,
  ctx: TimeContext,
  today: LocalDay,
): { period: Period; span: [number, number] } | PeriodProblem | undefined {
  if (!first.label.startsWith('on ')) return undefined;
  const afterFirst = match.index + match[0].length;
  const joint = DAY_JOINT.exec(lower.slice(afterFirst));
  if (joint === null) return undefined;
  const from = afterFirst + joint[0].length;
  for (const rule of RULES) {
    const next = rule.pattern.exec(lower.slice(from));
    if (next === null || next.index !== 0) continue;
    const second = rule.period(next, ctx, today);
    if (second !== undefined && 'problem' in second) return second;
    if (second === undefined || !second.label.startsWith('on ')) return undefined;
    const lead = /(?:from|between)\s+$/.exec(lower.slice(0, match.index));
    // "on Monday and Wednesday" is two days, not the stretch between them; "between … and …" is.
    if (joint[0].trim() === 'and' && !lead?.[0].startsWith('between')) return undefined;
    if (second.endMs <= first.startMs)
      return problem(
        lower.slice(match.index, from + next[0].length),
        'that stretch ends before it starts',
        [],
      );
    return {
      period: {
        startMs: first.startMs,
        endMs: second.endMs,
        label: `from ${first.label.slice(3)} to ${second.label.slice(3)}`,
      },
      span: [lead === null ? match.index : lead.index, from + next[0].length],
    };
  }
  return undefined;
}

/**
 * "Since the 20th", "since Nov 3", "from 11/20" with no second day: from that day's start up to now,
 * not that day alone. Undefined when no such word leads the day.
 */
function sinceDay(
  lower: string,
  match: RegExpExecArray,
  day: Period,
  ctx: TimeContext,
): { period: Period; span: [number, number] } | undefined {
  if (!day.label.startsWith('on ')) return undefined;
  const lead = /\b(?:since|from)\s+$/.exec(lower.slice(0, match.index));
  if (lead === null) return undefined;
  return {
    period: { startMs: day.startMs, endMs: ctx.nowMs, label: `since ${day.label.slice(3)}` },
    span: [lead.index, match.index + match[0].length],
  };
}

const MINUTE = 60_000;

/**
 * The stretch a time-of-day window bounds on the day the question names — or, with none, on the
 * latest day on which it has begun ("since 6am" asked at 01:00 is since yesterday's 6am). "Last night"
 * is two days: evening times fall on the first, morning times on the second. Periods of several days
 * take "since"/"after" as their first day's time; a stretch within them is asked about one day.
 */
function withinDay(window: DayWindow, day: Period | undefined, ctx: TimeContext): Period | PeriodProblem {
  const today = localDate(ctx.nowMs, ctx.timeZone);
  const first = window.kind === 'before' ? window.to : window.from;
  const night = day?.label === 'last night';
  // "Friday night" is two days as "last night" is: evening times on Friday, morning times on Saturday.
  const weekdayNight = day !== undefined && !night && day.label.endsWith(' night');
  // Hours of "this morning" still to come (asked at midnight) are the latest morning's that have passed.
  const morning = day?.label === 'this morning';
  let anchor: LocalDay;
  let flexible = day === undefined || night || morning;
  if (day === undefined || morning) anchor = today;
  else if (night) anchor = first >= 12 * 60 ? shiftDay(today, -1) : today;
  else if (weekdayNight) {
    const evening = localDate(day.startMs, ctx.timeZone);
    anchor = first >= 12 * 60 ? evening : shiftDay(evening, 1);
  } else {
    anchor = localDate(day.startMs, ctx.timeZone);
    const oneDay = at(shiftDay(anchor, 1), '00:00', ctx.timeZone) >= day.endMs;
    if (!oneDay) {
      if (window.kind === 'since' || window.kind === 'after')
        return {
          startMs: Math.min(day.endMs, at(anchor, clockText(window.from), ctx.timeZone)),
          endMs: day.endMs,
          label: `${day.label} from ${clockText(window.from)}`,
        };
      return problem(
        window.kind === 'before'
          ? `before ${clockText(window.to)}`
          : `${clockText(window.from)}–${clockText(window.to)}`,
        `I read a stretch of hours on one day, not across ${day.label}; name the day ("yesterday", "on 2026-11-20")`,
        [],
      );
    }
    flexible = false;
  }
  for (;;) {
    const span = spanOn(window, anchor, ctx);
    // A stretch is of the latest day on which some of it has passed; "since" a time that is now, of today.
    const begun = window.kind === 'since' ? span.startMs <= ctx.nowMs : span.startMs < ctx.nowMs;
    if (!flexible || begun) {
      const endMs = Math.max(span.startMs, Math.min(span.endMs, ctx.nowMs));
      return { startMs: span.startMs, endMs, label: `${span.words} ${dayWord(anchor, today)}` };
    }
    anchor = shiftDay(anchor, -1);
    flexible = false;
  }
}

/** The window on `day`, before it is cut at now. */
function spanOn(
  window: DayWindow,
  day: LocalDay,
  ctx: TimeContext,
): { startMs: number; endMs: number; words: string } {
  const time = (d: LocalDay, minutes: number) => at(d, '00:00', ctx.timeZone) + minutes * MINUTE;
  const nextMidnight = at(shiftDay(day, 1), '00:00', ctx.timeZone);
  switch (window.kind) {
    case 'since':
      return { startMs: time(day, window.from), endMs: ctx.nowMs, words: `since ${clockText(window.from)}` };
    case 'after':
      return {
        startMs: time(day, window.from),
        endMs: nextMidnight,
        words: `after ${clockText(window.from)}`,
      };
    case 'before':
      return {
        startMs: at(day, '00:00', ctx.timeZone),
        endMs: time(day, window.to),
        words: `before ${clockText(window.to)}`,
      };
    case 'between':
      return {
        startMs: time(day, window.from),
        endMs: time(window.to > window.from ? day : shiftDay(day, 1), window.to),
        words: `between ${clockText(window.from)} and ${clockText(window.to)}`,
      };
  }
}

const dayWord = (day: LocalDay, today: LocalDay): string =>
  isoDay(day) === isoDay(today)
    ? 'today'
    : isoDay(day) === isoDay(shiftDay(today, -1))
      ? 'yesterday'
      : `on ${isoDay(day)}`;

/** The rolling period of the last `hours` hours: the default when a question names no time. */
export function recentPeriod(hours: number, ctx: TimeContext): Period {
  const label =
    hours % 24 === 0
      ? `the past ${hours / 24 === 1 ? 'day' : `${hours / 24} days`}`
      : `the past ${hours} hours`;
  return rolling(hours, HOUR, ctx, label);
}

/** The period of the same length just before `period`: "compared with the week before". */
export function previousPeriod(period: Period): Period {
  const length = period.endMs - period.startMs;
  return {
    startMs: period.startMs - length,
    endMs: period.startMs,
    label: `the ${formatLength(length)} before`,
  };
}

function formatLength(ms: number): string {
  if (ms % (7 * DAY) === 0) return ms === 7 * DAY ? 'week' : `${ms / (7 * DAY)} weeks`;
  if (ms % DAY === 0) return ms === DAY ? 'day' : `${ms / DAY} days`;
  const hours = Math.round(ms / HOUR);
  return hours === 1 ? 'hour' : `${hours} hours`;
}

/** "Sat 5 Dec 18:00 – Sun 6 Dec 08:00 Europe/Berlin": the period as the workspace's people read it. */
export function describePeriod(period: Period, timeZone: string): string {
  const format = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
  const clean = (ms: number) => format.format(ms).replace(',', '');
  return `${clean(period.startMs)} – ${clean(period.endMs)} ${timeZone}`;
}
