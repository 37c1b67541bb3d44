import { z } from 'zod';
import type { Logger } from '../../config/logger.js';
import type { DatabricksClient } from '../../databricks/rest/databricks-client.js';
import { DatabricksApiError } from '../../databricks/rest/databricks-api-error.js';
import type { Clock } from '../../domain/clock.js';
import type { IncidentEvent } from '../../domain/incident.js';
import type { IncidentFixRepository } from '../../store/incident-fix-repository.js';
import type { IncidentRepository } from '../../store/incident-repository.js';
import {
  type AttemptOutcome,
  type AttemptState,
  type CallRecord,
  type RemediationAttempt,
  type RemediationRepository,
  usesAnAttempt,
} from '../../store/remediation-repository.js';
import {
  ENDED_UPDATE_STATES,
  latestRepairOf,
  type PlannedCall,
  pipelineCallOf,
  type RemediationPlan,
  repairCallOf,
  runIsActive,
} from './plan-remediation.js';
import {
  AUTO_HEAL_ACTOR,
  type Presser,
  type RemediationAudit,
  type RemediationGate,
} from './remediation-gate.js';
import { REMEDIATION_INFO } from './remediation-kind.js';
import { readStoredPlan, readStoredVerify, type StoredVerify } from './stored-plan.js';
import { checkOutcome } from './verify-remediation.js';
import { SURFACE_NAMES } from '../../domain/surface-name.js';
import { ESCALATION_ENTRY_KIND } from '../triage/escalate-incident.js';

export interface RemediationRunnerDeps {
  readonly remediations: RemediationRepository;
  readonly incidents: IncidentRepository;
  /**
   * The client of the workspace an attempt acts on (its incident's); undefined for a workspace this
   * deployment no longer watches, whose attempts are then reported instead of sent elsewhere.
   */
  readonly databricks: (workspaceId: string) => DatabricksClient | undefined;
  /** The workspace's clock: timeline entries. */
  readonly clock: Clock;
  /** The wall clock: the verification budget and poll backoff. */
  readonly wallClock: Clock;
  /** Hands the incident to the notifier: every copy of its card on every surface is brought up to date. */
  readonly notify: (incidentId: string) => Promise<void>;
  /** Re-checked right before the calls go out (see `remediation-gate.ts`). */
  readonly gate: RemediationGate;
  readonly audit: RemediationAudit;
  readonly logger: Logger;
  /** Attempts per incident before dbxops escalates instead (default 3). */
  readonly maxAttempts: number;
  /** How long verification polls before it reports the outcome as unknown (wall clock, default 6 h). */
  readonly maxVerifyMs?: number | undefined;
  /**
   * Where a remediation verified to have recovered its incident is kept as what fixed it, for the next
   * incident with the same fingerprint — unless a person recorded a fix already.
   */
  readonly fixes?: Pick<IncidentFixRepository, 'recordUnlessRecorded'> | undefined;
}

/** What the queue should do next with an attempt. */
export type RunnerStep =
  | { readonly kind: 'verify'; readonly delayMs: number; readonly poll: number }
  | {
      readonly kind: 'retry';
      readonly delayMs: number;
      /** What the attempt waits on: the workspace to stop throttling or failing, or a stop to take effect. */
      readonly awaiting: 'workspace' | 'stop';
    }
  | { readonly kind: 'finished' };

const ACTOR = 'dbxops';
const FIRST_POLL_MS = 2_000;
const MAX_POLL_MS = 60_000;
const DEFAULT_MAX_VERIFY_MS = 6 * 3_600_000;

/**
 * Whether the transport may repeat a call by itself after an ambiguous failure (5xx, reset, timeout):
 * only calls that converge on a state (settings, start, edit, cancel) and a run-now carrying its
 * idempotency token. A repair or a restart is not repeated blindly: the runner reconciles it first.
 */
function convergent(call: PlannedCall, plan: RemediationPlan): boolean {
  // Stopping a pipeline converges on an idle pipeline: a second stop is a no-op.
  if (isPipelineCall(call, 'stop')) return true;
  if (call.path.endsWith('/run-now')) {
    const body = call.body as { idempotency_token?: unknown } | undefined;
    return typeof body?.idempotency_token === 'string';
  }
  if (repairCallOf(call) !== undefined || call.path.endsWith('/clusters/restart')) return false;
  return !plan.destructive || call.path.endsWith('/cancel');
}

