import type { Kysely } from 'kysely';

/**
 * What the language model costs and writes, kept where every process sees it.
 *
 * `llm_token_usage`: tokens spent per UTC day (wall clock), one row a day, added to atomically, so the
 * policy's `ask.daily_token_budget` bounds the deployment — every web and worker process, across
 * restarts — not each process on its own.
 *
 * `incident_explanations`: the model's plain-words draft of an incident, one per incident. The row is
 * claimed (`drafting`) before the model is asked, so one process drafts it once; it ends `drafted`
 * with the text, or `failed` with the reason (the card then simply has none).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('llm_token_usage')
    .addColumn('day', 'text', (c) => c.primaryKey())
    .addColumn('tokens', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('incident_explanations')
    .addColumn('incident_id', 'text', (c) => c.primaryKey().references('incidents.id').onDelete('cascade'))
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('text', 'text')
    .addColumn('model', 'text')
    .addColumn('reason', 'text')
    .addColumn('claimed_at', 'timestamptz', (c) => c.notNull())
    .addColumn('drafted_at', 'timestamptz')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('incident_explanations').execute();
  await db.schema.dropTable('llm_token_usage').execute();
}
