import { createHash } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import type { Database } from './database.js';
import { toDate } from './rows.js';

/** One remembered entry of a detector part; `value` undefined: forgotten. */
export interface DetectorStateEntry {
  readonly part: string;
  readonly key: string;
  readonly value: unknown;
}

/** What a worker reads and writes while it holds a workspace's detector state. */
export interface DetectorStateScope {
  /** The entries saved after `seq` (by any process), and the newest `seq` stored. */
  since(seq: number): Promise<{ entries: DetectorStateEntry[]; seq: number }>;
  /** Saves `entries` as save number `seq` (one more than the newest stored). */
  save(seq: number, entries: readonly DetectorStateEntry[], now: number): Promise<void>;
}

/** Rows per multi-row insert: 6 parameters a row, well under PostgreSQL's 65,535. */
const ROWS_PER_STATEMENT = 1_000;

/** Advisory-lock namespace of detector state ('dx' + 3; see the correlation lock's 1 and 2). */
const DETECTOR_STATE_LOCK = 0x6478_0003;

/** The detectors' memory per workspace (`detector_state`), read and written under one lock per workspace. */
export class DetectorStateRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /**
   * Runs `work` in a transaction holding the workspace's detector-state lock (a PostgreSQL advisory
   * lock): two polls of one workspace, in one process or several, judge one after the other, each on
   * what the one before saved. Hold it only to read, judge and save: never across a call to the
   * workspace.
   */
  locked<T>(workspaceId: string, work: (scope: DetectorStateScope) => Promise<T>): Promise<T> {
    return this.#db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(${DETECTOR_STATE_LOCK}, ${lockId(workspaceId)})`.execute(trx);
      return work({
        // One statement, not two (a round trip saved on every poll's judgement): the entries saved
        // after `seq`, then one row without a part that carries the newest `seq` stored.
        since: async (seq) => {
          const { rows } = await sql<{
            part: string | null;
            key: string | null;
            value: unknown;
            seq: number | null;
          }>`select part, key, value, seq from detector_state where workspace_id = ${workspaceId} and seq > ${seq}
             union all
             select null, null, null, max(seq) from detector_state where workspace_id = ${workspaceId}`.execute(
            trx,
          );
          const entries: DetectorStateEntry[] = [];
          let newest = 0;
          for (const r of rows) {
            if (r.part === null || r.key === null) newest = Number(r.seq ?? 0);
            else entries.push({ part: r.part, key: r.key, value: r.value ?? undefined });
          }
          return { entries, seq: newest };
        },
        save: async (seq, entries, now) => {
          for (let i = 0; i < entries.length; i += ROWS_PER_STATEMENT) {
            await trx
              .insertInto('detector_state')
              .values(
                entries.slice(i, i + ROWS_PER_STATEMENT).map((e) => ({
                  workspace_id: workspaceId,
                  part: e.part,
                  key: e.key,
                  value: e.value === undefined ? null : JSON.stringify(e.value),
                  seq,
                  updated_at: toDate(now),
                })),
              )
              .onConflict((oc) =>
                oc.columns(['workspace_id', 'part', 'key']).doUpdateSet((eb) => ({
                  value: eb.ref('excluded.value'),
                  seq: eb.ref('excluded.seq'),
                  updated_at: eb.ref('excluded.updated_at'),
                })),
              )
              .execute();
          }
        },
      });
    });
  }
}

/** A stable int4 per workspace; a collision only makes two workspaces' polls take turns. */
function lockId(workspaceId: string): number {
  return createHash('sha1').update(workspaceId).digest().readInt32BE(0);
}
