import { preferLastFix } from '../agents/remediation/last-fix.js';
import { readStoredVerify } from '../agents/remediation/stored-plan.js';
import { suggestRemediations } from '../agents/remediation/suggest-remediations.js';
import { encodeButtonValue } from '../cards/button-value.js';
import type { ChatResponse } from '../handlers/chat-request.js';
import type { SimWorkspace } from '../sim/engine/sim-workspace.js';
import type { RespondedIncident } from '../sim/eval/score-remediation.js';
import type { RemediationAttempt } from '../store/remediation-repository.js';
import type { BotApp } from './bot-app.js';

/** The console users the simulated responder and its second person press as. */
export const RESPONDER_USER = 'eval-responder';
export const APPROVER_USER = 'eval-approver';

interface ResponderOptions {
  readonly app: Pick<BotApp, 'handler' | 'repos'>;
  /** Simulated ms after an incident opens before its first suggested remediation is pressed. */
  readonly delayMs: number;
  /** Whether a second person is there to approve gated presses (the scenario has one). */
  readonly approver: boolean;
}

/**
 * When the run an attempt started or repaired ended in the workspace, if it acted on a run: read from
 * the simulator, so each response shows how long verification took to notice.
 */
export type RunEndedAt = (attempt: RemediationAttempt) => number | undefined;

/** What the responder did about one incident, as `dbxops eval --json` lists it under `responses`. */
interface Response {
  readonly suggested: readonly string[];
  readonly pressedAt: number;
  /** The handler's refusal of the press or of the approval, when there was one. */
  refused?: string;
  approved?: boolean;
}

export interface SimulatedResponder {
  /** Hears that the pipeline opened an incident, so a step looks at open incidents only when one may be due. */
  opened(incidentId: string): void;
  /** One replay step: presses what is due at `now`. Call it after the step's work has drained. */
  step(now: number): Promise<void>;
  /** Each incident the responder acted on, with the first attempt's outcome read from the store. */
  responses(runEndedAt?: RunEndedAt): Promise<RespondedIncident[]>;
}

/**
 * The evaluation's on-call engineer (issue 13): `delayMs` after an incident opens, they press the first
 * remediation its card offers (the suggestions, with what fixed the last incident like it first), through the same button, handler, guardrails and queues a person's press goes
 * through. When the press is gated (four eyes), a second person approves it at once through the Approve
 * button, so the approval is checked like any other (another Databricks principal, their own rights,
 * the single-use token). They press once per incident: what happens next is the remediation's doing.
 */
