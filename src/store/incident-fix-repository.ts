import type { Kysely, Selectable } from 'kysely';
import type { Database } from './database.js';
import { fromDate, toDate } from './rows.js';

/** What actually fixed a resolved incident, as the person who resolved it recorded it. */
export interface IncidentFix {
  readonly incidentId: string;
  readonly workspaceId: string;
  readonly fingerprint: string;
  /** A catalogue action kind when the fix was one of the suggested actions; null for free text. */
  readonly action: string | null;
  /** The action's label, or the person's own words. */
  readonly text: string;
  /** The name the card shows for the person who recorded it. */
  readonly recordedBy: string;
  /** Workspace clock, epoch ms. */
  readonly recordedAt: number;
}

/** `recorded`: new; `unchanged`: the same fix was recorded before (a repeat); `replaced`: a correction. */
export type FixRecordOutcome = 'recorded' | 'unchanged' | 'replaced';

type Row = Selectable<Database['incident_fixes']>;

const toFix = (r: Row): IncidentFix => ({
  incidentId: r.incident_id,
  workspaceId: r.workspace_id,
  fingerprint: r.fingerprint,
  action: r.action,
  text: r.text,
  recordedBy: r.recorded_by,
  recordedAt: fromDate(r.recorded_at),
});

const toRow = (fix: IncidentFix) => ({
  incident_id: fix.incidentId,
  workspace_id: fix.workspaceId,
  fingerprint: fix.fingerprint,
  action: fix.action,
  text: fix.text,
  recorded_by: fix.recordedBy,
  recorded_at: toDate(fix.recordedAt),
});

/** The fixes people recorded when they resolved incidents: one per incident, found again by fingerprint. */
export class IncidentFixRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /**
   * Records the fix of an incident. The same fix recorded again (a double press, the same command sent
   * twice) changes nothing; a different one replaces it, since the resolver is correcting themselves.
   */
  async record(fix: IncidentFix): Promise<FixRecordOutcome> {
    return this.#db.transaction().execute(async (tx) => {
      const before = await tx
        .selectFrom('incident_fixes')
        .selectAll()
        .where('incident_id', '=', fix.incidentId)
        .forUpdate()
        .executeTakeFirst();
      if (before !== undefined && before.action === fix.action && before.text === fix.text)
        return 'unchanged';
      const row = toRow(fix);
      await tx
        .insertInto('incident_fixes')
        .values(row)
        .onConflict((oc) =>
          oc.column('incident_id').doUpdateSet({
            action: fix.action,
            text: fix.text,
            recorded_by: fix.recordedBy,
            recorded_at: row.recorded_at,
          }),
        )
        .execute();
      return before === undefined ? 'recorded' : 'replaced';
    });
  }

  /**
   * Records a fix only when none was recorded for the incident yet: what dbxops verified recovered it,
   * which never overwrites what a person said. Answers whether it was recorded.
   */
  async recordUnlessRecorded(fix: IncidentFix): Promise<boolean> {
    const inserted = await this.#db
      .insertInto('incident_fixes')
      .values(toRow(fix))
      .onConflict((oc) => oc.column('incident_id').doNothing())
      .executeTakeFirst();
    return Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  /** The newest fix recorded for another incident with this fingerprint in this workspace. */
  async lastFor(
    workspaceId: string,
    fingerprint: string,
    exceptIncidentId: string,
  ): Promise<IncidentFix | undefined> {
    const row = await this.#db
      .selectFrom('incident_fixes')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('fingerprint', '=', fingerprint)
      .where('incident_id', '<>', exceptIncidentId)
      .orderBy('recorded_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row === undefined ? undefined : toFix(row);
  }
}
