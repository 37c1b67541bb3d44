import type { RemediationPolicy, RemediationRole } from '../../config/remediation-policy.js';
import { rateLimitMessage } from '../../domain/rate-limit-message.js';
import type { SurfaceName } from '../../domain/surface-name.js';
import { utcMinute } from '../../domain/text.js';
import { activeBlackout } from './blackout-windows.js';
import type { RemediationRisk } from './remediation-kind.js';

/** The action a person pressed, as the guardrails judge it. */
export interface ProposedAction {
  /** The catalogue's action kind (`repair`, `scale_warehouse` …). */
  readonly kind: string;
  readonly risk: RemediationRisk;
  readonly incidentId: string;
  readonly workspaceId: string;
  /** What the action changes, as one key (`job:42`, `warehouse:abc`): the per-job rate limit counts by it. */
  readonly resource: string;
  /** Dollars the action is estimated to add (negative saves); null when it cannot be estimated. */
  readonly estimatedCostUsd: number | null;
}

/** The person who pressed (or approves), as their chat surface and the workspace know them. */
export interface Presser {
  readonly surface: SurfaceName;
  /** Slack user id, Entra object id, console user name. */
  readonly userId: string;
  /** Slack user group ids or Entra group object ids the person belongs to. */
  readonly groups: readonly string[];
  /** Their Databricks user name or service principal id, once mapped; undefined while unknown. */
  readonly principal?: string | undefined;
}

/** Actions executed in the last hour (from `AuditLogRepository.countExecutedSince`). */
interface RecentActionCounts {
  /** On the same resource (job, warehouse …) as the proposed action. */
  readonly forResource: number;
  readonly total: number;
}

/** The guardrail that refused; stable, for branching and for the audit log. */
type Guardrail =
  | 'kill_switch'
  | 'allowed_actions'
  | 'roles'
  | 'blackout'
  | 'cost_cap'
  | 'rate_limit_per_job'
  | 'rate_limit_total'
  | 'four_eyes'
  | 'auto_heal';

/** Why an action needs a second person. */
type ApprovalReason = 'action' | 'risk' | 'cost' | 'unknown_cost';

export type Refusal = {
  readonly outcome: 'refused';
  readonly guardrail: Guardrail;
  /** What refused, in a sentence the presser reads. */
  readonly message: string;
  /** What would allow it. */
  readonly toAllow: string;
};

type Verdict =
  | { readonly outcome: 'allowed' }
  | {
      readonly outcome: 'needs_approval';
      readonly reasons: readonly ApprovalReason[];
      readonly message: string;
      /** How long the approval request stays valid (`remediation.approval_ttl_minutes`). */
      readonly approvalTtlMs: number;
    }
  | Refusal;

/**
 * What the guardrails decided about one press. `shadow` carries what would have happened: nothing is
 * executed, the decision is recorded.
 */
export type GuardrailDecision = Verdict | { readonly outcome: 'shadow'; readonly wouldBe: Verdict };

/** The kill switch as an operator set it while dbxops runs (the store's switch, not the policy file). */
export interface LiveKillSwitch {
  readonly changedBy: string;
  readonly reason: string | null;
  /** Wall clock, epoch ms. */
  readonly changedAt: number;
}

interface GuardrailInput {
  readonly policy: RemediationPolicy;
  /** Set when the live kill switch is on (`dbxops remediation kill-switch on`, `/dbx kill-switch on`). */
  readonly killSwitch?: LiveKillSwitch | undefined;
  readonly action: ProposedAction;
  readonly presser: Presser;
  /**
   * dbxops presses on its own (auto-heal): `remediation.auto_heal.actions` stands in for the roles, and
   * an action that needs a second person is refused instead of waiting for one.
   */
  readonly autoHeal?: boolean | undefined;
  readonly recent: RecentActionCounts;
  /** The workspace clock's time (epoch ms). */
  readonly now: number;
}

const POLICY_FILE = 'dbxops.yaml';

