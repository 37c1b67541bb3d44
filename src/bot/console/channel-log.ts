import { z } from 'zod';
import { type CardView, cardViewSchema } from '../../cards/card-views.js';
import type { Clock } from '../../domain/clock.js';
import { type ChannelFeed, localChannelFeed } from './channel-feed.js';
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
  readonly body: MessageBody;
  /** The thread under the message (timeline notes under a card, answers under a question). */
  readonly replies: readonly StoredReply[];
  /** Replies dropped from the front of the thread to keep it bounded. */
  readonly repliesDropped: number;
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
    }
  /** Changes may have been missed (the feed between processes was down): read the history again. */
  | { readonly type: 'resync' };

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

/** A stored message or reply as the history hands it over; `body` is checked on the way in. */
interface HistoryRow {
  readonly id: string;
  readonly channelId: string;
  readonly parentId: string | null;
  readonly at: number;
  readonly author: string;
  readonly body: unknown;
  readonly repliesDropped: number;
}

/**
 * Where the history lives: the store's `console_messages` and `console_channels` (the store's
 * `ConsoleHistoryRepository`), shared by every web process. Declared here because `bot` may not import
 * `store`; the two are structurally the same type.
 */
export interface ConsoleHistory {
  channels(): Promise<readonly { id: string; name: string; topic: string }[]>;
  addChannel(
    channel: { id: string; name: string; topic: string },
    room: number,
    now: number,
  ): Promise<boolean>;
  channelRows(channelId: string): Promise<readonly HistoryRow[]>;
  threadRows(id: string): Promise<readonly HistoryRow[]>;
  row(id: string): Promise<HistoryRow | undefined>;
  insert(draft: {
    channelId: string;
    parentId?: string | undefined;
    at: number;
    author: string;
    body: unknown;
    requestKey?: string | undefined;
  }): Promise<{ row: HistoryRow; created: boolean } | undefined>;
  trimChannel(channelId: string, keep: number): Promise<void>;
  trimThread(parentId: string, keep: number): Promise<void>;
  replaceBody(id: string, body: unknown): Promise<boolean>;
  counts(): Promise<ReadonlyMap<string, number>>;
}

export interface ChannelLogOptions {
  readonly clock: Clock;
  readonly history: ConsoleHistory;
  /**
   * How changes reach the other web processes' pages (Redis pub/sub); default this process only, for a
   * history no other process opens (the embedded store).
   */
  readonly feed?: ChannelFeed | undefined;
  readonly channels?: readonly ConsoleChannel[] | undefined;
  /** Messages kept per channel; older ones are dropped (default 500). */
  readonly maxMessagesPerChannel?: number;
  /** Replies kept per thread (default 200). */
  readonly maxRepliesPerMessage?: number;
  /** Channels in all, the configured ones and those the notifier adds by posting to them (default 50). */
  readonly maxChannels?: number;
}

/** What crosses the feed: which change, never its content (each process reads that from the store). */
const noticeSchema = z
  .object({
    type: z.enum(['message', 'update', 'reply']),
    channelId: z.string().max(80),
    id: z.string().regex(/^[0-9]{1,17}$/),
  })
  .strict();
type Notice = z.infer<typeof noticeSchema>;

const storedBodySchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('card'), view: cardViewSchema }),
  z.object({ kind: z.literal('text'), text: z.string() }),
]);

/** The console shows the store's bigint ids as `m<id>`. */
const MESSAGE_ID = /^m([0-9]{1,17})$/;
const toMessageId = (rowId: string) => `m${rowId}`;

/**
 * The console's chat history, kept in the store and bounded: channels, their last messages, and each
 * message's thread. Every web process reads and writes the same history; every change is announced on
 * the feed, and each process that has open pages reads the change from the store and streams it.
 */
export class ChannelLog {
  readonly #clock: Clock;
  readonly #history: ConsoleHistory;
  readonly #feed: ChannelFeed;
  readonly #configured = new Map<string, ConsoleChannel>();
  /** Added channels seen so far: channels are never removed, so a hit needs no read. */
  readonly #added = new Map<string, ConsoleChannel>();
  readonly #listeners = new Set<(event: ChannelEvent) => void>();
  readonly #maxMessages: number;
  readonly #maxReplies: number;
  readonly #maxChannels: number;
  #unsubscribeFeed: (() => void) | undefined;
  /** Notices are read from the store one after another, so pages hear changes in the order made. */
  #delivering: Promise<void> = Promise.resolve();

