import { createHash } from 'node:crypto';
import type { Logger } from '../config/logger.js';
import { readPlanContext } from '../agents/remediation/plan-context.js';
import { readStoredPlan } from '../agents/remediation/stored-plan.js';
import {
  type PlanRefusal,
  planRemediation,
  type RemediationContext,
} from '../agents/remediation/plan-remediation.js';
import type {
  ApproveInput,
  PressInput,
  PressRefusal,
  Pressed,
} from '../agents/remediation/press-remediation.js';
import type { RemediationAttempt } from '../store/remediation-repository.js';
import {
  REMEDIATION_INFO,
  type RemediationKind,
  remediationKindSchema,
} from '../agents/remediation/remediation-kind.js';
import type { Analyst } from '../agents/analyst/analyst.js';
import { ASK_ACTION_PREFIX, decodeAskValue } from '../cards/ask-button.js';
import { type ButtonPayload, decodeButtonValue } from '../cards/button-value.js';
import type { CardViewInput, IncidentCardView } from '../cards/card-views.js';
import { type Policy, workspaceEntry } from '../config/policy.js';
import { type Clock, systemClock } from '../domain/clock.js';
import type { Incident, IncidentEvent, TimelineEntry } from '../domain/incident.js';
import type { Result } from '../domain/result.js';
import type { Severity } from '../domain/severity.js';
import type { Signal } from '../domain/signal.js';
import type { CardPostRepository } from '../store/card-post-repository.js';
import type { IncidentExplanationRepository } from '../store/incident-explanation-repository.js';
import type { IncidentRepository } from '../store/incident-repository.js';
import type { ProcessedKeyRepository } from '../store/processed-key-repository.js';
import { FORBIDDEN_MESSAGE, isResponder } from './access.js';
import { answerCardView } from './answer-card-view.js';
import type { Actor, ChatHandler, ChatRequest, ChatResponse, MessageRef, Reply } from './chat-request.js';
import { HELP_TEXT, questionHint } from './help-text.js';
import { homeIncident, incidentCardView } from './incident-card-view.js';
import { commandActionOf, decodeCommandValue } from '../cards/command-button.js';
import type { CostChart } from '../cards/cost-chart.js';
import type { CostAnalyst } from '../agents/analyst/cost-report.js';
import { costCommand } from './cost-command.js';
import { type ParsedCommand, parseCommand, takeWorkspaceWord, workspaceWord } from './parse-command.js';
import { oneLine } from '../domain/text.js';
import { jobStatusReply } from './job-status-reply.js';
import type { JobStatus, JobStatusRefusal } from '../agents/status/job-status.js';
import { suggestRemediations } from '../agents/remediation/suggest-remediations.js';
import { mayLiftKillSwitch } from '../agents/remediation/guardrails.js';
import type { RecordFixRefusal } from '../agents/remediation/record-fix.js';
import type { IncidentFix, FixRecordOutcome } from '../store/incident-fix-repository.js';
import { MAX_FIX_CHARS } from './input-limits.js';

