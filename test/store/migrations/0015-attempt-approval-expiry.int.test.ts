import { Migrator, sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../../src/store/migrations.js';
import { createRepositories } from '../../../src/store/repositories.js';
import { dialects } from '../dialects.js';

const T0 = Date.UTC(2026, 11, 7, 9, 0);
const MIN = 60_000;

describe.each(dialects())('migration 0015-attempt-approval-expiry on $name', (dialect) => {
  afterAll(() => dialect.stop());

  it('gives attempts waiting for approval the deadline of their request, and none to the others', async () => {
    const store = await dialect.open();
    try {
      const migrator = new Migrator({
        db: store.db,
        provider: { getMigrations: async () => ({ ...MIGRATIONS }) },
      });
      expect((await migrator.migrateTo('0014-signal-outbox')).error).toBeUndefined();
      const repos = createRepositories(store.db);
      const opened = await repos.incidents.open({
        id: 'inc_migrated',
        workspaceId: 'ws-1',
        fingerprint: 'fp-migrated',
        title: 'orders_etl failed',
        severity: 'P2',
        openedAt: T0,
      });
      expect(opened.ok).toBe(true);
      await repos.approvals.request({
        planHash: 'a'.repeat(64),
        incidentId: 'inc_migrated',
        workspaceId: 'ws-1',
        actionKind: 'repair',
        requester: { surface: 'slack', userId: 'U1', principal: 'alice@example.com' },
        now: T0,
        ttlMs: 30 * MIN,
      });
      // As the code before it wrote them: the request opened in the same press, at the same instant.
      const attempt = (id: string, n: number, action: string, state: string, at: number) =>
        sql`insert into remediation_attempts
          (id, incident_id, workspace_id, action, attempt, state, requested_by, plan, steps, verify, runbook, created_at, updated_at)
          values (${id}, 'inc_migrated', 'ws-1', ${action}, ${n}, ${state}, '{}', '{}'::jsonb, '[]'::jsonb, '{}'::jsonb, '',
            ${new Date(at)}, ${new Date(at)})`.execute(store.db);
      await attempt('rem_ran', 1, 'rerun', 'failed', T0 - MIN);
      await attempt('rem_waiting', 2, 'repair', 'awaiting_approval', T0);
      await attempt('rem_orphan', 3, 'pause_schedule', 'awaiting_approval', T0 + MIN);

      expect((await migrator.migrateToLatest()).error).toBeUndefined();
      const expiries = (await repos.remediations.listForIncident('inc_migrated')).map((a) => [
        a.id,
        a.approvalExpiresAt,
      ]);
      expect(expiries).toEqual([
        ['rem_ran', null],
        ['rem_waiting', T0 + 30 * MIN],
        // No request was ever opened for it: nobody can approve it, so it is due at once.
        ['rem_orphan', T0 + MIN],
      ]);
    } finally {
      await store.close();
    }
  });
});
