import { localDate, zonedTime } from '../../domain/zoned-time.js';

const DAY_MS = 86_400_000;

/** A half-open window `[start, end)` of epoch ms, with the calendar date it starts on in its zone. */
export interface ReportWindow {
  readonly start: number;
  readonly end: number;
  /** `YYYY-MM-DD` of `start` in the report's time zone. */
  readonly date: string;
}

type LocalDate = { year: number; month: number; day: number };

const iso = (d: LocalDate) =>
  `${d.year}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;

/** The date `delta` days after `d` (calendar arithmetic, independent of any zone). */
function shift(d: LocalDate, delta: number): LocalDate {
  return localDate(Date.UTC(d.year, d.month - 1, d.day + delta, 12), 'UTC');
}

/** Midnight of a calendar date in `timeZone`. */
const midnight = (d: LocalDate, timeZone: string) => zonedTime(d, '00:00', timeZone);

function day(d: LocalDate, timeZone: string): ReportWindow {
  return { start: midnight(d, timeZone), end: midnight(shift(d, 1), timeZone), date: iso(d) };
}

/**
 * The last full calendar day in `timeZone` that ended at or before `at`: what a 07:00 digest calls
 * "yesterday". Days are calendar days, so one across a DST change lasts 23 or 25 hours.
 */
export function lastFullDay(at: number, timeZone: string): ReportWindow {
  const today = localDate(at, timeZone);
  // `at` exactly at midnight: the day that just ended is the one before today's date.
  return day(shift(today, -1), timeZone);
}

/** The `count` full days before the day `before` starts, oldest first. */
export function daysBefore(before: ReportWindow, count: number, timeZone: string): ReportWindow[] {
  const first = localDate(before.start + DAY_MS / 2, timeZone);
  return Array.from({ length: count }, (_, i) => day(shift(first, i - count), timeZone));
}

/** The calendar month `window` starts in: its first midnight, and how many days it has. */
export function monthOf(window: ReportWindow, timeZone: string): { start: number; days: number } {
  const d = localDate(window.start + DAY_MS / 2, timeZone);
  const first = { year: d.year, month: d.month, day: 1 };
  const days = new Date(Date.UTC(d.year, d.month, 0)).getUTCDate();
  return { start: midnight(first, timeZone), days };
}

/**
 * The last full week (Monday 00:00 to Monday 00:00 in `timeZone`) that ended at or before `at`, and
 * the week before it.
 */
export function lastFullWeeks(at: number, timeZone: string): { week: ReportWindow; previous: ReportWindow } {
  const today = localDate(at, timeZone);
  const weekday = (new Date(Date.UTC(today.year, today.month - 1, today.day)).getUTCDay() + 6) % 7;
  const thisMonday = shift(today, -weekday);
  const week = shift(thisMonday, -7);
  const previous = shift(thisMonday, -14);
  const span = (from: LocalDate): ReportWindow => ({
    start: midnight(from, timeZone),
    end: midnight(shift(from, 7), timeZone),
    date: iso(from),
  });
  return { week: span(week), previous: span(previous) };
}

/** True when `at` falls on a Monday in `timeZone`. */
export function isMonday(at: number, timeZone: string): boolean {
  const d = localDate(at, timeZone);
  return new Date(Date.UTC(d.year, d.month - 1, d.day)).getUTCDay() === 1;
}
