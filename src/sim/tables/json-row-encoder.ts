import type { SinkTableName, SystemTableRow } from '../system-table-sink.js';
import { type CanonicalRowCheck, compileCanonicalCheck } from './canonical-row-check.js';
import { type ColumnType, DUCKDB_DECIMAL_SCALE } from './column-type.js';
import { columnsOf } from './system-table-ddl.js';
import {
  checkRowShape,
  checkStructFields,
  invalidValue,
  isDateText,
  isPlainObject,
  mapEntries,
  mismatch,
  toDays,
  toEpochMs,
  toInt32,
  toInt64,
  toScaledDecimal,
  toStringValue,
  ValueError,
} from './value-checks.js';

/**
 * Turns a value in the sink contract's conventions into what `JSON.stringify` should write for it so
 * that DuckDB's `read_json`, reading the column as `jsonReadType` says, stores exactly what the
 * appender sink stores. Returns the input itself when it already is that (the common case: no copy).
 * Only called for values that are neither null nor undefined.
 */
type JsonEncoder = (value: unknown, wellFormed: boolean) => unknown;

const DAY_MS = 86_400_000;

/** JSON has no NaN, infinities or negative zero; DuckDB casts these spellings to the same doubles. */
function jsonDouble(value: number): number | string {
  if (Number.isFinite(value)) return value === 0 && 1 / value < 0 ? '-0.0' : value;
  return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
}

