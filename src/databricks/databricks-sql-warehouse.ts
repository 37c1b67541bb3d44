import { DBSQLClient, DBSQLParameter, type DBSQLParameterType } from '@databricks/sql';
import type { AuthProvider } from './auth/auth-provider.js';
import { oauthM2MAuth } from './auth/oauth-m2m.js';
import {
  canonicalFromWire,
  type DatabricksType,
  parseTypeText,
  reasonFromDatabricks,
  wireParameters,
} from './statement-execution-warehouse.js';
import {
  type QueryOptions,
  type QueryResult,
  resolveQueryOptions,
  type SqlValue,
  type Warehouse,
  WAREHOUSE_ERROR_CODES,
  WarehouseError,
  warehouseError,
} from './warehouse.js';

/** How `@databricks/sql` authenticates: a personal access token or OAuth M2M (service principal). */
export type DatabricksSqlAuth =
  | { readonly kind: 'pat'; readonly token: string }
  | { readonly kind: 'oauth-m2m'; readonly clientId: string; readonly clientSecret: string };

export interface DatabricksSqlWarehouseOptions {
  /** Workspace host name (`dbc-….cloud.databricks.com`); a URL's scheme and path are dropped. */
  readonly host: string;
  /** Default 443. */
  readonly port?: number;
  /** The warehouse's HTTP path, `/sql/1.0/warehouses/<id>` (its `odbc_params.path`). */
  readonly path: string;
  readonly auth: DatabricksSqlAuth;
  /** Extra CA to trust (PEM), e.g. the simulator's local CA; `NODE_EXTRA_CA_CERTS` works too. */
  readonly caCert?: string | Buffer;
  /** Socket timeout in ms. Default the driver's 15 minutes. */
  readonly socketTimeoutMs?: number;
  /** For the OAuth token endpoint (OAuth M2M only); default global fetch. */
  readonly fetch?: typeof fetch;
}

type IDBSQLSession = Awaited<ReturnType<DBSQLClient['openSession']>>;

// Rows fetched per round trip; the driver's own default is 100 000.
const FETCH_ROWS = 10_000;
/** How long closing waits for the warehouse to answer. */
const CLOSE_WAIT_MS = 5_000;

/** `work`, or a rejection once `ms` have passed without it settling. */
function withinMs<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

interface ThriftColumn {
  readonly columnName: string;
  readonly comment?: string | null;
  readonly typeDesc?: {
    types?: {
      primitiveEntry?: {
        type?: number;
        typeQualifiers?: { qualifiers?: Record<string, { i32Value?: number | null }> } | null;
      } | null;
    }[];
  };
}

// TTypeId values (TCLIService.thrift) → Databricks type text.
const TYPE_TEXT: Readonly<Record<number, string>> = {
  0: 'BOOLEAN',
  1: 'TINYINT',
  2: 'SMALLINT',
  3: 'INT',
  4: 'BIGINT',
  5: 'FLOAT',
  6: 'DOUBLE',
  7: 'STRING',
  8: 'TIMESTAMP',
  9: 'BINARY',
  10: 'ARRAY',
  11: 'MAP',
  12: 'STRUCT',
  15: 'DECIMAL',
  16: 'VOID',
  17: 'DATE',
  18: 'STRING',
  19: 'STRING',
  20: 'INTERVAL',
  21: 'INTERVAL',
};

/** Databricks `type_text` for a Thrift column descriptor. */
function typeTextOf(column: ThriftColumn): string {
  const entry = column.typeDesc?.types?.[0]?.primitiveEntry;
  const base = TYPE_TEXT[entry?.type ?? 7] ?? 'STRING';
  if (base === 'DECIMAL') {
    const q = entry?.typeQualifiers?.qualifiers;
    const precision = q?.precision?.i32Value;
    const scale = q?.scale?.i32Value;
    return precision === undefined || precision === null
      ? 'DECIMAL(10,0)'
      : `DECIMAL(${precision},${scale ?? 0})`;
  }
  // Thrift names only the outer kind of a complex type; the simulator puts the full type text in the
  // descriptor's comment, and a real warehouse leaves it empty (then the outer kind is all we know).
  if (
    (base === 'ARRAY' || base === 'MAP' || base === 'STRUCT') &&
    column.comment?.toUpperCase().startsWith(`${base}<`)
  )
    return column.comment;
  return base;
}

