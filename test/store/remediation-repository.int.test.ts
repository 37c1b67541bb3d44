import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IncidentRepository } from '../../src/store/incident-repository.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { ApprovalRepository } from '../../src/store/approval-repository.js';
import {
  APPROVAL_EXPIRED,
  type NewAttempt,
  RemediationRepository,
  usesAnAttempt,
} from '../../src/store/remediation-repository.js';
import { dialects } from './dialects.js';

const T0 = Date.UTC(2026, 11, 6, 4, 0);
const MAX_ATTEMPTS = 3;

describe.each(dialects())('RemediationRepository on $name', (dialect) => {
  let store: Store;
  let incidents: IncidentRepository;
  let remediations: RemediationRepository;

  beforeAll(async () => {
    store = await dialect.open();
    incidents = new IncidentRepository(store.db);
    remediations = new RemediationRepository(store.db);
  });
  afterAll(async () => {
    await store?.close();
    await dialect.stop();
  });

  async function opened(): Promise<string> {
    const id = `inc_${randomUUID().replaceAll('-', '')}`;
    const result = await incidents.open({
      id,
      workspaceId: 'ws-1',
      fingerprint: `fp_${id}`,
      title: 'orders_etl failed',
      severity: 'P2',
      openedAt: T0,
    });
    if (!result.ok) throw new Error(result.userMessage);
    return id;
  }

  const attempt = (incidentId: string, n: number): NewAttempt => ({
    id: `rem_${randomUUID().replaceAll('-', '')}`,
    incidentId,
    workspaceId: 'ws-1',
    action: 'repair',
    requestedBy: JSON.stringify({ surface: 'console', userId: 'alice' }),
    plan: { n },
    verify: { target: 'none' },
    runbook: '',
    createdAt: T0 + n,
  });

  /** Claims an attempt and ends it the way the runner does: stopped by a gate, or failed after its call. */
  async function ended(incidentId: string, n: number, how: 'kill_switch' | 'failed_after_a_call') {
    const claimed = await remediations.claim(attempt(incidentId, n), MAX_ATTEMPTS);
    if (claimed.kind !== 'claimed') throw new Error(`not claimed: ${claimed.kind}`);
    const id = claimed.attempt.id;
    if (how === 'kill_switch') {
      await remediations.transition(id, ['queued'], 'failed', T0 + n, {
        outcome: { summary: 'Refused before running (kill_switch): …', refusedBy: 'kill_switch' },
      });
    } else {
      await remediations.recordCall(
        id,
        { index: 0, method: 'POST', path: '/api/2.2/jobs/runs/repair', status: 'done', httpStatus: 200 },
        T0 + n,
      );
      await remediations.transition(id, ['queued'], 'failed', T0 + n, {
        outcome: { summary: 'run failed again', error: 'boom' },
      });
    }
  }

  it('does not count an attempt the kill switch stopped at execution among the three an incident gets', async () => {
    const incidentId = await opened();
    for (let n = 1; n <= 4; n++) await ended(incidentId, n, 'kill_switch');
    await ended(incidentId, 5, 'failed_after_a_call');
    await ended(incidentId, 6, 'failed_after_a_call');
    const third = await remediations.claim(attempt(incidentId, 7), MAX_ATTEMPTS);
    expect(third.kind).toBe('claimed');
  });

  it('refuses a fourth attempt once three attempts sent their calls', async () => {
    const incidentId = await opened();
    await ended(incidentId, 1, 'failed_after_a_call');
    await ended(incidentId, 2, 'kill_switch');
    await ended(incidentId, 3, 'failed_after_a_call');
    await ended(incidentId, 4, 'failed_after_a_call');
    const fourth = await remediations.claim(attempt(incidentId, 5), MAX_ATTEMPTS);
    expect(fourth.kind).toBe('exhausted');
    // Only the tries that acted are named as the attempts made.
    expect(fourth.kind === 'exhausted' && fourth.attempts.map((a) => a.attempt)).toEqual([1, 3, 4]);
  });

  it('finds the attempts verifying a run that ended, and no other', async () => {
    const incidentId = await opened();
    const claim = async (n: number, verify: unknown) => {
      const claimed = await remediations.claim({ ...attempt(incidentId, n), verify }, 10);
      if (claimed.kind !== 'claimed') throw new Error(claimed.kind);
      return claimed.attempt.id;
    };
    const verifying = await claim(1, { target: 'run', runId: 42, expect: 'success' });
    await remediations.transition(verifying, ['queued'], 'verifying', T0);
    expect((await remediations.listVerifyingRuns([41, 42])).map((a) => a.id)).toEqual([verifying]);
    expect(await remediations.listVerifyingRuns([43])).toEqual([]);
    expect(await remediations.listVerifyingRuns([])).toEqual([]);
    // Once verified it is no longer waiting for its run.
    await remediations.transition(verifying, ['verifying'], 'recovered', T0, { outcome: { summary: 'ok' } });
    const queued = await claim(2, { target: 'run', runId: 42, expect: 'success' });
    expect(queued).toBeDefined();
    expect(await remediations.listVerifyingRuns([42])).toEqual([]);
  });

  describe('an attempt awaiting approval', () => {
    const TTL = 30 * 60_000;
    const EXPIRED = { summary: 'Nobody approved it in time', refusedBy: APPROVAL_EXPIRED };

    /** A gated press: the attempt waiting until its request expires, and the request opened with it. */
    async function waiting(incidentId: string) {
      const input = attempt(incidentId, 1);
      const claimed = await remediations.claim(input, MAX_ATTEMPTS, { awaitingApprovalUntil: T0 + 1 + TTL });
      if (claimed.kind !== 'claimed') throw new Error(claimed.kind);
      const request = await new ApprovalRepository(store.db).request({
        planHash: 'a'.repeat(64),
        incidentId,
        workspaceId: 'ws-1',
        actionKind: 'repair',
        requester: { surface: 'console', userId: 'alice', principal: 'alice@example.com' },
        now: input.createdAt,
        ttlMs: TTL,
      });
      return { id: claimed.attempt.id, token: request.token };
    }

    it('is finished once its request expired unanswered, by one of the callers racing to, and not before', async () => {
      const { id } = await waiting(await opened());
      expect(await remediations.expireApproval(id, T0 + TTL, EXPIRED)).toBe(false);
      const raced = await Promise.all(
        [1, 2, 3].map(() => remediations.expireApproval(id, T0 + 1 + TTL, EXPIRED)),
      );
      expect(raced.filter(Boolean)).toHaveLength(1);
      const expired = await remediations.get(id);
      expect([expired?.state, expired?.outcome, usesAnAttempt(expired!)]).toEqual(['failed', EXPIRED, false]);
    });

    it('is left to an approval given in time for a few minutes, then finished all the same', async () => {
      const { id, token } = await waiting(await opened());
      const approved = await new ApprovalRepository(store.db).approve({
        token,
        planHash: 'a'.repeat(64),
        approver: { surface: 'console', userId: 'bob', principal: 'bob@example.com' },
        now: T0 + TTL,
      });
      expect(approved.ok).toBe(true);
      expect(await remediations.expireApproval(id, T0 + 1 + TTL, EXPIRED)).toBe(false);
      expect(await remediations.expireApproval(id, T0 + 1 + TTL + 5 * 60_000, EXPIRED)).toBe(true);
    });
  });
});

