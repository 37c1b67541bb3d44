/**
 * Times of day in a question ("since 6am", "after 3pm", "between 2:00 and 4:00", "from 9am to noon",
 * "before 08:30"): which stretch of a day they bound, in minutes after midnight. Which day that is
 * (yesterday, last night, a date, or the latest one that has begun) is `time-words.ts`'s to decide.
 * A time no clock shows ("25:00", "13pm", "6:75") is said to be unreadable, never skipped: a question
 * about 02:00–04:00 answered for the whole night would be another question's answer.
 */
export type DayWindow =
  /** "since 6am": from that time up to now. */
  | { readonly kind: 'since'; readonly from: number }
  /** "after 3pm", "from 9am": from that time to the end of the day asked about. */
  | { readonly kind: 'after'; readonly from: number }
  /** "before 8am", "until noon": from the day's start up to that time. */
  | { readonly kind: 'before'; readonly to: number }
  /**
   * "between 2:00 and 4:00", "from 9am to noon", "9-11pm", "at 3am" (the hour from it): a stretch,
   * across midnight when `to` ≤ `from`.
   */
  | { readonly kind: 'between'; readonly from: number; readonly to: number };

export type FoundTimeOfDay =
  | { readonly ok: true; readonly window: DayWindow; readonly index: number; readonly length: number }
  | { readonly ok: false; readonly typed: string; readonly reason: string };

/** A clock time as typed: "6am", "6 am", "6:30pm", "14:00", "14.30", "noon", "midnight", or a bare hour. */
const TIME = String.raw`(?:noon|midday|midnight|\d{1,2}(?:[:.]\d{2})?\s*(?:[ap]\.?m\.?)?)`;
/**
 * What may follow a bare hour ("since 6", "between 2 and 4 yesterday", "between 1 and 3 fri morning") — so "after 3 retries" or
 * "since 2 days" is no time of day.
 */
const BARE_END = String.raw`(?=\s*(?:$|[?!,;)]|\.(?!\d)|(?:and|to|till|until|yesterday|today|tonight|this|last|on|utc|o'?clock|-|–|(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?|in the|morning|afternoon|evening|night)\b))`;

const BETWEEN = new RegExp(
  String.raw`\b(?:between|from)\s+(${TIME})\s*(?:and|to|till|until|-|–)\s*(${TIME})(?![\d:])`,
  'i',
);
/** "9-11pm", "22:00–23:30": a range with a clock mark on at least one side. */
const RANGE =
  /(?<![\d/:.-])(\d{1,2}(?::\d{2})?\s*(?:[ap]\.?m\.?)?)\s*(?:-|–|to)\s*(\d{1,2}(?::\d{2})?\s*(?:[ap]\.?m\.?)?)(?![\d:/-])/i;
const SINCE = new RegExp(
  String.raw`\b(since|after|from|before|until|till|up to|at|around)\s+(${TIME})(?![\d:/-])`,
  'i',
);

type Minutes = { ok: true; minutes: number; marked: boolean } | { ok: false; reason: string };

/** Minutes after midnight of a clock time as typed; `marked` when it has a colon or am/pm. */
export function readClockTime(typed: string): Minutes {
  const word = typed.trim().toLowerCase().replace(/\s+/g, '');
  if (word === 'noon' || word === 'midday') return { ok: true, minutes: 12 * 60, marked: true };
  if (word === 'midnight') return { ok: true, minutes: 0, marked: true };
  const match = /^(\d{1,2})(?:[:.](\d{2}))?([ap])?\.?(?:m\.?)?$/.exec(word);
  if (match === null) return { ok: false, reason: `"${typed.trim()}" is no time of day` };
  const hour = Number(match[1]);
  const minute = match[2] === undefined ? 0 : Number(match[2]);
  const half = match[3];
  if (minute > 59) return { ok: false, reason: `"${typed.trim()}" has no minute ${minute}` };
  if (half !== undefined) {
    if (hour < 1 || hour > 12)
      return { ok: false, reason: `"${typed.trim()}" is no time of day: am and pm go from 1 to 12` };
    const h24 = (hour % 12) + (half === 'p' ? 12 : 0);
    return { ok: true, minutes: h24 * 60 + minute, marked: true };
  }
  if (hour > 23 && !(hour === 24 && minute === 0))
    return { ok: false, reason: `"${typed.trim()}" is no time of day: hours go from 0 to 23` };
  return { ok: true, minutes: hour * 60 + minute, marked: match[2] !== undefined };
}

