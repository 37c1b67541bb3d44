import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';
import { type Clock, systemClock } from '../domain/clock.js';
import { DatabricksApiError } from './rest/databricks-api-error.js';
import type { HttpTransport } from './rest/http-transport.js';
import {
  type QueryOptions,
  type QueryResult,
  resolveQueryOptions,
  type SqlParam,
  type SqlValue,
  type Warehouse,
  WAREHOUSE_ERROR_CODES,
  WarehouseError,
  type WarehouseErrorReason,
  warehouseError,
} from './warehouse.js';

export interface StatementExecutionWarehouseOptions {
  /** The workspace's REST transport (auth, retries, typed errors). */
  readonly transport: HttpTransport;
  /** The SQL warehouse that runs the statements (16 hex characters). */
  readonly warehouseId: string;
  readonly clock?: Clock;
  /** Waits between polls; injected so tests need not sleep. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** First poll interval; doubles up to `maxPollMs`. Default 250 ms. */
  readonly pollMs?: number;
  readonly maxPollMs?: number;
}

const statusSchema = z.looseObject({
  state: z.string(),
  error: z.looseObject({ error_code: z.string().optional(), message: z.string().optional() }).optional(),
  sql_state: z.string().optional(),
});

const chunkSchema = z.looseObject({
  chunk_index: z.number().optional(),
  row_offset: z.number().optional(),
  row_count: z.number().optional(),
  data_array: z.array(z.array(z.string().nullable())).optional(),
  next_chunk_index: z.number().optional(),
  next_chunk_internal_link: z.string().optional(),
});

const columnSchema = z.looseObject({
  name: z.string(),
  type_name: z.string().optional(),
  type_text: z.string().optional(),
  position: z.number().optional(),
});

const responseSchema = z.looseObject({
  statement_id: z.string(),
  status: statusSchema,
  manifest: z
    .looseObject({
      schema: z.looseObject({ columns: z.array(columnSchema).optional() }).optional(),
      total_chunk_count: z.number().optional(),
      truncated: z.boolean().optional(),
    })
    .optional(),
  result: chunkSchema.optional(),
});

type StatementResponse = z.output<typeof responseSchema>;
type Chunk = z.output<typeof chunkSchema>;

const STATEMENTS = '/api/2.0/sql/statements';
// The API's longest synchronous wait; beyond it we poll.
const MAX_WAIT_S = 50;
const MAX_CHUNKS = 100_000;

/** A Databricks type as `type_text` spells it, parsed enough to convert values (nested types included). */
export type DatabricksType =
  | { readonly kind: 'array'; readonly element: DatabricksType }
  | { readonly kind: 'map'; readonly key: DatabricksType; readonly value: DatabricksType }
  | { readonly kind: 'struct'; readonly fields: readonly { name: string; type: DatabricksType }[] }
  | { readonly kind: 'scalar'; readonly name: string };

