import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import {
  type QueryResult,
  type SqlParam,
  type SqlValue,
  type Warehouse,
  WarehouseError,
} from '../../databricks/warehouse.js';
import { paramFromWire, wireString } from './wire-values.js';

// The driver ships TCLIService generated for Node (CommonJS); its processor decodes requests and
// encodes replies, so the simulator speaks exactly the protocol `@databricks/sql` expects.
const require = createRequire(import.meta.url);
const thrift = require('thrift') as ThriftLib;
const TCLIService = require('@databricks/sql/thrift/TCLIService.js') as {
  Processor: new (handler: object) => ThriftProcessor;
};
const T = require('@databricks/sql/thrift/TCLIService_types.js') as ThriftTypes;
const Int64 = require('node-int64') as new (value: number | Buffer) => unknown;

interface ThriftProcessor {
  process(input: unknown, output: unknown): void;
}
interface ThriftTransport {
  commitPosition(): void;
  rollbackPosition(): void;
}
interface ThriftLib {
  TBufferedTransport: {
    new (buffer?: Buffer, onFlush?: (buf: Buffer) => void): unknown;
    receiver(callback: (transport: ThriftTransport) => void): (data: Buffer) => void;
  };
  TBinaryProtocol: new (transport: unknown) => unknown;
  InputBufferUnderrunError: new () => Error;
}
type ThriftTypes = Record<string, Record<string, number>> & {
  TStatusCode: Record<string, number>;
  TOperationState: Record<string, number>;
  TTypeId: Record<string, number>;
};

/** SQLSTATE Databricks uses for "the handle you sent is unknown" (Spark: invalid cursor state). */
const INVALID_HANDLE_SQL_STATE = '24000';
const PROTOCOL_V8 = 0xa508;
const MAX_FETCH_ROWS = 100_000;

interface Operation {
  readonly id: string;
  readonly sessionId: string;
  readonly abort: AbortController;
  state: 'RUNNING' | 'FINISHED' | 'ERROR' | 'CANCELED' | 'CLOSED';
  result?: QueryResult;
  error?: WarehouseError | Error;
  cursor: number;
}

export interface ThriftServiceOptions {
  /** Runs the SQL: the simulator's `DuckDbWarehouse`. */
  readonly warehouse: Warehouse;
  /** Longest a statement may run. Default 5 minutes. */
  readonly statementTimeoutMs?: number;
  /** Sessions kept open at once; older ones are closed first. Default 500. */
  readonly maxSessions?: number;
}

/** Serves TCLIService (HiveServer2 as Databricks extends it) over THttp with the binary protocol. */
export interface ThriftService {
  /** Handles one POST to the warehouse's HTTP path (the caller has authenticated it). */
  handle(req: IncomingMessage, res: ServerResponse): void;
  close(): Promise<void>;
}

const guidKey = (guid: Buffer | Uint8Array | undefined): string =>
  guid ? Buffer.from(guid).toString('hex') : '';

// The driver prints handles as UUIDs and refuses bytes that are not a valid (version 4) UUID.
const handleId = (): { guid: Buffer; secret: Buffer } => ({
  guid: Buffer.from(randomUUID().replaceAll('-', ''), 'hex'),
  secret: randomBytes(16),
});

const ok = () => ({ statusCode: T.TStatusCode.SUCCESS_STATUS });

const errorStatus = (message: string, sqlState: string) => ({
  statusCode: T.TStatusCode.ERROR_STATUS,
  errorMessage: message,
  sqlState,
  displayMessage: message,
});

/** TTypeId for a Databricks type text; complex types travel as JSON strings, as Databricks sends them. */
function typeIdOf(typeText: string): number {
  const head = (/^[A-Z_]+/i.exec(typeText.trim())?.[0] ?? '').toUpperCase();
  const map: Record<string, string> = {
    BOOLEAN: 'BOOLEAN_TYPE',
    TINYINT: 'TINYINT_TYPE',
    SMALLINT: 'SMALLINT_TYPE',
    INT: 'INT_TYPE',
    BIGINT: 'BIGINT_TYPE',
    FLOAT: 'FLOAT_TYPE',
    DOUBLE: 'DOUBLE_TYPE',
    STRING: 'STRING_TYPE',
    TIMESTAMP: 'TIMESTAMP_TYPE',
    DATE: 'DATE_TYPE',
    BINARY: 'BINARY_TYPE',
    ARRAY: 'ARRAY_TYPE',
    MAP: 'MAP_TYPE',
    STRUCT: 'STRUCT_TYPE',
    DECIMAL: 'DECIMAL_TYPE',
    VOID: 'NULL_TYPE',
    INTERVAL: 'STRING_TYPE',
  };
  return T.TTypeId[map[head] ?? 'STRING_TYPE'] ?? 7;
}

