import type { webApi } from '@slack/bolt';
import { chartAltText, costChartOf } from '../../cards/cost-card-text.js';
import { type CostChart, renderCostChartPng } from '../../cards/cost-chart.js';
import type { CardView } from '../../cards/card-views.js';
import { digestChartAltText, digestChartOf, firstDigestChart } from '../../cards/digest-chart.js';
import { renderCardSlack, type SlackMessage } from '../../cards/slack-cards.js';
import type { Clock } from '../../domain/clock.js';
import { DbxopsError } from '../../domain/errors.js';
import type { ChatSurface, MessageRef } from '../../handlers/chat-request.js';
import { slackMessageRef, slackTarget } from './ids.js';
import type { SendQueue } from './send-queue.js';

type WebClient = webApi.WebClient;

/** A Slack conversation id (`C…` public, `G…` private, `D…` direct), as opposed to a `#name`. */
const SLACK_CHANNEL_ID = /^[CGD][A-Z0-9]{2,30}$/;

/** `<!subteam^ID>` / `<!subteam^ID|handle>`, `<@U…>`, `<!here>`: what Slack renders as a mention. */
const SLACK_MENTION = /^<(!subteam\^[A-Z0-9]{2,32}(\|[^<>|]{1,80})?|@[UW][A-Z0-9]{2,32}|!here)>$/;

/** A `response_url` POST that Slack did not accept; `statusCode`/`retryAfter` drive the send queue. */
class SlackResponseUrlError extends DbxopsError {
  readonly statusCode: number | undefined;
  readonly retryAfter: number | undefined;

  constructor(message: string, details: { statusCode?: number; retryAfter?: number; network?: boolean }) {
    super(
      details.network === true ? 'slack_response_url_network' : 'SLACK_RESPONSE_URL_FAILED',
      message,
      details,
    );
    this.statusCode = details.statusCode;
    this.retryAfter = details.retryAfter;
  }
}

export interface SlackSenderOptions {
  readonly client: WebClient;
  readonly queue: SendQueue;
  readonly clock: Clock;
  readonly fetch?: typeof fetch;
}

/**
 * Everything dbxops sends to Slack, through the per-channel queue: cards (the `ChatSurface`), ephemeral
 * replies, `response_url` replies and the Home tab.
 */
export class SlackSender implements ChatSurface {
  readonly surface = 'slack' as const;
  readonly #client: WebClient;
  readonly #queue: SendQueue;
  readonly #clock: Clock;
  readonly #fetch: typeof fetch;

  constructor(options: SlackSenderOptions) {
    this.#client = options.client;
    this.#queue = options.queue;
    this.#clock = options.clock;
    this.#fetch = options.fetch ?? globalThis.fetch;
  }

