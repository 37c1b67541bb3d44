import { err, ok, type Result } from '../../domain/result.js';
import { localDate, zonedTime } from '../detector/zoned-time.js';
import { findPeriod, previousPeriod, recentPeriod } from './time-words.js';

const DAY_MS = 86_400_000;
/** The longest period a cost report takes: a year of days keeps the chart and the scan reasonable. */
const MAX_DAYS = 366;
const DEFAULT_HOURS = 7 * 24;

/** A reporting window `[fromMs, toMs)` and the window it is compared with, in the workspace's time zone. */
export interface CostPeriod {
  /** The time words as read back: "the past 7 days", "yesterday", "last month". */
  readonly label: string;
  readonly fromMs: number;
  readonly toMs: number;
  readonly previousFromMs: number;
  readonly previousToMs: number;
  /** IANA time zone the calendar words were read in. */
  readonly timeZone: string;
}

/** The words `/dbx cost` is documented with, for the answer to one it cannot read. */
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

/** `YYYY-MM-DD` of `ms` in `timeZone`: the day a spend record is charted under. */
export function zonedDay(ms: number, timeZone: string): string {
  const d = localDate(ms, timeZone);
  return `${d.year}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;
}

/** Midnight starting the day `offset` days after the one `ms` falls on, in `timeZone`. */
export function zonedMidnight(ms: number, offset: number, timeZone: string): number {
  const d = localDate(ms, timeZone);
  return zonedTime(localDate(Date.UTC(d.year, d.month - 1, d.day + offset, 12), 'UTC'), '00:00', timeZone);
}

/** The first moment of the month `nowMs` falls in, in `timeZone`: where a monthly budget starts. */
export function monthStart(nowMs: number, timeZone: string): number {
  return zonedTime({ ...localDate(nowMs, timeZone), day: 1 }, '00:00', timeZone);
}

/**
 * Reads a period with the questions' time words (`src/agents/analyst/time-words.ts`) in the workspace's
 * time zone at `nowMs` (the workspace clock): `7d`, `past 30 days`, `yesterday`, `this week`,
 * `last month`, `since Monday` … Blank means the past 7 days. Each is compared with the stretch of the
 * same length just before it. Anything else — words left over, more than a year — is an `Err`
 * naming what it accepts.
 */
export function parseCostPeriod(
  raw: string,
  nowMs: number,
  timeZone: string,
): Result<CostPeriod, 'unknown_period'> {
  const text = raw.trim();
  const ctx = { nowMs, timeZone };
  const found = text === '' ? { period: recentPeriod(DEFAULT_HOURS, ctx), rest: '' } : findPeriod(text, ctx);
  if (found !== undefined && 'problem' in found)
    return err('unknown_period', `I can't read the period "${text.slice(0, 40)}": ${found.problem.reason}.`);
  const period = found?.period;
  if (
    found === undefined ||
    period === undefined ||
    found.rest !== '' ||
    period.endMs - period.startMs > MAX_DAYS * DAY_MS
  ) {
    return err(
      'unknown_period',
      `I don't know the period "${text.slice(0, 40)}". Try ${PERIOD_WORDS.join(', ')}, or Nd for the last N days (up to ${MAX_DAYS}).`,
    );
  }
  const before = previousPeriod(period);
  return ok({
    label: period.label,
    fromMs: period.startMs,
    toMs: period.endMs,
    previousFromMs: before.startMs,
    previousToMs: before.endMs,
    timeZone,
  });
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
