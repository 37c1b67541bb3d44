import { subscribe } from 'node:diagnostics_channel';
import { STATUS_CODES } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { type Dispatcher, request } from 'undici';

/** The part of `fetch` the HTTP transport uses; the global `fetch` is one. */
export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: string | undefined; signal: AbortSignal },
) => Promise<ResponseLike>;

interface ResponseLike {
  readonly ok: boolean;
  readonly status: number;
  readonly statusText: string;
  readonly headers: { get(name: string): string | null };
  readonly body: { cancel(): unknown } | null;
  text(): Promise<string>;
}

/**
 * `FetchLike` over undici's `request`: the same keep-alive HTTP/1.1 client Node's `fetch` is built on,
 * without the WHATWG stream and Response layers, which cost about 190 µs of CPU per call — the larger
 * part of reading a run for every webhook (bench/pipeline.bench.ts). Redirects are not followed: the
 * Databricks REST API does not redirect.
 */
export const undiciFetch: FetchLike = async (url, init) =>
  new UndiciResponse(
    await request(url, {
      method: init.method as 'GET',
      headers: init.headers,
      body: init.body,
      signal: init.signal,
    }),
  );

// Undocumented in our client's API, documented by undici as its diagnostics channels: which socket each
// request was written to, whether a response began, and the error a request ended with. Node's own
// `fetch` is undici too and publishes on the same channels.
const socketWrites = new WeakMap<object, number>();
const sentOnReusedSocket = new WeakSet<object>();
const resetsOfReusedConnections = new WeakSet<object>();
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);

subscribe('undici:client:sendHeaders', (message) => {
  const { request, socket } = message as { request: object; socket: object };
  const writes = (socketWrites.get(socket) ?? 0) + 1;
  socketWrites.set(socket, writes);
  if (writes > 1) sentOnReusedSocket.add(request);
});
subscribe('undici:request:headers', (message) => {
  sentOnReusedSocket.delete((message as { request: object }).request);
});
subscribe('undici:request:error', (message) => {
  const { request, error } = message as { request: object; error: unknown };
  const code = (error as { code?: unknown } | null)?.code;
  if (sentOnReusedSocket.has(request) && typeof code === 'string' && RESET_CODES.has(code) && error) {
    resetsOfReusedConnections.add(error);
  }
});

/**
 * True when `error` (or its cause) is a keep-alive connection, already used for earlier calls, that
 * was reset or closed before the answer began: the server closed it while idle just as the request was
 * written, so the request was never acted on (the case Node documents under `request.reusedSocket`).
 */
export function isResetOfReusedConnection(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth++) {
    if (resetsOfReusedConnections.has(current)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/** A `ResponseLike` over undici's response data: methods on a class, not closures made per call. */
class UndiciResponse implements ResponseLike {
  readonly ok: boolean;
  readonly status: number;
  readonly statusText: string;
  readonly headers: UndiciHeaders;
  readonly body: UndiciBody;

  constructor(response: Dispatcher.ResponseData) {
    this.status = response.statusCode;
    this.ok = this.status >= 200 && this.status < 300;
    this.statusText = STATUS_CODES[this.status] ?? '';
    this.headers = new UndiciHeaders(response.headers);
    this.body = new UndiciBody(response.body);
  }

  text(): Promise<string> {
    return this.body.readable.text();
  }
}

class UndiciHeaders {
  constructor(readonly raw: IncomingHttpHeaders) {}

  get(name: string): string | null {
    const value = this.raw[name.toLowerCase()];
    return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
  }
}

class UndiciBody {
  constructor(readonly readable: Dispatcher.ResponseData['body']) {}

  cancel(): void {
    this.readable.destroy();
  }
}