  constructor(options: ChannelLogOptions) {
    this.#clock = options.clock;
    this.#history = options.history;
    this.#feed = options.feed ?? localChannelFeed();
    this.#maxMessages = options.maxMessagesPerChannel ?? 500;
    this.#maxReplies = options.maxRepliesPerMessage ?? 200;
    this.#maxChannels = options.maxChannels ?? 50;
    for (const channel of options.channels ?? DEFAULT_CHANNELS) this.#configured.set(channel.id, channel);
  }

  /** The configured channels, then those added, in the order they were added. */
  async channels(): Promise<ConsoleChannel[]> {
    for (const row of await this.#history.channels()) {
      if (!this.#configured.has(row.id)) this.#added.set(row.id, addedChannel(row));
    }
    return [...this.#configured.values(), ...this.#added.values()];
  }

  async channel(id: string): Promise<ConsoleChannel | undefined> {
    const known = this.#configured.get(id) ?? this.#added.get(id);
    if (known !== undefined) return known;
    return (await this.channels()).find((c) => c.id === id);
  }

  /**
   * The channel for a routed name (`#data-platform`), created when the notifier posts somewhere the
   * sidebar does not list yet — a card is never lost to a routing rule. Undefined when the name is not
   * a valid channel or the channel limit is reached.
   */
  async ensureChannel(name: string): Promise<ConsoleChannel | undefined> {
    const id = consoleChannelId(name);
    if (id === undefined) return undefined;
    const existing = this.#configured.get(id) ?? this.#added.get(id);
    if (existing !== undefined) return existing;
    const channel: ConsoleChannel = { id, name: `#${id}`, kind: 'channel', topic: '' };
    const room = Math.max(0, this.#maxChannels - this.#configured.size);
    if (!(await this.#history.addChannel(channel, room, this.#clock.now()))) return undefined;
    this.#added.set(id, channel);
    return channel;
  }

  /** How many messages each channel holds. */
  async counts(): Promise<ReadonlyMap<string, number>> {
    return this.#history.counts();
  }

  /** The channel's messages with their threads, oldest first. */
  async messages(channelId: string): Promise<StoredMessage[]> {
    return assemble(await this.#history.channelRows(channelId));
  }

  /** The top-level message with this id, or the message whose thread holds this reply id. */
  async find(channelId: string, messageId: string): Promise<StoredMessage | undefined> {
    const rowId = MESSAGE_ID.exec(messageId)?.[1];
    if (rowId === undefined) return undefined;
    const [message] = assemble(await this.#history.threadRows(rowId));
    return message?.channelId === channelId ? message : undefined;
  }

  /**
   * Appends a message to a channel and drops the oldest beyond the bound. With `requestKey` (the
   * composer's request id), a message the same author already sent with it is returned instead, from
   * whichever process took the first send.
   */
  async post(
    channelId: string,
    author: string,
    body: MessageBody,
    options: { requestKey?: string } = {},
  ): Promise<StoredMessage> {
    if ((await this.channel(channelId)) === undefined)
      throw new Error(`Unknown console channel ${channelId}`);
    const inserted = await this.#history.insert({
      channelId,
      at: this.#clock.now(),
      author,
      body,
      requestKey: options.requestKey,
    });
    if (inserted === undefined) throw new Error(`The console could not keep a message in ${channelId}`);
    if (!inserted.created)
      return (await this.find(channelId, toMessageId(inserted.row.id))) ?? messageOf(inserted.row, []);
    await this.#history.trimChannel(channelId, this.#maxMessages);
    this.#announce({ type: 'message', channelId, id: inserted.row.id });
    return messageOf(inserted.row, []);
  }

  /**
   * Adds a reply to a message's thread and drops the oldest replies beyond the bound. Undefined when the
   * message is gone (it scrolled out of the channel's history).
   */
  async reply(parent: StoredMessage, author: string, body: MessageBody): Promise<StoredReply | undefined> {
    const parentId = MESSAGE_ID.exec(parent.id)?.[1];
    if (parentId === undefined) return undefined;
    const inserted = await this.#history.insert({
      channelId: parent.channelId,
      parentId,
      at: this.#clock.now(),
      author,
      body,
    });
    if (inserted === undefined) return undefined;
    await this.#history.trimThread(parentId, this.#maxReplies);
    this.#announce({ type: 'reply', channelId: parent.channelId, id: inserted.row.id });
    return replyOf(inserted.row);
  }

  /** Replaces a message's body in place (a card update); false when the message is gone. */
  async replace(message: StoredMessage, body: MessageBody): Promise<boolean> {
    const rowId = MESSAGE_ID.exec(message.id)?.[1];
    if (rowId === undefined || !(await this.#history.replaceBody(rowId, body))) return false;
    this.#announce({ type: 'update', channelId: message.channelId, id: rowId });
    return true;
  }

  /** Calls `listener` for every change, made here or in another process, until the returned function is called. */
  subscribe(listener: (event: ChannelEvent) => void): () => void {
    this.#listeners.add(listener);
    this.#unsubscribeFeed ??= this.#feed.subscribe(
      (payload) => this.#heard(payload),
      () => this.#enqueue(async () => ({ type: 'resync' })),
    );
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size > 0) return;
      this.#unsubscribeFeed?.();
      this.#unsubscribeFeed = undefined;
    };
  }

  #announce(notice: Notice): void {
    this.#feed.publish(JSON.stringify(notice));
  }

  /** A notice from the feed; anything that is not one (another program on the channel) is ignored. */
  #heard(payload: string): void {
    if (payload.length > 1_000) return;
    let json: unknown;
    try {
      json = JSON.parse(payload);
    } catch {
      return;
    }
    const notice = noticeSchema.safeParse(json);
    if (notice.success) this.#enqueue(() => this.#resolve(notice.data));
  }

