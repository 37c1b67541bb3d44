import { type Kysely, sql } from 'kysely';

/**
 * What the detectors remember between polls (duration and row-count baselines, the latest load per
 * table, the runs in flight, the cost history), stored next to the watermarks so that any worker can run
 * any poll and a restart loses nothing. One row per remembered entry: a poll rewrites only the entries it
 * changed, and `seq` (one per save, per workspace) lets a worker read only what others wrote since its
 * last look. A null `value` is an entry that was forgotten (a cost period past the detector's history).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('detector_state')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('part', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('value', 'jsonb')
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('detector_state_pk', ['workspace_id', 'part', 'key'])
    .execute();
  await sql`create index detector_state_seq on detector_state (workspace_id, seq)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('detector_state').execute();
}