interface OperationStateLike {
  readonly response?: {
    sqlState?: string;
    errorMessage?: string;
    displayMessage?: string;
    errorDetailsJson?: string;
    operationState?: number;
  };
  readonly errorCode?: string;
}

function toWarehouseError(error: unknown, sql: string): WarehouseError {
  if (error instanceof WarehouseError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const state = error as OperationStateLike;
  const response = state?.response;
  if (state?.errorCode === 'CANCELED' || response?.operationState === 4)
    return warehouseError(
      'CANCELLED',
      'The statement was cancelled on the warehouse.',
      { statement: sql },
      error,
    );
  if (response?.sqlState !== undefined || response?.errorMessage !== undefined) {
    let errorCode: string | undefined;
    try {
      errorCode = (JSON.parse(response.errorDetailsJson ?? '{}') as { error_code?: string }).error_code;
    } catch {
      errorCode = undefined;
    }
    const text = response.errorMessage ?? response.displayMessage ?? message;
    const reason = reasonFromDatabricks(errorCode, response.sqlState, text);
    return new WarehouseError(
      reason,
      text,
      {
        errorCode: errorCode ?? WAREHOUSE_ERROR_CODES[reason].errorCode,
        sqlState: response.sqlState ?? WAREHOUSE_ERROR_CODES[reason].sqlState,
        statement: sql,
      },
      { cause: error },
    );
  }
  if (/\b(401|403)\b|unauthori[sz]ed|forbidden|invalid access token/i.test(message))
    return warehouseError(
      'PERMISSION',
      `The warehouse refused the credentials: ${message}`,
      { statement: sql },
      error,
    );
  return warehouseError(
    'UNAVAILABLE',
    `The warehouse could not be reached: ${message}`,
    { statement: sql },
    error,
  );
}

/**
 * A `Warehouse` over `@databricks/sql` (Thrift over HTTPS): the default for a real workspace. One
 * session is opened on first use and reused; each query fetches at most `rowLimit + 1` rows (to know
 * whether it was truncated), is cancelled at its timeout or abort, and returns canonical values.
 * Telemetry is off: dbxops sends nothing to Databricks beyond the queries themselves.
 */
/** The driver's custom authentication: our provider's `Authorization` header on every request. */
function bearerHeaders(auth: AuthProvider): { authenticate(): Promise<Record<string, string>> } {
  return {
    authenticate: async (): Promise<Record<string, string>> => {
      const header = await auth.authorization();
      const headers: Record<string, string> = {};
      if (header !== undefined) headers.Authorization = header;
      return headers;
    },
  };
}

export class DatabricksSqlWarehouse implements Warehouse {
  readonly #options: DatabricksSqlWarehouseOptions;
  #client: DBSQLClient | undefined;
  #session: Promise<IDBSQLSession> | undefined;
  #closed = false;

  constructor(options: DatabricksSqlWarehouseOptions) {
    this.#options = options;
  }

  #open(): Promise<IDBSQLSession> {
    if (this.#session) return this.#session;
    const o = this.#options;
    const client = new DBSQLClient({ logger: { log: () => {} } });
    this.#client = client;
    const host = o.host.replace(/^[a-z]+:\/\//i, '').replace(/[/:].*$/, '');
    // OAuth M2M goes through our own token provider, shared with the REST client's behaviour: the
    // driver's built-in OAuth only accepts hosts it recognises by domain (not private links, not the
    // simulator), and ours caches the token and refreshes it before it expires.
    const auth =
      o.auth.kind === 'pat'
        ? { token: o.auth.token }
        : {
            authType: 'custom' as const,
            provider: bearerHeaders(
              oauthM2MAuth({
                host: `https://${host}${o.port !== undefined && o.port !== 443 ? `:${o.port}` : ''}`,
                clientId: o.auth.clientId,
                clientSecret: o.auth.clientSecret,
                fetch: o.fetch,
              }),
            ),
          };
    const opened = client
      .connect({
        host,
        port: o.port ?? 443,
        path: o.path,
        ...auth,
        ...(o.caCert === undefined ? {} : { customCaCert: o.caCert }),
        ...(o.socketTimeoutMs === undefined ? {} : { socketTimeout: o.socketTimeoutMs }),
        telemetryEnabled: false,
      } as Parameters<DBSQLClient['connect']>[0])
      .then((c) => c.openSession());
    // A failed connect is retried by the next query rather than cached.
    this.#session = opened.catch((error: unknown) => {
      this.#session = undefined;
      throw error;
    });
    return this.#session;
  }

  async query(sql: string, options: QueryOptions = {}): Promise<QueryResult> {
    if (this.#closed) throw warehouseError('UNAVAILABLE', 'The warehouse is closed.');
    const { rowLimit, timeoutMs } = resolveQueryOptions(options);
    if (options.signal?.aborted)
      throw warehouseError('CANCELLED', 'The query was cancelled.', { statement: sql });
    const namedParameters: Record<string, DBSQLParameter> = {};
    for (const p of wireParameters(options.params ?? {})) {
      namedParameters[p.name] = new DBSQLParameter({
        value: p.value ?? null,
        ...(p.type === undefined ? {} : { type: p.type as DBSQLParameterType }),
      } as ConstructorParameters<typeof DBSQLParameter>[0]);
    }

    let session: IDBSQLSession;
    try {
      session = await this.#open();
    } catch (error) {
      throw toWarehouseError(error, sql);
    }
    let operation: Awaited<ReturnType<IDBSQLSession['executeStatement']>>;
    try {
      operation = await session.executeStatement(sql, {
        namedParameters,
        maxRows: Math.min(FETCH_ROWS, rowLimit + 1),
      });
    } catch (error) {
      throw toWarehouseError(error, sql);
    }
    let timedOut = false;
    const cancel = (): void => {
      operation.cancel().catch(() => {});
    };
    const timer = setTimeout(() => {
      timedOut = true;
      cancel();
    }, timeoutMs);
    options.signal?.addEventListener('abort', cancel, { once: true });
    try {
      const raw: Record<string, unknown>[] = [];
      do {
        const chunk = (await operation.fetchChunk({
          maxRows: Math.min(FETCH_ROWS, rowLimit + 1 - raw.length),
        })) as Record<string, unknown>[];
        raw.push(...chunk);
      } while (raw.length <= rowLimit && (await operation.hasMoreRows()));
      const schema = (await operation.getSchema()) as { columns?: ThriftColumn[] } | null;
      const columns = (schema?.columns ?? []).map((c) => ({ name: c.columnName, type: typeTextOf(c) }));
      const types: DatabricksType[] = columns.map((c) => parseTypeText(c.type));
      const rows = raw.slice(0, rowLimit).map((values) => {
        const row: Record<string, SqlValue> = {};
        columns.forEach((c, i) => {
          row[c.name] = canonicalFromWire(values[c.name], types[i] ?? { kind: 'scalar', name: 'STRING' });
        });
        return row;
      });
      return { columns, rows, truncated: raw.length > rowLimit };
    } catch (error) {
      if (timedOut)
        throw warehouseError(
          'TIMEOUT',
          `The query did not finish within ${timeoutMs} ms and was cancelled; narrow the time range or aggregate more.`,
          { statement: sql, timeoutMs },
          error,
        );
      if (options.signal?.aborted)
        throw warehouseError('CANCELLED', 'The query was cancelled.', { statement: sql }, error);
      throw toWarehouseError(error, sql);
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', cancel);
      operation.close().catch(() => {});
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const session = this.#session;
    this.#session = undefined;
    try {
      // A warehouse that no longer answers would keep the driver retrying for minutes; it drops idle
      // sessions on its own, so shutdown gives up after a few seconds rather than hang.
      if (session) await withinMs((await session).close(), CLOSE_WAIT_MS);
    } catch {
      // Closing a session that never opened or already dropped: nothing left to release.
    }
    await withinMs(this.#client?.close() ?? Promise.resolve(), CLOSE_WAIT_MS).catch(() => {});
  }
}
