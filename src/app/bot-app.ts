import type { WebhookCredentials } from '../agents/collector/job-webhook.js';
import { createCollectorCache } from '../agents/collector/collector-cache.js';
import {
  type ApproveInput,
  approveRemediation,
  type PressDeps,
  type PressInput,
  pressRemediation,
} from '../agents/remediation/press-remediation.js';
import { decideApprover } from '../agents/remediation/guardrails.js';
import { resolvePrincipal } from '../agents/remediation/workspace-principal.js';
import { err, ok } from '../domain/result.js';
import {
  chainGates,
  type RemediationAudit,
  type RemediationGate,
} from '../agents/remediation/remediation-gate.js';
import { auditRecorder, guardrailsGate, rightsGate } from '../agents/remediation/remediation-gates.js';
import type { RemediationRunnerDeps } from '../agents/remediation/run-remediation.js';
import { readPlanContext } from '../agents/remediation/plan-context.js';
import type { RemediationKind } from '../agents/remediation/remediation-kind.js';
import { recordFix } from '../agents/remediation/record-fix.js';
import { type AutoHealDeps, autoHeal } from '../agents/remediation/auto-heal.js';
import { describeKillSwitch, setKillSwitch } from '../agents/remediation/kill-switch.js';
import { lookUpJobStatus } from '../agents/status/job-status.js';
import type { ConsoleAdapter } from '../bot/console/console-adapter.js';
import { createConsoleAdapter } from '../bot/console/console-adapter.js';
import type { SlackAdapter } from '../bot/slack/slack-adapter.js';
import type { TeamsAdapter } from '../bot/teams/teams-adapter.js';
import type { WorkspaceStatus } from '../bot/console/workspace-status.js';
import type { Env } from '../config/env.js';
import type { Logger } from '../config/logger.js';
import { type Policy, workspaceEntry } from '../config/policy.js';
import type { DatabricksClient } from '../databricks/rest/databricks-client.js';
import type { Warehouse } from '../databricks/warehouse.js';
import type { Sleep } from '../bot/channel-send-queue.js';
import { type Clock, systemClock } from '../domain/clock.js';
import type { Incident } from '../domain/incident.js';
import type { Signal } from '../domain/signal.js';
import type { Actor, ChatHandler, ChatSurface } from '../handlers/chat-request.js';
import { createChatHandler, type KnownIncident, loadIncidentCard } from '../handlers/chat-handler.js';
import { type NotifierDeps, notifyIncident, restoreSurface } from '../notify/notify-incident.js';
import { unroutedChannels } from '../notify/channel-map.js';
import {
  digestSchedules,
  postDueDigests,
  type ScheduledOutcome,
  type ScheduledPostDeps,
  scheduledCard,
} from '../notify/post-scheduled.js';
import { type Dispatcher, InlineDispatcher, type Processors } from '../jobs/dispatcher.js';
import { createMetrics, type DbxopsMetrics } from '../jobs/metrics.js';
import { PollLedger } from '../jobs/poll-ledger.js';
import { routeToWorkspaces } from '../jobs/workspace-stages.js';
import { removingFromOutbox } from '../jobs/signal-outbox.js';
import { showPollAge } from '../jobs/source-lag.js';
import {
  createRemediationProcessors,
  queueAttempt,
  queueAutoHeal,
  verifyEndedRuns,
  REMEDIATION_QUEUES,
  type RemediationPayloads,
} from '../jobs/remediation-jobs.js';
import { createMonitoringStages, MONITORING_QUEUES, type MonitoringPayloads } from '../jobs/monitoring.js';
import type { Store } from '../store/open-store.js';
import { createCorrelationLock } from '../store/correlation-lock.js';
import { createRepositories, type Repositories } from '../store/repositories.js';
import type { CostChart } from '../cards/cost-chart.js';
import { createCostAnalyst } from '../agents/analyst/cost-report.js';
import { explainIncident } from '../agents/analyst/explain-incident.js';
import { workspaceWord } from '../handlers/parse-command.js';
import { createChartLinks } from './chart-route.js';
import { analystFor, languageModelFor } from './analyst-setup.js';
import { secondOpinionFor } from './classifier-setup.js';
import { setUpConsoleAuth } from './console-auth-setup.js';
import type { Route } from './http-app.js';
import { createDatabricksWebhookRoute, WEBHOOK_PATH } from './databricks-webhook-route.js';
import { realWorkspaceStatus } from './workspace-status.js';

