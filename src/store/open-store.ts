import { randomUUID } from 'node:crypto';
import { mkdirSync, openAsBlob } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Kysely, type MigrationResultSet, Migrator, PostgresDialect, sql } from 'kysely';
import type { PGliteDialect } from 'kysely-pglite-dialect';
import { createLogger, type Logger } from '../config/logger.js';
import type { Database } from './database.js';
import { MIGRATIONS, staticMigrationProvider } from './migrations.js';
import { CHECKPOINT_EVERY_MS, type Repeat, startCheckpoints, wallClockRepeat } from './pglite-checkpoints.js';
import { removeOnExit } from './remove-on-exit.js';
import { StoreError } from './store-error.js';

/** Where the embedded store keeps its files unless told otherwise. */
const DEFAULT_PGLITE_DIR = './data/pglite';

export interface StoreOptions {
  /** `postgres://…` selects a real PostgreSQL server (env `DATABASE_URL`). Wins over `dataDir`. */
  readonly databaseUrl?: string | undefined;
  /**
   * PGlite data directory (default `./data/pglite`); `memory://` keeps everything in memory;
   * `scratch://` is a store thrown away on close like `memory://`, but with its files in a fresh
   * directory under `scratchParentDir`, removed on close or when the process exits or is interrupted.
   */
  readonly dataDir?: string | undefined;
  /** Where a `scratch://` store makes its directory (default the system's, `os.tmpdir()`). */
  readonly scratchParentDir?: string;
  /** Run pending migrations before returning (default true). */
  readonly migrate?: boolean;
  /** Connection pool size for PostgreSQL (default 20). PGlite has exactly one connection. */
  readonly poolSize?: number;
  /**
   * Where an in-memory PGlite store keeps the pristine database cluster it starts from (default
   * `~/.cache/dbxops/`; `null` creates the cluster every time). See `scratchPglite`.
   */
  readonly clusterCacheDir?: string | null;
  /**
   * How often an embedded (PGlite) store checkpoints, which bounds the write-ahead log it keeps
   * (default every 5 minutes of wall-clock time, on `repeat`). A server has its own checkpointer.
   */
  readonly checkpoints?: { readonly everyMs?: number; readonly repeat?: Repeat };
  /** Where a failed checkpoint is reported (default: a logger of its own, on stderr). */
  readonly logger?: Pick<Logger, 'warn'>;
}

export interface Store {
  readonly db: Kysely<Database>;
  readonly dialect: 'pglite' | 'postgres';
  /** Applies pending migrations; a second call is a no-op. */
  migrate(): Promise<MigrationResultSet>;
  /** Closes connections (and PGlite's files). Safe to call twice. */
  close(): Promise<void>;
}

/** Loaded only for PostgreSQL, as PGlite is only for the embedded store: neither carries the other's driver. */
async function postgresDialect(databaseUrl: string, poolSize: number): Promise<PostgresDialect> {
  if (!/^postgres(?:ql)?:\/\//.test(databaseUrl)) {
    throw new StoreError('invalid_url', 'DATABASE_URL must start with postgres:// or postgresql://.', {
      scheme: databaseUrl.split(':')[0],
    });
  }
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: databaseUrl, max: poolSize });
  // A server restart, a failover or an administrator ending sessions breaks the idle connections, and
  // the pool reports each one as an 'error' event, which without a listener ends the process. The pool
  // has already dropped the broken client; the next query opens a new one or fails with its own error.
  pool.on('error', () => {});
  return new PostgresDialect({ pool });
}

/** Loaded only for the embedded store: a PostgreSQL deployment need not carry PGlite's WebAssembly. */
async function pgliteDialect(
  dataDir: string,
  cacheDir: string | null,
  scratchDir: string | undefined,
): Promise<PGliteDialect> {
  const [{ PGliteDialect }, pglite] = await Promise.all([
    import('kysely-pglite-dialect'),
    import('@electric-sql/pglite'),
  ]);
  if (scratchDir !== undefined)
    return new PGliteDialect(await scratchPglite(pglite.PGlite, cacheDir, scratchDir));
  if (dataDir === 'memory://' || dataDir === '')
    return new PGliteDialect(await scratchPglite(pglite.PGlite, cacheDir, undefined));
  mkdirSync(dataDir, { recursive: true });
  return new PGliteDialect(new pglite.PGlite(dataDir));
}

/**
 * How much write-ahead log an in-memory store keeps after a checkpoint (`pglite-checkpoints.ts`): the
 * segments it recycles for later use, between `min_wal_size` and `max_wal_size`, instead of the
 * defaults' 80 MB to 1 GB. A single-user backend never checkpoints on `max_wal_size` (only a server's
 * checkpointer does), so these settings bound the recycled segments and nothing else.
 */
