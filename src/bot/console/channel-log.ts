import type { CardView } from '../../cards/card-views.js';
import type { Clock } from '../../domain/clock.js';
import { consoleChannelId } from './ids.js';

/** A channel in the console sidebar; `direct` is the DM with the bot. */
export interface ConsoleChannel {
  readonly id: string;
  /** What the sidebar shows: `#incidents`, `dbxops`. */
  readonly name: string;
  readonly kind: 'channel' | 'direct';
  readonly topic: string;
}

/** What a message holds: a card view (re-rendered on every read, so SLA countdowns stay current) or text. */
export type MessageBody =
  | { readonly kind: 'card'; readonly view: CardView }
  | { readonly kind: 'text'; readonly text: string };

export interface StoredReply {
  readonly id: string;
  readonly at: number;
  readonly author: string;
  readonly body: MessageBody;
}

export interface StoredMessage {
  readonly id: string;
  readonly channelId: string;
  readonly at: number;
  readonly author: string;
  body: MessageBody;
  /** The thread under the message (timeline notes under a card, answers under a question). */
  readonly replies: StoredReply[];
  /** Replies dropped from the front of the thread to keep it bounded. */
  repliesDropped: number;
}

/** What subscribers (the SSE stream) hear about. */
export type ChannelEvent =
  | { readonly type: 'message'; readonly message: StoredMessage }
  | { readonly type: 'update'; readonly message: StoredMessage }
  | {
      readonly type: 'reply';
      readonly channelId: string;
      readonly parentId: string;
      readonly reply: StoredReply;
    };

/** The author name of everything the bot posts. */
export const BOT_AUTHOR = 'dbxops';

/** The sidebar of the embedded default: the channels `dbxops.yaml`'s defaults route to, and the DM. */
const DEFAULT_CHANNELS: readonly ConsoleChannel[] = [
  {
    id: 'incidents',
    name: '#incidents',
    kind: 'channel',
    topic: 'Incident cards: acknowledge, assign, remediate',
  },
  { id: 'finops', name: '#finops', kind: 'channel', topic: 'Cost anomalies and budgets' },
  { id: 'digest', name: '#digest', kind: 'channel', topic: 'Daily digest of what happened' },
  { id: 'dm', name: 'dbxops', kind: 'direct', topic: 'Direct messages with the bot' },
];

export interface ChannelLogOptions {
  readonly clock: Clock;
  readonly channels?: readonly ConsoleChannel[] | undefined;
  /** Messages kept per channel; older ones are dropped (default 500). */
  readonly maxMessagesPerChannel?: number;
  /** Replies kept per thread (default 200). */
  readonly maxRepliesPerMessage?: number;
  /** Channels the notifier may create by posting to them (default 50 in all). */
  readonly maxChannels?: number;
  /** The number in the first message id (default 1); the console starts from the wall clock. */
  readonly firstId?: number;
}

/**
 * The console's chat history, in memory and bounded: channels, their last messages, and each message's
 * thread. Every change is announced to subscribers so the page updates live.
 */
export class ChannelLog {
  readonly #clock: Clock;
  readonly #channels = new Map<string, ConsoleChannel>();
  readonly #messages = new Map<string, StoredMessage[]>();
  /** Where every live message or reply id sits, so a ref finds its message after others were dropped. */
  readonly #index = new Map<string, { channelId: string; parentId: string | undefined }>();
  readonly #listeners = new Set<(event: ChannelEvent) => void>();
  readonly #maxMessages: number;
  readonly #maxReplies: number;
  readonly #maxChannels: number;
  #seq = 0;

  constructor(options: ChannelLogOptions) {
    this.#clock = options.clock;
    this.#maxMessages = options.maxMessagesPerChannel ?? 500;
    this.#maxReplies = options.maxRepliesPerMessage ?? 200;
    this.#maxChannels = options.maxChannels ?? 50;
    this.#seq = Math.max(0, Math.floor(options.firstId ?? 1) - 1);
    for (const channel of options.channels ?? DEFAULT_CHANNELS) {
      this.#channels.set(channel.id, channel);
      this.#messages.set(channel.id, []);
    }
  }

  channels(): ConsoleChannel[] {
    return [...this.#channels.values()];
  }

  channel(id: string): ConsoleChannel | undefined {
    return this.#channels.get(id);
  }

  /**
   * The channel for a routed name (`#data-platform`), created when the notifier posts somewhere the
   * sidebar does not list yet — a card is never lost to a routing rule. Undefined when the name is not
   * a valid channel or the channel limit is reached.
   */
  ensureChannel(name: string): ConsoleChannel | undefined {
    const id = consoleChannelId(name);
    if (id === undefined) return undefined;
    const existing = this.#channels.get(id);
    if (existing !== undefined) return existing;
    if (this.#channels.size >= this.#maxChannels) return undefined;
    const channel: ConsoleChannel = { id, name: `#${id}`, kind: 'channel', topic: '' };
    this.#channels.set(id, channel);
    this.#messages.set(id, []);
    return channel;
  }

  /** The channel's messages, oldest first. */
  messages(channelId: string): readonly StoredMessage[] {
    return this.#messages.get(channelId) ?? [];
  }

  /** The top-level message with this id, or the message whose thread holds this reply id. */
  find(channelId: string, messageId: string): StoredMessage | undefined {
    const at = this.#index.get(messageId);
    if (at === undefined || at.channelId !== channelId) return undefined;
    const id = at.parentId ?? messageId;
    return this.messages(channelId).find((m) => m.id === id);
  }

  /** Appends a message to an existing channel; drops the oldest beyond the bound. */
  post(channelId: string, author: string, body: MessageBody): StoredMessage {
    const list = this.#messages.get(channelId);
    if (list === undefined) throw new Error(`Unknown console channel ${channelId}`);
    const message: StoredMessage = {
      id: this.#nextId(),
      channelId,
      at: this.#clock.now(),
      author,
      body,
      replies: [],
      repliesDropped: 0,
    };
    list.push(message);
    this.#index.set(message.id, { channelId, parentId: undefined });
    for (const dropped of list.splice(0, Math.max(0, list.length - this.#maxMessages))) {
      this.#index.delete(dropped.id);
      for (const r of dropped.replies) this.#index.delete(r.id);
    }
    this.#emit({ type: 'message', message });
    return message;
  }

  /** Adds a reply to a message's thread; drops the oldest replies beyond the bound. */
  reply(parent: StoredMessage, author: string, body: MessageBody): StoredReply {
    const reply: StoredReply = { id: this.#nextId(), at: this.#clock.now(), author, body };
    parent.replies.push(reply);
    this.#index.set(reply.id, { channelId: parent.channelId, parentId: parent.id });
    const over = Math.max(0, parent.replies.length - this.#maxReplies);
    for (const dropped of parent.replies.splice(0, over)) this.#index.delete(dropped.id);
    parent.repliesDropped += over;
    this.#emit({ type: 'reply', channelId: parent.channelId, parentId: parent.id, reply });
    return reply;
  }

  /** Replaces a message's body in place (a card update). */
  replace(message: StoredMessage, body: MessageBody): void {
    message.body = body;
    this.#emit({ type: 'update', message });
  }

  /** Calls `listener` for every change until the returned function is called. */
  subscribe(listener: (event: ChannelEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #nextId(): string {
    this.#seq += 1;
    return `m${this.#seq}`;
  }

  #emit(event: ChannelEvent): void {
    for (const listener of this.#listeners) listener(event);
  }
}
