import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/domain/canonical-json.js';
import {
  type AuditEntryInput,
  AuditLogRepository,
  chainHash,
  GENESIS_HASH,
} from '../../src/store/audit-log-repository.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { createTestDatabase, dropTestDatabase } from '../support/test-database.js';
import { dialects } from './dialects.js';

const T0 = Date.UTC(2026, 11, 6, 4, 0);
const DATABRICKS_TOKEN = 'dapi0123456789abcdef0123456789abcdef';

/** An entry as the remediation runner writes one; `overrides` replace whole sections. */
function auditEntry(overrides: Partial<AuditEntryInput> = {}): AuditEntryInput {
  return {
    kind: 'execute',
    who: {
      chat: { surface: 'slack', userId: 'U0ALICE', displayName: 'Alice' },
      principal: 'alice@example.com',
    },
    what: { action: 'repair', planHash: 'a'.repeat(64), summary: 'Repair failed tasks of run 7' },
    where: { workspaceId: '1234567890', resource: 'job:42' },
    why: { incidentId: 'inc-1', classification: 'resource' },
    how: { calls: [{ method: 'POST', path: '/api/2.2/jobs/runs/repair', status: 200 }] },
    result: { outcome: 'succeeded' },
    ...overrides,
  };
}

describe.each(dialects())('AuditLogRepository on $name', (dialect) => {
  let store: Store;
  let log: AuditLogRepository;

  beforeAll(async () => {
    store = await dialect.open();
  });
  afterAll(async () => {
    await store?.close();
    await dialect.stop();
  });
  beforeEach(async () => {
    // Each test starts with an empty log; the append-only trigger is lifted for the cleanup only.
    await sql`ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_no_truncate`.execute(store.db);
    await sql`TRUNCATE audit_entries`.execute(store.db);
    await sql`ALTER TABLE audit_entries ENABLE TRIGGER audit_entries_no_truncate`.execute(store.db);
    log = new AuditLogRepository(store.db);
  });

  /** Changes stored history the way someone with database rights would: trigger off, raw SQL, trigger on. */
  async function tamper(statement: ReturnType<typeof sql>): Promise<void> {
    await sql`ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_append_only`.execute(store.db);
    await statement.execute(store.db);
    await sql`ALTER TABLE audit_entries ENABLE TRIGGER audit_entries_append_only`.execute(store.db);
  }

  async function appendFive(): Promise<void> {
    const kinds = ['propose', 'approve', 'execute', 'verify', 'propose'] as const;
    for (const [i, kind] of kinds.entries()) await log.append(auditEntry({ kind }), T0 + i * 1_000);
  }

  it('records who, what, when, where, why, how and the result, chained to the entry before', async () => {
    const first = await log.append(auditEntry({ kind: 'propose', result: { outcome: 'allowed' } }), T0);
    const second = await log.append(auditEntry(), T0 + 5_000);
    expect(first).toMatchObject({
      seq: 1,
      at: '2026-12-06T04:00:00.000Z',
      kind: 'propose',
      who: { chat: { userId: 'U0ALICE' }, principal: 'alice@example.com' },
      where: { workspaceId: '1234567890', resource: 'job:42' },
      why: { incidentId: 'inc-1', classification: 'resource' },
      prevHash: GENESIS_HASH,
    });
    expect(second.prevHash).toBe(first.hash);
    const { prevHash: _p, hash: _h, ...body } = second;
    expect(second.hash).toBe(chainHash(first.hash, canonicalJson(body)));
    expect(await log.verify()).toEqual({ ok: true, entries: 2, headHash: second.hash });
  });

  it('verifies an empty log', async () => {
    expect(await log.verify()).toEqual({ ok: true, entries: 0, headHash: GENESIS_HASH });
  });

  it('refuses UPDATE, DELETE and TRUNCATE: the table is append-only', async () => {
    await log.append(auditEntry(), T0);
    await expect(sql`UPDATE audit_entries SET kind = 'verify'`.execute(store.db)).rejects.toThrow(
      /append-only/,
    );
    await expect(sql`DELETE FROM audit_entries`.execute(store.db)).rejects.toThrow(/append-only/);
    await expect(sql`TRUNCATE audit_entries`.execute(store.db)).rejects.toThrow(/append-only/);
    expect(await log.verify()).toMatchObject({ ok: true, entries: 1 });
  });

  it('names an entry whose content was edited', async () => {
    await appendFive();
    await tamper(sql`UPDATE audit_entries SET body = replace(body, 'succeeded', 'failed') WHERE seq = 3`);
    expect(await log.verify()).toMatchObject({
      ok: false,
      entries: 2,
      firstBad: { seq: 3, kind: 'execute', problem: 'edited' },
    });
  });

  it('names the entry after one that was edited and re-hashed', async () => {
    await appendFive();
    const [row] = (
      await sql<{
        body: string;
        prev_hash: string;
      }>`SELECT body, prev_hash FROM audit_entries WHERE seq = 2`.execute(store.db)
    ).rows;
    const body = row!.body.replace('alice@example.com', 'mallory@example.com');
    await tamper(
      sql`UPDATE audit_entries SET body = ${body}, hash = ${chainHash(row!.prev_hash, body)} WHERE seq = 2`,
    );
    expect(await log.verify()).toMatchObject({ ok: false, firstBad: { seq: 3, problem: 'broken_link' } });
  });

  it('names an edited column that the hash does not cover directly', async () => {
    await appendFive();
    await tamper(sql`UPDATE audit_entries SET kind = 'verify' WHERE seq = 3`);
    expect(await log.verify()).toMatchObject({ ok: false, firstBad: { seq: 3, problem: 'edited' } });
  });

  it('names a deleted entry', async () => {
    await appendFive();
    await tamper(sql`DELETE FROM audit_entries WHERE seq = 2`);
    const result = await log.verify();
    expect(result).toMatchObject({ ok: false, entries: 1, firstBad: { seq: 2, problem: 'missing' } });
    expect(result.ok ? '' : result.firstBad.message).toMatch(/Entry 2 is missing/);
  });

  it('names the first of two entries that were swapped', async () => {
    await appendFive();
    // Swap entries 2 and 3 by their sequence numbers, as a reordering in place would.
    await tamper(sql`UPDATE audit_entries SET seq = seq + 1000 WHERE seq IN (2, 3)`);
    await tamper(sql`UPDATE audit_entries SET seq = CASE seq WHEN 1002 THEN 3 ELSE 2 END WHERE seq > 1000`);
    expect(await log.verify()).toMatchObject({ ok: false, entries: 1, firstBad: { seq: 2 } });
  });

  // On PostgreSQL the appends run on the pool's many connections at once: the advisory lock orders them.
  it('keeps one chain when many appends race', async () => {
    const entries = await Promise.all(
      Array.from({ length: 40 }, (_, i) => log.append(auditEntry({ what: { action: `a${i}` } }), T0 + i)),
    );
    expect(new Set(entries.map((e) => e.seq)).size).toBe(40);
    expect(await log.verify()).toMatchObject({ ok: true, entries: 40 });
  });

  it('never stores a secret that was in the input, and exports none', async () => {
    await log.append(
      auditEntry({
        what: { action: 'repair', summary: `called with Authorization: Bearer ${DATABRICKS_TOKEN}` },
        how: {
          calls: [{ method: 'POST', path: `/api/2.2/jobs/run-now?token=${DATABRICKS_TOKEN}`, status: 500 }],
        },
        result: { outcome: 'failed', message: `proxy echoed ${DATABRICKS_TOKEN} back` },
        details: {
          headers: { Authorization: `Bearer ${DATABRICKS_TOKEN}`, 'X-Request-Id': 'r-1' },
          client_secret: 'dose0123456789abcdef0123',
          approval_token: 'apv_secret',
          slack: 'xoxb-1234567890-abcdefghijkl',
          database: 'postgres://dbxops:hunter2@db.internal/ops',
          idempotency_token: 'inc-1:repair:1',
        },
      }),
      T0,
    );
    const [stored] = (await sql<{ body: string }>`SELECT body FROM audit_entries`.execute(store.db)).rows;
    const exported = [];
    for await (const entry of log.entries()) exported.push(JSON.stringify(entry));
    for (const text of [stored!.body, exported.join('\n')]) {
      expect(text).not.toContain(DATABRICKS_TOKEN);
      expect(text).not.toContain('dose0123456789abcdef0123');
      expect(text).not.toContain('apv_secret');
      expect(text).not.toContain('xoxb-');
      expect(text).not.toContain('hunter2');
      expect(text).toContain('inc-1:repair:1');
      expect(text).toContain('r-1');
    }
  });

  it('stores hostile and oversized input bounded, and the chain still verifies', async () => {
    const deep: Record<string, unknown> = {};
    let cursor = deep;
    for (let i = 0; i < 50; i++) cursor = cursor.next = {} as Record<string, unknown>;
    await log.append(
      auditEntry({
        why: { incidentId: "inc'; DROP TABLE audit_entries; --", classification: 'bad\u0000byte \ud800' },
        details: { huge: 'x'.repeat(1_000_000), many: Array.from({ length: 10_000 }, (_, i) => i), deep },
      }),
      T0,
    );
    const [row] = (await sql<{ body: string }>`SELECT body FROM audit_entries`.execute(store.db)).rows;
    expect(row!.body.length).toBeLessThan(50_000);
    expect(await log.verify()).toMatchObject({ ok: true, entries: 1 });
  });

  it('refuses a malformed entry with the path of what is wrong', async () => {
    await expect(log.append({ ...auditEntry(), kind: 'delete' as never }, T0)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    await expect(log.append(auditEntry({ what: { action: 'a'.repeat(10_000) } }), T0)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    expect(await log.verify()).toMatchObject({ ok: true, entries: 0 });
  });

  it('records at most the hourly limit of executions, also when presses race for the last one', async () => {
    const limits = { perJobPerHour: 3, totalPerHour: 5 };
    await log.append(auditEntry(), T0 - 2 * 3_600_000); // an hour and more ago: does not count
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        log.appendExecution({ ...auditEntry(), kind: 'execute' }, T0 + i, limits),
      ),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(3);
    expect(results.find((r) => !r.ok)).toMatchObject({
      reason: 'rate_limit_per_job',
      userMessage: '3 actions already ran on job:42 in the last hour; the limit is 3.',
    });
    const other = (resource: string) =>
      log.appendExecution(
        { ...auditEntry({ where: { workspaceId: '1', resource } }), kind: 'execute' },
        T0 + 10,
        limits,
      );
    expect((await other('warehouse:w1')).ok).toBe(true);
    expect((await other('warehouse:w2')).ok).toBe(true);
    expect(await other('warehouse:w3')).toMatchObject({ ok: false, reason: 'rate_limit_total' });
    expect(await log.verify()).toMatchObject({ ok: true, entries: 6 });
  });

  it('names entries removed from the end when given the head hash kept from an earlier check', async () => {
    await appendFive();
    const before = await log.verify();
    expect(before.ok).toBe(true);
    const head = before.ok ? before.headHash : '';
    expect(await log.verify({ head })).toMatchObject({ ok: true, entries: 5 });
    await tamper(sql`DELETE FROM audit_entries WHERE seq >= 4`);
    // Without the kept hash the shorter chain checks out; with it, the removal shows.
    expect(await log.verify()).toMatchObject({ ok: true, entries: 3 });
    expect(await log.verify({ head })).toMatchObject({
      ok: false,
      entries: 3,
      firstBad: { seq: 4, problem: 'truncated' },
    });
  });

  it('records an entry written again under the same idempotency key once, and hands back the first', async () => {
    const key = 'inc-1:repair:1:execute';
    const first = await log.append({ ...auditEntry(), idempotencyKey: key }, T0);
    const again = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        log.append({ ...auditEntry(), idempotencyKey: key }, T0 + 1_000 + i),
      ),
    );
    for (const entry of again) expect(entry).toEqual(first);
    // A redelivered execution is not counted against the rate limit a second time, nor refused by it.
    const limits = { perJobPerHour: 1, totalPerHour: 1 };
    expect(
      await log.appendExecution(
        { ...auditEntry(), kind: 'execute', idempotencyKey: key },
        T0 + 2_000,
        limits,
      ),
    ).toEqual({
      ok: true,
      value: first,
    });
    expect(await log.verify()).toMatchObject({ ok: true, entries: 1 });
  });

  it('counts executions of the last hour on a resource and in all', async () => {
    await log.append(auditEntry(), T0 - 2 * 3_600_000); // too old
    await log.append(auditEntry(), T0 - 600_000);
    await log.append(auditEntry(), T0 - 300_000);
    await log.append(auditEntry({ where: { workspaceId: '1', resource: 'warehouse:w1' } }), T0 - 60_000);
    await log.append(auditEntry({ kind: 'propose' }), T0 - 60_000); // not an execution
    expect(await log.countExecutedSince(T0 - 3_600_000, 'job:42')).toEqual({ forResource: 2, total: 3 });
    expect(await log.countExecutedSince(T0 - 3_600_000, 'job:7')).toEqual({ forResource: 0, total: 3 });
  });

  it("counts a resource's executions in its own workspace: job 42 of one is not job 42 of another", async () => {
    await log.append(auditEntry({ where: { workspaceId: '1', resource: 'job:42' } }), T0 - 600_000);
    await log.append(auditEntry({ where: { workspaceId: '2', resource: 'job:42' } }), T0 - 300_000);
    expect(await log.countExecutedSince(T0 - 3_600_000, 'job:42', '2')).toEqual({ forResource: 1, total: 2 });
    // At the per-job limit in workspace 1, workspace 2's job 42 still runs; the total limit spans both.
    const limits = { perJobPerHour: 1, totalPerHour: 3 };
    const other = await log.appendExecution(
      { ...auditEntry({ where: { workspaceId: '3', resource: 'job:42' } }), kind: 'execute' },
      T0,
      limits,
    );
    expect(other.ok).toBe(true);
    const same = await log.appendExecution(
      { ...auditEntry({ where: { workspaceId: '1', resource: 'job:42' } }), kind: 'execute' },
      T0 + 1_000,
      limits,
    );
    expect(same).toMatchObject({ ok: false, reason: 'rate_limit_per_job' });
  });
});

describe('AuditLogRepository across processes sharing one PostgreSQL database', () => {
  const stores: Store[] = [];
  let url: string;

  beforeAll(async () => {
    url = await createTestDatabase();
  });
  afterAll(async () => {
    for (const store of stores) await store.close();
    await dropTestDatabase(url);
  });

  it('keeps one chain when two dbxops processes append at once', async () => {
    // Two stores, two connection pools: what a web process and a worker process each hold.
    stores.push(await openStore({ databaseUrl: url }), await openStore({ databaseUrl: url, migrate: false }));
    const [web, worker] = stores.map((s) => new AuditLogRepository(s.db)) as [
      AuditLogRepository,
      AuditLogRepository,
    ];
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        (i % 2 === 0 ? web : worker).append(auditEntry({ what: { action: `step${i}` } }), T0 + i),
      ),
    );
    expect(await worker.verify()).toMatchObject({ ok: true, entries: 40 });
  });
});
