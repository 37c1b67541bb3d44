import type { Kysely } from 'kysely';
import { InvalidArgumentError } from '../domain/errors.js';
import { cleanText } from '../domain/text.js';
import type { Database } from './database.js';
import { toDate } from './rows.js';

/** Keys longer than this are hashed by the caller's convention; refusing them keeps the index small. */
const PROCESSED_KEY_MAX = 512;

/** Rows per multi-row insert: well under PostgreSQL's 65,535 bind parameters. */
const KEYS_PER_STATEMENT = 1_000;

function checkKey(key: string): void {
  if (key.length === 0 || key.length > PROCESSED_KEY_MAX) {
    throw new InvalidArgumentError(
      `A processed key must be 1–${PROCESSED_KEY_MAX} characters; hash longer keys.`,
      { length: key.length },
    );
  }
}

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
    return (await this.markManyProcessed([key], now, scope)).has(key);
  }

  /**
   * `markProcessed` for many keys in one statement (what a burst of webhooks needs): the set of keys
   * marked now, i.e. those not processed before. Repeats within `keys` count once.
   */
  async markManyProcessed(keys: readonly string[], now: number, scope = 'default'): Promise<Set<string>> {
    for (const key of keys) checkKey(key);
    // Stored cleaned; answered in the caller's own spelling, which is what it will look up.
    const asGiven = new Map<string, string[]>();
    for (const key of new Set(keys)) {
      const clean = cleanText(key);
      asGiven.set(clean, [...(asGiven.get(clean) ?? []), key]);
    }
    const unique = [...asGiven.keys()];
    const fresh = new Set<string>();
    for (let i = 0; i < unique.length; i += KEYS_PER_STATEMENT) {
      const rows = await this.#db
        .insertInto('processed_keys')
        .values(
          unique
            .slice(i, i + KEYS_PER_STATEMENT)
            .map((key) => ({ scope: cleanText(scope), key, processed_at: toDate(now) })),
        )
        .onConflict((oc) => oc.columns(['scope', 'key']).doNothing())
        .returning('key')
        .execute();
      for (const row of rows) for (const key of asGiven.get(row.key) ?? []) fresh.add(key);
    }
    return fresh;
  }

  /** Unmarks keys whose work could not be handed on, so a redelivery is processed. */
  async forget(keys: readonly string[], scope = 'default'): Promise<void> {
    if (keys.length === 0) return;
    await this.#db
      .deleteFrom('processed_keys')
      .where('scope', '=', cleanText(scope))
      .where('key', 'in', keys.map(cleanText))
      .execute();
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
