import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import {
  type QueryResult,
  type SqlParam,
  type Warehouse,
  WarehouseError,
  warehouseError,
} from '../../databricks/warehouse.js';
import { invalidParam, notFound, SimApiError } from '../engine/sim-api-error.js';
import type { RouteContext, SimRoute } from '../server/route.js';
import { paramFromWire, type WireColumn, wireColumn, wireString } from './wire-values.js';

type StatementState = 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELED' | 'CLOSED';

export interface StatementServiceOptions {
  /** Runs the SQL: the simulator's `DuckDbWarehouse` on its system tables. */
  readonly warehouse: Warehouse;
  /** Rows per result chunk (Databricks cuts chunks by bytes; a row count keeps tests small). Default 10 000. */
  readonly chunkRows?: number;
  /** Longest a statement may run before it fails with DEADLINE_EXCEEDED. Default 5 minutes. */
  readonly statementTimeoutMs?: number;
  /** How long results stay fetchable after the statement ends (Databricks: 1 hour). */
  readonly resultTtlMs?: number;
  /** Statements remembered at once; the oldest finished ones are forgotten first. Default 1000. */
  readonly maxStatements?: number;
  /** Start a STOPPED warehouse the statement targets, as Databricks does. Default true. */
  readonly autoStartWarehouse?: boolean;
  /** Real time (result expiry). Default `Date.now`. */
  readonly now?: () => number;
  /** Statement ids. Default `crypto.randomUUID`. */
  readonly newId?: () => string;
}

/** The Statement Execution API's routes and the state behind them. */
export interface StatementService {
  readonly routes: SimRoute[];
  /** Cancels running statements and forgets every result. */
  close(): Promise<void>;
}

interface StatementError {
  error_code: string;
  message: string;
}

interface StatementEntry {
  readonly id: string;
  readonly user: string;
  readonly abort: AbortController;
  readonly done: Promise<void>;
  state: StatementState;
  endedAt?: number;
  columns?: WireColumn[];
  chunks?: (string | null)[][][];
  totalRows?: number;
  truncated?: boolean;
  error?: StatementError;
  sqlState?: string;
}

const STATEMENTS = '/api/2.0/sql/statements';
const MAX_WAIT_S = 50;
const MIN_WAIT_S = 5;
const DEFAULT_WAIT_S = 10;
const MAX_PARAMS = 256;
// Databricks refuses INLINE results above 25 MiB; past that the statement fails.
const INLINE_LIMIT_BYTES = 25 * 1024 * 1024;
const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

function parseWaitTimeout(raw: unknown): number {
  if (raw === undefined || raw === null) return DEFAULT_WAIT_S;
  const m = typeof raw === 'string' ? /^(\d{1,3})s$/.exec(raw) : null;
  const seconds = m ? Number(m[1]) : Number.NaN;
  if (seconds === 0 || (seconds >= MIN_WAIT_S && seconds <= MAX_WAIT_S)) return seconds;
  throw invalidParam(
    `wait_timeout must be 0s or between ${MIN_WAIT_S}s and ${MAX_WAIT_S}s, got ${JSON.stringify(raw).slice(0, 32)}.`,
  );
}

function parseParameters(raw: unknown): Record<string, SqlParam> {
  if (raw === undefined || raw === null) return {};
  if (!Array.isArray(raw)) throw invalidParam('parameters must be an array of {name, value, type}.');
  if (raw.length > MAX_PARAMS) throw invalidParam(`A statement takes at most ${MAX_PARAMS} parameters.`);
  const params: Record<string, SqlParam> = {};
  for (const item of raw) {
    if (typeof item !== 'object' || item === null || Array.isArray(item))
      throw invalidParam('Each parameter must be an object {name, value, type}.');
    const { name, value, type } = item as Record<string, unknown>;
    if (typeof name !== 'string' || !PARAM_NAME.test(name))
      throw invalidParam(`Invalid parameter name ${JSON.stringify(name ?? null).slice(0, 64)}.`);
    if (Object.hasOwn(params, name)) throw invalidParam(`Parameter ${name} is given more than once.`);
    if (value !== undefined && value !== null && typeof value !== 'string')
      throw invalidParam(`Parameter ${name}: value must be a string.`);
    if (type !== undefined && type !== null && (typeof type !== 'string' || type.length > 64))
      throw invalidParam(`Parameter ${name}: type must be a type name such as INT or DATE.`);
    params[name] = paramFromWire(
      (value as string | undefined) ?? null,
      (type as string | undefined) ?? undefined,
    );
  }
  return params;
}

function rowLimitOf(raw: unknown): number | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'number' || !Number.isSafeInteger(raw) || raw < 0)
    throw invalidParam('row_limit must be a non-negative integer.');
  return raw;
}

const isTerminal = (state: StatementState): boolean => state !== 'PENDING' && state !== 'RUNNING';

