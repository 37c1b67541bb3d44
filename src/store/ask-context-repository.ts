import type { Kysely } from 'kysely';
import type { Database } from './database.js';
import { fromDate, toDate, toJson } from './rows.js';

/** What a conversation last asked. `slots` is the analyst's to read (it validates what it gets back). */
export interface StoredAskContext {
  readonly intent: string;
  readonly slots: unknown;
  readonly periodStartMs: number;
  readonly periodEndMs: number;
  readonly periodLabel: string;
}

/** Conversation keys are built by the handler from platform ids; longer ones are not ours. */
const MAX_KEY = 512;
/** A conversation quiet this long has no follow-ups left; its context is dropped on the next save. */
const KEEP_MS = 30 * 24 * 3_600_000;

/**
 * The context of follow-up questions: the last intent, names and period per conversation key. Keys are
 * tried in order on read (the thread first, then the person in that channel).
 */
export class AskContextRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** The context saved under the first of `keys` that has one. */
  async find(keys: readonly string[]): Promise<StoredAskContext | undefined> {
    const usable = keys.filter((k) => k.length > 0 && k.length <= MAX_KEY);
    if (usable.length === 0) return undefined;
    const rows = await this.#db.selectFrom('ask_contexts').selectAll().where('key', 'in', usable).execute();
    for (const key of usable) {
      const row = rows.find((r) => r.key === key);
      if (row === undefined) continue;
      return {
        intent: row.intent,
        slots: typeof row.slots === 'string' ? JSON.parse(row.slots) : row.slots,
        periodStartMs: fromDate(row.period_start),
        periodEndMs: fromDate(row.period_end),
        periodLabel: row.period_label,
      };
    }
    return undefined;
  }

  /**
   * Saves `context` under every key (replacing what was there) and drops contexts unused for 30 days,
   * so the table holds the live conversations only. `now` is the wall clock.
   */
  async save(keys: readonly string[], context: StoredAskContext, now: number): Promise<void> {
    const usable = [...new Set(keys.filter((k) => k.length > 0 && k.length <= MAX_KEY))];
    if (usable.length === 0) return;
    const row = {
      intent: context.intent,
      slots: toJson(context.slots),
      period_start: toDate(context.periodStartMs),
      period_end: toDate(context.periodEndMs),
      period_label: context.periodLabel,
      updated_at: toDate(now),
    };
    await this.#db
      .insertInto('ask_contexts')
      .values(usable.map((key) => ({ key, ...row })))
      .onConflict((oc) => oc.column('key').doUpdateSet(row))
      .execute();
    await this.#db
      .deleteFrom('ask_contexts')
      .where('updated_at', '<', toDate(now - KEEP_MS))
      .execute();
  }
}
