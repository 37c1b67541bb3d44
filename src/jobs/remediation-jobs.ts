import {
  abandonAttempt,
  executeAttempt,
  type RemediationRunnerDeps,
  type RunnerStep,
  STOP_WAIT_MS,
  verifyAttempt,
} from '../agents/remediation/run-remediation.js';
import type { RemediationRepository } from '../store/remediation-repository.js';
import type { Dispatcher, Processors } from './dispatcher.js';

/**
 * Remediation work: execute a pressed plan, then poll its outcome, keyed by attempt so each runs once;
 * and auto-heal's look at a new incident, keyed by incident.
 */
export type RemediationPayloads = {
  /** `retry` counts tries after throttling or an ambiguous answer, `waited` looks at a stop still ending. */
  remediate: { attemptId: string; retry?: number; waited?: number };
  verify: { attemptId: string; poll: number };
  auto_heal: { incidentId: string };
};

export const REMEDIATION_QUEUES = ['remediate', 'verify', 'auto_heal'] as const;

/** The poll number a run-ended check carries: its follow-up, if any, waits the longest backoff. */
const ENDED_POLL = 100;

/** Throttled or ambiguous calls are tried again this many times before the attempt is left for a person. */
const MAX_EXECUTE_RETRIES = 8;

/**
 * Looks at a stopped pipeline update, or the job run it belonged to, before the attempt gives up on it
 * ending (with the runner's 15 s between looks, ten minutes: a job run's other tasks may still be finishing).
 */
const MAX_STOP_WAITS = 40;

/**
 * The processors of the remediation queues. Every job is keyed (`attempt`, `attempt:retry:n`,
 * `attempt:verify:n`): a double click, a replayed request or a redelivered job lands on a job that
 * exists already, and the runner's state checks make a job that does run twice do nothing the second
 * time.
 */
export function createRemediationProcessors(
  deps: RemediationRunnerDeps,
  dispatcher: () => Dispatcher<RemediationPayloads>,
  /** Auto-heal's look at a new incident (`autoHeal`); it claims the incident itself, so a redelivery is harmless. */
  autoHeal: (incidentId: string) => Promise<unknown>,
): Processors<RemediationPayloads> {
  const next = async (attemptId: string, step: RunnerStep, retry = 0, waited = 0) => {
    switch (step.kind) {
      case 'verify':
        await dispatcher().dispatch(
          'verify',
          { attemptId, poll: step.poll },
          { key: `${attemptId}:verify:${step.poll}`, delayMs: step.delayMs },
        );
        return;
      case 'retry': {
        const stop = step.awaiting === 'stop';
        if (stop ? waited >= MAX_STOP_WAITS : retry >= MAX_EXECUTE_RETRIES) {
          deps.logger.warn(
            { attemptId, awaiting: step.awaiting },
            'remediation gave up waiting; left for a person',
          );
          await abandonAttempt(
            deps,
            attemptId,
            stop
              ? `what it stopped had not ended after ${Math.round((MAX_STOP_WAITS * STOP_WAIT_MS) / 60_000)} minutes, so the calls after the stop were not sent`
              : `Databricks still answered busy or with a server error after ${MAX_EXECUTE_RETRIES + 1} tries`,
          );
          return;
        }
        const [nextRetry, nextWaited] = stop ? [retry, waited + 1] : [retry + 1, waited];
        await dispatcher().dispatch(
          'remediate',
          { attemptId, retry: nextRetry, waited: nextWaited },
          {
            key: `${attemptId}:${stop ? `wait:${nextWaited}` : `retry:${nextRetry}`}`,
            delayMs: step.delayMs,
          },
        );
        return;
      }
      case 'finished':
        return;
    }
  };
  return {
    remediate: async ({ attemptId, retry, waited }) =>
      next(attemptId, await executeAttempt(deps, attemptId), retry, waited),
    verify: async ({ attemptId, poll }) => next(attemptId, await verifyAttempt(deps, attemptId, poll)),
    auto_heal: async ({ incidentId }) => {
      await autoHeal(incidentId);
    },
  };
}

/**
 * Runs ended (a webhook or the runs poll said so): the attempts verifying them poll now rather than at
 * their next backoff step, up to a minute later. Once per attempt; the backoff chain stays the fallback
 * when no notification comes (webhooks off, a notification lost).
 */
export async function verifyEndedRuns(
  dispatcher: Dispatcher<RemediationPayloads>,
  remediations: Pick<RemediationRepository, 'listVerifyingRuns'>,
  runIds: readonly string[],
  /** With several workspaces, the one whose runs ended: run ids are unique only within a workspace. */
  workspaceId?: string,
): Promise<void> {
  const ids = runIds.filter((id) => /^\d{1,16}$/.test(id)).map(Number);
  for (const attempt of await remediations.listVerifyingRuns(ids)) {
    if (workspaceId !== undefined && attempt.workspaceId !== workspaceId) continue;
    // A high poll number: were the run not yet terminal, the next poll backs off at most (no new chain).
    await dispatcher.dispatch(
      'verify',
      { attemptId: attempt.id, poll: ENDED_POLL },
      { key: `${attempt.id}:verify:ended` },
    );
  }
}

/** Queues auto-heal's look at a newly opened incident, once per incident. */
export function queueAutoHeal(
  dispatcher: Dispatcher<RemediationPayloads>,
  incidentId: string,
): Promise<void> {
  return dispatcher.dispatch('auto_heal', { incidentId }, { key: `auto-heal:${incidentId}` });
}

/** Queues the execution of a claimed attempt (the handler calls this after the press was recorded). */
export function queueAttempt(dispatcher: Dispatcher<RemediationPayloads>, attemptId: string): Promise<void> {
  return dispatcher.dispatch('remediate', { attemptId }, { key: attemptId });
}
