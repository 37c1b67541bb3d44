import { createHash } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import type { Database } from './database.js';
import { soleWriterState } from './sole-writer.js';
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

/**
 * What a process knows of a database only it writes (an embedded PGlite store), shared by every
 * repository over that database: each workspace's newest save, and the judgement holding its lock.
 */
interface SoleWriter {
  readonly newest: Map<string, number>;
  readonly held: Map<string, Promise<unknown>>;
}
const soleWriters = new WeakMap<Kysely<Database>, SoleWriter>();

export interface DetectorStateOptions {
  /**
   * This process is the database's only client (an embedded PGlite store: its files are this process's
   * alone). Then the lock is held in memory, and `since` of the newest save this process made or read
   * needs no query: nobody else can have saved after it. Default false (PostgreSQL, shared by workers).
   */
  readonly soleWriter?: boolean;
}

/** The detectors' memory per workspace (`detector_state`), read and written under one lock per workspace. */
export class DetectorStateRepository {
  readonly #db: Kysely<Database>;
  readonly #sole: SoleWriter | undefined;

  constructor(db: Kysely<Database>, options: DetectorStateOptions = {}) {
    this.#db = db;
    if (options.soleWriter)
      this.#sole = soleWriterState(soleWriters, db, () => ({ newest: new Map(), held: new Map() }));
  }

  /**
   * Runs `work` in a transaction holding the workspace's detector-state lock (a PostgreSQL advisory
   * lock): two polls of one workspace, in one process or several, judge one after the other, each on
   * what the one before saved. Hold it only to read, judge and save: never across a call to the
   * workspace. A sole writer holds the lock in memory and saves in a statement of its own.
   */
  locked<T>(workspaceId: string, work: (scope: DetectorStateScope) => Promise<T>): Promise<T> {
    const sole = this.#sole;
    if (sole !== undefined) {
      // One judgement after another, as the advisory lock would order them, without a statement.
      const before = sole.held.get(workspaceId) ?? Promise.resolve();
      const mine = before.then(
        () => this.#soleJudgement(sole, workspaceId, work),
        () => this.#soleJudgement(sole, workspaceId, work),
      );
      sole.held.set(
        workspaceId,
        mine.catch(() => undefined),
      );
      return mine;
    }
    return this.#db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(${DETECTOR_STATE_LOCK}, ${lockId(workspaceId)})`.execute(trx);
      return work({
        since: (seq) => since(trx, workspaceId, seq),
        save: (seq, e, now) => save(trx, workspaceId, seq, e, now),
      });
    });
  }

  /**
   * A judgement on a database only this process writes: the newest save is known once read or made,
   * and a save is one transaction of its own (a save of one statement, most often, needs no more).
   */
  async #soleJudgement<T>(
    sole: SoleWriter,
    workspaceId: string,
    work: (scope: DetectorStateScope) => Promise<T>,
  ): Promise<T> {
    return work({
      since: async (seq) => {
        const newest = sole.newest.get(workspaceId);
        if (newest === seq) return { entries: [], seq };
        const read = await since(this.#db, workspaceId, seq);
        sole.newest.set(workspaceId, read.seq);
        return read;
      },
      save: async (seq, entries, now) => {
        if (entries.length <= ROWS_PER_STATEMENT) await save(this.#db, workspaceId, seq, entries, now);
        else await this.#db.transaction().execute((trx) => save(trx, workspaceId, seq, entries, now));
        sole.newest.set(workspaceId, seq);
      },
    });
  }
}

/**
 * One statement, not two (a round trip saved on every poll's judgement): the entries saved after
 * `seq`, then one row without a part that carries the newest `seq` stored.
 */
async function since(
  db: Kysely<Database>,
  workspaceId: string,
  seq: number,
): Promise<{ entries: DetectorStateEntry[]; seq: number }> {
  const { rows } = await sql<{
    part: string | null;
    key: string | null;
    value: unknown;
    seq: number | null;
  }>`select part, key, value, seq from detector_state where workspace_id = ${workspaceId} and seq > ${seq}
             union all
             select null, null, null, max(seq) from detector_state where workspace_id = ${workspaceId}`.execute(
    db,
  );
  const entries: DetectorStateEntry[] = [];
  let newest = 0;
  for (const r of rows) {
    if (r.part === null || r.key === null) newest = Number(r.seq ?? 0);
    else entries.push({ part: r.part, key: r.key, value: r.value ?? undefined });
  }
  return { entries, seq: newest };
}

/** Saves `entries` as save number `seq`, in statements of at most `ROWS_PER_STATEMENT` rows. */
async function save(
  db: Kysely<Database>,
  workspaceId: string,
  seq: number,
  entries: readonly DetectorStateEntry[],
  now: number,
): Promise<void> {
  for (let i = 0; i < entries.length; i += ROWS_PER_STATEMENT) {
    await db
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
}

/** A stable int4 per workspace; a collision only makes two workspaces' polls take turns. */
function lockId(workspaceId: string): number {
  return createHash('sha1').update(workspaceId).digest().readInt32BE(0);
}
