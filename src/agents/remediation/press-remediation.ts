import { createHash } from 'node:crypto';
import type { Logger } from '../../config/logger.js';
import type { DatabricksClient } from '../../databricks/rest/databricks-client.js';
import type { Clock } from '../../domain/clock.js';
import { err, ok, type Result } from '../../domain/result.js';
import type { IncidentRepository } from '../../store/incident-repository.js';
import type { RemediationAttempt, RemediationRepository } from '../../store/remediation-repository.js';
import type { FindOwnerDeps } from './find-owner.js';
import { readPlanContext } from './plan-context.js';
import { planRemediation } from './plan-remediation.js';
import type { Presser, RemediationAudit, RemediationGate } from './remediation-gate.js';
import { REMEDIATION_INFO, type RemediationKind } from './remediation-kind.js';
import { renderRunbook } from './runbook.js';
import { canonicalHash } from '../../domain/canonical-json.js';
import type { ApprovalRepository } from '../../store/approval-repository.js';
import { suggestRemediations } from './suggest-remediations.js';
import { settleExpiredApprovals } from './expire-approvals.js';

/** What four eyes needs: the approval requests, who a chat user is in the workspace, the approver rule. */
interface ApprovalDeps {
  readonly approvals: ApprovalRepository;
  /** The presser's Databricks principal (`resolvePrincipal`); people are compared by it, never by handle. */
  readonly principalOf: (presser: Presser) => Promise<Result<string, string>>;
  /** `decideApprover` over the policy and the live kill switch: another person, holding the approve right. */
  readonly mayApprove: (
    kind: RemediationKind,
    requester: Presser & { principal: string },
    approver: Presser & { principal: string },
  ) => Promise<Result<void, string>>;
  /** The approver's own Databricks rights on the object, as the presser's are checked. */
  readonly approverRights: RemediationGate;
}

export interface PressDeps {
  readonly fourEyes?: ApprovalDeps | undefined;
  readonly incidents: IncidentRepository;
  readonly remediations: RemediationRepository;
  readonly databricks?: DatabricksClient | undefined;
  readonly logger: Logger;
  readonly gate: RemediationGate;
  readonly audit: RemediationAudit;
  /** Queues the execution of a recorded attempt (keyed by its id). */
  readonly queue: (attemptId: string) => Promise<void>;
  /** The wall clock: the attempt's times, and approval requests expire on it. */
  readonly wallClock: Clock;
  /** The workspace's clock: timeline entries (an approval request that expired unanswered). */
  readonly clock: Clock;
  /** Hands the incident to the notifier: every copy of its card on every surface is brought up to date. */
  readonly notify: (incidentId: string) => Promise<void>;
  readonly maxAttempts: number;
  /** The workspace origin written into the runbook's commands. */
  readonly host: string;
  /** Who the runbook says to page. */
  readonly escalateTo: string;
  /** Routing rules: a team with a channel of its own is `notify_owner`'s last resort (`findOwner`). */
  readonly routing?: FindOwnerDeps['routing'];
}

export interface PressInput {
  readonly incidentId: string;
  /** The incident version the plan card was drawn at. */
  readonly version: number;
  readonly action: RemediationKind;
  readonly presser: Presser;
}

export type PressRefusal =
  | 'not_found'
  | 'stale_card'
  | 'not_offered'
  | 'plan_refused'
  | 'refused'
  /** Shadow mode: decided and recorded in the audit log, nothing executed. */
  | 'shadow'
  | 'busy'
  | 'exhausted';

export interface Pressed {
  readonly attempt: RemediationAttempt;
  /** The same plan was pressed before: nothing new was queued. */
  readonly duplicate: boolean;
  /** The plan waits for a second person: the token their Approve button carries, and why. */
  readonly approval?: { readonly token: string; readonly reason: string } | undefined;
}

/**
 * A person pressed Run on a plan. Checks that the plan still fits (the incident is at the version the
 * plan was drawn for, and still suggests this action: a forged or replayed button for an action the
 * card never offered is refused), draws the plan again from the workspace as it is now, asks the gates,
 * records the attempt under its idempotency key (incident, action, plan version) and queues it. A
 * second press of the same plan finds the recorded attempt and queues nothing.
 */
