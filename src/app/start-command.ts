import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { assertConsoleExposure } from '../config/console-exposure.js';
import { type Env, loadEnv } from '../config/env.js';
import { createLogger, type Logger } from '../config/logger.js';
import { loadPolicy } from '../config/policy.js';
import { patAuth } from '../databricks/auth/auth-provider.js';
import { createWarehouse } from '../databricks/create-warehouse.js';
import { currentWorkspaceId } from '../databricks/rest/current-workspace-id.js';
import { createDatabricksClient } from '../databricks/rest/databricks-client.js';
import { type Clock, systemClock } from '../domain/clock.js';
import { ConfigError } from '../domain/errors.js';
import type { WorkspaceStatus } from '../bot/console/workspace-status.js';
import { reportRetryWait } from '../jobs/degraded-sources.js';
import type { BullmqDispatcher } from '../jobs/bullmq-dispatcher.js';
import { keepPollSchedules, pollSchedules } from '../jobs/keep-poll-schedules.js';
import type { MonitoringPayloads } from '../jobs/monitoring.js';
import { startRedisServer } from '../jobs/redis-server.js';
import { requeueLostWork } from '../jobs/requeue-lost-work.js';
import { lateAfterAtSpeed } from '../notify/post-scheduled.js';
import { openStore } from '../store/open-store.js';
import { type BotApp, createBotApp, type ProcessRole, type WatchedWorkspace } from './bot-app.js';
import { localOperator } from './console-auth-setup.js';
import { withEmbeddedOperator } from './embedded-operator.js';
import type { EmbeddedWorkspace } from './embedded-workspace.js';
import { createHttpApp, listen, loopbackReachableUrl, type ReservedPort, reservePort } from './http-app.js';
import { monitoringReadiness, type Readiness } from './readiness.js';
import { WEBHOOK_PATH } from './databricks-webhook-route.js';
import { embeddedWorkspaceStatus, realWorkspaceStatus, withMonitoringHealth } from './workspace-status.js';
import {
  connectConfiguredWorkspace,
  connectListedWorkspace,
  listedWorkspaces,
  warehouseConfig,
} from './connect-configured-workspace.js';

/**
 * Real time between dbxops being ready and the demo's first failure: the quiet hours before it are
 * played flat out, so the first incident card reaches the console about half a minute after
 * `dbxops start`. The demo's clock starts only once the console listens: a start-up slowed by a busy
 * machine then delays the failure instead of letting it pass before anyone can see what comes next.
 */
const DEMO_LEAD_IN_MS = 20_000;

export interface RunningDbxops {
  /** The console and every endpoint: `http://host:port`. */
  url: string;
  app: BotApp;
  embedded: EmbeddedWorkspace | null;
  stop(): Promise<void>;
}

/**
 * Starts everything `dbxops start` runs: with no Databricks configured, the embedded workspace playing
 * its scenario (accelerated), a private Redis, PGlite, the workers and the console; with
 * `DATABRICKS_HOST`, the real workspace. Slack and Teams join when their variables are set. One HTTP
 * server serves the console, `/slack/events`, `/api/messages`, the webhook endpoint, `/metrics` and
 * health checks.
 *
 * `role` splits that in two for a deployment of many processes on one Redis and one PostgreSQL:
 * `web` serves HTTP and updates the cards (the console lives where its cards are posted) and posts the
 * scheduled digests; `worker` takes in webhooks, polls, correlates and remediates, and serves only
 * `/healthz`, `/readyz` and `/metrics`.
 *
 * `listenOn` is a port the caller bound already, because it had to give the URL to someone first (a
 * workspace's webhook destination): dbxops serves on it instead of `PORT`, and gives it up if it fails
 * to start.
 */
