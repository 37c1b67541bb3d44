import {
  BIGINT,
  BOOLEAN,
  DATE,
  DOUBLE,
  type DuckDBConnection,
  DuckDBDateValue,
  DuckDBInstance,
  type DuckDBPreparedStatement,
  DuckDBTimestampValue,
  type DuckDBType,
  type DuckDBValue,
  TIMESTAMP,
  VARCHAR,
} from '@duckdb/node-api';
import type { Clock } from '../domain/clock.js';
import { canonicalValue, databricksTypeText } from './sql/duckdb-values.js';
import { DUCKDB_SHIM_MACROS, NOW_PARAM, TODAY_PARAM, translateDatabricksSql } from './sql-dialect.js';
import {
  type QueryOptions,
  type QueryResult,
  resolveQueryOptions,
  type SqlParam,
  type SqlValue,
  type Warehouse,
  WarehouseError,
  type WarehouseErrorReason,
  warehouseError,
} from './warehouse.js';

const DAY_MS = 86_400_000;
/**
 * Statements kept prepared per connection. A monitoring poll runs the same dozen statements every
 * minute; parsing and planning each again cost more than running it on tables this size.
 */
const PREPARED_CAPACITY = 64;

export interface DuckDbWarehouseOptions {
  /** `current_timestamp()`, `now()`, `current_date()` read this clock (the simulated one). */
  readonly clock: Clock;
  /** Catalog holding the tables when it is not the connection's default (e.g. an attached file). */
  readonly catalog?: string;
  /**
   * Forbid file and network access from SQL (`read_csv('/etc/passwd')`, `ATTACH`) for the whole
   * DuckDB instance. Default true; irreversible for that instance.
   */
  readonly restrictExternalAccess?: boolean;
}

interface BoundParams {
  readonly values: Record<string, DuckDBValue>;
  readonly types: Record<string, DuckDBType>;
}

/** One connection of a warehouse: its own statement queue and its own prepared statements. */
interface Lane {
  readonly connection: DuckDBConnection;
  /** Prepared statements by their DuckDB text, least recently used first. */
  readonly prepared: Map<string, DuckDBPreparedStatement>;
  queue: Promise<unknown>;
  /** Statements queued or running on it. */
  pending: number;
}

/**
 * Runs Databricks SQL on the embedded workspace's DuckDB tables: translates each statement
 * (`sql-dialect.ts`), binds parameters, answers `current_timestamp()` from the injected clock, stops
 * at the row limit, interrupts the connection at the timeout and returns canonical values.
 *
 * A DuckDB connection runs one statement at once: statements on one connection queue. Opened with
 * several connections to one instance, a statement goes to the one with the fewest queued, so a caller
 * that starts independent statements together has them run side by side on DuckDB's threads while
 * its own thread reads the answers of those done.
 */
export class DuckDbWarehouse implements Warehouse {
  readonly #lanes: readonly Lane[];
  readonly #clock: Clock;
  readonly #ownedInstance: DuckDBInstance | undefined;
  #closed = false;

