import { Cron } from 'croner';
import { err, ok, type Result } from './result.js';

/**
 * A Databricks job schedule (`schedule.quartz_cron_expression` in `schedule.timezone_id`) whose run
 * times can be asked for. One parser for every caller: the scenario schema, the simulator and anything
 * that reads a real workspace's schedules.
 */
export type QuartzSchedule = {
  readonly expression: string;
  readonly timezone: string;
  /** Epoch ms of the first run strictly after `afterMs`, or undefined when the schedule never runs again. */
  nextAfter(afterMs: number): number | undefined;
};

export type QuartzRefusal = 'invalid_quartz_cron' | 'unknown_timezone';

/** Longer than any expression Databricks accepts; refused before any parsing work. */
const MAX_EXPRESSION_CHARS = 200;
const UTC_ZONES = new Set(['UTC', 'Etc/UTC', 'GMT', 'Etc/GMT', 'Z']);
const FIRST_YEAR = 1970;
const LAST_YEAR = 2099;

type FieldName = 'seconds' | 'minutes' | 'hours' | 'day-of-month' | 'month' | 'day-of-week' | 'year';
type FieldSpec = {
  readonly name: FieldName;
  readonly min: number;
  readonly max: number;
  readonly names?: string[];
};

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
// Quartz numbers the days of the week 1 = SUN … 7 = SAT (croner's `alternativeWeekdays`).
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const FIELDS: readonly FieldSpec[] = [
  { name: 'seconds', min: 0, max: 59 },
  { name: 'minutes', min: 0, max: 59 },
  { name: 'hours', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'day-of-week', min: 1, max: 7, names: DAYS },
  { name: 'year', min: FIRST_YEAR, max: LAST_YEAR },
];
const DOM = 3;
const MONTH = 4;
const DOW = 5;
const YEAR = 6;

/** A field parser's refusal; caught in `toCronerPatterns` and returned as a value, never thrown out. */
class FieldProblem extends Error {}

function value(token: string, spec: FieldSpec): number {
  const named = spec.names?.indexOf(token) ?? -1;
  if (named >= 0) return named + 1;
  if (!/^[0-9]{1,4}$/.test(token)) {
    const names = spec.names ? ` or ${spec.names[0]}–${spec.names.at(-1)}` : '';
    throw new FieldProblem(`${shown(token, 20)} is not a number from ${spec.min} to ${spec.max}${names}`);
  }
  const n = Number(token);
  if (n < spec.min || n > spec.max) throw new FieldProblem(`${n} is outside ${spec.min}–${spec.max}`);
  return n;
}

function step(token: string, spec: FieldSpec): number {
  const limit = spec.name === 'year' ? LAST_YEAR - FIRST_YEAR : spec.max;
  if (!/^[0-9]{1,4}$/.test(token) || Number(token) < 1 || Number(token) > limit) {
    throw new FieldProblem(`the step ${shown(`/${token}`, 20)} must be a whole number from 1 to ${limit}`);
  }
  return Number(token);
}

/** Every value `from`, `from+by`, … up to `to`, wrapping past the field's end as Quartz does (`22-2`). */
function expand(from: number, to: number, by: number, spec: FieldSpec): number[] {
  const span = spec.max - spec.min + 1;
  const last = to >= from ? to : to + span;
  const out: number[] = [];
  for (let v = from; v <= last; v += by) out.push(((v - spec.min) % span) + spec.min);
  return out;
}

/** One comma-separated element of a plain field, in croner's syntax. */
function element(part: string, spec: FieldSpec): string {
  const [range = '', by, extra] = part.split('/');
  if (extra !== undefined || (range === '' && by === undefined))
    throw new FieldProblem(`${shown(part, 20)} is malformed`);
  const stepBy = by === undefined ? undefined : step(by, spec);
  const suffix = stepBy === undefined ? '' : `/${stepBy}`;
  // Quartz reads `/6` as `*/6` and `0/6` as "from 0 every 6"; croner takes both with `sloppyRanges`.
  if (range === '' || range === '*') return `*${suffix}`;
  const bounds = range.split('-');
  if (bounds.length > 2) throw new FieldProblem(`${shown(part, 20)} is malformed`);
  const from = value(bounds[0] ?? '', spec);
  if (bounds.length === 1) return `${from}${suffix}`;
  const to = value(bounds[1] ?? '', spec);
  // croner refuses a range that wraps (FRI-MON, 22-2), which Quartz allows: spell it out.
  if (to < from) return expand(from, to, stepBy ?? 1, spec).join(',');
  return `${from}-${to}${suffix}`;
}

function plainField(field: string, spec: FieldSpec): string {
  return field
    .split(',')
    .map((part) => element(part, spec))
    .join(',');
}

type DayOfMonth = { readonly pattern: string } | { readonly fromLast: number };

