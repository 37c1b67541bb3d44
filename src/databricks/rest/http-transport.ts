import { type FetchLike, isResetOfReusedConnection, undiciFetch } from './undici-fetch.js';
import { setTimeout as delay } from 'node:timers/promises';
import type { z } from 'zod';
import { type Clock, systemClock } from '../../domain/clock.js';
import type { AuthProvider } from '../auth/auth-provider.js';
import { redactSecretText } from '../../domain/redact-secrets.js';
import { classifyError, DatabricksApiError, parseErrorBody } from './databricks-api-error.js';
import { parseDatabricksJson } from './databricks-json.js';
import { type QueryParams, toSearchParams } from './query-string.js';
import {
  type AttemptFailure,
  backoffDelayMs,
  DEFAULT_RETRY_POLICY,
  isRetryable,
  parseRetryAfterMs,
  type RetryPolicy,
} from './retry-policy.js';

type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One REST call. */
interface RequestOptions {
  method: HttpMethod;
  /** Path under the host, e.g. `/api/2.2/jobs/get`. */
  path: string;
  query?: QueryParams | undefined;
  /** JSON body; a `URLSearchParams` is sent as a form (the OAuth token endpoint). */
  body?: unknown;
  /** Extra headers; they are sent, never logged or echoed in errors. */
  headers?: Readonly<Record<string, string>> | undefined;
  /**
   * Whether repeating the call after an ambiguous failure (5xx, reset, timeout) is harmless.
   * Default: true for GET, false otherwise.
   */
  idempotent?: boolean | undefined;
  /** Per-attempt timeout; defaults to the transport's `timeoutMs`. */
  timeoutMs?: number | undefined;
  /** Cancels the call and any pending backoff. */
  signal?: AbortSignal | undefined;
  /** Reads a header of the successful answer (the workspace id comes only as a header). */
  onResponseHeaders?: ((get: (name: string) => string | null) => void) | undefined;
}

export type SleepFn = (ms: number, signal?: AbortSignal) => Promise<void>;

export interface HttpTransportOptions {
  /** Workspace origin, e.g. `https://adb-123.4.azuredatabricks.net` (already normalised). */
  baseUrl: string;
  auth: AuthProvider;
  /**
   * Default: undici's `request` (`undiciFetch`); tests and fakes pass a `fetch`, a replay the
   * in-process simulator's (`SimServerHandle.fetch`).
   */
  fetch?: FetchLike | undefined;
  /** Per-attempt timeout. Default 30 s. */
  timeoutMs?: number | undefined;
  retry?: Partial<RetryPolicy> | undefined;
  clock?: Clock | undefined;
  sleep?: SleepFn | undefined;
  /** [0, 1) source for backoff jitter. Default `Math.random`. */
  random?: (() => number) | undefined;
  userAgent?: string | undefined;
  /** Called before each backoff wait (for logs and metrics); carries no headers or bodies. */
  onRetry?: ((event: RetryEvent) => void) | undefined;
  /** Larger response bodies are refused as INVALID_RESPONSE. Default 64 MiB. */
  maxResponseBytes?: number | undefined;
}

/** One retry about to happen: what failed and how long the transport will wait. */
export interface RetryEvent {
  method: HttpMethod;
  path: string;
  /** The attempt that failed (1 = the first). */
  attempt: number;
  waitMs: number;
  reason: DatabricksApiError['reason'];
  status: number;
}

