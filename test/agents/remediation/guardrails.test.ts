import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  decideApprover,
  decideGuardrails,
  type GuardrailDecision,
  type LiveKillSwitch,
  mayLiftKillSwitch,
  type Presser,
  type ProposedAction,
} from '../../../src/agents/remediation/guardrails.js';
import { parsePolicy } from '../../../src/config/policy.js';

const NOW = Date.UTC(2026, 11, 6, 4, 0); // a Sunday, 04:00 UTC

const repair: ProposedAction = {
  kind: 'repair',
  risk: 'low',
  incidentId: 'inc-1',
  workspaceId: '1234567890',
  resource: 'job:42',
  estimatedCostUsd: 0,
};
const alice: Presser = {
  surface: 'slack',
  userId: 'U0ALICE',
  groups: ['S0ONCALL'],
  principal: 'alice@example.com',
};
const bob: Presser = {
  surface: 'teams',
  userId: 'aad-bob',
  groups: ['g-platform'],
  principal: 'bob@example.com',
};
const quiet = { forResource: 0, total: 0 };

/** The remediation policy of a dbxops.yaml whose `remediation:` section is `yaml` (indented two). */
const policyOf = (yaml = '') => parsePolicy(yaml === '' ? '' : `remediation:\n${yaml}`).remediation;

const decide = (
  yaml: string,
  action: Partial<ProposedAction> = {},
  options: {
    presser?: Presser;
    recent?: typeof quiet;
    now?: number;
    killSwitch?: LiveKillSwitch;
    autoHeal?: boolean;
  } = {},
) =>
  decideGuardrails({
    policy: policyOf(yaml),
    action: { ...repair, ...action },
    presser: options.presser ?? alice,
    recent: options.recent ?? quiet,
    now: options.now ?? NOW,
    killSwitch: options.killSwitch,
    autoHeal: options.autoHeal,
  });

const flipped: LiveKillSwitch = { changedBy: 'slack:U0LEAD', reason: 'bad deploy', changedAt: NOW - 60_000 };

