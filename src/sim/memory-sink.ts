import type { SinkTableName, SystemTableRow, SystemTableSink } from './system-table-sink.js';

/** A `SystemTableSink` that keeps every row in memory, per table, in append order. For tests and small runs. */
export class MemorySink implements SystemTableSink {
  readonly tables = new Map<SinkTableName, SystemTableRow[]>();

  append(table: SinkTableName, rows: readonly SystemTableRow[]): void {
    let list = this.tables.get(table);
    if (!list) {
      list = [];
      this.tables.set(table, list);
    }
    for (const row of rows) list.push(row);
  }

  async flush(): Promise<void> {}

  /** The rows of one table (empty when none were written). */
  rows(table: SinkTableName): SystemTableRow[] {
    return this.tables.get(table) ?? [];
  }
}
