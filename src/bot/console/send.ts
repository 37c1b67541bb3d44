import type { CardView } from '../../cards/card-views.js';
import type { ChatSurface, MessageRef } from '../../handlers/chat-request.js';
import { BOT_AUTHOR, type ChannelLog, type MessageBody } from './channel-log.js';
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
    const body = { kind: 'card', view: card } as const;
    if (target.threadOf !== undefined) {
      const threaded = await this.#inThread(target.threadOf, body);
      if (threaded !== undefined) return threaded;
    }
    const channel = await this.#log.ensureChannel(target.channelId);
    if (channel === undefined) {
      throw new ConsoleError(
        'unknown_channel',
        `The console has no channel ${target.channelId.slice(0, 100)} and cannot add one.`,
        {
          channelId: target.channelId.slice(0, 100),
        },
      );
    }
    const message = await this.#log.post(channel.id, BOT_AUTHOR, body);
    return consoleMessageRef(channel.id, message.id);
  }

  /**
   * `gone` when the history no longer holds the card: it scrolled out of the bounded history (the
   * notifier posts it again), or the ref names a message of an earlier dbxops version's memory.
   */
  async updateCard(ref: MessageRef, card: CardView): Promise<'updated' | 'gone'> {
    const { channelId, messageId } = consoleTarget(ref);
    const message = await this.#log.find(channelId, messageId);
    if (message === undefined || message.id !== messageId || message.body.kind !== 'card') return 'gone';
    return (await this.#log.replace(message, { kind: 'card', view: card })) ? 'updated' : 'gone';
  }

  /** A note under the card; when the card was dropped from history, the note goes to its channel. */
  async postThreadNote(
    ref: MessageRef,
    note: string,
    options: { mention?: string } = {},
  ): Promise<MessageRef> {
    const text = options.mention ? `${options.mention} ${note}` : note;
    const body = { kind: 'text', text } as const;
    const threaded = await this.#inThread(ref, body);
    if (threaded !== undefined) return threaded;
    const { channelId } = consoleTarget(ref);
    const channel = await this.#log.ensureChannel(channelId);
    if (channel === undefined) {
      throw new ConsoleError('unknown_channel', `The console has no channel ${channelId.slice(0, 100)}.`, {
        channelId: channelId.slice(0, 100),
      });
    }
    return consoleMessageRef(channel.id, (await this.#log.post(channel.id, BOT_AUTHOR, body)).id);
  }

  async close(): Promise<void> {}

  /** A reply under the message `ref` names; undefined when that message is no longer in the history. */
  async #inThread(ref: MessageRef, body: MessageBody): Promise<MessageRef | undefined> {
    const { channelId, messageId } = consoleTarget(ref);
    const parent = await this.#log.find(channelId, messageId);
    if (parent === undefined) return undefined;
    const reply = await this.#log.reply(parent, BOT_AUTHOR, body);
    return reply === undefined ? undefined : consoleMessageRef(parent.channelId, reply.id);
  }
}