const SCRATCH_WAL_SETTINGS = ['min_wal_size = 2MB', 'max_wal_size = 4MB'];

/**
 * Settings of a store thrown away after use (`memory://`: `dbxops start`'s embedded mode, tests;
 * `scratch://`: an eval, a digest replay). Its files are already in memory (PGlite's in-memory file
 * system, or the kernel's page cache for a scratch directory just written), so PostgreSQL's shared
 * buffers only hold a second copy of pages: 2 MB (256 pages) instead of the default 128 MB. Pages
 * beyond them are read again from those files. With the smaller log segments below
 * (and a replay's tighter heap), the demo eval's peak fell from 511–531 to 472–482 MiB, with the same
 * results (bench/README.md).
 */
const SCRATCH_SETTINGS = ['shared_buffers = 2MB', ...SCRATCH_WAL_SETTINGS];
/**
 * `initdb` options of a scratch cluster: 1 MB write-ahead log segments instead of 16 MB. Each segment is
 * a file in PGlite's in-memory file system, filled in full when it is created, so the default left
 * 16 MB resident from the start for the few MB of log a replay writes.
 */
const SCRATCH_INITDB = ['--wal-segsize=1'];

/**
 * An in-memory PGlite. Creating a database cluster (`initdb`) is most of the cost of opening one —
 * seconds of CPU and a few hundred MB at its peak — and its result is the same every time, so the
 * first one this user opens with this PGlite version is kept in the user's cache directory and the
 * next ones start from a copy. Without a usable cache it is created as before.
 */
async function scratchPglite(
  PGlite: typeof import('@electric-sql/pglite').PGlite,
  cacheDir: string | null,
  dir: string | undefined,
) {
  // In PGlite's in-memory file system unless given a directory (PGlite's `NodeFS`).
  const where = dir === undefined ? {} : { dataDir: dir };
  const template = cacheDir === null ? undefined : await pristineClusterPath(cacheDir);
  const cluster = await keptCluster(template);
  if (cluster) {
    try {
      return await PGlite.create({
        ...where,
        loadDataDir: cluster,
        postgresqlconf: SCRATCH_SETTINGS,
      });
    } catch {
      // A copy another version or a crash left behind: create the cluster and keep a fresh copy, in a
      // directory emptied of what the failed restore wrote.
      if (dir !== undefined) {
        await rm(dir, { recursive: true, force: true });
        await mkdir(dir);
      }
    }
  }
  const db = await PGlite.create({
    ...where,
    postgresqlconf: SCRATCH_SETTINGS,
    initDbStartParams: SCRATCH_INITDB,
  });
  if (template) {
    try {
      const dump = Buffer.from(await (await db.dumpDataDir('gzip')).arrayBuffer());
      await mkdir(dirname(template), { recursive: true });
      // Written aside and renamed: processes starting together never read half a file.
      const aside = `${template}.${process.pid}.${randomUUID()}`;
      await writeFile(aside, dump);
      await rename(aside, template);
    } catch {
      // No cache this time (a read-only home, say): the next store creates its cluster too.
    }
  }
  return db;
}

/**
 * The kept cluster as a Blob backed by its file, not by its bytes: PGlite keeps its options for as long
 * as the store is open, and a Blob of the bytes held a copy of the compressed cluster (~4 MB) all that
 * time. Undefined when there is none (`openAsBlob` throws at once for a missing file).
 */
async function keptCluster(path: string | undefined): Promise<Blob | undefined> {
  if (path === undefined) return undefined;
  try {
    return await openAsBlob(path);
  } catch {
    return undefined;
  }
}

/**
 * The file in `dir` holding the pristine cluster of the PGlite version installed, named after the
 * `initdb` options too: a cluster kept with other options is not taken for this one.
 */
async function pristineClusterPath(dir: string): Promise<string | undefined> {
  try {
    const manifest = new URL('../package.json', import.meta.resolve('@electric-sql/pglite'));
    const { version } = JSON.parse(await readFile(manifest, 'utf8')) as { version: string };
    return join(dir, `pglite-${version}-wal1-cluster.tar.gz`);
  } catch {
    return undefined;
  }
}

/**
 * A fresh directory for a `scratch://` store, removed by `remove()` or, if the process ends first
 * (an exit, Ctrl-C, SIGTERM), on its way out.
 */