/** Sends Databricks REST calls with auth, timeouts, retries and typed errors. */
export interface HttpTransport {
  readonly baseUrl: string;
  /** Sends the call and validates the JSON response with `schema`; throws `DatabricksApiError`. */
  request<S extends z.ZodType>(options: RequestOptions, schema: S): Promise<z.output<S>>;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const REFUSED_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

const defaultSleep: SleepFn = (ms, signal) => delay(ms, undefined, signal ? { signal } : undefined);

function errorCodeOf(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Builds the transport every Databricks API module uses. Retries 429/503 (honouring integer
 * `Retry-After`, 1 s when absent), the SDKs' transient messages and refused connections for any method,
 * and once at once a reused keep-alive connection reset before the answer began (the server closed it
 * idle as the call was written, so never saw it); other 5xx, resets and timeouts only for idempotent
 * calls. Stops at `maxAttempts` or when the next wait would pass `deadlineMs`. After a 401 an OAuth provider is invalidated and the call repeated once.
 */
export function createHttpTransport(options: HttpTransportOptions): HttpTransport {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const fetchFn: FetchLike = options.fetch ?? undiciFetch;
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  const clock = options.clock ?? systemClock;
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  const defaultTimeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const userAgent = options.userAgent ?? 'dbxops/0.1.0';
  const maxResponseBytes = options.maxResponseBytes ?? 64 * 1024 * 1024;

  async function request<S extends z.ZodType>(req: RequestOptions, schema: S): Promise<z.output<S>> {
    const idempotent = req.idempotent ?? req.method === 'GET';
    const search = toSearchParams(req.query).toString();
    const url = `${baseUrl}${req.path}${search ? `?${search}` : ''}`;
    const started = clock.now();
    const timeoutMs = req.timeoutMs ?? defaultTimeout;
    let refreshedAuth = false;
    // Once per call: a second reset of a reused connection is no longer the idle-close race.
    let repeatedAfterReusedReset = false;
    for (let attempt = 1; ; attempt++) {
      if (req.signal?.aborted) throw cancelledError(req, attempt - 1, req.signal.reason);
      const headers: Record<string, string> = {
        accept: 'application/json',
        'user-agent': userAgent,
        ...req.headers,
      };
      let body: string | undefined;
      if (req.body instanceof URLSearchParams) {
        headers['content-type'] = 'application/x-www-form-urlencoded';
        body = req.body.toString();
      } else if (req.body !== undefined) {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(req.body);
      }
      const authorization = await options.auth.authorization(req.signal);
      if (authorization !== undefined) headers.authorization = authorization;

      // A timer cleared when the attempt ends: AbortSignal.timeout's lives out the whole timeout, holding
      // its signal, so at 2,000 requests/s some 25,000 of them were alive at any moment.
      const timeout = new AbortController();
      const timer = setTimeout(
        () => timeout.abort(new DOMException(`no response within ${timeoutMs} ms`, 'TimeoutError')),
        timeoutMs,
      );
      timer.unref();
      const timeoutSignal = timeout.signal;
      const signal = req.signal ? AbortSignal.any([req.signal, timeoutSignal]) : timeoutSignal;

      let failure: AttemptFailure;
      let error: DatabricksApiError;
      let retryAfterMs: number | undefined;
      try {
        const response = await fetchFn(url, { method: req.method, headers, body, signal });
        const declared = Number(response.headers.get('content-length') ?? '0');
        if (declared > maxResponseBytes) {
          await response.body?.cancel();
          throw apiError(req, {
            reason: 'INVALID_RESPONSE',
            message: `the response is ${declared} bytes, more than the ${maxResponseBytes} this client accepts`,
            status: response.status,
            attempts: attempt,
          });
        }
        const text = await response.text();
        if (text.length > maxResponseBytes) {
          throw apiError(req, {
            reason: 'INVALID_RESPONSE',
            message: `the response is larger than the ${maxResponseBytes} bytes this client accepts`,
            status: response.status,
            attempts: attempt,
          });
        }
        if (response.ok) {
          req.onResponseHeaders?.((name) => response.headers.get(name));
          return parseSuccess(text, schema, req, attempt);
        }
        if (response.status === 401 && options.auth.invalidate && !refreshedAuth) {
          refreshedAuth = true;
          options.auth.invalidate();
          continue;
        }
        const parsed = parseErrorBody(text, response.status, response.statusText);
        retryAfterMs = parseRetryAfterMs(response.headers.get('retry-after'));
        if (retryAfterMs === undefined && (response.status === 429 || response.status === 503)) {
          retryAfterMs = policy.defaultRetryAfterMs;
        }
        failure = { kind: 'http', status: response.status, message: parsed.message };
        error = apiError(req, {
          reason: classifyError(response.status, parsed),
          message: parsed.message,
          status: response.status,
          errorCode: parsed.errorCode,
          apiDetails: parsed.details,
          requestId: parsed.requestId ?? response.headers.get('x-request-id') ?? undefined,
          attempts: attempt,
          retryAfterMs,
        });
      } catch (caught) {
        if (caught instanceof DatabricksApiError) throw caught;
        if (req.signal?.aborted) throw cancelledError(req, attempt, caught);
        if (timeoutSignal.aborted) {
          failure = { kind: 'timeout' };
          error = apiError(req, {
            reason: 'TIMEOUT',
            message: `no response within ${timeoutMs} ms`,
            status: 0,
            attempts: attempt,
          });
        } else {
          const code = errorCodeOf(caught);
          const reusedConnectionReset = !repeatedAfterReusedReset && isResetOfReusedConnection(caught);
          if (reusedConnectionReset) repeatedAfterReusedReset = true;
          failure = {
            kind: 'network',
            refused: code !== undefined && REFUSED_CODES.has(code),
            reusedConnectionReset,
          };
          const detail = caught instanceof Error ? redactSecretText(caught.message) : 'unknown error';
          error = apiError(
            req,
            {
              reason: 'NETWORK',
              message: `could not reach the workspace (${code ?? detail})`,
              status: 0,
              attempts: attempt,
            },
            caught,
          );
        }
      } finally {
        clearTimeout(timer);
      }

      if (!isRetryable(failure, idempotent) || attempt >= policy.maxAttempts) throw error;
      // A reused connection reset before the answer is gone: the next attempt opens a new one at once.
      const wait =
        failure.kind === 'network' && failure.reusedConnectionReset
          ? 0
          : backoffDelayMs(attempt, retryAfterMs, policy, random);
      if (clock.now() - started + wait > policy.deadlineMs) throw error;
      options.onRetry?.({
        method: req.method,
        path: req.path,
        attempt,
        waitMs: wait,
        reason: error.reason,
        status: error.status,
      });
      try {
        await sleep(wait, req.signal);
      } catch (caught) {
        throw cancelledError(req, attempt, caught);
      }
    }
  }

  return { baseUrl, request };
}

function parseSuccess<S extends z.ZodType>(
  text: string,
  schema: S,
  req: RequestOptions,
  attempt: number,
): z.output<S> {
  let json: unknown = {};
  if (text.trim() !== '') {
    try {
      json = parseDatabricksJson(text);
    } catch {
      throw apiError(req, {
        reason: 'INVALID_RESPONSE',
        message: 'the workspace answered with a body that is not JSON',
        status: 200,
        attempts: attempt,
      });
    }
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ');
    throw apiError(req, {
      reason: 'INVALID_RESPONSE',
      message: `the response does not have the expected shape (${problems})`,
      status: 200,
      attempts: attempt,
    });
  }
  return parsed.data;
}

type ApiErrorInit = Omit<ConstructorParameters<typeof DatabricksApiError>[0], 'method' | 'path'>;

function apiError(req: RequestOptions, init: ApiErrorInit, cause?: unknown): DatabricksApiError {
  return new DatabricksApiError(
    { ...init, method: req.method, path: req.path },
    cause ? { cause } : undefined,
  );
}

function cancelledError(req: RequestOptions, attempts: number, cause?: unknown): DatabricksApiError {
  return apiError(
    req,
    { reason: 'CANCELLED', message: 'the caller cancelled the request', status: 0, attempts },
    cause,
  );
}
