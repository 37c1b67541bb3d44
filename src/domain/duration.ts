const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The longest freshness age an SLA may state: a table allowed to be older than a month has no freshness promise worth paging on. */
export const MAX_AGE_LIMIT_MINUTES = 31 * 24 * 60;

const UNIT_MINUTES: Readonly<Record<string, number>> = { d: 1440, h: 60, m: 1, min: 1 };
const PART = /(\d{1,6})\s*(d|h|min|m)(?![a-z])/y;

/**
 * Minutes in a duration as people write a table's maximum age, the way dbt's `warn_after` and the Databricks
 * UI state it: whole numbers with a unit, `90m`, `90 min`, `2h`, `1d`, or parts added up, `1h30m`, `1d 12h`.
 * Undefined for anything else (a bare number, `2 hours`, a fraction, a negative, zero): a number without a
 * unit is minutes to one team and hours to the next, so it is refused rather than guessed.
 */
export function parseDurationMinutes(text: string): number | undefined {
  const s = text.trim().toLowerCase();
  if (s === '' || s.length > 40) return undefined;
  let minutes = 0;
  let at = 0;
  while (at < s.length) {
    PART.lastIndex = at;
    const m = PART.exec(s);
    if (m === null) return undefined;
    minutes += Number(m[1]) * (UNIT_MINUTES[m[2] ?? ''] ?? Number.NaN);
    at = PART.lastIndex;
    while (s[at] === ' ') at++;
  }
  return Number.isSafeInteger(minutes) && minutes > 0 ? minutes : undefined;
}

/** 42 min · 2 h 5 min · 3 d 4 h — coarse on purpose: nobody needs seconds at 4 a.m. Rounds down. */
export function spanText(ms: number): string {
  if (ms >= 2 * DAY) {
    const d = Math.floor(ms / DAY);
    const h = Math.floor((ms % DAY) / HOUR);
    return h === 0 ? `${d} d` : `${d} d ${h} h`;
  }
  if (ms >= HOUR) {
    const h = Math.floor(ms / HOUR);
    const m = Math.floor((ms % HOUR) / MINUTE);
    return m === 0 ? `${h} h` : `${h} h ${m} min`;
  }
  return `${Math.floor(Math.max(0, ms) / MINUTE)} min`;
}

/**
 * A maximum-age SLA in words, as a card, the digest and an answer say it: "must be at most 2 h old; 2 h 40
 * min old now" (a day judged whole says "… old at worst"), or without an age known, "must be at most 2 h old".
 */
export function maxAgeText(maxAgeMinutes: number, ageMs?: number, when: 'now' | 'at worst' = 'now'): string {
  const promise = `must be at most ${spanText(maxAgeMinutes * MINUTE)} old`;
  return ageMs === undefined ? promise : `${promise}; ${spanText(ageMs)} old ${when}`;
}
