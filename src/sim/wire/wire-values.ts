import type { SqlParam, SqlParamType, SqlValue } from '../../databricks/warehouse.js';

/** A result column as Statement Execution's `manifest.schema.columns[]` spells it. */
export interface WireColumn {
  name: string;
  type_name: string;
  type_text: string;
  position: number;
  type_precision?: number;
  type_scale?: number;
}

const SIMPLE_TYPE_NAMES: Readonly<Record<string, string>> = {
  BIGINT: 'LONG',
  INT: 'INT',
  INTEGER: 'INT',
  SMALLINT: 'SHORT',
  TINYINT: 'BYTE',
  FLOAT: 'FLOAT',
  DOUBLE: 'DOUBLE',
  BOOLEAN: 'BOOLEAN',
  STRING: 'STRING',
  DATE: 'DATE',
  TIMESTAMP: 'TIMESTAMP',
  TIMESTAMP_NTZ: 'TIMESTAMP',
  BINARY: 'BINARY',
  INTERVAL: 'INTERVAL',
  VOID: 'NULL',
};

/** `type_name` (Statement Execution's enum) for a Databricks `type_text` such as `ARRAY<STRING>`. */
function typeNameOf(typeText: string): string {
  const upper = typeText.trim().toUpperCase();
  const head = /^[A-Z_]+/.exec(upper)?.[0] ?? upper;
  if (head === 'DECIMAL') return 'DECIMAL';
  if (head === 'ARRAY' || head === 'MAP' || head === 'STRUCT') return head;
  if (head === 'CHAR' || head === 'VARCHAR') return 'STRING';
  if (head === 'INTERVAL') return 'INTERVAL';
  return SIMPLE_TYPE_NAMES[head] ?? 'USER_DEFINED_TYPE';
}

/** The manifest column for a result column. */
export function wireColumn(name: string, typeText: string, position: number): WireColumn {
  const column: WireColumn = { name, type_name: typeNameOf(typeText), type_text: typeText, position };
  const decimal = /^DECIMAL\((\d+),\s*(\d+)\)$/i.exec(typeText.trim());
  if (decimal) {
    column.type_precision = Number(decimal[1]);
    column.type_scale = Number(decimal[2]);
  }
  return column;
}

/**
 * One value as Statement Execution's JSON_ARRAY sends it: every non-null value a string, decimals at
 * their declared scale, complex types as JSON text.
 */
export function wireString(value: SqlValue, typeText: string): string | null {
  if (value === null) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    const scale = /^DECIMAL\(\d+,\s*(\d+)\)$/i.exec(typeText.trim())?.[1];
    if (scale !== undefined && Math.abs(value) < 1e21) return value.toFixed(Math.min(Number(scale), 100));
    return String(value);
  }
  return JSON.stringify(value);
}

const PARAM_TYPES: Readonly<Record<string, SqlParamType>> = {
  STRING: 'STRING',
  INT: 'INT',
  INTEGER: 'INT',
  TINYINT: 'INT',
  BYTE: 'INT',
  SMALLINT: 'INT',
  SHORT: 'INT',
  BIGINT: 'BIGINT',
  LONG: 'BIGINT',
  FLOAT: 'DOUBLE',
  DOUBLE: 'DOUBLE',
  BOOLEAN: 'BOOLEAN',
  DATE: 'DATE',
  TIMESTAMP: 'TIMESTAMP',
  TIMESTAMP_NTZ: 'TIMESTAMP',
};

/**
 * A parameter as a wire protocol names its type (`LONG`, `DECIMAL(10,2)`, …) and sends its value as
 * text, as the `SqlParam` the warehouse binds. Unknown types pass through so the warehouse rejects them
 * with INVALID_PARAMETER, as Databricks fails the statement.
 */
export function paramFromWire(value: string | null, type: string | undefined): SqlParam {
  if (value === null) return null;
  const upper = (type ?? 'STRING').trim().toUpperCase();
  if (/^DECIMAL(\(\s*\d+\s*(,\s*\d+\s*)?\))?$/.test(upper)) {
    return {
      value,
      type: (upper === 'DECIMAL' ? 'DECIMAL(10,0)' : upper.replaceAll(' ', '')) as SqlParamType,
    };
  }
  return { value, type: PARAM_TYPES[upper] ?? (upper as SqlParamType) };
}
