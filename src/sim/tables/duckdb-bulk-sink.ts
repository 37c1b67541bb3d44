import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { SinkTableName, SystemTableRow, SystemTableSink } from '../system-table-sink.js';
import { quoteIdent, toDuckDbType } from './column-type.js';
import { JsonRowEncoder, jsonReadType } from './json-row-encoder.js';
import { SinkError } from './sink-error.js';
import {
  columnsOf,
  isSinkTableName,
  quotedStorageName,
  SINK_TABLES,
  systemTableDdl,
} from './system-table-ddl.js';

/** DuckDB's default `maximum_object_size` for `read_json` (16 MiB); raised per batch when rows are bigger. */
const DEFAULT_MAX_OBJECT_BYTES = 16 * 1024 * 1024;

export interface DuckDbBulkSinkOptions {
  /** Run the system-table DDL first (default true). Turn off when the tables already exist. */
  readonly createTables?: boolean;
  /** The directory to make the sink's own directory of batch files in (default `os.tmpdir()`). */
  readonly tempDirectory?: string;
  /**
   * The instance's `memory_limit` in bytes, when it was set low (the export sets 128 MB). DuckDB's
   * JSON reader needs about twice the largest row in one buffer, and committing and checkpointing
   * pin blocks that size again, so a batch holding a huge value (a 100 MB query text) raises the
   * limit for the rest of the sink's life.
   */
  readonly memoryLimitBytes?: number;
}

/** One table's rows of the batch being filled: a JSON array written to a file as rows arrive. */
interface OpenFile {
  readonly path: string;
  readonly fd: number;
  /** `maximum_object_size` for reading it: at least the UTF-8 size of its largest row. */
  maxObjectBytes: number;
  /** Nothing written yet, not even the opening bracket. */
  empty: boolean;
}

/** A sealed batch: the files to load and the statements that load them. */
interface Batch {
  readonly sql: string;
  readonly paths: readonly string[];
  readonly maxObjectBytes: number;
}

/**
 * A `SystemTableSink` for bulk loads (exports): rows are checked as they are appended (the same
 * `SinkError`s as `DuckDbSink`, so a bad row fails at the engine's call site and leaves its table as
 * it was), serialised with the native `JSON.stringify` and written to a JSON file per table.
 * `ready()` seals those files into a batch that DuckDB loads with `INSERT … SELECT … FROM read_json(…)`
 * on its own thread while the engine goes on producing the next one; `flush()` loads everything and
 * resolves once it is committed.
 *
 * Why not the appender: `@duckdb/node-api` crosses into native code once per VARCHAR and builds a JS
 * object per struct, list and map value; at 4.5 million rows a simulated day that cost more than the
 * engine itself. DuckDB's JSON reader does the same work in C++, and off the JavaScript thread.
 *
 * Give the sink its own connection, and do not run other statements on it while rows are loading.
 * DuckDB must be allowed to read files: an instance a `DuckDbWarehouse` has locked down
 * (`enable_external_access = false`) fails every load, which is why the live simulator keeps
 * `DuckDbSink`.
 */
export class DuckDbBulkSink implements SystemTableSink {
  readonly #connection: DuckDBConnection;
  /** The sink's own directory of batch files, removed by `close`. */
  readonly #directory: string;
  #memoryLimitBytes: number | undefined;
  readonly #encoders = new Map<SinkTableName, JsonRowEncoder>();
  readonly #open = new Map<SinkTableName, OpenFile>();
  /** Settles when every batch handed to DuckDB so far is loaded; rejects once one failed. */
  #loading: Promise<void> = Promise.resolve();
  #batches = 0;
  /** Whether loads since the last flush are in an open transaction (committed by `flush`). */
  #inTransaction = false;
  #failure: SinkError | undefined;
  #closed = false;

  private constructor(connection: DuckDBConnection, directory: string, memoryLimitBytes: number | undefined) {
    this.#connection = connection;
    this.#directory = directory;
    this.#memoryLimitBytes = memoryLimitBytes;
  }

