import { SYSTEM_TABLES, type SinkTableName, WORKSPACE_TABLES } from '../system-table-sink.js';
import { quoteIdent, toDuckDbType } from './column-type.js';
import { TABLE_COLUMNS, type TableColumns } from './system-table-columns.js';

/**
 * Databricks' `information_schema` would collide with DuckDB's built-in one, so the simulated grants
 * live under this schema instead; the SQL dialect rewrites references to it.
 */
export const UC_INFORMATION_SCHEMA = 'uc_information_schema';

/** Every table the sink accepts, system tables first. */
export const SINK_TABLES: readonly SinkTableName[] = [...SYSTEM_TABLES, ...WORKSPACE_TABLES];

/** Where a Databricks table is stored in DuckDB: `{ schema, table }` inside the default catalog. */
export interface StorageName {
  readonly schema: string;
  readonly table: string;
}

/** Maps `billing.usage` → `{schema:'billing', table:'usage'}`, `information_schema.x` → the renamed schema. */
export function storageNameOf(name: SinkTableName): StorageName {
  const [schema = '', table = ''] = name.split('.');
  return { schema: schema === 'information_schema' ? UC_INFORMATION_SCHEMA : schema, table };
}

/** `"schema"."table"` for use in DuckDB statements. */
export function quotedStorageName(name: SinkTableName): string {
  const { schema, table } = storageNameOf(name);
  return `${quoteIdent(schema)}.${quoteIdent(table)}`;
}

/** Whether `name` is one of the tables the sink knows (narrowing an untrusted string). */
export function isSinkTableName(name: string): name is SinkTableName {
  return Object.hasOwn(TABLE_COLUMNS, name);
}

/** The columns of one table as Databricks defines them. */
export function columnsOf(name: SinkTableName): TableColumns {
  return TABLE_COLUMNS[name];
}

/** `CREATE TABLE` for one table (idempotent). */
function createTableSql(name: SinkTableName): string {
  const columns = columnsOf(name)
    .map(([column, type]) => `  ${quoteIdent(column)} ${toDuckDbType(type)}`)
    .join(',\n');
  return `CREATE TABLE IF NOT EXISTS ${quotedStorageName(name)} (\n${columns}\n);`;
}

/**
 * The full DDL: one schema per Databricks schema and one table per entry in `SYSTEM_TABLES` and
 * `WORKSPACE_TABLES`. Run it in the catalog that should hold the tables (the default one).
 */
export function systemTableDdl(): string {
  const schemas = [...new Set(SINK_TABLES.map((name) => storageNameOf(name).schema))];
  return [
    ...schemas.map((schema) => `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)};`),
    ...SINK_TABLES.map(createTableSql),
  ].join('\n');
}