  render(card: CardView): SlackMessage {
    return renderCardSlack(card, this.#clock.now());
  }

  async postCard(target: { channelId: string; threadOf?: MessageRef }, card: CardView): Promise<MessageRef> {
    const message = this.render(card);
    const thread = target.threadOf === undefined ? {} : { thread_ts: slackTarget(target.threadOf).ts };
    const chart = chartOf(card);
    // A file upload takes a channel id only; a card for a channel named `#name` (not mapped in
    // routing.channels) still goes out as a message, without its chart.
    if (chart !== null && SLACK_CHANNEL_ID.test(target.channelId))
      return this.#postWithChart(target.channelId, thread, chart, message);
    const result = await this.#queue.enqueue(target.channelId, () =>
      this.#client.chat.postMessage({
        channel: target.channelId,
        text: message.text,
        blocks: message.blocks,
        unfurl_links: false,
        ...thread,
      }),
    );
    return slackMessageRef(result.channel ?? target.channelId, result.ts ?? '');
  }

  /**
   * A card and its chart (a cost card's daily spend, the digest's spend per team) as one message: the
   * PNG is uploaded the way Slack's Web API takes files now (`files.getUploadURLExternal`, a POST of the
   * bytes to the URL it returns, then `files.completeUploadExternal` with `channel_id`, `thread_ts` and
   * the card's blocks). That answer names the file, not the message, so the returned ref has no `ts`:
   * cards with a chart are never updated.
   */
  async #postWithChart(
    channel: string,
    thread: { thread_ts?: string },
    chart: { chart: CostChart; alt: string; filename: string },
    message: SlackMessage,
  ): Promise<MessageRef> {
    const png = await renderCostChartPng(chart.chart);
    // The SDK's types want `thread_ts` either present or absent per overload, not optional.
    const destination =
      thread.thread_ts === undefined
        ? { channel_id: channel }
        : { channel_id: channel, thread_ts: thread.thread_ts };
    await this.#queue.enqueue(channel, () =>
      this.#client.filesUploadV2({
        ...destination,
        file: png,
        filename: chart.filename,
        title: chart.chart.title,
        alt_text: chart.alt,
        blocks: message.blocks,
      }),
    );
    return slackMessageRef(channel, '');
  }

  async updateCard(ref: MessageRef, card: CardView): Promise<'updated'> {
    const { channel, ts } = slackTarget(ref);
    // Keyed by message: a newer render of the same card replaces one still waiting in the queue.
    await this.#queue.enqueue(
      channel,
      () => {
        const message = this.render(card);
        return this.#client.chat.update({ channel, ts, text: message.text, blocks: message.blocks });
      },
      `update:${channel}:${ts}`,
    );
    return 'updated';
  }

  async postThreadNote(
    ref: MessageRef,
    text: string,
    options: { mention?: string } = {},
  ): Promise<MessageRef> {
    const { channel, ts } = slackTarget(ref);
    const message = this.render({ kind: 'message', tone: 'info', title: null, text, fields: [] });
    // Only a well-formed Slack mention is passed through raw; anything else would be text someone could
    // abuse to ping a channel, so it is left out.
    const mention =
      options.mention !== undefined && SLACK_MENTION.test(options.mention) ? options.mention : undefined;
    const blocks = mention
      ? [{ type: 'section', text: { type: 'mrkdwn', text: mention } }, ...(message.blocks ?? [])]
      : message.blocks;
    const result = await this.#queue.enqueue(channel, () =>
      this.#client.chat.postMessage({
        channel,
        thread_ts: ts,
        text: mention ? `${mention} ${message.text}` : message.text,
        blocks,
        unfurl_links: false,
      }),
    );
    return slackMessageRef(result.channel ?? channel, result.ts ?? '');
  }

  /** A card only `user` sees in `channel` (`chat.postEphemeral`). */
  async postEphemeral(channel: string, user: string, card: CardView, threadTs?: string): Promise<void> {
    const message = this.render(card);
    await this.#queue.enqueue(channel, () =>
      this.#client.chat.postEphemeral({
        channel,
        user,
        text: message.text,
        blocks: message.blocks,
        ...(threadTs === undefined ? {} : { thread_ts: threadTs }),
      }),
    );
  }

  /** Answers through a `response_url` (slash commands): works in DMs and channels the bot is not in. */
  async respond(
    responseUrl: string,
    channel: string,
    card: CardView,
    responseType: 'ephemeral' | 'in_channel',
  ): Promise<void> {
    const message = this.render(card);
    const body = JSON.stringify({ response_type: responseType, text: message.text, blocks: message.blocks });
    await this.#queue.enqueue(channel, async () => {
      let res: Response;
      try {
        res = await this.#fetch(responseUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        });
      } catch (error) {
        throw new SlackResponseUrlError(`Slack's response_url could not be reached: ${String(error)}`, {
          network: true,
        });
      }
      await res.arrayBuffer();
      if (!res.ok) {
        const retryAfter = Number(res.headers.get('retry-after'));
        throw new SlackResponseUrlError(`Slack's response_url answered HTTP ${res.status}`, {
          statusCode: res.status,
          ...(Number.isFinite(retryAfter) && retryAfter >= 0 ? { retryAfter } : {}),
        });
      }
    });
  }

  /** Publishes the Home tab for `user` (`views.publish`). */
  async publishHome(user: string, card: CardView): Promise<void> {
    const message = this.render(card);
    await this.#queue.enqueue(`home:${user}`, () =>
      this.#client.views.publish({ user_id: user, view: { type: 'home', blocks: message.blocks } }),
    );
  }

  async close(): Promise<void> {
    await this.#queue.close();
  }
}

/** The chart a card carries as an uploaded PNG in Slack, if it has one to draw. */
function chartOf(card: CardView): { chart: CostChart; alt: string; filename: string } | null {
  if (card.kind === 'cost' && card.daily.length > 0)
    return { chart: costChartOf(card), alt: chartAltText(card), filename: 'daily-spend.png' };
  if (card.kind !== 'digest') return null;
  const chart = firstDigestChart(card);
  return chart === null
    ? null
    : { chart: digestChartOf(chart), alt: digestChartAltText(chart), filename: 'spend-by-team.png' };
}
