import type { Kysely } from 'kysely';
import type { Database } from './database.js';
import { fromDate, fromDateOrNull, toDate } from './rows.js';

/** One posted copy of an incident card. Ids are the surface's own (Slack `ts`, Teams activity id), opaque here. */
export interface CardPost {
  readonly incidentId: string;
  readonly surface: string;
  readonly channelId: string;
  readonly messageId: string;
  /** The incident version the copy shows. */
  readonly shownVersion: number;
  /** Timeline entries up to this time are in the copy's thread. */
  readonly notesThrough: number | null;
  readonly postedAt: number;
}

/** Where incident cards were posted, so every process can update every copy in place. */
export class CardPostRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /**
   * Records a posted copy. Returns false when this incident already has a copy in that channel on that
   * surface (a concurrent notifier posted first): the caller should not post twice.
   */
  async record(post: Omit<CardPost, 'notesThrough'> & { notesThrough?: number | null }): Promise<boolean> {
    const inserted = await this.#db
      .insertInto('card_posts')
      .values({
        incident_id: post.incidentId,
        surface: post.surface,
        channel_id: post.channelId,
        message_id: post.messageId,
        shown_version: post.shownVersion,
        notes_through: post.notesThrough == null ? null : toDate(post.notesThrough),
        posted_at: toDate(post.postedAt),
      })
      .onConflict((oc) => oc.columns(['incident_id', 'surface', 'channel_id']).doNothing())
      .returning('incident_id')
      .executeTakeFirst();
    return inserted !== undefined;
  }

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
      shownVersion: r.shown_version,
      notesThrough: fromDateOrNull(r.notes_through),
      postedAt: fromDate(r.posted_at),
    }));
  }

  /** Notes that a copy now shows `version` and the thread holds entries through `notesThrough`. Never goes back. */
  async markShown(
    key: { incidentId: string; surface: string; channelId: string },
    version: number,
    notesThrough: number | null,
  ): Promise<void> {
    const current = await this.#db
      .selectFrom('card_posts')
      .select(['shown_version', 'notes_through'])
      .where('incident_id', '=', key.incidentId)
      .where('surface', '=', key.surface)
      .where('channel_id', '=', key.channelId)
      .executeTakeFirst();
    if (!current) return;
    const through = Math.max(notesThrough ?? 0, fromDateOrNull(current.notes_through) ?? 0);
    await this.#db
      .updateTable('card_posts')
      .set({
        shown_version: Math.max(version, current.shown_version),
        notes_through: through > 0 ? toDate(through) : null,
      })
      .where('incident_id', '=', key.incidentId)
      .where('surface', '=', key.surface)
      .where('channel_id', '=', key.channelId)
      .execute();
  }
}
