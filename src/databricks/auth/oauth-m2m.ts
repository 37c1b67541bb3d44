import { z } from 'zod';
import { type Clock, systemClock } from '../../domain/clock.js';
import { createHttpTransport, type SleepFn } from '../rest/http-transport.js';
import type { RetryPolicy } from '../rest/retry-policy.js';
import { type AuthProvider, noAuth } from './auth-provider.js';

const tokenResponse = z.looseObject({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  expires_in: z.coerce.number().positive().optional(),
});

export interface OAuthM2MOptions {
  /** Normalised workspace origin. */
  host: string;
  clientId: string;
  clientSecret: string;
  fetch?: typeof fetch | undefined;
  clock?: Clock | undefined;
  sleep?: SleepFn | undefined;
  random?: (() => number) | undefined;
  retry?: Partial<RetryPolicy> | undefined;
  timeoutMs?: number | undefined;
  /** Refresh this long before `expires_in` runs out. Default 60 s (capped at half the lifetime). */
  refreshLeewayMs?: number | undefined;
}

const DEFAULT_LIFETIME_S = 3600;

/**
 * OAuth machine-to-machine (service principal) credentials: `POST {host}/oidc/v1/token` with
 * `grant_type=client_credentials&scope=all-apis` and HTTP Basic client auth, as databricks-sdk-py does.
 * The access token is cached until shortly before it expires; concurrent callers share one fetch;
 * `invalidate()` (the transport calls it after a 401) forces a new token.
 */
export function oauthM2MAuth(options: OAuthM2MOptions): AuthProvider {
  const clock = options.clock ?? systemClock;
  const leeway = options.refreshLeewayMs ?? 60_000;
  const transport = createHttpTransport({
    baseUrl: options.host,
    auth: noAuth,
    fetch: options.fetch,
    clock,
    sleep: options.sleep,
    random: options.random,
    retry: options.retry,
    timeoutMs: options.timeoutMs,
  });
  // RFC 6749 §2.3.1: form-encode id and secret before Basic (what the Go SDK's oauth2 package does);
  // a no-op for the UUIDs and alphanumeric secrets Databricks issues.
  const credentials = `${encodeURIComponent(options.clientId)}:${encodeURIComponent(options.clientSecret)}`;
  const basic = `Basic ${Buffer.from(credentials).toString('base64')}`;
  let cached: { header: string; refreshAt: number } | undefined;
  let inflight: Promise<string> | undefined;

  async function fetchToken(signal?: AbortSignal): Promise<string> {
    const response = await transport.request(
      {
        method: 'POST',
        path: '/oidc/v1/token',
        body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'all-apis' }),
        headers: { authorization: basic },
        // Asking for a token twice has no side effect.
        idempotent: true,
        signal,
      },
      tokenResponse,
    );
    const lifetimeMs = (response.expires_in ?? DEFAULT_LIFETIME_S) * 1000;
    const header = `Bearer ${response.access_token}`;
    cached = { header, refreshAt: clock.now() + lifetimeMs - Math.min(leeway, lifetimeMs / 2) };
    return header;
  }

  return {
    kind: 'oauth-m2m',
    async authorization(signal) {
      if (cached && clock.now() < cached.refreshAt) return cached.header;
      inflight ??= fetchToken(signal).finally(() => {
        inflight = undefined;
      });
      return inflight;
    },
    invalidate() {
      cached = undefined;
    },
  };
}
