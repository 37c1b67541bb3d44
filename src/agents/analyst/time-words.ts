import { localDate, zonedTime } from '../detector/zoned-time.js';

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

type LocalDay = { year: number; month: number; day: number };

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;

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
  w: 7 * DAY,
  month: 30 * DAY,
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
  readonly period: (match: RegExpExecArray, ctx: TimeContext, today: LocalDay) => Period | undefined;
}

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
    pattern:
      /\b(?:since|from)\s+(?:last\s+)?(mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?\b/,
    period: (m, ctx, today) => {
      const index = WEEKDAYS.findIndex((d) => d.startsWith(m[1] ?? '~'));
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
    pattern: /\bon\s+(monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b/,
    period: (m, ctx, today) => {
      const index = WEEKDAYS.indexOf(m[1] as (typeof WEEKDAYS)[number]);
      // "on Monday" means the last Monday before today; on a Monday, a week ago.
      const back = (weekday(today) - index + 7) % 7 || 7;
      const day = shiftDay(today, -back);
      return {
        startMs: at(day, '00:00', ctx.timeZone),
        endMs: at(shiftDay(day, 1), '00:00', ctx.timeZone),
        label: `on ${capitalised(m[1] ?? '')}`,
      };
    },
  },
  {
    // A calendar date: "on 2026-11-20", "on Nov 21", "21 Nov", "November 21st" (this year, or last
    // year's when that day is still to come).
    pattern:
      /\b(?:on\s+)?(?:(\d{4})-(\d{2})-(\d{2})|(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)(?:uary|ruary|ch|il|e|y|ust|t|tember|ober|ember)?\.?\s+(\d{1,2})(?:st|nd|rd|th)?|(\d{1,2})(?:st|nd|rd|th)?\s+(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)(?:uary|ruary|ch|il|e|y|ust|t|tember|ober|ember)?)\b/,
    period: (m, ctx, today) => {
      const monthName = m[4] ?? m[7];
      const month = monthName === undefined ? Number(m[2]) : MONTHS.indexOf(monthName) + 1;
      const dayOfMonth = Number(m[3] ?? m[5] ?? m[6]);
      let year = m[1] === undefined ? today.year : Number(m[1]);
      if (m[1] === undefined && (month > today.month || (month === today.month && dayOfMonth > today.day)))
        year -= 1;
      const day = { year, month, day: dayOfMonth };
      const probe = new Date(Date.UTC(year, month - 1, dayOfMonth));
      if (month < 1 || probe.getUTCMonth() !== month - 1 || probe.getUTCDate() !== dayOfMonth)
        return undefined;
      return {
        startMs: at(day, '00:00', ctx.timeZone),
        endMs: at(shiftDay(day, 1), '00:00', ctx.timeZone),
        label: `on ${year}-${String(month).padStart(2, '0')}-${String(dayOfMonth).padStart(2, '0')}`,
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
    pattern: /\bthis\s+morning\b/,
    period: (_m, ctx, today) => ({
      startMs: at(today, '00:00', ctx.timeZone),
      endMs: Math.min(ctx.nowMs, at(today, '12:00', ctx.timeZone)),
      label: 'this morning',
    }),
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
    pattern: /\bthis\s+w(?:ee)?k\b|\bweek\s+to\s+date\b|\bwtd\b/,
    period: (_m, ctx, today) => ({
      startMs: at(weekStart(today), '00:00', ctx.timeZone),
      endMs: ctx.nowMs,
      label: 'this week',
    }),
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
    pattern: /\bthis\s+month\b|\bmonth\s+to\s+date\b|\bmtd\b/,
    period: (_m, ctx, today) => ({
      startMs: at({ ...today, day: 1 }, '00:00', ctx.timeZone),
      endMs: ctx.nowMs,
      label: 'this month',
    }),
  },
  {
    pattern: /\b(?:last|previous|prior)\s+month\b/,
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
    // "past 2 days", "in the last 36 hours", "over the previous week", "last 24h", "past few days".
    pattern:
      /\b(?:(?:in|over|during|for)\s+)?(?:the\s+)?(?:past|last|previous|recent|prior)\s+(?:(\d{1,4}|a|an|one|two|three|four|five|six|seven|eight|nine|ten|twelve|fourteen|thirty|few|couple)\s*(?:of\s+)?)?(minutes?|mins?|hours?|hrs?|h|days?|d|weeks?|w|months?)\b/,
    period: (m, ctx) => {
      const word = m[1];
      const amount = word === undefined ? 1 : /^\d/.test(word) ? Number(word) : (NUMBER_WORDS[word] ?? 1);
      const unit = unitOf(m[2] ?? 'day');
      const unitMs = UNIT_MS[unit] ?? DAY;
      if (amount <= 0) return undefined;
      const name = { min: 'minute', h: 'hour', hr: 'hour', d: 'day', w: 'week' }[unit] ?? unit;
      return rolling(amount, unitMs, ctx, amount === 1 ? `the past ${name}` : `the past ${amount} ${name}s`);
    },
  },
  {
    // "24h", "48 hours", "7 days" standing alone ("failures 24h").
    pattern: /(?:^|\s)(\d{1,4})\s*(h|hours?|d|days?)\b/,
    period: (m, ctx) => {
      const amount = Number(m[1]);
      const unit = unitOf(m[2] ?? 'h');
      const isHours = unit === 'h' || unit === 'hour';
      if (amount <= 0) return undefined;
      return rolling(amount, isHours ? HOUR : DAY, ctx, `the past ${amount} ${isHours ? 'hours' : 'days'}`);
    },
  },
];

/**
 * Finds the first time expression in `text` and the period it means at `ctx.nowMs`. Returns undefined
 * when the text names no time: callers then use their own default (`recentPeriod`).
 */
export function findPeriod(text: string, ctx: TimeContext): FoundPeriod | undefined {
  const lower = text.toLowerCase();
  const today = localDate(ctx.nowMs, ctx.timeZone);
  for (const rule of RULES) {
    const match = rule.pattern.exec(lower);
    if (match === null) continue;
    const period = rule.period(match, ctx, today);
    if (period === undefined || period.endMs < period.startMs) continue;
    const rest = `${text.slice(0, match.index)} ${text.slice(match.index + match[0].length)}`
      .replace(/\s+/g, ' ')
      .trim();
    return { period, rest };
  }
  return undefined;
}

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