/**
 * Which queues a process works: all of them (`dbxops start`); the card updates (`dbxops web`, where the
 * console that shows them lives); or watching and acting on the workspace (`dbxops worker`: webhooks,
 * polls, correlation, remediation).
 */
export type ProcessRole = 'all' | 'web' | 'worker';

/** The monitoring queues a `dbxops web` process works; a worker works the others. */
const WEB_QUEUES: ReadonlySet<string> = new Set(['notify']);

type QueueChoice =
  /** In this process, drained by the caller (`dbxops eval`, tests). */
  | { kind: 'inline' }
  /** BullMQ on Redis, working the queues of `role`. */
  | { kind: 'bullmq'; url: string; prefix?: string; role: ProcessRole };

export interface BotAppOptions {
  env: Env;
  policy: Policy;
  /** The workspace's clock (simulated in the embedded mode): detection, SLAs, what cards say. */
  clock: Clock;
  /**
   * The wall clock: request signatures and their replay window, token expiry, rate limits, idempotency
   * keys and queue timing. Default the system clock; tests inject their own.
   */
  wallClock?: Clock;
  logger: Logger;
  /**
   * The first workspace watched, and the one chat commands act on by default: its webhook is `/webhooks/databricks`
   * (with `webhookCredentials`).
   */
  databricks: { client: DatabricksClient; warehouse: Warehouse; workspaceId: string };
  /** The other workspaces watched (`workspaces` entries with `auth`), each on its own webhook path. */
  moreWorkspaces?: readonly WatchedWorkspace[];
  store: Store;
  queue: QueueChoice;
  webhookCredentials: WebhookCredentials | null;
  metrics?: DbxopsMetrics;
  onPosted?: (incidentId: string, cards: number) => void;
  onSignal?: (signal: Signal, outcome: string, incidentId: string | null) => void;
  /** Base URL of the console, for "see more" links on cards. */
  consoleUrl?: string;
  /** What the console's header says about the watched workspace (default: its host and clock). */
  workspaceStatus?: () => WorkspaceStatus | Promise<WorkspaceStatus>;
  /** Extra surfaces (tests). */
  surfaces?: ChatSurface[];
  /** What the digest calls the workspace when the policy does not name it (the scenario's name). */
  workspaceName?: string;
  /** Workspace time after which a scheduled post says it was sent late (default 15 minutes). */
  postLateAfterMs?: number;
  /**
   * How the Slack and Teams send queues wait, on the wall clock: between two sends to one channel (the
   * platform's rate) and before retrying a throttled send. Default a real timer; tests whose fake
   * platforms have no rate to keep pass one that returns at once.
   */
  sendSleep?: Sleep;
}

/**
 * A channel the policy posts to that a surface cannot reach (a Teams channel without a conversation
 * id): said at start-up in the log and, once while its history holds it, in that channel of the
 * console, instead of posts that go nowhere without a word. The notifier skips those copies until the policy maps them.
 */
async function reportUnroutedChannels(
  policy: Policy,
  surfaces: readonly ChatSurface[],
  consoleAdapter: ConsoleAdapter,
  logger: Logger,
): Promise<void> {
  const unrouted = unroutedChannels(
    policy,
    surfaces.map((s) => s.surface),
  );
  if (unrouted.length === 0) return;
  logger.warn({ unrouted }, 'some policy channels have no channel on a surface; their posts skip it');
  for (const { surface, channel, message } of unrouted) {
    await consoleAdapter
      .postNotice(channel, {
        kind: 'message',
        tone: 'warning',
        title: `Not posted on ${surface}`,
        text: message,
        fields: [],
      })
      .catch((error: unknown) => logger.warn({ err: error, channel }, 'could not tell the console'));
  }
}

/** A workspace watched beside the first: its own client, warehouse and webhook credentials. */
export interface WatchedWorkspace {
  readonly workspaceId: string;
  readonly client: DatabricksClient;
  readonly warehouse: Warehouse;
  readonly webhookCredentials: WebhookCredentials | null;
}

/** Remediations per incident before dbxops stops offering fixes and escalates to a person. */
const MAX_REMEDIATION_ATTEMPTS = 3;

