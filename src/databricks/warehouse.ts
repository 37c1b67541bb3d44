import { DbxopsError } from '../domain/errors.js';

/**
 * One way to run Databricks SQL against system tables, whatever sits behind it: a SQL warehouse through
 * `@databricks/sql` (Thrift), the Statement Execution REST API, or DuckDB for the embedded workspace.
 *
 * ## Canonical values
 *
 * Every implementation returns rows in the same shape, whatever its wire format (Statement Execution
 * sends every value as a string, Thrift sends Dates and nested objects, DuckDB its own value classes):
 *
 * | Databricks type                   | `SqlValue`                                                       |
 * | --------------------------------- | ---------------------------------------------------------------- |
 * | NULL (any type)                   | `null`                                                           |
 * | BOOLEAN                           | `boolean`                                                        |
 * | TINYINT / SMALLINT / INT / BIGINT | `number`; a string of digits when beyond ±2^53 (`Number.isSafeInteger`) |
 * | FLOAT / DOUBLE                    | `number` (NaN/±Infinity as the strings `'NaN'`, `'Infinity'`, `'-Infinity'`) |
 * | DECIMAL(p,s)                      | `number` (nearest double; cost maths at 18 decimal places is not needed in chat) |
 * | STRING / CHAR / VARCHAR           | `string`                                                         |
 * | DATE                              | `'YYYY-MM-DD'`                                                   |
 * | TIMESTAMP / TIMESTAMP_NTZ         | `'YYYY-MM-DDTHH:MM:SS.sssZ'` (UTC, milliseconds)                 |
 * | INTERVAL                          | `string` (the engine's text form)                                |
 * | BINARY                            | base64 `string`                                                  |
 * | ARRAY                             | array of canonical values                                        |
 * | MAP                               | plain object `{ key: value }` (keys as strings)                  |
 * | STRUCT                            | plain object with the struct's field names                       |
 *
 * Column types are reported as Databricks spells them in `type_text` (`STRING`, `BIGINT`,
 * `DECIMAL(38,18)`, `TIMESTAMP`, `ARRAY<STRING>`, `MAP<STRING,STRING>`, `STRUCT<…>`).
 */
export type SqlValue =
  | null
  | boolean
  | number
  | string
  | readonly SqlValue[]
  | { readonly [key: string]: SqlValue };

/**
 * A bound parameter. Plain values are typed from JS (`string` → STRING, integer → BIGINT, other
 * number → DOUBLE, `boolean`, `bigint` → BIGINT, `Date` → TIMESTAMP, `null` → NULL); `{ value, type }`
 * states the Databricks type as Statement Execution does (`'DATE'`, `'TIMESTAMP'`, `'DECIMAL(10,2)'`…)
 * with the value as its string form.
 */
export type SqlParam =
  | null
  | string
  | number
  | bigint
  | boolean
  | Date
  | { readonly value: string | null; readonly type: SqlParamType };

export type SqlParamType =
  | 'STRING'
  | 'INT'
  | 'BIGINT'
  | 'DOUBLE'
  | 'BOOLEAN'
  | 'DATE'
  | 'TIMESTAMP'
  | `DECIMAL(${string})`;

export interface QueryOptions {
  /** Values for the statement's named `:name` markers. Always bound, never spliced into the text. */
  readonly params?: Readonly<Record<string, SqlParam>>;
  /** Maximum rows returned; more rows set `truncated`. Default `DEFAULT_ROW_LIMIT`. */
  readonly rowLimit?: number;
  /** Time allowed for the statement; then it is cancelled with reason TIMEOUT. Default `DEFAULT_TIMEOUT_MS`. */
  readonly timeoutMs?: number;
  /** Cancels the statement (reason CANCELLED). */
  readonly signal?: AbortSignal;
}

interface QueryColumn {
  readonly name: string;
  /** Databricks `type_text`, e.g. `BIGINT`, `ARRAY<STRING>`. */
  readonly type: string;
}

export interface QueryResult {
  readonly columns: readonly QueryColumn[];
  readonly rows: readonly Readonly<Record<string, SqlValue>>[];
  /** True when the statement produced more rows than `rowLimit`. */
  readonly truncated: boolean;
}

/** Applied to every query that does not set its own: a chat answer never needs more. */
export const DEFAULT_ROW_LIMIT = 10_000;
/** Statement Execution's longest synchronous wait is 50 s; 30 s keeps a chat answer interactive. */
const DEFAULT_TIMEOUT_MS = 30_000;
/** Upper bounds a caller cannot exceed. */
const MAX_ROW_LIMIT = 100_000;
const MAX_TIMEOUT_MS = 15 * 60_000;

