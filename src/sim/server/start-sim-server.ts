import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../../domain/clock.js';
import { SimApiError } from '../engine/sim-api-error.js';
import type { SimWorkspace } from '../engine/sim-workspace.js';
import { type OAuthClient, OAuthIssuer } from './oauth.js';
import type { RouteContext, RouteResponse, SimRoute } from './route.js';
import { clusterRoutes, pipelineRoutes, queryHistoryRoutes, warehouseRoutes } from './routes-compute.js';
import { identityRoutes } from './routes-identity.js';
import { jobRoutes } from './routes-jobs.js';
import { WebhookSender } from './webhooks.js';

export interface SimServerOptions {
  workspace: SimWorkspace;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (a free port). */
  port?: number;
  /** Accepted PATs; default `['dapi-sim-0000']`. */
  tokens?: string[];
  oauthClients?: OAuthClient[];
  webhook?: { url: string; username?: string; password?: string; idsAsNumbers?: boolean };
  /** Simulated seconds per real second; 0 or undefined = the clock only moves when the caller advances it. */
  speed?: number;
  /**
   * With `speed`: the clock stands still until `startClock()`, for a caller that has more to start
   * before anyone can watch (the simulated minutes would otherwise pass during its start-up).
   */
  clockWaits?: boolean;
  /**
   * Follow this clock at 1× instead: every tick moves the simulated clock to its `now()`, so simulated
   * now equals it (the workspace's history up to it must already be played). Wins over `speed`.
   */
  wallClock?: Clock;
  /** For webhook delivery. Default global fetch. */
  fetch?: typeof fetch;
  /** Routes matched before the built-in ones (e.g. `/api/2.0/sql/statements…`). */
  extraRoutes?: SimRoute[];
  /** Largest accepted request body in bytes; default 1 MiB. */
  maxBodyBytes?: number;
}

export interface SimServerHandle {
  url: string;
  workspace: SimWorkspace;
  /** Resolves once every webhook in flight has been delivered (or given up). */
  webhooksSettled(): Promise<void>;
  /** Starts the clock at `speed` that `clockWaits` held (nothing if it runs already or has no speed). */
  startClock(): void;
  close(): Promise<void>;
}

const DEFAULT_TOKENS = ['dapi-sim-0000'];

// Fallback for statements the simulator itself runs (runaway queries); the SQL engine's routes win.
const statementCancelRoute: SimRoute = {
  method: 'POST',
  pattern: /^\/api\/2\.0\/sql\/statements\/([A-Za-z0-9-]{1,64})\/cancel$/,
  handle(ctx) {
    ctx.workspace.warehouses.cancelStatement(ctx.params[0] ?? '', ctx.user);
    return { body: {} };
  },
};