  /** Creates the tables (unless told not to) and the directory for batch files. */
  static async create(
    connection: DuckDBConnection,
    options: DuckDbBulkSinkOptions = {},
  ): Promise<DuckDbBulkSink> {
    if (options.createTables ?? true) await connection.run(systemTableDdl());
    const directory = mkdtempSync(join(options.tempDirectory ?? tmpdir(), 'dbxops-bulk-sink-'));
    keepUntilExit(directory);
    return new DuckDbBulkSink(connection, directory, options.memoryLimitBytes);
  }

  /**
   * Appends rows in the sink contract's conventions. All rows of one call are checked before any is
   * kept: a `SinkError` (unknown table or column, a value that does not fit) leaves the table as it was.
   */
  append(table: SinkTableName, rows: readonly SystemTableRow[]): void {
    if (this.#closed)
      throw new SinkError('CLOSED', `The system-table sink is closed; cannot append to ${table}.`);
    if (this.#failure) throw this.#failure;
    if (!isSinkTableName(table)) {
      throw new SinkError('UNKNOWN_TABLE', `Unknown system table '${String(table)}'.`, {
        table,
        known: SINK_TABLES,
      });
    }
    let encoder = this.#encoders.get(table);
    if (encoder === undefined) {
      encoder = new JsonRowEncoder(table);
      this.#encoders.set(table, encoder);
    }
    const chunks = encoder.encode(rows);
    if (chunks.length === 0) return;
    let file = this.#open.get(table);
    if (file === undefined) {
      const path = join(this.#directory, `${this.#batches}-${table}.json`);
      file = { path, fd: this.#openFile(path), maxObjectBytes: DEFAULT_MAX_OBJECT_BYTES, empty: true };
      this.#open.set(table, file);
    }
    for (const chunk of chunks) {
      // Separator and rows written apart: concatenating would copy the JSON text once more.
      this.#write(file.fd, file.empty ? '[' : ',');
      this.#write(file.fd, chunk.slice(1, -1));
      file.empty = false;
      // A row is no larger than its chunk. UTF-8 takes at most 3 bytes per UTF-16 code unit, so only a
      // chunk that could exceed the default needs measuring.
      if (chunk.length * 3 > file.maxObjectBytes)
        file.maxObjectBytes = Math.max(file.maxObjectBytes, Buffer.byteLength(chunk));
    }
  }

  /**
   * Hands the rows appended so far to DuckDB to load in the background, and resolves once the batch
   * before them is loaded: a producer that awaits this between stretches of work keeps at most one
   * batch loading and one filling. Rejects with a `SinkError` if a load failed.
   */
  ready(): Promise<void> {
    const previous = this.#loading;
    const batch = this.#seal();
    if (batch !== undefined) {
      this.#loading = previous.then(() => this.#load(batch));
      // The failure surfaces from the next ready()/flush(); until then it is not unhandled.
      this.#loading.catch(() => {});
    }
    return previous;
  }

  /** Loads every appended row and resolves once all are committed, so queries see them. */
  async flush(): Promise<void> {
    if (this.#closed) return;
    await this.ready();
    await this.#loading;
    if (this.#inTransaction) {
      this.#inTransaction = false;
      await this.#connection.run('COMMIT');
    }
  }

  /** Flushes, then removes the batch files. Appending afterwards is an error; closing twice is harmless. */
  async close(): Promise<void> {
    if (this.#closed) return;
    try {
      await this.flush();
    } finally {
      this.#closed = true;
      for (const file of this.#open.values()) closeSync(file.fd);
      this.#open.clear();
      removeDirectory(this.#directory);
    }
  }

  #seal(): Batch | undefined {
    if (this.#open.size === 0) return undefined;
    const statements: string[] = [];
    const paths: string[] = [];
    let maxObjectBytes = DEFAULT_MAX_OBJECT_BYTES;
    for (const [table, file] of this.#open) {
      this.#write(file.fd, ']');
      closeSync(file.fd);
      statements.push(insertFromJsonSql(table, file.path, file.maxObjectBytes));
      paths.push(file.path);
      maxObjectBytes = Math.max(maxObjectBytes, file.maxObjectBytes);
    }
    this.#open.clear();
    this.#batches++;
    return { sql: statements.join(';\n'), paths, maxObjectBytes };
  }

  async #load(batch: Batch): Promise<void> {
    // Batches load into one transaction that `flush` commits: measured with DuckDB 1.5 on a file,
    // committing each batch makes it checkpoint every 16 MB of WAL and recompress the table's last
    // row groups each time, which took twice as long as loading the rows.
    const begin = this.#inTransaction ? '' : 'BEGIN TRANSACTION;\n';
    this.#inTransaction = true;
    // Measured: with maximum_object_size = 300 MB, DuckDB asked for 572 MiB at once.
    const needed = 3 * batch.maxObjectBytes + 64 * 1024 * 1024;
    const raise = this.#memoryLimitBytes !== undefined && needed > this.#memoryLimitBytes;
    if (raise) this.#memoryLimitBytes = needed;
    try {
      // One call, however many statements: the node-api runs them all in native code in one go,
      // where a call per statement would wait for the (busy) JavaScript thread between them.
      await this.#connection.run(
        raise ? `${begin}SET memory_limit = '${needed}B';\n${batch.sql}` : begin + batch.sql,
      );
    } catch (error) {
      this.#inTransaction = false;
      await this.#connection.run('ROLLBACK').catch(() => {});
      this.#failure = new SinkError(
        'LOAD_FAILED',
        `DuckDB could not load a batch of rows: ${String(error)}`,
        {},
        {
          cause: error,
        },
      );
      throw this.#failure;
    } finally {
      for (const path of batch.paths) rmSync(path, { force: true });
    }
  }

  #openFile(path: string): number {
    try {
      return openSync(path, 'wx');
    } catch (error) {
      this.#failure = new SinkError(
        'LOAD_FAILED',
        `Cannot create the batch file ${path}: ${String(error)}`,
        {
          path,
        },
        { cause: error },
      );
      throw this.#failure;
    }
  }

  #write(fd: number, text: string): void {
    try {
      // Writing the string itself lets Node encode it straight into the write (4× cheaper than a
      // Buffer.from first). A regular file takes it whole unless the disk is full, but a short write
      // must not pass silently: it could cut the array at a row boundary and lose rows.
      const written = writeSync(fd, text);
      if (written !== Buffer.byteLength(text)) throw new Error(`short write (${written} bytes)`);
    } catch (error) {
      // The file may now end mid-row; nothing loaded from this batch on could be trusted.
      this.#failure = new SinkError(
        'LOAD_FAILED',
        `Cannot write a batch file: ${String(error)}`,
        {},
        {
          cause: error,
        },
      );
      throw this.#failure;
    }
  }
}

/** Batch directories of sinks not yet closed, removed should the process exit first (an engine error). */
const liveDirectories = new Set<string>();

function keepUntilExit(directory: string): void {
  if (liveDirectories.size === 0) process.once('exit', removeLiveDirectories);
  liveDirectories.add(directory);
}

function removeDirectory(directory: string): void {
  rmSync(directory, { recursive: true, force: true });
  liveDirectories.delete(directory);
  if (liveDirectories.size === 0) process.off('exit', removeLiveDirectories);
}

function removeLiveDirectories(): void {
  for (const directory of liveDirectories) rmSync(directory, { recursive: true, force: true });
  liveDirectories.clear();
}

/** Single-quoted SQL string literal. */
const sqlString = (text: string): string => `'${text.replaceAll("'", "''")}'`;

/**
 * `INSERT INTO table (…) SELECT … FROM read_json(file, columns = {…})` for one table: the reader is told
 * every column's type (no sniffing), and turns timestamps from epoch milliseconds back into TIMESTAMPs.
 */
function insertFromJsonSql(table: SinkTableName, path: string, maxObjectBytes: number): string {
  const columns = columnsOf(table);
  const names = columns.map(([name]) => quoteIdent(name)).join(', ');
  const select = columns
    .map(([name, type]) => (type.kind === 'timestamp' ? `epoch_ms(${quoteIdent(name)})` : quoteIdent(name)))
    .join(', ');
  const spec = columns
    .map(([name, type]) => `${sqlString(name)}: ${sqlString(toDuckDbType(jsonReadType(type)))}`)
    .join(', ');
  return `INSERT INTO ${quotedStorageName(table)} (${names}) SELECT ${select} FROM read_json(${sqlString(path)}, format = 'array', columns = {${spec}}, maximum_object_size = ${maxObjectBytes})`;
}
