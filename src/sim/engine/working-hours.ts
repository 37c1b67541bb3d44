import { localDate, zonedTime } from '../../domain/zoned-time.js';
import { type BusinessHours, minutesOfDay } from '../scenario/schema.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;

type LocalDay = { year: number; month: number; day: number };

/** A stretch of working time, `[from, to)` in epoch ms. */
export interface WorkSpan {
  from: number;
  to: number;
}

/**
 * When people work, as instants: a scenario's `business_hours` in whole UTC hours or in local times of a
 * zone. Each local day has one span, from `from` to `to` (the next day's `to` when it is earlier), so a
 * zone's daylight saving moves the span in UTC and a span may run past midnight.
 */
export class WorkingHours {
  readonly #opens: number;
  readonly #closes: number;
  readonly #zone: string;
  /** Spans of the local days lately asked for: hourly ticks ask for the same few days many times. */
  readonly #spans = new Map<number, WorkSpan>();

  constructor(hours: BusinessHours) {
    if (Array.isArray(hours)) {
      this.#opens = hours[0] * 60;
      this.#closes = hours[1] * 60;
      this.#zone = 'UTC';
    } else {
      this.#opens = minutesOfDay(hours.from);
      this.#closes = minutesOfDay(hours.to);
      this.#zone = hours.timezone;
    }
  }

  /** Whether `at` falls in working hours. */
  contains(at: number): boolean {
    return this.#around(at).some((s) => s.from <= at && at < s.to);
  }

  /** The working parts of the hour from `hourStart`, in order; empty outside working hours. */
  within(hourStart: number): WorkSpan[] {
    const end = hourStart + HOUR;
    return this.#around(hourStart)
      .map((s) => ({ from: Math.max(s.from, hourStart), to: Math.min(s.to, end) }))
      .filter((s) => s.from < s.to);
  }

  /** The instant working hours begin inside the hour from `hourStart`, if they do. */
  opensIn(hourStart: number): number | undefined {
    return this.#around(hourStart).find((s) => s.from >= hourStart && s.from < hourStart + HOUR)?.from;
  }

  /** The instant working hours end inside the hour from `hourStart` (not at its start), if they do. */
  closesIn(hourStart: number): number | undefined {
    return this.#around(hourStart).find((s) => s.to > hourStart && s.to < hourStart + HOUR)?.to;
  }

  /** When the working day `at` is in ends: the span holding `at`, else the one of `at`'s local day. */
  closingOf(at: number): number {
    const spans = this.#around(at);
    return (spans.find((s) => s.from <= at && at < s.to) ?? spans[1] ?? { to: at }).to;
  }

  /** The spans of the local days before, of and after `at`'s. */
  #around(at: number): WorkSpan[] {
    const today = this.#zone === 'UTC' ? utcDay(at) : localDate(at, this.#zone);
    return [-1, 0, 1].map((delta) =>
      this.#spanOf(utcDay(Date.UTC(today.year, today.month - 1, today.day + delta, 12))),
    );
  }

  #spanOf(day: LocalDay): WorkSpan {
    const key = Date.UTC(day.year, day.month - 1, day.day);
    const known = this.#spans.get(key);
    if (known !== undefined) return known;
    const overnight = this.#closes <= this.#opens;
    const next = utcDay(key + 36 * HOUR);
    const span = { from: this.#at(day, this.#opens), to: this.#at(overnight ? next : day, this.#closes) };
    if (this.#spans.size >= 8) this.#spans.clear();
    this.#spans.set(key, span);
    return span;
  }

  /** The instant of a wall-clock time (minutes since midnight) on a local day. */
  #at(day: LocalDay, minutes: number): number {
    if (this.#zone === 'UTC') return Date.UTC(day.year, day.month - 1, day.day) + minutes * MINUTE;
    const hhmm = `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
    return zonedTime(day, hhmm, this.#zone);
  }
}

function utcDay(at: number): LocalDay {
  const d = new Date(at);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}
