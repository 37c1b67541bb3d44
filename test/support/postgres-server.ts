import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

/** A throwaway PostgreSQL server on loopback: one for the test run (postgres-global-setup.ts), or a bench's. */
export interface PostgresServer {
  /** Connection URL of the `postgres` database (superuser, trust auth, 127.0.0.1 only). */
  readonly url: string;
  /**
   * Creates an empty database and returns its URL: one per test keeps state isolated. With `socket`, the
   * URL reaches the server over its Unix socket (how a colocated deployment connects: no TCP stack).
   */
  createDatabase(options?: { socket?: boolean }): Promise<string>;
  /** Stops the server and removes its files. */
  stop(): Promise<void>;
}

/** The newest Debian PostgreSQL server binaries, or undefined when the package is not installed. */
function findPostgresBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(root, versions[0], 'bin');
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/**
 * Starts PostgreSQL from Debian's packages in a temp directory on a free 127.0.0.1 port. initdb refuses
 * to run as root, so as root the server runs as the `postgres` OS user (via runuser) in a directory that
 * user owns. Durability is switched off: the data dies with the test anyway.
 */
export async function startPostgresServer(
  serverOptions: {
    /** Extra server settings, `name=value` each (e.g. `shared_preload_libraries=pg_stat_statements`). */
    settings?: readonly string[];
  } = {},
): Promise<PostgresServer> {
  const bin = findPostgresBinDir();
  if (bin === undefined) {
    throw new Error(
      'PostgreSQL server binaries not found under /usr/lib/postgresql; run scripts/ensure-postgres.sh',
    );
  }
  const asRoot = userInfo().uid === 0;
  const dir = mkdtempSync(join(tmpdir(), 'dbxops-pg-'));
  const dataDir = join(dir, 'data');
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const exec = (cmd: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args]) : run(join(bin, cmd), args);

  await exec('initdb', [
    '-D',
    dataDir,
    '-U',
    'postgres',
    '-A',
    'trust',
    '-E',
    'UTF8',
    '--no-locale',
    '--no-sync',
  ]);

  let port = 0;
  let lastError: unknown;
  // Another process may take the free port between probing and binding: try a few.
  for (let attempt = 0; attempt < 3 && port === 0; attempt++) {
    const candidate = await freePort();
    const options = [
      `-p ${candidate}`,
      "-c listen_addresses='127.0.0.1'",
      `-c unix_socket_directories='${dir}'`,
      '-c fsync=off',
      '-c synchronous_commit=off',
      '-c full_page_writes=off',
      // The whole test run shares one server: two files at once, each with a few pools.
      '-c max_connections=200',
      ...(serverOptions.settings ?? []).map((setting) => `-c ${setting}`),
    ].join(' ');
    try {
      await exec('pg_ctl', [
        '-D',
        dataDir,
        '-l',
        join(dir, 'server.log'),
        '-w',
        '-t',
        '30',
        '-o',
        options,
        'start',
      ]);
      port = candidate;
    } catch (error) {
      lastError = error;
    }
  }
  if (port === 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`PostgreSQL did not start: ${String(lastError)}`);
  }

  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let counter = 0;
  return {
    url,
    async createDatabase(options = {}) {
      const name = `t_${process.pid}_${++counter}_${Math.random().toString(36).slice(2, 8)}`;
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return options.socket
        ? `postgres://postgres@localhost:${port}/${name}?host=${encodeURIComponent(dir)}`
        : `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    async stop() {
      try {
        await exec('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
