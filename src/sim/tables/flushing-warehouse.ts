import type { QueryOptions, QueryResult, Warehouse } from '../../databricks/warehouse.js';
import { SYSTEM_TABLES, type SinkTableName, WORKSPACE_TABLES } from '../system-table-sink.js';

/** What the warehouse flushes before each statement, and asks what it wrote: the simulated workspace. */
export interface Flushable {
  /** Makes the rows written so far queryable: those of `tables`, or all. */
  flush(tables?: readonly SinkTableName[]): Promise<void>;
  /** Rows written to `table` so far, flushed or not (`SimWorkspace.rowsWritten`). */
  rowsWritten(table: SinkTableName): number;
}

/** Each table the workspace writes by the name SQL gives it (`system.query.history`, `main.ops.etl_audit`). */
const BY_SQL_NAME: ReadonlyMap<string, SinkTableName> = new Map([
  ...SYSTEM_TABLES.map((t) => [`system.${t}`, t] as const),
  ...WORKSPACE_TABLES.map((t) => [`main.${t}`, t] as const),
]);

/**
 * The workspace's tables a statement reads, when it names them all by catalog; undefined (flush every
 * table) otherwise, and for a statement that does not translate, whose error the warehouse reports.
 */
function tablesRead(warehouse: Warehouse, sql: string): SinkTableName[] | undefined {
  const names = warehouse.tablesRead?.(sql);
  if (names === undefined) return undefined;
  const tables: SinkTableName[] = [];
  for (const name of names) {
    const table = BY_SQL_NAME.get(name);
    if (table === undefined) return undefined;
    tables.push(table);
  }
  return tables;
}

/**
 * A `Warehouse` over the simulator's DuckDB tables that first hands the workspace's buffered rows to
 * DuckDB and commits them, so every statement sees everything that happened up to the simulated now —
 * whether it arrives in-process (the embedded bot), over Statement Execution or over Thrift.
 *
 * Flushing on read rather than on every clock tick: the clock ticks five times a second whether or not
 * anyone asks, and a flush with nothing new costs a few microseconds per table (see the test). Only the
 * tables a statement reads are flushed: a commit of new rows costs about a millisecond a table, and the
 * monitoring polls read a few tables every minute while the engine writes a dozen.
 *
 * Its `contentVersion` is the count of rows the workspace wrote to each table: the tables only grow by
 * the engine's appends (statements are read-only), so an unchanged count is an unchanged table, and a
 * poller can skip a statement whose answer it already has.
 */
export function flushingWarehouse(warehouse: Warehouse, workspace: Flushable): Warehouse {
  return {
    async query(sql: string, options?: QueryOptions): Promise<QueryResult> {
      await workspace.flush(tablesRead(warehouse, sql));
      return warehouse.query(sql, options);
    },
    contentVersion(tables: readonly string[]): string | undefined {
      const counts: number[] = [];
      for (const name of tables) {
        const table = BY_SQL_NAME.get(name);
        if (table === undefined) return undefined;
        counts.push(workspace.rowsWritten(table));
      }
      return counts.join(',');
    },
    close: () => warehouse.close(),
  };
}
