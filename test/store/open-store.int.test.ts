import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/store/migrations.js';
import { openStore } from '../../src/store/open-store.js';
import { createRepositories } from '../../src/store/repositories.js';
import { StoreError } from '../../src/store/store-error.js';
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
});

describe('openStore', () => {
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
