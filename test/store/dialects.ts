import { openStore, type Store } from '../../src/store/open-store.js';
import { createTestDatabase, dropTestDatabase } from '../support/test-database.js';

/** One backend the store runs on; each test file runs its suite once per entry (kysely's dialect loop). */
export interface DialectCase {
  readonly name: 'pglite' | 'postgres';
  /** Opens a fresh, migrated store on an empty database. */
  open(): Promise<Store>;
  /** Releases what `open` needed beyond the stores themselves (the databases it created). */
  stop(): Promise<void>;
}

function pglite(): DialectCase {
  return { name: 'pglite', open: () => openStore({ dataDir: 'memory://' }), stop: async () => {} };
}

function postgres(): DialectCase {
  const databases: string[] = [];
  return {
    name: 'postgres',
    async open() {
      const url = await createTestDatabase();
      databases.push(url);
      return openStore({ databaseUrl: url });
    },
    async stop() {
      for (const url of databases.splice(0)) await dropTestDatabase(url);
    },
  };
}

/** PGlite in memory and a fresh database on the run's PostgreSQL server. */
export const dialects = (): DialectCase[] => [pglite(), postgres()];