/**
 * Whether the runner may send a call again once reconciling found no trace of it: never a destructive
 * call, whose unknown outcome is reported instead. A repair names the latest repair id, so a repeat
 * that did act after all is refused by Databricks rather than run twice.
 */
function repeatable(call: PlannedCall, plan: RemediationPlan): boolean {
  // A pipeline's start-update is read against the pipeline first (`pipelineUpdateGuard`): sent again
  // only when no update newer than the stopped one exists, and Databricks refuses a second active one.
  if (isPipelineCall(call, 'stop') || isPipelineCall(call, 'updates')) return true;
  // Also in a destructive plan (a stuck job-started update stopped, then its run repaired): the repair
  // is reconciled against the run's repair history first, and Databricks refuses a repeat of one that
  // did act (a second repair must name the first).
  if (repairCallOf(call) !== undefined) return true;
  return !plan.destructive && convergent(call, plan);
}

function isPipelineCall(call: PlannedCall, what: 'stop' | 'updates'): boolean {
  return pipelineCallOf(call)?.what === what;
}

/** Before a new pipeline update: whether to wait for the stopped one, send, or take one that exists. */
type GuardStep = { kind: 'send' } | { kind: 'wait' } | { kind: 'found'; updateId: string };

/**
 * Read the pipeline before starting its new update. A newer update than the one stopped is the one
 * this attempt started before a redelivery or an unanswered call (or one its schedule started
 * meanwhile): it is followed, never doubled. The stopped update still ending (a stop is asynchronous,
 * and Databricks refuses a new update until it has): wait and read again.
 */
async function pipelineUpdateGuard(
  api: DatabricksClient,
  verify: Extract<StoredVerify, { target: 'pipeline_update' }>,
): Promise<GuardStep> {
  const pipeline = await api.pipelines.getPipeline(verify.pipelineId);
  const updates = pipeline.latest_updates ?? [];
  const stopped = updates.findIndex((u) => u.update_id === verify.stoppedUpdateId);
  const newer =
    stopped === -1
      ? updates.filter((u) => !ENDED_UPDATE_STATES.has(u.state ?? ''))
      : updates.slice(0, stopped);
  const mine = newer.at(-1);
  if (mine !== undefined) return { kind: 'found', updateId: mine.update_id };
  const still = updates[stopped];
  if (still !== undefined && !ENDED_UPDATE_STATES.has(still.state ?? '')) return { kind: 'wait' };
  return { kind: 'send' };
}

/** Whether the run a repair call names has not ended yet; false for any other call. */
async function runStillGoing(api: DatabricksClient, call: PlannedCall): Promise<boolean> {
  const runId = repairCallOf(call)?.runId;
  return runId !== undefined && runIsActive(await api.jobs.getRun(runId));
}

/**
 * How long to wait before reading a stopping pipeline (or the run it belonged to) again: a stop tears
 * the update's cluster down, which takes a minute or two.
 */
export const STOP_WAIT_MS = 15_000;

const presserSchema = z.object({
  surface: z.enum(SURFACE_NAMES),
  userId: z.string(),
  displayName: z.string().optional(),
  email: z.string().optional(),
  emailVerified: z.boolean().optional(),
  autoHeal: z.literal(true).optional(),
});

/** The presser as the attempt recorded them (JSON), for the gates' re-check at execution. */
export function presserOf(attempt: RemediationAttempt): Presser {
  try {
    const parsed = presserSchema.safeParse(JSON.parse(attempt.requestedBy));
    if (parsed.success) return parsed.data;
  } catch {
    // Not JSON: an attempt recorded by hand; the gates then refuse an unknown person.
  }
  return { surface: 'console', userId: attempt.requestedBy };
}

/** Backoff for verification polls: 2 s doubling to a minute. */
const pollDelayMs = (poll: number) => Math.min(MAX_POLL_MS, FIRST_POLL_MS * 2 ** Math.max(0, poll));

const responseSchema = z.looseObject({ run_id: z.number().optional(), repair_id: z.number().optional() });

