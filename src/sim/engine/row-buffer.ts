import type { SinkTableName, SystemTableRow, SystemTableSink } from '../system-table-sink.js';

/** Batches rows per table so the sink sees a few large appends instead of millions of small ones. */
export class RowBuffer {
  readonly #sink: SystemTableSink;
  readonly #batch: number;
  readonly #pending = new Map<SinkTableName, SystemTableRow[]>();

  constructor(sink: SystemTableSink, batch = 2000) {
    this.#sink = sink;
    this.#batch = batch;
  }

  push(table: SinkTableName, row: SystemTableRow): void {
    let list = this.#pending.get(table);
    if (!list) {
      list = [];
      this.#pending.set(table, list);
    }
    list.push(row);
    if (list.length >= this.#batch) {
      this.#pending.set(table, []);
      this.#sink.append(table, list);
    }
  }

  /** Hands every buffered row to the sink (does not call the sink's own flush). */
  drain(): void {
    for (const [table, list] of this.#pending) {
      if (list.length > 0) this.#sink.append(table, list);
    }
    this.#pending.clear();
  }
}
