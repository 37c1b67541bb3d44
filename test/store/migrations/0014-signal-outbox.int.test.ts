import { Migrator } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../../src/store/migrations.js';
import { createRepositories } from '../../../src/store/repositories.js';
import { dialects } from '../dialects.js';

describe.each(dialects())('migration 0014-signal-outbox on $name', (dialect) => {
  afterAll(() => dialect.stop());

  it('gives a database of the version before an outbox one that keeps queued signals, keeping the rest', async () => {
    const store = await dialect.open();
    try {
      const migrator = new Migrator({
        db: store.db,
        provider: { getMigrations: async () => ({ ...MIGRATIONS }) },
      });
      const repos = createRepositories(store.db);
      expect((await migrator.migrateTo('0013-console-history')).error).toBeUndefined();
      const tables = async () => (await store.db.introspection.getTables()).map((t) => t.name);
      expect(await tables()).not.toContain('signal_outbox');
      await repos.processedKeys.markProcessed('kept', 0, 'test');

      expect((await migrator.migrateToLatest()).error).toBeUndefined();
      expect(await repos.processedKeys.markProcessed('kept', 0, 'test')).toBe(false);
      const payload = { signal: { id: 'sig_1' }, detectedAt: 5 };
      await repos.signalOutbox.put({ key: 'k1', workspaceId: 'ws', payload, queuedAt: 5 });
      await repos.signalOutbox.put({ key: 'k1', workspaceId: 'ws', payload: { other: true }, queuedAt: 6 });
      expect(await repos.signalOutbox.list()).toEqual([
        { key: 'k1', workspaceId: 'ws', payload, queuedAt: 5 },
      ]);
      await repos.signalOutbox.remove('k1');
      expect(await repos.signalOutbox.list()).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