/**
 * Decides whether a pressed action may run now, needs a second person, or is refused, and by which
 * guardrail. Pure: the policy, the counts and the time (the workspace clock: blackout windows are the
 * workspace's hours) are the caller's. The kill switch is checked first and holds even in shadow mode;
 * otherwise shadow mode reports what would have happened, refusals included.
 */
export function decideGuardrails(input: GuardrailInput): GuardrailDecision {
  const { policy } = input;
  const switchedOff = killSwitchRefusal(policy, input.killSwitch, 'runs');
  if (switchedOff !== undefined) return switchedOff;
  const verdict = judge(input);
  return policy.shadow ? { outcome: 'shadow', wouldBe: verdict } : verdict;
}

function judge(input: GuardrailInput): Verdict {
  const { policy, action, presser, recent, now } = input;
  const { kind } = action;

  if (!matches(policy.allowed_actions, kind)) {
    return refuse(
      'allowed_actions',
      `${kind} is not among the actions allowed to run here.`,
      `An admin adds ${kind} to remediation.allowed_actions in ${POLICY_FILE}.`,
    );
  }

  if (input.autoHeal === true) {
    if (!policy.auto_heal.enabled || !matches(policy.auto_heal.actions, kind))
      return refuse(
        'auto_heal',
        `Auto-heal may not press ${kind}.`,
        `A person presses it on the card, or an admin adds ${kind} to remediation.auto_heal.actions in ${POLICY_FILE}.`,
      );
  } else if (!holdsRight(policy, presser, 'press', kind)) return roleRefusal(policy, presser, 'press', kind);

  const blackout = activeBlackout(policy.blackouts, kind, now);
  if (blackout !== undefined) {
    return refuse(
      'blackout',
      `The blackout window "${blackout.name}" is on until ${utcMinute(blackout.endsAt)}.`,
      `Press again after ${utcMinute(blackout.endsAt)}, or an admin changes remediation.blackouts in ${POLICY_FILE}.`,
    );
  }

  const cap = policy.max_cost_usd_per_action;
  if (action.estimatedCostUsd !== null && action.estimatedCostUsd > cap) {
    return refuse(
      'cost_cap',
      `${kind} is estimated to add ${usd(action.estimatedCostUsd)}, above the ${usd(cap)} allowed per action.`,
      `Choose a smaller change, or an admin raises remediation.max_cost_usd_per_action to at least ${usd(Math.ceil(action.estimatedCostUsd))} in ${POLICY_FILE}.`,
    );
  }

  const perJob = policy.rate_limits.per_job_per_hour;
  if (recent.forResource >= perJob) {
    return refuse(
      'rate_limit_per_job',
      rateLimitMessage('per_job', recent.forResource, perJob, action.resource),
      `Wait until an earlier one is an hour old, or an admin raises remediation.rate_limits.per_job_per_hour in ${POLICY_FILE}.`,
    );
  }
  const total = policy.rate_limits.total_per_hour;
  if (recent.total >= total) {
    return refuse(
      'rate_limit_total',
      rateLimitMessage('total', recent.total, total, null),
      `Wait until an earlier one is an hour old, or an admin raises remediation.rate_limits.total_per_hour in ${POLICY_FILE}.`,
    );
  }

  const reasons = approvalReasons(policy, action);
  if (reasons.length === 0) return { outcome: 'allowed' };
  const why = reasons.map((r) => APPROVAL_REASON_TEXT[r](action, policy)).join('; ');
  if (input.autoHeal === true)
    return refuse(
      'four_eyes',
      `Auto-heal never runs an action that needs a second person, and ${kind} does: ${why}.`,
      'A person presses it on the card and another approves it.',
    );
  return {
    outcome: 'needs_approval',
    reasons,
    approvalTtlMs: policy.approval_ttl_minutes * 60_000,
    message: `${kind} waits for a second person to approve it: ${why}.`,
  };
}