export interface ChatHandlerDeps {
  readonly incidents: IncidentRepository;
  /** Which incident a pressed card belongs to: a button is applied to its own card's incident only. */
  readonly cardPosts: Pick<CardPostRepository, 'incidentsOfMessage'>;
  /**
   * Hands a changed incident to the notifier (the `notify` queue), which brings every copy of its card
   * on every surface up to date and posts the new timeline entries in their threads. Resolves once the
   * work is queued; a failure fails the request, so its retry is handled again.
   */
  readonly notify: (incidentId: string) => Promise<void>;
  readonly processedKeys: ProcessedKeyRepository;
  /** The workspace's clock (simulated in the embedded mode): timeline entries, snoozes, SLA countdowns. */
  readonly clock: Clock;
  /** The wall clock: when a delivery was first seen, for idempotency (default the system clock). */
  readonly wallClock?: Clock;
  readonly policy: Policy;
  /**
   * `/dbx status <job>`: the job's status read from the workspace (`lookUpJobStatus` in
   * `src/agents/status/job-status.ts`), in the workspace of that id when a `workspace:` word named one.
   * Without it the command says no workspace is connected.
   */
  readonly jobStatus?:
    | ((query: string, workspaceId?: string) => Promise<Result<JobStatus, JobStatusRefusal>>)
    | undefined;
  /**
   * What a dry-run plan is built from, with current settings read from the workspace (`readPlanContext`
   * in `src/agents/remediation/plan-context.ts`). Without it a plan gets the root signal's ids alone.
   */
  readonly planContext?:
    | ((kind: RemediationKind, incident: Incident, signal: Signal | undefined) => Promise<RemediationContext>)
    | undefined;
  readonly logger: Logger;
  /** The person's team for the Home tab; undefined shows every team's open incidents. */
  readonly teamOf?: ((actor: Actor) => string | undefined) | undefined;
  /** The console page of an incident, for "see more" links. */
  readonly detailsUrl?: ((incidentId: string) => string | null) | undefined;
  /**
   * What to call an incident's workspace in lists, given only when several workspaces are watched: each
   * listed incident then says which one it is in.
   */
  readonly workspaceName?: ((workspaceId: string) => string) | undefined;
  /** Reads the billing tables (`/dbx cost`); without it the command says it cannot. */
  readonly cost?: CostAnalyst | undefined;
  /** Where dbxops serves a cost chart (a signed URL), for Teams and the console. */
  readonly chartUrl?: ((chart: CostChart) => string | null) | undefined;
  /** The model's drafted explanations, shown on incident cards once drafted (none without a model). */
  readonly explanations?: Pick<IncidentExplanationRepository, 'get'> | undefined;
  /** Answers questions from the system tables; without it a question gets a pointer to /dbx help. */
  readonly analyst?: Analyst | undefined;
  /**
   * The workspaces `/dbx cost`, `/dbx ask` and questions may name with `workspace:<name>` (a `workspaces`
   * name or id, any case), each with its own billing and analyst; the first answers when none is named.
   * With more than one, every answer says which it came from. Absent: `cost` and `analyst` alone.
   */
  readonly workspaces?: readonly AskableWorkspace[] | undefined;
  /**
   * Runs a plan a person pressed Run on (see `press-remediation.ts`): checked, recorded under its
   * idempotency key and queued. Without it a Run press is answered as unavailable.
   */
  readonly press?: ((input: PressInput) => Promise<Result<Pressed, PressRefusal>>) | undefined;
  /** A second person approves a gated plan (four eyes, see `approveRemediation`). */
  readonly approve?: ((input: ApproveInput) => Promise<Result<RemediationAttempt, PressRefusal>>) | undefined;
  /**
   * What fixed the last incident of the same fingerprint (`IncidentFixRepository.lastFor`): the card
   * shows it first, and puts its action first among the suggestions.
   */
  readonly lastFix?:
    | ((
        workspaceId: string,
        fingerprint: string,
        exceptIncidentId: string,
      ) => Promise<IncidentFix | undefined>)
    | undefined;
  /** Records what fixed a resolved incident (`recordFix` in `src/agents/remediation/record-fix.ts`). */
  readonly recordFix?:
    | ((input: {
        incidentId: string;
        fix: string;
        by: { surface: Actor['surface']; userId: string; name: string };
        maxChars: number;
      }) => Promise<Result<{ outcome: FixRecordOutcome; fix: IncidentFix }, RecordFixRefusal>>)
    | undefined;
  /** The live remediation kill switch (`src/agents/remediation/kill-switch.ts`). */
  readonly killSwitch?:
    | {
        set(on: boolean, actor: Actor, reason: string): Promise<{ changed: boolean; message: string }>;
        describe(): Promise<string>;
      }
    | undefined;
}

const SNOOZE_MS = 60 * 60 * 1000;
const IDEMPOTENCY_SCOPE = 'chat-request';
const LIST_LIMIT = 20;

const message = (
  text: string,
  tone: 'info' | 'success' | 'warning' | 'error' = 'info',
  title: string | null = null,
  fields: { label: string; value: string }[] = [],
): CardViewInput => ({ kind: 'message', tone, title, text, fields });

const toRequester = (card: CardViewInput): Reply => ({ audience: 'requester', card });
const done = (replies: Reply[]): ChatResponse => ({ ok: true, replies });
const fail = (reason: Extract<ChatResponse, { ok: false }>['reason'], userMessage: string): ChatResponse => ({
  ok: false,
  reason,
  userMessage,
});

/** The person who pressed, as the remediation gates see them. */
const presserOf = (actor: Actor) => ({
  surface: actor.surface,
  userId: actor.userId,
  ...(actor.displayName === undefined ? {} : { displayName: actor.displayName }),
  ...(actor.email === undefined ? {} : { email: actor.email }),
  ...(actor.emailVerified === undefined ? {} : { emailVerified: actor.emailVerified }),
});

/** The name a card and the timeline show for a person. */
const who = (actor: Actor) => actor.displayName ?? actor.userId;

/** What a caller of `loadIncidentCard` may already have read (the same incident, just now). */
export interface KnownIncident {
  readonly incident?: Incident;
  readonly timeline?: readonly TimelineEntry[];
}

