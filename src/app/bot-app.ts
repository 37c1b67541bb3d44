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
import { chainGates, type RemediationAudit } from '../agents/remediation/remediation-gate.js';
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
  scheduledCard,
} from '../notify/post-scheduled.js';
import { BullmqDispatcher, type Dispatcher, InlineDispatcher, type Processors } from '../jobs/dispatcher.js';
import { createMetrics, type DbxopsMetrics } from '../jobs/metrics.js';
import { PollLedger } from '../jobs/poll-ledger.js';
import { routeToWorkspaces } from '../jobs/workspace-stages.js';
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
   * The workspace chat commands and remediations act on, watched first: its webhook is `/webhooks/databricks`
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
}

/**
 * A channel the policy posts to that a surface cannot reach (a Teams channel without a conversation
 * id): said once at start-up in the log and in that channel of the console, instead of posts that go
 * nowhere without a word. The notifier skips those copies until the policy maps them.
 */
async function reportUnroutedChannels(
  policy: Policy,
  surfaces: readonly ChatSurface[],
  consoleSurface: ChatSurface,
  logger: Logger,
): Promise<void> {
  const unrouted = unroutedChannels(
    policy,
    surfaces.map((s) => s.surface),
  );
  if (unrouted.length === 0) return;
  logger.warn({ unrouted }, 'some policy channels have no channel on a surface; their posts skip it');
  for (const { surface, channel, message } of unrouted) {
    await consoleSurface
      .postCard(
        { channelId: channel },
        { kind: 'message', tone: 'warning', title: `Not posted on ${surface}`, text: message, fields: [] },
      )
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
  // Before anything runs: guardrails, then the presser's own Databricks rights (docs/guardrails-and-audit.md,
  // docs/remediation-rights.md); every step goes to the hash-chained audit log.
  const gate = chainGates([
    guardrailsGate({
      policy: policy.remediation,
      switches: repos.switches,
      audit: repos.audit,
      clock,
      wallClock,
    }),
    rightsGate({
      policy,
      scim: options.databricks.client.scim,
      permissions: options.databricks.client.permissions,
    }),
  ]);
  const audit: RemediationAudit = auditRecorder({ log: repos.audit, wallClock, policy: policy.remediation });
  const runner: RemediationRunnerDeps = {
    remediations: repos.remediations,
    incidents: repos.incidents,
    databricks: options.databricks.client,
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
      answer = await lookUpJobStatus(ws.client, repos.incidents, query, ws.workspaceId);
      if (!answer.ok && answer.reason === 'not_found') continue;
      if (answer.ok && several)
        return ok({
          ...answer.value,
          jobName: `${answer.value.jobName} (${workspaceName(policy, ws.workspaceId)})`,
        });
      return answer;
    }
    return answer!;
  };
  const handlerLog = logger.child({ module: 'handlers' });
  // One model, one daily budget in the store: questions and incident explanations draw on both.
  const language = languageModelFor(env, policy, wallClock, repos.tokenUsage);
  const scim = options.databricks.client.scim;
  const pressDeps: PressDeps = {
    incidents: repos.incidents,
    remediations: repos.remediations,
    databricks: options.databricks.client,
    logger: logger.child({ module: 'remediation' }),
    gate,
    audit,
    queue: (attemptId) => queueAttempt(remediationDispatcher!, attemptId),
    wallClock,
    maxAttempts: MAX_REMEDIATION_ATTEMPTS,
    host: options.databricks.client.host,
    escalateTo: policy.routing.oncall_mention || 'the on-call engineer',
    routing: policy.routing,
    fourEyes: {
      approvals: repos.approvals,
      principalOf: async (presser) => {
        const found = await resolvePrincipal(presser, { policy, scim });
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
      approverRights: rightsGate({ policy, scim, permissions: options.databricks.client.permissions }),
    },
  };
  /**
   * A press, by a person or auto-heal. With several workspaces watched, remediations act on the first
   * only: the runner holds its client, and the presser's rights are checked in it. An incident of another
   * is refused before anything is read or planned, saying where to act.
   */
  const press = async (input: PressInput) => {
    const incident = several ? await repos.incidents.get(input.incidentId) : undefined;
    if (incident !== undefined && incident.workspaceId !== primaryId) {
      return err(
        'refused',
        `dbxops runs remediations in ${workspaceName(policy, primaryId)} only; this incident is in ${workspaceName(policy, incident.workspaceId)}: act on it there.`,
      );
    }
    return pressRemediation(pressDeps, input);
  };
  const clientOf = (workspaceId: string) =>
    watched.find((w) => w.workspaceId === workspaceId)?.client ?? options.databricks.client;
  const handlerDeps = {
    incidents: repos.incidents,
    cardPosts: repos.cardPosts,
    // What a press changed goes to the notifier, like every other change: one path updates every copy.
    notify: notifyQueued,
    processedKeys: repos.processedKeys,
    clock,
    wallClock,
    policy,
    jobStatus: (query: string) => jobStatusIn(watched, query),
    planContext: (kind: RemediationKind, incident: Incident, signal: Signal | undefined) =>
      // A plan card shows the incident's own workspace's settings.
      readPlanContext(
        { databricks: clientOf(incident.workspaceId), logger: handlerLog, routing: policy.routing },
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
    cost: createCostAnalyst({
      warehouse: options.databricks.warehouse,
      workspaceId: options.databricks.workspaceId,
      timeoutMs: policy.ask.timeout_seconds * 1000,
    }),
    ...(charts ? { chartUrl: (chart: CostChart) => charts.url(chart) } : {}),
    explanations: repos.explanations,
    analyst: analystFor(language, {
      warehouse: options.databricks.warehouse,
      clock,
      wallClock,
      policy,
      contexts: repos.askContexts,
      incidents: repos.incidents,
      databricks: options.databricks.client,
    }),
    press,
    approve: (input: ApproveInput) => approveRemediation(pressDeps, input),
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
  const consoleAdapter = createConsoleAdapter({
    handler,
    clock,
    wallClock,
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
  // The console keeps its history in memory: the open incidents' cards it showed before a restart are
  // posted again, current, from card_posts.
  // A worker posts no cards: its console would be one nobody opens, and its copies would displace the
  // web process' own in card_posts.
  const role = options.queue.kind === 'bullmq' ? options.queue.role : 'all';
  if (role !== 'worker') {
    const restored = await restoreSurface(notifier, 'console');
    if (restored > 0) logger.info({ cards: restored }, 'console cards restored from card_posts');
  }

  await reportUnroutedChannels(policy, surfaces, consoleAdapter.surface, logger);

  const workspaceId = options.databricks.workspaceId;
  const digestDeps = {
    posts: repos.scheduledPosts,
    policy,
    surfaces,
    schedules: digestSchedules(policy),
    clock,
    wallClock,
    since: clock.now(),
    logger: logger.child({ module: 'digest' }),
    build: scheduledCard(
      {
        warehouse: options.databricks.warehouse,
        digests: repos.digests,
        recurringIssues: repos.recurringIssues,
        workspace: {
          id: workspaceId,
          name: workspaceEntry(policy, workspaceId)?.name ?? options.workspaceName ?? workspaceId,
        },
        budgets: policy.budgets,
        slas: policy.slas,
        timeZone: policy.timezone,
      },
      {
        ...(options.consoleUrl
          ? { incidentUrl: (id: string) => `${options.consoleUrl}/#incident/${id}` }
          : {}),
        ...(charts ? { chartUrl: (chart: CostChart) => charts.url(chart) } : {}),
      },
    ),
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
          verifyEndedRuns(remediationDispatcher!, repos.remediations, runIds),
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
  const processors = routeToWorkspaces(
    new Map(watched.map((ws, i) => [ws.workspaceId, allStages[i]!.processors])),
    logger,
  );

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
