import { z } from 'zod';

type ReviverContext = { source?: string };

const MAX_SAFE_DIGITS = String(Number.MAX_SAFE_INTEGER);

// A match may start only where a run of digits starts: without the lookbehind the engine retries at every
// digit of every shorter run (timestamps, ids), which cost as much as parsing the text.
const LONG_DIGIT_RUN = /(?<!\d)\d{16,}/g;

/** Only a `null` or a number beyond 2^53 makes the reviver change anything (a cheap, conservative test). */
function mayNeedReviver(text: string): boolean {
  if (text.includes('null')) return true;
  for (const [digits] of text.matchAll(LONG_DIGIT_RUN)) {
    if (digits.length > MAX_SAFE_DIGITS.length || digits > MAX_SAFE_DIGITS) return true;
  }
  return false;
}

/**
 * `JSON.parse` that never silently rounds an integer: a whole number beyond 2^53 keeps its exact source
 * text as a string, so the id schema below can refuse it instead of acting on a neighbouring job or run.
 * Uses the reviver `context.source` (JSON.parse source text access, Node 21+). A `null` object field is
 * dropped so it reads as absent, the way Databricks itself leaves out unset fields; nulls inside arrays
 * (SQL NULLs in `data_array`) are kept.
 */
export function parseDatabricksJson(text: string): unknown {
  // The reviver costs ~10× a plain parse; most responses have neither a null nor a 16-digit number.
  if (!mayNeedReviver(text)) return JSON.parse(text);
  return JSON.parse(text, function (this: unknown, _key: string, value: unknown, context?: ReviverContext) {
    if (value === null && !Array.isArray(this)) return undefined;
    if (typeof value === 'number' && !Number.isSafeInteger(value) && context?.source !== undefined) {
      if (/^-?\d+$/.test(context.source)) return context.source;
    }
    return value;
  });
}

/**
 * A Databricks int64 id (job_id, run_id, repair_id): a JSON number or a string of digits, kept as a
 * `number`. Rejects fractions, negatives and anything beyond 2^53 rather than losing precision.
 */
export const databricksId = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const n =
    typeof value === 'number' ? value : /^\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 0) {
    ctx.addIssue({
      code: 'custom',
      message: `expected a non-negative integer id below 2^53, got ${JSON.stringify(value)}`,
    });
    return z.NEVER;
  }
  return n;
});

/** An enum Databricks may extend: known values are listed for editors, unknown ones pass as strings. */
export function openEnum<const T extends readonly string[]>(_known: T) {
  return z.string() as unknown as z.ZodType<T[number] | (string & {}), string>;
}
