import { z } from 'zod';
import type { Clock } from '../../domain/clock.js';
import { TeamsConnectorError } from './connector-client.js';

/** The scope of the bot's outbound token for the Bot Connector (public cloud). */
const BOT_FRAMEWORK_SCOPE = 'https://api.botframework.com/.default';

export interface BotTokenOptions {
  readonly appId: string;
  readonly appPassword: string;
  /** Single-tenant bots get their token from their tenant; multi-tenant (legacy) ones from `botframework.com`. */
  readonly tenantId?: string | undefined;
  /** The OAuth 2.0 token endpoint (default Entra's `…/{tenant}/oauth2/v2.0/token`; a local fake in tests). */
  readonly tokenUrl?: string | undefined;
  readonly fetch?: typeof fetch;
  readonly clock: Clock;
}

const tokenResponseSchema = z.looseObject({
  access_token: z.string().min(1).max(16_384),
  expires_in: z.coerce
    .number()
    .int()
    .positive()
    .max(86_400 * 7),
});

/** Renew this long before expiry, so a token never expires on its way to the connector. */
const EARLY_RENEWAL_MS = 5 * 60_000;

/**
 * The bot's outbound bearer token: OAuth 2.0 client credentials for the Bot Framework scope, cached
 * until five minutes before it expires, one request in flight at a time. Written by hand because MSAL
 * refuses a non-HTTPS authority, and the tests run the token endpoint on loopback.
 */
export function createBotTokenProvider(options: BotTokenOptions): () => Promise<string> {
  const doFetch = options.fetch ?? globalThis.fetch;
  const url =
    options.tokenUrl ??
    `https://login.microsoftonline.com/${encodeURIComponent(options.tenantId ?? 'botframework.com')}/oauth2/v2.0/token`;
  let cached: { token: string; renewAt: number } | undefined;
  let pending: Promise<string> | undefined;

  async function request(): Promise<string> {
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: options.appId,
      client_secret: options.appPassword,
      scope: BOT_FRAMEWORK_SCOPE,
    });
    let res: Response;
    try {
      res = await doFetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
        signal: AbortSignal.timeout(15_000),
      });
    } catch (error) {
      throw new TeamsConnectorError(
        'network',
        'The Teams token endpoint could not be reached.',
        { operation: 'token' },
        { cause: error },
      );
    }
    const text = await res.text();
    if (!res.ok) {
      // 400/401 here means a wrong app id or password: retrying will not help, the message says what to fix.
      const reason =
        res.status === 429 ? 'rate_limited' : res.status >= 500 ? 'server_error' : 'unauthorized';
      throw new TeamsConnectorError(
        reason,
        `The Teams token endpoint answered HTTP ${res.status}; check TEAMS_APP_ID, TEAMS_APP_PASSWORD and TEAMS_TENANT_ID.`,
        { operation: 'token', statusCode: res.status },
      );
    }
    let parsed: z.infer<typeof tokenResponseSchema>;
    try {
      parsed = tokenResponseSchema.parse(JSON.parse(text));
    } catch (error) {
      throw new TeamsConnectorError(
        'server_error',
        'The Teams token endpoint answered without a usable token.',
        { operation: 'token' },
        { cause: error },
      );
    }
    const now = options.clock.now();
    cached = {
      token: parsed.access_token,
      renewAt: now + Math.max(0, parsed.expires_in * 1000 - EARLY_RENEWAL_MS),
    };
    return parsed.access_token;
  }

  return async () => {
    if (cached !== undefined && options.clock.now() < cached.renewAt) return cached.token;
    pending ??= request().finally(() => {
      pending = undefined;
    });
    return pending;
  };
}
