import type { CardView } from '../../cards/card-views.js';
import { type AdaptiveCardJson, renderCardTeams, type TeamsRenderOptions } from '../../cards/teams-cards.js';
import type { Clock } from '../../domain/clock.js';
import type { ChatSurface, MessageRef } from '../../handlers/chat-request.js';
import type { BotConnectorClient, OutgoingActivity } from './connector-client.js';
import type { ConversationReferenceStore } from './conversation-references.js';
import { baseConversationId, teamsMessageRef, teamsTarget, threadConversationId } from './ids.js';
import type { TeamsSendQueue } from './send-queue.js';

/** The Bot Framework content type of an Adaptive Card attachment. */
export const ADAPTIVE_CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';

/** A message activity carrying one Adaptive Card (its fallback text doubles as the notification summary). */
function cardActivity(card: AdaptiveCardJson, id?: string): OutgoingActivity {
  return {
    type: 'message',
    ...(id === undefined ? {} : { id }),
    ...(card.fallbackText === undefined ? {} : { summary: card.fallbackText }),
    attachments: [{ contentType: ADAPTIVE_CARD_CONTENT_TYPE, content: card }],
  };
}

export interface TeamsSenderOptions {
  readonly connector: BotConnectorClient;
  readonly queue: TeamsSendQueue;
  readonly clock: Clock;
  readonly references: ConversationReferenceStore;
  /** For conversations no activity has told us about yet (default the global `https://smba.trafficmanager.net/teams/`). */
  readonly defaultServiceUrl: string;
  readonly render?: TeamsRenderOptions;
  /** The on-call group to ping on P1 notes (`routing.oncall_teams`): a Teams tag or group id and its name. */
  readonly oncall?: { readonly id: string; readonly name: string } | undefined;
}

/**
 * Everything dbxops sends to Teams, through the per-conversation queue: cards for the notifier (the
 * `ChatSurface`), replies to activities and thread notes. Each conversation is reached at the
 * `serviceUrl` of its latest activity.
 */
export class TeamsSender implements ChatSurface {
  readonly surface = 'teams' as const;
  readonly #options: TeamsSenderOptions;

  constructor(options: TeamsSenderOptions) {
    this.#options = options;
  }

  render(card: CardView): AdaptiveCardJson {
    return renderCardTeams(card, this.#options.clock.now(), this.#options.render);
  }

  serviceUrlOf(conversationId: string): string {
    return this.#options.references.get(conversationId)?.serviceUrl ?? this.#options.defaultServiceUrl;
  }

  async postCard(target: { channelId: string; threadOf?: MessageRef }, card: CardView): Promise<MessageRef> {
    const channel = baseConversationId(target.channelId);
    const conversationId =
      target.threadOf === undefined
        ? channel
        : threadConversationId(channel, teamsTarget(target.threadOf).activityId);
    const activity = cardActivity(this.render(card));
    const { connector, queue } = this.#options;
    const result = await queue.enqueue(channel, () =>
      connector.sendToConversation(this.serviceUrlOf(channel), conversationId, activity),
    );
    return teamsMessageRef(channel, result.id);
  }

  async updateCard(ref: MessageRef, card: CardView): Promise<'updated'> {
    const { conversationId, activityId } = teamsTarget(ref);
    const { connector, queue } = this.#options;
    // Keyed by message: a newer render of the same card replaces one still waiting in the queue.
    await queue.enqueue(
      conversationId,
      () =>
        connector.updateActivity(
          this.serviceUrlOf(conversationId),
          conversationId,
          activityId,
          cardActivity(this.render(card), activityId),
        ),
      `update:${conversationId}:${activityId}`,
    );
    return 'updated';
  }

  async postThreadNote(
    ref: MessageRef,
    note: string,
    options: { mention?: string } = {},
  ): Promise<MessageRef> {
    const oncall = this.#options.oncall;
    if (options.mention !== undefined && oncall !== undefined) {
      // A real ping: a text message carrying a mention entity for the configured group. The note is
      // escaped, since Teams renders message text as HTML.
      const at = `<at>${escapeXml(oncall.name)}</at>`;
      const channel = baseConversationId(ref.channelId);
      const conversationId = threadConversationId(channel, teamsTarget(ref).activityId);
      const activity: OutgoingActivity = {
        type: 'message',
        text: `${at} ${escapeXml(note)}`,
        entities: [{ type: 'mention', text: at, mentioned: { id: oncall.id, name: oncall.name } }],
      };
      const { connector, queue } = this.#options;
      const result = await queue.enqueue(channel, () =>
        connector.sendToConversation(this.serviceUrlOf(channel), conversationId, activity),
      );
      return teamsMessageRef(channel, result.id);
    }
    // Without a configured group there is nobody to ping: name the mention in text.
    const text = options.mention ? `${options.mention} ${note}` : note;
    // A card, not `text`: Teams renders message text as markdown/HTML, a RichTextBlock shows it verbatim.
    return this.postCard(
      { channelId: ref.channelId, threadOf: ref },
      { kind: 'message', tone: 'info', title: null, text, fields: [] },
    );
  }

  /** Answers an activity in its conversation (in its reply chain in a channel). */
  async reply(
    serviceUrl: string,
    conversationId: string,
    replyToId: string,
    card: CardView,
  ): Promise<MessageRef> {
    const activity = cardActivity(this.render(card));
    const { connector, queue } = this.#options;
    const result = await queue.enqueue(baseConversationId(conversationId), () =>
      connector.replyToActivity(serviceUrl, conversationId, replyToId, activity),
    );
    return teamsMessageRef(conversationId, result.id);
  }

  async close(): Promise<void> {
    await this.#options.queue.close();
  }
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