/** Everything `dbxops start` runs behind its HTTP server, and what `dbxops eval` replays through. */
export interface BotApp {
  repos: Repositories;
  handler: ChatHandler;
  console: ConsoleAdapter;
  slack: SlackAdapter | null;
  teams: TeamsAdapter | null;
  dispatcher: Dispatcher<MonitoringPayloads>;
  /** Executes pressed remediations and verifies them (`remediate`, `verify`). */
  remediationDispatcher: Dispatcher<RemediationPayloads>;
  /**
   * Set when the queue is inline: run queued work to completion. Remediation polls wait for the
   * workspace clock to reach their time, so a replay verifies in simulated time.
   */
  drain: (() => Promise<void>) | null;
  /** Inline queue only: the jobs that failed so far, as `queue: message`. */
  failures: () => string[];
  metrics: DbxopsMetrics;
  /**
   * BullMQ queue only: when each monitoring source of each watched workspace (the first first) last
   * finished a poll, across every process.
   */
  polls: readonly { readonly workspaceId: string; readonly name: string; readonly ledger: PollLedger }[];
  /** Mount on the one HTTP server, in this order (the console last: it answers `/`). */
  routes: Route[];
  /**
   * Posts the digest, weekly summary and cost reports that are due and not yet posted (claimed in the
   * store first, so any number of processes may call it); `dbxops start` calls it on a timer.
   */
  postDigests: () => Promise<ScheduledOutcome>;
  close(): Promise<void>;
}

/**
 * Builds the app. Slack's and Teams' SDKs are loaded only when their settings are present: a
 * deployment that uses neither does not carry them (about 20 MB of resident memory).
 */