const APPROVAL_REASON_TEXT: Record<ApprovalReason, (a: ProposedAction, p: RemediationPolicy) => string> = {
  action: (a) => `${a.kind} always needs approval`,
  risk: (a) => `it is ${a.risk} risk`,
  cost: (a, p) =>
    `it is estimated to add ${usd(a.estimatedCostUsd ?? 0)}, above ${usd(p.requires_approval.cost_above_usd)}`,
  unknown_cost: () => 'its cost cannot be estimated',
};

function approvalReasons(policy: RemediationPolicy, action: ProposedAction): ApprovalReason[] {
  const rules = policy.requires_approval;
  const reasons: ApprovalReason[] = [];
  if (matches(rules.actions, action.kind)) reasons.push('action');
  if (rules.risk.includes(action.risk)) reasons.push('risk');
  if (action.estimatedCostUsd === null) reasons.push('unknown_cost');
  else if (action.estimatedCostUsd > rules.cost_above_usd) reasons.push('cost');
  return reasons;
}

/**
 * Whether `approver` may approve the action `requester` proposed. Four eyes: the approver must be
 * another person, compared by Databricks principal — two chat handles (a Slack and a Teams account, or
 * two Slack accounts) mapped to one principal are one person — and both principals must be known.
 */
export function decideApprover(input: {
  readonly policy: RemediationPolicy;
  readonly kind: string;
  readonly requester: Presser;
  readonly approver: Presser;
  readonly killSwitch?: LiveKillSwitch | undefined;
}): { readonly outcome: 'allowed' } | Refusal {
  const { policy, kind, requester, approver } = input;
  const switchedOff = killSwitchRefusal(policy, input.killSwitch, 'is approved');
  if (switchedOff !== undefined) return switchedOff;
  const approverPrincipal = normalisePrincipal(approver.principal);
  if (approverPrincipal === undefined) {
    return refuse(
      'four_eyes',
      'dbxops does not know your Databricks identity, so it cannot tell you apart from the person who asked.',
      'Link your chat account to your Databricks user (a confirmed e-mail address that is also your Databricks user name, or an entry under principals in dbxops.yaml), then approve again.',
    );
  }
  const requesterPrincipal = normalisePrincipal(requester.principal);
  if (requesterPrincipal === undefined) {
    return refuse(
      'four_eyes',
      'dbxops does not know the Databricks identity of the person who asked, so four eyes cannot be checked.',
      'The person who asked links their chat account to their Databricks user and presses the action again.',
    );
  }
  const sameHandle = requester.surface === approver.surface && requester.userId === approver.userId;
  if (sameHandle || requesterPrincipal === approverPrincipal) {
    return refuse(
      'four_eyes',
      sameHandle
        ? 'You asked for this action, so you cannot approve it too.'
        : `You asked for this action as ${approverPrincipal} under another chat account, so you cannot approve it too.`,
      'Another person with the right to approve it approves it.',
    );
  }
  if (!holdsRight(policy, approver, 'approve', kind)) return roleRefusal(policy, approver, 'approve', kind);
  return { outcome: 'allowed' };
}

/**
 * Who may turn the live kill switch off from chat: with no roles configured, whoever may act on
 * incidents; with roles, a member of a role that may approve every action (`approve: ["*"]`). Turning it
 * on is any responder's: stopping is the safe direction.
 */
export function mayLiftKillSwitch(policy: RemediationPolicy, person: Presser): Refusal | undefined {
  if (Object.keys(policy.roles).length === 0) return undefined;
  const lifts = rolesOf(policy, person).some((name) => policy.roles[name]?.approve.includes('*') === true);
  if (lifts) return undefined;
  const granting = Object.entries(policy.roles)
    .filter(([, role]) => role.approve.includes('*'))
    .map(([name]) => name);
  return refuse(
    'roles',
    'Only someone who may approve every action turns the kill switch off.',
    granting.length === 0
      ? `An admin runs dbxops remediation kill-switch off, or gives a role approve: ["*"] in ${POLICY_FILE}.`
      : `Someone in ${listOf(granting)} turns it off, or an admin runs dbxops remediation kill-switch off.`,
  );
}

