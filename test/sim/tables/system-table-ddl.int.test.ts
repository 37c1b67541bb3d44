import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { SYSTEM_TABLES, WORKSPACE_TABLES } from '../../../src/sim/system-table-sink.js';
import {
  SYSTEM_SCHEMAS,
  UC_INFORMATION_SCHEMA as DIALECT_UC_INFORMATION_SCHEMA,
  WORKSPACE_CATALOGS,
} from '../../../src/databricks/sql-dialect.js';
import { toDatabricksType } from '../../../src/sim/tables/column-type.js';
import { TABLE_COLUMNS } from '../../../src/sim/tables/system-table-columns.js';
import {
  columnsOf,
  isSinkTableName,
  SINK_TABLES,
  storageNameOf,
  systemTableDdl,
  UC_INFORMATION_SCHEMA,
} from '../../../src/sim/tables/system-table-ddl.js';
import { REFERENCE_COLUMNS, REFERENCE_STRUCT_FIELDS } from './reference-columns.js';

const kindOf = (databricksType: string): string => /^[a-z]+/.exec(databricksType)?.[0] ?? databricksType;

describe('system table DDL', () => {
  it('defines every system and workspace table of the sink contract, and nothing else', () => {
    expect(Object.keys(TABLE_COLUMNS).sort()).toEqual([...SYSTEM_TABLES, ...WORKSPACE_TABLES].sort());
    expect(SINK_TABLES).toHaveLength(SYSTEM_TABLES.length + WORKSPACE_TABLES.length);
  });

  it.each(Object.keys(REFERENCE_COLUMNS))(
    'gives %s the columns and Databricks types of the reference',
    (table) => {
      if (!isSinkTableName(table)) throw new Error(`fixture names unknown table ${table}`);
      const ours = Object.fromEntries(
        columnsOf(table).map(([name, type]) => [name, kindOf(toDatabricksType(type))]),
      );
      expect(ours).toEqual(REFERENCE_COLUMNS[table]);
    },
  );

  it.each(Object.entries(REFERENCE_STRUCT_FIELDS))(
    'gives struct %s at least the reference fields',
    (path, fields) => {
      const [schema, table, column] = path.split('.');
      const name = `${schema}.${table}`;
      if (!isSinkTableName(name)) throw new Error(`fixture names unknown table ${name}`);
      const type = columnsOf(name).find(([c]) => c === column)?.[1];
      expect(type?.kind).toBe('struct');
      if (type?.kind === 'struct') expect(Object.keys(type.fields)).toEqual(expect.arrayContaining(fields));
    },
  );

  it('spells decimals, maps and nested structs the way Databricks DESCRIBE does', () => {
    const usage = Object.fromEntries(columnsOf('billing.usage').map(([n, t]) => [n, toDatabricksType(t)]));
    expect(usage.usage_quantity).toBe('decimal(38,18)');
    expect(usage.custom_tags).toBe('map<string,string>');
    expect(usage.identity_metadata).toBe(
      'struct<run_as:string,owned_by:string,created_by:string,run_by:string>',
    );
  });

  it('stores information_schema under its own schema so it cannot clash with DuckDB', () => {
    expect(storageNameOf('information_schema.table_privileges')).toEqual({
      schema: UC_INFORMATION_SCHEMA,
      table: 'table_privileges',
    });
    expect(storageNameOf('billing.usage')).toEqual({ schema: 'billing', table: 'usage' });
  });

  it('stores tables exactly where the SQL dialect looks for them', () => {
    expect(DIALECT_UC_INFORMATION_SCHEMA).toBe(UC_INFORMATION_SCHEMA);
    for (const table of SYSTEM_TABLES) expect(SYSTEM_SCHEMAS, table).toContain(table.split('.')[0]);
    for (const table of WORKSPACE_TABLES) expect(SYSTEM_SCHEMAS, table).not.toContain(table.split('.')[0]);
    expect(WORKSPACE_CATALOGS).toContain('main');
  });

  it('creates every table in DuckDB with the catalogue columns in order, twice without error', async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      await connection.run(systemTableDdl());
      await connection.run(systemTableDdl());
      for (const table of SINK_TABLES) {
        const { schema, table: name } = storageNameOf(table);
        const reader = await connection.runAndReadAll(
          'SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = $s AND table_name = $t ORDER BY ordinal_position',
          { s: schema, t: name },
        );
        const columns = reader.getRowsJson().map((row) => row[0]);
        expect(columns, table).toEqual(columnsOf(table).map(([c]) => c));
      }
      const usage = await connection.runAndReadAll(
        "SELECT data_type FROM information_schema.columns WHERE table_schema='billing' AND table_name='usage' AND column_name='custom_tags'",
      );
      expect(usage.getRowsJson()[0]?.[0]).toBe('MAP(VARCHAR, VARCHAR)');
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });
});