/** Splits `a, b<c, d>, e` on top-level commas. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '<' || ch === '(') depth++;
    else if (ch === '>' || ch === ')') depth--;
    else if (ch === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

/** Parses `ARRAY<STRUCT<a: INT, b: MAP<STRING, DECIMAL(10,2)>>>` and friends; unknown text is a scalar. */
export function parseTypeText(text: string): DatabricksType {
  const trimmed = text.trim();
  const generic = /^(ARRAY|MAP|STRUCT)\s*<([\s\S]*)>$/i.exec(trimmed);
  if (!generic) return { kind: 'scalar', name: (/^[A-Za-z_]+/.exec(trimmed)?.[0] ?? trimmed).toUpperCase() };
  const kind = generic[1]?.toUpperCase();
  const inner = generic[2] ?? '';
  if (kind === 'ARRAY') return { kind: 'array', element: parseTypeText(inner) };
  if (kind === 'MAP') {
    const [key = 'STRING', value = 'STRING'] = splitTopLevel(inner);
    return { kind: 'map', key: parseTypeText(key), value: parseTypeText(value) };
  }
  return {
    kind: 'struct',
    fields: splitTopLevel(inner).map((field) => {
      const colon = /^`?([^`:\s]+)`?\s*:?\s*([\s\S]*)$/.exec(field);
      return { name: colon?.[1] ?? field, type: parseTypeText(colon?.[2] ?? 'STRING') };
    }),
  };
}

const INTEGER_TYPES = new Set(['TINYINT', 'SMALLINT', 'INT', 'INTEGER', 'BIGINT', 'LONG', 'SHORT', 'BYTE']);
const FLOAT_TYPES = new Set(['FLOAT', 'DOUBLE', 'REAL', 'DECIMAL', 'NUMERIC', 'DEC']);

function isoTimestamp(text: string): string {
  const hasZone = /[zZ]$|[+-]\d{2}:?\d{2}$/.test(text);
  const ms = Date.parse(hasZone ? text.replace(' ', 'T') : `${text.replace(' ', 'T')}Z`);
  return Number.isNaN(ms) ? text : new Date(ms).toISOString();
}

function canonicalNumber(n: number, text: string, integer: boolean): SqlValue {
  if (!Number.isFinite(n)) return n > 0 ? 'Infinity' : n < 0 ? '-Infinity' : 'NaN';
  if (integer && !Number.isSafeInteger(n)) return text.trim();
  return n;
}

/**
 * Converts one wire value — a string from Statement Execution, or a JS value nested inside parsed JSON
 * or returned by the Thrift driver — to the canonical `SqlValue` for `type` (see `warehouse.ts`).
 */
export function canonicalFromWire(value: unknown, type: DatabricksType): SqlValue {
  if (value === null || value === undefined) return null;
  if (type.kind === 'array') {
    const items = typeof value === 'string' ? safeJson(value) : value;
    return Array.isArray(items) ? items.map((item) => canonicalFromWire(item, type.element)) : String(value);
  }
  if (type.kind === 'map') {
    const parsed = typeof value === 'string' ? safeJson(value) : value;
    const out: Record<string, SqlValue> = {};
    if (parsed instanceof Map) {
      for (const [k, v] of parsed)
        out[String(canonicalFromWire(k, type.key))] = canonicalFromWire(v, type.value);
      return out;
    }
    // Some renderings send a map as a list of [key, value] pairs or {key, value} entries.
    if (Array.isArray(parsed)) {
      for (const entry of parsed) {
        const [k, v] = Array.isArray(entry)
          ? entry
          : [(entry as { key?: unknown })?.key, (entry as { value?: unknown })?.value];
        out[String(canonicalFromWire(k, type.key))] = canonicalFromWire(v, type.value);
      }
      return out;
    }
    if (typeof parsed !== 'object' || parsed === null) return String(value);
    for (const [k, v] of Object.entries(parsed))
      out[String(canonicalFromWire(k, type.key))] = canonicalFromWire(v, type.value);
    return out;
  }
  if (type.kind === 'struct') {
    const parsed = typeof value === 'string' ? safeJson(value) : value;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return String(value);
    const out: Record<string, SqlValue> = {};
    for (const field of type.fields)
      out[field.name] = canonicalFromWire((parsed as Record<string, unknown>)[field.name], field.type);
    return out;
  }
  const name = type.name;
  if (name === 'BOOLEAN') {
    if (typeof value === 'boolean') return value;
    return String(value).toLowerCase() === 'true';
  }
  if (INTEGER_TYPES.has(name) || FLOAT_TYPES.has(name)) {
    const integer = INTEGER_TYPES.has(name);
    if (typeof value === 'number') return canonicalNumber(value, String(value), integer);
    if (typeof value === 'bigint') return canonicalNumber(Number(value), value.toString(), integer);
    const text = typeof value === 'string' ? value : String(value);
    if (/^[+-]?(nan|infinity|inf)$/i.test(text.trim())) {
      const t = text.trim().toLowerCase();
      return t === 'nan' || t === '+nan' || t === '-nan'
        ? 'NaN'
        : t.startsWith('-')
          ? '-Infinity'
          : 'Infinity';
    }
    return canonicalNumber(Number(text), text, integer);
  }
  if (name === 'DATE') {
    if (value instanceof Date) return value.toISOString().slice(0, 10);
    return String(value).slice(0, 10);
  }
  if (name === 'TIMESTAMP' || name === 'TIMESTAMP_NTZ' || name === 'TIMESTAMP_LTZ') {
    if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
    return isoTimestamp(String(value));
  }
  if (name === 'BINARY' && value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return canonicalNumber(Number(value), value.toString(), true);
  return JSON.stringify(value);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const REASON_BY_SQL_STATE = new Map<string, WarehouseErrorReason>(
  (
    Object.entries(WAREHOUSE_ERROR_CODES) as [WarehouseErrorReason, { errorCode: string; sqlState: string }][]
  ).map(([reason, codes]) => [`${codes.errorCode}/${codes.sqlState}`, reason]),
);

/**
 * The `WarehouseErrorReason` for Databricks' `error_code` and SQLSTATE (Statement Execution's
 * `status.error.error_code` + `status.sql_state`, or a Thrift error status).
 */
export function reasonFromDatabricks(
  errorCode: string | undefined,
  sqlState: string | undefined,
  message = '',
): WarehouseErrorReason {
  const exact = REASON_BY_SQL_STATE.get(`${errorCode ?? ''}/${sqlState ?? ''}`);
  if (exact) return exact;
  if (/PARSE_SYNTAX_ERROR/.test(message) || sqlState === '42601') return 'SYNTAX';
  if (
    /TABLE_OR_VIEW_NOT_FOUND|UNRESOLVED_COLUMN|SCHEMA_NOT_FOUND/.test(message) ||
    sqlState === '42P01' ||
    sqlState === '42703'
  )
    return 'NOT_FOUND';
  switch (errorCode) {
    case 'DEADLINE_EXCEEDED':
      return 'TIMEOUT';
    case 'CANCELLED':
      return 'CANCELLED';
    case 'PERMISSION_DENIED':
    case 'UNAUTHENTICATED':
      return 'PERMISSION';
    case 'TEMPORARILY_UNAVAILABLE':
    case 'WORKSPACE_TEMPORARILY_UNAVAILABLE':
    case 'SERVICE_UNDER_MAINTENANCE':
      return 'UNAVAILABLE';
    case 'RESOURCE_EXHAUSTED':
      return 'RESOURCE_EXHAUSTED';
    case 'NOT_FOUND':
      return 'NOT_FOUND';
    default:
      if (sqlState?.startsWith('42')) return 'SYNTAX';
      if (sqlState?.startsWith('22')) return 'INVALID_PARAMETER';
      return 'EXECUTION';
  }
}

/** Statement Execution's `parameters` for our `SqlParam`s: every value as a string with its type. */
export function wireParameters(
  params: Readonly<Record<string, SqlParam>>,
): { name: string; value?: string; type?: string }[] {
  return Object.entries(params).map(([name, param]) => {
    if (param === null) return { name };
    if (typeof param === 'string') return { name, value: param, type: 'STRING' };
    if (typeof param === 'boolean') return { name, value: String(param), type: 'BOOLEAN' };
    if (typeof param === 'bigint') return { name, value: param.toString(), type: 'BIGINT' };
    if (typeof param === 'number') {
      if (!Number.isFinite(param))
        throw warehouseError('INVALID_PARAMETER', `Parameter :${name} is not a finite number.`, {
          parameter: name,
        });
      return { name, value: String(param), type: Number.isSafeInteger(param) ? 'BIGINT' : 'DOUBLE' };
    }
    if (param instanceof Date) {
      if (Number.isNaN(param.getTime()))
        throw warehouseError('INVALID_PARAMETER', `Parameter :${name} is an invalid Date.`, {
          parameter: name,
        });
      return { name, value: param.toISOString(), type: 'TIMESTAMP' };
    }
    return param.value === null ? { name, type: param.type } : { name, value: param.value, type: param.type };
  });
}

/**
 * A `Warehouse` over the Statement Execution API 2.0 (`/api/2.0/sql/statements`): for deployments
 * where the Thrift endpoint `@databricks/sql` needs is not reachable. Submits with a synchronous wait,
 * polls while PENDING/RUNNING, follows result chunks, cancels on timeout or abort, and converts the
 * all-strings JSON_ARRAY rows to canonical values using `manifest.schema`.
 */
export class StatementExecutionWarehouse implements Warehouse {
  readonly #transport: HttpTransport;
  readonly #warehouseId: string;
  readonly #clock: Clock;
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly #pollMs: number;
  readonly #maxPollMs: number;
  #closed = false;

  constructor(options: StatementExecutionWarehouseOptions) {
    this.#transport = options.transport;
    this.#warehouseId = options.warehouseId;
    this.#clock = options.clock ?? systemClock;
    this.#sleep = options.sleep ?? ((ms, signal) => delay(ms, undefined, signal ? { signal } : undefined));
    this.#pollMs = options.pollMs ?? 250;
    this.#maxPollMs = options.maxPollMs ?? 5_000;
  }

  async query(sql: string, options: QueryOptions = {}): Promise<QueryResult> {
    if (this.#closed) throw warehouseError('UNAVAILABLE', 'The warehouse is closed.');
    const { rowLimit, timeoutMs } = resolveQueryOptions(options);
    const signal = options.signal;
    if (signal?.aborted) throw warehouseError('CANCELLED', 'The query was cancelled.', { statement: sql });
    const parameters = wireParameters(options.params ?? {});
    const deadline = this.#clock.now() + timeoutMs;
    const waitSeconds = Math.min(MAX_WAIT_S, Math.max(5, Math.floor(timeoutMs / 1000)));

    let response = await this.#call(sql, signal, () =>
      this.#transport.request(
        {
          method: 'POST',
          path: STATEMENTS,
          body: {
            warehouse_id: this.#warehouseId,
            statement: sql,
            parameters,
            wait_timeout: `${waitSeconds}s`,
            on_wait_timeout: 'CONTINUE',
            disposition: 'INLINE',
            format: 'JSON_ARRAY',
            row_limit: rowLimit,
          },
          signal,
        },
        responseSchema,
      ),
    );
    const id = response.statement_id;
    let pause = this.#pollMs;
    while (response.status.state === 'PENDING' || response.status.state === 'RUNNING') {
      if (signal?.aborted) {
        await this.#cancel(id);
        throw warehouseError('CANCELLED', 'The query was cancelled.', { statement: sql, statementId: id });
      }
      if (this.#clock.now() >= deadline) {
        await this.#cancel(id);
        throw warehouseError(
          'TIMEOUT',
          `The query did not finish within ${timeoutMs} ms and was cancelled; narrow the time range or aggregate more.`,
          { statement: sql, statementId: id, timeoutMs },
        );
      }
      try {
        await this.#sleep(Math.min(pause, Math.max(1, deadline - this.#clock.now())), signal);
      } catch {
        continue; // aborted: the loop's check cancels the statement
      }
      pause = Math.min(pause * 2, this.#maxPollMs);
      response = await this.#call(sql, signal, () =>
        this.#transport.request(
          { method: 'GET', path: `${STATEMENTS}/${encodeURIComponent(id)}`, signal },
          responseSchema,
        ),
      );
    }
    return this.#finish(sql, response, rowLimit, signal);
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  async #finish(
    sql: string,
    response: StatementResponse,
    rowLimit: number,
    signal?: AbortSignal,
  ): Promise<QueryResult> {
    const { state } = response.status;
    const id = response.statement_id;
    if (state === 'FAILED') {
      const errorCode = response.status.error?.error_code;
      const sqlState = response.status.sql_state;
      const message = response.status.error?.message ?? 'The statement failed.';
      const reason = reasonFromDatabricks(errorCode, sqlState, message);
      throw new WarehouseError(reason, message, {
        errorCode: errorCode ?? WAREHOUSE_ERROR_CODES[reason].errorCode,
        sqlState: sqlState ?? WAREHOUSE_ERROR_CODES[reason].sqlState,
        statement: sql,
        statementId: id,
      });
    }
    if (state === 'CANCELED')
      throw warehouseError('CANCELLED', 'The statement was cancelled on the warehouse.', {
        statement: sql,
        statementId: id,
      });
    if (state !== 'SUCCEEDED')
      throw warehouseError(
        'UNAVAILABLE',
        `The statement ended in state ${state}; its result is no longer available.`,
        {
          statement: sql,
          statementId: id,
        },
      );

    const columns = (response.manifest?.schema?.columns ?? [])
      .slice()
      .sort((a, b) => (a.position ?? 0) - (b.position ?? 0))
      .map((c) => ({ name: c.name, type: c.type_text ?? c.type_name ?? 'STRING' }));
    const types = columns.map((c) => parseTypeText(c.type));
    const rows: Record<string, SqlValue>[] = [];
    let chunk: Chunk | undefined = response.result;
    const totalChunks = response.manifest?.total_chunk_count ?? (chunk ? 1 : 0);
    for (let fetched = 0; chunk !== undefined && fetched < MAX_CHUNKS; fetched++) {
      for (const values of chunk.data_array ?? []) {
        if (rows.length >= rowLimit) break;
        const row: Record<string, SqlValue> = {};
        columns.forEach((column, i) => {
          row[column.name] = canonicalFromWire(
            values[i] ?? null,
            types[i] ?? { kind: 'scalar', name: 'STRING' },
          );
        });
        rows.push(row);
      }
      const nextIndex =
        chunk.next_chunk_index ??
        ((chunk.chunk_index ?? 0) + 1 < totalChunks ? (chunk.chunk_index ?? 0) + 1 : undefined);
      if (nextIndex === undefined || rows.length >= rowLimit) break;
      const path =
        chunk.next_chunk_internal_link ??
        `${STATEMENTS}/${encodeURIComponent(id)}/result/chunks/${nextIndex}`;
      if (!path.startsWith(`${STATEMENTS}/`))
        throw warehouseError(
          'UNAVAILABLE',
          'The workspace sent a chunk link outside the Statement Execution API.',
          { statementId: id },
        );
      chunk = await this.#call(sql, signal, () =>
        this.#transport.request({ method: 'GET', path, signal }, chunkSchema),
      );
    }
    return {
      columns,
      rows,
      truncated: response.manifest?.truncated === true || rows.length < countRows(response),
    };
  }

  async #cancel(id: string): Promise<void> {
    try {
      await this.#transport.request(
        {
          method: 'POST',
          path: `${STATEMENTS}/${encodeURIComponent(id)}/cancel`,
          body: {},
          idempotent: true,
        },
        z.looseObject({}),
      );
    } catch {
      // Best effort, as the API itself says: the caller already has its answer.
    }
  }

  /** Runs a REST call, turning transport failures into `WarehouseError`s. */
  async #call<T>(sql: string, signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (signal?.aborted)
        throw warehouseError('CANCELLED', 'The query was cancelled.', { statement: sql }, error);
      if (!(error instanceof DatabricksApiError)) throw error;
      const reason: WarehouseErrorReason =
        error.reason === 'PERMISSION_DENIED' || error.reason === 'UNAUTHENTICATED'
          ? 'PERMISSION'
          : error.reason === 'TIMEOUT'
            ? 'TIMEOUT'
            : error.reason === 'RATE_LIMITED'
              ? 'RESOURCE_EXHAUSTED'
              : error.reason === 'INVALID_PARAMETER' || error.reason === 'NOT_FOUND'
                ? 'INVALID_PARAMETER'
                : 'UNAVAILABLE';
      throw warehouseError(
        reason,
        error.message,
        { statement: sql, httpStatus: error.status, apiErrorCode: error.errorCode },
        error,
      );
    }
  }
}

function countRows(response: StatementResponse): number {
  const total = (response.manifest as { total_row_count?: unknown } | undefined)?.total_row_count;
  return typeof total === 'number' ? total : 0;
}
