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
