import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/domain/canonical-json.js';
import { type AuditEntryInput, AuditLogRepository, chainHash } from '../../src/store/audit-log-repository.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { createTestDatabase, dropTestDatabase } from '../support/test-database.js';

const run = promisify(execFile);
const BIN = resolve(import.meta.dirname, '../../bin/dbxops.js');
const T0 = Date.UTC(2026, 11, 6, 4, 0);
const TOKEN = 'dapi00112233445566778899aabbccddeeff';

const entry = (kind: AuditEntryInput['kind'], outcome: string): AuditEntryInput => ({
  kind,
  who: { chat: { surface: 'console', userId: 'alice' }, principal: 'alice@example.com' },
  what: { action: 'repair' },
  where: { workspaceId: '1234567890', resource: 'job:42' },
  why: { incidentId: 'inc-1', classification: 'resource' },
  how: { calls: [{ method: 'POST', path: '/api/2.2/jobs/runs/repair', status: 200 }] },
  result: { outcome, message: `sent with Bearer ${TOKEN}` },
});

/** Runs `dbxops audit …`; resolves with the exit code and output instead of throwing on a non-zero exit. */
async function dbxops(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, 'audit', ...args], {
      env: { ...process.env, DATABASE_URL: '', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Writes propose → approve → execute → verify, as one remediation leaves them. */
async function writeFourEntries(store: Store): Promise<void> {
  const log = new AuditLogRepository(store.db);
  await log.append(entry('propose', 'needs_approval'), T0);
  await log.append(entry('approve', 'approved'), T0 + 60_000);
  await log.append(entry('execute', 'succeeded'), T0 + 61_000);
  await log.append(entry('verify', 'recovered'), T0 + 300_000);
}

async function editEntry(store: Store, seq: number): Promise<void> {
  await sql`ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_append_only`.execute(store.db);
  await sql`UPDATE audit_entries SET body = replace(body, 'succeeded', 'skipped') WHERE seq = ${seq}`.execute(
    store.db,
  );
}

describe('dbxops audit on the embedded store (PGlite in DBXOPS_DATA_DIR)', () => {
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dbxops-audit-'));
    const store = await openStore({ dataDir: join(dir, 'pglite') });
    await writeFourEntries(store);
    await store.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('verifies an intact log and exits 0', async () => {
    const result = await dbxops(['verify'], { DBXOPS_DATA_DIR: dir });
    expect(result.stdout).toMatch(/^audit log verified: 4 entries, chain intact \(head [0-9a-f]{64}\)/);
    expect(result.code).toBe(0);
  });

  it('exports every entry as a JSON line whose hashes an auditor can recompute, without secrets', async () => {
    const out = join(dir, 'audit.jsonl');
    const result = await dbxops(['export', '--out', out], { DBXOPS_DATA_DIR: dir });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`wrote 4 entries to ${out}`);
    const text = readFileSync(out, 'utf8');
    expect(text).not.toContain(TOKEN);
    const lines = text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.map((l) => l.kind)).toEqual(['propose', 'approve', 'execute', 'verify']);
    for (const line of lines) {
      const { prevHash, hash, ...body } = line;
      expect(chainHash(prevHash, canonicalJson(body))).toBe(hash);
    }
    // Refuses to overwrite the file without --force.
    expect(await dbxops(['export', '--out', out], { DBXOPS_DATA_DIR: dir })).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('--force'),
    });
  });

  it('names the edited entry and exits 1', async () => {
    const store = await openStore({ dataDir: join(dir, 'pglite') });
    await editEntry(store, 3);
    await store.close();
    const result = await dbxops(['verify'], { DBXOPS_DATA_DIR: dir });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      'audit log BROKEN at entry 3 (2026-12-06T04:01:01.000Z, execute): Entry 3 was edited: its content no longer matches its hash.',
    );
  });

  it('says so when there is no store to check', async () => {
    const result = await dbxops(['verify'], { DBXOPS_DATA_DIR: join(dir, 'nowhere') });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/No database at .*nowhere.*--database-url/);
  });

  it('refuses a database URL that is not PostgreSQL', async () => {
    const result = await dbxops(['verify', '--database-url', 'mysql://root@localhost/ops']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('must start with postgres://');
  });
});

describe('dbxops audit verify --database-url on PostgreSQL', () => {
  const databases: string[] = [];
  /** A fresh database on the run's PostgreSQL server, dropped after the file. */
  const freshDatabase = async () => {
    const created = await createTestDatabase();
    databases.push(created);
    return created;
  };
  let url: string;

  beforeAll(async () => {
    url = await freshDatabase();
    const store = await openStore({ databaseUrl: url });
    await writeFourEntries(store);
    await store.close();
  });
  afterAll(async () => {
    for (const created of databases) await dropTestDatabase(created);
  });

  it('names entries removed from the end once given the head hash an earlier verify printed', async () => {
    const url2 = await freshDatabase();
    const store = await openStore({ databaseUrl: url2 });
    await writeFourEntries(store);
    const first = await dbxops(['verify', '--database-url', url2]);
    const head = /head ([0-9a-f]{64})/.exec(first.stdout)?.[1] ?? '';
    await sql`ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_append_only`.execute(store.db);
    await sql`DELETE FROM audit_entries WHERE seq = 4`.execute(store.db);
    await store.close();
    expect(await dbxops(['verify', '--database-url', url2, '--head', head])).toMatchObject({
      code: 1,
      stdout: expect.stringContaining(
        'audit log BROKEN at entry 4: The log ends at entry 3 and no entry has the head hash',
      ),
    });
    expect(await dbxops(['verify', '--database-url', url2, '--head', 'not-a-hash'])).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('64 lower-case hex'),
    });
  });

  it('verifies, then names a deleted entry', async () => {
    expect(await dbxops(['verify', '--database-url', url])).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('4 entries, chain intact'),
    });
    const store = await openStore({ databaseUrl: url, migrate: false });
    await sql`ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_append_only`.execute(store.db);
    await sql`DELETE FROM audit_entries WHERE seq = 2`.execute(store.db);
    await store.close();
    const result = await dbxops(['verify', '--database-url', url]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('audit log BROKEN at entry 2: Entry 2 is missing');
  });

  it('refuses a database dbxops never wrote to', async () => {
    const empty = await freshDatabase();
    const result = await dbxops(['verify', '--database-url', empty]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('holds no audit log');
  });
});
