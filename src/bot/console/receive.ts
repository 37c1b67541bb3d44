import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Clock } from '../../domain/clock.js';
import type { ChatRequest } from '../../handlers/chat-request.js';
import { HELP_TEXT } from '../../handlers/help-text.js';
import {
  type OversizedInput,
  oversizedInputRefusal,
  oversizedInputText,
} from '../../handlers/input-limits.js';
import type { ChannelLog, ConsoleChannel, StoredMessage } from './channel-log.js';
import {
  type ConsoleAuthenticator,
  type ConsoleAuthRefusal,
  type ConsoleIdentity,
  loginPostSchema,
} from './console-auth.js';
import type { EventStream } from './event-stream.js';
import type { WorkspaceStatus } from './workspace-status.js';
import { CONSOLE_CHANNEL_ID } from './ids.js';
import { CONTENT_SECURITY_POLICY, type PageAsset } from './page-assets.js';
import { messageJson } from './render.js';
import { type ConsoleOutcome, ephemeralText, type ResponseOrigin, type TextOutcome } from './respond.js';
import {
  actionPostSchema,
  buttonRequest,
  composerPostSchema,
  composerRequest,
  consoleActor,
  foreignSlashCommand,
} from './translate.js';

/**
 * A `node:http` request listener, the shape `src/app/http-app.ts` mounts (declared here because `bot`
 * may not import `cli`; the two are structurally the same type).
 */
export type Listener = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface ConsoleListenerOptions {
  readonly log: ChannelLog;
  readonly events: EventStream;
  readonly assets: ReadonlyMap<string, PageAsset>;
  readonly clock: Clock;
  readonly logger: Logger;
  /**
   * Who a request acts as. Every `/api/` path but login and logout needs an identity; the page and
   * its assets do not (they hold nothing but code).
   */
  readonly auth: ConsoleAuthenticator;
  /** What the header says about the watched workspace (`GET /api/status`). */
  readonly status: () => WorkspaceStatus | Promise<WorkspaceStatus>;
  /** Calls the chat handler and carries out its response. */
  readonly handle: (request: ChatRequest, origin: ResponseOrigin) => Promise<ConsoleOutcome>;
  /**
   * Like `handle`, answering the replies as plain text for a program rather than a page: what
   * `POST /api/kill-switch` (the `dbxops remediation kill-switch` command line) reads.
   */
  readonly handleForText: (request: ChatRequest, origin: ResponseOrigin) => Promise<TextOutcome>;
  /**
   * Host names the console answers to (default: `localhost`, `127.0.0.1`, `::1`). A web page elsewhere
   * cannot reach the console through DNS rebinding; `['*']` turns the check off. Never authentication:
   * the client chooses its Host header.
   */
  readonly allowedHosts?: readonly string[] | undefined;
  /** Largest request body (default 64 KB); larger gets 413. */
  readonly bodyLimitBytes?: number | undefined;
}

const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '::1'];
/** A login body is a name and a password; anything near this size is not one. */
const LOGIN_BODY_LIMIT = 4_096;
const LOGIN_PAGE = '/login';
const LOGIN_ONLY_ASSETS = new Set([LOGIN_PAGE, '/login.js']);

type Reply = (status: number, body: unknown, headers?: Record<string, string>) => void;

/**
 * The console's HTTP listener, mounted at `/`: the page and its assets, the JSON API and the event
 * stream. Every body is capped and validated; every error is JSON with a stable `error` code.
 */
