import { type Kysely, sql } from 'kysely';

/**
 * The keys each stored signal is found by when a new signal looks for an incident to join (its job,
 * table, cluster, warehouse, pipeline and the tables its run read and wrote), so correlation reads the
 * few incidents a signal can link to instead of every open incident with all its signals.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('signal_link_keys')
    .addColumn('signal_id', 'text', (c) => c.notNull().references('signals.id').onDelete('cascade'))
    .addColumn('link_key', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('signal_link_keys_pk', ['signal_id', 'link_key'])
    .execute();
  await db.schema.createIndex('signal_link_keys_key_idx').on('signal_link_keys').column('link_key').execute();

  // Signals stored before this migration: the same keys, derived from the stored body (the rules of
  // `signalLinkKeys` as of this migration, written out in SQL so the migration never changes).
  await sql`
    INSERT INTO signal_link_keys (signal_id, link_key)
    SELECT DISTINCT s.id, k.link_key
    FROM signals s
    CROSS JOIN LATERAL (
      SELECT CASE s.body->'subject'->>'type'
               WHEN 'task' THEN 'job:' || coalesce(s.body->'refs'->>'jobId', split_part(s.body->'subject'->>'id', '/', 1))
               ELSE (s.body->'subject'->>'type') || ':' || (s.body->'subject'->>'id')
             END AS link_key
      UNION ALL SELECT 'job:' || (s.body->'refs'->>'jobId')
      UNION ALL SELECT 'pipeline:' || (s.body->'refs'->>'pipelineId')
      UNION ALL SELECT 'cluster:' || (s.body->'refs'->>'clusterId')
      UNION ALL SELECT 'warehouse:' || (s.body->'refs'->>'warehouseId')
      UNION ALL SELECT 'table:' || t FROM jsonb_array_elements_text(
        CASE WHEN jsonb_typeof(s.body->'refs'->'tablesRead') = 'array' THEN s.body->'refs'->'tablesRead' ELSE '[]'::jsonb END) AS t
      UNION ALL SELECT 'table:' || t FROM jsonb_array_elements_text(
        CASE WHEN jsonb_typeof(s.body->'refs'->'tablesWritten') = 'array' THEN s.body->'refs'->'tablesWritten' ELSE '[]'::jsonb END) AS t
    ) AS k
    WHERE k.link_key IS NOT NULL`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('signal_link_keys').execute();
}
