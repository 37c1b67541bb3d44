import { type Kysely, sql } from 'kysely';

/**
 * A copy of a card is claimed before it is posted, so two processes sharing one database never post it
 * twice: the claim row holds a token and the wall-clock time of the claim, and no message id until the
 * platform accepted the post. A claim left by a crashed process is taken over once it is old.
 * `message_channel_id` is the channel as the platform answered it (Slack's `C…` for a routed
 * `#incidents`), which in-place updates need. Thread notes are tracked by timeline entry id
 * (`notes_through_id`): two entries at the same instant are both noted, which a timestamp cannot promise.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('card_posts')
    .alterColumn('message_id', (c) => c.dropNotNull())
    .execute();
  await db.schema.alterTable('card_posts').addColumn('message_channel_id', 'text').execute();
  await db.schema.alterTable('card_posts').addColumn('claim_token', 'text').execute();
  await db.schema.alterTable('card_posts').addColumn('claimed_at', 'timestamptz').execute();
  await db.schema.alterTable('card_posts').addColumn('notes_through_id', 'bigint').execute();
  // Copies posted before this migration: the thread holds every entry up to the time it recorded.
  await sql`
    UPDATE card_posts p SET notes_through_id = (
      SELECT max(t.id) FROM timeline_entries t
      WHERE t.incident_id = p.incident_id AND t.at <= p.notes_through
    )
    WHERE p.notes_through IS NOT NULL`.execute(db);
  await db.schema.alterTable('card_posts').dropColumn('notes_through').execute();
  // A button press finds the card it was pressed on by the platform's message id.
  await db.schema
    .createIndex('card_posts_message_idx')
    .on('card_posts')
    .columns(['surface', 'message_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('card_posts_message_idx').execute();
  await db.schema.alterTable('card_posts').addColumn('notes_through', 'timestamptz').execute();
  await db.schema.alterTable('card_posts').dropColumn('notes_through_id').execute();
  await db.schema.alterTable('card_posts').dropColumn('claimed_at').execute();
  await db.schema.alterTable('card_posts').dropColumn('claim_token').execute();
  await db.schema.alterTable('card_posts').dropColumn('message_channel_id').execute();
  await sql`DELETE FROM card_posts WHERE message_id IS NULL`.execute(db);
  await db.schema
    .alterTable('card_posts')
    .alterColumn('message_id', (c) => c.setNotNull())
    .execute();
}
