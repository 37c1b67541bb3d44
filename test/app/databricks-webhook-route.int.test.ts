import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHttpApp, listen } from '../../src/app/http-app.js';
import { createDatabricksWebhookRoute, WEBHOOK_PATH } from '../../src/app/databricks-webhook-route.js';
import { createLogger } from '../../src/config/logger.js';
import { BullmqDispatcher } from '../../src/jobs/bullmq-dispatcher.js';
import { type Dispatcher, InlineDispatcher } from '../../src/jobs/dispatcher.js';
import { MONITORING_QUEUES, type MonitoringPayloads } from '../../src/jobs/monitoring.js';
import { startRedisServer } from '../../src/jobs/redis-server.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { ProcessedKeyRepository } from '../../src/store/processed-key-repository.js';

const AUTH = { username: 'dbxops', password: 's3cret' };
const HEADER = `Basic ${Buffer.from('dbxops:s3cret').toString('base64')}`;

let store: Store;
let server: Server | undefined;
beforeAll(async () => {
  store = await openStore({ dataDir: 'memory://' });
});
afterAll(async () => {
  await store.close();
});
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  server = undefined;
});

type WebhookPayload = MonitoringPayloads['webhook'];

/** The real route on a loopback server, queueing into an in-process dispatcher that records jobs. */
async function startRoute(dispatcher?: Dispatcher<MonitoringPayloads>, workspaceId?: string) {
  const jobs: WebhookPayload[] = [];
  const inline = new InlineDispatcher<MonitoringPayloads>({
    webhook: async (payload) => void jobs.push(payload),
    poll: async () => {},
    signal: async () => {},
    notify: async () => {},
    explain: async () => {},
  });
  const route = createDatabricksWebhookRoute({
    credentials: AUTH,
    ...(workspaceId === undefined ? {} : { workspaceId }),
    dispatcher: () => dispatcher ?? inline,
    processedKeys: new ProcessedKeyRepository(store.db),
    wallClock: { now: () => Date.UTC(2026, 10, 22) },
    logger: createLogger({ level: 'silent' }),
  });
  server = createHttpApp({ routes: [{ path: WEBHOOK_PATH, listener: route }] });
  const { port } = await listen(server, 0, '127.0.0.1');
  // Many connections at once, as Databricks' delivery fleet opens them.
  const dispatcherOfFetch = new Agent({ connections: 64 });
  const post = (body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal) =>
    fetch(`http://127.0.0.1:${port}${WEBHOOK_PATH}`, {
      method: 'POST',
      ...(signal ? { signal } : {}),
      headers: { 'content-type': 'application/json', authorization: HEADER, ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
      dispatcher: dispatcherOfFetch,
    });
  return {
    post,
    jobs: async () => {
      await inline.drain();
      return jobs;
    },
  };
}

let nextRun = 1_000_000;
const failure = (runId = nextRun++) => ({
  event_type: 'jobs.on_failure',
  workspace_id: '1234',
  run: { run_id: String(runId) },
  job: { job_id: '42', name: 'nightly' },
});

const queued = (jobs: WebhookPayload[]) =>
  jobs.flatMap((j) => ('notifications' in j ? j.notifications : [j.notification]).map((n) => n.jobRunId));

describe('the Databricks webhook endpoint', () => {
  it('queues a burst of deliveries in a few batched jobs and answers each one 202', async () => {
    const { post, jobs } = await startRoute();
    const bodies = Array.from({ length: 200 }, () => failure());
    const statuses = await Promise.all(bodies.map(async (b) => (await post(b)).status));
    expect(statuses.every((s) => s === 202)).toBe(true);
    const done = await jobs();
    expect(queued(done).sort()).toEqual(bodies.map((b) => b.run.run_id).sort());
    expect(done.length).toBeLessThan(200);
  });

  it('accepts a delivery repeated inside one burst once, and answers the copies as duplicates', async () => {
    const { post, jobs } = await startRoute();
    const body = failure();
    const responses = await Promise.all(Array.from({ length: 20 }, () => post(body)));
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 202)).toHaveLength(1);
    expect(statuses.filter((s) => s === 200)).toHaveLength(19);
    expect(await responses.find((r) => r.status === 200)?.json()).toEqual({ ok: true, duplicate: true });
    expect(queued(await jobs())).toEqual([body.run.run_id]);
  });

  it('refuses bad credentials, bad JSON and non-notifications without queueing anything', async () => {
    const { post, jobs } = await startRoute();
    expect((await post(failure(), { authorization: 'Basic AAAA' })).status).toBe(401);
    expect((await post('{"event_type":')).status).toBe(400);
    expect((await post({ hello: 'world' })).status).toBe(400);
    expect((await post('x'.repeat(70_000))).status).toBe(413);
    expect(await jobs()).toEqual([]);
  });

  it('answers 503 when the queue is down, and accepts Databricks’ redelivery once it is back', async () => {
    let down = true;
    const inline = new InlineDispatcher<MonitoringPayloads>({
      webhook: async () => {},
      poll: async () => {},
      signal: async () => {},
      notify: async () => {},
      explain: async () => {},
    });
    const flaky: Dispatcher<MonitoringPayloads> = {
      dispatch: async (queue, payload, options) => {
        if (down) throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
        return inline.dispatch(queue, payload, options);
      },
      close: async () => {},
    };
    const { post } = await startRoute(flaky);
    const body = failure();
    const refused = await post(body);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(await refused.json()).toMatchObject({ error: 'unavailable' });
    down = false;
    expect((await post(body)).status).toBe(202);
    expect((await post(body)).status).toBe(200);
    expect(inline.pending).toBe(1);
  });

  it('answers 503 with Retry-After at once while a real Redis is down, and queues the redelivery once it is back', async () => {
    // Its own folder: the server is stopped and started again on the same port, as a Redis restarting.
    const dir = await mkdtemp(join(tmpdir(), 'dbxops-webhook-redis-'));
    const redis = await startRedisServer({ dir });
    const bullmq = new BullmqDispatcher<MonitoringPayloads>({
      connection: { url: redis.url },
      prefix: `test-${randomUUID()}`,
      queues: MONITORING_QUEUES,
    });
    try {
      const { post } = await startRoute(bullmq);
      expect((await post(failure())).status).toBe(202);

      await redis.stop();
      const body = failure();
      // Databricks gives a delivery a few seconds; one held until Redis returns would be lost to it.
      const refused = await post(body, {}, AbortSignal.timeout(5_000));
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('5');
      expect(await refused.json()).toMatchObject({ error: 'unavailable' });

      await redis.restart();
      let redelivered = await post(body);
      for (let i = 0; i < 100 && redelivered.status === 503; i++) {
        await new Promise((r) => setTimeout(r, 100));
        redelivered = await post(body);
      }
      expect(redelivered.status).toBe(202);
      const waiting = await bullmq.queues.get('webhook')!.getWaiting();
      expect(waiting.flatMap((j) => queued([j.data as WebhookPayload]))).toEqual([body.run.run_id]);
    } finally {
      await bullmq.close();
      await redis.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('a workspace’s own webhook path (several workspaces watched)', () => {
  it('takes its own workspace’s notifications once, and refuses another’s, malformed and oversized ones', async () => {
    const route = await startRoute(undefined, '1234');
    const mine = failure();
    expect((await route.post(mine)).status).toBe(202);
    expect((await route.post(mine)).status).toBe(200);
    const other = await route.post({ ...failure(), workspace_id: '9999' });
    expect(other.status).toBe(403);
    expect(await other.json()).toMatchObject({ error: 'wrong_workspace' });
    expect((await route.post({ ...failure(), workspace_id: '1234\u0000' })).status).toBe(400);
    expect((await route.post('{"event_type":')).status).toBe(400);
    expect(
      (await route.post({ ...failure(), job: { job_id: '42', name: 'x'.repeat(2_000_000) } })).status,
    ).toBe(413);
    expect((await route.post(failure(), { authorization: 'Basic AAAA' })).status).toBe(401);
    const jobs = await route.jobs();
    expect(
      jobs
        .flatMap((j) => ('notifications' in j ? j.notifications : [j.notification]))
        .map((n) => n.workspaceId),
    ).toEqual(['1234']);
  });
});
