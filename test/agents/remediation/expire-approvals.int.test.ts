import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { settleExpiredApprovals } from '../../../src/agents/remediation/expire-approvals.js';
import { decideApprover } from '../../../src/agents/remediation/guardrails.js';
import {
  approveRemediation,
  type PressDeps,
  type PressInput,
  pressRemediation,
} from '../../../src/agents/remediation/press-remediation.js';
import { chainGates, type Presser } from '../../../src/agents/remediation/remediation-gate.js';
import { auditRecorder, guardrailsGate } from '../../../src/agents/remediation/remediation-gates.js';
import { resolveIfRecovered } from '../../../src/agents/incidents/resolve-recovered.js';
import { createLogger } from '../../../src/config/logger.js';
import { defaultPolicy, type Policy } from '../../../src/config/policy.js';
import { ManualClock } from '../../../src/domain/clock.js';
import type { Incident } from '../../../src/domain/incident.js';
import { err, ok } from '../../../src/domain/result.js';
import { openStore, type Store } from '../../../src/store/open-store.js';
import { createRepositories, type Repositories } from '../../../src/store/repositories.js';
import { CONNECTION_RESET, openIncident } from '../../fixtures/slack/incident-fixture.js';

/**
 * A gated remediation whose approval request nobody answered before it expired (wall clock): the attempt
 * is finished as expired the next time a press, an approval or the review reads it, so the incident can
 * be remediated again, and resolved when it recovered on its own. Through the real store (PGlite).
 */

const MIN = 60_000;
const TTL_MIN = 30;
/** The wall clock approvals expire on, and the workspace's clock, deliberately far apart. */
const WALL_T0 = Date.UTC(2026, 11, 7, 9, 0);
const WORKSPACE_T0 = Date.UTC(2026, 0, 1, 1, 0);

const ALICE: Presser = { surface: 'slack', userId: 'U0ALICE', displayName: 'Alice Example' };
const BOB: Presser = { surface: 'console', userId: 'bob' };

const policy: Policy = (() => {
  const base = defaultPolicy();
  return {
    ...base,
    principals: {
      ...base.principals,
      slack: { [ALICE.userId]: 'alice@example.com' },
      console: { [BOB.userId]: 'bob@example.com' },
    },
    remediation: {
      ...base.remediation,
      approval_ttl_minutes: TTL_MIN,
      requires_approval: { ...base.remediation.requires_approval, actions: ['repair'] },
    },
  };
})();

let store: Store;
let repos: Repositories;
let wallClock: ManualClock;
let clock: ManualClock;
let queued: string[];
let notified: string[];
let deps: PressDeps;
let incident: Incident;

beforeEach(async () => {
  store = await openStore({ dataDir: 'memory://' });
  repos = createRepositories(store.db);
  wallClock = new ManualClock(WALL_T0);
  clock = new ManualClock(WORKSPACE_T0);
  queued = [];
  notified = [];
  const gate = guardrailsGate({
    policy: policy.remediation,
    switches: repos.switches,
    audit: repos.audit,
    clock,
    wallClock,
  });
  deps = {
    incidents: repos.incidents,
    remediations: repos.remediations,
    logger: createLogger({ level: 'silent' }),
    gate,
    audit: auditRecorder({ log: repos.audit, wallClock, policy: policy.remediation }),
    queue: async (id) => {
      queued.push(id);
    },
    wallClock,
    clock,
    notify: async (id) => {
      notified.push(id);
    },
    maxAttempts: 3,
    host: 'https://dbc-fake.cloud.databricks.com',
    escalateTo: 'the on-call engineer',
    fourEyes: {
      approvals: repos.approvals,
      principalOf: async (p) => {
        const principal = policy.principals[p.surface][p.userId];
        return principal === undefined ? err('unmapped', `${p.userId} is not mapped`) : ok(principal);
      },
      mayApprove: async (kind, requester, approver) => {
        const decision = decideApprover({
          policy: policy.remediation,
          kind,
          requester: { ...requester, groups: [] },
          approver: { ...approver, groups: [] },
        });
        return decision.outcome === 'allowed' ? ok(undefined) : err('four_eyes', decision.message);
      },
      // No workspace here to read the approver's Databricks permissions from (presser-rights tests do).
      approverRights: chainGates([]),
    },
  };
  incident = await openIncident(repos.incidents, {
    openedAt: WORKSPACE_T0,
    classification: CONNECTION_RESET,
  });
});
afterEach(async () => {
  await store?.close();
});

const press = (action: PressInput['action'], presser: Presser = ALICE) =>
  pressRemediation(deps, { incidentId: incident.id, version: incident.version, action, presser });

const approve = (token: string, presser: Presser = BOB) =>
  approveRemediation(deps, {
    incidentId: incident.id,
    version: incident.version,
    action: 'repair',
    presser,
    token,
  });

/** Alice presses the gated repair: the token of the Approve button it posts. */
async function requested(): Promise<string> {
  const pressed = await press('repair');
  if (!pressed.ok) throw new Error(pressed.userMessage);
  const token = pressed.value.approval?.token;
  if (token === undefined) throw new Error('no approval was asked for');
  return token;
}

const attempts = () => repos.remediations.listForIncident(incident.id);