/**
 * Executes a claimed attempt: re-checks the gates, marks the incident mitigating, then sends the plan's
 * calls through the call ledger, so that a redelivered job, a replay or a worker killed mid-call never
 * sends a call twice that could act twice. Returns when verification should start.
 */
export async function executeAttempt(deps: RemediationRunnerDeps, attemptId: string): Promise<RunnerStep> {
  const log = deps.logger.child({ attemptId });
  const attempt = await deps.remediations.get(attemptId);
  if (attempt === undefined) return { kind: 'finished' };
  if (attempt.state === 'verifying') return { kind: 'verify', delayMs: 0, poll: 0 };
  if (attempt.state !== 'queued' && attempt.state !== 'executing') return { kind: 'finished' };
  const plan = readStoredPlan(attempt.plan);
  if (plan === undefined) {
    await finish(deps, attempt, 'failed', {
      summary: 'The stored plan could not be read; nothing was sent.',
    });
    return { kind: 'finished' };
  }
  const api = deps.databricks(attempt.workspaceId);
  if (api === undefined) {
    await finish(deps, attempt, attempt.state === 'queued' ? 'failed' : 'unknown', {
      summary: notWatched(attempt, attempt.state === 'queued' ? 'nothing was sent' : 'check it by hand'),
    });
    return { kind: 'finished' };
  }
  const presser = presserOf(attempt);
  if (attempt.state === 'queued') {
    const decision = await deps.gate({
      incidentId: attempt.incidentId,
      workspaceId: attempt.workspaceId,
      action: plan.kind,
      plan,
      presser,
      phase: 'execute',
      approved: attempt.approvalId !== null,
    });
    if (!decision.ok) {
      await deps.audit({
        ...auditBase(attempt, plan, presser),
        type: 'propose',
        outcome: decision.gate === 'shadow' ? 'shadow' : 'refused',
        message: `At execution (${decision.gate}): ${decision.userMessage}`,
      });
      await finish(deps, attempt, 'failed', {
        summary: `Refused before running (${decision.gate}): ${decision.userMessage}`,
        refusedBy: decision.gate,
      });
      return { kind: 'finished' };
    }
    if (!(await deps.remediations.transition(attempt.id, ['queued'], 'executing', deps.wallClock.now())))
      return { kind: 'finished' };
    // Recorded before any call: the log refuses it when the hourly rate limits were reached meanwhile.
    const limited = await deps.audit({
      ...auditBase(attempt, plan, presser),
      type: 'execute',
      calls: plan.calls.map((c) => ({ method: c.method, path: c.path, httpStatus: null })),
      outcome: 'started',
      message: `Running ${plan.title}`,
    });
    if (limited !== undefined) {
      await finish(deps, attempt, 'failed', {
        summary: `Refused before running (rate limit): ${limited}`,
        refusedBy: 'rate_limit',
      });
      return { kind: 'finished' };
    }
    await applyIncidentEvent(deps, attempt.incidentId, { type: 'mitigate', actor: ACTOR });
    const ordinal = await ordinalOf(deps, attempt);
    await deps.incidents.addTimelineEntry({
      incidentId: attempt.incidentId,
      at: deps.clock.now(),
      phase: 'REMEDIATE',
      summary:
        presser.autoHeal === true
          ? `Auto-healing: running "${plan.title}" (attempt ${ordinal} of ${deps.maxAttempts}), pressed by ${AUTO_HEAL_ACTOR} under remediation.auto_heal.`
          : `Running "${plan.title}" (attempt ${ordinal} of ${deps.maxAttempts}), pressed by ${presser.userId}.`,
      actor: presser.userId,
      data: { kind: 'remediation_started', attemptId: attempt.id, action: plan.kind },
      dedupKey: `remediation:${attempt.id}:started`,
    });
    await deps.notify(attempt.incidentId);
  }

  let verify: StoredVerify = readStoredVerify(attempt.verify) ?? plan.verify;
  const current = (await deps.remediations.get(attempt.id)) ?? attempt;
  for (const [index, call] of plan.calls.entries()) {
    const record = current.steps.find((s) => s.index === index);
    let response: unknown;
    if (record?.status === 'done') {
      response = record.response;
    } else {
      if (verify.target === 'pipeline_update' && isPipelineCall(call, 'updates')) {
        const guard = await pipelineUpdateGuard(api, verify);
        if (guard.kind === 'wait') return { kind: 'retry', delayMs: STOP_WAIT_MS, awaiting: 'stop' };
        if (guard.kind === 'found') {
          const found = { update_id: guard.updateId };
          await deps.remediations.recordCall(
            attempt.id,
            { index, method: call.method, path: call.path, status: 'done', httpStatus: 200, response: found },
            deps.wallClock.now(),
          );
          verify = { ...verify, updateId: guard.updateId };
          continue;
        }
      }
      // A repair after a call that ends its run (a job's pipeline update stopped) waits for the run to
      // end: Databricks refuses to repair a run still in progress, and the stop ends it asynchronously.
      // One already sent is reconciled instead: the run it repaired is going again.
      const afterStop = plan.calls.slice(0, index).some((c) => isPipelineCall(c, 'stop'));
      if (afterStop && record?.status !== 'sent' && (await runStillGoing(api, call)))
        return { kind: 'retry', delayMs: STOP_WAIT_MS, awaiting: 'stop' };
      const sent = await sendCall(deps, api, current, plan, index, call, record);
      if (sent.kind === 'retry') return sent;
      if (sent.kind === 'failed' || sent.kind === 'unknown') {
        await finish(deps, attempt, sent.kind, {
          summary: sent.summary,
          ...(sent.error ? { error: sent.error } : {}),
        });
        return { kind: 'finished' };
      }
      response = sent.kind === 'done' ? sent.response : undefined;
    }
    const answer = responseSchema.safeParse(response ?? {});
    const started = z.looseObject({ update_id: z.string() }).safeParse(response ?? {});
    if (started.success && verify.target === 'pipeline_update')
      verify = { ...verify, updateId: started.data.update_id };
    if (answer.success && verify.target === 'run') {
      if (answer.data.run_id !== undefined) verify = { ...verify, runId: answer.data.run_id };
      if (answer.data.repair_id !== undefined) verify = { ...verify, repairId: answer.data.repair_id };
    }
  }
  if (plan.notify !== undefined) {
    await deps.incidents.addTimelineEntry({
      incidentId: attempt.incidentId,
      at: deps.clock.now(),
      phase: 'REMEDIATE',
      summary: plan.notify.text,
      actor: presser.userId,
      data: { kind: 'owner_notified', attemptId: attempt.id, owner: plan.notify.owner },
      dedupKey: `remediation:${attempt.id}:notified`,
    });
  }
  await deps.remediations.transition(attempt.id, ['executing'], 'verifying', deps.wallClock.now(), {
    verify,
  });
  log.info({ action: plan.kind }, 'remediation executed; verifying');
  return { kind: 'verify', delayMs: plan.verify.target === 'none' ? 0 : FIRST_POLL_MS, poll: 0 };
}

