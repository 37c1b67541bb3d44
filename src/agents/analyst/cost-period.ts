import { err, ok, type Result } from '../../domain/result.js';
import { localDate, zonedTime } from '../../domain/zoned-time.js';
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

/**
 * Any instant serves to find where period words start: which words they are does not depend on the
 * clock (whether a date is still to come does, and `parseCostPeriod` judges that with the real one).
 */
const SPLIT_CLOCK = { nowMs: Date.UTC(2026, 0, 1), timeZone: 'UTC' };

const MAX_PERIOD_WORDS = 8;

/** Whether `words` are time words and nothing else ("last 30 days", "since 6am", "11/20 to 11/21"). */
function onlyTimeWords(words: string): boolean {
  const found = findPeriod(words, SPLIT_CLOCK);
  if (found === undefined) return false;
  return 'problem' in found ? found.problem.typed.toLowerCase() === words.toLowerCase() : found.rest === '';
}

/**
 * Splits `finance last month` into the target (`finance`) and the period words (`last month`): the
 * longest run of last words the questions' time words read whole — `7d`, `yesterday`, `since 6am`,
 * `on 2026-11-20`, `11/20 to 11/21` …
 */
export function splitTrailingPeriod(text: string): { rest: string; period: string } {
  const words = text
    .trim()
    .split(/\s+/)
    .filter((w) => w !== '');
  // No period phrase is longer ("between 06:00 and 09:00 on 2026-11-21"): a long command costs no more.
  for (let i = Math.max(0, words.length - MAX_PERIOD_WORDS); i < words.length; i++) {
    const tail = words.slice(i).join(' ');
    if (onlyTimeWords(tail)) return { rest: words.slice(0, i).join(' '), period: tail.toLowerCase() };
  }
  return { rest: text.trim(), period: '' };
}