/**
 * The kill switch's refusal, when either switch is on: the policy file's (read at start-up) or the live
 * one an operator flipped while dbxops runs (read at every press and execution).
 */
function killSwitchRefusal(
  policy: RemediationPolicy,
  live: LiveKillSwitch | undefined,
  what: 'runs' | 'is approved',
): Refusal | undefined {
  if (policy.kill_switch) {
    return refuse(
      'kill_switch',
      `Remediation is switched off: the kill switch is on, so nothing ${what}.`,
      `An admin sets remediation.kill_switch to false in ${POLICY_FILE}.`,
    );
  }
  if (live === undefined) return undefined;
  const why = live.reason === null ? '' : ` ("${live.reason}")`;
  return refuse(
    'kill_switch',
    `Remediation is switched off: ${live.changedBy} turned the kill switch on at ${utcMinute(live.changedAt)}${why}, so nothing ${what}.`,
    'Someone who may turn it off runs /dbx kill-switch off, or an admin runs dbxops remediation kill-switch off.',
  );
}

/** The role names that name this person (by chat id) or one of their groups. */
function rolesOf(policy: RemediationPolicy, person: Presser): string[] {
  const holds = (role: RemediationRole): boolean => {
    if (person.surface === 'console') return role.console_users.includes(person.userId);
    const [users, groups] =
      person.surface === 'slack'
        ? [role.slack_users, role.slack_groups]
        : [role.teams_users, role.entra_groups];
    return users.includes(person.userId) || groups.some((g) => person.groups.includes(g));
  };
  return Object.entries(policy.roles)
    .filter(([, role]) => holds(role))
    .map(([name]) => name);
}

type Right = 'press' | 'approve';

/** With no roles configured, whoever the chat handler lets act on incidents may press and approve. */
function holdsRight(policy: RemediationPolicy, person: Presser, right: Right, kind: string): boolean {
  if (Object.keys(policy.roles).length === 0) return true;
  return rolesOf(policy, person).some((name) => matches(policy.roles[name]?.[right] ?? [], kind));
}

/** The refusal of a person whose roles lack `right`, naming the roles that have it. */
function roleRefusal(policy: RemediationPolicy, person: Presser, right: Right, kind: string): Refusal {
  const granting = rolesGranting(policy, right, kind);
  const you = `you (${describeIdentity(person)})`;
  return refuse(
    'roles',
    `You hold no role that may ${right} ${kind}.`,
    granting.length === 0
      ? `An admin gives a role the right to ${right} ${kind} (remediation.roles.<role>.${right} in ${POLICY_FILE}) and adds ${you} to it.`
      : right === 'press'
        ? `An admin adds ${you} or one of your groups to ${listOf(granting)} under remediation.roles in ${POLICY_FILE}.`
        : `Someone in ${listOf(granting)} approves it, or an admin adds ${you} to one of them in ${POLICY_FILE}.`,
  );
}

function rolesGranting(policy: RemediationPolicy, right: Right, kind: string): string[] {
  return Object.entries(policy.roles)
    .filter(([, role]) => matches(role[right], kind))
    .map(([name]) => name);
}

const matches = (patterns: readonly string[], kind: string): boolean =>
  patterns.some((pattern) => pattern === '*' || pattern === kind);

const normalisePrincipal = (principal: string | undefined): string | undefined => {
  const trimmed = principal?.trim().toLowerCase();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
};

const SURFACE_ID: Record<SurfaceName, string> = {
  slack: 'Slack user id',
  teams: 'Entra object id',
  console: 'console user',
};

const describeIdentity = (person: Presser): string => `${SURFACE_ID[person.surface]} ${person.userId}`;

const refuse = (guardrail: Guardrail, message: string, toAllow: string): Refusal => ({
  outcome: 'refused',
  guardrail,
  message,
  toAllow,
});

const usd = (amount: number): string => `$${amount.toFixed(2)}`;
const listOf = (names: readonly string[]): string =>
  names.length === 1 ? `the role ${names[0]}` : `one of the roles ${names.join(', ')}`;
