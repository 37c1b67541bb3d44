import type { Kysely } from 'kysely';

/**
 * One row per remediation a person pressed Run for. The id is the idempotency key (incident, action
 * and the incident version the plan was drawn at), so a double click, a replayed request and a
 * redelivered job find the same row and execute once. `steps` is the call ledger the runner writes
 * before and after every Databricks call: a worker killed mid-call is resumed from it, and a call
 * whose outcome is unknown is reconciled or reported, never blindly sent again. `runbook` is the
 * copy-paste entry posted in the incident's thread.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('remediation_attempts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('incident_id', 'text', (c) => c.notNull().references('incidents.id').onDelete('cascade'))
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('requested_by', 'text', (c) => c.notNull())
    .addColumn('plan', 'jsonb', (c) => c.notNull())
    .addColumn('steps', 'jsonb', (c) => c.notNull())
    .addColumn('verify', 'jsonb', (c) => c.notNull())
    .addColumn('outcome', 'jsonb')
    .addColumn('runbook', 'text', (c) => c.notNull())
    // The four-eyes approval that let a gated attempt run (approvals.id), when one was needed.
    .addColumn('approval_id', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addUniqueConstraint('remediation_attempts_incident_attempt', ['incident_id', 'attempt'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('remediation_attempts').execute();
}
