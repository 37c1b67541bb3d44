import type { Kysely } from 'kysely';
import { cleanText } from '../domain/text.js';
import type { Database } from './database.js';
import { soleWriterState } from './sole-writer.js';
import { fromDate, fromDateOrNull, toDate, toDateOrNull } from './rows.js';

/** How far a collector has read one source of one workspace, so it can resume after a restart. */
export interface Watermark {
  readonly workspaceId: string;
  /** e.g. `jobs.runs`, `system.access.audit`, `webhook`. */
  readonly source: string;
  readonly lastSeenAt: number | null;
  readonly lastSeenId: string | null;
  /**
   * When the position was last written. A sole writer does not write a position again that did not
   * move, so there it is when the position last moved.
   */
  readonly updatedAt: number;
}

export interface WatermarkPosition {
  readonly lastSeenAt: number | null;
  readonly lastSeenId?: string | null;
}

function fromRow(r: {
  workspace_id: string;
  source: string;
  last_seen_at: Date | null;
  last_seen_id: string | null;
  updated_at: Date;
}): Watermark {
  return {
    workspaceId: r.workspace_id,
    source: r.source,
    lastSeenAt: fromDateOrNull(r.last_seen_at),
    lastSeenId: r.last_seen_id,
    updatedAt: fromDate(r.updated_at),
  };
}

/**
 * Per database that only this process writes (an embedded PGlite store), every workspace's watermarks
 * as last read or written, shared by every repository over that database.
 */
const soleWriters = new WeakMap<Kysely<Database>, SoleWriter>();
interface SoleWriter {
  readonly known: Map<string, Map<string, Watermark>>;
  /** Writes made per workspace: a list read while one was made may be older than it, and is not kept. */
  readonly writes: Map<string, number>;
}

/** Collector watermarks per workspace and source. */
export class WatermarkRepository {
  readonly #db: Kysely<Database>;
  /** A sole writer's watermarks, by workspace and source (see `soleWriter`). */
  readonly #sole: SoleWriter | undefined;

  /**
   * `soleWriter`: this process is the database's only client (an embedded PGlite store), so what it
   * read or wrote last is what the table holds and `list` needs no query after the first (every poll
   * lists them), and a position that stands where it already is is not written again. Default false
   * (PostgreSQL, shared by workers: every write is made).
   */
  constructor(db: Kysely<Database>, options: { readonly soleWriter?: boolean } = {}) {
    this.#db = db;
    if (options.soleWriter)
      this.#sole = soleWriterState(soleWriters, db, () => ({ known: new Map(), writes: new Map() }));
  }