const BARE_FITS = new RegExp(`^${BARE_END}`, 'i');

/** Whether a bare hour ("6", "14") is followed by what makes it a time ("since 6 yesterday"). */
const bareFits = (text: string, end: number): boolean => BARE_FITS.test(text.slice(end));

/**
 * The first time-of-day phrase in `text` (lower-cased or not) and the stretch of a day it bounds; a
 * phrase whose time no clock shows comes back unreadable, with the reason.
 */
export function findTimeOfDay(text: string): FoundTimeOfDay | undefined {
  const range = rangeOf(text);
  if (range !== undefined) return range;
  const since = SINCE.exec(text);
  if (since === null) return partOfDay(text) ?? clockTimeAlone(text);
  const [whole, word = '', typed = ''] = since;
  const time = readClockTime(typed);
  if (!time.ok) return { ok: false, typed: whole.trim(), reason: time.reason };
  if (!time.marked && !bareFits(text, since.index + whole.length)) return undefined;
  // "Since the deploy at 14:00", "after the outage at 3am": the time of an event is where the stretch
  // the earlier word opens starts or ends, not the hour from it.
  const opened = /\b(since|after|before|until|till)\s+(?:[a-z'-]+\s+){1,4}$/i.exec(
    text.slice(0, since.index),
  );
  const lead = (word.toLowerCase() === 'at' && opened?.[1] !== undefined ? opened[1] : word).toLowerCase();
  // "At 3am" is no instant a run ends on: the hour from it.
  const window: DayWindow =
    lead === 'at' || lead === 'around' ? hourFrom(time.minutes) : windowOpenedBy(lead, time.minutes);
  return { ok: true, window, index: since.index, length: whole.length };
}

/**
 * A clock time with its am/pm or minutes and no word before it ("the 3am jobs", "the 23:00 run"): the
 * hour from it, as "at 3am" is. A bare number ("the 3 jobs") is no time, and a time that names a
 * deadline ("its 6am deadline", "the 9am SLA", "the 06:00 orders SLA": a name or two may stand between)
 * is no hour of the period asked.
 */
const CLOCK_ALONE =
  /(?<![\d:./-])(\d{1,2}(?::\d{2}\s*(?:[ap]\.?m\.?)?|\s*[ap]\.?m\.?))(?![\w:/-])(?!\s*(?:utc\s+)?(?:(?!(?:miss\w*|meet|met|hit|breach\w*|fail\w*|and|or|their|its|did|do|does|was|is)\b)[\w.-]+\s+){0,3}?(?:deadlines?|slas?|slos?|cut-?offs?|targets?|due)\b)/i;

function clockTimeAlone(text: string): FoundTimeOfDay | undefined {
  const match = CLOCK_ALONE.exec(text);
  if (match === null) return undefined;
  const [whole, typed = ''] = match;
  const time = readClockTime(typed);
  if (!time.ok) return { ok: false, typed: whole.trim(), reason: time.reason };
  // "Since the 14:00 hotfix", "after the 3pm deploy": the time names an event the earlier word opens a
  // stretch from or to, as "since the deploy at 14:00" does; only with no such word is it the hour.
  const lead = EVENT_OPENED.exec(text.slice(0, match.index))?.[1]?.toLowerCase();
  return {
    ok: true,
    window: lead === undefined ? hourFrom(time.minutes) : windowOpenedBy(lead, time.minutes),
    index: match.index,
    length: whole.length,
  };
}

/** "since the", "after our", "before yesterday's" a few words before a time; "from the 3am batch" is the hour. */
const EVENT_OPENED = /\b(since|after|before|until|till)\s+(?:[a-z'’-]+\s+){1,3}$/i;

const hourFrom = (minutes: number): DayWindow => ({
  kind: 'between',
  from: minutes,
  to: (minutes + 60) % (24 * 60),
});

/** The stretch a word opens at a time: "since" runs to now, "after"/"from" to the day's end, "before" from its start. */
function windowOpenedBy(lead: string, minutes: number): DayWindow {
  if (lead === 'since') return { kind: 'since', from: minutes };
  if (lead === 'after' || lead === 'from') return { kind: 'after', from: minutes };
  return { kind: 'before', to: minutes };
}

/** The hours of a part of the day, as "this morning" already counts them: from midnight to noon. */
const PARTS_OF_DAY: Readonly<Record<string, { from: number; to: number }>> = {
  morning: { from: 0, to: 12 * 60 },
  afternoon: { from: 12 * 60, to: 18 * 60 },
  evening: { from: 18 * 60, to: 24 * 60 },
  // "The early hours", "the small hours": after midnight, before the working day.
  hours: { from: 0, to: 6 * 60 },
};

/**
 * "Yesterday afternoon", "friday evening", "on the 20th in the morning": a part of the day, read only
 * right after a day's words or as "in the …" — "morning! what failed" is a greeting, and "this
 * morning" is a period of its own.
 */
const PART_OF_DAY =
  /(?<=\b(?:yesterday|y'?day|today|(?:mon|tues|wednes|thurs|fri|satur|sun)day|\d{1,2}(?:st|nd|rd|th)|\d{4}-\d{2}-\d{2}|\d{1,2}\/\d{1,2})\s+)(morning|afternoon|evening)\b|\bthis\s+(afternoon|evening)\b|\bin\s+the\s+(morning|afternoon|evening)\b|\b(?:early|small|wee)\s+(hours)\b/i;

function partOfDay(text: string): FoundTimeOfDay | undefined {
  const match = PART_OF_DAY.exec(text);
  const hours = PARTS_OF_DAY[(match?.[1] ?? match?.[2] ?? match?.[3] ?? match?.[4] ?? '').toLowerCase()];
  if (match === null || hours === undefined) return undefined;
  // "Since yesterday afternoon" runs from the part's start up to now.
  const since = /\bsince\s+(?:on\s+)?\S+\s+$/i.test(text.slice(0, match.index));
  return {
    ok: true,
    window: since ? { kind: 'since', from: hours.from } : { kind: 'between', ...hours },
    index: match.index,
    length: match[0].length,
  };
}

/** "between 2:00 and 4:00", "from 9am to noon", "9-11pm": the stretch, or undefined when there is none. */
function rangeOf(text: string): FoundTimeOfDay | undefined {
  const worded = BETWEEN.exec(text);
  const match = worded ?? RANGE.exec(text);
  if (match === null) return undefined;
  const [whole, first = '', second = ''] = match;
  const from = readClockTime(first);
  const to = readClockTime(second);
  const marked = (from.ok && from.marked) || (to.ok && to.marked);
  // "between 2 and 4 yesterday" is a time with its words; "2-4" alone, or "2019-2020", is none.
  if (!marked && (worded === null || !bareFits(text, match.index + whole.length))) return undefined;
  if (!from.ok) return { ok: false, typed: whole.trim(), reason: from.reason };
  if (!to.ok) return { ok: false, typed: whole.trim(), reason: to.reason };
  // "9-11pm", "between 2 and 4pm": a pm on the second side alone is the first's too, when that keeps it first.
  const pmOnly = /p\.?m/i.test(second) && !/[ap]\.?m/i.test(first) && from.minutes < 12 * 60;
  const start = pmOnly && from.minutes + 12 * 60 < to.minutes ? from.minutes + 12 * 60 : from.minutes;
  // "Between 9 and 5": bare hours that would run backwards are a working day, the second after noon.
  const bare = !/[ap]\.?m|:/i.test(`${first} ${second}`);
  // "Between 2 and 4 sat afternoon": bare hours before a part of the day after noon are its hours.
  const later =
    bare &&
    to.minutes <= 12 * 60 &&
    /^\s*(?:(?:on\s+)?[a-z]+\s+)?(?:in the\s+)?(?:afternoon|evening|night|tonight)\b/i.test(
      text.slice(match.index + whole.length),
    );
  if (later)
    return {
      ok: true,
      window: {
        kind: 'between',
        from: (start % (12 * 60)) + 12 * 60,
        to: (to.minutes % (12 * 60)) + 12 * 60,
      },
      index: match.index,
      length: whole.length,
    };
  const end =
    bare && to.minutes < start && to.minutes < 12 * 60 && to.minutes + 12 * 60 > start
      ? to.minutes + 12 * 60
      : to.minutes;
  return {
    ok: true,
    window: { kind: 'between', from: start, to: end },
    index: match.index,
    length: whole.length,
  };
}

/** "06:00": minutes after midnight as a clock shows them. */
export const clockText = (minutes: number): string =>
  `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