export async function createBotApp(options: BotAppOptions): Promise<BotApp> {
  const { env, policy, clock, logger } = options;
  const wallClock = options.wallClock ?? systemClock;
  const metrics = options.metrics ?? createMetrics();
  // A PGlite store's files are this process's alone: it knows what it wrote without asking.
  const repos = createRepositories(options.store.db, { soleWriter: options.store.dialect === 'pglite' });
  let dispatcher: Dispatcher<MonitoringPayloads> | undefined;
  // Charts are served where chat clients reach dbxops: the console's public (or local) address.
  const charts = options.consoleUrl
    ? createChartLinks({
        baseUrl: options.consoleUrl,
        key: env.DBXOPS_CONSOLE_SESSION_SECRET,
        logger: logger.child({ module: 'charts' }),
      })
    : null;
  let remediationDispatcher: Dispatcher<RemediationPayloads> | undefined;
  const notifyQueued = (incidentId: string) => dispatcher!.dispatch('notify', { incidentId });
  // Every workspace watched, the first (the one chat commands and remediations act on) first.
  const primaryId = options.databricks.workspaceId;
  const watched = [
    { workspaceId: primaryId, client: options.databricks.client, warehouse: options.databricks.warehouse },
    ...(options.moreWorkspaces ?? []),
  ];
  const several = watched.length > 1;
  /** What answers and digests call a workspace: its `workspaces` name, else (the first) the scenario's, else its id. */
  const displayName = (id: string) =>
    workspaceEntry(policy, id)?.name ?? (id === primaryId ? options.workspaceName : undefined) ?? id;
  /**
   * The watched workspace an incident or remediation of `workspaceId` acts on. With one workspace, that
   * one, as always; with several, none for an id no longer listed: nothing is ever sent to another.
   */
  const watchedOf = (workspaceId: string) =>
    several ? watched.find((w) => w.workspaceId === workspaceId) : watched[0];
  const notWatchedMessage = (workspaceId: string) =>
    `This incident is in ${workspaceName(policy, workspaceId)}, which this deployment no longer watches: nothing was done.`;
  // The presser's rights are read in the incident's own workspace: its SCIM users and its object ACLs.
  const rightsIn = new Map(
    watched.map((ws) => [
      ws.workspaceId,
      rightsGate({ policy, scim: ws.client.scim, permissions: ws.client.permissions }),
    ]),
  );
  const rights: RemediationGate = async (input) => {
    const ws = watchedOf(input.workspaceId);
    const inWorkspace = ws === undefined ? undefined : rightsIn.get(ws.workspaceId);
    return inWorkspace === undefined
      ? { ok: false, gate: 'rights', userMessage: notWatchedMessage(input.workspaceId) }
      : inWorkspace(input);
  };
  // Before anything runs: guardrails, then the presser's own Databricks rights (docs/guardrails-and-audit.md,
  // docs/remediation-rights.md); every step goes to the hash-chained audit log, which names the workspace.
  const gate = chainGates([
    guardrailsGate({
      policy: policy.remediation,
      switches: repos.switches,
      audit: repos.audit,
      clock,
      wallClock,
    }),
    rights,
  ]);
  const audit: RemediationAudit = auditRecorder({ log: repos.audit, wallClock, policy: policy.remediation });
  const runner: RemediationRunnerDeps = {
    remediations: repos.remediations,
    incidents: repos.incidents,
    // Each attempt executes and is verified in its incident's workspace.
    databricks: (workspaceId) => watchedOf(workspaceId)?.client,
    clock,
    wallClock,
    notify: notifyQueued,
    gate,
    audit,
    logger: logger.child({ module: 'remediation' }),
    maxAttempts: MAX_REMEDIATION_ATTEMPTS,
    fixes: repos.fixes,
  };
  /**
   * `/dbx status <job>`: the job as the first workspace that has one of that name or id knows it, with
   * that workspace's open incidents; with several workspaces the answer names the workspace.
   */
  const jobStatusIn = async (workspaces: typeof watched, query: string) => {
    let answer: Awaited<ReturnType<typeof lookUpJobStatus>> | undefined;
    for (const ws of workspaces) {
      answer = await lookUpJobStatus(ws.client, repos.incidents, query, {
        workspaceId: ws.workspaceId,
        nowMs: clock.now(),
      });
      if (!answer.ok && answer.reason === 'not_found') continue;
      if (answer.ok && several)
        return ok({
          ...answer.value,
          jobName: `${answer.value.jobName} (${workspaceName(policy, ws.workspaceId)})`,
        });
      return answer;
    }
    return answer ?? err('not_found', 'I watch no such workspace.');
  };
  const handlerLog = logger.child({ module: 'handlers' });
  // One model, one daily budget in the store: questions and incident explanations draw on both.
  const language = languageModelFor(env, policy, wallClock, repos.tokenUsage);
  /** A press in one workspace: its plans read it, its runbook names it, its SCIM says who the presser is. */
  const pressDepsFor = (ws: (typeof watched)[number]): PressDeps => ({
    incidents: repos.incidents,
    remediations: repos.remediations,
    databricks: ws.client,
    logger: logger.child({ module: 'remediation', ...(several ? { workspace: ws.workspaceId } : {}) }),
    gate,
    audit,
    queue: (attemptId) => queueAttempt(remediationDispatcher!, attemptId),
    wallClock,
    clock,
    notify: notifyQueued,
    maxAttempts: MAX_REMEDIATION_ATTEMPTS,
    host: ws.client.host,
    escalateTo: policy.routing.oncall_mention || 'the on-call engineer',
    routing: policy.routing,
    fourEyes: {
      approvals: repos.approvals,
      principalOf: async (presser) => {
        const found = await resolvePrincipal(presser, { policy, scim: ws.client.scim });
        return found.ok ? ok(found.value.userName) : found;
      },
      mayApprove: async (kind, requester, approver) => {
        const live = await repos.switches.killSwitch();
        const decision = decideApprover({
          policy: policy.remediation,
          killSwitch: live?.on === true ? live : undefined,
          kind,
          requester: { ...requester, groups: [] },
          approver: { ...approver, groups: [] },
        });
        return decision.outcome === 'allowed'
          ? ok(undefined)
          : err('four_eyes', `${decision.message} ${decision.toAllow}`);
      },
      approverRights: rights,
    },
  });
  const pressDepsIn = new Map(watched.map((ws) => [ws.workspaceId, pressDepsFor(ws)]));
  const primaryPressDeps = pressDepsIn.get(primaryId)!;
  /**
   * The press deps of an incident's workspace. An incident not found goes to the first workspace's, whose
   * press answers that it no longer exists; one of a workspace no longer watched is refused.
   */
  const pressDepsOf = async (incidentId: string) => {
    if (!several) return ok(primaryPressDeps);
    const incident = await repos.incidents.get(incidentId);
    if (incident === undefined) return ok(primaryPressDeps);
    const deps = pressDepsIn.get(incident.workspaceId);
    return deps === undefined ? err('refused' as const, notWatchedMessage(incident.workspaceId)) : ok(deps);
  };
  /** A press, by a person or auto-heal, acts on the incident's own workspace. */
  const press = async (input: PressInput) => {
    const deps = await pressDepsOf(input.incidentId);
    return deps.ok ? pressRemediation(deps.value, input) : deps;
  };
  /** An approval of a gated plan: the approver's rights are read in the incident's workspace too. */
  const approve = async (input: ApproveInput) => {
    const deps = await pressDepsOf(input.incidentId);
    return deps.ok ? approveRemediation(deps.value, input) : deps;
  };
  const handlerDeps = {
    incidents: repos.incidents,
    cardPosts: repos.cardPosts,
    // What a press changed goes to the notifier, like every other change: one path updates every copy.
    notify: notifyQueued,
    processedKeys: repos.processedKeys,
    clock,
    wallClock,
    policy,
    jobStatus: (query: string, workspaceId?: string) =>
      jobStatusIn(
        workspaceId === undefined ? watched : watched.filter((w) => w.workspaceId === workspaceId),
        query,
      ),
    planContext: (kind: RemediationKind, incident: Incident, signal: Signal | undefined) =>
      // A plan card shows the incident's own workspace's settings.
      readPlanContext(
        { databricks: watchedOf(incident.workspaceId)?.client, logger: handlerLog, routing: policy.routing },
        kind,
        incident,
        signal,
      ),
    logger: handlerLog,
    teamOf: (actor: { userId: string; email?: string }) =>
      policy.access.teams[actor.userId] ??
      (actor.email === undefined ? undefined : policy.access.teams[actor.email.toLowerCase()]),
    ...(options.consoleUrl ? { detailsUrl: (id: string) => `${options.consoleUrl}/#incident/${id}` } : {}),
    ...(several ? { workspaceName: (id: string) => workspaceName(policy, id) } : {}),
    // `/dbx cost` and questions read the workspace they name (`workspace:<name>`), the first by default.
    workspaces: watched.map((ws) => ({
      id: ws.workspaceId,
      name: displayName(ws.workspaceId),
      cost: createCostAnalyst({
        warehouse: ws.warehouse,
        workspaceId: ws.workspaceId,
        timeoutMs: policy.ask.timeout_seconds * 1000,
      }),
      analyst: analystFor(language, {
        warehouse: ws.warehouse,
        workspaceId: ws.workspaceId,
        clock,
        wallClock,
        policy,
        contexts: repos.askContexts,
        incidents: repos.incidents,
        databricks: ws.client,
      }),
    })),
    ...(charts ? { chartUrl: (chart: CostChart) => charts.url(chart) } : {}),
    explanations: repos.explanations,
    press,
    approve,
    lastFix: (workspaceId: string, fingerprint: string, exceptIncidentId: string) =>
      repos.fixes.lastFor(workspaceId, fingerprint, exceptIncidentId),
    recordFix: (input: Parameters<typeof recordFix>[1]) =>
      recordFix(
        { incidents: repos.incidents, fixes: repos.fixes, audit: repos.audit, clock, wallClock },
        input,
      ),
    killSwitch: {
      set: (on: boolean, actor: Actor, reason: string) =>
        setKillSwitch(
          { switches: repos.switches, audit: repos.audit, wallClock },
          {
            on,
            actor: {
              surface: actor.surface,
              userId: actor.userId,
              ...(actor.displayName === undefined ? {} : { displayName: actor.displayName }),
            },
            reason,
          },
        ),
      describe: () => describeKillSwitch({ switches: repos.switches }, policy.remediation.kill_switch),
    },
  };
  const handler = createChatHandler(handlerDeps);
  const incidentCard = (id: string, known?: KnownIncident) => loadIncidentCard(handlerDeps, id, known);

  const consoleAuth = await setUpConsoleAuth(env);
  if (consoleAuth.hostsUnconfigured) {
    logger.warn(
      { host: env.HOST },
      'the console answers only to loopback host names; set DBXOPS_PUBLIC_URL or DBXOPS_CONSOLE_HOSTS to the name people open',
    );
  }
  // The history is in the store. On PostgreSQL other web processes share it, and each tells the others'
  // pages what it changed over Redis; the embedded store is this process' alone.
  const consoleFeed =
    options.store.dialect === 'postgres' && options.queue.kind === 'bullmq'
      ? (await import('../jobs/redis-channel-feed.js')).redisChannelFeed({
          url: options.queue.url,
          channel: `${options.queue.prefix ?? 'dbxops'}:console`,
          logger: logger.child({ module: 'console' }),
        })
      : undefined;
  const consoleAdapter = createConsoleAdapter({
    handler,
    clock,
    wallClock,
    history: repos.consoleHistory,
    feed: consoleFeed,
    auth: consoleAuth.auth,
    allowedHosts: consoleAuth.allowedHosts,
    status: options.workspaceStatus ?? realWorkspaceStatus(options.databricks.client.host, clock),
    logger: logger.child({ module: 'console' }),
  });
  const slack =
    env.SLACK_BOT_TOKEN && (env.SLACK_SIGNING_SECRET || env.SLACK_APP_TOKEN)
      ? (await import('../bot/slack/slack-adapter.js')).createSlackAdapter({
          env,
          handler,
          logger: logger.child({ module: 'slack' }),
          clock,
          wallClock,
          ...(options.sendSleep === undefined ? {} : { sleep: options.sendSleep }),
        })
      : null;
  const teamsEnv = teamsSettings();
  const teams = teamsEnv
    ? (await import('../bot/teams/teams-adapter.js')).createTeamsAdapter({
        env: teamsEnv,
        handler,
        incidentCard,
        clock,
        wallClock,
        ...(options.sendSleep === undefined ? {} : { sleep: options.sendSleep }),
        logger: logger.child({ module: 'teams' }),
        ...(env.TEAMS_OPENID_METADATA_URL ? { openIdMetadataUrl: env.TEAMS_OPENID_METADATA_URL } : {}),
        ...(env.TEAMS_TOKEN_URL ? { tokenUrl: env.TEAMS_TOKEN_URL } : {}),
        oncall: policy.routing.oncall_teams,
      })
    : null;
  const surfaces: ChatSurface[] = [
    consoleAdapter.surface,
    ...(slack ? [slack.surface] : []),
    ...(teams ? [teams.surface] : []),
    ...(options.surfaces ?? []),
  ];

  const notifier: NotifierDeps = {
    incidents: repos.incidents,
    cardPosts: repos.cardPosts,
    surfaces,
    policy,
    clock,
    wallClock,
    loadCard: incidentCard,
    logger: logger.child({ module: 'notifier' }),
  };
  // The open incidents' console cards are shown current after a restart: each is updated in place from
  // card_posts, or posted again when the history no longer holds it (it scrolled out, or an earlier
  // dbxops kept the history in memory).
  // A worker posts no cards: its console would be one nobody opens, and its copies would displace the
  // web process' own in card_posts.
  const role = options.queue.kind === 'bullmq' ? options.queue.role : 'all';
  if (role !== 'worker') {
    const restored = await restoreSurface(notifier, 'console');
    if (restored > 0) logger.info({ cards: restored }, 'console cards restored from card_posts');
  }

  // The console's history is shared: the web processes say it there and in their logs, not every worker.
  if (role !== 'worker') await reportUnroutedChannels(policy, surfaces, consoleAdapter, logger);

  // One digest (and weekly summary, and team cost report) per workspace, each card titled with it.
  const digestLinks = {
    ...(options.consoleUrl ? { incidentUrl: (id: string) => `${options.consoleUrl}/#incident/${id}` } : {}),
    ...(charts ? { chartUrl: (chart: CostChart) => charts.url(chart) } : {}),
  };
  const digestBuilders = new Map(
    watched.map((ws) => [
      ws.workspaceId,
      scheduledCard(
        {
          warehouse: ws.warehouse,
          digests: repos.digests,
          recurringIssues: repos.recurringIssues,
          workspace: { id: ws.workspaceId, name: displayName(ws.workspaceId) },
          budgets: policy.budgets,
          slas: policy.slas,
          timeZone: policy.timezone,
        },
        several ? { ...digestLinks, workspaceWord: workspaceWord(displayName(ws.workspaceId)) } : digestLinks,
      ),
    ]),
  );
  const digestDeps: ScheduledPostDeps = {
    posts: repos.scheduledPosts,
    policy,
    surfaces,
    schedules: digestSchedules(
      policy,
      watched.slice(1).map((ws) => ws.workspaceId),
    ),
    clock,
    wallClock,
    since: clock.now(),
    ...(options.postLateAfterMs === undefined ? {} : { lateAfterMs: options.postLateAfterMs }),
    logger: logger.child({ module: 'digest' }),
    build: (schedule, dueAt, late) =>
      digestBuilders.get(schedule.workspaceId ?? primaryId)!(schedule, dueAt, late),
  };

  const parallelSignals = options.store.dialect === 'postgres';
  // Failures the rules cannot label get the model's opinion, when a model is configured.
  const secondOpinion = secondOpinionFor(language);
  // Each workspace's poll ledger, kept apart in Redis (the first keeps the keys it always had).
  const ledgers = new Map<string, PollLedger>();
  const stagesOf = (ws: (typeof watched)[number]) => {
    const wsLog = several ? logger.child({ workspace: ws.workspaceId }) : logger;
    return createMonitoringStages(
      {
        collector: {
          workspaceId: ws.workspaceId,
          client: ws.client,
          warehouse: ws.warehouse,
          watermarks: repos.watermarks,
          clock,
          policy,
          logger: wsLog.child({ module: 'collector' }),
        },
        cache: createCollectorCache(),
        repos,
        correlationLock: createCorrelationLock(options.store.db, { dialect: options.store.dialect }),
        signalConcurrency: parallelSignals ? 8 : 1,
        policy,
        clock,
        wallClock,
        logger: wsLog.child({ module: 'monitoring' }),
        metrics,
        notify: (incidentId) => notifyIncident(notifier, incidentId),
        ...(language === undefined
          ? {}
          : {
              explain: (incidentId: string) =>
                explainIncident(
                  {
                    ...language,
                    incidents: repos.incidents,
                    explanations: repos.explanations,
                    wallClock,
                    logger: logger.child({ module: 'explain' }),
                  },
                  incidentId,
                ),
            }),
        ...(secondOpinion === undefined ? {} : { secondOpinion }),
        ...(options.onPosted ? { onPosted: options.onPosted } : {}),
        ...(options.onSignal ? { onSignal: options.onSignal } : {}),
        // A remediation's run that ended is verified at once, not at its next poll up to a minute later.
        onRunsEnded: (runIds: readonly string[]) =>
          verifyEndedRuns(
            remediationDispatcher!,
            repos.remediations,
            runIds,
            several ? ws.workspaceId : undefined,
          ),
        // Off by default: only a deployment that turned auto-heal on queues a look at each new incident.
        ...(policy.remediation.auto_heal.enabled
          ? { onOpened: (incident: Incident) => queueAutoHeal(remediationDispatcher!, incident.id) }
          : {}),
        onPolled: async (source, outcome) => {
          const at = wallClock.now();
          const polls = ledgers.get(ws.workspaceId);
          if (typeof outcome === 'object') wsLog.warn({ source, ...outcome.failed }, 'poll failed; retried');
          // A poll is not undone because its record could not be kept: readiness reports Redis itself.
          await (typeof outcome === 'object'
            ? polls?.recordFailure(source, { at, ...outcome.failed })
            : polls?.record(source, { at, outcome })
          )?.catch((e: unknown) => wsLog.warn({ err: e, source }, 'could not record a poll'));
        },
      },
      () => dispatcher!,
    );
  };
  const allStages = watched.map(stagesOf);
  const routed = routeToWorkspaces(
    new Map(watched.map((ws, i) => [ws.workspaceId, allStages[i]!.processors])),
    logger,
  );
  // A signal job's outbox row goes once its signals are correlated (see `queueSignals`).
  const processors = { ...routed, signal: removingFromOutbox(repos.signalOutbox, routed.signal) };

  const healDeps: AutoHealDeps = {
    policy: policy.remediation,
    incidents: repos.incidents,
    processedKeys: repos.processedKeys,
    lastFix: (workspaceId, fingerprint, exceptIncidentId) =>
      repos.fixes.lastFor(workspaceId, fingerprint, exceptIncidentId),
    press,
    notify: notifyQueued,
    clock,
    wallClock,
    logger: logger.child({ module: 'auto-heal' }),
  };
  const remediationProcessors = createRemediationProcessors(
    runner,
    () => remediationDispatcher!,
    (incidentId) => autoHeal(healDeps, incidentId),
  );
  let drain: (() => Promise<void>) | null = null;
  let failures: () => string[] = () => [];
  if (options.queue.kind === 'inline') {
    const inline = new InlineDispatcher<MonitoringPayloads>(processors, {
      onError: (queue, error) => logger.warn({ queue, err: error }, 'monitoring job failed'),
    });
    const remediationInline = new InlineDispatcher<RemediationPayloads>(remediationProcessors, {
      onError: (queue, error) => logger.warn({ queue, err: error }, 'remediation job failed'),
      clock,
    });
    dispatcher = inline;
    remediationDispatcher = remediationInline;
    drain = async () => {
      await inline.drain();
      await remediationInline.drain();
      // What a remediation changed goes to the notifier queue.
      await inline.drain();
    };
    failures = () =>
      [...inline.failures, ...remediationInline.failures].map(
        (f) => `${f.queue}: ${f.error instanceof Error ? f.error.message : String(f.error)}`,
      );
  } else {
    // Loaded only here: BullMQ and ioredis are for a deployment with a Redis, not the embedded default.
    const { BullmqDispatcher } = await import('../jobs/bullmq-dispatcher.js');
    const bullmq = new BullmqDispatcher<MonitoringPayloads>({
      connection: { url: options.queue.url },
      ...(options.queue.prefix ? { prefix: options.queue.prefix } : {}),
      queues: MONITORING_QUEUES,
      // Webhook jobs wait on the workspace's REST API, signal jobs on the store: both are I/O-bound. On
      // PostgreSQL, signals that could correlate take turns on the correlation lock (advisory locks)
      // and the rest run side by side; PGlite, one connection, takes them in order.
      concurrency: { webhook: 16, signal: parallelSignals ? 16 : 1 },
      processors: worksOn(role, processors),
      onFailed: (queue, jobId, error) =>
        logger.warn({ queue, jobId, err: error.message }, 'monitoring job failed'),
    });
    dispatcher = bullmq;
    watched.forEach((ws, i) => {
      const ledger = new PollLedger(
        () => bullmq.redis(),
        bullmq.prefix,
        i === 0 ? undefined : ws.workspaceId,
      );
      ledgers.set(ws.workspaceId, ledger);
      showPollAge(metrics, { workspaceId: ws.workspaceId, polls: ledger, wallClock });
    });
    remediationDispatcher = new BullmqDispatcher<RemediationPayloads>({
      connection: { url: options.queue.url },
      ...(options.queue.prefix ? { prefix: options.queue.prefix } : {}),
      queues: REMEDIATION_QUEUES,
      processors: role === 'web' ? {} : remediationProcessors,
      onFailed: (queue, jobId, error) =>
        logger.warn({ queue, jobId, err: error.message }, 'remediation job failed'),
    });
  }

  const webhookRoute = (credentials: WebhookCredentials | null, workspaceId?: string) =>
    createDatabricksWebhookRoute({
      credentials,
      ...(workspaceId === undefined ? {} : { workspaceId }),
      dispatcher: () => dispatcher!,
      processedKeys: repos.processedKeys,
      wallClock,
      logger: logger.child({
        module: 'webhook',
        ...(workspaceId === undefined ? {} : { workspace: workspaceId }),
      }),
      metrics,
    });
  const routes: Route[] = [
    // With several workspaces, each path takes only its own workspace's notifications.
    {
      path: WEBHOOK_PATH,
      listener: webhookRoute(options.webhookCredentials, several ? primaryId : undefined),
    },
    ...(several
      ? [
          {
            path: `${WEBHOOK_PATH}/${primaryId}`,
            listener: webhookRoute(options.webhookCredentials, primaryId),
          },
          // A listed workspace without `webhook` credentials is polled only: no path takes anyone's word.
          ...(options.moreWorkspaces ?? []).flatMap((ws) =>
            ws.webhookCredentials === null
              ? []
              : [
                  {
                    path: `${WEBHOOK_PATH}/${ws.workspaceId}`,
                    listener: webhookRoute(ws.webhookCredentials, ws.workspaceId),
                  },
                ],
          ),
        ]
      : []),
    ...(charts ? [charts.route] : []),
    ...(slack ? [{ path: '/slack/events', listener: slack.listener }] : []),
    ...(teams ? [{ path: '/api/messages', listener: teams.listener }] : []),
    { path: '/', listener: consoleAdapter.listener },
  ];

  return {
    repos,
    handler,
    console: consoleAdapter,
    slack,
    teams,
    dispatcher,
    remediationDispatcher,
    drain,
    failures,
    metrics,
    polls: watched.flatMap((ws) => {
      const ledger = ledgers.get(ws.workspaceId);
      return ledger
        ? [{ workspaceId: ws.workspaceId, name: workspaceName(policy, ws.workspaceId), ledger }]
        : [];
    }),
    routes,
    postDigests: () => postDueDigests(digestDeps),
    close: async () => {
      await dispatcher?.close();
      await remediationDispatcher?.close();
      await slack?.stop();
      await teams?.close();
      await consoleAdapter.close();
      await consoleFeed?.close();
    },
  };

  function teamsSettings() {
    if (!env.TEAMS_APP_ID || !env.TEAMS_APP_PASSWORD) return null;
    return {
      appId: env.TEAMS_APP_ID,
      appPassword: env.TEAMS_APP_PASSWORD,
      ...(env.TEAMS_TENANT_ID ? { tenantId: env.TEAMS_TENANT_ID } : {}),
      ...(env.TEAMS_SERVICE_URL ? { serviceUrl: env.TEAMS_SERVICE_URL } : {}),
    };
  }
}

/** What cards and answers call a workspace: its `workspaces` name, else its id. */
function workspaceName(policy: Policy, workspaceId: string): string {
  return workspaceEntry(policy, workspaceId)?.name ?? workspaceId;
}

/** The monitoring processors a process of `role` runs. */
function worksOn(
  role: ProcessRole,
  processors: Processors<MonitoringPayloads>,
): Partial<Processors<MonitoringPayloads>> {
  if (role === 'all') return processors;
  return Object.fromEntries(
    Object.entries(processors).filter(([queue]) => WEB_QUEUES.has(queue) === (role === 'web')),
  );
}