describe('an approval request nobody answered', () => {
  it('before it expires, leaves the attempt waiting: pressed again it is the same press, and other actions wait', async () => {
    await requested();
    wallClock.advance(TTL_MIN * MIN - 1);
    const again = await press('repair');
    expect(again.ok && again.value.duplicate).toBe(true);
    expect(again.ok && again.value.approval).toBeUndefined();
    const other = await press('rerun');
    expect(other.ok ? 'pressed' : other.reason).toBe('busy');
    expect((await attempts()).map((a) => a.state)).toEqual(['awaiting_approval']);
    expect(notified).toEqual([]);
  });

  it('once expired, lets the requester press again for a fresh request that another person approves and that then runs', async () => {
    await requested();
    wallClock.advance(TTL_MIN * MIN);
    const again = await press('repair');
    expect(again.ok && again.value.duplicate).toBe(false);
    const token = again.ok ? again.value.approval?.token : undefined;
    expect(token).toBeDefined();
    const approved = await approve(token ?? '');
    expect(approved.ok).toBe(true);
    const [expired, fresh] = await attempts();
    expect(expired?.state).toBe('failed');
    expect(expired?.outcome?.refusedBy).toBe('approval_expired');
    expect(expired?.outcome?.summary).toContain(
      'before its approval request expired at 2026-12-07 09:30 UTC',
    );
    expect(expired?.outcome?.summary).toContain('Alice Example asked for it at 2026-12-07 09:00 UTC');
    expect(fresh?.state).toBe('queued');
    expect(fresh?.approvalId).not.toBeNull();
    expect(queued).toEqual([fresh?.id]);
    // The card and its thread say so, on the workspace's clock, like any outcome.
    expect(notified).toEqual([incident.id]);
    const entry = (await repos.incidents.timeline(incident.id)).find(
      (e) => e.data.kind === 'remediation_outcome',
    );
    expect(entry?.summary).toMatch(/^Approval expired unanswered — Repair failed tasks, attempt 1: /);
    expect(entry?.at).toBe(WORKSPACE_T0);
    // The audit log records the expiry between the two presses, and its chain still verifies.
    const kinds: string[] = [];
    for await (const e of repos.audit.entries()) kinds.push(`${e.kind}:${e.result.outcome}`);
    expect(kinds).toEqual([
      'propose:needs_approval',
      'approve:expired',
      'propose:needs_approval',
      'approve:approved',
    ]);
    expect((await repos.audit.verify()).ok).toBe(true);
  });

  it('once expired, does not hold back another action as busy, and uses up no attempt', async () => {
    await requested();
    wallClock.advance(TTL_MIN * MIN + 1);
    const other = await press('rerun');
    expect(other.ok ? 'pressed' : other.userMessage).toBe('pressed');
    expect(other.ok && other.value.attempt.action).toBe('rerun');
    expect(other.ok && other.value.attempt.attempt).toBe(2);
  });

  it('refuses the expired token as expired, before and after the requester pressed again', async () => {
    const stale = await requested();
    wallClock.advance(TTL_MIN * MIN);
    const first = await approve(stale);
    expect(first.ok ? 'approved' : first.userMessage).toContain('This approval request has expired');
    expect((await attempts()).map((a) => a.state)).toEqual(['failed']);
    await press('repair');
    const second = await approve(stale);
    expect(second.ok ? 'approved' : second.userMessage).toContain('This approval request has expired');
    expect((await attempts()).map((a) => a.state)).toEqual(['failed', 'awaiting_approval']);
    expect(queued).toEqual([]);
  });

  it('opens exactly one new request when the action is pressed twice at once after it expired', async () => {
    await requested();
    wallClock.advance(TTL_MIN * MIN);
    const [a, b] = await Promise.all([press('repair'), press('repair', { ...ALICE, surface: 'slack' })]);
    const tokens = [a, b].flatMap((r) => (r.ok && r.value.approval ? [r.value.approval.token] : []));
    expect(tokens).toHaveLength(1);
    expect((await attempts()).map((x) => x.state)).toEqual(['failed', 'awaiting_approval']);
    const requests = await store.db.selectFrom('approvals').select('id').execute();
    expect(requests).toHaveLength(2);
    const expiries: string[] = [];
    for await (const e of repos.audit.entries()) if (e.result.outcome === 'expired') expiries.push(e.kind);
    expect(expiries).toEqual(['approve']);
  });
});

describe('an incident that recovered on its own', () => {
  const recoveredDeps = () => ({
    incidents: repos.incidents,
    attempts: (id: string) =>
      settleExpiredApprovals({ ...deps, remediations: repos.remediations, incidents: repos.incidents }, id),
    lastSuccesses: async () => (type: 'job' | 'pipeline', id: string) => ({
      workspaceId: incident.workspaceId,
      type,
      id,
      name: 'nightly_orders',
      runId: '900',
      startTime: WORKSPACE_T0 + MIN,
      endTime: WORKSPACE_T0 + 20 * MIN,
    }),
    now: WORKSPACE_T0 + HOUR_WORKSPACE,
  });

  it('stays open while a request waits, and is resolved once the request expired unanswered', async () => {
    await requested();
    const signals = await repos.incidents.listSignals(incident.id);
    const current = async () => (await repos.incidents.get(incident.id)) ?? incident;
    wallClock.advance(TTL_MIN * MIN - 1);
    expect(await resolveIfRecovered(recoveredDeps(), await current(), signals)).toBeUndefined();
    wallClock.advance(1);
    const resolved = await resolveIfRecovered(recoveredDeps(), await current(), signals);
    expect(resolved?.state).toBe('resolved');
    expect((await attempts()).map((a) => a.state)).toEqual(['failed']);
  });
});

const HOUR_WORKSPACE = 60 * MIN;
