/**
 * A small description of a system-table column type, kept as data so that one definition yields the
 * Databricks spelling (`struct<a:string>`), the DuckDB DDL (`STRUCT("a" VARCHAR)`) and the sink's
 * value conversion.
 */
export type ColumnType =
  | { readonly kind: 'string' }
  | { readonly kind: 'boolean' }
  | { readonly kind: 'int' }
  | { readonly kind: 'bigint' }
  | { readonly kind: 'double' }
  | { readonly kind: 'decimal' }
  | { readonly kind: 'timestamp' }
  | { readonly kind: 'date' }
  | { readonly kind: 'array'; readonly element: ColumnType }
  | { readonly kind: 'map'; readonly value: ColumnType }
  | { readonly kind: 'struct'; readonly fields: Readonly<Record<string, ColumnType>> };

/** Databricks `decimal` columns in system tables are DECIMAL(38,18). */
export const DECIMAL_WIDTH = 38;
const DECIMAL_SCALE = 18;
/**
 * DuckDB stores them as DECIMAL(38,9). Measured with DuckDB 1.5: DECIMAL(38,18) × DECIMAL(38,18) is
 * typed DECIMAL(38,36) and overflows from 100 × 1 on ("Overflow in multiplication of DECIMAL(38)"), so
 * the canonical cost join (`usage_quantity * pricing.effective_list.default`) fails on realistic
 * numbers, while Databricks narrows the scale instead. With scale 9 a product keeps 20 integer digits.
 * Nine decimals are more than DBU quantities and list prices carry.
 */
export const DUCKDB_DECIMAL_SCALE = 9;

export const STRING: ColumnType = { kind: 'string' };
export const BOOLEAN: ColumnType = { kind: 'boolean' };
export const INT: ColumnType = { kind: 'int' };
export const BIGINT: ColumnType = { kind: 'bigint' };
export const DOUBLE: ColumnType = { kind: 'double' };
export const DECIMAL: ColumnType = { kind: 'decimal' };
export const TIMESTAMP: ColumnType = { kind: 'timestamp' };
export const DATE: ColumnType = { kind: 'date' };

/** `array<element>`. */
export const arrayOf = (element: ColumnType): ColumnType => ({ kind: 'array', element });
/** `map<string, value>` (every system-table map has string keys). */
export const mapOf = (value: ColumnType): ColumnType => ({ kind: 'map', value });
/** `struct<…>` with the given fields, in order. */
export const structOf = (fields: Record<string, ColumnType>): ColumnType => ({ kind: 'struct', fields });
/** A struct whose fields are all strings — the common case in system tables. */
export const stringStruct = (...names: string[]): ColumnType =>
  structOf(Object.fromEntries(names.map((name) => [name, STRING])));

/** Renders a type the way Databricks' `DESCRIBE` does (`map<string,string>`, `struct<a:string>`). */
export function toDatabricksType(type: ColumnType): string {
  switch (type.kind) {
    case 'decimal':
      return `decimal(${DECIMAL_WIDTH},${DECIMAL_SCALE})`;
    case 'array':
      return `array<${toDatabricksType(type.element)}>`;
    case 'map':
      return `map<string,${toDatabricksType(type.value)}>`;
    case 'struct':
      return `struct<${Object.entries(type.fields)
        .map(([name, field]) => `${name}:${toDatabricksType(field)}`)
        .join(',')}>`;
    default:
      return type.kind;
  }
}

/** Quotes an identifier for DuckDB (field names such as `default` and `interval` are reserved). */
export const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** Renders a type as DuckDB DDL. Timestamps are naive `TIMESTAMP` holding UTC, as in Databricks. */
export function toDuckDbType(type: ColumnType): string {
  switch (type.kind) {
    case 'string':
      return 'VARCHAR';
    case 'boolean':
      return 'BOOLEAN';
    case 'int':
      return 'INTEGER';
    case 'bigint':
      return 'BIGINT';
    case 'double':
      return 'DOUBLE';
    case 'decimal':
      return `DECIMAL(${DECIMAL_WIDTH},${DUCKDB_DECIMAL_SCALE})`;
    case 'timestamp':
      return 'TIMESTAMP';
    case 'date':
      return 'DATE';
    case 'array':
      return `${toDuckDbType(type.element)}[]`;
    case 'map':
      return `MAP(VARCHAR, ${toDuckDbType(type.value)})`;
    case 'struct':
      return `STRUCT(${Object.entries(type.fields)
        .map(([name, field]) => `${quoteIdent(name)} ${toDuckDbType(field)}`)
        .join(', ')})`;
  }
}
