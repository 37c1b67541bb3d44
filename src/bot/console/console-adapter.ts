import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { CardView } from '../../cards/card-views.js';
import type { Clock } from '../../domain/clock.js';
import type { ChatHandler, ChatRequest, ChatResponse, ChatSurface } from '../../handlers/chat-request.js';
import type { ChannelFeed } from './channel-feed.js';
import { BOT_AUTHOR, ChannelLog, type ConsoleChannel, type ConsoleHistory } from './channel-log.js';
import { type ConsoleAuth, createConsoleAuthenticator } from './console-auth.js';
import { ConsoleError } from './console-error.js';
import { EventStream } from './event-stream.js';
import { loadPageAssets } from './page-assets.js';
import { createConsoleListener, type Listener } from './receive.js';
import { applyResponse, ephemeralText, responseText } from './respond.js';
import { ConsoleSender } from './send.js';
import type { WorkspaceStatus } from './workspace-status.js';

/** What the requester hears when infrastructure failed; the log keeps the detail. */
const SOMETHING_WRONG = 'Something went wrong on my side. Check the card, then try again in a moment.';

export interface ConsoleAdapterOptions {
  readonly handler: ChatHandler;
  /** The workspace's clock (simulated in the embedded default): card times, SLA countdowns. */
  readonly clock: Clock;
  /** Real time, for sessions and login limits; never the simulated clock. */
  readonly wallClock: Clock;
  /** Who the console believes: the local operator, a login, or a trusted proxy's header. */
  readonly auth: ConsoleAuth;
  readonly logger: Logger;
  /** Where the channels' messages are kept: the store, shared by every web process and kept across restarts. */
  readonly history: ConsoleHistory;
  /** How a change made by one web process reaches the pages open on the others (default this process only). */
  readonly feed?: ChannelFeed | undefined;
  /** The sidebar (default `#incidents`, `#finops`, `#digest` and the DM with the bot). */
  readonly channels?: readonly ConsoleChannel[] | undefined;
  /** Host names the console answers to, against DNS rebinding (default loopback names only; `['*']` for any). */
  readonly allowedHosts?: readonly string[] | undefined;
  /** Messages kept per channel (default 500). */
  readonly maxMessagesPerChannel?: number | undefined;
  /** Open pages at once (default 100). */
  readonly maxStreams?: number | undefined;
  /** What the page's header says about the watched workspace: its clock, and what comes next. */
  readonly status: () => WorkspaceStatus | Promise<WorkspaceStatus>;
  /** SSE keep-alive interval (default 25 s). */
  readonly heartbeatMs?: number | undefined;
}

export interface ConsoleAdapter {
  /** Mount at `/` (last route): serves the page, its assets, the JSON API and `/api/events`. */
  readonly listener: Listener;
  /**
   * How the notifier posts and updates incident cards in the console, as it does in Slack. The history
   * is in the store, so a card posted before a restart, or by another web process, is updated in place.
   */
  readonly surface: ChatSurface;
  /**
   * A standing notice (what dbxops says about its own set-up at start-up): posted once while the
   * history holds it, so every web process and every restart saying the same thing leaves one copy.
   */
  postNotice(channelId: string, card: CardView): Promise<void>;
  /** Ends every open event stream. */
  close(): Promise<void>;
}

/**
 * The local console, the embedded default's chat: channels and a DM kept in the store, cards with working
 * buttons, a `/dbx` composer and live updates, all answered by the same handler as Slack and Teams.
 */
export function createConsoleAdapter(options: ConsoleAdapterOptions): ConsoleAdapter {
  const log = new ChannelLog({
    clock: options.clock,
    history: options.history,
    feed: options.feed,
    channels: options.channels,
    ...(options.maxMessagesPerChannel === undefined
      ? {}
      : { maxMessagesPerChannel: options.maxMessagesPerChannel }),
  });
  const events = new EventStream({
    log,
    clock: options.clock,
    ...(options.maxStreams === undefined ? {} : { maxClients: options.maxStreams }),
    ...(options.heartbeatMs === undefined ? {} : { heartbeatMs: options.heartbeatMs }),
  });
  const logger = options.logger.child({ module: 'console' });
  /** The handler's answer; undefined when infrastructure failed (store down), which the log keeps. */
  const answered = async (request: ChatRequest): Promise<ChatResponse | undefined> => {
    try {
      return await options.handler(request);
    } catch (error) {
      logger.error({ err: error, kind: request.kind }, 'console request failed');
      return undefined;
    }
  };
  const listener = createConsoleListener({
    log,
    events,
    assets: loadPageAssets(),
    clock: options.clock,
    logger: options.logger,
    auth: createConsoleAuthenticator(options.auth, { wallClock: options.wallClock }),
    allowedHosts: options.allowedHosts,
    status: options.status,
    async handle(request, origin) {
      const response = await answered(request);
      if (response === undefined)
        return {
          ok: false,
          reason: 'unavailable',
          ephemeral: [ephemeralText(SOMETHING_WRONG, 'error', options.clock.now())],
        };
      return applyResponse({ log, logger, nowMs: options.clock.now() }, response, origin);
    },
    async handleForText(request, origin) {
      const response = await answered(request);
      if (response === undefined) return { ok: false, reason: 'unavailable', text: SOMETHING_WRONG };
      // What it says in the conversation is posted there too, so people in the console see it.
      await applyResponse({ log, logger, nowMs: options.clock.now() }, response, origin);
      return responseText(response);
    },
  });
  const surface = new ConsoleSender(log);
  return {
    listener,
    surface,
    async postNotice(channelId, card) {
      const channel = await log.ensureChannel(channelId);
      if (channel === undefined)
        throw new ConsoleError('unknown_channel', `The console has no channel ${channelId.slice(0, 100)}.`, {
          channelId: channelId.slice(0, 100),
        });
      const body = { kind: 'card', view: card } as const;
      const requestKey = `notice:${createHash('sha256').update(JSON.stringify(body)).digest('hex')}`;
      await log.post(channel.id, BOT_AUTHOR, body, { requestKey });
    },
    async close() {
      events.close();
      await surface.close();
    },
  };
}
