import { openStore, type Store } from '../../src/store/open-store.js';
import { type PostgresServer, startPostgresServer } from '../support/postgres-server.js';

/** One backend the store runs on; each test file runs its suite once per entry (kysely's dialect loop). */
export interface DialectCase {
  readonly name: 'pglite' | 'postgres';
  /** Opens a fresh, migrated store on an empty database. */
  open(): Promise<Store>;
  /** Releases what `open` needed beyond the stores themselves (the PostgreSQL server). */
  stop(): Promise<void>;
}

function pglite(): DialectCase {
  return { name: 'pglite', open: () => openStore({ dataDir: 'memory://' }), stop: async () => {} };
}

function postgres(): DialectCase {
  let server: Promise<PostgresServer> | undefined;
  return {
    name: 'postgres',
    async open() {
      server ??= startPostgresServer();
      const url = await (await server).createDatabase();
      return openStore({ databaseUrl: url });
    },
    async stop() {
      if (server !== undefined) await (await server).stop();
    },
  };
}

/** PGlite in memory and a real PostgreSQL server started for this test file. */
export const dialects = (): DialectCase[] => [pglite(), postgres()];
