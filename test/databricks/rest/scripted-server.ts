import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the fake workspace saw: one entry per request. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
}

/** One scripted reply; `hang` never answers (for timeouts), `destroy` drops the connection. */
export type ScriptedReply =
  | { status: number; body?: string | object; headers?: Record<string, string> }
  | { hang: true }
  | { destroy: true };

export type Responder = (req: RecordedRequest) => ScriptedReply;

/**
 * A loopback HTTP server that plays Databricks' wire behaviour (error bodies, Retry-After, hangs) for
 * transport tests. Replies come from a queue, then from `fallback`.
 */
export class ScriptedServer {
  readonly requests: RecordedRequest[] = [];
  readonly #queue: ScriptedReply[] = [];
  #fallback: Responder = () => ({ status: 200, body: {} });
  readonly #server: Server;
  readonly #hanging = new Set<ServerResponse>();
  url = '';

  constructor() {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://127.0.0.1');
        const recorded: RecordedRequest = {
          method: req.method ?? 'GET',
          path: url.pathname,
          query: url.searchParams,
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        };
        this.requests.push(recorded);
        const reply = this.#queue.shift() ?? this.#fallback(recorded);
        if ('hang' in reply) {
          this.#hanging.add(res);
          return;
        }
        if ('destroy' in reply) {
          req.socket.destroy();
          return;
        }
        const body = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body ?? {});
        const contentType = typeof reply.body === 'string' ? 'text/plain' : 'application/json';
        res.writeHead(reply.status, { 'content-type': contentType, ...reply.headers });
        res.end(body);
      });
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    const { port } = this.#server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    return this;
  }

  /** Queues replies for the next requests, in order. */
  reply(...replies: ScriptedReply[]): void {
    this.#queue.push(...replies);
  }

  /** Answers every request not covered by the queue. */
  otherwise(responder: Responder): void {
    this.#fallback = responder;
  }

  reset(): void {
    this.requests.length = 0;
    this.#queue.length = 0;
    this.#fallback = () => ({ status: 200, body: {} });
    for (const res of this.#hanging) res.destroy();
    this.#hanging.clear();
  }

  async close(): Promise<void> {
    for (const res of this.#hanging) res.destroy();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
