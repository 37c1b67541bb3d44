import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { Clock } from '../../domain/clock.js';
import type { ChatRequest } from '../../handlers/chat-request.js';
import { HELP_TEXT } from '../../handlers/help-text.js';
import type { ChannelLog, ConsoleChannel, StoredMessage } from './channel-log.js';
import type { EventStream } from './event-stream.js';
import { CONSOLE_CHANNEL_ID, CONSOLE_USER } from './ids.js';
import { CONTENT_SECURITY_POLICY, type PageAsset } from './page-assets.js';
import { messageJson } from './render.js';
import { type ConsoleOutcome, ephemeralText, type ResponseOrigin } from './respond.js';
import {
  actionPostSchema,
  buttonRequest,
  composerPostSchema,
  composerRequest,
  foreignSlashCommand,
} from './translate.js';

/**
 * A `node:http` request listener, the shape `src/cli/http-app.ts` mounts (declared here because `bot`
 * may not import `cli`; the two are structurally the same type).
 */
export type Listener = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface ConsoleListenerOptions {
  readonly log: ChannelLog;
  readonly events: EventStream;
  readonly assets: ReadonlyMap<string, PageAsset>;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Calls the chat handler and carries out its response. */
  readonly handle: (request: ChatRequest, origin: ResponseOrigin) => Promise<ConsoleOutcome>;
  /**
   * Host names the console answers to (default: `localhost`, `127.0.0.1`, `::1`). A web page elsewhere
   * cannot reach a loopback console through DNS rebinding; `['*']` turns the check off behind a proxy.
   */
  readonly allowedHosts?: readonly string[] | undefined;
  /** Largest request body (default 64 KB); larger gets 413. */
  readonly bodyLimitBytes?: number | undefined;
}

/** Who a console user is when the page names nobody. */
export const DEFAULT_USER = 'you';
const USER_COOKIE = 'dbxops_user';
const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '::1'];
/** Composer sends remembered so a resent question is not shown twice (the handler dedupes its effect). */
const REMEMBERED_SENDS = 1_000;

type Reply = (status: number, body: unknown) => void;

/**
 * The console's HTTP listener, mounted at `/`: the page and its assets, the JSON API and the event
 * stream. Every body is capped and validated; every error is JSON with a stable `error` code.
 */
export function createConsoleListener(options: ConsoleListenerOptions): Listener {
  const bodyLimit = options.bodyLimitBytes ?? 65_536;
  const allowed = (options.allowedHosts ?? LOOPBACK_HOSTS).map((h) => h.toLowerCase());
  const sends = new Map<string, StoredMessage>();
  const log = options.logger.child({ module: 'console' });

  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://console.invalid');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    setCommonHeaders(res);
    const reply: Reply = (status, body) => {
      if (res.headersSent) return;
      res.writeHead(status, {
        'content-type': 'application/json; charset=utf-8',
        'cache-control': 'no-store',
      });
      res.end(JSON.stringify(body));
    };

    if (!hostAllowed(req, allowed))
      return reply(403, {
        error: 'forbidden_host',
        message: 'This console only answers on its own host name.',
      });
    const user = userOf(req, url);

    const asset = options.assets.get(path);
    if (asset !== undefined) {
      if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed(res, 'GET, HEAD');
      const headers: Record<string, string> = { 'content-type': asset.type, 'cache-control': 'no-cache' };
      const named = url.searchParams.get('user');
      if (path === '/' && named !== null && CONSOLE_USER.test(named)) {
        headers['set-cookie'] = `${USER_COOKIE}=${named}; Path=/; SameSite=Strict`;
      }
      res.writeHead(200, headers);
      res.end(method === 'HEAD' ? undefined : asset.body);
      return;
    }

    if (path === '/api/channels') {
      if (method !== 'GET') return methodNotAllowed(res, 'GET');
      return reply(200, {
        user,
        channels: options.log
          .channels()
          .map((c) => ({ ...c, messageCount: options.log.messages(c.id).length })),
      });
    }

    const messagesPath = /^\/api\/channels\/([^/]+)\/messages$/.exec(path);
    if (messagesPath !== null) {
      if (method !== 'GET') return methodNotAllowed(res, 'GET');
      const channel = channelOf(options.log, decodeSegment(messagesPath[1] ?? ''));
      if (channel === undefined) return reply(404, { error: 'unknown_channel', message: 'No such channel.' });
      const now = options.clock.now();
      return reply(200, {
        channel,
        messages: options.log.messages(channel.id).map((m) => messageJson(m, now)),
      });
    }

    if (path === '/api/events') {
      if (method !== 'GET') return methodNotAllowed(res, 'GET');
      if (!options.events.accept(res))
        return reply(503, {
          error: 'too_many_streams',
          message: 'Too many open console pages; close one and reload.',
        });
      return;
    }

    if (path === '/api/home') {
      if (method !== 'GET') return methodNotAllowed(res, 'GET');
      const now = options.clock.now();
      const request: ChatRequest = {
        kind: 'home',
        actor: { surface: 'console', userId: user, displayName: user },
        conversation: { surface: 'console', channelId: 'dm', isDirect: true },
        requestId: `home-${now}`,
        receivedAt: now,
      };
      return reply(200, await options.handle(request, { channelId: 'dm' }));
    }

    // The page posts to `/api/composer`: Teams' Bot Framework endpoint is `/api/messages` on the same
    // server, so that path reaches the console only when Teams is not mounted in front of it.
    if (path === '/api/composer' || path === '/api/messages' || path === '/api/actions') {
      if (method !== 'POST') return methodNotAllowed(res, 'POST');
      const body = await readJson(req, bodyLimit, reply);
      if (body === undefined) return;
      return path === '/api/actions' ? action(body, user, reply) : composer(body, user, reply);
    }

    return reply(404, { error: 'not_found', message: `Nothing at ${path.slice(0, 200)}.` });
  };

  async function composer(body: unknown, user: string, reply: Reply): Promise<void> {
    const post = parse(composerPostSchema, body, reply);
    if (post === undefined) return;
    const channel = options.log.channel(post.channelId);
    if (channel === undefined) return reply(404, { error: 'unknown_channel', message: 'No such channel.' });
    const nowMs = options.clock.now();
    const foreign = foreignSlashCommand(post.text);
    if (foreign !== undefined) {
      return reply(200, {
        ok: false,
        reason: 'unknown_command',
        ephemeral: [
          ephemeralText(
            `Only /dbx commands work here; ${foreign} is not one.\n\n${HELP_TEXT}`,
            'warning',
            nowMs,
          ),
        ],
      } satisfies ConsoleOutcome);
    }
    const request = composerRequest(post, { user, channel, nowMs });
    let parent: StoredMessage | undefined;
    if (request.kind === 'question') {
      // A person's question is part of the conversation, so it is shown to everyone, once per send.
      parent =
        sends.get(post.requestId) ?? options.log.post(channel.id, user, { kind: 'text', text: post.text });
      remember(post.requestId, parent);
    }
    const threaded =
      parent === undefined
        ? request
        : { ...request, conversation: { ...request.conversation, threadId: parent.id } };
    log.debug({ kind: request.kind, channel: channel.id, user }, 'console request');
    reply(200, await options.handle(threaded, { channelId: channel.id, threadParent: parent }));
  }

  async function action(body: unknown, user: string, reply: Reply): Promise<void> {
    const post = parse(actionPostSchema, body, reply);
    if (post === undefined) return;
    const channel = options.log.channel(post.channelId);
    if (channel === undefined) return reply(404, { error: 'unknown_channel', message: 'No such channel.' });
    // A card that scrolled out of history still gets its click answered; replies then go to the channel.
    const parent = options.log.find(channel.id, post.messageId);
    const request = buttonRequest(post, { user, channel, nowMs: options.clock.now() });
    log.debug({ actionId: post.actionId, channel: channel.id, user }, 'console button');
    reply(200, await options.handle(request, { channelId: channel.id, threadParent: parent }));
  }

  function remember(requestId: string, message: StoredMessage): void {
    sends.delete(requestId);
    sends.set(requestId, message);
    if (sends.size > REMEMBERED_SENDS) {
      const oldest = sends.keys().next().value;
      if (oldest !== undefined) sends.delete(oldest);
    }
  }
}

