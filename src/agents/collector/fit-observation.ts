import { LIMITS } from '../detector/observations.js';
import { cleanText, ID_MAX_LENGTH, truncateText } from '../../domain/text.js';

/**
 * Fits what a workspace sent into an observation's bounds (`LIMITS`), so a mapped observation is valid
 * by construction and needs no second validation: a name is cut, not refused, because a 600-character
 * job name must not hide the job's failure. Every function returns what the observation schema would
 * accept unchanged (test/agents/collector/run-observation.test.ts holds them to that).
 */

/** A job, run or owner name: cut to the limit, ending with an ellipsis. */
export function fitName(value: string | undefined): string | undefined {
  return value === undefined ? undefined : truncateText(value, LIMITS.name);
}

/** A non-blank name, cut to the limit; blank is absent. */
export function fitNonBlankName(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : fitName(value);
}

/** A state or termination code; anything longer than a code can be is no code at all. */
export function fitCode(value: string | undefined): string | undefined {
  return value !== undefined && value.length <= LIMITS.code ? value : undefined;
}

/** A task key or a key it depends on, cut to the limit. */
export function fitKey(value: string): string {
  return truncateText(value, LIMITS.key);
}

/** An id as the schemas store ids: cleaned text of 1 – 256 characters, else absent. */
export function fitId(value: string | number | undefined): string | undefined {
  if (value === undefined) return undefined;
  const text = cleanText(String(value));
  return text.length >= 1 && text.length <= ID_MAX_LENGTH ? text : undefined;
}

/** Error text from user code: the head is kept, where the message sits. Blank is absent. */
export function fitErrorText(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.slice(0, LIMITS.text);
}

/** Epoch milliseconds: a whole, non-negative, exactly representable number; zero and below are absent. */
export function fitEpochMs(value: number | undefined): number | undefined {
  if (value === undefined || !(value > 0)) return undefined;
  const ms = Math.floor(value);
  return Number.isSafeInteger(ms) ? ms : undefined;
}

/** A whole number no lower than `min`, else absent. */
export function fitWhole(value: number | undefined, min: number): number | undefined {
  return value !== undefined && Number.isSafeInteger(value) && value >= min ? value : undefined;
}

/** Table names: non-empty and within the limit (a longer one is no table name), at most `LIMITS.list`. */
export function fitTables(tables: readonly string[] | undefined): string[] {
  const fitted: string[] = [];
  for (const table of tables ?? []) {
    if (fitted.length === LIMITS.list) break;
    if (table.length >= 1 && table.length <= LIMITS.name) fitted.push(table);
  }
  return fitted;
}

/** Distinct ids, fitted, at most `LIMITS.list`. */
export function fitIds(ids: Iterable<string>): string[] {
  const fitted = new Set<string>();
  for (const id of ids) {
    if (fitted.size === LIMITS.list) break;
    const value = fitId(id);
    if (value !== undefined) fitted.add(value);
  }
  return [...fitted];
}

/** Tags: a key longer than the limit is dropped (it is no tag the bot reads), a long value is cut. */
export function fitTags(
  ...sources: (Readonly<Record<string, string>> | undefined)[]
): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const source of sources) {
    if (source === undefined) continue;
    for (const [key, value] of Object.entries(source)) {
      if (key.length <= LIMITS.key) tags[key] = truncateText(value, LIMITS.name);
    }
  }
  return tags;
}

/**
 * A run page link: http(s) only, as the schema's URL check reads it (trimmed, tabs and line breaks
 * removed, `scheme://` required) and within the limit; anything else is absent.
 */
export function fitUrl(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (!/^https?:\/\//i.test(trimmed)) return undefined;
  const url = URL.parse(trimmed);
  if (url === null || (url.protocol !== 'https:' && url.protocol !== 'http:')) return undefined;
  const link = trimmed.replace(/[\t\n\r]/g, '');
  return link.length <= LIMITS.url ? link : undefined;
}
