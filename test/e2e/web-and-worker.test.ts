import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { getCACertificates, setDefaultCACertificates } from 'node:tls';
import { afterAll, describe, expect, it } from 'vitest';
import { type EmbeddedWorkspace, startEmbeddedWorkspace } from '../../src/app/embedded-workspace.js';
import { type ReservedPort, reservePort } from '../../src/app/http-app.js';
import { type RunningDbxops, startDbxops } from '../../src/app/start-command.js';
import { WEBHOOK_PATH } from '../../src/app/databricks-webhook-route.js';
import { loadEnv } from '../../src/config/env.js';
import { createLogger } from '../../src/config/logger.js';
import { systemClock } from '../../src/domain/clock.js';
import { type RedisServerHandle, startRedisServer } from '../../src/jobs/redis-server.js';
import { createTestDatabase, dropTestDatabase } from '../support/test-database.js';
import { openEventStream } from '../bot/console/sse-client.js';

const WEBHOOK = { username: 'dbxops', password: 'e2e-webhook-secret' };

/**
 * A scaled-out deployment: `dbxops web` and `dbxops worker` on one Redis and one PostgreSQL, watching
 * `dbxops sim serve --tls --wall-clock --at-hour 30` on the demo scenario as a real workspace. The
 * simulator and both processes run in this test process; they reach one another only over HTTP, Redis
 * and PostgreSQL.
 */
