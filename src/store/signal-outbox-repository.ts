import type { Kysely } from 'kysely';
import type { Database } from './database.js';
import { fromDate, toDate, toJson } from './rows.js';

/** A queued signal job as the outbox keeps it: its job key, workspace and payload. */
export interface OutboxEntry {
  readonly key: string;
  readonly workspaceId: string;
  readonly payload: unknown;
  readonly queuedAt: number;
}

/** Entries queued again at most at once; the rest wait for the next look. */
const DEFAULT_LIMIT = 10_000;

/**
 * Signals handed on to correlation and not yet correlated (`signal_outbox`). The queue (Redis) is where
 * they wait and are worked; this is what survives a Redis that restarts without its data, so the signals
 * a poll already moved its watermark past are queued again instead of lost.
 */
export class SignalOutboxRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** Keeps a job's signals until `remove`; the same key again keeps the first. */
  async put(entry: OutboxEntry): Promise<void> {
    await this.#db
      .insertInto('signal_outbox')
      .values({
        key: entry.key,
        workspace_id: entry.workspaceId,
        payload: toJson(entry.payload),
        queued_at: toDate(entry.queuedAt),
      })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
  }

  /** The job's signals were correlated (or can never be): nothing to queue again. */
  async remove(key: string): Promise<void> {
    await this.#db.deleteFrom('signal_outbox').where('key', '=', key).execute();
  }

  /** What is still waiting, oldest first. */
  async list(limit = DEFAULT_LIMIT): Promise<OutboxEntry[]> {
    const rows = await this.#db
      .selectFrom('signal_outbox')
      .selectAll()
      .orderBy('queued_at')
      .orderBy('key')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      key: r.key,
      workspaceId: r.workspace_id,
      payload: r.payload,
      queuedAt: fromDate(r.queued_at),
    }));
  }
}
