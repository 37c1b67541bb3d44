import { createHash } from 'node:crypto';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database } from './database.js';
import { IncidentRepository } from './incident-repository.js';
import { RecurringIssueRepository } from './recurring-issue-repository.js';

/** The repositories a correlation step works with, bound to the transaction that holds its locks. */
export interface CorrelationScope {
  readonly incidents: IncidentRepository;
  readonly recurring: RecurringIssueRepository;
}

/**
 * Runs one correlation step (read the incidents a signal can join, then open or join one) in a
 * transaction that holds a PostgreSQL advisory lock per link key. Two signals that could correlate share
 * a key, so they take turns and the second sees the first's incident; signals with nothing in common run
 * side by side, on any number of workers and processes. A step touching more keys than `maxKeys` (a
 * signal on a cluster shared by hundreds of jobs) takes the lock of every step, alone.
 */
export function createCorrelationLock(
  db: Kysely<Database>,
  options: { readonly dialect: 'pglite' | 'postgres'; readonly maxKeys?: number },
) {
  const maxKeys = options.maxKeys ?? 64;
  return async function inCorrelationLock<T>(
    keys: Iterable<string>,
    work: (scope: CorrelationScope) => Promise<T>,
  ): Promise<T> {
    return db.transaction().execute(async (trx) => {
      // PGlite is one connection: its transactions already run one at a time.
      if (options.dialect === 'postgres') await lockKeys(trx, [...new Set(keys)], maxKeys);
      return work({ incidents: new IncidentRepository(trx), recurring: new RecurringIssueRepository(trx) });
    });
  };
}

export type CorrelationLock = ReturnType<typeof createCorrelationLock>;

/** Advisory-lock namespaces (the first of the two int4 keys): 'dx' + 1 for "every step", + 2 per key. */
const ALL_STEPS = 0x6478_0001;
const ONE_KEY = 0x6478_0002;

async function lockKeys(trx: Transaction<Database>, keys: readonly string[], maxKeys: number): Promise<void> {
  if (keys.length > maxKeys) {
    await sql`SELECT pg_advisory_xact_lock(${ALL_STEPS}, 0)`.execute(trx);
    return;
  }
  // Ascending order: two steps wanting overlapping keys cannot deadlock. One statement, one round trip.
  const ids = [...new Set(keys.map(lockId))].sort((a, b) => a - b);
  await sql`SELECT pg_advisory_xact_lock_shared(${ALL_STEPS}, 0),
                   (SELECT count(pg_advisory_xact_lock(${ONE_KEY}, id))
                    FROM (SELECT unnest(${ids}::int4[]) AS id ORDER BY 1) AS ordered)`.execute(trx);
}

/** A stable int4 per key; a collision only makes two unrelated steps take turns. */
function lockId(key: string): number {
  return createHash('sha1').update(key).digest().readInt32BE(0);
}
