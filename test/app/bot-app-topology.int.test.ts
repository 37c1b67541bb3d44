import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BotApp, createBotApp } from '../../src/app/bot-app.js';
import { WEBHOOK_PATH } from '../../src/app/databricks-webhook-route.js';
import { type EmbeddedWorkspace, startEmbeddedWorkspace } from '../../src/app/embedded-workspace.js';
import { createHttpApp, listen } from '../../src/app/http-app.js';
import { loadEnv } from '../../src/config/env.js';
import { createLogger } from '../../src/config/logger.js';
import { defaultPolicy } from '../../src/config/policy.js';
import { patAuth } from '../../src/databricks/auth/auth-provider.js';
import { createDatabricksClient } from '../../src/databricks/rest/databricks-client.js';
import type { BullmqDispatcher } from '../../src/jobs/bullmq-dispatcher.js';
import { type RedisServerHandle, startRedisServer } from '../../src/jobs/redis-server.js';
import { openStore, type Store } from '../../src/store/open-store.js';

const WEBHOOK = { username: 'dbxops', password: 'topology-webhook-secret' };

/**
 * Issue 17: a workspace's topology (every job's settings and the lineage of its tables, ~100 MB on a
 * 100,000-job workspace) is held by the processes that observe and correlate that workspace's work, once
 * each, and never by `dbxops web`, which only takes the webhooks in and updates the cards.
 */
describe('where a workspace topology is loaded', () => {
  let sim: EmbeddedWorkspace;
  let redis: RedisServerHandle;
  let store: Store;
  const apps: BotApp[] = [];
  let server: Server | undefined;

  beforeAll(async () => {
    [sim, redis, store] = await Promise.all([
      startEmbeddedWorkspace({ scenario: { file: 'scenarios/demo.yaml' }, seed: 42, speed: 0 }),
      startRedisServer(),
      openStore({ dataDir: 'memory://' }),
    ]);
  });
  afterAll(async () => {
    server?.closeAllConnections();
    server?.close();
    for (const app of apps.splice(0)) await app.close();
    await store?.close();
    await redis?.stop();
    await sim?.close();
  });

  /** A dbxops process of `role` on the shared Redis and store; `topologyReads` counts its `jobs/list` walks. */
  async function dbxops(role: 'web' | 'worker', prefix: string) {
    let topologyReads = 0;
    const app = await createBotApp({
      env: loadEnv({ LOG_LEVEL: 'silent' }),
      policy: defaultPolicy(),
      clock: sim.workspace.clock,
      logger: createLogger({ level: 'silent' }),
      databricks: {
        client: createDatabricksClient({
          host: sim.url,
          auth: patAuth(sim.token),
          clock: sim.workspace.clock,
          fetch: (input, init) => {
            const url = new URL(input);
            // A topology load walks `jobs/list` from its first page (no page token).
            if (url.pathname.endsWith('/jobs/list') && !url.searchParams.has('page_token')) topologyReads++;
            return fetch(input, init);
          },
        }),
        warehouse: sim.warehouse,
        workspaceId: sim.workspace.workspaceId,
      },
      store,
      queue: { kind: 'bullmq', url: redis.url, prefix, role },
      webhookCredentials: role === 'web' ? WEBHOOK : null,
    });
    apps.push(app);
    return { app, topologyReads: () => topologyReads };
  }

  const deliver = (port: number, runId: number) =>
    fetch(`http://127.0.0.1:${port}${WEBHOOK_PATH}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from(`${WEBHOOK.username}:${WEBHOOK.password}`).toString('base64')}`,
      },
      body: JSON.stringify({
        event_type: 'jobs.on_success',
        workspace_id: sim.workspace.workspaceId,
        run: { run_id: String(runId) },
        job: { job_id: '1', name: 'a_job' },
      }),
    }).then((r) => r.status);

  /** Until no webhook job waits or runs (every delivery was taken by a worker and finished). */
  async function webhooksTaken(dispatcher: BotApp['dispatcher']) {
    const bullmq = dispatcher as BullmqDispatcher<Record<string, unknown>>;
    for (let tries = 0; tries < 400; tries++) {
      const depths = await bullmq.depths();
      const pending = depths
        .filter(
          (d) => d.queue === 'webhook' && ['waiting', 'active', 'prioritized', 'delayed'].includes(d.state),
        )
        .reduce((n, d) => n + d.count, 0);
      if (pending === 0) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('the webhook queue never drained');
  }

  it('dbxops web takes in webhooks without reading the topology; the worker that handles them reads it once', async () => {
    const prefix = `test-${randomUUID()}`;
    const web = await dbxops('web', prefix);
    server = createHttpApp({ routes: web.app.routes, metrics: web.app.metrics.registry });
    const { port } = await listen(server, 0, '127.0.0.1');

    for (const runId of [910_001, 910_002, 910_003]) expect(await deliver(port, runId)).toBe(202);
    const worker = await dbxops('worker', prefix);
    await webhooksTaken(web.app.dispatcher);
    for (const runId of [910_004, 910_005]) expect(await deliver(port, runId)).toBe(202);
    await webhooksTaken(web.app.dispatcher);

    expect(web.topologyReads()).toBe(0);
    expect(worker.topologyReads()).toBe(1);
  });

  it('a worker reads a topology again once it is over an hour old, though another worker took the refresh polls', async () => {
    const prefix = `test-${randomUUID()}`;
    const web = await dbxops('web', prefix);
    const worker = await dbxops('worker', prefix);
    const local = createHttpApp({ routes: web.app.routes, metrics: web.app.metrics.registry });
    const { port } = await listen(local, 0, '127.0.0.1');
    try {
      expect(await deliver(port, 920_001)).toBe(202);
      await webhooksTaken(web.app.dispatcher);
      sim.workspace.advanceBy(45 * 60_000);
      expect(await deliver(port, 920_002)).toBe(202);
      await webhooksTaken(web.app.dispatcher);
      expect(worker.topologyReads()).toBe(1);

      sim.workspace.advanceBy(20 * 60_000);
      expect(await deliver(port, 920_003)).toBe(202);
      await webhooksTaken(web.app.dispatcher);
      for (let tries = 0; tries < 400 && worker.topologyReads() < 2; tries++)
        await new Promise((r) => setTimeout(r, 50));
      expect(worker.topologyReads()).toBe(2);
    } finally {
      local.closeAllConnections();
      local.close();
    }
  });
});