function errorBody(errorCode: string, message: string) {
  return { error_code: errorCode, message };
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  // Encoded once: measuring the text with `Buffer.byteLength` and then writing it encoded it twice,
  // and every poll of the replay reads a few of these pages.
  const bytes = Buffer.from(JSON.stringify(body));
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': bytes.length,
    ...headers,
  });
  res.end(bytes);
}

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage, max: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > max) {
      reject(new BodyTooLarge());
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        reject(new BodyTooLarge());
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * Starts an HTTP server on loopback that speaks the Databricks REST API for a simulated workspace:
 * jobs, runs, clusters, warehouses, pipelines, query history, OAuth M2M, job webhooks, and the
 * workspace's REST faults (429 with Retry-After, 503) during their windows.
 */
export async function startSimServer(opts: SimServerOptions): Promise<SimServerHandle> {
  const workspace = opts.workspace;
  const tokens = new Set(opts.tokens ?? DEFAULT_TOKENS);
  const oauth = new OAuthIssuer(opts.oauthClients ?? []);
  const maxBody = opts.maxBodyBytes ?? 1024 * 1024;
  const extra = new Set(opts.extraRoutes ?? []);
  const routes: SimRoute[] = [
    ...(opts.extraRoutes ?? []),
    ...jobRoutes,
    ...clusterRoutes,
    ...warehouseRoutes,
    ...pipelineRoutes,
    ...queryHistoryRoutes,
    ...identityRoutes,
    statementCancelRoute,
  ];
  let baseUrl = '';

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://sim.invalid');
    const method = (req.method ?? 'GET').toUpperCase();
    let raw: string;
    try {
      raw = await readBody(req, maxBody);
    } catch (error) {
      if (error instanceof BodyTooLarge) {
        send(
          res,
          413,
          errorBody('REQUEST_LIMIT_EXCEEDED', `Request body is larger than the limit of ${maxBody} bytes.`),
        );
        return;
      }
      throw error;
    }

    if (url.pathname === '/oidc/.well-known/oauth-authorization-server' && method === 'GET') {
      send(res, 200, oauth.discovery(baseUrl));
      return;
    }
    if (url.pathname === '/oidc/v1/token') {
      if (method !== 'POST') {
        send(res, 405, errorBody('BAD_REQUEST', 'Use POST.'));
        return;
      }
      const answer = oauth.token(req, raw);
      send(res, answer.status, answer.body);
      return;
    }

    const auth = req.headers.authorization;
    if (!auth?.startsWith('Bearer ')) {
      send(
        res,
        401,
        errorBody('UNAUTHENTICATED', 'Credential was not sent or was of an unsupported type for this API.'),
      );
      return;
    }
    const token = auth.slice(7).trim();
    const user = tokens.has(token) ? 'dbxops-bot@example.com' : oauth.principal(token);
    if (user === undefined) {
      send(res, 401, errorBody('UNAUTHENTICATED', 'Invalid access token.'));
      return;
    }

    const restFault = workspace.restFault();
    if (restFault?.kind === 'throttle') {
      send(
        res,
        429,
        errorBody(
          'REQUEST_LIMIT_EXCEEDED',
          `${url.pathname} RPC token bucket limit has been exceeded. Please try again later.`,
        ),
        { 'retry-after': String(restFault.retryAfterSeconds) },
      );
      return;
    }
    if (restFault?.kind === 'server_error') {
      send(
        res,
        503,
        errorBody(
          'TEMPORARILY_UNAVAILABLE',
          'The service is temporarily unavailable. Please try again later.',
        ),
        {
          'retry-after': String(restFault.retryAfterSeconds),
        },
      );
      return;
    }

    let body: Record<string, unknown> = {};
    if (raw.trim() !== '') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch {
        send(
          res,
          400,
          errorBody('MALFORMED_REQUEST', 'Invalid JSON given in the body of the request - failed to parse.'),
        );
        return;
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        send(
          res,
          400,
          errorBody('MALFORMED_REQUEST', 'Invalid JSON given in the body of the request - expected a map.'),
        );
        return;
      }
      body = parsed as Record<string, unknown>;
    }

    let pathMatched = false;
    for (const route of routes) {
      const m = route.pattern.exec(url.pathname);
      if (!m) continue;
      pathMatched = true;
      if (route.method !== method) continue;
      const ctx: RouteContext = {
        workspace,
        method,
        path: url.pathname,
        params: m.slice(1).map((p) => p ?? ''),
        query: url.searchParams,
        body,
        user,
        request: req,
      };
      // A call that changes something is a person's action (or a client's for them): it draws from the
      // people's random stream, so it does not reshuffle the scheduled workload (SimContext.byPerson).
      // The handlers act synchronously; a statement submitted through extra routes is the workload's.
      const answer: RouteResponse = await (method !== 'GET' && !extra.has(route)
        ? workspace.byPerson(() => route.handle(ctx))
        : route.handle(ctx));
      send(res, answer.status ?? 200, answer.body, answer.headers);
      return;
    }
    if (pathMatched) {
      send(res, 405, errorBody('BAD_REQUEST', `Method ${method} is not allowed for ${url.pathname}.`));
      return;
    }
    send(res, 404, errorBody('ENDPOINT_NOT_FOUND', `No API found for '${method} ${url.pathname}'`));
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (error instanceof SimApiError) {
        send(res, error.status, errorBody(error.errorCode, error.message));
        return;
      }
      // Never leak a stack trace; the simulator's own bugs look like Databricks' internal errors.
      send(res, 500, errorBody('INTERNAL_ERROR', 'An internal error occurred in the simulated workspace.'));
    });
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;

  const webhook = opts.webhook
    ? new WebhookSender(opts.webhook, workspace.workspaceId, opts.fetch ?? fetch)
    : undefined;
  const unsubscribe = webhook ? workspace.onJobRunEvent((e) => webhook.send(e)) : () => {};

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  baseUrl = `http://${host}:${address.port}`;

  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const wallClock = opts.wallClock;
  const speed = opts.speed ?? 0;
  const startClock = (): void => {
    if (timer !== undefined || closed || wallClock || speed <= 0) return;
    let last = performance.now();
    timer = setInterval(() => {
      const now = performance.now();
      workspace.advanceBy(Math.round((now - last) * speed));
      last = now;
    }, 200);
    timer.unref();
  };
  if (wallClock) {
    timer = setInterval(() => workspace.advanceTo(Math.max(workspace.now(), wallClock.now())), 200);
    timer.unref();
  } else if (!opts.clockWaits) startClock();

  return {
    url: baseUrl,
    workspace,
    webhooksSettled: () => webhook?.settled() ?? Promise.resolve(),
    startClock,
    async close() {
      closed = true;
      if (timer) clearInterval(timer);
      unsubscribe();
      await webhook?.settled();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
