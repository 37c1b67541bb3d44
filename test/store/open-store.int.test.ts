import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/store/migrations.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { createRepositories } from '../../src/store/repositories.js';
import { StoreError } from '../../src/store/store-error.js';
import { createTestDatabase, dropTestDatabase } from '../support/test-database.js';
import { dialects } from './dialects.js';

describe.each(dialects())('openStore on $name', (dialect) => {
  afterAll(() => dialect.stop());

  it('migrates to the latest schema and treats a second migration as a no-op', async () => {
    const store = await dialect.open();
    try {
      expect(store.dialect).toBe(dialect.name);
      const again = await store.migrate();
      expect(again.error).toBeUndefined();
      expect(again.results).toEqual([]);
      const tables = (await store.db.introspection.getTables()).map((t) => t.name);
      expect(tables).toEqual(
        expect.arrayContaining([
          'incidents',
          'signals',
          'incident_signals',
          'timeline_entries',
          'recurring_issues',
          'watermarks',
          'processed_keys',
        ]),
      );
      const applied = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(
        store.db,
      );
      expect(applied.rows.map((r) => r.name)).toEqual(Object.keys(MIGRATIONS));
      const repos = createRepositories(store.db);
      expect(await repos.processedKeys.markProcessed('opened', 0)).toBe(true);
    } finally {
      await store.close();
      await store.close();
    }
  });

  it('refuses, naming the migration it does not know, a database a newer dbxops migrated', async () => {
    const store = await dialect.open();
    try {
      await sql`insert into kysely_migration (name, timestamp) values ('9999-from-a-newer-dbxops', '2030-01-01T00:00:00Z')`.execute(
        store.db,
      );
      const error = await store.migrate().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreError);
      expect(error).toMatchObject({
        code: 'STORE_SCHEMA_MISMATCH',
        details: { unknown: ['9999-from-a-newer-dbxops'] },
      });
      expect((error as Error).message).toMatch(
        /migrated by another dbxops version: it has migration 9999-from-a-newer-dbxops, which this version \(up to \d{4}-[a-z-]+\) does not know/,
      );
    } finally {
      await store.close();
    }
  });
});

describe('openStore on PostgreSQL', () => {
  const postgres = dialects().find((d) => d.name === 'postgres')!;
  afterAll(() => postgres.stop());

  it('keeps serving after the server ends its idle sessions, as a restart or failover does', async () => {
    const store = await postgres.open();
    const other = await postgres.open();
    try {
      // Several idle connections in the pool, then every session of that database is ended from outside.
      await Promise.all([1, 2, 3].map(() => sql`select pg_sleep(0.05)`.execute(store.db)));
      const database = (await sql<{ d: string }>`select current_database() as d`.execute(store.db)).rows[0]!
        .d;
      await sql`select pg_terminate_backend(pid) from pg_stat_activity where datname = ${database} and pid <> pg_backend_pid()`.execute(
        other.db,
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
      const repos = createRepositories(store.db);
      expect(await repos.processedKeys.markProcessed('after-restart', 0)).toBe(true);
    } finally {
      await store.close();
      await other.close();
    }
  });
});

describe('openStore', () => {
  it('refuses to start a process on a PostgreSQL database a newer dbxops migrated', async () => {
    const url = await createTestDatabase();
    try {
      const first = await openStore({ databaseUrl: url });
      await sql`insert into kysely_migration (name, timestamp) values ('9999-from-a-newer-dbxops', '2030-01-01T00:00:00Z')`.execute(
        first.db,
      );
      await first.close();
      await expect(openStore({ databaseUrl: url })).rejects.toMatchObject({
        code: 'STORE_SCHEMA_MISMATCH',
        message: expect.stringContaining('Run the same dbxops version'),
      });
    } finally {
      await dropTestDatabase(url);
    }
  });

  it('refuses a DATABASE_URL that is not PostgreSQL', async () => {
    await expect(openStore({ databaseUrl: 'mysql://root@localhost/db' })).rejects.toMatchObject({
      code: 'STORE_INVALID_URL',
    });
  });

  it('reports an unreachable PostgreSQL server as STORE_UNAVAILABLE', async () => {
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    const error = await openStore({ databaseUrl: 'postgres://u:secret@127.0.0.1:1/db' }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StoreError);
    expect(error).toMatchObject({ code: 'STORE_UNAVAILABLE' });
    expect(String((error as Error).message)).not.toContain('secret');
  });
});

describe('openStore in memory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dbxops-cluster-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** A store that works: migrated, and keeps what it is given. */
  async function usable(store: Store) {
    const repos = createRepositories(store.db);
    await repos.watermarks.advance('ws', 'runs', { lastSeenAt: 5 }, 5);
    expect(await repos.watermarks.get('ws', 'runs')).toMatchObject({ lastSeenAt: 5 });
    await store.close();
  }

  it('keeps the pristine cluster it created, and the next store starts from it empty', async () => {
    await usable(await openStore({ dataDir: 'memory://', clusterCacheDir: dir }));
    const kept = readdirSync(dir).filter((f) => f.endsWith('-cluster.tar.gz'));
    expect(kept).toHaveLength(1);
    const next = await openStore({ dataDir: 'memory://', clusterCacheDir: dir });
    // Nothing of the first store came along: the copy was taken before it migrated or stored a row.
    expect(await createRepositories(next.db).watermarks.get('ws', 'runs')).toBeNull();
    await usable(next);
  });

  it('creates the cluster afresh when the kept copy is damaged, and keeps a good one again', async () => {
    await usable(await openStore({ dataDir: 'memory://', clusterCacheDir: dir }));
    const [file] = readdirSync(dir).filter((f) => f.endsWith('-cluster.tar.gz'));
    writeFileSync(join(dir, file ?? 'missing'), 'not a tarball');
    await usable(await openStore({ dataDir: 'memory://', clusterCacheDir: dir }));
    expect(statSync(join(dir, file ?? 'missing')).size).toBeGreaterThan(100_000);
  });

  it('keeps its write-ahead log in 1 MB segments and its shared buffers small, from a kept cluster as from a new one', async () => {
    const settings = async (store: Store) => {
      const { rows } = await sql<{ name: string; setting: string; unit: string }>`
        select name, setting, unit from pg_settings where name in ('wal_segment_size', 'shared_buffers')
        order by name`.execute(store.db);
      await store.close();
      return rows;
    };
    // Each segment is a file in PGlite's memory, filled in full when it is created.
    const expected = [
      { name: 'shared_buffers', setting: '256', unit: '8kB' },
      { name: 'wal_segment_size', setting: '1048576', unit: 'B' },
    ];
    expect(await settings(await openStore({ dataDir: 'memory://', clusterCacheDir: null }))).toEqual(
      expected,
    );
    expect(await settings(await openStore({ dataDir: 'memory://', clusterCacheDir: dir }))).toEqual(expected);
    expect(await settings(await openStore({ dataDir: 'memory://', clusterCacheDir: dir }))).toEqual(expected);
  });

  it('creates the cluster every time without a cache directory', async () => {
    await usable(await openStore({ dataDir: 'memory://', clusterCacheDir: null }));
  });
});
