import { type Kysely, sql } from 'kysely';

/**
 * Scheduled posts (the daily digest, the weekly summary, cost reports): one row per schedule, period
 * and surface, claimed before the post is built and sent, so several processes or a restart never post
 * one twice. `state` moves claimed → sending → posted; a claim left `claimed` by a process that died is
 * taken over once old, one left `sending` is not (the platform may have accepted it) and becomes
 * `uncertain`. `due_at` and `posted_at` are workspace-clock times, `claimed_at` wall-clock.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('scheduled_posts')
    .addColumn('schedule_key', 'text', (c) => c.notNull())
    .addColumn('period', 'text', (c) => c.notNull())
    .addColumn('surface', 'text', (c) => c.notNull())
    .addColumn('channel_id', 'text', (c) => c.notNull())
    .addColumn('due_at', 'timestamptz', (c) => c.notNull())
    .addColumn('state', 'text', (c) =>
      c.notNull().check(sql`state in ('claimed', 'sending', 'posted', 'uncertain')`),
    )
    .addColumn('claim_token', 'text')
    .addColumn('claimed_at', 'timestamptz')
    .addColumn('message_id', 'text')
    .addColumn('posted_at', 'timestamptz')
    .addColumn('late', 'boolean', (c) => c.notNull().defaultTo(false))
    .addPrimaryKeyConstraint('scheduled_posts_pk', ['schedule_key', 'period', 'surface'])
    .execute();
  await db.schema
    .createIndex('scheduled_posts_due_idx')
    .on('scheduled_posts')
    .columns(['schedule_key', 'surface', 'due_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('scheduled_posts').ifExists().execute();
}