describe('decideGuardrails', () => {
  it('lets a cheap low-risk action run at once under the default policy', () => {
    expect(decide('')).toEqual({ outcome: 'allowed' });
  });

  it('asks a second person by default for high-risk, costly and unpriced actions', () => {
    expect(decide('', { kind: 'restart_cluster', risk: 'high' })).toMatchObject({
      outcome: 'needs_approval',
      reasons: ['risk'],
      message: expect.stringMatching(/restart_cluster waits for a second person.*high risk/),
    });
    expect(decide('', { kind: 'scale_warehouse', risk: 'medium', estimatedCostUsd: 42 })).toMatchObject({
      outcome: 'needs_approval',
      reasons: ['cost'],
      message: expect.stringContaining('$42.00, above $10.00'),
    });
    expect(decide('', { kind: 'bigger_cluster', risk: 'medium', estimatedCostUsd: null })).toMatchObject({
      outcome: 'needs_approval',
      reasons: ['unknown_cost'],
    });
  });

  it('gives the approval request the lifetime approval_ttl_minutes sets', () => {
    expect(decide('', { risk: 'high' })).toMatchObject({ approvalTtlMs: 30 * 60_000 });
    expect(decide('  approval_ttl_minutes: 5\n', { risk: 'high' })).toMatchObject({
      approvalTtlMs: 5 * 60_000,
    });
  });

  it('asks a second person above the cost requires_approval.cost_above_usd sets', () => {
    expect(decide('  requires_approval:\n    cost_above_usd: 50\n', { estimatedCostUsd: 42 })).toEqual({
      outcome: 'allowed',
    });
    expect(
      decide('  requires_approval:\n    cost_above_usd: 0\n    risk: []\n', { estimatedCostUsd: 0.01 }),
    ).toMatchObject({
      outcome: 'needs_approval',
      reasons: ['cost'],
    });
    expect(decide('  requires_approval:\n    risk: [low]\n')).toMatchObject({
      outcome: 'needs_approval',
      reasons: ['risk'],
    });
  });

  it('asks a second person for the actions requires_approval lists', () => {
    expect(decide('  requires_approval:\n    actions: [repair]\n')).toMatchObject({
      outcome: 'needs_approval',
      reasons: ['action'],
    });
  });

  it('refuses everything while the kill switch is on, and says how to turn it off', () => {
    expect(decide('  kill_switch: true\n')).toEqual({
      outcome: 'refused',
      guardrail: 'kill_switch',
      message: 'Remediation is switched off: the kill switch is on, so nothing runs.',
      toAllow: 'An admin sets remediation.kill_switch to false in dbxops.yaml.',
    });
    // The kill switch holds in shadow mode too: it is not a decision to record as "would have run".
    expect(decide('  kill_switch: true\n  shadow: true\n')).toMatchObject({
      outcome: 'refused',
      guardrail: 'kill_switch',
    });
  });

  it('refuses everything while the live kill switch is on, saying who turned it on, when and why', () => {
    expect(decide('', {}, { killSwitch: flipped })).toEqual({
      outcome: 'refused',
      guardrail: 'kill_switch',
      message:
        'Remediation is switched off: slack:U0LEAD turned the kill switch on at 2026-12-06 03:59 UTC ("bad deploy"), so nothing runs.',
      toAllow:
        'Someone who may turn it off runs /dbx kill-switch off, or an admin runs dbxops remediation kill-switch off.',
    });
    expect(decide('  shadow: true\n', {}, { killSwitch: flipped })).toMatchObject({
      guardrail: 'kill_switch',
    });
    expect(decide('', {}, { killSwitch: flipped, autoHeal: true })).toMatchObject({
      guardrail: 'kill_switch',
    });
  });

  it('lets auto-heal press only the actions remediation.auto_heal lists, and only while it is enabled', () => {
    const on = '  auto_heal:\n    enabled: true\n';
    expect(decide(on, {}, { autoHeal: true })).toEqual({ outcome: 'allowed' });
    expect(decide('', {}, { autoHeal: true })).toMatchObject({ outcome: 'refused', guardrail: 'auto_heal' });
    expect(decide(`${on}    actions: [kill_query]\n`, {}, { autoHeal: true })).toMatchObject({
      outcome: 'refused',
      guardrail: 'auto_heal',
      toAllow: expect.stringContaining('remediation.auto_heal.actions'),
    });
    // The roles are for people: auto-heal's grant is the auto_heal section.
    const roles = '  roles:\n    lead:\n      press: ["*"]\n      slack_users: [U0LEAD]\n';
    expect(decide(`${on}${roles}`, {}, { autoHeal: true })).toEqual({ outcome: 'allowed' });
  });

  it('never lets auto-heal run an action that needs a second person: it is refused, not held', () => {
    const on = '  auto_heal:\n    enabled: true\n  requires_approval:\n    actions: [repair]\n';
    expect(decide(on, {}, { autoHeal: true })).toMatchObject({
      outcome: 'refused',
      guardrail: 'four_eyes',
      message: expect.stringContaining('Auto-heal never runs an action that needs a second person'),
    });
  });

  it('refuses auto-heal under every other guardrail as it refuses a person', () => {
    const on = '  auto_heal:\n    enabled: true\n';
    expect(
      decide(`${on}  max_cost_usd_per_action: 1\n`, { estimatedCostUsd: 5 }, { autoHeal: true }),
    ).toMatchObject({
      guardrail: 'cost_cap',
    });
    expect(decide(on, {}, { autoHeal: true, recent: { forResource: 3, total: 3 } })).toMatchObject({
      guardrail: 'rate_limit_per_job',
    });
    expect(decide(`${on}  allowed_actions: [rerun]\n`, {}, { autoHeal: true })).toMatchObject({
      guardrail: 'allowed_actions',
    });
    expect(decide(`${on}  shadow: true\n`, {}, { autoHeal: true })).toEqual({
      outcome: 'shadow',
      wouldBe: { outcome: 'allowed' },
    });
  });

  it('in shadow mode decides as usual and marks the decision as not to be executed', () => {
    expect(decide('  shadow: true\n')).toEqual({ outcome: 'shadow', wouldBe: { outcome: 'allowed' } });
    expect(decide('  shadow: true\n', { kind: 'restart_cluster', risk: 'high' })).toMatchObject({
      outcome: 'shadow',
      wouldBe: { outcome: 'needs_approval' },
    });
    expect(decide('  shadow: true\n  allowed_actions: [retry]\n')).toMatchObject({
      outcome: 'shadow',
      wouldBe: { outcome: 'refused', guardrail: 'allowed_actions' },
    });
  });

  it('reports in shadow mode what would have happened, never another shadow', () => {
    type WouldBe = Extract<GuardrailDecision, { outcome: 'shadow' }>['wouldBe'];
    expectTypeOf<WouldBe['outcome']>().toEqualTypeOf<'allowed' | 'needs_approval' | 'refused'>();
  });

  it('refuses an action the policy does not allow, naming the key that would allow it', () => {
    expect(decide('  allowed_actions: [retry, cancel_run]\n')).toEqual({
      outcome: 'refused',
      guardrail: 'allowed_actions',
      message: 'repair is not among the actions allowed to run here.',
      toAllow: 'An admin adds repair to remediation.allowed_actions in dbxops.yaml.',
    });
  });

  describe('roles', () => {
    const roles = [
      '  roles:',
      '    operator:',
      '      press: [repair, retry]',
      '      slack_groups: [S0ONCALL]',
      '      entra_groups: [g-platform]',
      '    lead:',
      '      press: ["*"]',
      '      approve: ["*"]',
      '      slack_users: [U0LEAD]',
      '      teams_users: [aad-lead]',
      '      console_users: [lead]',
      '',
    ].join('\n');

    it('lets members press what their role may, by Slack group or Entra group', () => {
      expect(decide(roles, {}, { presser: alice })).toEqual({ outcome: 'allowed' });
      expect(decide(roles, {}, { presser: bob })).toEqual({ outcome: 'allowed' });
      expect(decide(roles, {}, { presser: { surface: 'console', userId: 'lead', groups: [] } })).toEqual({
        outcome: 'allowed',
      });
    });

    it('refuses a press no role of the presser grants, naming the roles that would', () => {
      const decision = decide(
        roles,
        { kind: 'scale_warehouse', risk: 'medium', estimatedCostUsd: 1 },
        { presser: alice },
      );
      expect(decision).toEqual({
        outcome: 'refused',
        guardrail: 'roles',
        message: 'You hold no role that may press scale_warehouse.',
        toAllow:
          'An admin adds you (Slack user id U0ALICE) or one of your groups to the role lead under remediation.roles in dbxops.yaml.',
      });
    });

    it('does not take a Slack id for a Teams one: ids count only on their own surface', () => {
      const impostor: Presser = {
        surface: 'teams',
        userId: 'U0LEAD',
        groups: ['S0ONCALL'],
        principal: 'x@example.com',
      };
      expect(decide(roles, {}, { presser: impostor })).toMatchObject({
        outcome: 'refused',
        guardrail: 'roles',
      });
    });

    it('says which key to set when no role grants the action at all', () => {
      const decision = decide('  roles:\n    viewer:\n      slack_users: [U0ALICE]\n');
      expect(decision).toMatchObject({
        guardrail: 'roles',
        toAllow: expect.stringContaining('remediation.roles.<role>.press'),
      });
    });
  });

  describe('blackout windows', () => {
    it('refuses during an explicit window and says when it ends', () => {
      const yaml = [
        '  blackouts:',
        '    - name: year-end freeze',
        '      from: "2026-12-06T00:00:00+01:00"',
        '      to: "2026-12-06T06:00:00+01:00"',
        '',
      ].join('\n');
      expect(decide(yaml)).toEqual({
        outcome: 'refused',
        guardrail: 'blackout',
        message: 'The blackout window "year-end freeze" is on until 2026-12-06 05:00 UTC.',
        toAllow:
          'Press again after 2026-12-06 05:00 UTC, or an admin changes remediation.blackouts in dbxops.yaml.',
      });
      expect(decide(yaml, {}, { now: Date.UTC(2026, 11, 6, 5, 0) })).toEqual({ outcome: 'allowed' });
    });

    it('blocks only the actions a window lists', () => {
      const yaml = [
        '  blackouts:',
        '    - name: deploys',
        '      cron: "0 * * * *"',
        '      duration_minutes: 60',
        '      actions: [restart_cluster]',
        '',
      ].join('\n');
      expect(decide(yaml)).toEqual({ outcome: 'allowed' });
      expect(decide(yaml, { kind: 'restart_cluster', risk: 'high' })).toMatchObject({
        guardrail: 'blackout',
      });
    });
  });

  it('refuses an action estimated above the cost cap, and says how far to raise it', () => {
    expect(
      decide('  max_cost_usd_per_action: 50\n', { kind: 'scale_warehouse', estimatedCostUsd: 67.2 }),
    ).toEqual({
      outcome: 'refused',
      guardrail: 'cost_cap',
      message: 'scale_warehouse is estimated to add $67.20, above the $50.00 allowed per action.',
      toAllow:
        'Choose a smaller change, or an admin raises remediation.max_cost_usd_per_action to at least $68.00 in dbxops.yaml.',
    });
    // A saving is never capped.
    expect(decide('  max_cost_usd_per_action: 0\n', { estimatedCostUsd: -20 })).toEqual({
      outcome: 'allowed',
    });
  });

  it('refuses once the job has had its actions for the hour', () => {
    expect(decide('', {}, { recent: { forResource: 3, total: 3 } })).toEqual({
      outcome: 'refused',
      guardrail: 'rate_limit_per_job',
      message: '3 actions already ran on job:42 in the last hour; the limit is 3.',
      toAllow:
        'Wait until an earlier one is an hour old, or an admin raises remediation.rate_limits.per_job_per_hour in dbxops.yaml.',
    });
    expect(decide('', {}, { recent: { forResource: 2, total: 2 } })).toEqual({ outcome: 'allowed' });
  });

  it('refuses once the workspace has had its actions for the hour', () => {
    expect(
      decide('  rate_limits:\n    total_per_hour: 5\n', {}, { recent: { forResource: 0, total: 5 } }),
    ).toMatchObject({
      outcome: 'refused',
      guardrail: 'rate_limit_total',
      message: '5 actions already ran in the last hour; the limit is 5 in all.',
      toAllow: expect.stringContaining('remediation.rate_limits.total_per_hour'),
    });
  });
});

