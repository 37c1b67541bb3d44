import { createServer, type IncomingMessage, STATUS_CODES, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FetchLike } from '../../databricks/rest/undici-fetch.js';
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
  /**
   * Calls this simulator in-process, for a client in its own process (the replay): the same request and
   * answer as over `url` — method, URL, headers, the JSON text both ways, auth, REST faults and errors —
   * without the loopback sockets and HTTP framing between them. The server still listens on `url`.
   */
  fetch: FetchLike;
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

/** A request as the simulator reads it, whichever way it arrived (HTTP on loopback or in-process). */
interface SimRequest {
  readonly method: string;
  /** Path and query string (`/api/2.2/jobs/runs/list?limit=25`), or the whole URL. */
  readonly url: string;
  header(name: string): string | undefined;
  readonly body: string;
}

/** An answer as it goes on the wire: status, headers and the JSON text of the body. */
interface SimAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly text: string;
}

function answer(status: number, body: unknown, headers: Record<string, string> = {}): SimAnswer {
  return { status, headers: { 'content-type': 'application/json', ...headers }, text: JSON.stringify(body) };
}

function send(res: ServerResponse, reply: SimAnswer): void {
  // Encoded once: measuring the text with `Buffer.byteLength` and then writing it encoded it twice,
  // and every poll of the replay reads a few of these pages.
  const bytes = Buffer.from(reply.text);
  res.writeHead(reply.status, { ...reply.headers, 'content-length': bytes.length });
  res.end(bytes);
}

// Never leak a stack trace; the simulator's own bugs look like Databricks' internal errors.
const INTERNAL_ERROR = answer(
  500,
  errorBody('INTERNAL_ERROR', 'An internal error occurred in the simulated workspace.'),
);

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

function headerOf(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/**
 * The simulator's answer as a `fetch` response: what the REST client reads of one (status, headers,
 * the body's text). Undici's own response carries a stream; this one already holds the whole text.
 */
class InProcessResponse {
  readonly ok: boolean;
  readonly statusText: string;
  readonly headers: { get(name: string): string | null };
  readonly body = { cancel: (): void => {} };

  constructor(
    readonly status: number,
    headers: Readonly<Record<string, string>>,
    private readonly content: string,
  ) {
    this.ok = status >= 200 && status < 300;
    this.statusText = STATUS_CODES[status] ?? '';
    const byName = new Map(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
    this.headers = { get: (name) => byName.get(name.toLowerCase()) ?? null };
  }

  text(): Promise<string> {
    return Promise.resolve(this.content);
  }
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
  const tooLarge = answer(
    413,
    errorBody('REQUEST_LIMIT_EXCEEDED', `Request body is larger than the limit of ${maxBody} bytes.`),
  );

  /** Everything after the body is read: auth, REST faults, routing and the route's answer. */
  const route = async (req: SimRequest): Promise<SimAnswer> => {
    const url = new URL(req.url, 'http://sim.invalid');
    const method = req.method.toUpperCase();
    const raw = req.body;
    if (url.pathname === '/oidc/.well-known/oauth-authorization-server' && method === 'GET') {
      return answer(200, oauth.discovery(baseUrl));
    }
    if (url.pathname === '/oidc/v1/token') {
      if (method !== 'POST') return answer(405, errorBody('BAD_REQUEST', 'Use POST.'));
      const token = oauth.token(req.header('authorization'), raw);
      return answer(token.status, token.body);
    }

    const auth = req.header('authorization');
    if (!auth?.startsWith('Bearer ')) {
      return answer(
        401,
        errorBody('UNAUTHENTICATED', 'Credential was not sent or was of an unsupported type for this API.'),
      );
    }
    const token = auth.slice(7).trim();
    const user = tokens.has(token) ? 'dbxops-bot@example.com' : oauth.principal(token);
    if (user === undefined) return answer(401, errorBody('UNAUTHENTICATED', 'Invalid access token.'));

    const restFault = workspace.restFault();
    if (restFault?.kind === 'throttle') {
      return answer(
        429,
        errorBody(
          'REQUEST_LIMIT_EXCEEDED',
          `${url.pathname} RPC token bucket limit has been exceeded. Please try again later.`,
        ),
        { 'retry-after': String(restFault.retryAfterSeconds) },
      );
    }
    if (restFault?.kind === 'server_error') {
      return answer(
        503,
        errorBody(
          'TEMPORARILY_UNAVAILABLE',
          'The service is temporarily unavailable. Please try again later.',
        ),
        { 'retry-after': String(restFault.retryAfterSeconds) },
      );
    }

    let body: Record<string, unknown> = {};
    if (raw.trim() !== '') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch {
        return answer(
          400,
          errorBody('MALFORMED_REQUEST', 'Invalid JSON given in the body of the request - failed to parse.'),
        );
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        return answer(
          400,
          errorBody('MALFORMED_REQUEST', 'Invalid JSON given in the body of the request - expected a map.'),
        );
      }
      body = parsed as Record<string, unknown>;
    }

    let pathMatched = false;
    for (const candidate of routes) {
      const m = candidate.pattern.exec(url.pathname);
      if (!m) continue;
      pathMatched = true;
      if (candidate.method !== method) continue;
      const ctx: RouteContext = {
        workspace,
        method,
        path: url.pathname,
        params: m.slice(1).map((p) => p ?? ''),
        query: url.searchParams,
        body,
        user,
      };
      // A call that changes something is a person's action (or a client's for them): it draws from the
      // people's random stream, so it does not reshuffle the scheduled workload (SimContext.byPerson).
      // The handlers act synchronously; a statement submitted through extra routes is the workload's.
      const routed: RouteResponse = await (method !== 'GET' && !extra.has(candidate)
        ? workspace.byPerson(() => candidate.handle(ctx))
        : candidate.handle(ctx));
      return answer(routed.status ?? 200, routed.body, routed.headers);
    }
    if (pathMatched) {
      return answer(405, errorBody('BAD_REQUEST', `Method ${method} is not allowed for ${url.pathname}.`));
    }
    return answer(404, errorBody('ENDPOINT_NOT_FOUND', `No API found for '${method} ${url.pathname}'`));
  };

  const respondTo = async (req: SimRequest): Promise<SimAnswer> => {
    try {
      return await route(req);
    } catch (error) {
      if (error instanceof SimApiError)
        return answer(error.status, errorBody(error.errorCode, error.message));
      return INTERNAL_ERROR;
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let body: string;
    try {
      body = await readBody(req, maxBody);
    } catch (error) {
      if (error instanceof BodyTooLarge) {
        send(res, tooLarge);
        return;
      }
      throw error;
    }
    send(
      res,
      await respondTo({
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        header: (name) => headerOf(req, name),
        body,
      }),
    );
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (res.headersSent) res.destroy();
      else send(res, INTERNAL_ERROR);
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

  const inProcessFetch: FetchLike = async (url, init) => {
    init.signal.throwIfAborted();
    const body = init.body ?? '';
    const headers = new Map(Object.entries(init.headers).map(([name, value]) => [name.toLowerCase(), value]));
    const reply =
      Buffer.byteLength(body) > maxBody
        ? tooLarge
        : await respondTo({ method: init.method, url, header: (name) => headers.get(name), body });
    return new InProcessResponse(reply.status, reply.headers, reply.text);
  };

  return {
    url: baseUrl,
    fetch: inProcessFetch,
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
