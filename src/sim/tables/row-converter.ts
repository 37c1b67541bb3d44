import {
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBListValue,
  DuckDBMapValue,
  DuckDBStructValue,
  DuckDBTimestampValue,
  type DuckDBValue,
} from '@duckdb/node-api';
import { type ColumnType, DECIMAL_WIDTH, DUCKDB_DECIMAL_SCALE } from './column-type.js';
import { SinkError } from './sink-error.js';

/** Converts one value in the sink contract's conventions to the DuckDB value for its column. */
export type ValueConverter = (value: unknown) => DuckDBValue;

const DAY_MS = 86_400_000;
const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const DECIMAL_PATTERN = /^([+-]?)(\d+)(?:\.(\d+))?$/;
const INT32_MAX = 2_147_483_647;
const DECIMAL_LIMIT = 10n ** BigInt(DECIMAL_WIDTH);

/** Raised inside a converter; the sink adds table and column before it reaches the caller. */
class ValueError extends Error {}

const describe = (value: unknown): string =>
  Array.isArray(value) ? 'array' : value === null ? 'null' : value instanceof Date ? 'Date' : typeof value;

const mismatch = (expected: string, value: unknown): never => {
  throw new ValueError(
    `expected ${expected}, got ${describe(value)} ${JSON.stringify(String(value)).slice(0, 60)}`,
  );
};

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);

function toEpochMs(value: unknown): number {
  if (typeof value === 'number' && Number.isFinite(value)) return Math.round(value);
  if (value instanceof Date && !Number.isNaN(value.getTime())) return value.getTime();
  return mismatch('epoch milliseconds', value);
}

function toDays(value: unknown): number {
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

function integer(value: unknown, expected: string): number {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  if (
    typeof value === 'bigint' &&
    value <= BigInt(Number.MAX_SAFE_INTEGER) &&
    value >= -BigInt(Number.MAX_SAFE_INTEGER)
  )
    return Number(value);
  return mismatch(expected, value);
}

/** Builds the converter for one column type; nested types compose their children's converters. */
export function converterFor(type: ColumnType): ValueConverter {
  const nonNull = nonNullConverterFor(type);
  return (value) => (value === null || value === undefined ? null : nonNull(value));
}

function nonNullConverterFor(type: ColumnType): ValueConverter {
  switch (type.kind) {
    case 'string':
      return (value) => {
        if (typeof value === 'string') return value;
        // Databricks types ids as strings; an engine handing over a numeric id means the same thing.
        if (typeof value === 'bigint' || (typeof value === 'number' && Number.isSafeInteger(value)))
          return String(value);
        return mismatch('a string', value);
      };
    case 'boolean':
      return (value) => (typeof value === 'boolean' ? value : mismatch('a boolean', value));
    case 'int':
      return (value) => {
        const n = integer(value, 'an int');
        return Math.abs(n) <= INT32_MAX ? n : mismatch('an int within 32 bits', value);
      };
    case 'bigint':
      return (value) => (typeof value === 'bigint' ? value : BigInt(integer(value, 'a bigint')));
    case 'double':
      return (value) => (typeof value === 'number' ? value : mismatch('a number', value));
    case 'decimal':
      return (value) => new DuckDBDecimalValue(toScaledDecimal(value), DECIMAL_WIDTH, DUCKDB_DECIMAL_SCALE);
    case 'timestamp':
      return (value) => new DuckDBTimestampValue(BigInt(toEpochMs(value)) * 1000n);
    case 'date':
      return (value) => new DuckDBDateValue(toDays(value));
    case 'array': {
      const element = converterFor(type.element);
      return (value) =>
        Array.isArray(value) ? new DuckDBListValue(value.map(element)) : mismatch('an array', value);
    }
    case 'map': {
      const mapped = converterFor(type.value);
      return (value) => {
        const entries =
          value instanceof Map ? [...value.entries()] : isPlainObject(value) ? Object.entries(value) : null;
        if (entries === null) return mismatch('an object of key → value', value);
        return new DuckDBMapValue(
          entries.map(([key, entry]) => ({ key: String(key), value: mapped(entry) })),
        );
      };
    }
    case 'struct': {
      const fields = Object.entries(type.fields).map(([name, field]) => [name, converterFor(field)] as const);
      const known = new Set(fields.map(([name]) => name));
      return (value) => {
        if (!isPlainObject(value)) return mismatch('an object (struct)', value);
        for (const key in value) {
          if (!known.has(key))
            throw new ValueError(`struct has no field '${key}' (fields: ${[...known].join(', ')})`);
        }
        const out: Record<string, DuckDBValue> = {};
        for (const [name, convert] of fields) {
          try {
            out[name] = convert(value[name]);
          } catch (error) {
            if (error instanceof ValueError) throw new ValueError(`.${name}: ${error.message}`);
            throw error;
          }
        }
        return new DuckDBStructValue(out);
      };
    }
  }
}

/**
 * Wraps a converter so its failures become a `SinkError` naming the table, column and row index.
 */
export function checkedConverter(
  table: string,
  column: string,
  type: ColumnType,
): (value: unknown, row: number) => DuckDBValue {
  const convert = converterFor(type);
  return (value, row) => {
    try {
      return convert(value);
    } catch (error) {
      if (!(error instanceof ValueError)) throw error;
      throw new SinkError('INVALID_VALUE', `Column ${table}.${column} (row ${row}): ${error.message}.`, {
        table,
        column,
        row,
      });
    }
  };
}
