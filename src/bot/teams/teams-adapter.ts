import type { IncomingMessage, ServerResponse } from 'node:http';
import { PUBLIC, withOverrides } from '@microsoft/teams.api';
import { App, type IActivityContext } from '@microsoft/teams.apps';
import type { Logger } from 'pino';
import { type ButtonPayload, decodeButtonValue } from '../../cards/button-value.js';
import { type CardView, cardViewSchema, type IncidentCardView } from '../../cards/card-views.js';
import type { TeamsRenderOptions } from '../../cards/teams-cards.js';
import type { Clock } from '../../domain/clock.js';
import { ConfigError } from '../../domain/errors.js';
import type { ChatHandler, ChatRequest, ChatResponse, MessageRef } from '../../handlers/chat-request.js';
import { createBotTokenProvider } from './bot-token.js';
import { BotConnectorClient } from './connector-client.js';
import {
  type ConversationReferenceStore,
  MemoryConversationReferences,
  referenceOf,
} from './conversation-references.js';
import { teamsMessageRef } from './ids.js';
import { TeamsMemberDirectory } from './members.js';
import {
  type CardActionResponseBody,
  cardResponse,
  errorResponse,
  messageResponse,
} from './invoke-response.js';
import { BridgeHttpAdapter, createTeamsListener } from './receive.js';
import { TeamsSender } from './send.js';
import type { Sleep } from '../channel-send-queue.js';
import { TeamsSendQueue } from './send-queue.js';
import { teamsLogger } from './teams-logger.js';
import {
  type Activity,
  activitySchema,
  buttonRequest,
  cardActionRefusal,
  messageRequest,
  oversizedMessageRefusal,
} from './translate.js';

/** The global Bot Connector endpoint; routes to the right region for conversations we know nothing about. */
export const GLOBAL_SERVICE_URL = 'https://smba.trafficmanager.net/teams/';

export interface TeamsAdapterOptions {
  /** The on-call group a P1 note pings (`routing.oncall_teams`). */
  readonly oncall?: { readonly id: string; readonly name: string } | undefined;
  readonly env: {
    /** The Azure Bot's Microsoft App ID (env `TEAMS_APP_ID`). */
    readonly appId: string | undefined;
    /** Its client secret (env `TEAMS_APP_PASSWORD`). */
    readonly appPassword: string | undefined;
    /** Single-tenant bots (all new ones) name their tenant (env `TEAMS_TENANT_ID`). */
    readonly tenantId?: string | undefined;
    /** Bot Connector for conversations no activity has told us about (default the global one). */
    readonly serviceUrl?: string | undefined;
  };
  readonly handler: ChatHandler;
  /** The current card of an incident (see `loadIncidentCard`), to answer a click with the pressed card. */
  readonly incidentCard: (incidentId: string) => Promise<IncidentCardView | undefined>;
  /** The workspace's clock (simulated in the embedded mode): what cards and requests say about the workspace. */
  readonly clock: Clock;
  /** The wall clock: token expiry, retry-after and rate limits. */
  readonly wallClock: Clock;
  readonly logger: Logger;
  /** For the Bot Connector and the token endpoint. */
  readonly fetch?: typeof fetch;
  /** Bot Framework OpenID metadata; the JWKS is read from the sibling `/keys` (a local fake in tests). */
  readonly openIdMetadataUrl?: string;
  /** OAuth token endpoint for the bot's outbound token (a local fake in tests). */
  readonly tokenUrl?: string;
  readonly references?: ConversationReferenceStore;
  readonly render?: TeamsRenderOptions;
  readonly sleep?: Sleep;
  readonly random?: () => number;
  /** Gap between two sends to one conversation (default 150 ms). */
  readonly minIntervalMs?: number;
}

export interface TeamsAdapter {
  /** Mount at `POST /api/messages` on the shared HTTP server. */
  readonly listener: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  /** Posts and updates cards for the notifier (proactive posts to configured conversations). */
  readonly surface: TeamsSender;
  /** Resolves when no activity is being processed and no send is queued (tests, shutdown). */
  idle(): Promise<void>;
  /** Waits for queued sends, then refuses new ones. */
  close(): Promise<void>;
}

type InvokeResult = { status: number; body?: unknown };

/**
 * The Teams adapter: a Teams SDK v2 `App` that validates Bot Framework JWTs and routes activities,
 * bridged onto dbxops' one HTTP server (it never opens a port). `message` activities become commands or
 * questions, `adaptiveCard/action` invokes become button presses answered with the refreshed card, and
 * everything outbound goes through a per-conversation queue to the Bot Connector REST API.
 */
