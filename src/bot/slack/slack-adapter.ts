import type { IncomingMessage, ServerResponse } from 'node:http';
import { App, SocketModeReceiver, webApi } from '@slack/bolt';
import type { z } from 'zod';
import type { Logger } from '../../config/logger.js';
import type { CardView } from '../../cards/card-views.js';
import { cardViewSchema } from '../../cards/card-views.js';
import type { Env } from '../../config/env.js';
import type { Clock } from '../../domain/clock.js';
import { ConfigError } from '../../domain/errors.js';
import type {
  ChatHandler,
  ChatRequest,
  ChatResponse,
  ChatSurface,
  MessageRef,
} from '../../handlers/chat-request.js';
import { boltLogger } from './bolt-logger.js';
import { slackMessageRef } from './ids.js';
import { SlackHttpReceiver } from './receive.js';
import { SlackSender } from './send.js';
import type { Sleep } from '../channel-send-queue.js';
import { SendQueue } from './send-queue.js';
import { SlackUserDirectory } from './users.js';
import {
  blockActionsSchema,
  buttonRequest,
  commandRequest,
  messageEventSchema,
  questionRequest,
  refusalOf,
  slashCommandSchema,
} from './translate.js';

export interface SlackAdapterOptions {
  readonly env: Pick<Env, 'SLACK_BOT_TOKEN' | 'SLACK_SIGNING_SECRET' | 'SLACK_APP_TOKEN' | 'SLACK_API_URL'>;
  readonly handler: ChatHandler;
  readonly logger: Logger;
  /** The workspace's clock (simulated in the embedded mode): what cards and requests say about the workspace. */
  readonly clock: Clock;
  /** The wall clock: request signatures and their replay window, rate limits, caches. */
  readonly wallClock: Clock;
  /** The slash command we answer (default `/dbx`). */
  readonly command?: string;
  readonly sleep?: Sleep;
  /** Gap between two sends to one channel (default 1000 ms). */
  readonly minIntervalMs?: number;
  /** For `response_url` posts. */
  readonly fetch?: typeof fetch;
  /** Answer Slack only after the listener finished (tests). Default false. */
  readonly processBeforeResponse?: boolean;
}

export interface SlackAdapter {
  /** Mount at `POST /slack/events` on the shared HTTP server (HTTP mode; answers 404 in Socket Mode). */
  readonly listener: (req: IncomingMessage, res: ServerResponse) => void;
  /** Posts and updates cards for the notifier. */
  readonly surface: ChatSurface;
  readonly mode: 'http' | 'socket';
  /** Connects the Socket Mode socket; a no-op over HTTP. */
  start(): Promise<void>;
  /** Waits for queued sends, then disconnects. */
  stop(): Promise<void>;
  /** Resolves when no request is being processed and no send is queued (tests, shutdown). */
  idle(): Promise<void>;
}

/** Slack's error code (`not_in_channel`, `missing_scope`) of a failed Web API call, when it has one. */
function slackErrorCode(error: unknown): string | undefined {
  const data = (error as { data?: { error?: unknown } } | undefined)?.data;
  return typeof data?.error === 'string' && /^[a-z_]{1,64}$/.test(data.error) ? data.error : undefined;
}

/** Where a request came from, for sending its replies back. */
interface Origin {
  readonly request: ChatRequest;
  readonly userId: string;
  readonly channelId: string | undefined;
  readonly responseUrl?: string | undefined;
  /** The card a button was pressed on. */
  readonly message?: MessageRef | undefined;
  /** The thread that `inThread` replies go into. */
  readonly threadTs?: string | undefined;
  readonly homeTab?: boolean;
}

/**
 * The Slack adapter: a Bolt `App` over HTTP (our own listener, signing secret verified) or Socket Mode
 * (`SLACK_APP_TOKEN`), routing `/dbx`, card buttons, mentions, DMs and the Home tab to the handler, and
 * sending the answers through a per-channel queue that respects Slack's rate limits.
 * `SLACK_API_URL` points every Web API call at another base (a local fake in tests).
 */