async function scratchDirectory(parent: string): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(parent, 'dbxops-store-'));
  const forget = removeOnExit(dir);
  return {
    dir,
    remove: async () => {
      forget();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

// Connection errors name host and port, never the password; keep only the message.
const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * Refuses a database that a newer dbxops migrated: a process of this version would read and write tables
 * whose shape it does not know. (Kysely's own refusal, "corrupted migrations", reads as damage.) An older
 * schema is fine: the migrator brings it up to date.
 */
async function refuseUnknownSchema(db: Kysely<Database>): Promise<void> {
  let applied: string[];
  try {
    const rows = await sql<{ name: string }>`select name from kysely_migration`.execute(db);
    applied = rows.rows.map((r) => r.name);
  } catch {
    // No migration table yet (a new database), or no database at all: the migrator reports the latter.
    return;
  }
  const unknown = applied.filter((name) => !(name in MIGRATIONS)).sort();
  if (unknown.length === 0) return;
  const known = Object.keys(MIGRATIONS).sort().at(-1);
  throw new StoreError(
    'schema_mismatch',
    `The database was migrated by another dbxops version: it has migration${unknown.length === 1 ? '' : 's'} ${unknown.join(', ')}, which this version (up to ${known}) does not know. Run the same dbxops version as the processes that migrated it, or point DATABASE_URL at another database.`,
    { unknown, known },
  );
}

/** Runs Kysely's migrator over the static migration list and throws a StoreError if one fails. */
async function migrateToLatest(db: Kysely<Database>): Promise<MigrationResultSet> {
  await refuseUnknownSchema(db);
  // Migrations are numbered per feature (0005 audit, 0006 digest, 0007 remediation …) and may ship in any
  // order: a database that already ran 0007 still runs a 0005 that arrives later.
  const migrator = new Migrator({ db, provider: staticMigrationProvider, allowUnorderedMigrations: true });
  const result = await migrator.migrateToLatest();
  if (result.error !== undefined) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName;
    if (failed === undefined) {
      // No migration ran: the database itself is unreachable or refused us.
      throw new StoreError(
        'unavailable',
        `The database could not be reached: ${describe(result.error)}`,
        {},
        {
          cause: result.error,
        },
      );
    }
    throw new StoreError(
      'migration_failed',
      `Database migration ${failed} failed; nothing after it ran.`,
      { migration: failed },
      { cause: result.error },
    );
  }
  return result;
}

/**
 * Opens the store: PostgreSQL when `databaseUrl` is given, otherwise PGlite in `dataDir` (default
 * `./data/pglite`, `memory://` for an in-memory database). Migrates to the latest schema unless
 * `migrate: false`.
 */
export async function openStore(options: StoreOptions = {}): Promise<Store> {
  const dialectName = options.databaseUrl ? 'postgres' : 'pglite';
  const scratch =
    !options.databaseUrl && options.dataDir === 'scratch://'
      ? await scratchDirectory(options.scratchParentDir ?? tmpdir())
      : undefined;
  let dialect: PGliteDialect | PostgresDialect;
  try {
    dialect = options.databaseUrl
      ? await postgresDialect(options.databaseUrl, options.poolSize ?? 20)
      : await pgliteDialect(
          options.dataDir ?? DEFAULT_PGLITE_DIR,
          options.clusterCacheDir === undefined
            ? join(homedir(), '.cache', 'dbxops')
            : options.clusterCacheDir,
          scratch?.dir,
        );
  } catch (error) {
    await scratch?.remove();
    throw error;
  }
  const db = new Kysely<Database>({ dialect });
  const checkpoints =
    dialectName === 'pglite'
      ? startCheckpoints(db, {
          everyMs: options.checkpoints?.everyMs ?? CHECKPOINT_EVERY_MS,
          repeat: options.checkpoints?.repeat ?? wallClockRepeat,
          // On stderr: a command's stdout may be its JSON (`dbxops eval --json`).
          logger: options.logger ?? createLogger({ destination: process.stderr }),
        })
      : undefined;
  let closed = false;
  const store: Store = {
    db,
    dialect: dialectName,
    migrate: () => migrateToLatest(db),
    close: async () => {
      if (closed) return;
      closed = true;
      await checkpoints?.stop();
      await db.destroy();
      await scratch?.remove();
    },
  };
  if (options.migrate !== false) {
    try {
      await store.migrate();
    } catch (error) {
      await store.close();
      if (error instanceof StoreError) throw error;
      throw new StoreError(
        'unavailable',
        `The ${dialectName} store could not be opened: ${String(error)}`,
        {
          dialect: dialectName,
        },
        { cause: error },
      );
    }
  }
  return store;
}