  #enqueue(read: () => Promise<ChannelEvent | undefined>): void {
    this.#delivering = this.#delivering
      .then(read)
      .then((event) => {
        if (event === undefined) return;
        for (const listener of this.#listeners) listener(event);
      })
      // A store that cannot be read now costs the pages this change; they re-read on their next load.
      .catch(() => {});
  }

  async #resolve(notice: Notice): Promise<ChannelEvent | undefined> {
    if (notice.type === 'reply') {
      const row = await this.#history.row(notice.id);
      if (row === undefined || row.parentId === null || row.channelId !== notice.channelId) return undefined;
      return {
        type: 'reply',
        channelId: row.channelId,
        parentId: toMessageId(row.parentId),
        reply: replyOf(row),
      };
    }
    const [message] = assemble(await this.#history.threadRows(notice.id));
    if (
      message === undefined ||
      message.id !== toMessageId(notice.id) ||
      message.channelId !== notice.channelId
    )
      return undefined;
    return { type: notice.type, message };
  }
}

function addedChannel(row: { id: string; name: string; topic: string }): ConsoleChannel {
  return { id: row.id, name: row.name, kind: 'channel', topic: row.topic };
}

/** Rows (messages and replies, oldest first) as messages with their threads. */
function assemble(rows: readonly HistoryRow[]): StoredMessage[] {
  const threads = new Map<string, StoredReply[]>();
  for (const row of rows) {
    if (row.parentId === null) continue;
    const thread = threads.get(row.parentId) ?? [];
    thread.push(replyOf(row));
    threads.set(row.parentId, thread);
  }
  return rows.flatMap((row) => (row.parentId === null ? [messageOf(row, threads.get(row.id) ?? [])] : []));
}

function messageOf(row: HistoryRow, replies: StoredReply[]): StoredMessage {
  return {
    id: toMessageId(row.id),
    channelId: row.channelId,
    at: row.at,
    author: row.author,
    body: bodyOf(row.body),
    replies,
    repliesDropped: row.repliesDropped,
  };
}

function replyOf(row: HistoryRow): StoredReply {
  return { id: toMessageId(row.id), at: row.at, author: row.author, body: bodyOf(row.body) };
}

/** A body another dbxops version wrote in a shape this one does not know reads as a note saying so. */
function bodyOf(stored: unknown): MessageBody {
  const parsed = storedBodySchema.safeParse(stored);
  return parsed.success
    ? parsed.data
    : { kind: 'text', text: 'This message was written by another dbxops version and cannot be shown.' };
}
