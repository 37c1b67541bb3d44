import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { pino } from 'pino';
import {
  createConsoleAdapter,
  type ConsoleAdapter,
  type ConsoleAdapterOptions,
} from '../../../src/bot/console/console-adapter.js';
import type { IncidentCardView } from '../../../src/cards/card-views.js';
import { createHttpApp, listen } from '../../../src/app/http-app.js';
import { defaultPolicy, type Policy } from '../../../src/config/policy.js';
import { ManualClock } from '../../../src/domain/clock.js';
import type { NewIncident } from '../../../src/domain/incident.js';
import { createChatHandler, loadIncidentCard } from '../../../src/handlers/chat-handler.js';
import type { ChatHandler, MessageRef } from '../../../src/handlers/chat-request.js';
import { type NotifierDeps, notifyIncident } from '../../../src/notify/notify-incident.js';
import { openStore, type Store } from '../../../src/store/open-store.js';
import { createRepositories, type Repositories } from '../../../src/store/repositories.js';

export const T0 = Date.UTC(2024, 4, 1, 2, 0, 0);

export interface ConsoleHarness {
  readonly baseUrl: string;
  readonly adapter: ConsoleAdapter;
  readonly repos: Repositories;
  /** The workspace's clock (cards, SLAs). */
  readonly clock: ManualClock;
  /** Real time as the console's sessions see it. */
  readonly wallClock: ManualClock;
  /** Opens an incident in the store and posts its card to `#incidents` through the surface. */
  postIncident(overrides?: Partial<NewIncident>): Promise<{ view: IncidentCardView; ref: MessageRef }>;
  close(): Promise<void>;
}

/**
 * One in-memory PGlite store per test file: opening one takes seconds, and tests stay apart anyway
 * because every incident, request id and console is their own.
 */
export function openConsoleStore(): Promise<Store> {
  return openStore({ dataDir: 'memory://' });
}

/**
 * The console as `dbxops start` wires it, on a free loopback port: the real chat handler over `store`,
 * the one HTTP app with the console mounted at `/`.
 */
export async function startConsole(
  store: Store,
  options: {
    policy?: Policy;
    /** Wraps the real handler, e.g. to make it fail like a store that went away. */
    wrapHandler?: (real: ChatHandler) => ChatHandler;
    /**
     * Start on the history the store holds, as a second web process or a restarted one does (default: an
     * empty history, so tests sharing the file's store stay apart).
     */
    keepHistory?: boolean;
  } & Partial<Omit<ConsoleAdapterOptions, 'handler' | 'clock' | 'wallClock' | 'logger' | 'history'>> = {},
): Promise<ConsoleHarness> {
  const repos = createRepositories(store.db);
  const clock = new ManualClock(T0);
  // A different instant from the workspace's, so a test cannot pass by mixing the two up.
  const wallClock = new ManualClock(Date.UTC(2031, 0, 1));
  const logger = pino({ level: 'silent' });
  const policy = options.policy ?? defaultPolicy();
  const card = (id: string) => loadIncidentCard({ incidents: repos.incidents, clock, policy }, id);
  // What a press changed goes through the real notifier, at once (the queue in between is the app's).
  const notifier = (): NotifierDeps => ({
    incidents: repos.incidents,
    cardPosts: repos.cardPosts,
    surfaces: [adapter.surface],
    policy,
    clock,
    wallClock,
    loadCard: card,
    logger,
  });
  const deps = {
    incidents: repos.incidents,
    cardPosts: repos.cardPosts,
    notify: async (id: string) => void (await notifyIncident(notifier(), id)),
    processedKeys: repos.processedKeys,
    clock,
    policy,
    logger,
  };
  const real = createChatHandler(deps);
  if (options.keepHistory !== true) {
    await store.db.deleteFrom('console_messages').execute();
    await store.db.deleteFrom('console_channels').execute();
  }
  const adapter = createConsoleAdapter({
    heartbeatMs: 0,
    status: () => ({ mode: 'workspace', name: 'demo', host: 'demo', now: clock.now(), speed: 1 }),
    ...options,
    handler: options.wrapHandler?.(real) ?? real,
    // The embedded default with nobody configured: the local operator, named as the page shows them.
    auth: options.auth ?? { kind: 'local', user: 'you' },
    history: repos.consoleHistory,
    clock,
    wallClock,
    logger,
  });
  const server: Server = createHttpApp({ routes: [{ path: '/', listener: adapter.listener }] });
  const address = await listen(server, 0, '127.0.0.1');
  return {
    baseUrl: `http://127.0.0.1:${address.port}`,
    adapter,
    repos,
    clock,
    wallClock,
    async postIncident(overrides = {}) {
      const opened = await repos.incidents.open({
        id: `inc_${randomUUID().replaceAll('-', '').slice(0, 12)}`,
        workspaceId: 'demo',
        fingerprint: `fp_${randomUUID()}`,
        title: 'Nightly orders ETL failing since 02:10',
        summary: 'Task ingest failed: table main.sales.orders_2024 cannot be found.',
        severity: 'P1',
        openedAt: clock.now(),
        slaDeadline: clock.now() + 45 * 60_000,
        team: 'sales-data',
        owner: 'sales-data-eng',
        blastRadius: { jobs: ['publish_orders', 'finance_rollup'], tables: ['main.sales.daily'], count: 3 },
        costUsd: 18.4,
        ...overrides,
      });
      if (!opened.ok) throw new Error(opened.userMessage);
      const incident = opened.value.incident;
      const view = await card(incident.id);
      if (view === undefined) throw new Error('incident vanished');
      // Posted and recorded as the notifier does, without the on-call note a P1 gets in its thread.
      const key = { incidentId: incident.id, surface: 'console', channelId: '#incidents' };
      await repos.cardPosts.claim(key, 'harness', wallClock.now(), 0);
      const ref = await adapter.surface.postCard({ channelId: '#incidents' }, view);
      await repos.cardPosts.complete(key, 'harness', {
        messageId: ref.messageId,
        messageChannelId: ref.channelId,
        shownVersion: incident.version,
        notesThroughSeq: Math.max(0, ...(await repos.incidents.timeline(incident.id)).map((e) => e.seq)),
        postedAt: clock.now(),
      });
      return { view, ref };
    },
    async close() {
      await adapter.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
