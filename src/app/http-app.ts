import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

type Listener = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface Route {
  /** Exact path, or a prefix ending in `/` (`/console/`); the first match in order wins. */
  path: string;
  listener: Listener;
}

export interface HttpAppOptions {
  routes: readonly Route[];
  metrics?: Registry;
  /** Reports readiness of what the process depends on (store, queue, monitoring); `failed` names what is not. */
  ready?: () => Promise<{ ok: boolean; checks: Record<string, string>; failed?: string[] }>;
  onError?: (error: unknown, req: IncomingMessage) => void;
}

/**
 * The one HTTP server `dbxops start` listens with: the console, `/slack/events`, `/api/messages`
 * (Teams), the Databricks webhook endpoint, `/metrics` and health checks share `PORT`.
 */
export function createHttpApp(options: HttpAppOptions): Server {
  return createServer((req, res) => {
    handle(options, req, res).catch((error: unknown) => {
      options.onError?.(error, req);
      // Never a stack trace to the caller.
      reply(res, 500, JSON.stringify({ error: 'internal_error' }), 'application/json');
    });
  });
}

// Module functions rather than closures made per request: the webhook endpoint takes thousands a second.
async function handle(options: HttpAppOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  if (path === '/healthz') return reply(res, 200, 'ok\n');
  if (path === '/readyz') {
    const state = options.ready ? await options.ready() : { ok: true, checks: {} };
    return reply(res, state.ok ? 200 : 503, JSON.stringify(state), 'application/json');
  }
  if (path === '/metrics' && options.metrics) {
    return reply(res, 200, await options.metrics.metrics(), options.metrics.contentType);
  }
  const route = routeFor(options.routes, path);
  if (!route) return reply(res, 404, JSON.stringify({ error: 'not_found', path }), 'application/json');
  await route.listener(req, res);
}

function routeFor(routes: readonly Route[], path: string): Route | undefined {
  for (const r of routes) {
    if (r.path.endsWith('/') ? path.startsWith(r.path) || path === r.path.slice(0, -1) : path === r.path) {
      return r;
    }
  }
  return undefined;
}

function reply(res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': type });
  res.end(body);
}

/** Listens and resolves with the bound address (port 0 picks a free one). */
export function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

/** Reads a request body up to `maxBytes`; `null` when it is larger (the caller answers 413). */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | null> {
  // Stream events rather than `for await`: an async iterator per request costs more than the body.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      // Past the limit the answer is null; the rest of the body still flows in, and is dropped.
      if (size > maxBytes) return;
      size += chunk.length;
      if (size > maxBytes) resolve(null);
      else chunks.push(chunk);
    });
    req.once('end', () => resolve(size > maxBytes ? null : Buffer.concat(chunks, size)));
    // A client that goes away mid-body makes the request emit an error (ECONNRESET, 'aborted').
    req.once('error', reject);
  });
}

/**
 * A URL this machine reaches a server bound to `host` at: a wildcard (`0.0.0.0`, `::`) is reached on
 * loopback, and an IPv6 address needs brackets.
 */
export function loopbackReachableUrl(host: string, port: number): string {
  if (host === '0.0.0.0' || host === '') return `http://127.0.0.1:${port}`;
  if (host === '::' || host === '[::]') return `http://[::1]:${port}`;
  return host.includes(':') && !host.startsWith('[') ? `http://[${host}]:${port}` : `http://${host}:${port}`;
}

/**
 * A port bound and listening from now on, for a server that must be known by its URL before it can
 * serve (the embedded workspace, or a test's simulator, needs the webhook URL first). Probing for a
 * free port and listening on it later left it to any process that bound it in between (EADDRINUSE under
 * load); a socket held from the start cannot be taken. Connections that arrive before `serve` wait,
 * paused, and are handed to the server with the socket.
 */
export interface ReservedPort {
  readonly port: number;
  /** Serves `server` on the reserved socket, with the connections that waited for it. */
  serve(server: Server): Promise<AddressInfo>;
  /** Gives the port up unserved (a start-up that failed); nothing once `serve` has taken it. */
  release(): Promise<void>;
}

/** Binds `host` on a port the system picks and holds it until `serve` or `release`. */
export function reservePort(host = '127.0.0.1'): Promise<ReservedPort> {
  return new Promise((resolve, reject) => {
    const holder = createNetServer({ pauseOnConnect: true });
    const waiting: Socket[] = [];
    const wait = (socket: Socket) => waiting.push(socket);
    holder.on('connection', wait);
    holder.once('error', reject);
    holder.listen(0, host, () => {
      holder.off('error', reject);
      const { port } = holder.address() as AddressInfo;
      let state: 'held' | 'served' | 'released' = 'held';
      resolve({
        port,
        serve: (server) =>
          new Promise((served, failed) => {
            if (state !== 'held') {
              failed(new Error(`port ${port} was already ${state}`));
              return;
            }
            state = 'served';
            server.once('error', failed);
            // The listening handle itself moves to `server` (Node's listen(handle)): the port is never free.
            server.listen(holder, () => {
              server.off('error', failed);
              holder.off('connection', wait);
              for (const socket of waiting.splice(0)) {
                server.emit('connection', socket);
                socket.resume();
              }
              served(server.address() as AddressInfo);
            });
          }),
        release: () =>
          new Promise((released) => {
            if (state !== 'held') return released();
            state = 'released';
            for (const socket of waiting.splice(0)) socket.destroy();
            holder.close(() => released());
          }),
      });
    });
  });
}