export function createConsoleListener(options: ConsoleListenerOptions): Listener {
  const bodyLimit = options.bodyLimitBytes ?? 65_536;
  const allowed = (options.allowedHosts ?? LOOPBACK_HOSTS).map((h) => h.toLowerCase());
  const log = options.logger.child({ module: 'console' });

  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://console.invalid');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    setCommonHeaders(res);
    const reply: Reply = (status, body, headers = {}) => {
      if (res.headersSent) return;
      res.writeHead(status, {
        ...headers,
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
    const loginMode = options.auth.kind === 'login';

    const asset = LOGIN_ONLY_ASSETS.has(path) && !loginMode ? undefined : options.assets.get(path);
    if (asset !== undefined) {
      if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed(res, 'GET, HEAD');
      // Straight to the form when signed out, straight to the console when signed in.
      if (loginMode && (path === '/' || path === LOGIN_PAGE)) {
        const signedIn = options.auth.identify(req).ok;
        if (path === '/' && !signedIn) return redirect(res, LOGIN_PAGE);
        if (path === LOGIN_PAGE && signedIn) return redirect(res, '/');
      }
      res.writeHead(200, { 'content-type': asset.type, 'cache-control': 'no-cache' });
      res.end(method === 'HEAD' ? undefined : asset.body);
      return;
    }

    if (path === '/api/login' && loginMode) {
      if (method !== 'POST') return methodNotAllowed(res, 'POST');
      const body = await readJson(req, LOGIN_BODY_LIMIT, reply);
      if (body === undefined) return;
      const post = parse(loginPostSchema, body, reply);
      if (post === undefined) return;
      const outcome = await options.auth.login(req, post);
      if (!outcome.ok) {
        // Not the typed name: people type passwords into the name field.
        log.info({ error: outcome.error }, 'console sign-in refused');
        return refuse(reply, outcome, false);
      }
      log.info({ user: outcome.identity.user }, 'console sign-in');
      return reply(200, { ok: true, user: outcome.identity.user }, { 'set-cookie': outcome.cookie });
    }

    if (path === '/api/logout' && loginMode) {
      if (method !== 'POST') return methodNotAllowed(res, 'POST');
      const body = await readJson(req, LOGIN_BODY_LIMIT, reply);
      if (body === undefined) return;
      return reply(200, { ok: true }, { 'set-cookie': options.auth.logout(req) });
    }

    if (!path.startsWith('/api/'))
      return reply(404, { error: 'not_found', message: `Nothing at ${path.slice(0, 200)}.` });
    const identified = options.auth.identify(req);
    if (!identified.ok) return refuse(reply, identified, loginMode);
    const identity = identified.identity;
    const user = identity.user;

    if (path === '/api/channels') {
      if (method !== 'GET') return methodNotAllowed(res, 'GET');
      const [channels, counts] = await Promise.all([options.log.channels(), options.log.counts()]);
      return reply(200, {
        user,
        auth: options.auth.kind,
        channels: channels.map((c) => ({ ...c, messageCount: counts.get(c.id) ?? 0 })),
      });
    }

    if (path === '/api/status') {
      if (method !== 'GET') return methodNotAllowed(res, 'GET');
      return reply(200, await options.status());
    }

    const messagesPath = /^\/api\/channels\/([^/]+)\/messages$/.exec(path);
    if (messagesPath !== null) {
      if (method !== 'GET') return methodNotAllowed(res, 'GET');
      const channel = await channelOf(options.log, decodeSegment(messagesPath[1] ?? ''));
      if (channel === undefined) return reply(404, { error: 'unknown_channel', message: 'No such channel.' });
      const messages = await options.log.messages(channel.id);
      const now = options.clock.now();
      return reply(200, { channel, messages: messages.map((m) => messageJson(m, now)) });
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

    // `dbxops remediation kill-switch` against a running dbxops: the embedded mode keeps the switch in
    // its own in-memory store, which no other process can open. The same `/dbx kill-switch` command runs,
    // as this console user, with the same rights; its answer comes back as text.
    if (path === '/api/kill-switch') {
      if (method !== 'POST') return methodNotAllowed(res, 'POST');
      const body = await readJson(req, LOGIN_BODY_LIMIT, reply, oversizedInputText('command'));
      if (body === undefined) return;
      const post = parse(killSwitchPostSchema, body, reply, 'command');
      if (post === undefined) return;
      const dm = await options.log.channel('dm');
      if (dm === undefined) return reply(404, { error: 'unknown_channel', message: 'No such channel.' });
      const text = `/dbx kill-switch ${post.state}${post.reason ? ` ${post.reason}` : ''}`;
      const request = composerRequest(
        { channelId: dm.id, text, requestId: post.requestId },
        { ...identity, channel: dm, nowMs: options.clock.now() },
      );
      log.info({ state: post.state, user }, 'kill switch from the command line');
      return reply(200, await options.handleForText(request, { channelId: dm.id }));
    }

    if (path === '/api/home') {
      if (method !== 'GET') return methodNotAllowed(res, 'GET');
      const now = options.clock.now();
      const request: ChatRequest = {
        kind: 'home',
        actor: consoleActor({ user, email: identity.email }),
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
      // The one large field of each is the command's text or the button's value: say which was too long.
      const what: OversizedInput = path === '/api/actions' ? 'button' : 'command';
      const body = await readJson(req, bodyLimit, reply, oversizedInputText(what));
      if (body === undefined) return;
      return what === 'button' ? action(body, identity, reply) : composer(body, identity, reply);
    }

    return reply(404, { error: 'not_found', message: `Nothing at ${path.slice(0, 200)}.` });
  };

  async function composer(body: unknown, identity: ConsoleIdentity, reply: Reply): Promise<void> {
    const user = identity.user;
    const post = parse(composerPostSchema, body, reply, 'command');
    if (post === undefined) return;
    const channel = await options.log.channel(post.channelId);
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
    const request = composerRequest(post, { ...identity, channel, nowMs });
    let parent: StoredMessage | undefined;
    if (request.kind === 'question') {
      // A person's question is part of the conversation, so it is shown to everyone, once per send: a
      // send repeated (to this web process or another) finds the message the first one posted.
      parent = await options.log.post(
        channel.id,
        user,
        { kind: 'text', text: post.text },
        { requestKey: post.requestId },
      );
    }
    const threaded =
      parent === undefined
        ? request
        : { ...request, conversation: { ...request.conversation, threadId: parent.id } };
    log.debug({ kind: request.kind, channel: channel.id, user }, 'console request');
    reply(200, await options.handle(threaded, { channelId: channel.id, threadParent: parent }));
  }

  async function action(body: unknown, identity: ConsoleIdentity, reply: Reply): Promise<void> {
    const user = identity.user;
    const post = parse(actionPostSchema, body, reply, 'button');
    if (post === undefined) return;
    const channel = await options.log.channel(post.channelId);
    if (channel === undefined) return reply(404, { error: 'unknown_channel', message: 'No such channel.' });
    // A card that scrolled out of history still gets its click answered; replies then go to the channel.
    const parent = await options.log.find(channel.id, post.messageId);
    const request = buttonRequest(post, { ...identity, channel, nowMs: options.clock.now() });
    log.debug({ actionId: post.actionId, channel: channel.id, user }, 'console button');
    reply(200, await options.handle(request, { channelId: channel.id, threadParent: parent }));
  }
}

/** What `dbxops remediation kill-switch` posts: the state, and why (a reason of one line). */
const killSwitchPostSchema = z
  .object({
    state: z.enum(['on', 'off', 'status']),
    reason: z.string().max(500).optional(),
    requestId: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, { message: 'must be 8–64 letters, digits, _ or -' }),
  })
  .strict();

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

/** 401/403/429 with a stable code; in login mode the body says where to sign in (the page goes there). */
function refuse(reply: Reply, refusal: ConsoleAuthRefusal, loginMode: boolean): void {
  reply(
    refusal.status,
    {
      error: refusal.error,
      message: refusal.message,
      ...(loginMode && refusal.status === 401 ? { login: LOGIN_PAGE } : {}),
    },
    refusal.retryAfterSeconds === undefined ? {} : { 'retry-after': String(refusal.retryAfterSeconds) },
  );
}

function redirect(res: ServerResponse, location: string): void {
  res.writeHead(303, { location, 'cache-control': 'no-store' });
  res.end();
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

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return '';
  }
}

async function channelOf(log: ChannelLog, id: string): Promise<ConsoleChannel | undefined> {
  return CONSOLE_CHANNEL_ID.test(id) ? log.channel(id) : undefined;
}

/**
 * Reads a JSON body or answers: 415 unless `application/json` (which also makes a browser on another
 * site ask first, and we never say yes), 403 for another site's origin, 413 over the cap (saying
 * `tooLarge` when given), 400 malformed.
 */
async function readJson(
  req: IncomingMessage,
  limit: number,
  reply: Reply,
  tooLarge = `Bodies are limited to ${limit} bytes.`,
): Promise<unknown> {
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
    reply(413, { error: 'payload_too_large', message: tooLarge });
    return undefined;
  }
  const body = await readBody(req, limit);
  if (body === null) {
    reply(413, { error: 'payload_too_large', message: tooLarge });
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

/** Parses a body or answers 400, saying so when the command's text or the button's value is too long. */
function parse<T>(schema: z.ZodType<T>, body: unknown, reply: Reply, what?: OversizedInput): T | undefined {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  reply(400, {
    error: 'invalid_request',
    message:
      (what === undefined ? undefined : oversizedInputRefusal(parsed.error, what)) ??
      'The request does not have the expected shape.',
    issues: parsed.error.issues
      .slice(0, 10)
      .map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
  });
  return undefined;
}
