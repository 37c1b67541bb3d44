import type { SinkTableName, SystemTableRow, SystemTableSink } from '../system-table-sink.js';

/** Batches rows per table so the sink sees a few large appends instead of millions of small ones. */
export class RowBuffer {
  readonly #sink: SystemTableSink;
  readonly #batch: number;
  readonly #pending = new Map<SinkTableName, SystemTableRow[]>();
  /** Rows pushed per table since the start: a table whose count has not moved holds what it held. */
  readonly #pushed = new Map<SinkTableName, number>();

  // 250 rather than thousands: a buffered row outlives a young-generation GC or two, gets copied and
  // promoted, and then dies in the old generation. Measured on the 10,000-job export: 2,000 → 250
  // saved 3–6 s of CPU (GC on both threads) at the same peak RSS.
  constructor(sink: SystemTableSink, batch = 250) {
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
    this.#pushed.set(table, (this.#pushed.get(table) ?? 0) + 1);
    if (list.length >= this.#batch) {
      this.#pending.set(table, []);
      this.#sink.append(table, list);
    }
  }

  /** How many rows were pushed to `table` so far, buffered or handed to the sink. */
  pushed(table: SinkTableName): number {
    return this.#pushed.get(table) ?? 0;
  }

  /** Hands the buffered rows of `tables` (default all) to the sink (does not call the sink's own flush). */
  drain(tables?: readonly SinkTableName[]): void {
    for (const table of tables ?? [...this.#pending.keys()]) {
      const list = this.#pending.get(table);
      if (list !== undefined && list.length > 0) this.#sink.append(table, list);
      this.#pending.delete(table);
    }
  }
}