/**
 * The Statement Execution API 2.0 as the simulator serves it: `POST /api/2.0/sql/statements` with
 * named parameters, `wait_timeout` / `on_wait_timeout`, INLINE `JSON_ARRAY` results (every value a
 * string) cut into chunks, `row_limit`; polling, chunk fetch and cancel. SQL runs on `warehouse`.
 * A statement that fails is HTTP 200 with `status.state = FAILED`; only a request Databricks would not
 * accept is an HTTP error.
 */
export function createStatementService(options: StatementServiceOptions): StatementService {
  const chunkRows = Math.max(1, options.chunkRows ?? 10_000);
  const statementTimeoutMs = options.statementTimeoutMs ?? 5 * 60_000;
  const resultTtlMs = options.resultTtlMs ?? 3_600_000;
  const maxStatements = options.maxStatements ?? 1000;
  const now = options.now ?? Date.now;
  const newId = options.newId ?? randomUUID;
  const statements = new Map<string, StatementEntry>();

  function forgetOld(): void {
    const cutoff = now() - resultTtlMs;
    for (const entry of statements.values()) {
      if (entry.endedAt !== undefined && entry.endedAt < cutoff) statements.delete(entry.id);
    }
    if (statements.size < maxStatements) return;
    for (const entry of statements.values()) {
      if (statements.size < maxStatements) break;
      if (isTerminal(entry.state)) statements.delete(entry.id);
    }
    if (statements.size >= maxStatements)
      throw new SimApiError(429, 'RESOURCE_EXHAUSTED', 'Too many statements are running; try again later.');
  }

  function lookup(ctx: RouteContext): StatementEntry {
    const id = ctx.params[0] ?? '';
    const entry = statements.get(id);
    // Another user's statement is as invisible as a missing one.
    if (!entry || entry.user !== ctx.user) throw notFound(`Statement ${id} does not exist.`);
    if (entry.endedAt !== undefined && entry.endedAt < now() - resultTtlMs) {
      statements.delete(id);
      throw notFound(`Statement ${id} does not exist.`);
    }
    return entry;
  }

  function finish(entry: StatementEntry, result: QueryResult): void {
    const columns = result.columns.map((c, i) => wireColumn(c.name, c.type, i));
    const rows = result.rows.map((row) => columns.map((c) => wireString(row[c.name] ?? null, c.type_text)));
    if (JSON.stringify(rows).length > INLINE_LIMIT_BYTES) {
      fail(
        entry,
        warehouseError(
          'RESOURCE_EXHAUSTED',
          'The result is larger than the 25 MiB INLINE disposition allows; use row_limit or aggregate more.',
        ),
      );
      return;
    }
    const chunks: (string | null)[][][] = [];
    for (let offset = 0; offset < rows.length; offset += chunkRows)
      chunks.push(rows.slice(offset, offset + chunkRows));
    entry.columns = columns;
    entry.chunks = chunks;
    entry.totalRows = rows.length;
    entry.truncated = result.truncated;
    entry.state = 'SUCCEEDED';
  }

  function fail(entry: StatementEntry, error: unknown): void {
    if (error instanceof WarehouseError && error.reason === 'CANCELLED' && entry.abort.signal.aborted) {
      entry.state = 'CANCELED';
      return;
    }
    const known = error instanceof WarehouseError;
    entry.state = 'FAILED';
    entry.error = {
      error_code: (known ? error.errorCode : undefined) ?? 'INTERNAL_ERROR',
      message: error instanceof Error ? error.message : 'The statement failed.',
    };
    entry.sqlState = known ? error.sqlState : 'XX000';
  }

  function chunkJson(entry: StatementEntry, index: number): Record<string, unknown> {
    const data = entry.chunks?.[index] ?? [];
    const out: Record<string, unknown> = {
      chunk_index: index,
      row_offset: index * chunkRows,
      row_count: data.length,
      data_array: data,
    };
    const total = entry.chunks?.length ?? 0;
    if (index + 1 < total) {
      out.next_chunk_index = index + 1;
      out.next_chunk_internal_link = `${STATEMENTS}/${entry.id}/result/chunks/${index + 1}`;
    }
    return out;
  }

  function responseJson(entry: StatementEntry): Record<string, unknown> {
    const status: Record<string, unknown> = { state: entry.state };
    if (entry.state === 'FAILED') {
      status.error = entry.error;
      if (entry.sqlState !== undefined) status.sql_state = entry.sqlState;
    }
    const out: Record<string, unknown> = { statement_id: entry.id, status };
    if (entry.state !== 'SUCCEEDED' || !entry.columns || !entry.chunks) return out;
    out.manifest = {
      format: 'JSON_ARRAY',
      schema: { column_count: entry.columns.length, columns: entry.columns },
      total_chunk_count: entry.chunks.length,
      total_row_count: entry.totalRows ?? 0,
      truncated: entry.truncated ?? false,
      chunks: entry.chunks.map((rows, i) => ({
        chunk_index: i,
        row_offset: i * chunkRows,
        row_count: rows.length,
      })),
    };
    if (entry.chunks.length > 0) out.result = chunkJson(entry, 0);
    return out;
  }

  const execute: SimRoute = {
    method: 'POST',
    pattern: /^\/api\/2\.0\/sql\/statements\/?$/,
    async handle(ctx) {
      const body = ctx.body;
      if (typeof body.warehouse_id !== 'string' || body.warehouse_id === '')
        throw invalidParam('Missing required field: warehouse_id');
      if (typeof body.statement !== 'string' || body.statement.trim() === '')
        throw invalidParam('Missing required field: statement');
      const waitSeconds = parseWaitTimeout(body.wait_timeout);
      const onWaitTimeout = body.on_wait_timeout ?? 'CONTINUE';
      if (onWaitTimeout !== 'CONTINUE' && onWaitTimeout !== 'CANCEL')
        throw invalidParam('on_wait_timeout must be CONTINUE or CANCEL.');
      const disposition = body.disposition ?? 'INLINE';
      const format = body.format ?? 'JSON_ARRAY';
      if (disposition !== 'INLINE' && disposition !== 'EXTERNAL_LINKS')
        throw invalidParam('disposition must be INLINE or EXTERNAL_LINKS.');
      if (disposition === 'EXTERNAL_LINKS' || format !== 'JSON_ARRAY') {
        throw new SimApiError(
          501,
          'NOT_IMPLEMENTED',
          'The simulated workspace serves only INLINE results in JSON_ARRAY format.',
        );
      }
      const params = parseParameters(body.parameters);
      const rowLimit = rowLimitOf(body.row_limit);
      const warehouse = ctx.workspace.warehouses.get(body.warehouse_id);
      if (warehouse.state === 'STOPPED' && (options.autoStartWarehouse ?? true)) {
        ctx.workspace.warehouses.start(warehouse.id, ctx.user, true);
      }
      forgetOld();

      const abort = new AbortController();
      const entry: StatementEntry = {
        id: newId(),
        user: ctx.user,
        abort,
        state: 'RUNNING',
        done: Promise.resolve(),
      };
      const sql = body.statement;
      const run = options.warehouse
        .query(sql, {
          params,
          timeoutMs: statementTimeoutMs,
          signal: abort.signal,
          ...(rowLimit === undefined ? {} : { rowLimit }),
        })
        .then(
          (result) => {
            if (abort.signal.aborted) entry.state = 'CANCELED';
            else finish(entry, result);
          },
          (error: unknown) => fail(entry, error),
        )
        .finally(() => {
          entry.endedAt = now();
        });
      (entry as { done: Promise<void> }).done = run;
      statements.set(entry.id, entry);

      if (waitSeconds > 0) {
        const timer = new AbortController();
        await Promise.race([
          run,
          delay(waitSeconds * 1000, undefined, { signal: timer.signal }).catch(() => {}),
        ]);
        timer.abort();
      }
      if (!isTerminal(entry.state) && waitSeconds > 0 && onWaitTimeout === 'CANCEL') {
        abort.abort();
        await run;
        entry.state = 'CANCELED';
      }
      // wait_timeout 0s answers at once, before the engine could report anything.
      if (waitSeconds === 0) return { body: { statement_id: entry.id, status: { state: 'PENDING' } } };
      return { body: responseJson(entry) };
    },
  };

  const get: SimRoute = {
    method: 'GET',
    pattern: /^\/api\/2\.0\/sql\/statements\/([A-Za-z0-9-]{1,64})\/?$/,
    handle: (ctx) => ({ body: responseJson(lookup(ctx)) }),
  };

  const chunk: SimRoute = {
    method: 'GET',
    pattern: /^\/api\/2\.0\/sql\/statements\/([A-Za-z0-9-]{1,64})\/result\/chunks\/(\d{1,9})$/,
    handle(ctx) {
      const entry = lookup(ctx);
      if (entry.state !== 'SUCCEEDED')
        throw new SimApiError(
          400,
          'INVALID_STATE',
          `Statement ${entry.id} has no result: it is ${entry.state}.`,
        );
      const index = Number(ctx.params[1]);
      if (index >= (entry.chunks?.length ?? 0))
        throw invalidParam(
          `Chunk index ${index} is out of range; the result has ${entry.chunks?.length ?? 0} chunks.`,
        );
      return { body: chunkJson(entry, index) };
    },
  };

  const cancel: SimRoute = {
    method: 'POST',
    pattern: /^\/api\/2\.0\/sql\/statements\/([A-Za-z0-9-]{1,64})\/cancel$/,
    handle(ctx) {
      const id = ctx.params[0] ?? '';
      const entry = statements.get(id);
      if (entry && entry.user === ctx.user) {
        if (!isTerminal(entry.state)) entry.abort.abort();
      } else {
        // The simulator's own background statements (e.g. a runaway query) live in the workspace.
        ctx.workspace.warehouses.cancelStatement(id, ctx.user);
      }
      return { body: {} };
    },
  };

  return {
    routes: [execute, chunk, get, cancel],
    async close() {
      for (const entry of statements.values()) entry.abort.abort();
      await Promise.allSettled([...statements.values()].map((e) => e.done));
      statements.clear();
    },
  };
}