export function createSimulatedResponder(options: ResponderOptions): SimulatedResponder {
  const { app, delayMs } = options;
  const responded = new Map<string, Response>();
  /** Incidents heard opening and not responded to yet, by the earliest step they can be due at. */
  const awaiting = new Map<string, number>();
  // An incident opens after the previous step (at the latest in this one): due no earlier than that.
  let previousStep = Number.NEGATIVE_INFINITY;

  const press = (
    incident: { id: string; version: number },
    remediationId: string,
    userId: string,
    now: number,
    token?: string,
  ) => {
    const action = token === undefined ? 'run_plan' : 'approve_plan';
    return app.handler({
      kind: 'button',
      actor: { surface: 'console', userId },
      conversation: { surface: 'console', channelId: 'incidents' },
      requestId: `eval-${action}-${incident.id}`,
      receivedAt: now,
      actionId: `dbx:${action}`,
      value: encodeButtonValue({
        kind: 'plan',
        action,
        incidentId: incident.id,
        version: incident.version,
        remediationId,
        ...(token === undefined ? {} : { token }),
      }),
    });
  };

  return {
    opened(incidentId) {
      if (!responded.has(incidentId) && !awaiting.has(incidentId))
        awaiting.set(incidentId, previousStep + delayMs);
    },

    async step(now) {
      previousStep = now;
      if (![...awaiting.values()].some((earliest) => now >= earliest)) return;
      for (const incident of await app.repos.incidents.listOpen({ limit: 10_000 })) {
        if (responded.has(incident.id) || now < incident.openedAt + delayMs) continue;
        awaiting.delete(incident.id);
        const signals = await app.repos.incidents.listSignals(incident.id);
        const root = signals.find((x) => x.id === incident.rootCauseSignalId) ?? signals[0];
        // In the card's order: what fixed the last incident like this one first, when it is offered.
        const lastFix = await app.repos.fixes.lastFor(
          incident.workspaceId,
          incident.fingerprint,
          incident.id,
        );
        const suggested = preferLastFix(suggestRemediations(root), lastFix?.action);
        const response: Response = { suggested, pressedAt: now };
        responded.set(incident.id, response);
        const first = suggested[0];
        if (first === undefined) continue;
        const pressed = await press(incident, first, RESPONDER_USER, now);
        if (!pressed.ok) {
          response.refused = pressed.userMessage;
          continue;
        }
        const token = approvalTokenOf(pressed);
        if (token === undefined) {
          // A plan that cannot be drawn (the run is still going, the cluster is not running) is a
          // warning to the presser, not a failed request.
          const warning = pressed.replies.find((r) => r.card.kind === 'message' && r.card.tone === 'warning');
          if (warning?.card.kind === 'message') response.refused = warning.card.text;
          continue;
        }
        if (!options.approver) continue;
        const approved = await press(incident, first, APPROVER_USER, now, token);
        response.approved = approved.ok;
        if (!approved.ok) response.refused = approved.userMessage;
      }
    },

    async responses(runEndedAt) {
      const out: RespondedIncident[] = [];
      for (const [incidentId, r] of responded) {
        const [first] = await app.repos.remediations.listForIncident(incidentId);
        const incident = await app.repos.incidents.get(incidentId);
        const openedAt = incident?.openedAt ?? r.pressedAt;
        const times = first === undefined ? {} : await attemptTimes(app, incidentId, first.id);
        const after = (at: number | undefined) => (at === undefined ? null : at - openedAt);
        const runEnded = first === undefined ? undefined : runEndedAt?.(first);
        out.push({
          incidentId,
          suggested: r.suggested,
          firstOutcome: first?.state ?? null,
          // When verification recorded the recovery: a problem that comes back later and reopens the
          // incident does not undo it (the return is a new failure, judged as one).
          recoveredAfterMs: first?.state === 'recovered' ? after(times.verifiedAt) : null,
          pressedAfterMs: incident === undefined ? null : r.pressedAt - incident.openedAt,
          executedAfterMs: after(times.executedAt),
          runEndedAfterMs: after(runEnded),
          ...(r.approved === undefined ? {} : { approved: r.approved }),
          ...(r.refused === undefined ? {} : { refused: r.refused.slice(0, 300) }),
        });
      }
      return out;
    },
  };
}

/**
 * `RunEndedAt` read from the simulator: the end of the repair the attempt sent (its `repair_id`), or of
 * the run it started; undefined while that run goes on or when the attempt acted on no run.
 */
export function runEndedIn(ws: Pick<SimWorkspace, 'getRun'>): RunEndedAt {
  return (attempt) => {
    const verify = readStoredVerify(attempt.verify);
    if (verify?.target !== 'run' || verify.runId === undefined) return undefined;
    let run: ReturnType<typeof ws.getRun>;
    try {
      run = ws.getRun(verify.runId);
    } catch {
      return undefined;
    }
    if (verify.repairId === undefined) return run.endTime;
    return run.repairs.find((r) => r.id === verify.repairId)?.end_time;
  };
}

/**
 * When an attempt's calls started going out and when verification recorded its outcome, on the workspace
 * clock, from the incident's timeline (the runner's `remediation_started` and `remediation_outcome`).
 */
async function attemptTimes(
  app: Pick<BotApp, 'repos'>,
  incidentId: string,
  attemptId: string,
): Promise<{ executedAt?: number; verifiedAt?: number }> {
  const times: { executedAt?: number; verifiedAt?: number } = {};
  for (const entry of await app.repos.incidents.timeline(incidentId)) {
    if (entry.data.attemptId !== attemptId) continue;
    if (entry.data.kind === 'remediation_started') times.executedAt ??= entry.at;
    if (entry.data.kind === 'remediation_outcome') times.verifiedAt ??= entry.at;
  }
  return times;
}

/** The approval token on an "awaiting approval" plan card among the replies, if the press was gated. */
function approvalTokenOf(response: Extract<ChatResponse, { ok: true }>): string | undefined {
  for (const r of response.replies) {
    if (r.card.kind === 'plan' && r.card.approvalToken !== undefined) return r.card.approvalToken;
  }
  return undefined;
}

/**
 * The second person for four eyes: another member of the workspace's built-in `admins` group than the
 * scenario's operator (in the demo, Frank next to Erin). None when the scenario has no such person, and
 * then gated presses stay awaiting approval and count as not recovered.
 */
export function secondAdmin(scenario: {
  readonly operator?: string | undefined;
  readonly groups: readonly { readonly name: string; readonly members: readonly string[] }[];
}): string | undefined {
  const admins = scenario.groups.find((g) => g.name === 'admins')?.members ?? [];
  return admins.find((m) => m !== scenario.operator);
}