  /** Keeps what was just written, for a sole writer that already knows the workspace's watermarks. */
  #wrote(workspaceId: string, written: readonly Watermark[]): void {
    const sole = this.#sole;
    if (sole === undefined) return;
    sole.writes.set(workspaceId, (sole.writes.get(workspaceId) ?? 0) + 1);
    const known = sole.known.get(workspaceId);
    if (known !== undefined) for (const w of written) known.set(w.source, w);
  }

  /** The watermark, or null when the source was never read (start from the beginning or a lookback). */
  async get(workspaceId: string, source: string): Promise<Watermark | null> {
    const row = await this.#db
      .selectFrom('watermarks')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('source', '=', source)
      .executeTakeFirst();
    return row === undefined ? null : fromRow(row);
  }

  /**
   * Moves the watermark forward, never back: a slow worker that finishes after a faster one cannot rewind
   * it (the upsert only applies when the new time is not older). Returns the stored watermark.
   */
  async advance(
    workspaceId: string,
    source: string,
    position: WatermarkPosition,
    now: number,
  ): Promise<Watermark> {
    const [written] = await this.#upsertForward(workspaceId, [{ source, position }], now);
    // Nothing returned: a newer position was already stored, and stays.
    const stored = written ?? (await this.get(workspaceId, source));
    if (stored === null) throw new Error(`Watermark ${workspaceId}/${source} vanished after upsert`);
    return stored;
  }

  /**
   * Moves several sources of one workspace forward in one statement (a poll's sources once it read
   * them all), each never back, as `advance` does.
   */
  async advanceAll(
    workspaceId: string,
    positions: readonly { readonly source: string; readonly position: WatermarkPosition }[],
    now: number,
  ): Promise<void> {
    if (positions.length > 0) await this.#upsertForward(workspaceId, positions, now);
  }

  /**
   * The watermark a sole writer knows to stand at `position` already: writing it again would change
   * nothing but its `updated_at`, which nothing reads. Most polls of a quiet workspace end where the
   * last one did (no run ended, none started), and a store statement costs about a millisecond of CPU.
   */
  #standing(workspaceId: string, source: string, position: WatermarkPosition): Watermark | undefined {
    const known = this.#sole?.known.get(workspaceId)?.get(source);
    if (known === undefined || known.lastSeenAt !== (position.lastSeenAt ?? null)) return undefined;
    const id = position.lastSeenId == null ? null : cleanText(position.lastSeenId);
    return known.lastSeenId === id ? known : undefined;
  }

  /** The upsert behind `advance`: the rows it wrote (none for a source that already stood further). */
  async #upsertForward(
    workspaceId: string,
    all: readonly { readonly source: string; readonly position: WatermarkPosition }[],
    now: number,
  ): Promise<Watermark[]> {
    const standing: Watermark[] = [];
    const positions = all.filter(({ source, position }) => {
      const known = this.#standing(workspaceId, source, position);
      if (known !== undefined) standing.push(known);
      return known === undefined;
    });
    if (positions.length === 0) return standing;
    const rows = await this.#db
      .insertInto('watermarks')
      .values(
        positions.map(({ source, position }) => ({
          workspace_id: workspaceId,
          source,
          last_seen_at: toDateOrNull(position.lastSeenAt),
          last_seen_id: position.lastSeenId == null ? null : cleanText(position.lastSeenId),
          updated_at: toDate(now),
        })),
      )
      .onConflict((oc) =>
        oc
          .columns(['workspace_id', 'source'])
          .doUpdateSet((eb) => ({
            last_seen_at: eb.ref('excluded.last_seen_at'),
            last_seen_id: eb.ref('excluded.last_seen_id'),
            updated_at: eb.ref('excluded.updated_at'),
          }))
          .where((eb) =>
            eb.or([
              eb('watermarks.last_seen_at', 'is', null),
              eb('watermarks.last_seen_at', '<=', eb.ref('excluded.last_seen_at')),
            ]),
          ),
      )
      .returningAll()
      .execute();
    const written = rows.map(fromRow);
    this.#wrote(workspaceId, written);
    return [...standing, ...written];
  }

  /** Sets the watermark unconditionally, e.g. an operator replaying the last day. */
  async reset(
    workspaceId: string,
    source: string,
    position: WatermarkPosition,
    now: number,
  ): Promise<Watermark> {
    const standing = this.#standing(workspaceId, source, position);
    if (standing !== undefined) return standing;
    const values = {
      last_seen_at: toDateOrNull(position.lastSeenAt),
      last_seen_id: position.lastSeenId == null ? null : cleanText(position.lastSeenId),
      updated_at: toDate(now),
    };
    const row = await this.#db
      .insertInto('watermarks')
      .values({ workspace_id: workspaceId, source, ...values })
      .onConflict((oc) => oc.columns(['workspace_id', 'source']).doUpdateSet(values))
      .returningAll()
      .executeTakeFirstOrThrow();
    const written = fromRow(row);
    this.#wrote(workspaceId, [written]);
    return written;
  }

  /** All watermarks of a workspace, by source. */
  async list(workspaceId: string): Promise<Watermark[]> {
    const sole = this.#sole;
    const known = sole?.known.get(workspaceId);
    if (known !== undefined) return [...known.values()].sort((a, b) => (a.source < b.source ? -1 : 1));
    const writes = sole?.writes.get(workspaceId) ?? 0;
    const rows = await this.#db
      .selectFrom('watermarks')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .orderBy('source')
      .execute();
    const listed = rows.map(fromRow);
    if (sole !== undefined && (sole.writes.get(workspaceId) ?? 0) === writes)
      sole.known.set(workspaceId, new Map(listed.map((w) => [w.source, w])));
    return listed;
  }
}
