import type { Kysely } from 'kysely';

/**
 * Where each incident's card was posted (surface, channel, message), so any process can update every
 * copy in place after a restart, and which version and timeline entries each copy has shown.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('card_posts')
    .addColumn('incident_id', 'text', (c) => c.notNull().references('incidents.id').onDelete('cascade'))
    .addColumn('surface', 'text', (c) => c.notNull())
    .addColumn('channel_id', 'text', (c) => c.notNull())
    .addColumn('message_id', 'text', (c) => c.notNull())
    .addColumn('shown_version', 'integer', (c) => c.notNull())
    .addColumn('notes_through', 'timestamptz')
    .addColumn('posted_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('card_posts_pk', ['incident_id', 'surface', 'channel_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('card_posts').execute();
}
