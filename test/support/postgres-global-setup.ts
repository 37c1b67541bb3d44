import type { TestProject } from 'vitest/node';
import { startPostgresServer } from './postgres-server.js';

/** What the run's PostgreSQL server tells the test files (test/support/test-database.ts reads it). */
export type ProvidedPostgres =
  | { readonly ok: true; readonly url: string }
  | { readonly ok: false; readonly reason: string };

declare module 'vitest' {
  export interface ProvidedContext {
    postgres: ProvidedPostgres;
  }
}

/**
 * Vitest global setup: one PostgreSQL server for the whole run (starting one per test file cost a few
 * seconds each), torn down after the last file. Each file creates its own databases on it. A run of the
 * unit project alone needs none and starts none. When the server cannot start (no PostgreSQL installed)
 * the run goes on and the tests that need it fail saying why.
 */
export async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  if (project.vitest.projects.every((p) => p.name === 'unit')) {
    project.provide('postgres', { ok: false, reason: 'the unit project starts no PostgreSQL' });
    return undefined;
  }
  try {
    const server = await startPostgresServer();
    project.provide('postgres', { ok: true, url: server.url });
    return () => server.stop();
  } catch (error) {
    project.provide('postgres', {
      ok: false,
      reason: error instanceof Error ? error.message : String(error),
    });
    return undefined;
  }
}
