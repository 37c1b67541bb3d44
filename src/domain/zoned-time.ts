/**
 * Formatters by time zone, made once: constructing an `Intl.DateTimeFormat` costs far more than
 * formatting with it, and the SLA detector asks for the same few zones on every poll (~10 % of a
 * replay's CPU before they were kept).
 */
const dateFormats = new Map<string, Intl.DateTimeFormat>();
const dateTimeFormats = new Map<string, Intl.DateTimeFormat>();

function formatIn(
  cache: Map<string, Intl.DateTimeFormat>,
  timeZone: string,
  make: () => Intl.DateTimeFormat,
) {
  let format = cache.get(timeZone);
  if (format === undefined) {
    format = make();
    cache.set(timeZone, format);
  }
  return format;
}

/** The wall-clock date of `epochMs` in `timeZone`. */
export function localDate(epochMs: number, timeZone: string): { year: number; month: number; day: number } {
  const parts = formatIn(
    dateFormats,
    timeZone,
    () => new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric' }),
  ).formatToParts(epochMs);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return { year: get('year'), month: get('month'), day: get('day') };
}

/** Offset of `timeZone` from UTC at `epochMs`, in ms (Berlin in summer: +7,200,000). */
function offsetMs(epochMs: number, timeZone: string): number {
  const parts = formatIn(
    dateTimeFormats,
    timeZone,
    () =>
      new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      }),
  ).formatToParts(epochMs);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(
    get('year'),
    get('month') - 1,
    get('day'),
    get('hour'),
    get('minute'),
    get('second'),
  );
  return asUtc - Math.floor(epochMs / 1000) * 1000;
}

/**
 * The instant a wall-clock time (`HH:MM` on a date) happens in `timeZone`. Across a DST change the offset
 * is looked up twice, so a deadline in the skipped or repeated hour still lands on one real instant.
 */
export function zonedTime(
  date: { year: number; month: number; day: number },
  hhmm: string,
  timeZone: string,
): number {
  const [hh, mm] = hhmm.split(':').map(Number);
  const wall = Date.UTC(date.year, date.month - 1, date.day, hh ?? 0, mm ?? 0);
  const first = wall - offsetMs(wall, timeZone);
  return wall - offsetMs(first, timeZone);
}

/** The last deadline at or before `now` and the next one after it, for a daily `HH:MM` in `timeZone`. */
export function deadlinesAround(
  now: number,
  hhmm: string,
  timeZone: string,
): { previous: number; next: number } {
  const today = localDate(now, timeZone);
  const day = 86_400_000;
  const shift = (delta: number) =>
    localDate(Date.UTC(today.year, today.month - 1, today.day + delta, 12), 'UTC');
  const candidates = [-1, 0, 1].map((d) => zonedTime(shift(d), hhmm, timeZone));
  const previous = candidates.filter((c) => c <= now).at(-1) ?? now - day;
  const next = candidates.find((c) => c > now) ?? now + day;
  return { previous, next };
}

const clockFormats = new Map<string, Intl.DateTimeFormat>();
const clockFormatsGb = new Map<string, Intl.DateTimeFormat>();
const clockOptions = (timeZone: string): Intl.DateTimeFormatOptions => ({
  timeZone,
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
  timeZoneName: 'short',
});

/**
 * The wall-clock time of `epochMs` in `timeZone` as its people say it: "06:05 CET", "00:05 EST". US
 * English names American zones and only offsets elsewhere ("GMT+1"); British English names the European ones.
 */
export function localClock(epochMs: number, timeZone: string): string {
  const us = formatIn(clockFormats, timeZone, () => new Intl.DateTimeFormat('en-US', clockOptions(timeZone)));
  const said = us.format(epochMs);
  if (!/GMT[+-]/.test(said)) return said;
  return formatIn(
    clockFormatsGb,
    timeZone,
    () => new Intl.DateTimeFormat('en-GB', clockOptions(timeZone)),
  ).format(epochMs);
}
