import type { Clock } from '../../domain/clock.js';
import { utcMinute } from '../../domain/text.js';
import type { IncidentRepository } from '../../store/incident-repository.js';
import {
  APPROVAL_EXPIRED,
  type RemediationAttempt,
  type RemediationRepository,
} from '../../store/remediation-repository.js';
import type { RemediationAudit } from './remediation-gate.js';
import { REMEDIATION_INFO } from './remediation-kind.js';
import { presserOf } from './run-remediation.js';
import { readStoredPlan } from './stored-plan.js';

export interface ExpireApprovalsDeps {
  readonly remediations: Pick<RemediationRepository, 'listForIncident' | 'expireApproval'>;
  readonly incidents: Pick<IncidentRepository, 'addTimelineEntry'>;
  readonly audit: RemediationAudit;
  /** The wall clock, on which approval requests expire. */
  readonly wallClock: Clock;
  /** The workspace's clock: the timeline entry. */
  readonly clock: Clock;
  /** Brings the incident's cards up to date on every surface. */
  readonly notify: (incidentId: string) => Promise<unknown>;
}

/** Whether an attempt is waiting for an approval whose request expired by `now` (wall clock). */
function approvalExpired(attempt: RemediationAttempt, now: number): boolean {
  return (
    attempt.state === 'awaiting_approval' &&
    attempt.approvalExpiresAt !== null &&
    attempt.approvalExpiresAt <= now
  );
}

/**
 * The incident's attempts, oldest first, once every one whose approval request expired unanswered is
 * finished: nothing was sent, so it uses up no attempt, no longer holds the incident as in flight, and the
 * same plan pressed again opens a fresh request. Noticed whenever a press, an approval or the review of
 * open incidents reads the attempts, so no timer is needed. Of callers racing to finish one, one records
 * it (the audit log, the timeline, the cards).
 */
export async function settleExpiredApprovals(
  deps: ExpireApprovalsDeps,
  incidentId: string,
): Promise<RemediationAttempt[]> {
  const attempts = await deps.remediations.listForIncident(incidentId);
  const now = deps.wallClock.now();
  const expired = attempts.filter((a) => approvalExpired(a, now));
  if (expired.length === 0) return attempts;
  let recorded = false;
  for (const attempt of expired) recorded = (await expireAttempt(deps, attempt, now)) || recorded;
  if (recorded) await deps.notify(incidentId);
  return deps.remediations.listForIncident(incidentId);
}

async function expireAttempt(deps: ExpireApprovalsDeps, attempt: RemediationAttempt, now: number) {
  const presser = presserOf(attempt);
  const plan = readStoredPlan(attempt.plan);
  const label = REMEDIATION_INFO[attempt.action as keyof typeof REMEDIATION_INFO]?.label ?? attempt.action;
  const asker = presser.displayName ?? presser.userId;
  const summary = `Nobody approved "${plan?.title ?? label}" before its approval request expired at ${utcMinute(attempt.approvalExpiresAt ?? now)}; ${asker} asked for it at ${utcMinute(attempt.createdAt)}. Nothing was sent: press "${label}" again for a fresh request.`;
  if (!(await deps.remediations.expireApproval(attempt.id, now, { summary, refusedBy: APPROVAL_EXPIRED })))
    return false;
  if (plan !== undefined) {
    await deps.audit({
      type: 'approve',
      attemptId: attempt.id,
      attempt: attempt.attempt,
      incidentId: attempt.incidentId,
      workspaceId: attempt.workspaceId,
      action: plan.kind,
      plan,
      presser,
      outcome: 'expired',
      message: summary,
    });
  }
  await deps.incidents.addTimelineEntry({
    incidentId: attempt.incidentId,
    at: deps.clock.now(),
    phase: 'REMEDIATE',
    summary: `Approval expired unanswered — ${label}, attempt ${attempt.attempt}: ${summary}`,
    actor: 'dbxops',
    data: {
      kind: 'remediation_outcome',
      attemptId: attempt.id,
      action: attempt.action,
      state: 'failed',
      refusedBy: APPROVAL_EXPIRED,
    },
    dedupKey: `remediation:${attempt.id}:outcome`,
  });
  return true;
}
