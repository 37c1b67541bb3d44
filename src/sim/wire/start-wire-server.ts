import {
  createServer as createHttpServer,
  type IncomingMessage,
  request as httpRequest,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Warehouse } from '../../databricks/warehouse.js';
import type { SimWorkspace } from '../engine/sim-workspace.js';
import { type SimServerHandle, type SimServerOptions, startSimServer } from '../server/start-sim-server.js';
import { createStatementService, type StatementServiceOptions } from './statement-routes.js';
import type { ThriftService } from './thrift-server.js';
import type { LocalTls } from './tls.js';

export interface WireServerOptions {
  readonly workspace: SimWorkspace;
  /** Runs SQL for Statement Execution and Thrift: the simulator's `DuckDbWarehouse`. */
  readonly warehouse: Warehouse;
  /** Serve HTTPS with this certificate (see `ensureLocalTls`); plain HTTP without. */
  readonly tls?: Pick<LocalTls, 'cert' | 'key'>;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0 (a free port). 443 for Databricks' SDKs, which ignore any port in the host. */
  readonly port?: number;
  /** Passed to the REST simulator (tokens, OAuth clients, webhook, speed …). */
  readonly sim?: Omit<SimServerOptions, 'workspace' | 'host' | 'port' | 'extraRoutes'>;
  readonly statements?: Omit<StatementServiceOptions, 'warehouse'>;
  /** Longest a Thrift statement may run. Default 5 minutes. */
  readonly thriftStatementTimeoutMs?: number;
}

export interface WireServerHandle {
  /** `https://127.0.0.1:<port>` (or `http://…` without TLS). */
  readonly url: string;
  readonly port: number;
  readonly sim: SimServerHandle;
  /** The HTTP path `@databricks/sql` connects to for a warehouse (`odbc_params.path`). */
  warehousePath(warehouseId: string): string;
  close(): Promise<void>;
}

const THRIFT_PATH = /^\/sql\/(?:1\.0|protocolv1)\/(?:warehouses|endpoints)\/([A-Za-z0-9]{1,64})\/?$/;
const AUTH_CACHE_MS = 30_000;

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Asks the REST simulator whether this caller may use this warehouse; answers its status and body. */
function checkWarehouseAccess(
  simUrl: string,
  authorization: string | undefined,
  warehouseId: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${simUrl}/api/2.0/sql/warehouses/${encodeURIComponent(warehouseId)}`,
      { method: 'GET', headers: authorization === undefined ? {} : { authorization } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 500, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Streams a request to the REST simulator and its answer back. */
function proxy(simUrl: string, req: IncomingMessage, res: ServerResponse): void {
  const target = new URL(req.url ?? '/', simUrl);
  const upstream = httpRequest(
    target,
    { method: req.method, headers: { ...req.headers, host: target.host } },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on('error', () => {
    if (!res.headersSent)
      sendJson(res, 503, {
        error_code: 'TEMPORARILY_UNAVAILABLE',
        message: 'The simulated workspace is not answering.',
      });
    else res.destroy();
  });
  req.pipe(upstream);
}

/**
 * Starts the simulated workspace as clients reach a real one: the REST API (with the Statement
 * Execution API running SQL on `warehouse`) and the Thrift endpoint `@databricks/sql` speaks at
 * `/sql/1.0/warehouses/<id>`, on one port, over HTTPS when `tls` is given. The REST simulator runs on
 * a private loopback port behind this front.
 */
export async function startWireServer(options: WireServerOptions): Promise<WireServerHandle> {
  const statements = createStatementService({ ...options.statements, warehouse: options.warehouse });
  // The Thrift service (with the driver's generated TCLIService and the `thrift` library, ~12 MB of
  // heap) is loaded by the first Thrift request: most embedded workspaces only ever serve REST (an eval).
  let thrift: Promise<ThriftService> | undefined;
  const serveThrift = (req: IncomingMessage, res: ServerResponse): void => {
    req.pause();
    thrift ??= import('./thrift-server.js').then(({ createThriftService }) =>
      createThriftService({
        warehouse: options.warehouse,
        ...(options.thriftStatementTimeoutMs === undefined
          ? {}
          : { statementTimeoutMs: options.thriftStatementTimeoutMs }),
      }),
    );
    thrift.then(
      (service) => {
        req.resume();
        service.handle(req, res);
      },
      () => {
        sendJson(res, 503, { error_code: 'INTERNAL_ERROR', message: 'The Thrift endpoint could not start.' });
        req.resume();
      },
    );
  };
  const sim = await startSimServer({
    ...options.sim,
    workspace: options.workspace,
    extraRoutes: statements.routes,
  });
  const allowed = new Map<string, number>();

  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const warehouseId = THRIFT_PATH.exec(path)?.[1];
    if (warehouseId === undefined) {
      proxy(sim.url, req, res);
      return;
    }
    if (req.method !== 'POST') {
      sendJson(res, 405, { error_code: 'BAD_REQUEST', message: 'The Thrift endpoint accepts POST only.' });
      req.resume();
      return;
    }
    const authorization = req.headers.authorization;
    const key = `${authorization ?? ''}\u0000${warehouseId}`;
    const until = allowed.get(key);
    if (until !== undefined && until > Date.now()) {
      serveThrift(req, res);
      return;
    }
    req.pause();
    checkWarehouseAccess(sim.url, authorization, warehouseId).then(
      ({ status, body }) => {
        if (status === 200) {
          if (allowed.size > 10_000) allowed.clear();
          allowed.set(key, Date.now() + AUTH_CACHE_MS);
          serveThrift(req, res);
          return;
        }
        // 401/403 with Databricks' body; an unknown warehouse is 404 on this path.
        res.writeHead(status === 400 ? 404 : status, { 'content-type': 'application/json' });
        res.end(body);
        req.resume();
      },
      () => {
        sendJson(res, 503, {
          error_code: 'TEMPORARILY_UNAVAILABLE',
          message: 'The simulated workspace is not answering.',
        });
        req.resume();
      },
    );
  };

  const server: Server = options.tls
    ? (await import('./tls.js')).createTlsServer(options.tls, listener)
    : createHttpServer(listener);
  server.headersTimeout = 10_000;
  server.requestTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `${options.tls ? 'https' : 'http'}://${host}:${address.port}`;

  return {
    url,
    port: address.port,
    sim,
    warehousePath: (id) => `/sql/1.0/warehouses/${id}`,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await (await thrift?.catch(() => undefined))?.close();
      await statements.close();
      await sim.close();
    },
  };
}
