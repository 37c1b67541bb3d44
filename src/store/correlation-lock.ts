import { createHash } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
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
  const scopeOf = (trx: Kysely<Database>): CorrelationScope => ({
    incidents: new IncidentRepository(trx, { inTransaction: true }),
    recurring: new RecurringIssueRepository(trx),
  });
  return async function inCorrelationLock<T>(
    keys: Iterable<string>,
    work: (scope: CorrelationScope) => Promise<T>,
  ): Promise<T> {
    // PGlite is one connection: its transactions already run one at a time.
    if (options.dialect === 'pglite') return db.transaction().execute((trx) => work(scopeOf(trx)));
    const locks = lockStatement([...new Set(keys)], maxKeys);
    return db.connection().execute(async (connection) => {
      let result: T;
      try {
        // BEGIN and the locks go as one simple-protocol query (the statement holds only integers): one
        // round trip where a kysely transaction takes two, on the path of every failure.
        await sql.raw(`BEGIN; ${locks}`).execute(connection);
        result = await work(scopeOf(connection));
      } catch (error) {
        // The connection goes back to the pool: never inside this transaction. A ROLLBACK that fails
        // means a broken connection, which the pool drops; the step's own error is the one to report.
        await sql
          .raw('ROLLBACK')
          .execute(connection)
          .catch(() => {});
        throw error;
      }
      await sql.raw('COMMIT').execute(connection);
      return result;
    });
  };
}

export type CorrelationLock = ReturnType<typeof createCorrelationLock>;

/** Advisory-lock namespaces (the first of the two int4 keys): 'dx' + 1 for "every step", + 2 per key. */
const ALL_STEPS = 0x6478_0001;
const ONE_KEY = 0x6478_0002;

/**
 * The statement taking a step's locks: every key's, or (beyond `maxKeys`) the lock of every step. Its
 * values are integers of our own making, written into the text so it can travel with BEGIN.
 */
function lockStatement(keys: readonly string[], maxKeys: number): string {
  if (keys.length > maxKeys) return `SELECT pg_advisory_xact_lock(${ALL_STEPS}, 0)`;
  // Ascending order: two steps wanting overlapping keys cannot deadlock.
  const ids = [...new Set(keys.map(lockId))].sort((a, b) => a - b);
  return `SELECT pg_advisory_xact_lock_shared(${ALL_STEPS}, 0),
                 (SELECT count(pg_advisory_xact_lock(${ONE_KEY}, id))
                  FROM (SELECT unnest('{${ids.join(',')}}'::int4[]) AS id ORDER BY 1) AS ordered)`;
}

/** A stable int4 per key; a collision only makes two unrelated steps take turns. */
function lockId(key: string): number {
  return createHash('sha1').update(key).digest().readInt32BE(0);
}
