import { DECIMAL_WIDTH, DUCKDB_DECIMAL_SCALE } from './column-type.js';
import { SinkError } from './sink-error.js';

/**
 * The checks both sinks apply to a value before storing it, so that the appender sink (`DuckDbSink`)
 * and the bulk sink (`DuckDbBulkSink`) accept and reject exactly the same input and store the same
 * value for it.
 */

const DAY_MS = 86_400_000;
const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const DECIMAL_PATTERN = /^([+-]?)(\d+)(?:\.(\d+))?$/;
const INT32_MAX = 2_147_483_647;
const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);
const DECIMAL_LIMIT = 10n ** BigInt(DECIMAL_WIDTH);
/**
 * The JavaScript `Date` range (±100,000,000 days around 1970). DuckDB's TIMESTAMP reaches a little
 * further, but beyond this neither side can print the value and its microseconds approach int64.
 */
export const MAX_EPOCH_MS = 8.64e15;

/** Raised inside a value check; the sink adds table, column and row before it reaches the caller. */
export class ValueError extends Error {}

const describe = (value: unknown): string =>
  Array.isArray(value) ? 'array' : value === null ? 'null' : value instanceof Date ? 'Date' : typeof value;

export const mismatch = (expected: string, value: unknown): never => {
  throw new ValueError(
    `expected ${expected}, got ${describe(value)} ${JSON.stringify(String(value)).slice(0, 60)}`,
  );
};

export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);

/** Epoch milliseconds (rounded to a whole millisecond) from a number or a `Date`, within the Date range. */
export function toEpochMs(value: unknown): number {
  let ms: number;
  if (typeof value === 'number' && Number.isFinite(value)) ms = Math.round(value);
  else if (value instanceof Date && !Number.isNaN(value.getTime())) ms = value.getTime();
  else return mismatch('epoch milliseconds', value);
  return Math.abs(ms) <= MAX_EPOCH_MS ? ms : mismatch('epoch milliseconds within the Date range', value);
}

/** Days since 1970-01-01 from a `'YYYY-MM-DD'` string, or from epoch milliseconds / a `Date`. */
export function toDays(value: unknown): number {
  if (typeof value === 'string') {
    const match = DATE_PATTERN.exec(value);
    if (match) {
      const [, y, m, d] = match;
      const ms = Date.UTC(Number(y), Number(m) - 1, Number(d));
      // Date.UTC rolls 2026-02-31 over into March; a calendar date that moves is a malformed date.
      if (new Date(ms).toISOString().startsWith(value)) return ms / DAY_MS;
    }
    return mismatch("a 'YYYY-MM-DD' date", value);
  }
  return Math.floor(toEpochMs(value) / DAY_MS);
}

/** Valid `'YYYY-MM-DD'` strings seen lately: the engine writes the same few dates a million times. */
const validDates = new Set<string>();

/** Whether `value` is a `'YYYY-MM-DD'` string `toDays` accepts; remembers the last few hundred. */
export function isDateText(value: string): boolean {
  if (validDates.has(value)) return true;
  try {
    toDays(value);
  } catch (error) {
    if (error instanceof ValueError) return false;
    throw error;
  }
  if (validDates.size >= 256) validDates.clear();
  validDates.add(value);
  return true;
}

/** Scales a decimal number to the stored DECIMAL's integer form without binary floating-point noise. */
export function toScaledDecimal(value: unknown): bigint {
  let text: string;
  if (typeof value === 'number' && Number.isFinite(value)) {
    // String() gives the shortest round-trip form (0.1 → "0.1"); exponent forms only for extremes.
    text = String(value);
    if (Math.abs(value) >= 1e21) text = BigInt(Math.round(value)).toString();
    else if (text.includes('e')) text = value.toFixed(DUCKDB_DECIMAL_SCALE + 2);
  } else if (typeof value === 'string') {
    text = value.trim();
  } else if (typeof value === 'bigint') {
    text = value.toString();
  } else {
    return mismatch('a decimal number', value);
  }
  const match = DECIMAL_PATTERN.exec(text);
  if (!match) return mismatch('a decimal number', value);
  const [, sign, whole = '0', fraction = ''] = match;
  const digits = `${whole}${fraction.padEnd(DUCKDB_DECIMAL_SCALE, '0').slice(0, DUCKDB_DECIMAL_SCALE)}`;
  const scaled = BigInt(digits) * (sign === '-' ? -1n : 1n);
  if (scaled >= DECIMAL_LIMIT || scaled <= -DECIMAL_LIMIT)
    return mismatch('a value that fits decimal(38,9)', value);
  return scaled;
}