type SendResult =
  | { kind: 'done'; response: unknown }
  | { kind: 'retry'; delayMs: number; awaiting: 'workspace' }
  | { kind: 'failed' | 'unknown'; summary: string; error?: string };

/**
 * One call through the ledger. A call recorded `sent` with no answer (a worker killed mid-call, or a
 * 5xx that may have acted) is sent again only when that cannot act twice: never for a destructive call,
 * whose unknown outcome is reported instead.
 */
async function sendCall(
  deps: RemediationRunnerDeps,
  api: DatabricksClient,
  attempt: RemediationAttempt,
  plan: RemediationPlan,
  index: number,
  call: PlannedCall,
  previous: CallRecord | undefined,
): Promise<SendResult> {
  const base = { index, method: call.method, path: call.path };
  const ambiguous = previous !== undefined && previous.status === 'sent';
  if (ambiguous) {
    const found = await reconcile(api, call);
    if (found !== undefined) {
      await deps.remediations.recordCall(
        attempt.id,
        { ...base, status: 'done', httpStatus: 200, response: found },
        deps.wallClock.now(),
      );
      return { kind: 'done', response: found };
    }
  }
  if (ambiguous && !repeatable(call, plan)) {
    return {
      kind: 'unknown',
      summary: `"${plan.title}" may or may not have happened: ${call.method} ${call.path} got no clear answer, and a destructive call is never sent twice. Check the state by hand (see the runbook).`,
    };
  }
  await deps.remediations.recordCall(attempt.id, { ...base, status: 'sent' }, deps.wallClock.now());
  try {
    const response = await api.transport.request(
      { method: call.method, path: call.path, body: call.body ?? {}, idempotent: convergent(call, plan) },
      z.unknown(),
    );
    await deps.remediations.recordCall(
      attempt.id,
      { ...base, status: 'done', httpStatus: 200, response: compact(response) },
      deps.wallClock.now(),
    );
    return { kind: 'done', response };
  } catch (error) {
    if (!(error instanceof DatabricksApiError)) throw error;
    // 429 and 503 mean the workspace did not act: the call is simply sent again later.
    if (error.status === 429 || error.status === 503) {
      await deps.remediations.recordCall(
        attempt.id,
        { ...base, status: 'error', httpStatus: error.status, error: error.message.slice(0, 500) },
        deps.wallClock.now(),
      );
      return { kind: 'retry', delayMs: error.retryAfterMs ?? 5_000, awaiting: 'workspace' };
    }
    // 5xx, a reset or a timeout may have acted: the ledger keeps `sent`, so the retry reconciles.
    if (error.status >= 500 || error.status === 0) {
      if (!repeatable(call, plan)) {
        return {
          kind: 'unknown',
          summary: `"${plan.title}" may or may not have happened: ${call.method} ${call.path} answered ${error.status || 'nothing'}, and a destructive call is never sent twice. Check the state by hand (see the runbook).`,
          error: error.message,
        };
      }
      return { kind: 'retry', delayMs: 5_000, awaiting: 'workspace' };
    }
    await deps.remediations.recordCall(
      attempt.id,
      { ...base, status: 'error', httpStatus: error.status, error: error.message.slice(0, 500) },
      deps.wallClock.now(),
    );
    return {
      kind: 'failed',
      summary: `"${plan.title}" was refused by Databricks: ${error.message.slice(0, 400)}`,
      error: error.message,
    };
  }
}

