import { type Kysely, sql } from 'kysely';
import type { Database } from './database.js';
import { fromDate, toCount, toDate } from './rows.js';

/** A channel added to the console beside the configured ones. */
export interface ConsoleChannelRow {
  readonly id: string;
  readonly name: string;
  readonly topic: string;
}

/** A console message (`parentId` null) or a reply; `body` is the console's, opaque here. */
export interface ConsoleMessageRow {
  readonly id: string;
  readonly channelId: string;
  readonly parentId: string | null;
  readonly at: number;
  readonly author: string;
  readonly body: unknown;
  readonly repliesDropped: number;
}

/** What `insert` writes: a message when `parentId` is undefined, else a reply under that message. */
export interface ConsoleMessageDraft {
  readonly channelId: string;
  readonly parentId?: string | undefined;
  readonly at: number;
  readonly author: string;
  readonly body: unknown;
  /** The sender's request id: a second insert with the same key, channel and author returns the first. */
  readonly requestKey?: string | undefined;
}

/** Ids are bigint in the database: read as text, written as text, so neither driver rounds them. */
const COLUMNS = sql<RawRow>`id::text as id, channel_id, parent_id::text as parent_id, at, author, body, replies_dropped`;

interface RawRow {
  id: string;
  channel_id: string;
  parent_id: string | null;
  at: Date | string;
  author: string;
  body: unknown;
  replies_dropped: number;
}

/**
 * jsonb refuses the NUL character ("unsupported Unicode escape sequence"), which a person can type and a
 * workspace's error text can carry: it is kept as U+FFFD, so the message is kept and nothing fails.
 */
const toJsonb = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) => (typeof v === 'string' ? v.replaceAll('\u0000', '\uFFFD') : v));

const toRow = (r: RawRow): ConsoleMessageRow => ({
  id: r.id,
  channelId: r.channel_id,
  parentId: r.parent_id,
  at: fromDate(r.at),
  author: r.author,
  body: r.body,
  repliesDropped: Number(r.replies_dropped),
});

/**
 * The console's history (`console_channels`, `console_messages`), shared by every web process. Bounds are
 * the caller's: it trims a channel or a thread after each insert, so the tables never hold more than the
 * console shows, whichever process wrote last.
 */
