import type { Kysely } from 'kysely';

/**
 * What a conversation last asked, so a follow-up in the same thread ("and last week?", "what about
 * marketing?") is answered with the same intent and names. One row per conversation key (a thread, or
 * a person in a channel), replaced on every answer.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('ask_contexts')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('intent', 'text', (c) => c.notNull())
    .addColumn('slots', 'jsonb', (c) => c.notNull())
    .addColumn('period_start', 'timestamptz', (c) => c.notNull())
    .addColumn('period_end', 'timestamptz', (c) => c.notNull())
    .addColumn('period_label', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('ask_contexts').execute();
}
