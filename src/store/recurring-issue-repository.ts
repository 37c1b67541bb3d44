import { createHash } from 'node:crypto';
import { type Kysely, type Selectable, sql } from 'kysely';
import {
  preventiveRecommendation,
  RECURRENCE_THRESHOLD,
  RECURRENCE_WINDOW_MS,
} from '../domain/recurring-issue.js';
import { cleanText, truncateText } from '../domain/text.js';
import type { Database, RecurringIssuesTable } from './database.js';
import { fromDate, toCount, toDate } from './rows.js';

/** A root cause that keeps coming back, with the standing change that would stop it. */
export interface RecurringIssue {
  readonly id: string;
  readonly workspaceId: string;
  readonly fingerprint: string;
  readonly state: 'open' | 'closed';
  readonly title: string | null;
  readonly category: string | null;
  readonly kind: string | null;
  readonly recommendation: { readonly kind: string; readonly text: string };
  readonly occurrences: number;
  readonly firstSeenAt: number;
  readonly lastSeenAt: number;
  readonly openedAt: number;
}

export interface Occurrence {
  readonly workspaceId: string;
  readonly fingerprint: string;
  /** Identifies the occurrence (a signal or run id) so that recording it twice counts once. */
  readonly occurrenceKey: string;
  readonly occurredAt: number;
  readonly category?: string | null;
  readonly kind?: string | null;
  readonly title?: string | null;
}

export interface OccurrenceOutcome {
  /** Occurrences of the fingerprint in the seven days up to and including this one. */
  readonly occurrencesInWindow: number;
  /** The record this occurrence opened — set exactly once per recurring issue. */
  readonly opened: RecurringIssue | null;
  /** The open record for this fingerprint, whether just opened or older. */
  readonly issue: RecurringIssue | null;
}

function fromRow(r: Selectable<RecurringIssuesTable>): RecurringIssue {
  return {
    id: r.id,
    workspaceId: r.workspace_id,
    fingerprint: r.fingerprint,
    state: r.state === 'closed' ? 'closed' : 'open',
    title: r.title,
    category: r.category,
    kind: r.kind,
    recommendation: { kind: r.recommendation_kind, text: r.recommendation },
    occurrences: r.occurrences,
    firstSeenAt: fromDate(r.first_seen_at),
    lastSeenAt: fromDate(r.last_seen_at),
    openedAt: fromDate(r.opened_at),
  };
}

/**
 * Counts occurrences per fingerprint. The third occurrence within seven days opens one recurring-issue
 * record with a preventive recommendation; later occurrences update it and never open a second one.
 */
