import type { Kysely } from 'kysely';
import { InvalidArgumentError } from '../domain/errors.js';
import { cleanText } from '../domain/text.js';
import type { Database } from './database.js';
import { toDate } from './rows.js';

/** Keys longer than this are hashed by the caller's convention; refusing them keeps the index small. */
export const PROCESSED_KEY_MAX = 512;

/**
 * Remembers what was already handled (a webhook delivery id, a run seen by the poller, a button click)
 * so at-least-once delivery changes nothing twice.
 */
export class ProcessedKeyRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /**
   * Marks `key` in `scope` as processed. True the first time, false on every later call — also when two
   * workers race, because the decision is one `INSERT … ON CONFLICT DO NOTHING`.
   */
  async markProcessed(key: string, now: number, scope = 'default'): Promise<boolean> {
    if (key.length === 0 || key.length > PROCESSED_KEY_MAX) {
      throw new InvalidArgumentError(
        `A processed key must be 1–${PROCESSED_KEY_MAX} characters; hash longer keys.`,
        {
          length: key.length,
        },
      );
    }
    const row = await this.#db
      .insertInto('processed_keys')
      .values({ scope: cleanText(scope), key: cleanText(key), processed_at: toDate(now) })
      .onConflict((oc) => oc.columns(['scope', 'key']).doNothing())
      .returning('key')
      .executeTakeFirst();
    return row !== undefined;
  }

  /** True when `key` was already marked in `scope`. */
  async isProcessed(key: string, scope = 'default'): Promise<boolean> {
    const row = await this.#db
      .selectFrom('processed_keys')
      .select('key')
      .where('scope', '=', cleanText(scope))
      .where('key', '=', cleanText(key))
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Forgets keys processed before `before` (retention); returns how many were removed. */
  async prune(before: number): Promise<number> {
    const result = await this.#db
      .deleteFrom('processed_keys')
      .where('processed_at', '<', toDate(before))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