describe('dbxops web and dbxops worker on one Redis and one PostgreSQL', () => {
  let sim: EmbeddedWorkspace | undefined;
  let redis: RedisServerHandle | undefined;
  let databaseUrl: string | undefined;
  let web: RunningDbxops | undefined;
  let reserved: ReservedPort | undefined;
  let worker: RunningDbxops | undefined;

  /** A process of the deployment on `port` (0: any free one), on the first test's Redis, store and workspace. */
  const env = (port: number) =>
    loadEnv({
      PORT: String(port),
      LOG_LEVEL: 'silent',
      REDIS_URL: redis!.url,
      DATABASE_URL: databaseUrl!,
      DATABRICKS_HOST: sim!.url,
      DATABRICKS_TOKEN: sim!.token,
      DATABRICKS_WAREHOUSE_ID: sim!.workspace.warehouses.byName.get('finance_wh')!.id,
      DATABRICKS_SQL_TRANSPORT: 'statement-execution',
      DBXOPS_WEBHOOK_USERNAME: WEBHOOK.username,
      DBXOPS_WEBHOOK_PASSWORD: WEBHOOK.password,
    });

  afterAll(async () => {
    await worker?.stop();
    await web?.stop();
    await reserved?.release();
    await sim?.close();
    await redis?.stop();
    if (databaseUrl) await dropTestDatabase(databaseUrl);
  });

  it('the worker watches the workspace and the web process shows its incidents on the console', async () => {
    // Held from here on: the simulator needs the webhook URL before the web process serves on it.
    reserved = await reservePort('127.0.0.1');
    const webPort = reserved.port;
    [redis, databaseUrl] = await Promise.all([startRedisServer(), createTestDatabase()]);
    sim = await startEmbeddedWorkspace({
      scenario: { file: 'scenarios/demo.yaml' },
      seed: 42,
      speed: 0,
      tls: true,
      wallClock: { clock: systemClock, atHour: 30 },
      webhook: { url: `http://127.0.0.1:${webPort}${WEBHOOK_PATH}`, ...WEBHOOK },
    });
    const caCert = sim.tls!.caCert;
    if (!getCACertificates('default').includes(caCert))
      setDefaultCACertificates([...getCACertificates('default'), caCert]);
    const logger = createLogger({ level: 'silent' });
    worker = await startDbxops(env(0), logger, 'worker');
    web = await startDbxops(env(webPort), logger, 'web', reserved);

    // The web process takes the webhooks; the worker serves health and metrics only.
    expect((await fetch(`${worker.url}${WEBHOOK_PATH}`, { method: 'POST' })).status).toBe(404);
    expect((await fetch(`${worker.url}/metrics`)).status).toBe(200);

    // Incident cards, correlated by the worker, appear on the web process' console.
    const consoleCards = async () => {
      const res = await fetch(`${web!.url}/api/channels/incidents/messages`);
      if (!res.ok) return 0;
      const { messages } = (await res.json()) as { messages: { html: string }[] };
      return messages.length;
    };
    await expect.poll(consoleCards, { timeout: 120_000, interval: 1_000 }).toBeGreaterThan(0);

    // Both are ready: every source polled (by the worker), as each process reads from Redis.
    const ready = async (url: string) => (await fetch(`${url}/readyz`)).status;
    await expect.poll(() => ready(worker!.url), { timeout: 120_000, interval: 1_000 }).toBe(200);
    await expect.poll(() => ready(web!.url), { timeout: 120_000, interval: 1_000 }).toBe(200);
    const checks = (await (await fetch(`${web.url}/readyz`)).json()) as { checks: Record<string, string> };
    expect(checks.checks).toMatchObject({ redis: 'ok', store: 'ok (postgres)', workspace: 'ok' });

    // The incidents the worker opened are in the one store both processes read.
    const open = await web.app.repos.incidents.listOpen({
      workspaceId: sim.workspace.workspaceId,
      limit: 500,
    });
    expect(open.length).toBeGreaterThan(0);
  }, 240_000);

  it('a second dbxops web process shows the same console, live, and a restarted one keeps it', async () => {
    const logger = createLogger({ level: 'silent' });
    const history = async (url: string, channel = 'incidents') => {
      const res = await fetch(`${url}/api/channels/${channel}/messages`);
      return ((await res.json()) as { messages: { id: string; html: string }[] }).messages;
    };
    let second: RunningDbxops | undefined = await startDbxops(env(0), logger, 'web');
    try {
      // Whichever web process took each card's notify job, both consoles show every card.
      const ids = async (url: string) => (await history(url)).map((m) => m.id);
      // (Polled: the worker may still be opening incidents between the two reads.)
      const same = async () => JSON.stringify(await ids(second!.url)) === JSON.stringify(await ids(web!.url));
      await expect.poll(same, { timeout: 30_000, interval: 500 }).toBe(true);
      expect((await ids(second.url)).length).toBeGreaterThan(0);

      // A question asked on one process reaches the pages open on the other as it is posted.
      const stream = await openEventStream(`${second.url}/api/events`);
      try {
        const asked = await fetch(`${web!.url}/api/composer`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            channelId: 'dm',
            text: 'what failed tonight?',
            requestId: 'e2e-two-webs-1',
          }),
        });
        expect(asked.status).toBe(200);
        // Cards the worker is still opening may come first.
        let heard: { message: { id: string; html: string } };
        do heard = (await stream.next('message', 30_000)) as typeof heard;
        while (!heard.message.html.includes('what failed tonight?'));
        expect((await history(second.url, 'dm')).map((m) => m.id)).toContain(heard.message.id);
      } finally {
        stream.close();
      }

      // Restarted, a web process shows the history it had, not an empty console.
      const before = await ids(second.url);
      await second.stop();
      second = await startDbxops(env(0), logger, 'web');
      expect((await ids(second.url)).slice(0, before.length)).toEqual(before);
    } finally {
      await second?.stop();
    }
  }, 150_000);

  it('a dbxops worker process drains and exits 0 on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dbxops-worker-'));
    const caFile = join(dir, 'ca.pem');
    writeFileSync(caFile, sim!.tls!.caCert);
    const child = spawn(process.execPath, [resolve(import.meta.dirname, '../../bin/dbxops.js'), 'worker'], {
      env: {
        ...process.env,
        PORT: '0',
        LOG_LEVEL: 'silent',
        NODE_EXTRA_CA_CERTS: caFile,
        REDIS_URL: redis!.url,
        DATABASE_URL: databaseUrl!,
        DATABRICKS_HOST: sim!.url,
        DATABRICKS_TOKEN: sim!.token,
        DATABRICKS_WAREHOUSE_ID: sim!.workspace.warehouses.byName.get('finance_wh')!.id,
        DATABRICKS_SQL_TRANSPORT: 'statement-execution',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      output += text;
    });
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      output += text;
    });
    const closed = once(child, 'close') as Promise<[number | null, NodeJS.Signals | null]>;
    try {
      await expect
        .poll(() => output, { timeout: 90_000, interval: 200 })
        .toContain('dbxops worker is running');
      child.kill('SIGTERM');
      const [code] = await closed;
      expect(code, output).toBe(0);
      expect(output).toContain('dbxops: stopping');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  }, 150_000);
});