export class RecurringIssueRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** Records one occurrence (idempotent per `occurrenceKey`) and opens the recurring issue when due. */
  async recordOccurrence(o: Occurrence): Promise<OccurrenceOutcome> {
    const at = toDate(o.occurredAt);
    const occurrenceKey = cleanText(o.occurrenceKey);
    const from = toDate(o.occurredAt - RECURRENCE_WINDOW_MS);
    // One round trip: record the occurrence, count the window (the statement's snapshot predates the
    // insert, so the new row is counted from the CTE) and find the open issue.
    const inWindow = (table: 'recurring_occurrences' | 'ins') =>
      table === 'ins'
        ? sql`FROM ins WHERE occurred_at >= ${from} AND occurred_at <= ${at}`
        : sql`FROM recurring_occurrences WHERE workspace_id = ${o.workspaceId} AND fingerprint = ${o.fingerprint}
                AND occurred_at >= ${from} AND occurred_at <= ${at}`;
    const result = await sql<{
      inserted: number | string;
      n: number | string;
      first: Date | string | null;
      open_id: string | null;
    }>`
      WITH ins AS (
        INSERT INTO recurring_occurrences (workspace_id, fingerprint, occurrence_key, occurred_at, category, kind)
        VALUES (${o.workspaceId}, ${o.fingerprint}, ${occurrenceKey}, ${at}, ${o.category ?? null}, ${o.kind ?? null})
        ON CONFLICT (workspace_id, fingerprint, occurrence_key) DO NOTHING
        RETURNING occurred_at
      )
      SELECT (SELECT count(*) FROM ins) AS inserted,
             (SELECT count(*) ${inWindow('recurring_occurrences')}) + (SELECT count(*) ${inWindow('ins')}) AS n,
             LEAST((SELECT min(occurred_at) ${inWindow('recurring_occurrences')}),
                   (SELECT min(occurred_at) ${inWindow('ins')})) AS first,
             (SELECT id FROM recurring_issues
              WHERE workspace_id = ${o.workspaceId} AND fingerprint = ${o.fingerprint} AND state = 'open') AS open_id
    `.execute(this.#db);
    const counted = result.rows[0];
    const inserted = toCount(counted?.inserted) > 0 ? true : undefined;
    const window = { n: counted?.n ?? 0, first: counted?.first ?? null };
    const occurrencesInWindow = toCount(window.n);

    const existing = counted?.open_id == null ? null : await this.findOpen(o.workspaceId, o.fingerprint);
    if (existing !== null) {
      if (inserted === undefined) return { occurrencesInWindow, opened: null, issue: existing };
      const row = await this.#db
        .updateTable('recurring_issues')
        .set((eb) => ({
          occurrences: eb('occurrences', '+', 1),
          last_seen_at: sql<Date>`greatest(${eb.ref('last_seen_at')}, ${at})`,
        }))
        .where('id', '=', existing.id)
        .returningAll()
        .executeTakeFirst();
      return { occurrencesInWindow, opened: null, issue: row === undefined ? existing : fromRow(row) };
    }
    if (occurrencesInWindow < RECURRENCE_THRESHOLD) return { occurrencesInWindow, opened: null, issue: null };

    const recommendation = preventiveRecommendation(o.category ?? null, o.kind ?? null);
    const firstSeen = window.first === null ? at : new Date(window.first);
    // Two workers crossing the threshold at once both try: the partial unique index lets one win.
    const created = await this.#db
      .insertInto('recurring_issues')
      .values({
        id: `rec_${createHash('sha256').update(`${o.workspaceId}\u0000${o.fingerprint}\u0000${o.occurredAt}`).digest('hex').slice(0, 24)}`,
        workspace_id: o.workspaceId,
        fingerprint: o.fingerprint,
        state: 'open',
        title: o.title == null ? null : truncateText(cleanText(o.title), 300),
        category: o.category ?? null,
        kind: o.kind ?? null,
        recommendation_kind: recommendation.kind,
        recommendation: recommendation.text,
        occurrences: occurrencesInWindow,
        first_seen_at: firstSeen,
        last_seen_at: at,
        opened_at: at,
      })
      .onConflict((oc) => oc.doNothing())
      .returningAll()
      .executeTakeFirst();
    if (created !== undefined) {
      const issue = fromRow(created);
      return { occurrencesInWindow, opened: issue, issue };
    }
    return { occurrencesInWindow, opened: null, issue: await this.findOpen(o.workspaceId, o.fingerprint) };
  }

  /** The open recurring issue for a fingerprint, or null. */
  async findOpen(workspaceId: string, fingerprint: string): Promise<RecurringIssue | null> {
    const row = await this.#db
      .selectFrom('recurring_issues')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('fingerprint', '=', fingerprint)
      .where('state', '=', 'open')
      .executeTakeFirst();
    return row === undefined ? null : fromRow(row);
  }

  /** Open recurring issues of a workspace, most frequent first. */
  async listOpen(workspaceId: string): Promise<RecurringIssue[]> {
    const rows = await this.#db
      .selectFrom('recurring_issues')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('state', '=', 'open')
      .orderBy('occurrences', 'desc')
      .orderBy('last_seen_at', 'desc')
      .execute();
    return rows.map(fromRow);
  }

  /** Closes a recurring issue once its prevention is in place; a later streak may open a new one. */
  async close(id: string): Promise<boolean> {
    const result = await this.#db
      .updateTable('recurring_issues')
      .set({ state: 'closed' })
      .where('id', '=', id)
      .where('state', '=', 'open')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }
}
