import { createHash } from 'node:crypto';
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

  it('keeps its write-ahead log in 1 MB segments, recycles at most 4 MB of it, and keeps its shared buffers small, from a kept cluster as from a new one', async () => {
    const settings = async (store: Store) => {
      const { rows } = await sql<{ name: string; setting: string; unit: string }>`
        select name, setting, unit from pg_settings where name in ('wal_segment_size', 'shared_buffers', 'min_wal_size', 'max_wal_size')
        order by name`.execute(store.db);
      await store.close();
      return rows;
    };
    // Each segment is a file in PGlite's memory, filled in full when it is created.
    const expected = [
      { name: 'max_wal_size', setting: '4', unit: 'MB' },
      { name: 'min_wal_size', setting: '2', unit: 'MB' },
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

describe('openStore in a scratch directory', () => {
  const parent = mkdtempSync(join(tmpdir(), 'dbxops-scratch-parent-'));
  const cache = mkdtempSync(join(tmpdir(), 'dbxops-cluster-'));
  afterAll(() => {
    rmSync(parent, { recursive: true, force: true });
    rmSync(cache, { recursive: true, force: true });
  });

  it("keeps its files on disk in a directory of its own, with an in-memory store's settings, and removes it on close", async () => {
    for (const clusterCacheDir of [null, cache, cache]) {
      const store = await openStore({ dataDir: 'scratch://', scratchParentDir: parent, clusterCacheDir });
      const [dir, ...others] = readdirSync(parent);
      expect(others).toEqual([]);
      expect(readdirSync(join(parent, dir ?? 'missing'))).toEqual(
        expect.arrayContaining(['PG_VERSION', 'base']),
      );
      const repos = createRepositories(store.db);
      await repos.watermarks.advance('ws', 'runs', { lastSeenAt: 5 }, 5);
      expect(await repos.watermarks.get('ws', 'runs')).toMatchObject({ lastSeenAt: 5 });
      const { rows } = await sql<{ setting: string }>`
        select setting from pg_settings where name in ('shared_buffers', 'wal_segment_size') order by name`.execute(
        store.db,
      );
      expect(rows.map((r) => r.setting)).toEqual(['256', '1048576']);
      await store.close();
      expect(readdirSync(parent)).toEqual([]);
    }
  });
});

describe('openStore in memory, left running', () => {
  const MB = 1024 * 1024;

  /** A timer that ticks only when the test says so: checkpoints come after a number of writes. */
  function manualRepeat() {
    const ticks: Array<() => Promise<void>> = [];
    return {
      repeat: (_everyMs: number, tick: () => Promise<void>) => {
        ticks.push(tick);
        return () => void ticks.splice(ticks.indexOf(tick), 1);
      },
      tick: async () => {
        for (const t of ticks) await t();
      },
      get running() {
        return ticks.length;
      },
    };
  }

  /** The write-ahead log the store holds in memory, and how much it has written since it opened. */
  async function wal(store: Store) {
    const { rows } = await sql<{ held: string; written: string }>`
      select (select coalesce(sum(size), 0) from pg_ls_waldir())::text as held,
             pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::text as written`.execute(store.db);
    return { held: Number(rows[0]!.held), written: Number(rows[0]!.written) };
  }

  /**
   * Detector-state saves as a bot's polls make them, each remembering a thousand runs (tens of KB), so a
   * few hundred saves write what thousands of a small workspace's would.
   */
  async function saveDetectorState(
    store: Store,
    saves: number,
    afterEach: (i: number) => Promise<void> = async () => {},
  ) {
    const repos = createRepositories(store.db, { soleWriter: true });
    for (let i = 0; i < saves; i++) {
      await repos.detectorState.locked('ws', async (scope) => {
        const { seq } = await scope.since(0);
        // Run ids look random to the compression PostgreSQL applies to large values, as real ones do.
        const runs = Array.from({ length: 1_000 }, (_, r) =>
          createHash('sha256').update(`${i}/${r}`).digest('hex'),
        );
        await scope.save(seq + 1, [{ part: 'failure-rate', key: `job-${i % 20}`, value: { runs } }], i);
      });
      await afterEach(i);
    }
  }

  it('holds every write-ahead log segment it writes while nothing checkpoints', async () => {
    const timer = manualRepeat();
    const store = await openStore({ dataDir: 'memory://', checkpoints: { repeat: timer.repeat } });
    try {
      const before = await wal(store);
      await saveDetectorState(store, 160);
      const after = await wal(store);
      expect(after.written - before.written).toBeGreaterThan(10 * MB);
      // All that was written is still held, a segment per MB: nothing removes or recycles it.
      expect(after.held).toBeGreaterThanOrEqual(after.written - before.written);
    } finally {
      await store.close();
    }
  }, 120_000);

  it('keeps its write-ahead log under 6 MB across many writes when it checkpoints between them', async () => {
    const timer = manualRepeat();
    const store = await openStore({ dataDir: 'memory://', checkpoints: { repeat: timer.repeat } });
    try {
      const before = await wal(store);
      let most = before.held;
      await saveDetectorState(store, 160, async (i) => {
        if (i % 10 !== 9) return;
        // Measured just before each checkpoint, when the most log has piled up since the last one.
        most = Math.max(most, (await wal(store)).held);
        await timer.tick();
      });
      const after = await wal(store);
      // Over twice the bound written, and never more than the bound held.
      expect(after.written - before.written).toBeGreaterThan(12 * MB);
      expect(most).toBeLessThanOrEqual(6 * MB);
      expect(after.held).toBeLessThanOrEqual(6 * MB);
    } finally {
      await store.close();
    }
    expect(timer.running).toBe(0);
  }, 120_000);

  it('lets a transaction under way finish before it checkpoints', async () => {
    const timer = manualRepeat();
    const store = await openStore({ dataDir: 'memory://', checkpoints: { repeat: timer.repeat } });
    try {
      const repos = createRepositories(store.db);
      const before = await sql<{
        redo: string;
      }>`select redo_lsn::text as redo from pg_control_checkpoint()`.execute(store.db);
      let checkpoint: Promise<void> | undefined;
      await store.db.transaction().execute(async (trx) => {
        await createRepositories(trx).watermarks.advance('ws', 'runs', { lastSeenAt: 5 }, 5);
        // The checkpoint waits for the connection the transaction holds: awaiting it here would never end.
        checkpoint = timer.tick();
        await createRepositories(trx).watermarks.advance('ws', 'runs', { lastSeenAt: 6 }, 6);
      });
      await checkpoint;
      expect(await repos.watermarks.get('ws', 'runs')).toMatchObject({ lastSeenAt: 6 });
      const after = await sql<{
        redo: string;
      }>`select redo_lsn::text as redo from pg_control_checkpoint()`.execute(store.db);
      expect(after.rows[0]!.redo).not.toBe(before.rows[0]!.redo);
    } finally {
      await store.close();
    }
  });

  it('logs a checkpoint that fails and checkpoints again on the next tick', async () => {
    const timer = manualRepeat();
    const warnings: unknown[] = [];
    const store = await openStore({
      dataDir: 'memory://',
      checkpoints: { repeat: timer.repeat },
      logger: { warn: (...args: unknown[]) => void warnings.push(args) },
    });
    const redo = async () =>
      (
        await sql<{ redo: string }>`select redo_lsn::text as redo from pg_control_checkpoint()`.execute(
          store.db,
        )
      ).rows[0]!.redo;
    try {
      // A role without the right to checkpoint: PostgreSQL refuses the statement.
      await sql`create role no_checkpoint`.execute(store.db);
      await sql`set role no_checkpoint`.execute(store.db);
      await timer.tick();
      expect(warnings).toHaveLength(1);
      expect(JSON.stringify(warnings[0])).toMatch(/could not checkpoint/);
      await sql`reset role`.execute(store.db);
      const before = await redo();
      await createRepositories(store.db).watermarks.advance('ws', 'runs', { lastSeenAt: 5 }, 5);
      await timer.tick();
      expect(await redo()).not.toBe(before);
      expect(warnings).toHaveLength(1);
    } finally {
      await store.close();
    }
  });
});

describe('openStore in a directory, left running', () => {
  it('checkpoints too, and opens again with what it kept', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dbxops-pglite-'));
    try {
      let tick: () => Promise<void> = async () => {};
      const store = await openStore({
        dataDir: dir,
        checkpoints: {
          repeat: (_everyMs, t) => {
            tick = t;
            return () => {};
          },
        },
      });
      const redo = async () =>
        (
          await sql<{ redo: string }>`select redo_lsn::text as redo from pg_control_checkpoint()`.execute(
            store.db,
          )
        ).rows[0]!.redo;
      await createRepositories(store.db).watermarks.advance('ws', 'runs', { lastSeenAt: 5 }, 5);
      const before = await redo();
      await tick();
      expect(await redo()).not.toBe(before);
      await store.close();
      const again = await openStore({ dataDir: dir });
      expect(await createRepositories(again.db).watermarks.get('ws', 'runs')).toMatchObject({
        lastSeenAt: 5,
      });
      await again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('openStore on PostgreSQL, left running', () => {
  it('leaves checkpoints to the server', async () => {
    const url = await createTestDatabase();
    let timers = 0;
    const store = await openStore({
      databaseUrl: url,
      checkpoints: {
        repeat: () => {
          timers++;
          return () => {};
        },
      },
    });
    await store.close();
    await dropTestDatabase(url);
    expect(timers).toBe(0);
  });
});