/** The stored DECIMAL(38,9) as text with all nine decimals, which DuckDB parses exactly. */
function decimalText(scaled: bigint): string {
  const negative = scaled < 0n;
  const digits = (negative ? -scaled : scaled).toString().padStart(DUCKDB_DECIMAL_SCALE + 1, '0');
  const point = digits.length - DUCKDB_DECIMAL_SCALE;
  return `${negative ? '-' : ''}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/** A day number as DuckDB's date text: ISO for AD years (any number of digits), `… (BC)` before. */
function dateText(days: number): string {
  const date = new Date(days * DAY_MS);
  const year = date.getUTCFullYear();
  const rest = `-${String(date.getUTCMonth() + 1).padStart(2, '0')}-${String(date.getUTCDate()).padStart(2, '0')}`;
  return year >= 1
    ? `${String(year).padStart(4, '0')}${rest}`
    : `${String(1 - year).padStart(4, '0')}${rest} (BC)`;
}

/** With the `u` flag a surrogate pair is one code point, so this matches lone surrogates only. */
const LONE_SURROGATE = /\p{Surrogate}/gu;

/** `String.prototype.toWellFormed` (ES2024, beyond our TypeScript lib): lone surrogates → U+FFFD. */
const wellFormedText = (text: string): string => text.replace(LONE_SURROGATE, '\uFFFD');

/**
 * Whether `Object.prototype` has enumerable properties (it has none unless polluted). Then every
 * object literal seems to have those fields — the appender sink reads them — while JSON.stringify
 * writes own properties only, so nothing may be handed to it uncopied. Refreshed by each `encode`.
 */
let prototypePolluted = false;

function objectPrototypeIsPolluted(): boolean {
  for (const _ in Object.prototype) return true;
  return false;
}

/** Objects whose own properties are all `JSON.stringify` looks at: no prototype-borne `toJSON` or fields. */
const isLiteralObject = (value: object): boolean =>
  Object.getPrototypeOf(value) === Object.prototype && !prototypePolluted;

function encoderFor(type: ColumnType): JsonEncoder {
  switch (type.kind) {
    case 'string':
      // JSON.stringify escapes a lone surrogate as `\udXXX`, which DuckDB's JSON parser refuses; the
      // appender sink stores U+FFFD for it (Node's UTF-8 conversion), and `toWellFormed` does the same.
      return (value, wellFormed) => {
        const text = toStringValue(value);
        return wellFormed ? wellFormedText(text) : text;
      };
    case 'boolean':
      return (value) => (typeof value === 'boolean' ? value : mismatch('a boolean', value));
    case 'int':
      return toInt32;
    case 'bigint':
      return (value) => {
        const n = toInt64(value);
        // JSON numbers lose precision beyond 2^53 in most readers; DuckDB casts the digits exactly.
        return typeof n === 'bigint' ? n.toString() : n;
      };
    case 'double':
      return (value) => (typeof value === 'number' ? jsonDouble(value) : mismatch('a number', value));
    case 'decimal':
      return (value) => decimalText(toScaledDecimal(value));
    case 'timestamp':
      // Read as BIGINT milliseconds and turned into a TIMESTAMP by `epoch_ms` in the INSERT.
      return toEpochMs;
    case 'date':
      return (value) => {
        if (typeof value === 'string' && isDateText(value)) return value;
        const days = toDays(value);
        return typeof value === 'string' ? value : dateText(days);
      };
    case 'array': {
      const element = encoderFor(type.element);
      return (value, wellFormed) => {
        if (!Array.isArray(value)) return mismatch('an array', value);
        let out: unknown[] | undefined =
          Object.getPrototypeOf(value) === Array.prototype ? undefined : Array.from(value);
        for (let i = 0; i < value.length; i++) {
          const item: unknown = value[i];
          const encoded = item === null || item === undefined ? null : element(item, wellFormed);
          if (encoded !== item && out === undefined) out = value.slice();
          if (out !== undefined) out[i] = encoded;
        }
        return out ?? value;
      };
    }
    case 'map': {
      const entryValue = encoderFor(type.value);
      return (value, wellFormed) => {
        const entries = mapEntries(value);
        let changed = value instanceof Map || !isLiteralObject(value as object);
        // A null-prototype object: a key named `__proto__` stays an ordinary key.
        const out: Record<string, unknown> = Object.create(null);
        for (const [key, entry] of entries) {
          const encoded = entry === null || entry === undefined ? null : entryValue(entry, wellFormed);
          if (encoded !== entry) changed = true;
          const name = wellFormed ? wellFormedText(key) : key;
          if (name !== key) changed = true;
          out[name] = encoded;
        }
        return changed ? out : value;
      };
    }
    case 'struct': {
      const names = Object.keys(type.fields);
      const encoders = Object.values(type.fields).map(encoderFor);
      const known = new Set(names);
      return (value, wellFormed) => {
        if (!isPlainObject(value)) return mismatch('an object (struct)', value);
        checkStructFields(value, known);
        try {
          return encodeObject(value, names, encoders, wellFormed);
        } catch (error) {
          if (error instanceof FieldError)
            throw new ValueError(`.${names[error.index]}: ${error.cause.message}`);
          throw error;
        }
      };
    }
  }
}

/**
 * The type `read_json` reads a column as: the column's own DuckDB type, except timestamps, which
 * travel as epoch milliseconds (BIGINT) and become TIMESTAMPs in the INSERT.
 */
export function jsonReadType(type: ColumnType): ColumnType {
  return type.kind === 'timestamp' ? { kind: 'bigint' } : type;
}

/**
 * About how much JSON text to make per `JSON.stringify` call. V8 allocates strings above 128 KiB
 * outside its young generation, where each costs fresh pages and a share of a full GC; smaller ones
 * die young almost for free once written (measured at 4,000 jobs: ~25 MB less peak RSS than one
 * string per append, CPU the same within noise).
 */
const CHUNK_CHARS = 48 * 1024;

/**
 * Checks rows for one table exactly as the appender sink does (same `SinkError`s) and serialises them
 * with one native `JSON.stringify`. A compiled check passes the rows that are already canonical as
 * they are; only the others (decimals, doubles JSON cannot spell, numeric ids, anything wrong) are
 * walked column by column and copied with the values rewritten, or refused.
 */
export class JsonRowEncoder {
  readonly table: SinkTableName;
  readonly #names: readonly string[];
  readonly #known: ReadonlySet<string>;
  readonly #encoders: readonly JsonEncoder[];
  readonly #canonical: CanonicalRowCheck;
  #chunkRows = 64;

  constructor(table: SinkTableName) {
    const columns = columnsOf(table);
    this.table = table;
    this.#canonical = compileCanonicalCheck(columns);
    this.#names = columns.map(([name]) => name);
    this.#known = new Set(this.#names);
    this.#encoders = columns.map(([, type]) => encoderFor(type));
  }

  /**
   * The rows as JSON array texts (`[{…},{…}]`) of about `CHUNK_CHARS` each, in order. Throws a
   * `SinkError` for the first row that does not fit; then nothing of the call is encoded.
   */
  encode(rows: readonly SystemTableRow[]): string[] {
    prototypePolluted = objectPrototypeIsPolluted();
    // The compiled check would pass polluted rows as they are; the general path copies them.
    const encoded = this.#encodeRows(rows, prototypePolluted);
    const chunks: string[] = [];
    for (let start = 0; start < encoded.length; ) {
      const end = Math.min(encoded.length, start + this.#chunkRows);
      let json = JSON.stringify(encoded.slice(start, end));
      // Only lone surrogates make JSON.stringify write `\ud800`–`\udfff` escapes (a literal backslash is
      // doubled, so this may also match `\\ud…` text: then the second pass merely finds nothing to fix).
      if (json.includes('\\ud') && !prototypePolluted)
        json = JSON.stringify(this.#encodeRows(rows.slice(start, end), true));
      chunks.push(json);
      // Rows of one table are alike in size: aim the next chunk at CHUNK_CHARS.
      this.#chunkRows = Math.min(1024, Math.max(8, Math.floor((CHUNK_CHARS * (end - start)) / json.length)));
      start = end;
    }
    return chunks;
  }

  #encodeRows(rows: readonly SystemTableRow[], wellFormed: boolean): readonly unknown[] {
    const names = this.#names;
    const encoders = this.#encoders;
    // Copy only once a row has to change; an array subclass could carry its own toJSON.
    let out: unknown[] | undefined = Object.getPrototypeOf(rows) === Array.prototype ? undefined : [];
    for (let index = 0; index < rows.length; index++) {
      const row: unknown = rows[index];
      // Lone surrogates need rewriting in strings the canonical check passes, so it is skipped then.
      if (!wellFormed && this.#canonical(row)) {
        if (out !== undefined) out[index] = row;
        continue;
      }
      checkRowShape(this.table, this.#known, names, row, index);
      out ??= rows.slice(0, index);
      try {
        out[index] = encodeObject(row, names, encoders, wellFormed);
      } catch (error) {
        if (error instanceof FieldError)
          throw invalidValue(this.table, names[error.index] ?? '?', index, error.cause);
        throw error;
      }
    }
    return out ?? rows;
  }
}

/** A value check failed on the `index`th property of a row or struct value. */
class FieldError extends Error {
  readonly index: number;
  override readonly cause: ValueError;

  constructor(index: number, cause: ValueError) {
    super(cause.message);
    this.index = index;
    this.cause = cause;
  }
}

/**
 * Encodes the named properties of a row or struct value, returning the object itself when nothing
 * changes, else a copy holding exactly those properties (undefined ones left out: NULL either way).
 */
function encodeObject(
  value: Record<string, unknown>,
  names: readonly string[],
  encoders: readonly JsonEncoder[],
  wellFormed: boolean,
): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined = isLiteralObject(value) ? undefined : {};
  for (let index = 0; index < names.length; index++) {
    const name = names[index]!;
    const field = value[name];
    if (field === undefined || field === null) {
      if (copy !== undefined && field === null) copy[name] = null;
      continue;
    }
    let encoded: unknown;
    try {
      encoded = encoders[index]!(field, wellFormed);
    } catch (error) {
      throw error instanceof ValueError ? new FieldError(index, error) : error;
    }
    if (encoded !== field && copy === undefined) copy = copyFields(value, names, index);
    if (copy !== undefined) copy[name] = encoded;
  }
  return copy ?? value;
}

/** A fresh object holding the first `upTo` named properties of `value` (checked and kept as they are). */
function copyFields(
  value: Record<string, unknown>,
  names: readonly string[],
  upTo: number,
): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (let index = 0; index < upTo; index++) {
    const name = names[index]!;
    const field = value[name];
    if (field !== undefined) copy[name] = field;
  }
  return copy;
}
