import pg from 'pg';
import { inject } from 'vitest';

let counter = 0;

/** The run's one PostgreSQL server (test/support/postgres-global-setup.ts), or why there is none. */
function serverUrl(): string {
  const server = inject('postgres');
  if (!server.ok) throw new Error(`No PostgreSQL server for this run: ${server.reason}`);
  return server.url;
}

async function onServer(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl() });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/**
 * Creates an empty database on the run's PostgreSQL server and returns its URL: a fresh one per store
 * keeps each test file's state its own.
 */
export async function createTestDatabase(): Promise<string> {
  const name = `t_${process.pid}_${++counter}_${Math.random().toString(36).slice(2, 8)}`;
  await onServer(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

/** Drops a database `createTestDatabase` made, closing what still holds it: the server's disk stays small. */
export async function dropTestDatabase(url: string): Promise<void> {
  await onServer(`DROP DATABASE IF EXISTS ${new URL(url).pathname.slice(1)} WITH (FORCE)`);
}
