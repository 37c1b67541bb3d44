import { type Kysely, sql } from 'kysely';
import type { Database } from './database.js';
import { toDate } from './rows.js';

/** Days of usage kept; older rows are dropped as new days begin. */
const KEEP_DAYS = 90;

/**
 * Language-model tokens spent per UTC day by every process of the deployment (migration 0010). Adding
 * is one atomic upsert, so processes spending at once never lose each other's tokens.
 */
export class TokenUsageRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** Tokens spent on `day` (`YYYY-MM-DD`, UTC) so far. */
  async used(day: string): Promise<number> {
    const row = await this.#db
      .selectFrom('llm_token_usage')
      .select('tokens')
      .where('day', '=', day)
      .executeTakeFirst();
    return Number(row?.tokens ?? 0);
  }

  /** Adds `tokens` to `day` and returns the day's new total; `now` (wall clock) stamps the row. */
  async add(day: string, tokens: number, now: number): Promise<number> {
    const row = await this.#db
      .insertInto('llm_token_usage')
      .values({ day, tokens, updated_at: toDate(now) })
      .onConflict((oc) =>
        oc.column('day').doUpdateSet({
          tokens: sql`llm_token_usage.tokens + excluded.tokens`,
          updated_at: toDate(now),
        }),
      )
      .returning('tokens')
      .executeTakeFirstOrThrow();
    const total = Number(row.tokens);
    if (total === tokens) {
      // The day's first spend: a good moment to forget days nobody will ask about.
      const oldest = new Date(now - KEEP_DAYS * 86_400_000).toISOString().slice(0, 10);
      await this.#db.deleteFrom('llm_token_usage').where('day', '<', oldest).execute();
    }
    return total;
  }
}
