import { once } from 'node:events';
import { createWriteStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { loadEnv } from '../config/env.js';
import { ConfigError } from '../domain/errors.js';
import { AuditLogRepository } from '../store/audit-log-repository.js';
import { openStore, type Store } from '../store/open-store.js';

interface AuditOptions {
  /** `--database-url`; else `DATABASE_URL`; else the PGlite files in `DBXOPS_DATA_DIR`. */
  readonly databaseUrl?: string | undefined;
}

/**
 * Opens the store the running dbxops writes its audit log to, without migrating it: checking a log
 * must not change the database it checks (and `dbxops remediation kill-switch` flips a switch in the
 * schema the running dbxops made, never an older one).
 */
export async function openAuditStore(options: AuditOptions, env = loadEnv()): Promise<Store> {
  const databaseUrl = options.databaseUrl ?? env.DATABASE_URL;
  if (databaseUrl === undefined) {
    const dataDir = join(env.DBXOPS_DATA_DIR, 'pglite');
    if (!existsSync(dataDir)) {
      throw new ConfigError(
        `No database at ${dataDir}: pass --database-url or set DATABASE_URL (or DBXOPS_DATA_DIR) to the store dbxops writes to.`,
        { dataDir },
      );
    }
    return openStore({ dataDir, migrate: false });
  }
  return openStore({ databaseUrl, migrate: false, poolSize: 2 });
}

async function withAuditLog<T>(
  options: AuditOptions,
  work: (log: AuditLogRepository) => Promise<T>,
): Promise<T> {
  const store = await openAuditStore(options);
  try {
    const exists = await store.db.introspection
      .getTables()
      .then((tables) => tables.some((t) => t.name === 'audit_entries'));
    if (!exists) {
      throw new ConfigError('This database holds no audit log: dbxops has not run against it yet.');
    }
    return await work(new AuditLogRepository(store.db));
  } finally {
    await store.close();
  }
}

/**
 * `dbxops audit verify`: walks the hash chain and names the first entry that does not hold; with
 * `--head`, also that the entry an earlier run printed as the head is still there. Exit status 1 when
 * the chain is broken.
 */
export async function runAuditVerify(
  options: AuditOptions & { readonly head?: string | undefined },
  output: NodeJS.WritableStream = process.stdout,
): Promise<void> {
  if (options.head !== undefined && !/^[0-9a-f]{64}$/.test(options.head)) {
    throw new ConfigError('--head takes a head hash as verify prints it: 64 lower-case hex characters.');
  }
  const result = await withAuditLog(options, (log) =>
    log.verify(options.head === undefined ? {} : { head: options.head }),
  );
  if (result.ok) {
    output.write(`audit log verified: ${result.entries} entries, chain intact (head ${result.headHash})\n`);
    return;
  }
  const bad = result.firstBad;
  const where = [bad.at, bad.kind].filter((part) => part !== null).join(', ');
  output.write(
    `audit log BROKEN at entry ${bad.seq}${where === '' ? '' : ` (${where})`}: ${bad.message}\n` +
      `  ${result.entries} entries before it check out.\n`,
  );
  process.exitCode = 1;
}

/** `dbxops audit export`: every entry as one JSON line, with its hash and the previous one. */
export async function runAuditExport(
  options: AuditOptions & { readonly out?: string | undefined; readonly force?: boolean },
): Promise<void> {
  if (options.out !== undefined && existsSync(options.out) && options.force !== true) {
    throw new ConfigError(`${options.out} exists; pass --force to overwrite it.`, { file: options.out });
  }
  // The file is created once the log is open, so a wrong database leaves no empty file behind.
  const count = await withAuditLog(options, async (log) => {
    const output = options.out === undefined ? process.stdout : createWriteStream(options.out);
    let written = 0;
    try {
      for await (const entry of log.entries()) {
        if (!output.write(`${JSON.stringify(entry)}\n`)) await once(output, 'drain');
        written += 1;
      }
    } finally {
      if (output !== process.stdout) {
        output.end();
        await finished(output);
      }
    }
    return written;
  });
  if (options.out !== undefined)
    process.stderr.write(`dbxops audit: wrote ${count} entries to ${options.out}\n`);
}
