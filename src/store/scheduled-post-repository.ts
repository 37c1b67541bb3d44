import type { Kysely } from 'kysely';
import type { Database } from './database.js';
import { fromDate, toDate } from './rows.js';

/** Which post: one per schedule, period and surface. */
export interface ScheduledPostKey {
  /** The schedule, e.g. `daily:#digest`, `weekly:#digest`, `cost:finance:#finance-data`. */
  readonly scheduleKey: string;
  /** The period it reports, e.g. the reported date `2026-11-21`. */
  readonly period: string;
  readonly surface: string;
}

const where = (key: ScheduledPostKey) => ({
  schedule_key: key.scheduleKey,
  period: key.period,
  surface: key.surface,
});

/**
 * Scheduled posts, claimed before they are built and sent (`claim`), so several processes sharing one
 * database — or one restarted mid-send — post each period once. The row stays after posting: it is
 * what tells the next process that the period is done.
 */
export class ScheduledPostRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /**
   * Claims a period's post with `token`. True when this caller builds and sends it: nobody had, or a
   * claim older than `staleBefore` (wall-clock ms) that never reached `sending` was taken over. A stale
   * claim that did reach `sending` becomes `uncertain` instead — the platform may have accepted it, and
   * a second copy is worse than a missing one.
   */
  async claim(
    key: ScheduledPostKey & { readonly channelId: string; readonly dueAt: number },
    token: string,
    now: number,
    staleBefore: number,
  ): Promise<boolean> {
    const inserted = await this.#db
      .insertInto('scheduled_posts')
      .values({
        ...where(key),
        channel_id: key.channelId,
        due_at: toDate(key.dueAt),
        state: 'claimed',
        claim_token: token,
        claimed_at: toDate(now),
        message_id: null,
        posted_at: null,
      })
      .onConflict((oc) => oc.columns(['schedule_key', 'period', 'surface']).doNothing())
      .returning('period')
      .executeTakeFirst();
    if (inserted !== undefined) return true;
    await this.#db
      .updateTable('scheduled_posts')
      .set({ state: 'uncertain', claim_token: null })
      .where((eb) => eb.and(where(key)))
      .where('state', '=', 'sending')
      .where('claimed_at', '<', toDate(staleBefore))
      .execute();
    const taken = await this.#db
      .updateTable('scheduled_posts')
      .set({ claim_token: token, claimed_at: toDate(now) })
      .where((eb) => eb.and(where(key)))
      .where('state', '=', 'claimed')
      .where('claimed_at', '<', toDate(staleBefore))
      .returning('period')
      .executeTakeFirst();
    return taken !== undefined;
  }

  /** Marks a claimed post as being sent, right before the platform call. False when the claim was lost. */
  async sending(key: ScheduledPostKey, token: string, now: number): Promise<boolean> {
    const done = await this.#db
      .updateTable('scheduled_posts')
      .set({ state: 'sending', claimed_at: toDate(now) })
      .where((eb) => eb.and(where(key)))
      .where('claim_token', '=', token)
      .where('state', '=', 'claimed')
      .returning('period')
      .executeTakeFirst();
    return done !== undefined;
  }

  /** Records the message a sent post became. */
  async posted(
    key: ScheduledPostKey,
    token: string,
    posted: { messageId: string; postedAt: number; late: boolean },
  ): Promise<void> {
    await this.#db
      .updateTable('scheduled_posts')
      .set({
        state: 'posted',
        claim_token: null,
        message_id: posted.messageId,
        posted_at: toDate(posted.postedAt),
        late: posted.late,
      })
      .where((eb) => eb.and(where(key)))
      .where('claim_token', '=', token)
      .execute();
  }

  /** Gives a claim back after building or sending failed, so the next attempt retries at once. */
  async release(key: ScheduledPostKey, token: string): Promise<void> {
    await this.#db
      .deleteFrom('scheduled_posts')
      .where((eb) => eb.and(where(key)))
      .where('claim_token', '=', token)
      .where('state', 'in', ['claimed', 'sending'])
      .execute();
  }

  /**
   * When the latest period of a schedule on a surface that is settled (posted, or uncertain) was due;
   * null before the first. A period still claimed is not settled: its claim is looked at again.
   */
  async latestSettled(scheduleKey: string, surface: string): Promise<number | null> {
    const row = await this.#db
      .selectFrom('scheduled_posts')
      .select((eb) => eb.fn.max('due_at').as('due'))
      .where('schedule_key', '=', scheduleKey)
      .where('surface', '=', surface)
      .where('state', 'in', ['posted', 'uncertain'])
      .executeTakeFirst();
    return row?.due == null ? null : fromDate(row.due);
  }

  /** Every post of a schedule, oldest first: what was sent, when, and whether late. */
  async list(scheduleKey: string): Promise<
    {
      period: string;
      surface: string;
      channelId: string;
      state: string;
      dueAt: number;
      postedAt: number | null;
      late: boolean;
    }[]
  > {
    const rows = await this.#db
      .selectFrom('scheduled_posts')
      .selectAll()
      .where('schedule_key', '=', scheduleKey)
      .orderBy('due_at')
      .orderBy('surface')
      .execute();
    return rows.map((r) => ({
      period: r.period,
      surface: r.surface,
      channelId: r.channel_id,
      state: r.state,
      dueAt: fromDate(r.due_at),
      postedAt: r.posted_at === null ? null : fromDate(r.posted_at),
      late: r.late,
    }));
  }
}