/**
 * Loads an incident as a card view (timeline, root signal, suggested remediations), or undefined when it
 * does not exist: what the notifier renders, and what Teams answers a card action with.
 */
export async function loadIncidentCard(
  deps: Pick<ChatHandlerDeps, 'incidents' | 'clock' | 'policy' | 'detailsUrl' | 'explanations' | 'lastFix'>,
  incidentId: string,
  known: KnownIncident = {},
): Promise<IncidentCardView | undefined> {
  const incident = known.incident ?? (await deps.incidents.get(incidentId));
  if (incident === undefined) return undefined;
  const [timeline, rootSignal, explanation, lastFix] = await Promise.all([
    known.timeline ?? deps.incidents.timeline(incidentId),
    rootSignalOf(deps.incidents, incident),
    deps.explanations?.get(incidentId),
    deps.lastFix?.(incident.workspaceId, incident.fingerprint, incident.id),
  ]);
  const workspace = workspaceEntry(deps.policy, incident.workspaceId);
  return incidentCardView(incident, {
    timeline,
    rootSignal,
    workspaceName: workspace?.name,
    workspaceUrl: workspace?.host ?? null,
    detailsUrl: deps.detailsUrl?.(incidentId) ?? null,
    nowMs: deps.clock.now(),
    explanation,
    lastFix,
  });
}

async function rootSignalOf(incidents: IncidentRepository, incident: Incident): Promise<Signal | undefined> {
  const signals = await incidents.listSignals(incident.id);
  return signals.find((s) => s.id === incident.rootCauseSignalId) ?? signals[0];
}

/** A workspace `/dbx cost` and questions can read (see `ChatHandlerDeps.workspaces`). */
export interface AskableWorkspace {
  readonly id: string;
  /** What answers call it: its `workspaces` name, else its id. */
  readonly name: string;
  readonly cost?: CostAnalyst | undefined;
  readonly analyst?: Analyst | undefined;
}

/** Names in a refusal: a few, each cut short, so a long `workspaces` list still fits in a message. */
function listedNames(workspaces: readonly AskableWorkspace[]): string {
  const shown = workspaces.slice(0, 20).map((w) => `\`${w.name.slice(0, 64)}\``);
  return `${shown.join(', ')}${workspaces.length > 20 ? `, and ${workspaces.length - 20} more` : ''}`;
}

/**
 * Builds the one handler every chat surface calls: `/dbx` commands, card buttons, questions and the
 * Home tab. Expected outcomes (unknown command, missing incident, missing role, duplicate delivery) are
 * `ok: false` values with a message for the requester; only infrastructure failures throw.
 */