export async function pressRemediation(
  deps: PressDeps,
  input: PressInput,
): Promise<Result<Pressed, PressRefusal>> {
  const incident = await deps.incidents.get(input.incidentId);
  if (incident === undefined)
    return err('not_found', `Incident ${input.incidentId.slice(0, 128)} no longer exists.`);
  // An approval request that expired unanswered finished its attempt: pressed again, it asks afresh.
  await settleExpiredApprovals(deps, incident.id);
  const id = await freshAttemptId(deps, input);
  const earlier = await deps.remediations.get(id);
  if (earlier !== undefined) return duplicate(deps, earlier);
  if (incident.state === 'resolved')
    return err('stale_card', 'The incident is resolved; there is nothing to run.');
  if (incident.version !== input.version) {
    return err(
      'stale_card',
      `This plan was drawn for version ${input.version} of the incident, which is now at ${incident.version}. Press the remediation on the card again for a current plan.`,
    );
  }
  const signals = await deps.incidents.listSignals(incident.id);
  const signal = signals.find((s) => s.id === incident.rootCauseSignalId) ?? signals[0];
  if (!suggestRemediations(signal).includes(input.action)) {
    deps.logger.warn(
      { incidentId: incident.id, action: input.action },
      'run pressed for an action the card never offered',
    );
    return err(
      'not_offered',
      'This incident does not offer that remediation, so I did nothing. Refresh the card.',
    );
  }
  const context = await readPlanContext(deps, input.action, incident, signal);
  const plan = planRemediation(input.action, context);
  if (!plan.ok)
    return err('plan_refused', `I can't run "${REMEDIATION_INFO[input.action].label}": ${plan.userMessage}`);
  const decision = await deps.gate({
    incidentId: incident.id,
    workspaceId: incident.workspaceId,
    action: input.action,
    plan: plan.value,
    presser: input.presser,
    phase: 'press',
  });
  const needsApproval = !decision.ok && decision.approvalTtlMs !== undefined && deps.fourEyes !== undefined;
  if (!decision.ok && !needsApproval) {
    await deps.audit({
      type: 'propose',
      attemptId: id,
      incidentId: incident.id,
      workspaceId: incident.workspaceId,
      action: input.action,
      plan: plan.value,
      presser: input.presser,
      classification: signal?.classification?.category,
      outcome: decision.gate === 'shadow' ? 'shadow' : 'refused',
      message: `${decision.gate}: ${decision.userMessage}`,
    });
    if (decision.gate === 'shadow') return err('shadow', decision.userMessage);
    return err('refused', `Refused by ${decision.gate}: ${decision.userMessage}`);
  }
  const now = deps.wallClock.now();
  let requesterPrincipal: string | undefined;
  if (needsApproval && deps.fourEyes !== undefined) {
    const principal = await deps.fourEyes.principalOf(input.presser);
    if (!principal.ok) return err('refused', `Refused by four_eyes: ${principal.userMessage}`);
    requesterPrincipal = principal.value;
  }
  const approvalTtlMs = needsApproval && !decision.ok ? (decision.approvalTtlMs ?? 0) : 0;
  const claimed = await deps.remediations.claim(
    {
      id,
      incidentId: incident.id,
      workspaceId: incident.workspaceId,
      action: input.action,
      requestedBy: JSON.stringify(input.presser),
      plan: plan.value,
      verify: plan.value.verify,
      runbook: renderRunbook(plan.value, {
        incidentId: incident.id,
        host: deps.host,
        escalateTo: deps.escalateTo,
        maxAttempts: deps.maxAttempts,
      }),
      createdAt: now,
    },
    deps.maxAttempts,
    needsApproval ? { awaitingApprovalUntil: now + approvalTtlMs } : 'queued',
  );
  switch (claimed.kind) {
    case 'duplicate':
      return duplicate(deps, claimed.attempt);
    case 'busy':
      return err(
        'busy',
        `"${REMEDIATION_INFO[claimed.running.action as RemediationKind]?.label ?? claimed.running.action}" is still running on this incident; fixes never race. Wait for its outcome on the card.`,
      );
    case 'exhausted':
      return err(
        'exhausted',
        `${claimed.attempts.length} remediations were tried on this incident already; it is escalated to a person instead.`,
      );
    case 'claimed':
      await deps.audit({
        type: 'propose',
        attemptId: id,
        attempt: claimed.attempt.attempt,
        incidentId: incident.id,
        workspaceId: incident.workspaceId,
        action: input.action,
        plan: plan.value,
        presser: input.presser,
        classification: signal?.classification?.category,
        outcome: needsApproval ? 'needs_approval' : 'queued',
        message:
          needsApproval && !decision.ok ? decision.userMessage : `Pressed Run on "${plan.value.title}"`,
      });
      if (needsApproval && !decision.ok && deps.fourEyes !== undefined) {
        const request = await deps.fourEyes.approvals.request({
          planHash: canonicalHash(plan.value.calls),
          incidentId: incident.id,
          workspaceId: incident.workspaceId,
          actionKind: input.action,
          requester: {
            surface: input.presser.surface,
            userId: input.presser.userId,
            principal: requesterPrincipal,
          },
          now,
          ttlMs: approvalTtlMs,
        });
        return ok({
          attempt: claimed.attempt,
          duplicate: false,
          approval: { token: request.token, reason: decision.userMessage },
        });
      }
      await deps.queue(id);
      return ok({ attempt: claimed.attempt, duplicate: false });
  }
}

export interface ApproveInput extends PressInput {
  readonly token: string;
}

/**
 * A second person pressed Approve on a gated plan. The approver must be another Databricks principal
 * holding the approve right (`mayApprove`) and the Databricks permission the action needs; the plan is
 * drawn again and must be the one approval was asked for (the token is bound to its hash, used once,
 * before it expires: the token of a request that expired is refused as expired, and its attempt is
 * finished, so the requester can press again for a fresh one). Then the attempt is queued like any
 * other, and its execution re-checks the gates.
 */