/**
 * Whether a call sent without a clear answer took effect, read from the workspace: a repair shows in
 * the run's repair history as a repair newer than the one the call named. Undefined: not known to have
 * happened (the caller then resends what cannot act twice, and reports the rest).
 */
async function reconcile(api: DatabricksClient, call: PlannedCall): Promise<unknown> {
  const repair = repairCallOf(call);
  if (repair?.runId === undefined) return undefined;
  const run = await api.jobs.getRun(repair.runId, { include_history: true });
  const newest = latestRepairOf(run);
  if (newest === undefined || newest === repair.latestRepairId) return undefined;
  return { repair_id: newest };
}

/** Answers kept in the ledger are small: ids and states, not whole settings. */
function compact(response: unknown): unknown {
  const text = JSON.stringify(response ?? {});
  return text.length <= 2_000 ? response : { truncated: true };
}

async function ledgerOf(deps: RemediationRunnerDeps, id: string) {
  const steps = (await deps.remediations.get(id))?.steps ?? [];
  return steps.map((s) => ({ method: s.method, path: s.path, httpStatus: s.httpStatus ?? null }));
}

function auditBase(attempt: RemediationAttempt, plan: RemediationPlan, presser: Presser) {
  return {
    attemptId: attempt.id,
    attempt: attempt.attempt,
    incidentId: attempt.incidentId,
    workspaceId: attempt.workspaceId,
    action: plan.kind,
    plan,
    presser,
  };
}

async function applyIncidentEvent(deps: RemediationRunnerDeps, incidentId: string, event: IncidentEvent) {
  const result = await deps.incidents.applyEvent(incidentId, event, deps.clock.now());
  // `unchanged` and `invalid_transition` (resolved by a person meanwhile) leave the incident as people set it.
  if (!result.ok && result.reason !== 'unchanged' && result.reason !== 'invalid_transition')
    deps.logger.warn({ incidentId, reason: result.reason }, 'incident event after a remediation not applied');
}

/**
 * One verification poll. Pending: poll again later, with backoff. Terminal: the attempt records the
 * outcome, the card on every surface says it (recovered: resolved; failed again: the new error and its
 * classification), and the third failure escalates with every error and fix tried.
 */