export async function startDbxops(
  env: Env = loadEnv(),
  logger: Logger = createLogger({ level: env.LOG_LEVEL }),
  role: ProcessRole = 'all',
  listenOn?: ReservedPort,
): Promise<RunningDbxops> {
  // Before anything starts: a console others can reach must know who they are.
  assertConsoleExposure(env);
  let policy = await loadPolicy(process.env.DBXOPS_POLICY ?? 'dbxops.yaml');
  const listed = listedWorkspaces(policy);
  if (role !== 'all') assertSharedState(env, role, listed.length > 0);
  const cleanups: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) {
      await cleanup().catch((e: unknown) => logger.warn({ err: e }, 'shutdown step failed'));
    }
  };
  try {
    const fromEnv = env.DATABRICKS_HOST !== undefined || env.DATABRICKS_CONFIG_PROFILE !== undefined;
    const embeddedMode = !fromEnv && listed.length === 0;
    const webhookPassword =
      env.DBXOPS_WEBHOOK_PASSWORD ?? (embeddedMode ? randomBytes(18).toString('base64url') : undefined);
    const acceptAnyone = env.DBXOPS_DANGEROUSLY_ACCEPT_UNAUTHENTICATED_WEBHOOKS;
    if (!webhookPassword && !acceptAnyone && fromEnv) {
      logger.warn(
        'DBXOPS_WEBHOOK_PASSWORD is not set: Databricks webhooks will be refused; polling still runs',
      );
    }
    // No credentials at all would take anyone's deliveries: without a password (and without the
    // dangerous switch) the path asks for one nobody knows, so each delivery is answered 401.
    const refuseAll = () => ({
      username: env.DBXOPS_WEBHOOK_USERNAME,
      password: randomBytes(32).toString('base64url'),
    });
    const credentials = webhookPassword
      ? { username: env.DBXOPS_WEBHOOK_USERNAME, password: webhookPassword }
      : acceptAnyone
        ? null
        : refuseAll();
    // The simulator needs the webhook URL before the server listens: PORT=0 binds a port now and holds it.
    const reserved = listenOn ?? (env.PORT === 0 ? await reservePort(env.HOST) : undefined);
    if (reserved !== undefined) cleanups.push(() => reserved.release());
    const port = reserved?.port ?? env.PORT;
    const publicUrl = loopbackReachableUrl(env.HOST, port);

    let embedded: EmbeddedWorkspace | null = null;
    let clock: Clock = systemClock;
    let databricks: Parameters<typeof createBotApp>[0]['databricks'] | undefined;
    let workspaceStatus: () => WorkspaceStatus;
    // The `workspaces` entries with `auth`, watched beside the environment's (the first of them stands in
    // for it when the environment names none).
    const others: WatchedWorkspace[] = [];
    let firstCredentials = credentials;
    if (embeddedMode) {
      // Loaded only here: a deployment watching a real workspace does not carry the simulator and DuckDB.
      const { startEmbeddedWorkspace } = await import('./embedded-workspace.js');
      embedded = await startEmbeddedWorkspace({
        scenario: { file: env.DBXOPS_SCENARIO },
        seed: env.DBXOPS_SEED,
        speed: env.DBXOPS_SIM_SPEED,
        leadInMs: DEMO_LEAD_IN_MS,
        clockWaits: true,
        webhook: {
          url: `${publicUrl}${WEBHOOK_PATH}`,
          username: env.DBXOPS_WEBHOOK_USERNAME,
          password: webhookPassword!,
        },
      });
      const sim = embedded;
      cleanups.push(() => sim.close());
      const localConsole =
        env.DBXOPS_CONSOLE_USERS_FILE === undefined && env.DBXOPS_CONSOLE_TRUSTED_HEADER === undefined;
      policy = withEmbeddedOperator(policy, {
        consoleUser: localConsole ? localOperator() : undefined,
        operator: sim.workspace.scenario.operator,
      });
      clock = sim.workspace.clock;
      workspaceStatus = embeddedWorkspaceStatus(sim.workspace, env.DBXOPS_SIM_SPEED, sim.firstFailure);
      databricks = {
        client: createDatabricksClient({
          host: sim.url,
          auth: patAuth(sim.token),
          clock,
          onRetry: reportRetryWait,
        }),
        warehouse: sim.warehouse,
        workspaceId: sim.workspace.workspaceId,
      };
    } else {
      if (fromEnv) {
        const { client, config } = await connectConfiguredWorkspace(env, { onRetry: reportRetryWait });
        if (!env.DATABRICKS_WAREHOUSE_ID) {
          throw new ConfigError(
            'Set DATABRICKS_WAREHOUSE_ID: dbxops reads the system tables through a SQL warehouse',
          );
        }
        const warehouse = await createWarehouse(
          warehouseConfig(env.DATABRICKS_SQL_TRANSPORT, env.DATABRICKS_WAREHOUSE_ID, client, config),
        );
        cleanups.push(() => warehouse.close());
        // The system tables filter on the numeric workspace id, which the host name does not carry.
        const workspaceId = env.DATABRICKS_WORKSPACE_ID ?? (await currentWorkspaceId(client.transport));
        databricks = { client, warehouse, workspaceId };
        if (listed.some((w) => w.id === workspaceId)) {
          throw new ConfigError(
            `workspaces: ${workspaceId} is the workspace of DATABRICKS_HOST already; give its entry no auth`,
            { workspace: workspaceId },
          );
        }
      }
      for (const entry of listed) {
        const connected = await connectListedWorkspace(entry, {
          transport: env.DATABRICKS_SQL_TRANSPORT,
          secrets: process.env,
          onRetry: reportRetryWait,
        });
        cleanups.push(() => connected.close());
        others.push(connected);
      }
      if (!fromEnv) {
        const first = others.shift()!;
        databricks = { client: first.client, warehouse: first.warehouse, workspaceId: first.workspaceId };
        // It takes `/webhooks/databricks` too: only with its own credentials.
        firstCredentials = first.webhookCredentials ?? refuseAll();
      }
      if (databricks === undefined) throw new ConfigError('No workspace to watch');
      const hosts = [databricks.client.host, ...others.map((w) => w.client.host)];
      workspaceStatus = realWorkspaceStatus(hosts, clock);
    }

    // The embedded workspace restarts its scenario on every start, so its incidents live in memory too.
    const store = await openStore(
      env.DATABASE_URL
        ? { databaseUrl: env.DATABASE_URL }
        : { dataDir: embeddedMode ? 'memory://' : join(env.DBXOPS_DATA_DIR, 'pglite'), logger },
    );
    cleanups.push(() => store.close());

    let redisUrl = env.REDIS_URL;
    if (!redisUrl) {
      const redis = await startRedisServer();
      cleanups.push(() => redis.stop());
      redisUrl = redis.url;
    }

    // Poll in simulated time: at 60× a simulated minute passes every real second.
    const speed = embeddedMode ? env.DBXOPS_SIM_SPEED : 1;
    // Readiness is known once the queues are: the console's status asks it at every look.
    let readiness: (() => Promise<Readiness>) | undefined;
    const app = await createBotApp({
      env,
      policy,
      clock,
      logger,
      databricks,
      store,
      queue: { kind: 'bullmq', url: redisUrl, role },
      webhookCredentials: firstCredentials,
      moreWorkspaces: others,
      consoleUrl: env.DBXOPS_PUBLIC_URL?.replace(/\/$/, '') ?? publicUrl,
      workspaceStatus: withMonitoringHealth(workspaceStatus, () => readiness?.()),
      ...(embedded ? { workspaceName: embedded.workspace.scenario.workspace.name } : {}),
      postLateAfterMs: lateAfterAtSpeed(speed),
    });
    cleanups.push(() => app.close());

    const dispatcher = app.dispatcher as BullmqDispatcher<MonitoringPayloads>;
    await dispatcher.ready;
    const mode = embeddedMode ? 'embedded' : 'real';
    const schedules = pollSchedules(mode, speed);
    // Each workspace polls on its own schedules: the first's keep their ids, the others' name them.
    const allSchedules = [...schedules, ...others.flatMap((w) => pollSchedules(mode, speed, w.workspaceId))];
    const pollingSince = systemClock.now();
    // Workers keep the schedules: a web process alone must not have polls queued that nobody takes.
    if (role !== 'web') {
      const kept = await keepPollSchedules(dispatcher, allSchedules, {
        logger,
        // Signals and card updates queued and not yet taken went with Redis' data: the store says
        // what was owed, and it is queued again.
        onLost: async () => {
          await requeueLostWork({
            outbox: app.repos.signalOutbox,
            incidents: app.repos.incidents,
            dispatcher,
            clock,
            logger,
          });
        },
      });
      cleanups.push(() => kept.stop());
    }
    // A worker posts no scheduled cards: the web processes do, where the console is.
    if (role !== 'worker') {
      // Scheduled posts (digest, weekly summary, cost reports) are due on the workspace clock: the embedded
      // mode looks every simulated minute (every second at 60×, every 100 ms from 600× up), so an
      // accelerated demo does not let 15 simulated minutes pass between looks and mark its post late.
      let posting = false;
      const digestTimer = setInterval(
        () => {
          if (posting) return;
          posting = true;
          app
            .postDigests()
            .catch((e: unknown) =>
              logger.warn({ err: e }, 'scheduled posts failed; retried on the next tick'),
            )
            .finally(() => {
              posting = false;
            });
        },
        embeddedMode ? Math.min(1_000, Math.max(100, 60_000 / speed)) : 30_000,
      );
      digestTimer.unref();
      cleanups.push(async () => clearInterval(digestTimer));
    }
    const depthTimer = setInterval(() => {
      dispatcher
        .depths()
        .then((rows) => {
          for (const r of rows) app.metrics.queueDepth.set({ queue: r.queue, state: r.state }, r.count);
        })
        .catch(() => {});
    }, 5000);
    depthTimer.unref();
    cleanups.push(async () => clearInterval(depthTimer));

    readiness = monitoringReadiness({
      store,
      workspaces: app.polls.map((p) => ({ name: p.name, polls: p.ledger })),
      schedules,
      wallClock: systemClock,
      since: pollingSince,
    });
    const server: Server = createHttpApp({
      // A worker answers health and metrics only: webhooks, chat and the console go to the web processes.
      routes: role === 'worker' ? [] : app.routes,
      metrics: app.metrics.registry,
      ready: readiness,
      onError: (error) => logger.error({ err: error }, 'request failed'),
    });
    if (reserved !== undefined) await reserved.serve(server);
    else await listen(server, port, env.HOST);
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    if (role !== 'worker') await app.slack?.start();
    embedded?.server.sim.startClock();

    return { url: publicUrl, app, embedded, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * `dbxops web` and `dbxops worker` share their work through Redis and PostgreSQL, and watch a workspace
 * they all reach: the embedded one lives inside a single `dbxops start`.
 */
function assertSharedState(env: Env, role: ProcessRole, listed: boolean): void {
  const missing = [
    ...(env.REDIS_URL ? [] : ['REDIS_URL']),
    ...(env.DATABASE_URL ? [] : ['DATABASE_URL']),
    ...(env.DATABRICKS_HOST || env.DATABRICKS_CONFIG_PROFILE || listed ? [] : ['DATABRICKS_HOST']),
  ];
  if (missing.length > 0) {
    throw new ConfigError(
      `dbxops ${role} shares one Redis, one PostgreSQL and a workspace with the other processes: set ${missing.join(', ')} (dbxops start runs everything in one process without them)`,
      { missing },
    );
  }
}

/**
 * `dbxops start` (or `web`, `worker`): runs until Ctrl-C or SIGTERM, then shuts down gracefully (workers
 * finish their current jobs).
 */
export async function runStart(role: ProcessRole = 'all'): Promise<void> {
  const env = loadEnv();
  const logger = createLogger({ level: env.LOG_LEVEL });
  const running = await startDbxops(env, logger, role);
  const lines = [
    role === 'worker'
      ? `dbxops worker is running — taking webhooks, polls, correlation and remediation from the shared queues`
      : `dbxops ${role === 'web' ? 'web ' : ''}is running — open ${running.url}`,
  ];
  if (running.embedded) {
    const ws = running.embedded.workspace;
    const hours = (ws.endMs - ws.startMs) / 3_600_000;
    lines.push(
      `  embedded workspace: ${running.embedded.scenarioName} at ${env.DBXOPS_SIM_SPEED}× (${hours} simulated hours in ${Math.round((hours * 60) / env.DBXOPS_SIM_SPEED)} min), REST at ${running.embedded.url}`,
    );
    const first = running.embedded.firstFailure;
    if (first !== undefined && first.at > ws.now()) {
      const seconds = Math.round((first.at - ws.now()) / env.DBXOPS_SIM_SPEED / 1000);
      lines.push(
        `  first failure in about ${seconds} s: ${first.jobName} — its incident card appears in the console`,
      );
    }
  }
  if (role !== 'worker')
    lines.push(
      `  Slack: ${running.app.slack ? `${running.url}/slack/events` : 'off (set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET)'}`,
      `  Teams: ${running.app.teams ? `${running.url}/api/messages` : 'off (set TEAMS_APP_ID and TEAMS_APP_PASSWORD)'}`,
    );
  lines.push(`  metrics ${running.url}/metrics · health ${running.url}/healthz · Ctrl-C or SIGTERM stops`);
  process.stdout.write(`${lines.join('\n')}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  process.stdout.write('dbxops: stopping…\n');
  await running.stop();
}