/** A JavaScript number that is a safe integer (a bigint within that range counts too). */
function toSafeInteger(value: unknown, expected: string): number {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  if (
    typeof value === 'bigint' &&
    value <= BigInt(Number.MAX_SAFE_INTEGER) &&
    value >= -BigInt(Number.MAX_SAFE_INTEGER)
  )
    return Number(value);
  return mismatch(expected, value);
}

/** A 32-bit integer column's value. */
export function toInt32(value: unknown): number {
  const n = toSafeInteger(value, 'an int');
  return Math.abs(n) <= INT32_MAX ? n : mismatch('an int within 32 bits', value);
}

/** A 64-bit integer column's value: a safe-integer number, or any bigint that fits 64 bits. */
export function toInt64(value: unknown): number | bigint {
  if (typeof value === 'bigint')
    return value <= INT64_MAX && value >= INT64_MIN ? value : mismatch('a bigint within 64 bits', value);
  return toSafeInteger(value, 'a bigint');
}

/** A string column's value. Databricks types ids as strings; a numeric id means the same thing. */
export function toStringValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'bigint' || (typeof value === 'number' && Number.isSafeInteger(value)))
    return String(value);
  return mismatch('a string', value);
}

/**
 * A map column's entries from a `Map` or a plain object. Keys become strings; two keys that do so
 * alike (`1` and `'1'` in a `Map`) would make a map with a duplicate key, which DuckDB's own `map()`
 * refuses, so they are rejected here.
 */
export function mapEntries(value: unknown): [string, unknown][] {
  if (value instanceof Map) {
    const entries: [string, unknown][] = [];
    const seen = new Set<string>();
    for (const [key, entry] of value) {
      const name = String(key);
      if (seen.has(name)) throw new ValueError(`map has the key '${name.slice(0, 60)}' twice`);
      seen.add(name);
      entries.push([name, entry]);
    }
    return entries;
  }
  if (isPlainObject(value)) return Object.entries(value);
  return mismatch('an object of key → value', value);
}

/** Rejects a struct value's fields the struct does not have. */
export function checkStructFields(value: Record<string, unknown>, known: ReadonlySet<string>): void {
  for (const key in value) {
    if (!known.has(key))
      throw new ValueError(`struct has no field '${key}' (fields: ${[...known].join(', ')})`);
  }
}

/** Prefixes a nested failure with the struct field it happened in. */
export function inField<T>(name: string, check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (error instanceof ValueError) throw new ValueError(`.${name}: ${error.message}`);
    throw error;
  }
}

/** Turns a value check's failure into the `SinkError` naming table, column and row index. */
export function invalidValue(table: string, column: string, row: number, error: unknown): unknown {
  if (!(error instanceof ValueError)) return error;
  return new SinkError('INVALID_VALUE', `Column ${table}.${column} (row ${row}): ${error.message}.`, {
    table,
    column,
    row,
  });
}

/**
 * Checks one row's shape: an object whose keys are all columns of the table. Keys are visited with
 * `for … in`, so inherited enumerable keys count as well (a polluted prototype is an unknown column).
 */
export function checkRowShape(
  table: string,
  known: ReadonlySet<string>,
  columnNames: readonly string[],
  row: unknown,
  index: number,
): asserts row is Record<string, unknown> {
  if (typeof row !== 'object' || row === null || Array.isArray(row)) {
    throw new SinkError('INVALID_VALUE', `Row ${index} for ${table} is not an object.`, {
      table,
      row: index,
    });
  }
  for (const key in row) {
    if (!known.has(key)) {
      throw new SinkError('UNKNOWN_COLUMN', `Table ${table} has no column '${key}'.`, {
        table,
        column: key,
        columns: columnNames,
      });
    }
  }
}