export interface Warehouse {
  /** Runs one read-only statement of Databricks SQL. Failures reject with `WarehouseError`. */
  query(sql: string, options?: QueryOptions): Promise<QueryResult>;
  /** Releases connections. Further queries reject with reason UNAVAILABLE. */
  close(): Promise<void>;
  /**
   * Only a warehouse that writes its tables itself (the embedded workspace's) can answer: a token for
   * what the tables named (`system.query.history`, `main.ops.etl_audit`) hold now, equal to an earlier
   * token only if no row was added to any of them in between; undefined for a table it does not write.
   * A real SQL warehouse leaves it out, and its readers read every time.
   */
  contentVersion?(tables: readonly string[]): string | undefined;
  /**
   * The tables a statement reads, by their full names, when the warehouse can tell without running it
   * (the embedded DuckDB one, which translates every statement anyway); undefined when it cannot.
   */
  tablesRead?(sql: string): readonly string[] | undefined;
}

export type WarehouseErrorReason =
  | 'SYNTAX'
  | 'NOT_FOUND'
  | 'READ_ONLY'
  | 'INVALID_PARAMETER'
  | 'TIMEOUT'
  | 'CANCELLED'
  | 'PERMISSION'
  | 'UNAVAILABLE'
  | 'RESOURCE_EXHAUSTED'
  | 'EXECUTION';

export interface WarehouseErrorDetails {
  /** Databricks `status.error.error_code` where known (`BAD_REQUEST`, `NOT_FOUND`, `DEADLINE_EXCEEDED`, …). */
  readonly errorCode?: string;
  /** SQLSTATE where known (`42601` syntax error, `42P01` table not found, `57014` cancelled, …). */
  readonly sqlState?: string;
  /** The statement as submitted (never parameter values: they may hold secrets). */
  readonly statement?: string;
  /** Line/column of a syntax error, 1-based, when the parser reports them. */
  readonly line?: number;
  readonly column?: number;
  readonly [key: string]: unknown;
}

/** A statement failed. Branch on `reason`; `errorCode`/`sqlState` carry Databricks' own codes. */
export class WarehouseError extends DbxopsError {
  readonly reason: WarehouseErrorReason;
  readonly errorCode: string | undefined;
  readonly sqlState: string | undefined;

  constructor(
    reason: WarehouseErrorReason,
    message: string,
    details: WarehouseErrorDetails = {},
    options?: ErrorOptions,
  ) {
    super('WAREHOUSE_QUERY_FAILED', message, { reason, ...details }, options);
    this.reason = reason;
    this.errorCode = details.errorCode;
    this.sqlState = details.sqlState;
  }
}

/** Databricks' error code and SQLSTATE for each reason, so every implementation reports the same. */
export const WAREHOUSE_ERROR_CODES: Readonly<
  Record<WarehouseErrorReason, { errorCode: string; sqlState: string }>
> = {
  SYNTAX: { errorCode: 'BAD_REQUEST', sqlState: '42601' },
  NOT_FOUND: { errorCode: 'NOT_FOUND', sqlState: '42P01' },
  READ_ONLY: { errorCode: 'BAD_REQUEST', sqlState: '25006' },
  INVALID_PARAMETER: { errorCode: 'BAD_REQUEST', sqlState: '22023' },
  TIMEOUT: { errorCode: 'DEADLINE_EXCEEDED', sqlState: '57014' },
  CANCELLED: { errorCode: 'CANCELLED', sqlState: '57014' },
  PERMISSION: { errorCode: 'PERMISSION_DENIED', sqlState: '42501' },
  UNAVAILABLE: { errorCode: 'TEMPORARILY_UNAVAILABLE', sqlState: '08006' },
  RESOURCE_EXHAUSTED: { errorCode: 'RESOURCE_EXHAUSTED', sqlState: '53000' },
  EXECUTION: { errorCode: 'BAD_REQUEST', sqlState: '22000' },
};

/** Builds a `WarehouseError` with the standard codes for `reason`. */
export function warehouseError(
  reason: WarehouseErrorReason,
  message: string,
  details: WarehouseErrorDetails = {},
  cause?: unknown,
): WarehouseError {
  return new WarehouseError(
    reason,
    message,
    { ...WAREHOUSE_ERROR_CODES[reason], ...details },
    cause === undefined ? undefined : { cause },
  );
}

/** Clamps caller options to sane bounds and fills defaults. */
export function resolveQueryOptions(options: QueryOptions = {}): { rowLimit: number; timeoutMs: number } {
  const rowLimit = Math.min(Math.max(Math.floor(options.rowLimit ?? DEFAULT_ROW_LIMIT), 0), MAX_ROW_LIMIT);
  const timeoutMs = Math.min(
    Math.max(Math.floor(options.timeoutMs ?? DEFAULT_TIMEOUT_MS), 1),
    MAX_TIMEOUT_MS,
  );
  return { rowLimit, timeoutMs };
}
