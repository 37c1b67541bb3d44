import { type ExpressionBuilder, type Kysely, sql } from 'kysely';
import type { Database } from './database.js';
import { fromDate, toDate } from './rows.js';

/** Which copy: one per incident, surface and routed channel. */
export interface CardPostKey {
  readonly incidentId: string;
  readonly surface: string;
  /** The channel as routing names it (`#incidents`, a Teams conversation id). */
  readonly channelId: string;
}

/**
 * One copy of an incident card. Ids are the surface's own (Slack `ts`, Teams activity id), opaque here.
 * `messageId` is null while a process has claimed the copy and is posting it.
 */
export interface CardPost extends CardPostKey {
  readonly messageId: string | null;
  /** The channel as the platform answered the post (Slack's `C…` for `#incidents`); null while claimed. */
  readonly messageChannelId: string | null;
  /** The incident version the copy shows. */
  readonly shownVersion: number;
  /** The last timeline entry (by `seq`) the copy's thread holds; null when none. */
  readonly notesThroughSeq: number | null;
  /** Wall-clock ms of the claim of a copy being posted; null once posted. */
  readonly claimedAt: number | null;
  readonly postedAt: number;
}

/** A copy the platform accepted: it has a message to update and a thread to note in. */
export type PostedCard = CardPost & { readonly messageId: string; readonly messageChannelId: string };

export const isPosted = (post: CardPost): post is PostedCard =>
  post.messageId !== null && post.messageChannelId !== null;

const whereKey = (key: CardPostKey) => ({
  incident_id: key.incidentId,
  surface: key.surface,
  channel_id: key.channelId,
});

/**
 * Where incident cards are posted: the only record of an incident's copies, so every process updates
 * every copy in place, also after a restart. A copy is claimed before it is posted (`claim`), so two
 * processes sharing one database never post it twice.
 */
