import { type Kysely, sql } from 'kysely';

/**
 * Signals a poll or a webhook handed on and correlation has not yet taken in. A poll's watermark moves
 * once its signals are queued; a Redis that restarts without its data would take the queued ones with
 * it, for good. Written before the signals are queued and deleted once they are correlated, so what is
 * left here after such a restart is queued again.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('signal_outbox')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('payload', 'jsonb', (c) => c.notNull())
    .addColumn('queued_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await sql`create index signal_outbox_queued on signal_outbox (queued_at)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('signal_outbox').execute();
}
