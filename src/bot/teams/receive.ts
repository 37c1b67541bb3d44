import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpMethod, HttpRouteHandler, IHttpServerAdapter } from '@microsoft/teams.apps';
import type { Logger } from 'pino';

/**
 * The Teams SDK's HTTP seam, bridged to dbxops' one server. The SDK registers its messaging endpoint
 * here (and runs Bot Framework JWT validation inside the handler it registers); it never listens on a
 * port of its own. `listener` is what `/api/messages` is mounted with.
 */
export class BridgeHttpAdapter implements IHttpServerAdapter {
  #handler: HttpRouteHandler | undefined;
  readonly #path: string;

  constructor(path = '/api/messages') {
    this.#path = path;
  }

  registerRoute(method: HttpMethod, path: string, handler: HttpRouteHandler): void {
    if (method === 'POST' && path === this.#path) this.#handler = handler;
  }

  get handler(): HttpRouteHandler | undefined {
    return this.#handler;
  }
}

export interface TeamsListenerOptions {
  readonly adapter: BridgeHttpAdapter;
  /** Resolves once the SDK registered its route. */
  readonly ready: Promise<void>;
  readonly logger: Logger;
  /** Largest body accepted (default 1 MB; Teams caps a message near 100 KB). */
  readonly bodyLimitBytes?: number;
}

const json = (res: ServerResponse, status: number, body: unknown) => {
  if (res.headersSent) return;
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
};

/** Reads the body up to `limit` bytes; `null` when it is larger. */
async function readLimited(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * The `node:http` listener for `POST /api/messages`: reads and parses the JSON activity, then hands it
 * with its headers to the SDK's handler, whose `{ status, body }` becomes the response (401 for a missing
 * or bad Bot Framework token, the invoke response for an invoke).
 */
export function createTeamsListener(
  options: TeamsListenerOptions,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const limit = options.bodyLimitBytes ?? 1_048_576;
  return async (req, res) => {
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST' }).end();
      return;
    }
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/json') {
      json(res, 415, { error: 'Send the activity as application/json.' });
      return;
    }
    const raw = await readLimited(req, limit);
    if (raw === null) {
      json(res, 413, { error: `The activity is larger than ${limit} bytes.` });
      req.resume();
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      json(res, 400, { error: 'The body is not JSON.' });
      return;
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      json(res, 400, { error: 'The body is not an activity.' });
      return;
    }
    await options.ready;
    const handler = options.adapter.handler;
    if (handler === undefined) {
      options.logger.error('the Teams SDK registered no messaging endpoint');
      json(res, 503, { error: 'Teams is not ready.' });
      return;
    }
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(req.headers)) if (value !== undefined) headers[name] = value;
    const response = await handler({ body, headers });
    json(res, response.status, response.body);
  };
}
