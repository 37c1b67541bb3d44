import { Migrator, sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { ChannelLog } from '../../../src/bot/console/channel-log.js';
import { ManualClock } from '../../../src/domain/clock.js';
import { MIGRATIONS } from '../../../src/store/migrations.js';
import { createRepositories } from '../../../src/store/repositories.js';
import { dialects } from '../dialects.js';

describe.each(dialects())('migration 0013-console-history on $name', (dialect) => {
  afterAll(() => dialect.stop());

  it('gives a database of the version before a console history, keeping what it held', async () => {
    const store = await dialect.open();
    try {
      const migrator = new Migrator({
        db: store.db,
        provider: { getMigrations: async () => ({ ...MIGRATIONS }) },
      });
      // Back to the version before, holding a row the upgrade must keep.
      expect((await migrator.migrateTo('0012-detector-state')).error).toBeUndefined();
      const tables = async () => (await store.db.introspection.getTables()).map((t) => t.name);
      expect(await tables()).not.toContain('console_messages');
      await sql`insert into processed_keys (scope, key, processed_at) values ('test', 'kept', now())`.execute(
        store.db,
      );

      expect((await migrator.migrateToLatest()).error).toBeUndefined();
      expect(await tables()).toEqual(expect.arrayContaining(['console_messages', 'console_channels']));
      expect(
        (await sql<{ n: number }>`select count(*)::int as n from processed_keys`.execute(store.db)).rows[0]
          ?.n,
      ).toBe(1);
      const log = new ChannelLog({
        clock: new ManualClock(0),
        history: createRepositories(store.db).consoleHistory,
      });
      const m = await log.post('incidents', 'dbxops', { kind: 'text', text: 'first after the upgrade' });
      // A message id of the in-memory console (numbered from the wall clock) finds nothing.
      expect(await log.find('incidents', 'm178000000000000')).toBeUndefined();
      expect((await log.find('incidents', m.id))?.id).toBe(m.id);
    } finally {
      await store.close();
    }
  });
});
