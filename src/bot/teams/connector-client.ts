import type { Clock } from '../../domain/clock.js';
import { DbxopsError } from '../../domain/errors.js';

export type ConnectorFailure = 'rate_limited' | 'server_error' | 'network' | 'rejected' | 'unauthorized';

/**
 * A Bot Connector call that did not succeed. `reason` drives the send queue: `rate_limited`,
 * `server_error` and `network` are retried; `rejected` (4xx: bad activity, unknown conversation, bot
 * not installed) and `unauthorized` are not.
 */
export class TeamsConnectorError extends DbxopsError {
  readonly reason: ConnectorFailure;
  readonly statusCode: number | undefined;
  /** From `Retry-After` on a 429/503, in milliseconds. */
  readonly retryAfterMs: number | undefined;

  constructor(
    reason: ConnectorFailure,
    message: string,
    details: { statusCode?: number; retryAfterMs?: number; operation: string; body?: string },
    options?: ErrorOptions,
  ) {
    super(`TEAMS_CONNECTOR_${reason.toUpperCase()}`, message, details, options);
    this.reason = reason;
    this.statusCode = details.statusCode;
    this.retryAfterMs = details.retryAfterMs;
  }
}

/** A Bot Framework activity as we send it (the connector fills in the rest). */
export interface OutgoingActivity {
  readonly type: 'message';
  readonly id?: string;
  readonly text?: string;
  readonly summary?: string;
  readonly attachments?: ReadonlyArray<{ contentType: string; content: unknown }>;
  /** Mentions named in `text` as `<at>name</at>`. */
  readonly entities?: ReadonlyArray<{
    type: 'mention';
    text: string;
    mentioned: { id: string; name: string };
  }>;
  readonly replyToId?: string;
}

export interface ConnectorClientOptions {
  readonly fetch?: typeof fetch;
  /** The bot's outbound bearer token (client credentials for `https://api.botframework.com/.default`). */
  readonly token: () => Promise<string>;
  readonly clock: Clock;
  /** Per-request timeout (default 15 s). */
  readonly timeoutMs?: number;
}

/** Longest `Retry-After` we honour as given; a larger one is capped so a send is delayed, never parked. */
const MAX_RETRY_AFTER_MS = 10 * 60_000;

/** `Retry-After` in seconds or as an HTTP date, in ms from now; undefined when absent or unreadable. */
export function parseRetryAfter(header: string | null, nowMs: number): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - nowMs;
  if (!Number.isFinite(ms)) return undefined;
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, Math.round(ms)));
}

/**
 * The Bot Connector REST API at a conversation's `serviceUrl`: send, reply, update (PUT replaces the
 * whole activity) and create a conversation. Ids are percent-encoded into the path (botbuilder does the
 * same; the Teams SDK does not, and the service accepts both).
 */
export class BotConnectorClient {
  readonly #fetch: typeof fetch;
  readonly #token: () => Promise<string>;
  readonly #clock: Clock;
  readonly #timeoutMs: number;

  constructor(options: ConnectorClientOptions) {
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#token = options.token;
    this.#clock = options.clock;
    this.#timeoutMs = options.timeoutMs ?? 15_000;
  }

