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
import {
  checkStructFields,
  inField,
  invalidValue,
  isPlainObject,
  mapEntries,
  mismatch,
  toDays,
  toEpochMs,
  toInt32,
  toInt64,
  toScaledDecimal,
  toStringValue,
} from './value-checks.js';

/** Converts one value in the sink contract's conventions to the DuckDB value for its column. */
type ValueConverter = (value: unknown) => DuckDBValue;

/** Builds the converter for one column type; nested types compose their children's converters. */
function converterFor(type: ColumnType): ValueConverter {
  const nonNull = nonNullConverterFor(type);
  return (value) => (value === null || value === undefined ? null : nonNull(value));
}

function nonNullConverterFor(type: ColumnType): ValueConverter {
  switch (type.kind) {
    case 'string':
      return toStringValue;
    case 'boolean':
      return (value) => (typeof value === 'boolean' ? value : mismatch('a boolean', value));
    case 'int':
      return toInt32;
    case 'bigint':
      return (value) => BigInt(toInt64(value));
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
      return (value) =>
        new DuckDBMapValue(mapEntries(value).map(([key, entry]) => ({ key, value: mapped(entry) })));
    }
    case 'struct': {
      const fields = Object.entries(type.fields).map(([name, field]) => [name, converterFor(field)] as const);
      const known = new Set(fields.map(([name]) => name));
      return (value) => {
        if (!isPlainObject(value)) return mismatch('an object (struct)', value);
        checkStructFields(value, known);
        const out: Record<string, DuckDBValue> = {};
        for (const [name, convert] of fields) out[name] = inField(name, () => convert(value[name]));
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
      throw invalidValue(table, column, row, error);
    }
  };
}
