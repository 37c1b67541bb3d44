import type { Server } from 'node:http';
import { loadEnv } from '../config/env.js';
import { createLogger } from '../config/logger.js';
import type { Policy } from '../config/policy.js';
import { patAuth } from '../databricks/auth/auth-provider.js';
import { createDatabricksClient } from '../databricks/rest/databricks-client.js';
import type { Signal } from '../domain/signal.js';
import { POLL_EVERY_MS } from '../jobs/monitoring.js';
import type { SimWorkspace } from '../sim/engine/sim-workspace.js';
import { openStore, type Store } from '../store/open-store.js';
import { type BotApp, createBotApp } from './bot-app.js';
import { type EmbeddedWorkspace, startEmbeddedWorkspace } from './embedded-workspace.js';
import { createHttpApp, listen } from './http-app.js';
import { WEBHOOK_PATH } from './databricks-webhook-route.js';

export interface ReplayOptions {
  readonly scenario: string;
  readonly seed: number;
  /** The policy, or how to derive it from the workspace (the eval maps its responder to the operator). */
  readonly policy: Policy | ((workspace: SimWorkspace) => Policy);
  /** Simulated seconds per step; webhooks are handled at the end of each step. Default 30. */
  readonly step?: number;
  /** Replay only the first hours of the scenario. */
  readonly hours?: number;
  readonly onPosted?: (incidentId: string, cards: number) => void;
  readonly onSignal?: (signal: Signal, outcome: string, incidentId: string | null) => void;
  /**
   * Called once per step, after the step's webhooks and polls went through the pipeline, with the
   * simulated now; what it queues (a pressed button, say) is drained before the next step. The eval's
   * simulated responder acts here.
   */
  readonly onStep?: (now: number, app: BotApp) => Promise<void>;
}

/** A scenario replayed to its end: the app, its store and the workspace, still open for reading. */
export interface Replay {
  readonly app: BotApp;
  readonly store: Store;
  readonly embedded: EmbeddedWorkspace;
  readonly policy: Policy;
  /** The simulated instant the replay stopped at. */
  readonly end: number;
  close(): Promise<void>;
}

const WEBHOOK_AUTH = { username: 'dbxops', password: 'eval-webhook-secret' };
const PLACEHOLDER_URL = 'http://127.0.0.1:9/placeholder';

/**
 * Replays a scenario through the production pipeline — the simulator in-process, webhooks over HTTP,
 * the REST client (answered by the simulator in-process, with the same requests and JSON as over
 * HTTP), the collector, detectors, correlator, triage, the store and the notifier — with the
 * simulated clock at full speed: step by step, each step's webhooks, then the polls that are due on the
 * embedded schedule, then `onStep`. The last step lands exactly on the end, so the workspace stands
 * where `dbxops sim export` would leave it. The caller reads, then closes. `dbxops eval` and
 * `dbxops digest --scenario` both replay through here.
 */
export async function replayScenario(options: ReplayOptions): Promise<Replay> {
  const env = loadEnv({ ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent' });
  const logger = createLogger({ level: env.LOG_LEVEL });
  // On disk in a temporary directory, not in PGlite's in-memory file system: the cluster and its
  // write-ahead log are then the kernel's page cache rather than this process's memory (the demo eval's
  // peak 506–526 → 478–486 MiB with the simulator's tables compressed too: bench/README.md).
  const store = await openStore({ dataDir: 'scratch://' });
  let webhookUrl = '';
  let embedded: EmbeddedWorkspace;
  try {
    embedded = await startEmbeddedWorkspace({
      scenario: { file: options.scenario },
      seed: options.seed,
      speed: 0,
      webhook: { url: PLACEHOLDER_URL, ...WEBHOOK_AUTH },
      // The webhook goes to our own HTTP server, which starts after the simulator: resolve the URL late.
      fetch: (input, init) => fetch(String(input).replace(PLACEHOLDER_URL, webhookUrl), init),
    });
  } catch (error) {
    await store.close();
    throw error;
  }
  const ws = embedded.workspace;
  const clock = ws.clock;
  const policy = typeof options.policy === 'function' ? options.policy(ws) : options.policy;
  let app: BotApp;
  try {
    app = await createBotApp({
      env,
      policy,
      clock,
      // The replay is the time: rate limits, idempotency windows and queue delays count in simulated
      // time too, as they would for a bot that watched the workspace live.
      wallClock: clock,
      logger,
      databricks: {
        client: createDatabricksClient({
          // The REST simulator itself, called in-process: the same requests and JSON answers as over
          // loopback HTTP (auth, faults and errors included), without a socket round trip for each of
          // the ~30,000 calls of a two-day replay.
          host: embedded.server.sim.url,
          fetch: embedded.server.sim.fetch,
          auth: patAuth(embedded.token),
          clock,
          // Throttling waits happen in simulated time: the replay must not sleep for real.
          sleep: async () => {},
          retry: { maxAttempts: 2 },
        }),
        warehouse: embedded.warehouse,
        workspaceId: ws.workspaceId,
      },
      store,
      queue: { kind: 'inline' },
      webhookCredentials: WEBHOOK_AUTH,
      ...(options.onPosted ? { onPosted: options.onPosted } : {}),
      ...(options.onSignal ? { onSignal: options.onSignal } : {}),
    });
  } catch (error) {
    await embedded.close();
    await store.close();
    throw error;
  }
  const drain = app.drain;
  if (drain === null) throw new Error('A replay needs the inline queue');
  const server: Server = createHttpApp({ routes: app.routes, metrics: app.metrics.registry });
  const close = async () => {
    await new Promise((r) => server.close(r));
    await app.close();
    await embedded.close();
    await store.close();
  };
  try {
    const address = await listen(server, 0, '127.0.0.1');
    webhookUrl = `http://127.0.0.1:${address.port}${WEBHOOK_PATH}`;
    const step = (options.step ?? 30) * 1000;
    const due = { runs: 0, system_tables: 0, topology: 0, retriage: 0 };
    const end = options.hours ? Math.min(ws.endMs, ws.startMs + options.hours * 3_600_000) : ws.endMs;
    for (let t = ws.startMs; ; t = Math.min(t + step, end)) {
      ws.advanceTo(t);
      await embedded.server.sim.webhooksSettled();
      for (const source of ['topology', 'runs', 'system_tables', 'retriage'] as const) {
        if (t >= due[source]) {
          await app.dispatcher.dispatch('poll', { source });
          due[source] = t + POLL_EVERY_MS.embedded[source];
        }
      }
      await drain();
      if (options.onStep) {
        await options.onStep(t, app);
        await drain();
      }
      if (t >= end) break;
    }
    return { app, store, embedded, policy, end, close };
  } catch (error) {
    await close();
    throw error;
  }
}