  /** `POST v3/conversations/{id}/activities`: a new message (a new reply chain in a channel). */
  sendToConversation(
    serviceUrl: string,
    conversationId: string,
    activity: OutgoingActivity,
  ): Promise<{ id: string }> {
    return this.#call(
      'POST',
      serviceUrl,
      ['v3', 'conversations', conversationId, 'activities'],
      activity,
      'send',
    );
  }

  /** `POST v3/conversations/{id}/activities/{replyToId}`: an answer to an activity. */
  replyToActivity(
    serviceUrl: string,
    conversationId: string,
    replyToId: string,
    activity: OutgoingActivity,
  ): Promise<{ id: string }> {
    return this.#call(
      'POST',
      serviceUrl,
      ['v3', 'conversations', conversationId, 'activities', replyToId],
      { ...activity, replyToId },
      'reply',
    );
  }

  /** `PUT v3/conversations/{id}/activities/{activityId}`: replaces a posted message. */
  async updateActivity(
    serviceUrl: string,
    conversationId: string,
    activityId: string,
    activity: OutgoingActivity,
  ): Promise<void> {
    await this.#call(
      'PUT',
      serviceUrl,
      ['v3', 'conversations', conversationId, 'activities', activityId],
      { ...activity, id: activityId },
      'update',
    );
  }

  /** `POST v3/conversations`: opens a 1:1 chat with a user who installed the app; resolves with its id. */
  createConversation(
    serviceUrl: string,
    params: { botId: string; userId: string; tenantId: string | undefined },
  ): Promise<{ id: string }> {
    const tenant =
      params.tenantId === undefined
        ? {}
        : { tenantId: params.tenantId, channelData: { tenant: { id: params.tenantId } } };
    return this.#call(
      'POST',
      serviceUrl,
      ['v3', 'conversations'],
      { isGroup: false, bot: { id: params.botId }, members: [{ id: params.userId }], ...tenant },
      'create_conversation',
    );
  }

  /**
   * `GET v3/conversations/{id}/members/{memberId}`: one member as Teams knows them, with the e-mail and
   * UPN Microsoft Entra ID holds for them. The member id may be the `29:` id or the Entra object id.
   */
  async getMember(
    serviceUrl: string,
    conversationId: string,
    memberId: string,
    options: { readonly timeoutMs?: number } = {},
  ): Promise<unknown> {
    const text = await this.#send(
      'GET',
      serviceUrl,
      ['v3', 'conversations', conversationId, 'members', memberId],
      undefined,
      'get_member',
      options.timeoutMs,
    );
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new TeamsConnectorError('rejected', 'The Bot Connector answered a member lookup with no JSON.', {
        operation: 'get_member',
      });
    }
  }

  async #call(
    method: 'POST' | 'PUT',
    serviceUrl: string,
    path: string[],
    body: unknown,
    operation: string,
  ): Promise<{ id: string }> {
    const text = await this.#send(method, serviceUrl, path, body, operation);
    // PUT answers `{ id }` too, but an empty 200/202 is legal; the id we asked for is the answer then.
    try {
      const parsed = JSON.parse(text) as { id?: unknown };
      if (typeof parsed?.id === 'string') return { id: parsed.id };
    } catch {
      // fall through
    }
    return { id: method === 'PUT' ? (path[path.length - 1] ?? '') : '' };
  }

  /** Sends one call and returns the answer's text; every failure becomes a `TeamsConnectorError`. */
  async #send(
    method: 'GET' | 'POST' | 'PUT',
    serviceUrl: string,
    path: string[],
    body: unknown,
    operation: string,
    timeoutMs = this.#timeoutMs,
  ): Promise<string> {
    const base = serviceUrl.endsWith('/') ? serviceUrl : `${serviceUrl}/`;
    const url = new URL(path.map(encodeURIComponent).join('/'), base);
    let res: Response;
    try {
      const token = await this.#token();
      res = await this.#fetch(url, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      if (error instanceof TeamsConnectorError) throw error;
      throw new TeamsConnectorError(
        'network',
        `The Bot Connector at ${url.host} could not be reached.`,
        { operation },
        { cause: error },
      );
    }
    const text = await res.text();
    if (!res.ok) {
      const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), this.#clock.now());
      const reason: ConnectorFailure =
        res.status === 429
          ? 'rate_limited'
          : res.status >= 500 || res.status === 412
            ? 'server_error'
            : res.status === 401 || res.status === 403
              ? 'unauthorized'
              : 'rejected';
      throw new TeamsConnectorError(
        reason,
        `The Bot Connector answered HTTP ${res.status} to ${operation}.`,
        {
          operation,
          statusCode: res.status,
          ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
          body: text.slice(0, 500),
        },
      );
    }
    return text;
  }
}
