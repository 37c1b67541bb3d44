import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalHash } from '../../src/domain/canonical-json.js';
import { ApprovalRepository } from '../../src/store/approval-repository.js';
import type { Store } from '../../src/store/open-store.js';
import { dialects } from './dialects.js';

const T0 = Date.UTC(2026, 11, 6, 4, 0);
const TTL = 30 * 60_000;

const PLAN = {
  kind: 'scale_warehouse',
  calls: [{ method: 'POST', path: '/api/2.0/sql/warehouses/w1/edit', body: { cluster_size: 'Large' } }],
};
const PLAN_HASH = canonicalHash(PLAN);

const alice = { surface: 'slack', userId: 'U0ALICE', principal: 'alice@example.com' } as const;
const bob = { surface: 'teams', userId: 'aad-bob', principal: 'bob@example.com' } as const;
/** Alice again, under her Teams account: another chat handle, the same Databricks user. */
const aliceOnTeams = { surface: 'teams', userId: 'aad-alice', principal: 'Alice@Example.com' } as const;

describe.each(dialects())('ApprovalRepository on $name', (dialect) => {
  let store: Store;
  let approvals: ApprovalRepository;

  beforeAll(async () => {
    store = await dialect.open();
    approvals = new ApprovalRepository(store.db);
  });
  afterAll(async () => {
    await store?.close();
    await dialect.stop();
  });

  const request = (now = T0, requester: typeof alice | typeof bob = alice) =>
    approvals.request({
      planHash: PLAN_HASH,
      incidentId: 'inc-1',
      workspaceId: '1234567890',
      actionKind: 'scale_warehouse',
      requester,
      now,
      ttlMs: TTL,
    });

  it('lets another person approve the exact plan once, and records who', async () => {
    const { approval, token } = await request();
    expect(token).toMatch(/^apv_[A-Za-z0-9_-]{43}$/);
    expect(approval).toMatchObject({ approvedAt: null, approver: null, expiresAt: T0 + TTL });
    const pending = await approvals.pending(token, T0 + 60_000);
    expect(pending).toMatchObject({ ok: true, value: { id: approval.id, requester: alice } });

    const approved = await approvals.approve({ token, planHash: PLAN_HASH, approver: bob, now: T0 + 60_000 });
    expect(approved).toMatchObject({
      ok: true,
      value: {
        id: approval.id,
        approvedAt: T0 + 60_000,
        approver: { userId: 'aad-bob', principal: 'bob@example.com' },
      },
    });
    expect(await approvals.get(approval.id)).toMatchObject({ approver: { principal: 'bob@example.com' } });
  });

  it('refuses a replayed approval', async () => {
    const { token } = await request();
    expect((await approvals.approve({ token, planHash: PLAN_HASH, approver: bob, now: T0 })).ok).toBe(true);
    const replay = await approvals.approve({ token, planHash: PLAN_HASH, approver: bob, now: T0 + 1_000 });
    expect(replay).toMatchObject({
      ok: false,
      reason: 'already_used',
      userMessage: expect.stringMatching(/already used/),
    });
    expect(await approvals.pending(token, T0 + 1_000)).toMatchObject({ ok: false, reason: 'already_used' });
  });

  it('lets exactly one of many concurrent uses of a token through', async () => {
    const { token } = await request();
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        approvals.approve({ token, planHash: PLAN_HASH, approver: bob, now: T0 }),
      ),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok && r.reason === 'already_used')).toHaveLength(9);
  });

  it('refuses an expired approval, at the instant it expires', async () => {
    const { token } = await request();
    const late = await approvals.approve({ token, planHash: PLAN_HASH, approver: bob, now: T0 + TTL });
    expect(late).toMatchObject({
      ok: false,
      reason: 'expired',
      userMessage: expect.stringMatching(/expired/),
    });
    expect(await approvals.pending(token, T0 + TTL)).toMatchObject({ ok: false, reason: 'expired' });
  });

  it('refuses the requester approving under another chat handle, compared by Databricks principal', async () => {
    const { token } = await request();
    const self = await approvals.approve({ token, planHash: PLAN_HASH, approver: aliceOnTeams, now: T0 });
    expect(self).toMatchObject({ ok: false, reason: 'same_person' });
    // The refusal does not use the token up: a real second person still can.
    expect((await approvals.approve({ token, planHash: PLAN_HASH, approver: bob, now: T0 })).ok).toBe(true);
  });

  it('refuses the same chat handle even when a principal is missing or differs', async () => {
    const { token } = await request();
    const sameHandle = { ...alice, principal: 'someone-else@example.com' };
    expect(
      await approvals.approve({ token, planHash: PLAN_HASH, approver: sameHandle, now: T0 }),
    ).toMatchObject({
      ok: false,
      reason: 'same_person',
    });
    const noPrincipal = { surface: 'console', userId: 'carol' } as const;
    expect(
      await approvals.approve({ token, planHash: PLAN_HASH, approver: noPrincipal, now: T0 }),
    ).toMatchObject({
      ok: false,
      reason: 'unknown_principal',
    });
  });

  it('refuses an approval for a plan that changed since it was asked for', async () => {
    const { token } = await request();
    const changed = canonicalHash({
      ...PLAN,
      calls: [{ ...PLAN.calls[0], body: { cluster_size: '4X-Large' } }],
    });
    expect(await approvals.approve({ token, planHash: changed, approver: bob, now: T0 })).toMatchObject({
      ok: false,
      reason: 'plan_changed',
    });
  });

  it('refuses forged, malformed and oversized tokens without touching the table', async () => {
    for (const token of [
      `apv_${'A'.repeat(43)}`,
      'apv_short',
      "apv_'; UPDATE approvals SET used_at = NULL; --",
      'x'.repeat(1_000_000),
      '',
    ]) {
      expect(await approvals.approve({ token, planHash: PLAN_HASH, approver: bob, now: T0 })).toMatchObject({
        ok: false,
        reason: 'unknown_token',
      });
      expect(await approvals.pending(token, T0)).toMatchObject({ ok: false, reason: 'unknown_token' });
    }
  });

  it('refuses to open a request for something that is not a plan hash', async () => {
    await expect(
      approvals.request({
        planHash: 'not-a-hash',
        incidentId: 'inc-1',
        workspaceId: '1',
        actionKind: 'repair',
        requester: alice,
        now: T0,
        ttlMs: TTL,
      }),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