export function createSlackAdapter(options: SlackAdapterOptions): SlackAdapter {
  const { env, handler, clock, wallClock } = options;
  const logger = options.logger.child({ module: 'slack' });
  const token = env.SLACK_BOT_TOKEN;
  if (token === undefined)
    throw new ConfigError('SLACK_BOT_TOKEN is required for Slack (xoxb-…).', { variable: 'SLACK_BOT_TOKEN' });
  const socket = env.SLACK_APP_TOKEN !== undefined;
  if (!socket && env.SLACK_SIGNING_SECRET === undefined) {
    throw new ConfigError(
      'SLACK_SIGNING_SECRET is required for Slack over HTTP (or set SLACK_APP_TOKEN for Socket Mode).',
      {
        variable: 'SLACK_SIGNING_SECRET',
      },
    );
  }
  const bolt = boltLogger(logger);
  // Our queue owns retries: the client must surface 429/5xx instead of pausing or retrying on its own.
  const clientOptions: webApi.WebClientOptions = {
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    ...(env.SLACK_API_URL === undefined ? {} : { slackApiUrl: env.SLACK_API_URL }),
  };
  // Bolt's own Socket Mode receiver is built without our client options, so apps.connections.open would
  // ignore SLACK_API_URL (proxies, tests): build it here with them.
  const receiver = socket
    ? new SocketModeReceiver({
        appToken: env.SLACK_APP_TOKEN ?? '',
        logger: bolt,
        installerOptions: { clientOptions },
      })
    : new SlackHttpReceiver({
        signingSecret: env.SLACK_SIGNING_SECRET ?? '',
        clock: wallClock,
        logger: bolt,
        ...(options.processBeforeResponse === undefined
          ? {}
          : { processBeforeResponse: options.processBeforeResponse }),
      });
  const app = new App({
    token,
    logger: bolt,
    clientOptions,
    tokenVerificationEnabled: false,
    receiver,
  });
  const queue = new SendQueue({
    clock: wallClock,
    logger,
    ...(options.sleep === undefined ? {} : { sleep: options.sleep }),
    ...(options.minIntervalMs === undefined ? {} : { minIntervalMs: options.minIntervalMs }),
  });
  const client = new webApi.WebClient(token, { ...clientOptions, logger: bolt });
  const users = new SlackUserDirectory(client, wallClock, logger);
  const sender = new SlackSender({
    client,
    queue,
    clock,
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
  });
  const inFlight = new Set<Promise<void>>();

  /** Runs after `ack()`: the handler, then its replies (the notifier updates the cards). Failures are logged, never thrown at Bolt. */
  function process(origin: Origin): Promise<void> {
    const work = (async () => {
      try {
        // Names for cards and thread notes, emails for `access.responders`: Slack payloads carry neither.
        const info = await users.lookup(origin.userId);
        const request: ChatRequest = { ...origin.request, actor: { ...origin.request.actor, ...info } };
        const response = await handler(request);
        await deliver(origin, response);
      } catch (error) {
        logger.error({ err: error, kind: origin.request.kind }, 'Slack request could not be completed');
      }
    })();
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
    return work;
  }

  async function toRequester(origin: Origin, card: CardView): Promise<void> {
    if (origin.homeTab === true) return sender.publishHome(origin.userId, card);
    if (
      origin.request.kind === 'command' &&
      origin.responseUrl !== undefined &&
      origin.channelId !== undefined
    ) {
      return sender.respond(origin.responseUrl, origin.channelId, card, 'ephemeral');
    }
    if (origin.channelId !== undefined && origin.channelId !== '') {
      return sender.postEphemeral(
        origin.channelId,
        origin.userId,
        card,
        origin.request.kind === 'button' ? undefined : origin.threadTs,
      );
    }
    if (origin.responseUrl !== undefined)
      return sender.respond(origin.responseUrl, `user:${origin.userId}`, card, 'ephemeral');
    logger.warn({ kind: origin.request.kind }, 'no way to answer the requester');
  }

  async function deliver(origin: Origin, response: ChatResponse): Promise<void> {
    if (!response.ok) {
      // A duplicate delivery already got its answer the first time.
      if (response.reason === 'duplicate') return;
      const tone = response.reason === 'unknown_command' ? 'info' : 'warning';
      await toRequester(origin, {
        kind: 'message',
        tone,
        title: null,
        text: response.userMessage,
        fields: [],
      });
      return;
    }
    for (const reply of response.replies) {
      const card = cardViewSchema.parse(reply.card);
      if (reply.audience === 'requester') {
        await toRequester(origin, card);
        continue;
      }
      if (origin.channelId === undefined || origin.channelId === '') continue;
      const threadTs = reply.inThread === true ? origin.threadTs : undefined;
      try {
        await sender.postCard(
          {
            channelId: origin.channelId,
            ...(threadTs === undefined ? {} : { threadOf: slackMessageRef(origin.channelId, threadTs) }),
          },
          card,
        );
      } catch (error) {
        // A slash command in a channel the bot is not in (`not_in_channel`), or an app installed without
        // a scope the answer needs (`missing_scope` for a chart), still answers the person who asked.
        if (origin.responseUrl === undefined) throw error;
        logger.warn(
          { err: error, kind: card.kind },
          'could not post to the conversation; answering the requester',
        );
        const why = slackErrorCode(error);
        await sender.respond(origin.responseUrl, origin.channelId, card, 'ephemeral');
        await sender.respond(
          origin.responseUrl,
          origin.channelId,
          {
            kind: 'message',
            tone: 'warning',
            title: null,
            text: `I could not post this in the channel${why === undefined ? '' : ` (Slack said ${why})`}, so only you see it${
              card.kind === 'cost' ? ', without its chart' : ''
            }. Invite the app to the channel, or check it has the files:write scope.`,
            fields: [],
          },
          'ephemeral',
        );
      }
    }
  }

  /** A signed request we cannot read is answered, not swallowed: the person learns nothing was done. */
  async function refuse(body: unknown, error: z.ZodError, what: 'command' | 'button'): Promise<void> {
    logger.warn(
      { issues: error.issues.slice(0, 3).map((i) => i.path.join('.')) },
      `Slack ${what} not understood`,
    );
    const refusal = refusalOf(body, error, what);
    if (refusal === undefined) return;
    await sender
      .respond(
        refusal.responseUrl,
        refusal.channelId,
        { kind: 'message', tone: 'warning', title: null, text: refusal.text, fields: [] },
        'ephemeral',
      )
      .catch((e: unknown) => logger.warn({ err: e }, 'could not tell the person their request was refused'));
  }

  const commandName = options.command ?? '/dbx';
  app.command(commandName, async ({ ack, body }) => {
    await ack();
    const parsed = slashCommandSchema.safeParse(body);
    if (!parsed.success) return refuse(body, parsed.error, 'command');
    const request = commandRequest(parsed.data, clock.now());
    await process({
      request,
      userId: parsed.data.user_id,
      channelId: parsed.data.channel_id,
      responseUrl: parsed.data.response_url,
    });
  });

  app.action(/^dbx:/, async ({ ack, body }) => {
    await ack();
    const parsed = blockActionsSchema.safeParse(body);
    if (!parsed.success) return refuse(body, parsed.error, 'button');
    const origin = buttonRequest(parsed.data, clock.now());
    if (origin === undefined) return;
    await process({
      request: origin.request,
      userId: parsed.data.user.id,
      channelId: origin.request.conversation.channelId,
      responseUrl: parsed.data.response_url,
      message: origin.message,
      threadTs: origin.threadTs,
    });
  });

  const onMessage = async (event: unknown, body: Record<string, unknown>) => {
    const parsed = messageEventSchema.safeParse(event);
    if (!parsed.success) return;
    const eventId =
      typeof body.event_id === 'string' ? body.event_id : `${parsed.data.channel}:${parsed.data.ts}`;
    const eventTime = typeof body.event_time === 'number' ? body.event_time : undefined;
    const request = questionRequest(parsed.data, eventId, eventTime, clock.now());
    if (request === undefined) return;
    await process({
      request,
      userId: request.actor.userId,
      channelId: parsed.data.channel,
      threadTs: parsed.data.thread_ts ?? parsed.data.ts,
    });
  };
  app.event('app_mention', async ({ event, body }) =>
    onMessage(event, body as unknown as Record<string, unknown>),
  );
  app.message(async ({ message, body }) => onMessage(message, body as unknown as Record<string, unknown>));

  app.event('app_home_opened', async ({ event, body }) => {
    if (event.tab !== 'home' || typeof event.user !== 'string') return;
    const envelope = body as unknown as Record<string, unknown>;
    await process({
      request: {
        kind: 'home',
        actor: { surface: 'slack', userId: event.user },
        conversation: { surface: 'slack', channelId: event.channel, isDirect: true },
        requestId:
          typeof envelope.event_id === 'string' ? envelope.event_id : `home:${event.user}:${clock.now()}`,
        receivedAt: clock.now(),
      },
      userId: event.user,
      channelId: event.channel,
      homeTab: true,
    });
  });

  app.error(async (error) => {
    logger.error({ err: error }, 'Bolt reported an error');
  });

  const idle = async () => {
    while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    await queue.idle();
  };

  return {
    mode: socket ? 'socket' : 'http',
    listener:
      receiver instanceof SlackHttpReceiver
        ? receiver.listener
        : (_req, res) => {
            res
              .writeHead(404, { 'content-type': 'text/plain' })
              .end('Slack runs in Socket Mode here; no HTTP endpoint.');
          },
    surface: sender,
    async start() {
      if (socket) await app.start();
    },
    async stop() {
      await idle();
      await sender.close();
      if (socket) await app.stop();
    },
    idle,
  };
}