export function createChatHandler(deps: ChatHandlerDeps): ChatHandler {
  const log = deps.logger.child({ module: 'chat-handler' });
  // Without a workspace, a plan still gets the ids on the incident's root signal.
  const planContext =
    deps.planContext ??
    ((kind: RemediationKind, incident: Incident, signal: Signal | undefined) =>
      readPlanContext({ logger: log }, kind, incident, signal));
  const workspaces: readonly AskableWorkspace[] = deps.workspaces ?? [
    { id: '', name: '', cost: deps.cost, analyst: deps.analyst },
  ];
  const several = workspaces.length > 1;

  /**
   * The workspace a `workspace:` word names (by name or id, any case), the first when none is; a name
   * no workspace has is answered with the names there are.
   */
  function pickWorkspace(word: string | undefined): Result<AskableWorkspace, 'not_found'> {
    if (word === undefined) return { ok: true, value: workspaces[0]! };
    const lower = word.toLowerCase();
    const found = workspaces.find((w) => w.id !== '' && (w.name.toLowerCase() === lower || w.id === word));
    if (found !== undefined) return { ok: true, value: found };
    const known = workspaces.filter((w) => w.id !== '');
    return {
      ok: false,
      reason: 'not_found',
      userMessage:
        known.length === 0
          ? `I read one workspace here and cannot tell it by name: leave out \`workspace:${oneLine(word, 64)}\`.`
          : `I watch no workspace called \`${oneLine(word, 64)}\`. ${known.length === 1 ? 'The one I watch is' : 'Name one of'} ${listedNames(known)}.`,
    };
  }

  /** `/dbx cost` in one workspace: with several, its card names it and its buttons stay in it. */
  const costDepsIn = (workspace: AskableWorkspace) => ({
    cost: workspace.cost,
    policy: deps.policy,
    clock: deps.clock,
    chartUrl: deps.chartUrl,
    logger: log,
    ...(several ? { workspace: workspace.name } : {}),
  });
  const costIn = (parsed: { target: string; period: string; workspace?: string }, showSql?: boolean) => {
    const workspace = pickWorkspace(parsed.workspace);
    if (!workspace.ok) return fail(workspace.reason, workspace.userMessage);
    return costCommand(costDepsIn(workspace.value), parsed, showSql === true ? { showSql } : {});
  };

  /** The request's idempotency key; ids longer than the key limit are hashed. */
  function deliveryKey(request: ChatRequest): string {
    const raw = `${request.actor.surface}:${request.kind}:${request.requestId}`;
    return raw.length <= 200 ? raw : `sha256:${createHash('sha256').update(raw).digest('hex')}`;
  }

  async function command(request: ChatRequest, parsed: ParsedCommand): Promise<ChatResponse> {
    const actor = request.actor;
    switch (parsed.name) {
      case 'help':
        return done([toRequester(message(HELP_TEXT, 'info', 'dbxops commands'))]);
      case 'incidents':
        return listIncidents(parsed.team, parsed.severity);
      case 'status':
        if (deps.jobStatus === undefined) {
          return fail('unavailable', 'No Databricks workspace is connected, so I cannot look up jobs.');
        }
        if (parsed.workspace !== undefined) {
          const workspace = pickWorkspace(parsed.workspace);
          if (!workspace.ok) return fail(workspace.reason, workspace.userMessage);
          return jobStatusReply(await deps.jobStatus(parsed.job, workspace.value.id));
        }
        return jobStatusReply(await deps.jobStatus(parsed.job));
      case 'ack':
        return applyToIncident(actor, parsed.incidentId, {
          type: 'acknowledge',
          actor: who(actor),
        });
      case 'resolve':
        return resolve(actor, parsed.incidentId);
      case 'fixed':
        return fixed(actor, parsed.incidentId, parsed.fix);
      case 'kill_switch':
        return killSwitch(actor, parsed.state, parsed.reason);
      case 'cost':
        return costIn(parsed);
      case 'ask':
        return answer(request, parsed.question, 'requester', parsed.workspace);
      case 'unknown':
        return fail('unknown_command', `${parsed.problem}\n\n${HELP_TEXT}`);
    }
  }

  async function listIncidents(
    team: string | undefined,
    severity: Severity | undefined,
  ): Promise<ChatResponse> {
    const open = await deps.incidents.listOpen({
      ...(team === undefined ? {} : { team }),
      ...(severity === undefined ? {} : { severities: [severity] }),
      limit: LIST_LIMIT,
    });
    const now = deps.clock.now();
    const label = team ?? (severity === undefined ? 'all teams' : `${severity}, all teams`);
    return done([
      toRequester({
        kind: 'home',
        team: label,
        incidents: open.map((i) =>
          homeIncident(i, now, deps.detailsUrl?.(i.id) ?? null, deps.workspaceName?.(i.workspaceId)),
        ),
      }),
    ]);
  }

  /**
   * Applies a person's event to the current incident and hands the incident to the notifier. A stale
   * card still acts on the current version and says so. An event that changes nothing (a double click,
   * a press replayed after a restart) changes nothing, yet the notifier still looks: a copy that missed
   * the first change is brought up to date.
   */
  async function applyToIncident(
    actor: Actor,
    incidentId: string,
    event: IncidentEvent,
    cardVersion?: number,
  ): Promise<ChatResponse> {
    if (!isResponder(deps.policy, actor)) return fail('forbidden', FORBIDDEN_MESSAGE);
    const current = await deps.incidents.get(incidentId);
    if (current === undefined) return notFound(incidentId);
    const result = await deps.incidents.applyEvent(incidentId, event, deps.clock.now());
    if (!result.ok) {
      switch (result.reason) {
        case 'unchanged':
          await deps.notify(incidentId);
          return done([toRequester(message(result.userMessage, 'info'))]);
        case 'not_found':
          return notFound(incidentId);
        case 'invalid_transition':
        case 'duplicate_active':
          return fail('stale_card', result.userMessage);
        default:
          log.warn({ incidentId, reason: result.reason }, 'incident event not applied');
          return fail('unavailable', 'The incident changed while I was updating it; please try again.');
      }
    }
    const replies: Reply[] = [];
    if (cardVersion !== undefined && cardVersion !== current.version) {
      replies.push(
        toRequester(
          message(
            `Your card was out of date (version ${cardVersion}, the incident was at ${current.version}); I applied it to the current incident and refreshed the card.`,
            'warning',
          ),
        ),
      );
    }
    // The timeline entry `applyEvent` wrote is the thread note: its wording lives with the store.
    await deps.notify(incidentId);
    return done(replies);
  }

  /**
   * A button acts on the incident of the card it sits on: a value naming another incident (forged, or a
   * card rendered wrong) is refused. Presses on messages that are no incident card's copy (a plan in a
   * thread, the Home tab) carry their incident in the value alone.
   */
  async function ownCard(message: MessageRef | undefined, incidentId: string): Promise<boolean> {
    if (message === undefined) return true;
    const owners = await deps.cardPosts.incidentsOfMessage(message.surface, message.messageId);
    return owners.length === 0 || owners.includes(incidentId);
  }

  /**
   * A command button (a candidate name, "Show SQL") runs its command as the person who pressed it,
   * parsed and checked again exactly as if they had typed it.
   */
  async function commandButton(
    request: Extract<ChatRequest, { kind: 'button' }>,
    action: 'run' | 'show_sql',
  ): Promise<ChatResponse> {
    const decoded = decodeCommandValue(request.value);
    if (!decoded.ok) return fail('invalid_request', decoded.userMessage);
    const parsed = parseCommand(decoded.value);
    if (action === 'show_sql') {
      if (parsed.name !== 'cost')
        return fail('invalid_request', 'This button could not be read. Run the command again.');
      return costIn(parsed, true);
    }
    return parsed.name === 'unknown'
      ? fail('unknown_command', `${parsed.problem}\n\n${HELP_TEXT}`)
      : command(request, parsed);
  }

  async function button(request: Extract<ChatRequest, { kind: 'button' }>): Promise<ChatResponse> {
    const commandAction = commandActionOf(request.actionId);
    if (commandAction !== undefined) return commandButton(request, commandAction);
    if (request.actionId.startsWith(ASK_ACTION_PREFIX)) {
      const question = decodeAskValue(request.value);
      if (!question.ok) return fail('invalid_request', question.userMessage);
      return answer(request, question.value, 'conversation');
    }
    const decoded = decodeButtonValue(request.value);
    if (!decoded.ok) return fail('invalid_request', decoded.userMessage);
    const p = decoded.value;
    if (!(await ownCard(request.message, p.incidentId))) {
      log.warn(
        { actionId: request.actionId, surface: request.actor.surface },
        'button names another incident',
      );
      return fail(
        'invalid_request',
        'This button does not belong to the card it was pressed on, so I did nothing. Refresh the card and try again.',
      );
    }
    const now = deps.clock.now();
    const actor = request.actor;
    switch (p.action) {
      case 'ack':
        return applyToIncident(actor, p.incidentId, { type: 'acknowledge', actor: who(actor) }, p.version);
      case 'assign_me':
        return applyToIncident(
          actor,
          p.incidentId,
          { type: 'assign', actor: who(actor), assignee: who(actor) },
          p.version,
        );
      case 'snooze':
        return applyToIncident(
          actor,
          p.incidentId,
          { type: 'snooze', actor: who(actor), until: now + SNOOZE_MS },
          p.version,
        );
      case 'resolve':
        return resolve(actor, p.incidentId, p.version);
      case 'reopen':
        return applyToIncident(actor, p.incidentId, { type: 'reopen', actor: who(actor) }, p.version);
      case 'refresh':
        if ((await deps.incidents.get(p.incidentId)) === undefined) return notFound(p.incidentId);
        await deps.notify(p.incidentId);
        return done([]);
      case 'remediate':
        return remediate(actor, p);
      case 'run_plan':
        return runPlan(actor, p);
      case 'approve_plan':
        return approvePlan(actor, p);
      case 'cancel_plan':
        return done([toRequester(message('Plan dismissed; nothing was changed.', 'info'))]);
    }
  }

  /**
   * Resolve (the button or `/dbx resolve`): the incident is resolved on every surface, and the person who
   * resolved it is asked what fixed it — one button per suggested action, or their own words through
   * `/dbx fixed` — so the next incident like it shows that fix first.
   */
  async function resolve(actor: Actor, incidentId: string, cardVersion?: number): Promise<ChatResponse> {
    const response = await applyToIncident(
      actor,
      incidentId,
      { type: 'resolve', actor: who(actor) },
      cardVersion,
    );
    if (!response.ok || deps.recordFix === undefined) return response;
    const incident = await deps.incidents.get(incidentId);
    if (incident?.state !== 'resolved') return response;
    const signal = await rootSignalOf(deps.incidents, incident);
    const suggested = suggestRemediations(signal);
    return done([
      ...response.replies,
      toRequester({
        kind: 'message',
        tone: 'success',
        title: 'Resolved. What fixed it?',
        text: `Press the action that fixed it, or say it in your own words: /dbx fixed ${incident.id} <what you did>. The next incident like this one shows it first.`,
        fields: [],
        commands: suggested.slice(0, 5).map((kind) => ({
          label: REMEDIATION_INFO[kind].label,
          action: 'run' as const,
          command: `fixed ${incident.id} ${kind}`,
        })),
      }),
    ]);
  }

  /** `/dbx fixed <incident> <what>` (typed, or one of the buttons after Resolve): records what fixed it. */
  async function fixed(actor: Actor, incidentId: string, fix: string): Promise<ChatResponse> {
    if (!isResponder(deps.policy, actor)) return fail('forbidden', FORBIDDEN_MESSAGE);
    if (deps.recordFix === undefined)
      return fail('unavailable', 'Fixes cannot be recorded in this deployment.');
    const recorded = await deps.recordFix({
      incidentId,
      fix,
      by: { surface: actor.surface, userId: actor.userId, name: who(actor) },
      maxChars: MAX_FIX_CHARS,
    });
    if (!recorded.ok) {
      switch (recorded.reason) {
        case 'not_found':
          return notFound(incidentId);
        case 'not_resolved':
          return fail('stale_card', recorded.userMessage);
        case 'too_long':
        case 'empty':
          return fail('invalid_request', recorded.userMessage);
      }
    }
    const { outcome, fix: stored } = recorded.value;
    if (outcome === 'unchanged')
      return done([toRequester(message(`Already recorded: fixed by ${stored.text}.`, 'info'))]);
    await deps.notify(incidentId);
    return done([
      toRequester(
        message(
          `${outcome === 'replaced' ? 'Corrected' : 'Recorded'}: fixed by ${stored.text}. The next incident like this one shows it first.`,
          'success',
        ),
      ),
    ]);
  }

  /** `/dbx kill-switch on|off|status`: the live kill switch, read at every press and execution. */
  async function killSwitch(
    actor: Actor,
    state: 'on' | 'off' | 'status',
    reason: string,
  ): Promise<ChatResponse> {
    if (!isResponder(deps.policy, actor)) return fail('forbidden', FORBIDDEN_MESSAGE);
    if (deps.killSwitch === undefined)
      return fail(
        'unavailable',
        'Remediations cannot run in this deployment: there is nothing to switch off.',
      );
    if (state === 'status') return done([toRequester(message(await deps.killSwitch.describe()))]);
    if (state === 'off') {
      const refused = mayLiftKillSwitch(deps.policy.remediation, {
        surface: actor.surface,
        userId: actor.userId,
        groups: [],
      });
      if (refused !== undefined) return fail('forbidden', `${refused.message} ${refused.toAllow}`);
    }
    const result = await deps.killSwitch.set(state === 'on', actor, reason);
    return done([
      {
        audience: result.changed ? 'conversation' : 'requester',
        card: message(
          result.changed ? `${result.message} (${who(actor)})` : result.message,
          state === 'on' ? 'warning' : 'success',
        ),
      },
    ]);
  }

  /** A dry-run plan card in the incident's thread: the exact calls, risk, rollback and cost. */
  async function remediate(actor: Actor, p: ButtonPayload): Promise<ChatResponse> {
    if (!isResponder(deps.policy, actor)) return fail('forbidden', FORBIDDEN_MESSAGE);
    const kind = remediationKindSchema.safeParse(p.remediationId);
    if (!kind.success)
      return fail('invalid_request', 'This remediation is not one I know. Refresh the card and try again.');
    const incident = await deps.incidents.get(p.incidentId);
    if (incident === undefined) return notFound(p.incidentId);
    const signal = await rootSignalOf(deps.incidents, incident);
    const context = await planContext(kind.data, incident, signal);
    const plan = planRemediation(kind.data, context);
    if (!plan.ok) return planRefused(kind.data, plan);
    const v = plan.value;
    return done([
      {
        audience: 'conversation',
        inThread: true,
        card: {
          kind: 'plan',
          incidentId: incident.id,
          version: incident.version,
          remediationId: kind.data,
          title: `Dry run: ${v.title}`,
          calls: v.calls.map((c) => ({
            method: c.method,
            path: c.path,
            ...(c.body === undefined ? {} : { body: c.body }),
          })),
          estimatedCostUsd: v.estimatedCostUsd === null ? null : Math.max(0, v.estimatedCostUsd),
          rollback: v.rollback,
          risk: v.risk,
        },
      },
    ]);
  }

  /**
   * Run on a plan card: the press goes through `press` (checked against the incident and the gates,
   * recorded once, queued); the runbook entry is posted in the thread, and the incident card on every
   * surface shows the running remediation and then its verified outcome.
   */
  async function runPlan(actor: Actor, p: ButtonPayload): Promise<ChatResponse> {
    if (!isResponder(deps.policy, actor)) return fail('forbidden', FORBIDDEN_MESSAGE);
    const kind = remediationKindSchema.safeParse(p.remediationId);
    if (!kind.success)
      return fail('invalid_request', 'This remediation is not one I know. Refresh the card and try again.');
    if (deps.press === undefined)
      return fail('unavailable', 'Remediations cannot run in this deployment: no workspace is connected.');
    const pressed = await deps.press({
      incidentId: p.incidentId,
      version: p.version,
      action: kind.data,
      presser: presserOf(actor),
    });
    if (!pressed.ok) return pressRefused(p.incidentId, pressed);
    const { attempt, duplicate, approval } = pressed.value;
    const label = REMEDIATION_INFO[kind.data].label;
    if (approval !== undefined) {
      const plan = readStoredPlan(attempt.plan);
      return done([
        toRequester(message(`${approval.reason} It runs once another person approves it.`, 'warning')),
        {
          audience: 'conversation',
          inThread: true,
          card: {
            kind: 'plan',
            incidentId: attempt.incidentId,
            version: p.version,
            remediationId: kind.data,
            title: `Awaiting approval: ${plan?.title ?? label}`,
            calls: (plan?.calls ?? []).map((c) => ({
              method: c.method,
              path: c.path,
              ...(c.body === undefined ? {} : { body: c.body }),
            })),
            estimatedCostUsd: plan?.estimatedCostUsd == null ? null : Math.max(0, plan.estimatedCostUsd),
            rollback: plan?.rollback ?? '',
            risk: plan?.risk ?? REMEDIATION_INFO[kind.data].risk,
            status: 'awaiting_approval',
            approvalToken: approval.token,
          },
        },
      ]);
    }
    if (duplicate) {
      return done([
        toRequester(
          message(
            `"${label}" was already pressed for this plan (attempt ${attempt.attempt}, ${attempt.state}); it runs once. The incident card shows its outcome.`,
            'info',
          ),
        ),
      ]);
    }
    return done([
      toRequester(
        message(
          `Running "${label}" (attempt ${attempt.attempt}). The incident card shows the verified outcome.`,
          'success',
        ),
      ),
      {
        audience: 'conversation',
        inThread: true,
        card: message(attempt.runbook, 'info', `Runbook: ${label}`),
      },
    ]);
  }

  /** Approve on a gated plan: a second person lets it run (see `approveRemediation`). */
  async function approvePlan(actor: Actor, p: ButtonPayload): Promise<ChatResponse> {
    if (!isResponder(deps.policy, actor)) return fail('forbidden', FORBIDDEN_MESSAGE);
    const kind = remediationKindSchema.safeParse(p.remediationId);
    if (!kind.success || p.token === undefined)
      return fail('invalid_request', 'This approval could not be read. Refresh the card and try again.');
    if (deps.approve === undefined)
      return fail('unavailable', 'Remediations cannot run in this deployment: no workspace is connected.');
    const approved = await deps.approve({
      incidentId: p.incidentId,
      version: p.version,
      action: kind.data,
      token: p.token,
      presser: presserOf(actor),
    });
    if (!approved.ok) return pressRefused(p.incidentId, approved);
    return done([
      toRequester(
        message(
          `Approved: "${REMEDIATION_INFO[kind.data].label}" runs now. The incident card shows the verified outcome.`,
          'success',
        ),
      ),
    ]);
  }

  function pressRefused(
    incidentId: string,
    refusal: Extract<Result<unknown, PressRefusal>, { ok: false }>,
  ): ChatResponse {
    switch (refusal.reason) {
      case 'not_found':
        return notFound(incidentId);
      case 'stale_card':
      case 'busy':
        return fail('stale_card', refusal.userMessage);
      case 'not_offered':
        return fail('invalid_request', refusal.userMessage);
      case 'refused':
      case 'exhausted':
        return fail('forbidden', refusal.userMessage);
      case 'shadow':
        return fail('forbidden', `Refused by shadow: ${refusal.userMessage}`);
      case 'plan_refused':
        return done([toRequester(message(refusal.userMessage, 'warning'))]);
    }
  }

  function planRefused(
    kind: RemediationKind,
    plan: Extract<Result<unknown, PlanRefusal>, { ok: false }>,
  ): ChatResponse {
    return done([
      toRequester(
        message(`I can't plan "${REMEDIATION_INFO[kind].label}" yet: ${plan.userMessage}`, 'warning'),
      ),
    ]);
  }

  function notFound(incidentId: string): ChatResponse {
    return fail(
      'not_found',
      `Incident ${incidentId.slice(0, 128)} no longer exists (it may have been merged or removed). Run /dbx incidents to see the open ones.`,
    );
  }

  async function home(actor: Actor): Promise<ChatResponse> {
    const team = deps.teamOf?.(actor);
    const open = await deps.incidents.listOpen({ ...(team === undefined ? {} : { team }), limit: 50 });
    const now = deps.clock.now();
    return done([
      toRequester({
        kind: 'home',
        team: team ?? 'all teams',
        incidents: open.map((i) =>
          homeIncident(i, now, deps.detailsUrl?.(i.id) ?? null, deps.workspaceName?.(i.workspaceId)),
        ),
      }),
    ]);
  }

  /**
   * Where a follow-up finds this question's context: its thread, then the person in the channel; with
   * several workspaces, each workspace's apart (a job name of one means nothing in another).
   */
  function contextKeys(request: ChatRequest, workspaceId: string | undefined): string[] {
    const c = request.conversation;
    const key = (unscoped: string) => {
      const raw = workspaceId === undefined ? unscoped : `${workspaceId}:${unscoped}`;
      return raw.length <= 200 ? raw : `sha256:${createHash('sha256').update(raw).digest('hex')}`;
    };
    const keys = [key(`${c.surface}:${c.channelId}:user:${request.actor.userId}`)];
    if (c.threadId !== undefined) keys.unshift(key(`${c.surface}:${c.channelId}:thread:${c.threadId}`));
    return keys;
  }

  /**
   * A question — typed after `/dbx ask`, in a mention, a DM, the console composer, or carried by an
   * answer's button — answered by the analyst as an answer card. Mentions are answered in their thread
   * for everyone; `/dbx ask` to the person who asked, like every command.
   */
  async function answer(
    request: ChatRequest,
    typed: string,
    audience: Reply['audience'],
    /** Named by `/dbx ask`'s parser already; questions and answer buttons carry the word in their text. */
    named?: string,
  ): Promise<ChatResponse> {
    const inThread = request.conversation.isDirect !== true;
    let text = typed;
    let word = named;
    if (word === undefined) {
      const taken = takeWorkspaceWord(typed);
      if (!taken.ok) return done([{ audience, inThread, card: message(taken.problem, 'warning') }]);
      text = taken.text;
      word = taken.workspace;
    }
    const workspace = pickWorkspace(word);
    if (!workspace.ok) return done([{ audience, inThread, card: message(workspace.userMessage, 'warning') }]);
    const analyst = workspace.value.analyst;
    if (analyst === undefined) {
      const hint = questionHint(text);
      const reply = `I can't answer questions here: no workspace's system tables are configured — try /dbx help.${hint === undefined ? '' : `\n${hint}`}`;
      return done([{ audience, inThread, card: message(reply) }]);
    }
    const result = await analyst.ask({
      text,
      contextKeys: contextKeys(request, several ? workspace.value.id : undefined),
    });
    if (!several) return done([{ audience, inThread, card: answerCardView(result, deps.policy.timezone) }]);
    // The answer says where it came from, and its follow-ups ask the same workspace.
    const inIt = ` ${workspaceWord(workspace.value.name)}`;
    const card = answerCardView(
      { ...result, followUps: result.followUps.map((f) => ({ ...f, question: `${f.question}${inIt}` })) },
      deps.policy.timezone,
    );
    return done([
      {
        audience,
        inThread,
        card:
          card.kind === 'answer'
            ? {
                ...card,
                freshness: `From ${workspace.value.name}.${card.freshness === null ? '' : ` ${card.freshness}`}`,
              }
            : card,
      },
    ]);
  }

  function question(request: Extract<ChatRequest, { kind: 'question' }>): Promise<ChatResponse> {
    return answer(request, request.text, 'conversation');
  }

  return async (request) => {
    // The Home tab is a read: re-rendering it twice is harmless, so it skips the idempotency key.
    if (request.kind === 'home') return home(request.actor);
    const key = deliveryKey(request);
    const now = (deps.wallClock ?? systemClock).now();
    if (!(await deps.processedKeys.markProcessed(key, now, IDEMPOTENCY_SCOPE))) {
      return fail('duplicate', 'I already handled this request.');
    }
    try {
      return await act(request);
    } catch (error) {
      // Nothing was stored: Slack's or Teams' retry of this request must be handled, not refused as a duplicate.
      await deps.processedKeys.forget([key], IDEMPOTENCY_SCOPE);
      throw error;
    }
  };

  function act(request: Exclude<ChatRequest, { kind: 'home' }>): Promise<ChatResponse> | ChatResponse {
    switch (request.kind) {
      case 'command':
        return command(request, parseCommand(request.text));
      case 'button':
        return button(request);
      case 'question':
        return question(request);
    }
  }
}