function dayOfMonth(field: string, spec: FieldSpec): DayOfMonth {
  if (field === '?' || field === 'L' || field === 'LW') return { pattern: field };
  const fromLast = /^L-([0-9]{1,2})$/.exec(field);
  if (fromLast) {
    const n = Number(fromLast[1]);
    if (n > 30) throw new FieldProblem(`L-n counts back 0 to 30 days from the last`);
    return { fromLast: n };
  }
  const weekday = /^([0-9]{1,2})W$/.exec(field);
  if (weekday) return { pattern: `${value(weekday[1] ?? '', spec)}W` };
  if (/[LW]/.test(field)) {
    throw new FieldProblem(`L, L-n, LW and nW stand alone in day-of-month, without lists or ranges`);
  }
  return { pattern: plainField(field, spec) };
}

function dayOfWeek(field: string, spec: FieldSpec): string {
  if (field === '?') return field;
  // A bare L in day-of-week is its last day, Saturday.
  if (field === 'L') return '7';
  const last = /^([A-Z0-9]+)L$/.exec(field);
  if (last) return `${value(last[1] ?? '', spec)}L`;
  const nth = /^([A-Z0-9]+)#([0-9]+)$/.exec(field);
  if (nth) {
    const k = Number(nth[2]);
    if (k < 1 || k > 5) throw new FieldProblem(`the week after # must be 1 to 5`);
    return `${value(nth[1] ?? '', spec)}#${k}`;
  }
  if (/[L#]/.test(field)) {
    throw new FieldProblem(`nL and n#k stand alone in day-of-week, without lists or ranges`);
  }
  return plainField(field, spec);
}

const isLeap = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

/** The values a plain field (already in croner's syntax) selects: to split `L-n` by month length. */
function selected(pattern: string, spec: FieldSpec): Set<number> {
  const out = new Set<number>();
  for (const part of pattern.split(',')) {
    const [range = '', by = '1'] = part.split('/');
    const [from, to] = range === '*' ? [spec.min, spec.max] : range.split('-').map(Number);
    const start = from ?? spec.min;
    const end = to ?? (part.includes('/') ? spec.max : start);
    for (let v = start; v <= end; v += Number(by)) out.add(v);
  }
  return out;
}

/**
 * croner has no `L-n` (n days before the month's last): one croner pattern per month length, the
 * day fixed in each, February split by leap year.
 */
function fromLastPatterns(n: number, fields: string[]): string[] {
  const monthSpec = FIELDS[MONTH] as FieldSpec;
  const yearSpec = FIELDS[YEAR] as FieldSpec;
  const months = selected(fields[MONTH] ?? '*', monthSpec);
  const years = [...selected(fields[YEAR] ?? '*', yearSpec)];
  const byLength = new Map<number, { months: number[]; years: number[] }>();
  for (const m of months) {
    if (m === 2) {
      const leap = years.filter(isLeap);
      const plain = years.filter((y) => !isLeap(y));
      if (leap.length > 0) byLength.set(29, { months: [2], years: leap });
      if (plain.length > 0) byLength.set(28, { months: [2], years: plain });
      continue;
    }
    const length = new Date(Date.UTC(2001, m, 0)).getUTCDate();
    const entry = byLength.get(length) ?? { months: [], years };
    entry.months.push(m);
    byLength.set(length, entry);
  }
  const patterns: string[] = [];
  for (const [length, { months: ms, years: ys }] of byLength) {
    if (length - n < 1) continue;
    const head = fields.slice(0, DOM);
    patterns.push([...head, String(length - n), ms.join(','), '?', ys.join(',')].join(' '));
  }
  return patterns;
}

/** Whether `timezone` is an IANA zone this runtime knows. */
export function knownZone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}

/** Quoted with control characters escaped and cut short: refusals echo text a stranger wrote. */
function shown(text: string, max = 80): string {
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text);
}

const FORMAT_HINT =
  'Quartz has 6 or 7 fields: seconds minutes hours day-of-month month day-of-week [year], e.g. "0 0 0/6 * * ?"';

/** Translates a Quartz expression into croner patterns (several only for `L-n`), or says which field is wrong. */
function toCronerPatterns(expression: string): Result<string[], 'invalid_quartz_cron'> {
  const refuse = (why: string) =>
    err(
      'invalid_quartz_cron',
      `The schedule ${shown(expression)} is not a valid Quartz cron expression: ${why}.`,
    );
  if (expression.length > MAX_EXPRESSION_CHARS)
    return refuse(`it is longer than ${MAX_EXPRESSION_CHARS} characters`);
  // Quartz separates fields by spaces and tabs only.
  const raw = expression
    .replace(/^[ \t]+|[ \t]+$/g, '')
    .toUpperCase()
    .split(/[ \t]+/);
  if (raw.length < 6 || raw.length > 7 || raw[0] === '') {
    const count = raw[0] === '' ? 0 : raw.length;
    return refuse(`it has ${count} field${count === 1 ? '' : 's'}. ${FORMAT_HINT}`);
  }
  // Quartz refuses `*` in both day fields, but its meaning — every day — is not in doubt, and people used
  // to Unix cron write it in scenarios: it is read as day-of-week `?`.
  if (raw[DOM] === '*' && raw[DOW] === '*') raw[DOW] = '?';
  const dom = raw[DOM] ?? '';
  const dow = raw[DOW] ?? '';
  if ((dom === '?') === (dow === '?')) {
    return refuse(
      'exactly one of day-of-month and day-of-week must be "?" (e.g. "0 0 6 * * ?" daily, "0 0 6 ? * MON-FRI" on weekdays)',
    );
  }
  const fields: string[] = [];
  let fromLast: number | undefined;
  for (const [i, field] of raw.entries()) {
    const spec = FIELDS[i] as FieldSpec;
    try {
      if (field === '?' && i !== DOM && i !== DOW)
        throw new FieldProblem('"?" is only allowed in day-of-month or day-of-week');
      if (i === DOM) {
        const d = dayOfMonth(field, spec);
        if ('fromLast' in d) fromLast = d.fromLast;
        fields.push('pattern' in d ? d.pattern : '*');
      } else if (i === DOW) fields.push(dayOfWeek(field, spec));
      else fields.push(plainField(field, spec));
    } catch (e) {
      if (e instanceof FieldProblem)
        return refuse(`the ${spec.name} field ${shown(field, 40)}: ${e.message}`);
      throw e;
    }
  }
  if (fromLast === undefined) return ok([fields.join(' ')]);
  return ok(fromLastPatterns(fromLast, fields));
}