export async function approveRemediation(
  deps: PressDeps,
  input: ApproveInput,
): Promise<Result<RemediationAttempt, PressRefusal>> {
  const fourEyes = deps.fourEyes;
  if (fourEyes !== undefined) await settleExpiredApprovals(deps, input.incidentId);
  const attempt = await deps.remediations.get(await freshAttemptId(deps, input));
  if (fourEyes === undefined || attempt === undefined || attempt.state !== 'awaiting_approval') {
    // The token of a request that expired unanswered says so, whatever became of its attempt.
    const request = await fourEyes?.approvals.pending(input.token, deps.wallClock.now());
    if (request?.ok === false && request.reason === 'expired') return err('refused', request.userMessage);
    return err('stale_card', 'This plan is not waiting for an approval any more. Refresh the card.');
  }
  const requester = JSON.parse(attempt.requestedBy) as Presser;
  const [requesterPrincipal, approverPrincipal] = await Promise.all([
    fourEyes.principalOf(requester),
    fourEyes.principalOf(input.presser),
  ]);
  if (!approverPrincipal.ok) return err('refused', approverPrincipal.userMessage);
  if (!requesterPrincipal.ok) return err('refused', requesterPrincipal.userMessage);
  const allowed = await fourEyes.mayApprove(
    input.action,
    { ...requester, principal: requesterPrincipal.value },
    { ...input.presser, principal: approverPrincipal.value },
  );
  if (!allowed.ok) return err('refused', allowed.userMessage);
  const incident = await deps.incidents.get(input.incidentId);
  if (incident === undefined)
    return err('not_found', `Incident ${input.incidentId.slice(0, 128)} no longer exists.`);
  const signals = await deps.incidents.listSignals(incident.id);
  const signal = signals.find((s) => s.id === incident.rootCauseSignalId) ?? signals[0];
  const plan = planRemediation(input.action, await readPlanContext(deps, input.action, incident, signal));
  if (!plan.ok) return err('plan_refused', plan.userMessage);
  const rights = await fourEyes.approverRights({
    incidentId: incident.id,
    workspaceId: incident.workspaceId,
    action: input.action,
    plan: plan.value,
    presser: input.presser,
    phase: 'press',
  });
  if (!rights.ok) return err('refused', `Refused by ${rights.gate}: ${rights.userMessage}`);
  const approved = await fourEyes.approvals.approve({
    token: input.token,
    planHash: canonicalHash(plan.value.calls),
    approver: {
      surface: input.presser.surface,
      userId: input.presser.userId,
      principal: approverPrincipal.value,
    },
    now: deps.wallClock.now(),
  });
  if (!approved.ok) return err('refused', approved.userMessage);
  if (
    !(await deps.remediations.transition(attempt.id, ['awaiting_approval'], 'queued', deps.wallClock.now(), {
      approvalId: approved.value.id,
    }))
  )
    return err('stale_card', 'This plan is not waiting for an approval any more. Refresh the card.');
  await deps.audit({
    type: 'approve',
    attemptId: attempt.id,
    attempt: attempt.attempt,
    incidentId: incident.id,
    workspaceId: incident.workspaceId,
    action: input.action,
    plan: plan.value,
    presser: input.presser,
    outcome: 'approved',
    message: `Approved by ${approverPrincipal.value} for ${requesterPrincipal.value}`,
  });
  await deps.queue(attempt.id);
  return ok(attempt);
}

/** A press seen before queues nothing new, unless its first queueing never happened (the key dedupes). */
async function duplicate(
  deps: PressDeps,
  attempt: RemediationAttempt,
): Promise<Result<Pressed, PressRefusal>> {
  if (attempt.state === 'queued') await deps.queue(attempt.id);
  return ok({ attempt, duplicate: true });
}

/**
 * The key a press is recorded under. An attempt the gates stopped before it sent anything (the kill
 * switch turned on, a permission revoked, a blackout begun between press and execution, its approval
 * request expired unanswered) leaves the incident at the same version, so the same plan pressed again —
 * once the switch is off — gets the next key in line instead of finding that refusal; a double click of
 * that new press still finds one key.
 */
async function freshAttemptId(deps: Pick<PressDeps, 'remediations'>, input: PressInput) {
  const base = attemptId(input);
  let id = base;
  // Such refusals use up no attempt (`usesAnAttempt`), so they are not bounded by `maxAttempts`; past
  // this many for one plan the last is answered as already pressed, rather than reading on for ever.
  for (let n = 1; n <= MAX_REFUSED_PRESSES; n++) {
    const earlier = await deps.remediations.get(id);
    if (earlier === undefined || earlier.state !== 'failed' || earlier.steps.length > 0) return id;
    id = `${base}_${n}`;
  }
  return id;
}

const MAX_REFUSED_PRESSES = 50;

/** The idempotency key of a press: one incident, one action, one plan version. */
function attemptId(input: PressInput): string {
  const digest = createHash('sha256')
    .update(`${input.incidentId}\u0000${input.action}\u0000${input.version}`)
    .digest('hex');
  return `rem_${digest.slice(0, 32)}`;
}