export class ConsoleHistoryRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** The channels added so far, in the order they were added. */
  async channels(): Promise<ConsoleChannelRow[]> {
    return this.#db
      .selectFrom('console_channels')
      .select(['id', 'name', 'topic'])
      .orderBy('created_at')
      .orderBy('id')
      .execute();
  }

  /**
   * Adds a channel unless `room` channels are stored already. True when the channel is stored (now or
   * before). Two processes adding different channels at once may each pass the count: the bound is
   * exceeded by at most one channel per process, never without end.
   */
  async addChannel(channel: ConsoleChannelRow, room: number, now: number): Promise<boolean> {
    await sql`insert into console_channels (id, name, topic, created_at)
      select ${channel.id}, ${channel.name}, ${channel.topic}, ${toDate(now)}
      where (select count(*) from console_channels) < ${room}
      on conflict (id) do nothing`.execute(this.#db);
    const found = await this.#db
      .selectFrom('console_channels')
      .select('id')
      .where('id', '=', channel.id)
      .executeTakeFirst();
    return found !== undefined;
  }

  /** Every message of a channel and every reply in their threads, oldest first. */
  async channelRows(channelId: string): Promise<ConsoleMessageRow[]> {
    const { rows } = await sql<RawRow>`select ${COLUMNS} from console_messages
      where channel_id = ${channelId} order by console_messages.id`.execute(this.#db);
    return rows.map(toRow);
  }

  /** The message holding `id` (itself, or the message whose thread it is in) and its replies, oldest first. */
  async threadRows(id: string): Promise<ConsoleMessageRow[]> {
    const { rows } = await sql<RawRow>`with root as (
        select coalesce(parent_id, id) as id from console_messages where id = ${id}::bigint
      )
      select ${COLUMNS} from console_messages
      where id = (select id from root) or parent_id = (select id from root)
      order by console_messages.id`.execute(this.#db);
    return rows.map(toRow);
  }

  /** One message or reply. */
  async row(id: string): Promise<ConsoleMessageRow | undefined> {
    const { rows } =
      await sql<RawRow>`select ${COLUMNS} from console_messages where id = ${id}::bigint`.execute(this.#db);
    return rows[0] === undefined ? undefined : toRow(rows[0]);
  }

  /**
   * Writes a message or a reply. A reply whose message is gone (trimmed by another process a moment ago)
   * is not written: undefined. With a `requestKey` already used in the channel by the author, the first
   * message is returned and nothing is written; `created` says which.
   */
  async insert(
    draft: ConsoleMessageDraft,
  ): Promise<{ row: ConsoleMessageRow; created: boolean } | undefined> {
    const parentId = draft.parentId ?? null;
    const requestKey = draft.requestKey ?? null;
    const { rows } =
      await sql<RawRow>`insert into console_messages (channel_id, parent_id, at, author, body, request_key)
      select ${draft.channelId}, ${parentId}::bigint, ${toDate(draft.at)}, ${draft.author}, ${toJsonb(draft.body)}::jsonb, ${requestKey}
      where ${parentId}::bigint is null
         or exists (select 1 from console_messages where id = ${parentId}::bigint and parent_id is null)
      on conflict (channel_id, author, request_key) where request_key is not null do nothing
      returning ${COLUMNS}`.execute(this.#db);
    if (rows[0] !== undefined) return { row: toRow(rows[0]), created: true };
    if (requestKey === null) return undefined;
    const { rows: first } = await sql<RawRow>`select ${COLUMNS} from console_messages
      where channel_id = ${draft.channelId} and author = ${draft.author} and request_key = ${requestKey}`.execute(
      this.#db,
    );
    return first[0] === undefined ? undefined : { row: toRow(first[0]), created: false };
  }

  /** Deletes a channel's oldest messages (and their threads) beyond the newest `keep`. */
  async trimChannel(channelId: string, keep: number): Promise<void> {
    await sql`delete from console_messages
      where channel_id = ${channelId} and parent_id is null and id <= (
        select id from console_messages where channel_id = ${channelId} and parent_id is null
        order by id desc offset ${keep} limit 1
      )`.execute(this.#db);
  }

  /** Deletes a thread's oldest replies beyond the newest `keep`, counting them on the message. */
  async trimThread(parentId: string, keep: number): Promise<void> {
    await sql`with dropped as (
        delete from console_messages where parent_id = ${parentId}::bigint and id <= (
          select id from console_messages where parent_id = ${parentId}::bigint
          order by id desc offset ${keep} limit 1
        ) returning 1
      )
      update console_messages set replies_dropped = replies_dropped + (select count(*) from dropped)
      where id = ${parentId}::bigint and exists (select 1 from dropped)`.execute(this.#db);
  }

  /** Replaces a message's body; false when the message is gone. */
  async replaceBody(id: string, body: unknown): Promise<boolean> {
    const result = await this.#db
      .updateTable('console_messages')
      .set({ body: toJsonb(body) })
      .where(sql<boolean>`id = ${id}::bigint and parent_id is null`)
      .executeTakeFirst();
    return toCount(result.numUpdatedRows) > 0;
  }

  /** How many messages each channel holds (channels without any are left out). */
  async counts(): Promise<Map<string, number>> {
    const rows = await this.#db
      .selectFrom('console_messages')
      .select(['channel_id', (eb) => eb.fn.countAll().as('n')])
      .where('parent_id', 'is', null)
      .groupBy('channel_id')
      .execute();
    return new Map(rows.map((r) => [r.channel_id, toCount(r.n)]));
  }
}