describe('RemediationRepository as the embedded store’s sole writer', () => {
  let store: Store;
  beforeAll(async () => {
    store = await openStore({ dataDir: 'memory://' });
  });
  afterAll(async () => {
    await store?.close();
  });

  it('finds an attempt verifying a run that ended after reads that found none, one of them made while it moved', async () => {
    const remediations = new RemediationRepository(store.db, { soleWriter: true });
    const incidents = new IncidentRepository(store.db);
    const opened = await incidents.open({
      id: 'inc_solewriter',
      workspaceId: 'ws-1',
      fingerprint: 'fp_sole',
      title: 'orders_etl failed',
      severity: 'P2',
      openedAt: T0,
    });
    if (!opened.ok) throw new Error(opened.userMessage);
    const claimed = await remediations.claim(
      {
        id: 'rem_sole',
        incidentId: 'inc_solewriter',
        workspaceId: 'ws-1',
        action: 'repair',
        requestedBy: JSON.stringify({ surface: 'console', userId: 'alice' }),
        plan: {},
        verify: { target: 'run', runId: 42, expect: 'success' },
        runbook: '',
        createdAt: T0,
      },
      MAX_ATTEMPTS,
    );
    if (claimed.kind !== 'claimed') throw new Error(claimed.kind);
    // The first read finds none, but the attempt moves to verifying while it is made.
    const [racing] = await Promise.all([
      remediations.listVerifyingRuns([42]),
      remediations.transition('rem_sole', ['queued'], 'verifying', T0),
    ]);
    expect(racing).toEqual([]);
    expect((await remediations.listVerifyingRuns([42])).map((a) => a.id)).toEqual(['rem_sole']);
    await remediations.transition('rem_sole', ['verifying'], 'recovered', T0, { outcome: { summary: 'ok' } });
    expect(await remediations.listVerifyingRuns([42])).toEqual([]);
    await remediations.transition('rem_sole', ['recovered'], 'verifying', T0);
    expect((await remediations.listVerifyingRuns([42])).map((a) => a.id)).toEqual(['rem_sole']);
  });
});
