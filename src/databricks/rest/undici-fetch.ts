import { STATUS_CODES } from 'node:http';
import { request } from 'undici';

/** The part of `fetch` the HTTP transport uses; the global `fetch` is one. */
export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: string | undefined; signal: AbortSignal },
) => Promise<ResponseLike>;

export interface ResponseLike {
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
export const undiciFetch: FetchLike = async (url, init) => {
  const response = await request(url, {
    method: init.method as 'GET',
    headers: init.headers,
    body: init.body,
    signal: init.signal,
  });
  const status = response.statusCode;
  return {
    ok: status >= 200 && status < 300,
    status,
    statusText: STATUS_CODES[status] ?? '',
    headers: {
      get: (name) => {
        const value = response.headers[name.toLowerCase()];
        return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
      },
    },
    body: { cancel: () => response.body.destroy() },
    text: () => response.body.text(),
  };
};
