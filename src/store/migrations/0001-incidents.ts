import { type Kysely, sql } from 'kysely';

// Migrations are frozen once shipped: they take Kysely<unknown> and never import the current Database
// type, which keeps describing the latest schema.

/** Incidents, their signals and timeline, recurring issues, collector watermarks, processed keys. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('incidents')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('correlation_key', 'text')
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('summary', 'text')
    .addColumn('severity', 'text', (c) => c.notNull().check(sql`severity in ('P1', 'P2', 'P3', 'P4')`))
    .addColumn('state', 'text', (c) =>
      c.notNull().check(sql`state in ('open', 'acknowledged', 'mitigating', 'resolved', 'escalated')`),
    )
    .addColumn('root_cause_signal_id', 'text')
    .addColumn('category', 'text')
    .addColumn('opened_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addColumn('acknowledged_at', 'timestamptz')
    .addColumn('acknowledged_by', 'text')
    .addColumn('resolved_at', 'timestamptz')
    .addColumn('sla_deadline', 'timestamptz')
    .addColumn('blast_radius', 'jsonb', (c) => c.notNull())
    .addColumn('cost_usd', 'double precision')
    .addColumn('owner', 'text')
    .addColumn('team', 'text')
    .addColumn('assignee', 'text')
    .addColumn('snoozed_until', 'timestamptz')
    .addColumn('version', 'integer', (c) => c.notNull().check(sql`version > 0`))
    .execute();
  // One incident per root cause: at most one unresolved incident per fingerprint. Concurrent opens
  // collide here and resolve with ON CONFLICT DO NOTHING instead of check-then-insert.
  await db.schema
    .createIndex('incidents_active_fingerprint_uq')
    .on('incidents')
    .columns(['workspace_id', 'fingerprint'])
    .unique()
    .where(sql.ref('state'), '<>', 'resolved')
    .execute();
  await db.schema
    .createIndex('incidents_active_correlation_idx')
    .on('incidents')
    .columns(['workspace_id', 'correlation_key'])
    .where(sql.ref('state'), '<>', 'resolved')
    .execute();
  await db.schema
    .createIndex('incidents_state_severity_idx')
    .on('incidents')
    .columns(['state', 'severity'])
    .execute();

  await db.schema
    .createTable('signals')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('observed_at', 'timestamptz', (c) => c.notNull())
    .addColumn('occurred_at', 'timestamptz', (c) => c.notNull())
    .addColumn('body', 'jsonb', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('incident_signals')
    .addColumn('signal_id', 'text', (c) => c.primaryKey().references('signals.id').onDelete('cascade'))
    .addColumn('incident_id', 'text', (c) => c.notNull().references('incidents.id').onDelete('cascade'))
    .addColumn('attached_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('incident_signals_incident_idx')
    .on('incident_signals')
    .column('incident_id')
    .execute();

  await db.schema
    .createTable('timeline_entries')
    .addColumn('id', 'bigint', (c) => c.generatedAlwaysAsIdentity().primaryKey())
    .addColumn('incident_id', 'text', (c) => c.notNull().references('incidents.id').onDelete('cascade'))
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    .addColumn('phase', 'text', (c) =>
      c
        .notNull()
        .check(sql`phase in ('DISCOVER', 'FETCH', 'ANALYZE', 'RCA', 'REMEDIATE', 'VERIFY', 'CLOSE')`),
    )
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('data', 'jsonb', (c) => c.notNull())
    .addColumn('dedup_key', 'text')
    .addUniqueConstraint('timeline_entries_dedup_uq', ['incident_id', 'dedup_key'])
    .execute();

  await db.schema
    .createTable('recurring_occurrences')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('occurrence_key', 'text', (c) => c.notNull())
    .addColumn('occurred_at', 'timestamptz', (c) => c.notNull())
    .addColumn('category', 'text')
    .addColumn('kind', 'text')
    .addPrimaryKeyConstraint('recurring_occurrences_pk', ['workspace_id', 'fingerprint', 'occurrence_key'])
    .execute();
  await db.schema
    .createIndex('recurring_occurrences_time_idx')
    .on('recurring_occurrences')
    .columns(['workspace_id', 'fingerprint', 'occurred_at'])
    .execute();

  await db.schema
    .createTable('recurring_issues')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('open', 'closed')`))
    .addColumn('title', 'text')
    .addColumn('category', 'text')
    .addColumn('kind', 'text')
    .addColumn('recommendation_kind', 'text', (c) => c.notNull())
    .addColumn('recommendation', 'text', (c) => c.notNull())
    .addColumn('occurrences', 'integer', (c) => c.notNull())
    .addColumn('first_seen_at', 'timestamptz', (c) => c.notNull())
    .addColumn('last_seen_at', 'timestamptz', (c) => c.notNull())
    .addColumn('opened_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('recurring_issues_open_fingerprint_uq')
    .on('recurring_issues')
    .columns(['workspace_id', 'fingerprint'])
    .unique()
    .where(sql.ref('state'), '=', 'open')
    .execute();

  await db.schema
    .createTable('watermarks')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('last_seen_at', 'timestamptz')
    .addColumn('last_seen_id', 'text')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('watermarks_pk', ['workspace_id', 'source'])
    .execute();

  await db.schema
    .createTable('processed_keys')
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('processed_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('processed_keys_pk', ['scope', 'key'])
    .execute();
  await db.schema
    .createIndex('processed_keys_time_idx')
    .on('processed_keys')
    .column('processed_at')
    .execute();
}

/** Drops everything 0001 created. */
export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'processed_keys',
    'watermarks',
    'recurring_issues',
    'recurring_occurrences',
    'timeline_entries',
    'incident_signals',
    'signals',
    'incidents',
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