describe('decideApprover', () => {
  const approve = (approver: Presser, yaml = '', requester: Presser = alice) =>
    decideApprover({ policy: policyOf(yaml), kind: 'restart_cluster', requester, approver });

  it('lets another person approve', () => {
    expect(approve(bob)).toEqual({ outcome: 'allowed' });
  });

  it('refuses the requester under another chat handle: four eyes compare Databricks principals', () => {
    const aliceOnTeams: Presser = {
      surface: 'teams',
      userId: 'aad-alice',
      groups: [],
      principal: 'ALICE@example.com',
    };
    expect(approve(aliceOnTeams)).toEqual({
      outcome: 'refused',
      guardrail: 'four_eyes',
      message:
        'You asked for this action as alice@example.com under another chat account, so you cannot approve it too.',
      toAllow: 'Another person with the right to approve it approves it.',
    });
  });

  it('refuses the requester pressing Approve themselves', () => {
    expect(approve({ ...alice, principal: 'other@example.com' })).toMatchObject({
      guardrail: 'four_eyes',
      message: 'You asked for this action, so you cannot approve it too.',
    });
  });

  it('refuses when either Databricks identity is unknown, since four eyes cannot be checked', () => {
    expect(approve({ ...bob, principal: undefined })).toMatchObject({
      guardrail: 'four_eyes',
      message: expect.stringMatching(/does not know your Databricks identity/),
    });
    expect(approve(bob, '', { ...alice, principal: '  ' })).toMatchObject({
      guardrail: 'four_eyes',
      message: expect.stringMatching(/identity of the person who asked/),
    });
  });

  it('refuses an approver whose roles may not approve the action', () => {
    const yaml = '  roles:\n    lead:\n      approve: [restart_cluster]\n      slack_users: [U0LEAD]\n';
    expect(approve(bob, yaml)).toEqual({
      outcome: 'refused',
      guardrail: 'roles',
      message: 'You hold no role that may approve restart_cluster.',
      toAllow:
        'Someone in the role lead approves it, or an admin adds you (Entra object id aad-bob) to one of them in dbxops.yaml.',
    });
    expect(
      approve({ surface: 'slack', userId: 'U0LEAD', groups: [], principal: 'lead@example.com' }, yaml),
    ).toEqual({
      outcome: 'allowed',
    });
  });

  it('refuses every approval while the kill switch is on', () => {
    expect(approve(bob, '  kill_switch: true\n')).toMatchObject({ guardrail: 'kill_switch' });
    expect(
      decideApprover({
        policy: policyOf(),
        kind: 'repair',
        requester: alice,
        approver: bob,
        killSwitch: flipped,
      }),
    ).toMatchObject({ guardrail: 'kill_switch', message: expect.stringContaining('nothing is approved') });
  });
});

describe('mayLiftKillSwitch', () => {
  const roles =
    '  roles:\n    lead:\n      approve: ["*"]\n      slack_users: [U0LEAD]\n    operator:\n      press: ["*"]\n      slack_groups: [S0ONCALL]\n';
  const lead: Presser = { surface: 'slack', userId: 'U0LEAD', groups: [] };

  it('lets any responder turn it off when no roles are configured', () => {
    expect(mayLiftKillSwitch(policyOf(), alice)).toBeUndefined();
  });

  it('with roles, lets only a role that may approve every action turn it off, naming that role', () => {
    expect(mayLiftKillSwitch(policyOf(roles), lead)).toBeUndefined();
    expect(mayLiftKillSwitch(policyOf(roles), alice)).toMatchObject({
      guardrail: 'roles',
      toAllow: expect.stringContaining('the role lead'),
    });
  });
});
