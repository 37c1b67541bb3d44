import { type Kysely, sql } from 'kysely';

/**
 * When the approval request of an attempt waiting for a second person expires (wall clock). An attempt
 * whose request expired unanswered is finished the next time a press, an approval or the review of open
 * incidents reads it; without the deadline on the attempt it would wait, and block its incident, for
 * ever. Attempts waiting when this runs take their request's deadline: the request was opened in the
 * same press, at the attempt's `created_at`. One waiting with no request (the press stopped between the
 * two) can never be approved, so it is due at once.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('remediation_attempts')
    .addColumn('approval_expires_at', 'timestamptz')
    .execute();
  await sql`
    update remediation_attempts r
    set approval_expires_at = coalesce(
      (select max(a.expires_at) from approvals a
        where a.incident_id = r.incident_id and a.action_kind = r.action and a.requested_at = r.created_at),
      r.created_at)
    where r.state = 'awaiting_approval'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('remediation_attempts').dropColumn('approval_expires_at').execute();
}