function earliest(crons: readonly Cron[], afterMs: number): number | undefined {
  let next: number | undefined;
  for (const cron of crons) {
    const at = cron.nextRun(new Date(afterMs))?.getTime();
    if (at !== undefined && (next === undefined || at < next)) next = at;
  }
  return next;
}

/** Whether an instant's local second, minute and hour are ones the (translated) pattern names. */
function wallClockCheck(
  pattern: string | undefined,
  timezone: string,
): ((ms: number) => boolean) | undefined {
  if (pattern === undefined) return undefined;
  const [sec = '*', min = '*', hour = '*'] = pattern.split(' ');
  const allowed = [
    selected(hour, FIELDS[2] as FieldSpec),
    selected(min, FIELDS[1] as FieldSpec),
    selected(sec, FIELDS[0] as FieldSpec),
  ];
  const format = new Intl.DateTimeFormat('en-GB', {
    timeZone: timezone,
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
    hourCycle: 'h23',
  });
  return (ms) =>
    format
      .format(ms)
      .split(':')
      .every((part, i) => allowed[i]?.has(Number(part)) ?? false);
}

/** Parsing builds ~80 KB of croner tables: schedules are shared per (expression, zone). */
const cache = new Map<string, QuartzSchedule>();
const MAX_CACHED = 5000;

/**
 * Parses a Databricks (Quartz) schedule in its time zone. Every Quartz form Databricks accepts gives its
 * run times (`0/6`, `a-b/c`, wrapping ranges, `?`, `L`, `L-n`, `LW`, `15W`, `6L`, `6#3`, names, 1 = SUN
 * numbering, the optional year); anything else is refused with the field at fault. Never throws.
 */
export function parseQuartzSchedule(
  expression: string,
  timezone: string,
): Result<QuartzSchedule, QuartzRefusal> {
  const key = `${timezone}|${expression}`;
  const hit = cache.get(key);
  if (hit) return ok(hit);
  if (!knownZone(timezone)) {
    return err(
      'unknown_timezone',
      `The schedule's time zone ${shown(timezone)} is not a known IANA zone (e.g. "UTC", "Europe/Berlin").`,
    );
  }
  const patterns = toCronerPatterns(expression);
  if (!patterns.ok) return patterns;
  // A fixed offset is several times faster than a named zone in croner; it matters for a million runs.
  const zone = UTC_ZONES.has(timezone) ? { utcOffset: 0 } : { timezone };
  let crons: Cron[];
  try {
    crons = patterns.value.map(
      (p) =>
        new Cron(p, {
          ...zone,
          paused: true,
          mode: '6-or-7-parts',
          alternativeWeekdays: true,
          sloppyRanges: true,
        }),
    );
  } catch {
    // Our grammar is stricter than croner's; this is a gap in it, still the schedule's problem.
    return err(
      'invalid_quartz_cron',
      `The schedule ${shown(expression)} could not be read as a Quartz cron expression.`,
    );
  }
  // Jobs sharing an expression fire together and each re-arms with the same instant: answer it once.
  const wall = UTC_ZONES.has(timezone) ? undefined : wallClockCheck(patterns.value[0], timezone);
  let last: { after: number; next: number | undefined } | undefined;
  const schedule: QuartzSchedule = {
    expression,
    timezone,
    nextAfter(afterMs) {
      if (last !== undefined && last.after === afterMs) return last.next;
      let next = earliest(crons, afterMs);
      // croner moves a fixed time that a DST change skips (02:30) to the gap's end; Quartz skips that
      // day's run. A run whose local time is not one the expression names is such a move.
      while (next !== undefined && wall !== undefined && !wall(next)) next = earliest(crons, next);
      last = { after: afterMs, next };
      return next;
    },
  };
  if (cache.size >= MAX_CACHED) cache.clear();
  cache.set(key, schedule);
  return ok(schedule);
}
