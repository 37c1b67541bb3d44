import type { Kysely } from 'kysely';

/**
 * `incident_fixes`: what actually fixed a resolved incident, as the person who resolved it recorded it
 * (one of the card's suggested actions, or their own words). One row per incident; the newest fix of a
 * fingerprint is shown first on the next incident with that fingerprint.
 *
 * `remediation_switches`: switches an operator flips while dbxops runs, read at every press and every
 * execution by every process (the kill switch). The policy file is read at start-up only; these are not.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('incident_fixes')
    .addColumn('incident_id', 'text', (c) => c.primaryKey().references('incidents.id').onDelete('cascade'))
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    // A catalogue action kind when the fix was one of the suggested actions; null for free text.
    .addColumn('action', 'text')
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('recorded_by', 'text', (c) => c.notNull())
    .addColumn('recorded_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('incident_fixes_fingerprint')
    .on('incident_fixes')
    .columns(['workspace_id', 'fingerprint', 'recorded_at'])
    .execute();
  await db.schema
    .createTable('remediation_switches')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('enabled', 'boolean', (c) => c.notNull())
    .addColumn('changed_by', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('changed_at', 'timestamptz', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('remediation_switches').execute();
  await db.schema.dropTable('incident_fixes').execute();
}
