import { type Kysely, sql } from 'kysely';
import type { Database } from './database.js';
import { fromDate, toDate } from './rows.js';

/** An incident as the digest counts it: when it was opened, detected from and resolved. */
export interface DigestIncidentRow {
  readonly id: string;
  readonly title: string;
  readonly severity: string;
  readonly state: string;
  readonly team: string | null;
  readonly openedAt: number;
  readonly resolvedAt: number | null;
  /** The earliest `occurred_at` of its signals: when the problem began, as far as anything saw. */
  readonly firstOccurredAt: number | null;
}

/**
 * What the digest reads from the store, in one place: incidents opened in a window, incidents still
 * unresolved, and whether tables other parts of dbxops add (actions, approvals) exist yet. Read-only.
 */
export class DigestRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** Incidents of `workspaceId` opened in `[from, to)` (epoch ms), oldest first. */
  async openedBetween(workspaceId: string, from: number, to: number): Promise<DigestIncidentRow[]> {
    return this.#incidents(workspaceId, { openedFrom: from, openedBefore: to });
  }

  /** Incidents of `workspaceId` opened before `at` and not resolved by then, oldest first. */
  async unresolvedAt(workspaceId: string, at: number): Promise<DigestIncidentRow[]> {
    return this.#incidents(workspaceId, { openedBefore: at, unresolvedAt: at });
  }

  /** True when the store has a table named `name` (a migration of a later part of dbxops created it). */
  async hasTable(name: string): Promise<boolean> {
    const result = await sql<{ n: number | string }>`
      SELECT count(*) AS n FROM information_schema.tables
      WHERE table_schema = current_schema() AND table_name = ${name}`.execute(this.#db);
    return Number(result.rows[0]?.n ?? 0) > 0;
  }

  async #incidents(
    workspaceId: string,
    filter: { openedFrom?: number; openedBefore: number; unresolvedAt?: number },
  ): Promise<DigestIncidentRow[]> {
    let query = this.#db
      .selectFrom('incidents as i')
      .leftJoin('incident_signals as l', 'l.incident_id', 'i.id')
      .leftJoin('signals as s', 's.id', 'l.signal_id')
      .select((eb) => [
        'i.id',
        'i.title',
        'i.severity',
        'i.state',
        'i.team',
        'i.opened_at',
        'i.resolved_at',
        eb.fn.min('s.occurred_at').as('first_occurred_at'),
      ])
      .where('i.workspace_id', '=', workspaceId)
      .where('i.opened_at', '<', toDate(filter.openedBefore));
    if (filter.openedFrom !== undefined) query = query.where('i.opened_at', '>=', toDate(filter.openedFrom));
    const at = filter.unresolvedAt;
    if (at !== undefined)
      query = query.where((eb) =>
        eb.or([eb('i.resolved_at', 'is', null), eb('i.resolved_at', '>', toDate(at))]),
      );
    const rows = await query
      .groupBy(['i.id', 'i.title', 'i.severity', 'i.state', 'i.team', 'i.opened_at', 'i.resolved_at'])
      .orderBy('i.opened_at')
      .orderBy('i.id')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      title: r.title,
      severity: r.severity,
      state: r.state,
      team: r.team,
      openedAt: fromDate(r.opened_at),
      resolvedAt: r.resolved_at === null ? null : fromDate(r.resolved_at),
      firstOccurredAt: r.first_occurred_at === null ? null : fromDate(r.first_occurred_at),
    }));
  }
}