  private constructor(
    connections: readonly DuckDBConnection[],
    clock: Clock,
    ownedInstance?: DuckDBInstance,
  ) {
    this.#lanes = connections.map((connection) => ({
      connection,
      prepared: new Map(),
      queue: Promise.resolve(),
      pending: 0,
    }));
    this.#clock = clock;
    this.#ownedInstance = ownedInstance;
  }

  /**
   * Wraps connections to an instance that holds the system tables (e.g. the embedded workspace's): one,
   * or several for statements side by side. `close()` closes them.
   */
  static async open(
    connections: DuckDBConnection | readonly DuckDBConnection[],
    options: DuckDbWarehouseOptions,
  ): Promise<DuckDbWarehouse> {
    const all = Array.isArray(connections) ? connections : [connections as DuckDBConnection];
    if (all.length === 0) throw new RangeError('A DuckDB warehouse needs at least one connection.');
    for (const connection of all) await prepareConnection(connection, options);
    return new DuckDbWarehouse(all, options.clock);
  }

  /** Opens an exported DuckDB file read-only and queries it. `close()` closes the file. */
  static async openFile(path: string, options: DuckDbWarehouseOptions): Promise<DuckDbWarehouse> {
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(path, { access_mode: 'READ_ONLY' });
    } catch (error) {
      throw warehouseError(
        'UNAVAILABLE',
        `Cannot open DuckDB file ${path}: ${messageOf(error)}`,
        { path },
        error,
      );
    }
    const connection = await instance.connect();
    await prepareConnection(connection, options);
    return new DuckDbWarehouse([connection], options.clock, instance);
  }

  query(sql: string, options: QueryOptions = {}): Promise<QueryResult> {
    const { rowLimit, timeoutMs } = resolveQueryOptions(options);
    // Translate and bind before queueing: bad SQL or parameters fail at once, without waiting.
    let translated: ReturnType<typeof translateDatabricksSql>;
    let bound: BoundParams;
    try {
      if (this.#closed) throw warehouseError('UNAVAILABLE', 'The warehouse is closed.');
      translated = translateDatabricksSql(sql);
      bound = bindParams(
        sql,
        translated.params,
        translated.clockParams,
        options.params ?? {},
        this.#clock.now(),
      );
    } catch (error) {
      return Promise.reject(error);
    }
    const lane = this.#lanes.reduce((fewest, l) => (l.pending < fewest.pending ? l : fewest));
    const state = { timedOut: false, aborted: false, running: false, settled: false };
    const interrupt = (): void => {
      if (state.running && !state.settled) lane.connection.interrupt();
    };
    const timer = setTimeout(() => {
      state.timedOut = true;
      interrupt();
    }, timeoutMs);
    const onAbort = (): void => {
      state.aborted = true;
      interrupt();
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) state.aborted = true;

    const run = async (): Promise<QueryResult> => {
      try {
        if (state.aborted) throw warehouseError('CANCELLED', 'The query was cancelled.', { statement: sql });
        if (state.timedOut) throw timeoutError(sql, timeoutMs);
        if (this.#closed) throw warehouseError('UNAVAILABLE', 'The warehouse is closed.');
        state.running = true;
        const prepared = await prepare(lane, translated.sql);
        prepared.bind(bound.values, bound.types);
        const reader = await prepared.streamAndReadUntil(rowLimit + 1);
        const names = reader.columnNames();
        const types = reader.columnTypes();
        const all = reader.getRows();
        const truncated = all.length > rowLimit || !reader.done;
        const rows = all.slice(0, rowLimit).map((values) => {
          const row: Record<string, SqlValue> = {};
          names.forEach((name, index) => {
            row[name] = canonicalValue(values[index] ?? null);
          });
          return row;
        });
        return {
          columns: names.map((name, index) => ({ name, type: databricksTypeText(types[index]!) })),
          rows,
          truncated,
        };
      } catch (error) {
        if (error instanceof WarehouseError) throw error;
        if (state.timedOut) throw timeoutError(sql, timeoutMs, error);
        if (state.aborted)
          throw warehouseError('CANCELLED', 'The query was cancelled.', { statement: sql }, error);
        throw fromDuckDbError(error, sql);
      } finally {
        state.settled = true;
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
      }
    };
    lane.pending++;
    const result = lane.queue.then(run, run).finally(() => {
      lane.pending--;
    });
    lane.queue = result.catch(() => undefined);
    return result;
  }

  tablesRead(sql: string): readonly string[] | undefined {
    try {
      return translateDatabricksSql(sql).tables;
    } catch {
      // A statement that does not translate: its error is the query's to report.
      return undefined;
    }
  }

  /** Waits for running statements, then closes the connections (and the file, if it opened one). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const lane of this.#lanes) {
      await lane.queue;
      for (const statement of lane.prepared.values()) statement.destroySync();
      lane.prepared.clear();
      lane.connection.closeSync();
    }
    this.#ownedInstance?.closeSync();
  }
}

/** The statement prepared once on the lane, then reused; the least recently used beyond the capacity is freed. */
async function prepare(lane: Lane, sql: string): Promise<DuckDBPreparedStatement> {
  const cached = lane.prepared.get(sql);
  if (cached !== undefined) {
    lane.prepared.delete(sql);
    lane.prepared.set(sql, cached);
    return cached;
  }
  const prepared = await lane.connection.prepare(sql);
  lane.prepared.set(sql, prepared);
  for (const [oldest, statement] of lane.prepared) {
    if (lane.prepared.size <= PREPARED_CAPACITY) break;
    lane.prepared.delete(oldest);
    statement.destroySync();
  }
  return prepared;
}

async function prepareConnection(
  connection: DuckDBConnection,
  options: DuckDbWarehouseOptions,
): Promise<void> {
  if (options.catalog !== undefined) await connection.run(`USE "${options.catalog.replaceAll('"', '""')}"`);
  for (const macro of DUCKDB_SHIM_MACROS) await connection.run(macro);
  if (options.restrictExternalAccess ?? true) {
    try {
      await connection.run('SET enable_external_access = false');
    } catch {
      // Already disabled for this instance: that is the state we want.
    }
  }
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

const timeoutError = (sql: string, timeoutMs: number, cause?: unknown): WarehouseError =>
  warehouseError(
    'TIMEOUT',
    `The query did not finish within ${timeoutMs} ms and was cancelled; narrow the time range or aggregate more.`,
    { statement: sql, timeoutMs },
    cause,
  );

/** Maps DuckDB's error families (the prefix of its messages) to a reason and Databricks' codes. */
function fromDuckDbError(error: unknown, sql: string): WarehouseError {
  const message = messageOf(error);
  const family =
    /(Parser|Catalog|Binder|Permission|Out of Memory|Interrupt|INTERRUPT|Connection|Conversion|Invalid Input|Out of Range) Error/.exec(
      message,
    )?.[1] ?? '';
  let reason: WarehouseErrorReason = 'EXECUTION';
  let sqlState: string | undefined;
  if (family === 'Parser') reason = 'SYNTAX';
  else if (family === 'Catalog') reason = 'NOT_FOUND';
  else if (family === 'Binder' && /not found|does not exist|could not be found/i.test(message)) {
    reason = 'NOT_FOUND';
    sqlState = '42703';
  } else if (family === 'Binder') reason = 'SYNTAX';
  else if (family === 'Permission') reason = 'PERMISSION';
  else if (family === 'Out of Memory') reason = 'RESOURCE_EXHAUSTED';
  else if (family === 'Interrupt' || family === 'INTERRUPT') reason = 'CANCELLED';
  else if (family === 'Connection') reason = 'UNAVAILABLE';
  else if (/prepared statement parameter/i.test(message)) reason = 'INVALID_PARAMETER';
  const details = sqlState === undefined ? { statement: sql } : { statement: sql, sqlState };
  return warehouseError(reason, message, details, error);
}

const invalidParam = (sql: string, name: string, why: string): WarehouseError =>
  warehouseError('INVALID_PARAMETER', `Parameter :${name} ${why}.`, { statement: sql, parameter: name });

function bindOne(sql: string, name: string, param: SqlParam): [DuckDBValue, DuckDBType] {
  if (param === null) return [null, VARCHAR];
  if (typeof param === 'string') return [param, VARCHAR];
  if (typeof param === 'boolean') return [param, BOOLEAN];
  if (typeof param === 'bigint') return [param, BIGINT];
  if (typeof param === 'number') {
    if (Number.isSafeInteger(param)) return [BigInt(param), BIGINT];
    if (Number.isFinite(param)) return [param, DOUBLE];
    throw invalidParam(sql, name, 'is not a finite number');
  }
  if (param instanceof Date) {
    if (Number.isNaN(param.getTime())) throw invalidParam(sql, name, 'is an invalid Date');
    return [new DuckDBTimestampValue(BigInt(param.getTime()) * 1000n), TIMESTAMP];
  }
  if (typeof param === 'object' && 'type' in param) {
    const { value, type } = param;
    if (value === null) return [null, VARCHAR];
    if (typeof value !== 'string') throw invalidParam(sql, name, 'must give its value as a string');
    const upper = String(type).toUpperCase();
    if (upper === 'STRING') return [value, VARCHAR];
    if (upper === 'DATE') {
      const ms = Date.parse(`${value}T00:00:00Z`);
      if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(ms))
        throw invalidParam(sql, name, 'is not a DATE');
      return [new DuckDBDateValue(ms / DAY_MS), DATE];
    }
    if (upper === 'TIMESTAMP') {
      const ms = Date.parse(/[zZ]|[+-]\d{2}:?\d{2}$/.test(value) ? value : `${value.replace(' ', 'T')}Z`);
      if (Number.isNaN(ms)) throw invalidParam(sql, name, 'is not a TIMESTAMP');
      return [new DuckDBTimestampValue(BigInt(ms) * 1000n), TIMESTAMP];
    }
    if (upper === 'INT' || upper === 'BIGINT' || upper === 'LONG') {
      if (!/^[+-]?\d+$/.test(value.trim())) throw invalidParam(sql, name, `is not an ${upper}`);
      return [BigInt(value.trim()), BIGINT];
    }
    if (upper === 'BOOLEAN') {
      if (!/^(true|false)$/i.test(value)) throw invalidParam(sql, name, 'is not a BOOLEAN');
      return [value.toLowerCase() === 'true', BOOLEAN];
    }
    if (upper === 'DOUBLE' || upper === 'FLOAT' || upper.startsWith('DECIMAL')) {
      const n = Number(value);
      if (value.trim() === '' || !Number.isFinite(n)) throw invalidParam(sql, name, `is not a ${upper}`);
      return [n, DOUBLE];
    }
    throw invalidParam(sql, name, `has unsupported type ${upper}`);
  }
  throw invalidParam(sql, name, 'has an unsupported value');
}

function bindParams(
  sql: string,
  used: readonly string[],
  clockParams: readonly string[],
  params: Readonly<Record<string, SqlParam>>,
  nowMs: number,
): BoundParams {
  const values: Record<string, DuckDBValue> = {};
  const types: Record<string, DuckDBType> = {};
  for (const name of used) {
    if (!Object.hasOwn(params, name))
      throw invalidParam(sql, name, 'is used in the statement but has no value');
    const [value, type] = bindOne(sql, name, params[name] as SqlParam);
    values[name] = value;
    types[name] = type;
  }
  if (clockParams.includes(NOW_PARAM)) {
    values[NOW_PARAM] = new DuckDBTimestampValue(BigInt(Math.floor(nowMs)) * 1000n);
    types[NOW_PARAM] = TIMESTAMP;
  }
  if (clockParams.includes(TODAY_PARAM)) {
    values[TODAY_PARAM] = new DuckDBDateValue(Math.floor(nowMs / DAY_MS));
    types[TODAY_PARAM] = DATE;
  }
  return { values, types };
}
