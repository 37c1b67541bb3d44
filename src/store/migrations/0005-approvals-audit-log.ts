import { type Kysely, sql } from 'kysely';

/**
 * Four-eyes approvals and the audit log.
 *
 * An approval request is bound to one plan (`plan_hash`) and found by the SHA-256 of its single-use
 * token, so reading the table does not let anyone approve. `used_at` is set once, by the approval.
 *
 * The audit log is append-only: each entry's canonical JSON (`body`) and the previous entry's hash are
 * hashed into `hash`, so an edit, a deletion or a reordering breaks the chain where it happened. A
 * trigger refuses UPDATE, DELETE and TRUNCATE, so the only way to change history is to switch the
 * trigger off first, which `dbxops audit verify` then shows. The columns beside `body` repeat what the
 * rate limits query by; `verify` checks they agree with it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('approvals')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('plan_hash', 'text', (c) => c.notNull())
    .addColumn('incident_id', 'text', (c) => c.notNull())
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('action_kind', 'text', (c) => c.notNull())
    .addColumn('requester_surface', 'text', (c) => c.notNull())
    .addColumn('requester_user_id', 'text', (c) => c.notNull())
    .addColumn('requester_principal', 'text')
    .addColumn('requested_at', 'timestamptz', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('used_at', 'timestamptz')
    .addColumn('approver_surface', 'text')
    .addColumn('approver_user_id', 'text')
    .addColumn('approver_principal', 'text')
    .execute();
  await db.schema.createIndex('approvals_incident_idx').on('approvals').column('incident_id').execute();

  await db.schema
    .createTable('audit_entries')
    .addColumn('seq', 'bigint', (c) => c.primaryKey().check(sql`seq > 0`))
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('workspace_id', 'text')
    .addColumn('resource', 'text')
    .addColumn('incident_id', 'text')
    .addColumn('idempotency_key', 'text', (c) => c.unique())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('prev_hash', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .execute();
  // The rate limits count executions in the last hour, per resource and in all.
  await db.schema
    .createIndex('audit_entries_kind_at_idx')
    .on('audit_entries')
    .columns(['kind', 'at'])
    .execute();
  await sql`
    CREATE FUNCTION audit_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'audit_entries is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
    END $$`.execute(db);
  await sql`
    CREATE TRIGGER audit_entries_append_only BEFORE UPDATE OR DELETE ON audit_entries
    FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only()`.execute(db);
  await sql`
    CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries
    FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_append_only()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('audit_entries').execute();
  await sql`DROP FUNCTION audit_entries_append_only()`.execute(db);
  await db.schema.dropTable('approvals').execute();
}
