import { type Kysely, sql } from 'kysely';

/**
 * The console's chat history, shared by every `dbxops web` process and kept across restarts: the
 * channels the notifier added beside the configured ones, and every message with its thread (a reply
 * names its message in `parent_id`, and goes when it goes). `id` numbers messages and replies alike, in
 * the order they were written by any process; the console shows it as `m<id>`. `request_key` is the
 * composer's request id, so a question resent to another process is shown once.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('console_channels')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('topic', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('console_messages')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('channel_id', 'text', (c) => c.notNull())
    .addColumn('parent_id', 'bigint', (c) => c.references('console_messages.id').onDelete('cascade'))
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    .addColumn('author', 'text', (c) => c.notNull())
    .addColumn('body', 'jsonb', (c) => c.notNull())
    .addColumn('replies_dropped', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('request_key', 'text')
    .execute();
  await sql`create index console_messages_channel on console_messages (channel_id, id)`.execute(db);
  await sql`create index console_messages_thread on console_messages (parent_id, id) where parent_id is not null`.execute(
    db,
  );
  await sql`create unique index console_messages_request on console_messages (channel_id, author, request_key) where request_key is not null`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('console_messages').execute();
  await db.schema.dropTable('console_channels').execute();
}