export async function verifyAttempt(
  deps: RemediationRunnerDeps,
  attemptId: string,
  poll: number,
): Promise<RunnerStep> {
  const attempt = await deps.remediations.get(attemptId);
  if (attempt === undefined || attempt.state !== 'verifying') return { kind: 'finished' };
  const plan = readStoredPlan(attempt.plan);
  const verify = readStoredVerify(attempt.verify);
  if (plan === undefined || verify === undefined) {
    await finish(deps, attempt, 'unknown', { summary: 'The stored verification could not be read.' });
    return { kind: 'finished' };
  }
  const api = deps.databricks(attempt.workspaceId);
  if (api === undefined) {
    await finish(deps, attempt, 'unknown', { summary: notWatched(attempt, 'check it by hand') });
    return { kind: 'finished' };
  }
  let outcome: Awaited<ReturnType<typeof checkOutcome>>;
  try {
    outcome = await checkOutcome(api, verify, plan);
  } catch (error) {
    if (error instanceof DatabricksApiError && error.transient)
      return { kind: 'verify', delayMs: pollDelayMs(poll + 1), poll: poll + 1 };
    throw error;
  }
  if (outcome.state === 'pending') {
    if (deps.wallClock.now() - attempt.updatedAt > (deps.maxVerifyMs ?? DEFAULT_MAX_VERIFY_MS)) {
      await finish(deps, attempt, 'unknown', {
        summary: `"${plan.title}" was sent, but ${outcome.summary} after the verification budget ran out; check it by hand.`,
      });
      return { kind: 'finished' };
    }
    return { kind: 'verify', delayMs: pollDelayMs(poll + 1), poll: poll + 1 };
  }
  const { state, ...rest } = outcome;
  await finish(deps, attempt, state, rest);
  return { kind: 'finished' };
}

const STATE_WORDS: Record<
  Exclude<AttemptState, 'awaiting_approval' | 'queued' | 'executing' | 'verifying'>,
  string
> = {
  recovered: 'Verified: recovered',
  applied: 'Verified: applied',
  failed: 'Failed again',
  unknown: 'Outcome unknown',
};

/**
 * Ends an attempt the queue gave up waiting on (`why` says on what), so its card and thread say so
 * instead of showing it running for ever: `unknown` when a call may have acted, else `failed`.
 */
export async function abandonAttempt(
  deps: RemediationRunnerDeps,
  attemptId: string,
  why: string,
): Promise<void> {
  const attempt = await deps.remediations.get(attemptId);
  if (attempt === undefined || (attempt.state !== 'queued' && attempt.state !== 'executing')) return;
  const title = readStoredPlan(attempt.plan)?.title ?? attempt.action;
  const acted = attempt.steps.some((step) => step.status !== 'error');
  await finish(deps, attempt, acted ? 'unknown' : 'failed', {
    summary: acted
      ? `"${title}" was left part-way: ${why}. Calls already sent may have acted; check the state by hand (see the runbook) before pressing again.`
      : `"${title}" was not run: ${why}, and nothing was sent. Press again once the workspace answers.`,
  });
}

/** Why an attempt of a workspace removed from `workspaces` stops: its calls never go to another one. */
function notWatched(attempt: RemediationAttempt, then: string): string {
  return `Workspace ${attempt.workspaceId} is no longer watched by this deployment, so I cannot reach it: ${then}.`;
}

