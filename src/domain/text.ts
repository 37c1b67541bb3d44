import { z } from 'zod';

// PostgreSQL rejects U+0000 in text and jsonb, and jsonb rejects lone UTF-16 surrogates; both arrive in
// real error messages (binary output, truncated multi-byte strings), so they are replaced, not refused.
const NUL = '\u0000';
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Makes a string storable anywhere: NUL and lone surrogates become U+FFFD. Everything else is kept. */
export function cleanText(value: string): string {
  return value.replaceAll(NUL, '\ufffd').replace(LONE_SURROGATE, '\ufffd');
}

/** Cuts `value` to at most `max` UTF-16 units, ending with an ellipsis, never splitting a surrogate pair. */
export function truncateText(value: string, max: number): string {
  if (value.length <= max) return value;
  let end = Math.max(0, max - 1);
  const last = value.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${value.slice(0, end)}…`;
}

/**
 * Text a person typed (a reason, what fixed an incident) or a name from elsewhere, made safe to store and
 * show in one line: control and line-separator characters become spaces, runs of whitespace one space,
 * cut to `max` characters.
 */
export function oneLine(value: string, max: number): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
  const flat = cleanText(value).replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, ' ');
  return truncateText(flat.replace(/\s+/g, ' ').trim(), max);
}

/** `epochMs` as cards and evidence write a moment: `2024-05-01 05:02 UTC`. */
export function utcMinute(epochMs: number): string {
  return `${new Date(epochMs).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** Deep-cleans every string (keys too) of a JSON-like value so it can be stored as jsonb. */
function cleanJson(value: unknown): unknown {
  if (typeof value === 'string') return cleanText(value);
  if (Array.isArray(value)) return value.map(cleanJson);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[cleanText(k)] = cleanJson(v);
    return out;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/** A cleaned string of at most `max` characters; longer input is refused with the limit in the message. */
export const boundedText = (max: number) =>
  z
    .string()
    .max(max, { message: `must be at most ${max} characters` })
    .transform(cleanText);

/** The longest id string accepted (Databricks ids are far shorter; this bounds hostile input). */
export const ID_MAX_LENGTH = 256;

/** Databricks ids are int64 and exceed Number.MAX_SAFE_INTEGER: always carried as strings. */
export const idString = z
  .union([z.string().min(1).max(ID_MAX_LENGTH), z.number().int().nonnegative(), z.bigint().nonnegative()])
  .transform((v) => cleanText(String(v)));

/** A JSON object of bounded serialised size, cleaned for jsonb. */
export const jsonObject = (maxBytes: number) =>
  z
    .record(z.string(), z.unknown())
    .transform((v) => cleanJson(v) as Record<string, unknown>)
    .refine((v) => Buffer.byteLength(JSON.stringify(v)) <= maxBytes, {
      message: `must serialise to at most ${maxBytes} bytes of JSON`,
    });
