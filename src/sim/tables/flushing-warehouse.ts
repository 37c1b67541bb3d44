import type { QueryOptions, QueryResult, Warehouse } from '../../databricks/warehouse.js';

/** What the warehouse flushes before each statement: the simulated workspace (`SimWorkspace.flush`). */
export interface Flushable {
  flush(): Promise<void>;
}

/**
 * A `Warehouse` over the simulator's DuckDB tables that first hands the workspace's buffered rows to
 * DuckDB and commits them, so every statement sees everything that happened up to the simulated now —
 * whether it arrives in-process (the embedded bot), over Statement Execution or over Thrift.
 *
 * Flushing on read rather than on every clock tick: the clock ticks five times a second whether or not
 * anyone asks, and a flush with nothing new costs a few microseconds per table (see the test).
 */
export function flushingWarehouse(warehouse: Warehouse, workspace: Flushable): Warehouse {
  return {
    async query(sql: string, options?: QueryOptions): Promise<QueryResult> {
      await workspace.flush();
      return warehouse.query(sql, options);
    },
    close: () => warehouse.close(),
  };
}