/** Records the end of an attempt on the attempt, the incident's timeline and state, and every card. */
async function finish(
  deps: RemediationRunnerDeps,
  attempt: RemediationAttempt,
  state: 'recovered' | 'applied' | 'failed' | 'unknown',
  outcome: AttemptOutcome,
): Promise<void> {
  const moved = await deps.remediations.transition(
    attempt.id,
    ['queued', 'executing', 'verifying'],
    state,
    deps.wallClock.now(),
    { outcome },
  );
  if (!moved) return;
  const plan = readStoredPlan(attempt.plan);
  if (plan !== undefined) {
    await deps.audit({
      ...auditBase(attempt, plan, presserOf(attempt)),
      type: 'verify',
      calls: await ledgerOf(deps, attempt.id),
      outcome: state,
      message: outcome.summary,
      ...(outcome.category === undefined ? {} : { classification: outcome.category }),
    });
  }
  const label = REMEDIATION_INFO[attempt.action as keyof typeof REMEDIATION_INFO]?.label ?? attempt.action;
  const classified = outcome.category === undefined ? '' : ` (classified: ${outcome.category})`;
  await deps.incidents.addTimelineEntry({
    incidentId: attempt.incidentId,
    at: deps.clock.now(),
    phase: 'VERIFY',
    summary: `${STATE_WORDS[state]}${presserOf(attempt).autoHeal === true ? ' (auto-healed by dbxops)' : ''} — ${label}, attempt ${attempt.attempt}: ${outcome.summary}${classified}`,
    actor: ACTOR,
    data: {
      kind: 'remediation_outcome',
      attemptId: attempt.id,
      action: attempt.action,
      state,
      ...(outcome.error === undefined ? {} : { error: outcome.error.slice(0, 2_000) }),
      ...(outcome.category === undefined ? {} : { category: outcome.category }),
    },
    dedupKey: `remediation:${attempt.id}:outcome`,
  });
  if (state === 'recovered') {
    await applyIncidentEvent(deps, attempt.incidentId, { type: 'resolve', actor: ACTOR });
    const incident = await deps.incidents.get(attempt.incidentId);
    if (incident !== undefined)
      await deps.fixes?.recordUnlessRecorded({
        incidentId: incident.id,
        workspaceId: incident.workspaceId,
        fingerprint: incident.fingerprint,
        action: attempt.action,
        text: label,
        recordedBy: `${ACTOR} (verified)`,
        recordedAt: deps.clock.now(),
      });
  } else {
    await applyIncidentEvent(deps, attempt.incidentId, { type: 'unmitigate', actor: ACTOR });
    if (
      state === 'failed' &&
      outcome.refusedBy === undefined &&
      (await ordinalOf(deps, attempt)) >= deps.maxAttempts
    )
      await escalate(deps, attempt.incidentId);
  }
  await deps.notify(attempt.incidentId);
}

/**
 * Which of the incident's tries this attempt is (1-based): attempts the gates stopped before any call
 * (the kill switch, a blackout) are not counted, as they do not use up one of the `maxAttempts`.
 */
async function ordinalOf(deps: RemediationRunnerDeps, attempt: RemediationAttempt): Promise<number> {
  const earlier = await deps.remediations.listForIncident(attempt.incidentId);
  return earlier.filter((a) => a.attempt < attempt.attempt && usesAnAttempt(a)).length + 1;
}

/** After the last attempt failed: one entry with every fix tried and every error, and a page. */
async function escalate(deps: RemediationRunnerDeps, incidentId: string): Promise<void> {
  // Attempts the gates stopped before any call were not tries: they are not among the fixes tried.
  const attempts = (await deps.remediations.listForIncident(incidentId)).filter(usesAnAttempt);
  const tried = attempts.map((a) => {
    const label = REMEDIATION_INFO[a.action as keyof typeof REMEDIATION_INFO]?.label ?? a.action;
    const error = a.outcome?.error ?? a.outcome?.summary ?? a.state;
    const cat = a.outcome?.category === undefined ? '' : ` [${a.outcome.category}]`;
    const run = a.outcome?.runId === undefined ? '' : ` (run ${a.outcome.runId})`;
    return `${a.attempt}. ${label}${run}: ${error.slice(0, 300)}${cat}`;
  });
  const categories = attempts.map((a) => a.outcome?.category).filter((c) => c !== undefined);
  const hypothesis =
    categories.length > 0 && categories.every((c) => c === categories[0])
      ? `every attempt failed as ${categories[0]}: the cause is not something a retry or a bigger cluster fixes; the owner must change code, data or grants.`
      : 'the attempts failed differently: the root cause is unclear and needs a person.';
  await deps.incidents.addTimelineEntry({
    incidentId,
    at: deps.clock.now(),
    phase: 'VERIFY',
    summary: [
      `Escalating after ${attempts.length} attempts. Fixes tried and errors:`,
      ...tried,
      `Hypothesis: ${hypothesis}`,
    ].join('\n'),
    actor: ACTOR,
    data: { kind: ESCALATION_ENTRY_KIND, reason: 'remediation_attempts_exhausted' },
    dedupKey: `remediation:${incidentId}:escalated`,
  });
  await applyIncidentEvent(deps, incidentId, { type: 'escalate', actor: ACTOR });
}