function columnDesc(name: string, typeText: string, position: number) {
  const entry: Record<string, unknown> = { type: typeIdOf(typeText) };
  const decimal = /^DECIMAL\((\d+),\s*(\d+)\)$/i.exec(typeText.trim());
  if (decimal) {
    entry.typeQualifiers = {
      qualifiers: { precision: { i32Value: Number(decimal[1]) }, scale: { i32Value: Number(decimal[2]) } },
    };
  }
  return { columnName: name, typeDesc: { types: [{ primitiveEntry: entry }] }, position, comment: typeText };
}

function nullBitmap(values: readonly SqlValue[]): Buffer {
  const bits = Buffer.alloc(Math.ceil(values.length / 8));
  values.forEach((v, i) => {
    if (v === null) bits[i >> 3] = (bits[i >> 3] ?? 0) | (1 << (i & 7));
  });
  return bits;
}

function int64Of(value: SqlValue): unknown {
  if (typeof value === 'number') return new Int64(value);
  if (typeof value === 'string' && /^-?\d+$/.test(value)) {
    const buf = Buffer.alloc(8);
    buf.writeBigInt64BE(BigInt(value));
    return new Int64(buf);
  }
  return new Int64(0);
}

/** One result column in Thrift's column-based layout: typed value arrays plus a null bitmap. */
function thriftColumn(typeText: string, values: readonly SqlValue[]) {
  const nulls = nullBitmap(values);
  const typeId = typeIdOf(typeText);
  const id = (name: string) => T.TTypeId[name];
  if (typeId === id('BOOLEAN_TYPE')) return { boolVal: { values: values.map((v) => v === true), nulls } };
  if (typeId === id('TINYINT_TYPE')) return { byteVal: { values: values.map((v) => Number(v ?? 0)), nulls } };
  if (typeId === id('SMALLINT_TYPE')) return { i16Val: { values: values.map((v) => Number(v ?? 0)), nulls } };
  if (typeId === id('INT_TYPE')) return { i32Val: { values: values.map((v) => Number(v ?? 0)), nulls } };
  if (typeId === id('BIGINT_TYPE')) return { i64Val: { values: values.map((v) => int64Of(v ?? 0)), nulls } };
  if (typeId === id('FLOAT_TYPE') || typeId === id('DOUBLE_TYPE'))
    return { doubleVal: { values: values.map((v) => (typeof v === 'number' ? v : Number(v ?? 0))), nulls } };
  // Everything else is text, as Databricks sends it: decimals at scale, timestamps, dates, JSON for complex.
  return {
    stringVal: { values: values.map((v) => (v === null ? '' : (wireString(v, typeText) ?? ''))), nulls },
  };
}

function paramsFrom(parameters: unknown): Record<string, SqlParam> {
  const params: Record<string, SqlParam> = {};
  if (!Array.isArray(parameters)) return params;
  for (const p of parameters as {
    name?: string;
    ordinal?: number;
    type?: string;
    value?: Record<string, unknown>;
  }[]) {
    if (p.name === undefined || p.name === null) {
      throw new WarehouseError('INVALID_PARAMETER', 'Only named parameter markers (:name) are supported.', {
        errorCode: 'BAD_REQUEST',
        sqlState: '22023',
      });
    }
    const v = p.value;
    const raw = v?.stringValue ?? v?.doubleValue ?? v?.booleanValue ?? null;
    params[p.name] = paramFromWire(
      raw === null || raw === undefined ? null : String(raw),
      p.type ?? undefined,
    );
  }
  return params;
}

/**
 * The Thrift side of a Databricks SQL warehouse, enough for `@databricks/sql`: sessions, asynchronous
 * statements with named parameters, status polling, column-based result sets (no Arrow, no CloudFetch:
 * `resultFormat` COLUMN_BASED_SET makes the driver fall back), cancel and close. A failing statement
 * ends in ERROR_STATE with its SQLSTATE and message; an unknown handle is an error status.
 */
