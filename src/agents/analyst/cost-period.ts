import { err, ok, type Result } from '../../domain/result.js';

const DAY_MS = 86_400_000;
/** Longest `Nd` a cost report takes: a year of days keeps the chart and the scan reasonable. */
const MAX_DAYS = 366;

/** A reporting window `[fromMs, toMs)` and the window it is compared with, in the workspace's time zone. */
export interface CostPeriod {
  /** What the card says: "last 7 days", "last month". */
  readonly label: string;
  readonly fromMs: number;
  readonly toMs: number;
  readonly previousFromMs: number;
  readonly previousToMs: number;
  /** IANA time zone the calendar words were read in. */
  readonly timeZone: string;
}

/** The words `/dbx cost` accepts for a period, for help texts and error messages. */
const PERIOD_WORDS = [
  '7d',
  '30d',
  'yesterday',
  'today',
  'this week',
  'last week',
  'this month',
  'last month',
];

interface ZonedDate {
  readonly year: number;
  /** 1–12 */
  readonly month: number;
  readonly day: number;
  /** 0 = Monday … 6 = Sunday (ISO weeks start on Monday). */
  readonly weekday: number;
}

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** The calendar date at `ms` in `timeZone`. */
export function zonedDate(ms: number, timeZone: string): ZonedDate {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    weekday: 'short',
  }).formatToParts(ms);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return {
    year: Number(get('year')),
    month: Number(get('month')),
    day: Number(get('day')),
    weekday: WEEKDAYS.indexOf(get('weekday')),
  };
}

/** `YYYY-MM-DD` of `ms` in `timeZone`: the day a spend record is charted under. */
export function zonedDay(ms: number, timeZone: string): string {
  const d = zonedDate(ms, timeZone);
  return `${d.year}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;
}

/** Offset of `timeZone` from UTC at `ms`, in milliseconds (positive east of Greenwich). */
function offsetMs(ms: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(ms);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const asUtc = Date.UTC(
    get('year'),
    get('month') - 1,
    get('day'),
    get('hour'),
    get('minute'),
    get('second'),
  );
  return asUtc - (ms - (ms % 1000));
}

/**
 * Epoch ms of midnight starting `year-month-day` in `timeZone`. Out-of-range days and months roll over
 * (day 0 is the last day of the month before), as `Date.UTC` does. Re-checked after the first guess
 * because the offset at midnight can differ from the offset a few hours away (a DST change).
 */
export function zonedMidnight(year: number, month: number, day: number, timeZone: string): number {
  const wall = Date.UTC(year, month - 1, day);
  const guess = wall - offsetMs(wall, timeZone);
  return wall - offsetMs(guess, timeZone);
}

/**
 * Reads a period word in the workspace's time zone, relative to `nowMs` (the workspace clock).
 * `Nd` is the last N calendar days including today (up to now), compared with the N×24 h before;
 * `this week`/`this month` (so far) are compared with the same stretch of the week or month before;
 * `yesterday`, `last week`, `last month` are whole and compared with the whole one before.
 * Blank means `7d`. Unknown words are an `Err` naming the accepted ones.
 */
export function parseCostPeriod(
  raw: string,
  nowMs: number,
  timeZone: string,
): Result<CostPeriod, 'unknown_period'> {
  const text = raw.trim().toLowerCase().replace(/\s+/g, ' ');
  const today = zonedDate(nowMs, timeZone);
  const midnight = (offsetDays: number) =>
    zonedMidnight(today.year, today.month, today.day + offsetDays, timeZone);
  const make = (label: string, fromMs: number, toMs: number, previousFromMs: number, previousToMs: number) =>
    ok({ label, fromMs, toMs, previousFromMs, previousToMs, timeZone });

  const days = /^(?:last |past )?(\d{1,4}) ?(?:d|days?)$/.exec(text === '' ? '7d' : text);
  if (days !== null) {
    const n = Number(days[1]);
    if (n >= 1 && n <= MAX_DAYS) {
      const from = midnight(-(n - 1));
      const length = nowMs - from;
      return make(n === 1 ? 'today' : `last ${n} days`, from, nowMs, from - length, from);
    }
  }
  switch (text) {
    case 'today': {
      const from = midnight(0);
      return make('today', from, nowMs, from - DAY_MS, nowMs - DAY_MS);
    }
    case 'yesterday': {
      const from = midnight(-1);
      const to = midnight(0);
      return make('yesterday', from, to, midnight(-2), from);
    }
    case 'this week':
    case 'week': {
      const from = midnight(-today.weekday);
      return make('this week', from, nowMs, from - 7 * DAY_MS, nowMs - 7 * DAY_MS);
    }
    case 'last week': {
      const to = midnight(-today.weekday);
      const from = midnight(-today.weekday - 7);
      return make('last week', from, to, midnight(-today.weekday - 14), from);
    }
    case 'this month':
    case 'month': {
      const from = zonedMidnight(today.year, today.month, 1, timeZone);
      const previousFrom = zonedMidnight(today.year, today.month - 1, 1, timeZone);
      return make('this month', from, nowMs, previousFrom, Math.min(from, previousFrom + (nowMs - from)));
    }
    case 'last month': {
      const to = zonedMidnight(today.year, today.month, 1, timeZone);
      const from = zonedMidnight(today.year, today.month - 1, 1, timeZone);
      return make('last month', from, to, zonedMidnight(today.year, today.month - 2, 1, timeZone), from);
    }
    default:
      return err(
        'unknown_period',
        `I don't know the period "${raw.trim().slice(0, 40)}". Try ${PERIOD_WORDS.join(', ')}, or Nd for the last N days (up to ${MAX_DAYS}).`,
      );
  }
}

/** The first moment of the month `nowMs` falls in, in `timeZone`: where a monthly budget starts. */
export function monthStart(nowMs: number, timeZone: string): number {
  const d = zonedDate(nowMs, timeZone);
  return zonedMidnight(d.year, d.month, 1, timeZone);
}

/** A period phrase at the end of a command: `7d`, `last 30 days`, `this week`, `yesterday` … */
const TRAILING_PERIOD =
  /(?:^|\s)((?:last |past )?\d{1,4} ?(?:d|days?)|today|yesterday|(?:this|last) (?:week|month))$/i;

/** Splits `finance last month` into the target (`finance`) and the period words (`last month`). */
export function splitTrailingPeriod(text: string): { rest: string; period: string } {
  const match = TRAILING_PERIOD.exec(text.trim());
  if (match === null) return { rest: text.trim(), period: '' };
  return { rest: text.trim().slice(0, match.index).trim(), period: match[1]!.toLowerCase() };
}
