import {
  type DuckDBAppender,
  type DuckDBConnection,
  DuckDBDataChunk,
  type DuckDBValue,
} from '@duckdb/node-api';
import type { SinkTableName, SystemTableRow, SystemTableSink } from '../system-table-sink.js';
import { checkedConverter } from './row-converter.js';
import { SinkError } from './sink-error.js';
import {
  columnsOf,
  isSinkTableName,
  SINK_TABLES,
  storageNameOf,
  systemTableDdl,
} from './system-table-ddl.js';
import { checkRowShape } from './value-checks.js';

/** DuckDB's vector size: a data chunk holds at most this many rows. */
const CHUNK_ROWS = 2048;

interface TableWriter {
  readonly name: SinkTableName;
  readonly appender: DuckDBAppender;
  readonly columnNames: readonly string[];
  readonly known: ReadonlySet<string>;
  readonly converters: readonly ((value: unknown, row: number) => DuckDBValue)[];
  /**
   * The chunk each write fills and hands over, made once: making one builds the DuckDB type of every
   * column (structs, maps and lists included), which cost more than the few rows a flush of the live
   * simulator usually carries. The appender copies what it is given, so the chunk is free again at once.
   */
  readonly chunk: DuckDBDataChunk;
  /** Column-major buffer of converted values not yet handed to the appender. */
  columns: DuckDBValue[][];
  buffered: number;
  dirty: boolean;
}

export interface DuckDbSinkOptions {
  /** Run the system-table DDL first (default true). Turn off when the tables already exist. */
  readonly createTables?: boolean;
}

/**
 * A `SystemTableSink` that writes into DuckDB with appenders. Rows are converted and checked as they
 * are appended (so a bad row fails at the engine's call site), buffered column-major, and handed to
 * DuckDB a whole data chunk (2048 rows) at a time; `flush` commits so other connections see them.
 *
 * Give the sink its own connection: an appender holds it, and queries belong on another one.
 */
export class DuckDbSink implements SystemTableSink {
  readonly #writers: ReadonlyMap<SinkTableName, TableWriter>;
  #closed = false;

  private constructor(writers: ReadonlyMap<SinkTableName, TableWriter>) {
    this.#writers = writers;
  }

  /** Creates the tables (unless told not to) and one appender per table on `connection`. */
  static async create(connection: DuckDBConnection, options: DuckDbSinkOptions = {}): Promise<DuckDbSink> {
    if (options.createTables ?? true) await connection.run(systemTableDdl());
    const writers = new Map<SinkTableName, TableWriter>();
    for (const name of SINK_TABLES) {
      const { schema, table } = storageNameOf(name);
      const appender = await connection.createAppender(table, schema);
      const columns = columnsOf(name);
      writers.set(name, {
        name,
        appender,
        columnNames: columns.map(([column]) => column),
        known: new Set(columns.map(([column]) => column)),
        converters: columns.map(([column, type]) => checkedConverter(name, column, type)),
        chunk: DuckDBDataChunk.create(columns.map((_, index) => appender.columnType(index))),
        columns: columns.map(() => []),
        buffered: 0,
        dirty: false,
      });
    }
    return new DuckDbSink(writers);
  }

  /**
   * Appends rows in the sink contract's conventions. All rows of one call are checked before any is
   * kept: a `SinkError` (unknown table or column, a value that does not fit) leaves the table as it was.
   */
  append(table: SinkTableName, rows: readonly SystemTableRow[]): void {
    if (this.#closed)
      throw new SinkError('CLOSED', `The system-table sink is closed; cannot append to ${table}.`);
    const writer = isSinkTableName(table) ? this.#writers.get(table) : undefined;
    if (writer === undefined) {
      throw new SinkError('UNKNOWN_TABLE', `Unknown system table '${String(table)}'.`, {
        table,
        known: SINK_TABLES,
      });
    }
    const converted = rows.map((row, index) => convertRow(writer, row, index));
    for (const values of converted) {
      for (let column = 0; column < values.length; column++)
        writer.columns[column]?.push(values[column] ?? null);
      writer.buffered++;
      if (writer.buffered === CHUNK_ROWS) writeChunk(writer);
    }
  }

  /**
   * Hands the buffered rows of `tables` (default all) to DuckDB and commits, so queries on other
   * connections see them. Each commit costs about a millisecond, so a reader flushes what it reads.
   */
  async flush(tables?: readonly SinkTableName[]): Promise<void> {
    if (this.#closed) return;
    const writers =
      tables === undefined
        ? this.#writers.values()
        : tables.map((t) => this.#writers.get(t)).filter((w) => w !== undefined);
    for (const writer of writers) {
      if (writer.buffered > 0) writeChunk(writer);
      if (writer.dirty) {
        writer.appender.flushSync();
        writer.dirty = false;
      }
    }
  }

  /** Flushes and closes the appenders. Appending afterwards is an error; closing twice is harmless. */
  async close(): Promise<void> {
    if (this.#closed) return;
    await this.flush();
    this.#closed = true;
    for (const writer of this.#writers.values()) writer.appender.closeSync();
  }
}

function convertRow(writer: TableWriter, row: SystemTableRow, index: number): DuckDBValue[] {
  checkRowShape(writer.name, writer.known, writer.columnNames, row, index);
  const values: DuckDBValue[] = new Array(writer.converters.length);
  for (let column = 0; column < writer.converters.length; column++) {
    values[column] = writer.converters[column]!(row[writer.columnNames[column]!], index);
  }
  return values;
}

function writeChunk(writer: TableWriter): void {
  const chunk = writer.chunk;
  chunk.reset();
  chunk.rowCount = writer.buffered;
  chunk.setColumns(writer.columns);
  writer.appender.appendDataChunk(chunk);
  writer.columns = writer.columns.map(() => []);
  writer.buffered = 0;
  writer.dirty = true;
}
