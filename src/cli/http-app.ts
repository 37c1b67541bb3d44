import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export type Listener = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface Route {
  /** Exact path, or a prefix ending in `/` (`/console/`); the first match in order wins. */
  path: string;
  listener: Listener;
}

export interface HttpAppOptions {
  routes: readonly Route[];
  metrics?: Registry;
  /** Reports readiness of what the process depends on (store, queue, workspace). */
  ready?: () => Promise<{ ok: boolean; checks: Record<string, string> }>;
  onError?: (error: unknown, req: IncomingMessage) => void;
}

/**
 * The one HTTP server `dbxops start` listens with: the console, `/slack/events`, `/api/messages`
 * (Teams), the Databricks webhook endpoint, `/metrics` and health checks share `PORT`.
 */
export function createHttpApp(options: HttpAppOptions): Server {
  return createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const reply = (status: number, body: string, type = 'text/plain; charset=utf-8') => {
      if (res.headersSent) return;
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    const handle = async () => {
      if (path === '/healthz') return reply(200, 'ok\n');
      if (path === '/readyz') {
        const state = options.ready ? await options.ready() : { ok: true, checks: {} };
        return reply(state.ok ? 200 : 503, JSON.stringify(state), 'application/json');
      }
      if (path === '/metrics' && options.metrics) {
        return reply(200, await options.metrics.metrics(), options.metrics.contentType);
      }
      const route = options.routes.find((r) =>
        r.path.endsWith('/') ? path.startsWith(r.path) || path === r.path.slice(0, -1) : path === r.path,
      );
      if (!route) return reply(404, JSON.stringify({ error: 'not_found', path }), 'application/json');
      await route.listener(req, res);
    };
    handle().catch((error: unknown) => {
      options.onError?.(error, req);
      // Never a stack trace to the caller.
      reply(500, JSON.stringify({ error: 'internal_error' }), 'application/json');
    });
  });
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
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      req.resume();
      return null;
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** A port nothing listens on right now (for `PORT=0`, when the port must be known before listening). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.unref();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}