export function createTeamsAdapter(options: TeamsAdapterOptions): TeamsAdapter {
  const { env, handler, clock, wallClock } = options;
  const logger = options.logger.child({ module: 'teams' });
  if (env.appId === undefined || env.appId === '') {
    throw new ConfigError("TEAMS_APP_ID is required for Teams (the Azure Bot's Microsoft App ID).", {
      variable: 'TEAMS_APP_ID',
    });
  }
  if (env.appPassword === undefined || env.appPassword === '') {
    throw new ConfigError(
      "TEAMS_APP_PASSWORD is required for Teams (a client secret of the bot's app registration).",
      {
        variable: 'TEAMS_APP_PASSWORD',
      },
    );
  }
  const token = createBotTokenProvider({
    appId: env.appId,
    appPassword: env.appPassword,
    tenantId: env.tenantId,
    tokenUrl: options.tokenUrl,
    clock: wallClock,
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
  });
  const bridge = new BridgeHttpAdapter('/api/messages');
  const app = new App({
    clientId: env.appId,
    ...(env.tenantId === undefined ? {} : { tenantId: env.tenantId }),
    // Our provider instead of MSAL, so the SDK never needs a secret of its own or a network we do not inject.
    token: () => token(),
    // Explicit, so the SDK's DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS environment switch cannot turn auth off.
    dangerouslyAllowUnauthenticatedRequests: false,
    cloud:
      options.openIdMetadataUrl === undefined
        ? PUBLIC
        : withOverrides(PUBLIC, { openIdMetadataUrl: options.openIdMetadataUrl }),
    serviceUrl: env.serviceUrl ?? GLOBAL_SERVICE_URL,
    httpServerAdapter: bridge,
    logger: teamsLogger(logger),
  });
  const references = options.references ?? new MemoryConversationReferences();
  const queue = new TeamsSendQueue({
    clock: wallClock,
    logger,
    ...(options.sleep === undefined ? {} : { sleep: options.sleep }),
    ...(options.random === undefined ? {} : { random: options.random }),
    ...(options.minIntervalMs === undefined ? {} : { minIntervalMs: options.minIntervalMs }),
  });
  const connector = new BotConnectorClient({
    token,
    clock: wallClock,
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
  });
  // E-mails for `access.responders` and the presser's Databricks user: activities carry only ids.
  const members = new TeamsMemberDirectory(connector, wallClock, logger);
  const withMember = async <R extends ChatRequest>(request: R, activity: Activity): Promise<R> => ({
    ...request,
    actor: { ...request.actor, ...(await members.lookup(activity)) },
  });
  const sender = new TeamsSender({
    connector,
    queue,
    clock,
    references,
    defaultServiceUrl: env.serviceUrl ?? GLOBAL_SERVICE_URL,
    ...(options.oncall === undefined ? {} : { oncall: options.oncall }),
    ...(options.render === undefined ? {} : { render: options.render }),
  });
  const inFlight = new Set<Promise<void>>();

  /** Work that outlives the HTTP answer (replies, card updates); failures are logged, never thrown. */
  function background(what: string, work: () => Promise<void>): void {
    const p = work().catch((error: unknown) =>
      logger.error({ err: error, what }, 'Teams work could not be completed'),
    );
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  }

  const message = (text: string, tone: 'info' | 'warning' = 'info'): CardView => ({
    kind: 'message',
    tone,
    title: null,
    text,
    fields: [],
  });

  /** Where `conversation` replies of a button press go: the reply chain of the card, or the chat. */
  function threadTarget(request: ChatRequest): { channelId: string; threadOf?: MessageRef } {
    const { channelId, threadId } = request.conversation;
    return threadId === undefined
      ? { channelId }
      : { channelId, threadOf: teamsMessageRef(channelId, threadId) };
  }

  async function onMessage(activity: Activity): Promise<void> {
    // The bot's own posts are never echoed by Teams, but a relayed copy must not start a loop.
    if (activity.from.id === activity.recipient.id) return;
    if (activity.id === undefined) return;
    const activityId = activity.id;
    const reply = (card: CardView) =>
      sender.reply(activity.serviceUrl, activity.conversation.id, activityId, card);
    const tooLong = oversizedMessageRefusal(activity);
    if (tooLong !== undefined) {
      await reply(message(tooLong, 'warning'));
      return;
    }
    const request = messageRequest(activity, clock.now());
    if (request === undefined) return;
    const response = await handler(await withMember(request, activity));
    if (!response.ok) {
      // A redelivered activity already got its answer the first time.
      if (response.reason !== 'duplicate')
        await reply(
          message(response.userMessage, response.reason === 'unknown_command' ? 'info' : 'warning'),
        );
      return;
    }
    // Teams has no ephemeral messages: an answer for the requester goes where they asked, as a reply.
    for (const r of response.replies) await reply(cardViewSchema.parse(r.card));
  }

  async function onCardAction(activity: Activity): Promise<CardActionResponseBody> {
    const origin = buttonRequest(activity, clock.now());
    if (origin === undefined) {
      return errorResponse(
        400,
        'BadRequest',
        cardActionRefusal(activity) ?? 'This card action could not be read. Refresh the card and try again.',
      );
    }
    const decoded = decodeButtonValue(origin.request.value);
    const payload: ButtonPayload | undefined = decoded.ok ? decoded.value : undefined;
    const onIncidentCard = payload?.kind === 'incident';
    // A plan card cannot be rebuilt from the store; its refresh leaves it as it is.
    if (payload?.kind === 'plan' && payload.action === 'refresh')
      return messageResponse('This plan is up to date.');

    const response: ChatResponse = await handler(await withMember(origin.request, activity));
    const currentCard = async (): Promise<CardActionResponseBody | undefined> => {
      if (payload === undefined || !onIncidentCard) return undefined;
      const card = await options.incidentCard(payload.incidentId);
      return card === undefined ? undefined : cardResponse(sender.render(card));
    };
    if (!response.ok) {
      // A retried invoke gets the card as it is now, without doing anything again.
      if (response.reason === 'duplicate')
        return (await currentCard()) ?? messageResponse(response.userMessage);
      return messageResponse(response.userMessage);
    }
    const notes: CardView[] = [];
    const posts: CardView[] = [];
    for (const r of response.replies) {
      const card = cardViewSchema.parse(r.card);
      if (r.audience === 'requester' && card.kind === 'message') notes.push(card);
      else posts.push(card);
    }
    if (posts.length > 0)
      background('card action replies', async () => {
        for (const card of posts) await sender.postCard(threadTarget(origin.request), card);
      });
    // The notifier updates every copy, this one included; the answer shows the pressed card at once.
    const changes = onIncidentCard && payload?.action !== 'remediate' && notes.length === 0;
    const shown = changes ? await currentCard() : undefined;
    if (shown !== undefined) return shown;
    const note = notes[0];
    if (note?.kind === 'message') return messageResponse(note.text);
    return messageResponse(posts.length > 0 ? 'Posted below the card.' : 'Done.');
  }

  // Runs after the SDK validated the token: a signed activity we cannot read is a 400, not a crash.
  const processActivity = app.server.onRequest;
  app.server.onRequest = async (event) => {
    const parsed = activitySchema.safeParse(event.body);
    if (!parsed.success) {
      logger.warn(
        { issues: parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`) },
        'Teams activity not understood',
      );
      return { status: 400, body: { error: 'The activity is not one dbxops understands.' } };
    }
    if (processActivity === undefined) throw new Error('The Teams SDK set no activity processor');
    return processActivity(event);
  };

  app.use(async (ctx: IActivityContext): Promise<InvokeResult | undefined> => {
    const parsed = activitySchema.safeParse(ctx.activity);
    if (!parsed.success) return { status: 400 };
    const activity = parsed.data;
    references.set(referenceOf(activity));
    if (activity.type === 'message') {
      background('message', () => onMessage(activity));
      return undefined;
    }
    if (activity.type === 'invoke') {
      if (activity.name !== 'adaptiveCard/action') return { status: 501 };
      return { status: 200, body: await onCardAction(activity) };
    }
    // conversationUpdate, installationUpdate and the rest: the reference above is all we need from them.
    return undefined;
  });

  const ready = app.initialize();
  ready.catch((error: unknown) => logger.error({ err: error }, 'the Teams SDK could not start'));
  const listener = createTeamsListener({ adapter: bridge, ready, logger });

  const idle = async () => {
    while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    await queue.idle();
    if (inFlight.size > 0) await idle();
  };

  return {
    listener: async (req, res) => {
      try {
        await listener(req, res);
      } catch (error) {
        logger.error({ err: error }, 'Teams request failed');
        if (!res.headersSent)
          res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"internal_error"}');
      }
    },
    surface: sender,
    idle,
    async close() {
      await idle();
      await sender.close();
    },
  };
}
