import { Migrator, sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { signalLinkKeys } from '../../../src/agents/correlator/link-keys.js';
import { fingerprint } from '../../../src/domain/fingerprint.js';
import { makeSignal, type Signal, type SignalDraft } from '../../../src/domain/signal.js';
import { IncidentRepository } from '../../../src/store/incident-repository.js';
import { MIGRATIONS } from '../../../src/store/migrations.js';
import { openStore, type Store } from '../../../src/store/open-store.js';

const WS = '1234567890123456';
const T0 = Date.UTC(2026, 10, 20, 2, 0);
const INCIDENT = 'inc_000000000000000000000001';

function signal(draft: Partial<SignalDraft> & Pick<SignalDraft, 'dedupKey' | 'subject'>): Signal {
  const made = makeSignal({
    source: 'webhook',
    workspaceId: WS,
    kind: 'task_failed',
    severityHint: 'P2',
    observedAt: T0,
    occurredAt: T0,
    ...draft,
  });
  if (!made.ok) throw new Error(made.userMessage);
  return made.value;
}

/** Signals as stored before 0003: each kind of subject and ref the backfill has to derive keys from. */
const SIGNALS: Record<string, Signal> = {
  'a task with tables and a cluster': signal({
    dedupKey: 'run:100:task:extract:failed',
    subject: { type: 'task', id: '42/extract', name: 'Nightly orders ETL / extract' },
    refs: {
      jobId: '42',
      runId: '100',
      taskKey: 'extract',
      clusterId: '0523-101010-abcde123',
      tablesRead: ['main.raw.orders', "main.raw.o'brien"],
      tablesWritten: ['main.sales.orders', 'main.raw.orders'],
    },
  }),
  'a table': signal({
    dedupKey: 'table:main.sales.orders:row_count_drop',
    kind: 'row_count_drop',
    subject: { type: 'table', id: 'main.sales.orders' },
    refs: { jobId: '42', tablesWritten: ['main.sales.orders'] },
  }),
  'a warehouse': signal({
    dedupKey: 'warehouse:1a2b3c4d5e6f7a8b:queueing',
    kind: 'warehouse_queueing',
    subject: { type: 'warehouse', id: '1a2b3c4d5e6f7a8b', name: 'bi-prod' },
  }),
  'a task whose job id only its subject names': signal({
    dedupKey: 'run:200:task:load:failed',
    subject: { type: 'task', id: '77/load' },
    refs: { runId: '200', warehouseId: '1a2b3c4d5e6f7a8b' },
  }),
  'a workspace-wide problem': signal({
    dedupKey: 'monitoring_degraded:system.lakeflow',
    kind: 'monitoring_degraded',
    subject: { type: 'workspace', id: WS },
  }),
  'a pipeline started by a job': signal({
    dedupKey: 'pipeline:p-9:failed',
    kind: 'pipeline_failed',
    subject: { type: 'pipeline', id: 'p-9' },
    refs: { pipelineId: 'p-9', jobId: '42', tablesRead: ['数据.销售.订单'] },
  }),
};

describe('migration 0003-signal-link-keys', () => {
  let store: Store;
  let migrator: Migrator;

  // One PGlite for the file (starting one takes seconds); each test starts from an empty 0002 schema.
  beforeAll(async () => {
    store = await openStore({ dataDir: 'memory://', migrate: false });
    migrator = new Migrator({ db: store.db, provider: { getMigrations: async () => ({ ...MIGRATIONS }) } });
  });
  beforeEach(async () => {
    const before = await migrator.migrateTo('0002-card-posts');
    expect(before.error).toBeUndefined();
    await sql`DELETE FROM incident_signals`.execute(store.db);
    await sql`DELETE FROM signals`.execute(store.db);
    await sql`DELETE FROM incidents`.execute(store.db);
  });
  afterAll(async () => {
    await store?.close();
  });

  /** Stores an open incident holding `signals` the way the 0001 schema wants, with no link keys. */
  async function storeBefore0003(signals: readonly Signal[]): Promise<void> {
    await sql`
      INSERT INTO incidents (id, workspace_id, fingerprint, title, severity, state, opened_at, updated_at,
                             blast_radius, version)
      VALUES (${INCIDENT}, ${WS}, 'fp_before', 'Nightly orders ETL failed', 'P2', 'open',
              ${new Date(T0)}, ${new Date(T0)}, ${JSON.stringify({ jobs: [], count: 0 })}, 1)`.execute(
      store.db,
    );
    for (const s of signals) {
      await sql`
        INSERT INTO signals (id, workspace_id, kind, source, fingerprint, observed_at, occurred_at, body)
        VALUES (${s.id}, ${s.workspaceId}, ${s.kind}, ${s.source}, ${fingerprint(s)},
                ${new Date(s.observedAt)}, ${new Date(s.occurredAt)}, ${JSON.stringify(s)})`.execute(
        store.db,
      );
      await sql`
        INSERT INTO incident_signals (signal_id, incident_id, attached_at)
        VALUES (${s.id}, ${INCIDENT}, ${new Date(T0)})`.execute(store.db);
    }
  }

  async function storedKeys(): Promise<Map<string, string[]>> {
    const rows = await store.db
      .selectFrom('signal_link_keys')
      .select(['signal_id', 'link_key'])
      .orderBy('signal_id')
      .orderBy('link_key')
      .execute();
    const out = new Map<string, string[]>();
    for (const r of rows) out.set(r.signal_id, [...(out.get(r.signal_id) ?? []), r.link_key]);
    return out;
  }

  it.each(Object.entries(SIGNALS))('backfills the keys signalLinkKeys gives for %s', async (_name, s) => {
    await storeBefore0003([s]);
    const after = await migrator.migrateToLatest();
    expect(after.error).toBeUndefined();
    expect(after.results?.map((r) => [r.migrationName, r.status])).toContainEqual([
      '0003-signal-link-keys',
      'Success',
    ]);
    expect(await storedKeys()).toEqual(new Map([[s.id, [...signalLinkKeys(s)].sort()]]));
  });

  it('lets a signal find an incident opened before the upgrade', async () => {
    await storeBefore0003(Object.values(SIGNALS));
    expect((await migrator.migrateToLatest()).error).toBeUndefined();
    const incidents = new IncidentRepository(store.db);
    for (const key of [
      'job:42',
      'table:main.raw.orders',
      'warehouse:1a2b3c4d5e6f7a8b',
      'job:77',
      'pipeline:p-9',
    ]) {
      expect(await incidents.openIncidentIdsLinkedTo(WS, [key])).toEqual([INCIDENT]);
    }
    expect(await incidents.openIncidentIdsLinkedTo(WS, ['job:43'])).toEqual([]);
    const all = await storedKeys();
    for (const s of Object.values(SIGNALS)) expect(all.get(s.id)).toEqual([...signalLinkKeys(s)].sort());
  });

  it('migrates an empty database and back down again', async () => {
    expect((await migrator.migrateToLatest()).error).toBeUndefined();
    expect(await storedKeys()).toEqual(new Map());
    const down = await migrator.migrateTo('0002-card-posts');
    expect(down.error).toBeUndefined();
    // Every later migration comes down first, then this one.
    expect(down.results?.map((r) => [r.migrationName, r.direction, r.status]).at(-1)).toEqual([
      '0003-signal-link-keys',
      'Down',
      'Success',
    ]);
  });
});
