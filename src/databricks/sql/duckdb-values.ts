import {
  DuckDBArrayValue,
  DuckDBBlobValue,
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBListValue,
  DuckDBMapValue,
  DuckDBStructValue,
  DuckDBTimestampMillisecondsValue,
  DuckDBTimestampNanosecondsValue,
  DuckDBTimestampSecondsValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  type DuckDBType,
  DuckDBTypeId,
  type DuckDBValue,
} from '@duckdb/node-api';
import type { SqlValue } from '../warehouse.js';

const DAY_MS = 86_400_000;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

const isoFromMs = (ms: number): string => {
  const date = new Date(ms);
  // ±infinity timestamps and dates beyond JS's range have no ISO form; keep DuckDB's text.
  return Number.isNaN(date.getTime()) ? String(ms) : date.toISOString();
};

const fromBigInt = (value: bigint): number | string =>
  value <= MAX_SAFE && value >= -MAX_SAFE ? Number(value) : value.toString();

const fromNumber = (value: number): number | string => (Number.isFinite(value) ? value : String(value));

/**
 * Converts a DuckDB value to the canonical `SqlValue` documented in `warehouse.ts`: integers → number
 * (digits string beyond ±2^53), decimals → number, timestamps → ISO `…Z`, dates → `YYYY-MM-DD`,
 * lists → arrays, maps and structs → objects.
 */
export function canonicalValue(value: DuckDBValue): SqlValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return fromNumber(value);
  if (typeof value === 'bigint') return fromBigInt(value);
  if (value instanceof DuckDBDecimalValue) return value.toDouble();
  if (value instanceof DuckDBTimestampValue || value instanceof DuckDBTimestampTZValue) {
    return isoFromMs(Number(value.micros / 1000n));
  }
  if (value instanceof DuckDBTimestampMillisecondsValue) return isoFromMs(Number(value.millis));
  if (value instanceof DuckDBTimestampSecondsValue) return isoFromMs(Number(value.seconds) * 1000);
  if (value instanceof DuckDBTimestampNanosecondsValue) return isoFromMs(Number(value.nanos / 1_000_000n));
  if (value instanceof DuckDBDateValue) {
    const iso = isoFromMs(value.days * DAY_MS);
    return iso.length > 10 ? iso.slice(0, 10) : iso;
  }
  if (value instanceof DuckDBListValue || value instanceof DuckDBArrayValue)
    return value.items.map(canonicalValue);
  if (value instanceof DuckDBMapValue) {
    const out: Record<string, SqlValue> = {};
    for (const entry of value.entries) out[String(canonicalValue(entry.key))] = canonicalValue(entry.value);
    return out;
  }
  if (value instanceof DuckDBStructValue) {
    const out: Record<string, SqlValue> = {};
    for (const [key, entry] of Object.entries(value.entries)) out[key] = canonicalValue(entry);
    return out;
  }
  if (value instanceof DuckDBBlobValue) return Buffer.from(value.bytes).toString('base64');
  return String(value);
}

/** Databricks' `type_text` for a DuckDB result column (`VARCHAR` → `STRING`, lists → `ARRAY<…>`). */
export function databricksTypeText(type: DuckDBType): string {
  switch (type.typeId) {
    case DuckDBTypeId.VARCHAR:
    case DuckDBTypeId.UUID:
    case DuckDBTypeId.ENUM:
      return 'STRING';
    case DuckDBTypeId.BOOLEAN:
      return 'BOOLEAN';
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.UTINYINT:
      return 'TINYINT';
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.USMALLINT:
      return 'SMALLINT';
    case DuckDBTypeId.INTEGER:
      return 'INT';
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.BIGINT:
      return 'BIGINT';
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
    case DuckDBTypeId.BIGNUM:
      return 'DECIMAL(38,0)';
    case DuckDBTypeId.FLOAT:
      return 'FLOAT';
    case DuckDBTypeId.DOUBLE:
      return 'DOUBLE';
    case DuckDBTypeId.DECIMAL:
      return `DECIMAL(${type.width},${type.scale})`;
    case DuckDBTypeId.DATE:
      return 'DATE';
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_NS:
    case DuckDBTypeId.TIMESTAMP_TZ:
      return 'TIMESTAMP';
    case DuckDBTypeId.INTERVAL:
      return 'INTERVAL';
    case DuckDBTypeId.BLOB:
      return 'BINARY';
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY:
      return `ARRAY<${databricksTypeText(type.valueType)}>`;
    case DuckDBTypeId.MAP:
      return `MAP<${databricksTypeText(type.keyType)},${databricksTypeText(type.valueType)}>`;
    case DuckDBTypeId.STRUCT:
      return `STRUCT<${type.entryNames.map((name, i) => `${name}: ${databricksTypeText(type.entryTypes[i]!)}`).join(', ')}>`;
    case DuckDBTypeId.SQLNULL:
      return 'VOID';
    default:
      return type.toString();
  }
}