function setCommonHeaders(res: ServerResponse): void {
  res.setHeader('content-security-policy', CONTENT_SECURITY_POLICY);
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('referrer-policy', 'no-referrer');
  res.setHeader('x-frame-options', 'DENY');
  res.setHeader('cross-origin-resource-policy', 'same-origin');
}

function methodNotAllowed(res: ServerResponse, allow: string): void {
  res.writeHead(405, { allow, 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify({ error: 'method_not_allowed', message: `Use ${allow}.` }));
}

function hostAllowed(req: IncomingMessage, allowed: readonly string[]): boolean {
  if (allowed.includes('*')) return true;
  const host = req.headers.host;
  if (host === undefined) return false;
  const name = (
    host.startsWith('[') ? host.slice(1, host.indexOf(']')) : (host.split(':')[0] ?? '')
  ).toLowerCase();
  return allowed.includes(name);
}

function userOf(req: IncomingMessage, url: URL): string {
  const named = url.searchParams.get('user');
  if (named !== null && CONSOLE_USER.test(named)) return named;
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, value] = part.trim().split('=', 2);
    if (key === USER_COOKIE && value !== undefined && CONSOLE_USER.test(value)) return value;
  }
  return DEFAULT_USER;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return '';
  }
}

function channelOf(log: ChannelLog, id: string): ConsoleChannel | undefined {
  return CONSOLE_CHANNEL_ID.test(id) ? log.channel(id) : undefined;
}

/**
 * Reads a JSON body or answers: 415 unless `application/json` (which also makes a browser on another
 * site ask first, and we never say yes), 403 for another site's origin, 413 over the cap, 400 malformed.
 */
async function readJson(req: IncomingMessage, limit: number, reply: Reply): Promise<unknown> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') {
    req.resume();
    reply(415, { error: 'unsupported_media_type', message: 'Send application/json.' });
    return undefined;
  }
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== 'null' && safeHost(origin) !== req.headers.host) {
    req.resume();
    reply(403, { error: 'forbidden_origin', message: 'Requests from another site are refused.' });
    return undefined;
  }
  if (Number(req.headers['content-length'] ?? 0) > limit) {
    req.resume();
    reply(413, { error: 'payload_too_large', message: `Bodies are limited to ${limit} bytes.` });
    return undefined;
  }
  const body = await readBody(req, limit);
  if (body === null) {
    reply(413, { error: 'payload_too_large', message: `Bodies are limited to ${limit} bytes.` });
    return undefined;
  }
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    reply(400, { error: 'malformed_json', message: 'The body is not valid JSON.' });
    return undefined;
  }
}

/** The body up to `maxBytes`, or null when it is larger (the rest is drained, not buffered). */
async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      req.resume();
      return null;
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function safeHost(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}

function parse<T>(schema: z.ZodType<T>, body: unknown, reply: Reply): T | undefined {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  reply(400, {
    error: 'invalid_request',
    message: 'The request does not have the expected shape.',
    issues: parsed.error.issues
      .slice(0, 10)
      .map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
  });
  return undefined;
}