export function createThriftService(options: ThriftServiceOptions): ThriftService {
  const sessions = new Map<string, Set<string>>();
  const operations = new Map<string, Operation>();
  const maxSessions = options.maxSessions ?? 500;
  const timeoutMs = options.statementTimeoutMs ?? 5 * 60_000;

  const closeOperation = (id: string): void => {
    const op = operations.get(id);
    if (!op) return;
    op.abort.abort();
    op.state = 'CLOSED';
    op.result = undefined;
    operations.delete(id);
    sessions.get(op.sessionId)?.delete(id);
  };

  const closeSession = (id: string): void => {
    for (const opId of sessions.get(id) ?? []) closeOperation(opId);
    sessions.delete(id);
  };

  const opOf = (handle: { operationId?: { guid?: Buffer } } | undefined) =>
    operations.get(guidKey(handle?.operationId?.guid));

  const invalidOperation = () =>
    errorStatus(
      'Invalid OperationHandle: the operation does not exist or was closed.',
      INVALID_HANDLE_SQL_STATE,
    );

  const handler = {
    // The generated processor calls a handler with one parameter and awaits its promise; other arities get a callback.
    async OpenSession(_req: unknown) {
      if (sessions.size >= maxSessions) closeSession(sessions.keys().next().value ?? '');
      const sessionHandle = { sessionId: handleId() };
      sessions.set(guidKey(sessionHandle.sessionId.guid), new Set());
      return { status: ok(), serverProtocolVersion: PROTOCOL_V8, sessionHandle, configuration: {} };
    },
    async CloseSession(req: { sessionHandle?: { sessionId?: { guid?: Buffer } } }) {
      closeSession(guidKey(req.sessionHandle?.sessionId?.guid));
      return { status: ok() };
    },
    async GetInfo(_req: unknown) {
      return { status: ok(), infoValue: { stringValue: 'Spark SQL (dbxops simulator)' } };
    },
    async ExecuteStatement(req: {
      sessionHandle?: { sessionId?: { guid?: Buffer } };
      statement?: string;
      parameters?: unknown;
    }) {
      const sessionId = guidKey(req.sessionHandle?.sessionId?.guid);
      const session = sessions.get(sessionId);
      if (!session)
        return {
          status: errorStatus(
            'Invalid SessionHandle: the session does not exist or was closed.',
            INVALID_HANDLE_SQL_STATE,
          ),
        };
      const handle = handleId();
      const op: Operation = {
        id: guidKey(handle.guid),
        sessionId,
        abort: new AbortController(),
        state: 'RUNNING',
        cursor: 0,
      };
      operations.set(op.id, op);
      session.add(op.id);
      try {
        const params = paramsFrom(req.parameters);
        options.warehouse
          .query(req.statement ?? '', {
            params,
            rowLimit: MAX_FETCH_ROWS,
            timeoutMs,
            signal: op.abort.signal,
          })
          .then(
            (result) => {
              if (op.state === 'RUNNING') {
                op.result = result;
                op.state = 'FINISHED';
              }
            },
            (error: unknown) => {
              if (op.state !== 'RUNNING') return;
              op.error = error instanceof Error ? error : new Error(String(error));
              op.state = op.abort.signal.aborted ? 'CANCELED' : 'ERROR';
            },
          );
      } catch (error) {
        op.error = error instanceof Error ? error : new Error(String(error));
        op.state = 'ERROR';
      }
      return {
        status: ok(),
        operationHandle: {
          operationId: handle,
          operationType: T.TOperationType?.EXECUTE_STATEMENT ?? 0,
          hasResultSet: true,
        },
      };
    },
    async GetOperationStatus(req: { operationHandle?: { operationId?: { guid?: Buffer } } }) {
      const op = opOf(req.operationHandle);
      if (!op) return { status: invalidOperation() };
      const states = T.TOperationState;
      if (op.state === 'RUNNING')
        return { status: ok(), operationState: states.RUNNING_STATE, hasResultSet: true };
      if (op.state === 'FINISHED')
        return { status: ok(), operationState: states.FINISHED_STATE, hasResultSet: true };
      if (op.state === 'CANCELED') return { status: ok(), operationState: states.CANCELED_STATE };
      if (op.state === 'CLOSED') return { status: ok(), operationState: states.CLOSED_STATE };
      const error = op.error;
      const sqlState = error instanceof WarehouseError ? (error.sqlState ?? 'XX000') : 'XX000';
      const errorCode =
        error instanceof WarehouseError ? (error.errorCode ?? 'INTERNAL_ERROR') : 'INTERNAL_ERROR';
      const message = error?.message ?? 'The statement failed.';
      return {
        status: ok(),
        operationState: states.ERROR_STATE,
        sqlState,
        errorCode: 0,
        errorMessage: message,
        displayMessage: message,
        errorDetailsJson: JSON.stringify({ error_code: errorCode, sql_state: sqlState }),
      };
    },
    async GetResultSetMetadata(req: { operationHandle?: { operationId?: { guid?: Buffer } } }) {
      const op = opOf(req.operationHandle);
      if (!op) return { status: invalidOperation() };
      if (op.state !== 'FINISHED' || !op.result)
        return {
          status: errorStatus(
            `The operation has no result set: it is ${op.state}.`,
            INVALID_HANDLE_SQL_STATE,
          ),
        };
      return {
        status: ok(),
        schema: { columns: op.result.columns.map((c, i) => columnDesc(c.name, c.type, i + 1)) },
        resultFormat: T.TSparkRowSetType?.COLUMN_BASED_SET ?? 1,
        lz4Compressed: false,
        isStagingOperation: false,
      };
    },
    async FetchResults(req: { operationHandle?: { operationId?: { guid?: Buffer } }; maxRows?: unknown }) {
      const op = opOf(req.operationHandle);
      if (!op) return { status: invalidOperation() };
      if (op.state !== 'FINISHED' || !op.result)
        return {
          status: errorStatus(
            `The operation has no result set: it is ${op.state}.`,
            INVALID_HANDLE_SQL_STATE,
          ),
        };
      const requested = Number(String(req.maxRows ?? MAX_FETCH_ROWS));
      const size =
        Number.isFinite(requested) && requested > 0 ? Math.min(requested, MAX_FETCH_ROWS) : MAX_FETCH_ROWS;
      const { columns, rows } = op.result;
      const slice = rows.slice(op.cursor, op.cursor + size);
      const start = op.cursor;
      op.cursor += slice.length;
      return {
        status: ok(),
        hasMoreRows: op.cursor < rows.length,
        results: {
          startRowOffset: new Int64(start),
          rows: [],
          columns: columns.map((c) =>
            thriftColumn(
              c.type,
              slice.map((row) => row[c.name] ?? null),
            ),
          ),
        },
      };
    },
    async CancelOperation(req: { operationHandle?: { operationId?: { guid?: Buffer } } }) {
      const op = opOf(req.operationHandle);
      if (!op) return { status: invalidOperation() };
      if (op.state === 'RUNNING') {
        op.abort.abort();
        op.state = 'CANCELED';
      }
      return { status: ok() };
    },
    async CloseOperation(req: { operationHandle?: { operationId?: { guid?: Buffer } } }) {
      closeOperation(guidKey(req.operationHandle?.operationId?.guid));
      return { status: ok() };
    },
  };

  const processor = new TCLIService.Processor(handler);

  return {
    handle(req, res) {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        let replied = false;
        const reply = (buf: Buffer): void => {
          if (replied) return;
          replied = true;
          res.writeHead(200, { 'content-type': 'application/x-thrift', 'content-length': buf.length });
          res.end(buf);
        };
        const receive = thrift.TBufferedTransport.receiver((transport) => {
          const input = new thrift.TBinaryProtocol(transport);
          const output = new thrift.TBinaryProtocol(new thrift.TBufferedTransport(undefined, reply));
          try {
            processor.process(input, output);
            transport.commitPosition();
          } catch {
            // A truncated or garbled message: answer like a Thrift HTTP server, never drop the socket.
            if (!replied) {
              replied = true;
              res.writeHead(400, { 'content-type': 'text/plain' });
              res.end('Malformed Thrift request.');
            }
          }
        });
        receive(Buffer.concat(chunks));
      });
    },
    async close() {
      for (const id of [...sessions.keys()]) closeSession(id);
    },
  };
}