export class CardPostRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /**
   * Claims a copy for posting with `token`. True when this caller may post it: no copy existed, or a
   * claim older than `staleBefore` (wall-clock ms; its process died mid-post) was taken over. False when
   * the copy is posted or another live process is posting it.
   */
  async claim(key: CardPostKey, token: string, now: number, staleBefore: number): Promise<boolean> {
    const inserted = await this.#db
      .insertInto('card_posts')
      .values({
        ...whereKey(key),
        message_id: null,
        message_channel_id: null,
        shown_version: 0,
        notes_through_id: null,
        claim_token: token,
        claimed_at: toDate(now),
        posted_at: toDate(now),
      })
      .onConflict((oc) => oc.columns(['incident_id', 'surface', 'channel_id']).doNothing())
      .returning('incident_id')
      .executeTakeFirst();
    if (inserted !== undefined) return true;
    const taken = await this.#db
      .updateTable('card_posts')
      .set({ claim_token: token, claimed_at: toDate(now) })
      .where(sameCopy(key))
      .where('message_id', 'is', null)
      .where('claimed_at', '<', toDate(staleBefore))
      .returning('incident_id')
      .executeTakeFirst();
    return taken !== undefined;
  }

  /**
   * Claims a posted copy whose message is gone (the console after a restart) for posting again: only
   * while it still names `messageId`, so two processes that both found it gone post one new copy.
   */
  async reclaim(key: CardPostKey, messageId: string, token: string, now: number): Promise<boolean> {
    const taken = await this.#db
      .updateTable('card_posts')
      .set({ message_id: null, message_channel_id: null, claim_token: token, claimed_at: toDate(now) })
      .where(sameCopy(key))
      .where('message_id', '=', messageId)
      .returning('incident_id')
      .executeTakeFirst();
    return taken !== undefined;
  }

  /** Records the message a claimed copy became. False when the claim was taken over meanwhile. */
  async complete(
    key: CardPostKey,
    token: string,
    posted: {
      messageId: string;
      messageChannelId: string;
      shownVersion: number;
      notesThroughSeq: number | null;
      postedAt: number;
    },
  ): Promise<boolean> {
    const done = await this.#db
      .updateTable('card_posts')
      .set({
        message_id: posted.messageId,
        message_channel_id: posted.messageChannelId,
        shown_version: posted.shownVersion,
        notes_through_id: posted.notesThroughSeq,
        claim_token: null,
        claimed_at: null,
        posted_at: toDate(posted.postedAt),
      })
      .where(sameCopy(key))
      .where('claim_token', '=', token)
      .returning('incident_id')
      .executeTakeFirst();
    return done !== undefined;
  }

  /** Gives a claim back after the post failed, so the next attempt (here or elsewhere) posts at once. */
  async release(key: CardPostKey, token: string): Promise<void> {
    await this.#db
      .deleteFrom('card_posts')
      .where(sameCopy(key))
      .where('claim_token', '=', token)
      .where('message_id', 'is', null)
      .execute();
  }

  /** Every copy of an incident, posted or being posted. */
  async list(incidentId: string): Promise<CardPost[]> {
    const rows = await this.#db
      .selectFrom('card_posts')
      .selectAll()
      .where('incident_id', '=', incidentId)
      .orderBy('posted_at')
      .execute();
    return rows.map((r) => ({
      incidentId: r.incident_id,
      surface: r.surface,
      channelId: r.channel_id,
      messageId: r.message_id,
      messageChannelId: r.message_channel_id,
      shownVersion: r.shown_version,
      notesThroughSeq: r.notes_through_id === null ? null : Number(r.notes_through_id),
      claimedAt: r.claimed_at === null ? null : fromDate(r.claimed_at),
      postedAt: fromDate(r.posted_at),
    }));
  }

  /** Unresolved incidents with a copy on `surface`, newest first (at most `limit`, default 500). */
  async openIncidentsOn(surface: string, limit = 500): Promise<string[]> {
    const rows = await this.#db
      .selectFrom('card_posts')
      .innerJoin('incidents', 'incidents.id', 'card_posts.incident_id')
      .select('card_posts.incident_id')
      .distinct()
      .select('incidents.updated_at')
      .where('card_posts.surface', '=', surface)
      .where('incidents.state', '!=', 'resolved')
      .orderBy('incidents.updated_at', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => r.incident_id);
  }

  /** The incidents whose card is the message `messageId` on `surface` (one, unless ids collide across channels). */
  async incidentsOfMessage(surface: string, messageId: string): Promise<string[]> {
    const rows = await this.#db
      .selectFrom('card_posts')
      .select('incident_id')
      .where('surface', '=', surface)
      .where('message_id', '=', messageId)
      .execute();
    return rows.map((r) => r.incident_id);
  }

  /**
   * Notes that a copy now shows `version`. Never goes back: a slower process that rendered an older
   * version does not undo a newer one.
   */
  async markShown(key: CardPostKey, version: number): Promise<void> {
    await this.#db
      .updateTable('card_posts')
      .set({ shown_version: sql<number>`greatest(shown_version, ${version})` })
      .where(sameCopy(key))
      .execute();
  }

  /**
   * Moves a copy's thread mark from `from` to `to` before the notes in between are posted: true for the
   * one caller that moved it (it posts them), false when another process got there first. A failed post
   * moves it back with the arguments swapped.
   */
  async advanceNotes(key: CardPostKey, from: number | null, to: number | null): Promise<boolean> {
    const moved = await this.#db
      .updateTable('card_posts')
      .set({ notes_through_id: to })
      .where(sameCopy(key))
      .where('notes_through_id', from === null ? 'is' : '=', from)
      .returning('incident_id')
      .executeTakeFirst();
    return moved !== undefined;
  }
}

/** The row of one copy: its incident, surface and channel. */
function sameCopy(key: CardPostKey) {
  return (eb: ExpressionBuilder<Database, 'card_posts'>) =>
    eb.and({ incident_id: key.incidentId, surface: key.surface, channel_id: key.channelId });
}
