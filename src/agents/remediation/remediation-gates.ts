import type { RemediationPolicy } from '../../config/remediation-policy.js';
import type { Clock } from '../../domain/clock.js';
import { canonicalHash } from '../../domain/canonical-json.js';
import type { AuditLogRepository } from '../../store/audit-log-repository.js';
import type { RemediationSwitchRepository } from '../../store/remediation-switch-repository.js';
import { decideGuardrails } from './guardrails.js';
import type { PlanTarget } from './plan-remediation.js';
import { checkPresserRights, type RightsAction, type RightsDeps } from './presser-rights.js';
import { AUTO_HEAL_ACTOR, type RemediationAudit, type RemediationGate } from './remediation-gate.js';

const HOUR_MS = 3_600_000;

/** The key rate limits count by and the audit log's `where.resource`: `job:42`, `warehouse:abc`. */
function resourceKey(target: PlanTarget | undefined, incidentId: string): string {
  if (target === undefined) return `incident:${incidentId}`;
  switch (target.kind) {
    case 'job':
      return `job:${target.jobId}`;
    case 'warehouse':
      return `warehouse:${target.warehouseId}`;
    case 'cluster':
      return `cluster:${target.clusterId}`;
    case 'pipeline':
      return `pipeline:${target.pipelineId}`;
  }
}

/**
 * The `remediation:` guardrails of dbxops.yaml as a gate (`decideGuardrails`): kill switch, allowed
 * actions, roles, blackout windows (workspace clock), cost cap, hourly rate limits (counted from the
 * audit log's executions), four eyes, shadow mode. A refusal names the guardrail and what would allow it.
 * The live kill switch is read from the store on every call, at the press and again at execution, so
 * flipping it takes effect on the next press and stops what was queued, in every process, with no restart.
 */
export function guardrailsGate(deps: {
  readonly policy: RemediationPolicy;
  readonly switches: Pick<RemediationSwitchRepository, 'killSwitch'>;
  readonly audit: Pick<AuditLogRepository, 'countExecutedSince'>;
  readonly clock: Clock;
  readonly wallClock: Clock;
}): RemediationGate {
  return async (input) => {
    const resource = resourceKey(input.plan.target, input.incidentId);
    const [recent, live] = await Promise.all([
      deps.audit.countExecutedSince(deps.wallClock.now() - HOUR_MS, resource, input.workspaceId),
      deps.switches.killSwitch(),
    ]);
    const decision = decideGuardrails({
      policy: deps.policy,
      killSwitch: live?.on === true ? live : undefined,
      autoHeal: input.presser.autoHeal === true,
      action: {
        kind: input.action,
        risk: input.plan.risk,
        incidentId: input.incidentId,
        workspaceId: input.workspaceId,
        resource,
        estimatedCostUsd: input.plan.estimatedCostUsd,
      },
      presser: { surface: input.presser.surface, userId: input.presser.userId, groups: [] },
      recent,
      now: deps.clock.now(),
    });
    switch (decision.outcome) {
      case 'allowed':
        return { ok: true };
      case 'refused':
        return {
          ok: false,
          gate: decision.guardrail,
          userMessage: `${decision.message} ${decision.toAllow}`,
        };
      case 'needs_approval':
        if (input.approved === true) return { ok: true };
        return {
          ok: false,
          gate: 'four_eyes',
          userMessage: decision.message,
          approvalTtlMs: decision.approvalTtlMs,
        };
      case 'shadow':
        return {
          ok: false,
          gate: 'shadow',
          userMessage: `Shadow mode is on: this press was decided (${decision.wouldBe.outcome.replace('_', ' ')}) and recorded, and nothing was executed. An admin sets remediation.shadow to false in dbxops.yaml to run actions.`,
        };
    }
  };
}

/**
 * The presser's own Databricks rights as a gate (`checkPresserRights`): their chat identity mapped to a
 * workspace user, and the object's ACL read live. Runs at the press and again right before execution.
 */
export function rightsGate(deps: RightsDeps): RemediationGate {
  return async (input) => {
    if (input.action === 'notify_owner') return { ok: true };
    // No person pressed: auto-heal acts as dbxops's own identity, within what remediation.auto_heal
    // grants (judged by the guardrails); Databricks itself refuses what dbxops's token may not do.
    if (input.presser.autoHeal === true) return { ok: true };
    const object = input.plan.target;
    if (object === undefined)
      return {
        ok: false,
        gate: 'rights',
        userMessage:
          'I cannot tell which Databricks object this action changes, so I cannot check your rights on it. Nothing was done.',
      };
    const presser = {
      surface: input.presser.surface,
      userId: input.presser.userId,
      ...(input.presser.email === undefined ? {} : { email: input.presser.email }),
      ...(input.presser.emailVerified === undefined ? {} : { emailVerified: input.presser.emailVerified }),
    };
    const rights = await checkPresserRights(deps, { presser, action: input.action as RightsAction, object });
    if (!rights.ok) return { ok: false, gate: 'rights', userMessage: rights.userMessage };
    // A pipeline restarted through the job run that started it repairs that run as well.
    const job = input.plan.repairsJob;
    if (job === undefined) return { ok: true };
    const repair = await checkPresserRights(deps, { presser, action: 'repair', object: job });
    return repair.ok ? { ok: true } : { ok: false, gate: 'rights', userMessage: repair.userMessage };
  };
}

/**
 * Remediation steps into the hash-chained audit log. The `execute` entry is written before any call is
 * sent, through `appendExecution`, so the hourly rate limits hold when two presses race; each entry has
 * an idempotency key (attempt and step), so a redelivered job records once.
 */
export function auditRecorder(deps: {
  readonly log: Pick<AuditLogRepository, 'append' | 'appendExecution'>;
  readonly wallClock: Clock;
  readonly policy: RemediationPolicy;
}): RemediationAudit {
  return async (event) => {
    const entry = {
      who:
        event.presser.autoHeal === true
          ? { chat: null, principal: AUTO_HEAL_ACTOR }
          : {
              chat: {
                surface: event.presser.surface,
                userId: event.presser.userId,
                ...(event.presser.displayName === undefined
                  ? {}
                  : { displayName: event.presser.displayName }),
              },
              principal: null,
            },
      what: { action: event.action, planHash: canonicalHash(event.plan.calls), summary: event.plan.title },
      where: { workspaceId: event.workspaceId, resource: resourceKey(event.plan.target, event.incidentId) },
      why: { incidentId: event.incidentId, classification: event.classification ?? null },
      how: {
        calls: (event.calls ?? []).map((c) => ({ method: c.method, path: c.path, status: c.httpStatus })),
      },
      result: { outcome: event.outcome, message: event.message },
      details: {
        attemptId: event.attemptId,
        ...(event.attempt === undefined ? {} : { attempt: event.attempt }),
      },
      idempotencyKey: `${event.attemptId}:${event.type}:${event.outcome}`.slice(0, 256),
    };
    const now = deps.wallClock.now();
    if (event.type === 'execute') {
      const recorded = await deps.log.appendExecution({ ...entry, kind: 'execute' }, now, {
        perJobPerHour: deps.policy.rate_limits.per_job_per_hour,
        totalPerHour: deps.policy.rate_limits.total_per_hour,
      });
      return recorded.ok ? undefined : recorded.userMessage;
    }
    await deps.log.append({ ...entry, kind: event.type }, now);
    return undefined;
  };
}
