import type { CardView } from '../../cards/card-views.js';
import type { ChatSurface, MessageRef } from '../../handlers/chat-request.js';
import { BOT_AUTHOR, type ChannelLog } from './channel-log.js';
import { consoleMessageRef, consoleTarget } from './ids.js';
import { ConsoleError } from './console-error.js';

/**
 * The console as a `ChatSurface`: the notifier posts and updates incident cards here exactly as it does
 * in Slack. Posting never waits on a browser; open pages hear about it over the event stream.
 */
export class ConsoleSender implements ChatSurface {
  readonly surface = 'console' as const;
  readonly #log: ChannelLog;

  constructor(log: ChannelLog) {
    this.#log = log;
  }

  async postCard(target: { channelId: string; threadOf?: MessageRef }, card: CardView): Promise<MessageRef> {
    if (target.threadOf !== undefined) {
      const parent = this.#parent(target.threadOf);
      if (parent !== undefined) {
        return consoleMessageRef(
          parent.channelId,
          this.#log.reply(parent, BOT_AUTHOR, { kind: 'card', view: card }).id,
        );
      }
    }
    const channel = this.#log.ensureChannel(target.channelId);
    if (channel === undefined) {
      throw new ConsoleError(
        'unknown_channel',
        `The console has no channel ${target.channelId.slice(0, 100)} and cannot add one.`,
        {
          channelId: target.channelId.slice(0, 100),
        },
      );
    }
    const message = this.#log.post(channel.id, BOT_AUTHOR, { kind: 'card', view: card });
    return consoleMessageRef(channel.id, message.id);
  }

  /**
   * `gone` when the history no longer holds the card: a restart emptied it (the notifier posts it again)
   * or it scrolled out of the bounded history.
   */
  async updateCard(ref: MessageRef, card: CardView): Promise<'updated' | 'gone'> {
    const { channelId, messageId } = consoleTarget(ref);
    const message = this.#log.find(channelId, messageId);
    if (message === undefined || message.id !== messageId || message.body.kind !== 'card') return 'gone';
    this.#log.replace(message, { kind: 'card', view: card });
    return 'updated';
  }

  /** A note under the card; when the card was dropped from history, the note goes to its channel. */
  async postThreadNote(
    ref: MessageRef,
    note: string,
    options: { mention?: string } = {},
  ): Promise<MessageRef> {
    const text = options.mention ? `${options.mention} ${note}` : note;
    const parent = this.#parent(ref);
    if (parent !== undefined) {
      return consoleMessageRef(
        parent.channelId,
        this.#log.reply(parent, BOT_AUTHOR, { kind: 'text', text }).id,
      );
    }
    const { channelId } = consoleTarget(ref);
    const channel = this.#log.ensureChannel(channelId);
    if (channel === undefined) {
      throw new ConsoleError('unknown_channel', `The console has no channel ${channelId.slice(0, 100)}.`, {
        channelId: channelId.slice(0, 100),
      });
    }
    return consoleMessageRef(channel.id, this.#log.post(channel.id, BOT_AUTHOR, { kind: 'text', text }).id);
  }

  async close(): Promise<void> {}

  #parent(ref: MessageRef) {
    const { channelId, messageId } = consoleTarget(ref);
    return this.#log.find(channelId, messageId);
  }
}
