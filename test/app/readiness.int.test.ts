import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpApp, listen } from '../../src/app/http-app.js';
import { monitoringReadiness } from '../../src/app/readiness.js';
import { ManualClock } from '../../src/domain/clock.js';
import { BullmqDispatcher } from '../../src/jobs/bullmq-dispatcher.js';
import type { PollSchedule } from '../../src/jobs/keep-poll-schedules.js';
import { MONITORING_QUEUES, type MonitoringPayloads } from '../../src/jobs/monitoring.js';
import { PollLedger } from '../../src/jobs/poll-ledger.js';
import { type RedisServerHandle, startRedisServer } from '../../src/jobs/redis-server.js';
import { openStore, type Store } from '../../src/store/open-store.js';

const T0 = Date.parse('2030-01-01T00:00:00Z');
const SCHEDULES: PollSchedule[] = [
  { source: 'runs', everyMs: 60_000 },
  { source: 'topology', everyMs: 1_800_000 },
];

let redis: RedisServerHandle;
let store: Store;
let dispatcher: BullmqDispatcher<MonitoringPayloads>;
let ledger: PollLedger;
let server: Server;
let url: string;
const clock = new ManualClock(T0);

beforeAll(async () => {
  [redis, store] = await Promise.all([startRedisServer(), openStore({ dataDir: 'memory://' })]);
  dispatcher = new BullmqDispatcher<MonitoringPayloads>({
    connection: { url: redis.url },
    prefix: `test-${randomUUID()}`,
    queues: MONITORING_QUEUES,
  });
  ledger = new PollLedger(() => dispatcher.redis(), dispatcher.prefix);
  server = createHttpApp({
    routes: [],
    ready: monitoringReadiness({
      store,
      workspaces: [{ name: 'acme-prod', polls: ledger }],
      schedules: SCHEDULES,
      wallClock: clock,
      since: T0,
      timeoutMs: 1_000,
    }),
  });
  const { port } = await listen(server, 0, '127.0.0.1');
  url = `http://127.0.0.1:${port}`;
}, 60_000);
afterAll(async () => {
  await new Promise((r) => server?.close(r));
  await dispatcher?.close();
  await store?.close();
  await redis?.stop();
});

async function readyz() {
  const response = await fetch(`${url}/readyz`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('/readyz', () => {
  it('is ready at start-up, before any source had the time to poll', async () => {
    clock.set(T0 + 5_000);
    const { status, body } = await readyz();
    expect(status).toBe(200);
    expect(body).toMatchObject({
      ok: true,
      failed: [],
      checks: { redis: 'ok', store: 'ok (pglite)', 'poll:runs': expect.stringMatching(/^ok: no poll yet/) },
    });
  });

  it('fails naming the source that has not polled within its interval, and the others stay ok', async () => {
    await ledger.record('topology', { at: T0 + 10_000, outcome: 'ok' });
    clock.set(T0 + 10 * 60_000);
    const { status, body } = await readyz();
    expect(status).toBe(503);
    expect(body.failed).toEqual(['poll:runs']);
    expect(body.checks).toMatchObject({
      redis: 'ok',
      'poll:runs': 'late: no poll on record for 600 s (every 60 s)',
      'poll:topology': 'ok: polled 590 s ago (every 1800 s)',
    });
  });

  it('is ready again once the source polls, even when the workspace turned the poll away', async () => {
    await ledger.record('runs', { at: clock.now() - 1_000, outcome: 'degraded' });
    const { status, body } = await readyz();
    expect(status).toBe(200);
    expect(body.checks).toMatchObject({
      'poll:runs': 'ok: polled 1 s ago, turned away by the workspace (every 60 s)',
    });
  });

  it('says a poll is late once two intervals and the margin have passed', async () => {
    clock.advance(2 * 60_000 + 15_000 - 1_000);
    expect((await readyz()).body.checks).toMatchObject({ 'poll:runs': expect.stringMatching(/^ok:/) });
    clock.advance(1_000);
    const { status, body } = await readyz();
    expect(status).toBe(503);
    expect(body.checks).toMatchObject({
      'poll:runs': 'late: last poll 136 s ago, turned away by the workspace (every 60 s)',
    });
  });

  it('leaves out a poll record that is not one', async () => {
    const client = await dispatcher.redis();
    await client.hset(`${dispatcher.prefix}:monitoring:polls`, {
      runs: '{"at":"soon","outcome":"ok"}',
      topology: 'x'.repeat(100_000),
      '<script>': '{"at":1,"outcome":"ok"}',
    });
    const { status, body } = await readyz();
    expect(status).toBe(503);
    expect(body.failed).toEqual(['poll:runs']);
    expect(body.checks).toMatchObject({
      'poll:runs': expect.stringMatching(/^late: no poll on record/),
      'poll:topology': expect.stringMatching(/^ok: no poll yet/),
    });
    expect(Object.keys(body.checks as object)).not.toContain('<script>');
  });

  it('after Redis restarts without its data, fails until the late source polls again', async () => {
    await ledger.record('runs', { at: clock.now(), outcome: 'ok' });
    expect((await readyz()).status).toBe(200);
    await redis.restart();
    let seen = await readyz();
    for (let i = 0; i < 100 && (seen.body.checks as Record<string, string>).redis !== 'ok'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      seen = await readyz();
    }
    expect(seen.status).toBe(503);
    expect(seen.body.failed).toEqual(['poll:runs']);
    expect(seen.body.checks).toMatchObject({ 'poll:runs': 'late: no poll on record for 735 s (every 60 s)' });

    await ledger.record('runs', { at: clock.now(), outcome: 'ok' });
    expect((await readyz()).status).toBe(200);
  });

  it('stays ready while a failed poll is retried, naming the failure', async () => {
    await ledger.recordFailure('runs', {
      at: clock.now() - 2_000,
      code: 'DATABRICKS_UNAVAILABLE',
      reason: 'UNAVAILABLE',
      message: 'GET /api/2.2/jobs/runs/list failed: HTTP 503',
    });
    const { status, body } = await readyz();
    expect(status).toBe(200);
    expect(body.checks).toMatchObject({
      workspace: 'ok: the runs poll is being retried after GET /api/2.2/jobs/runs/list failed: HTTP 503',
      'poll:runs': 'ok: polled 0 s ago (every 60 s; the last attempt failed 2 s ago)',
    });
  });

  it('fails naming the workspace while it refuses our token, until a poll goes through', async () => {
    await ledger.recordFailure('system_tables', {
      at: clock.now() - 3_000,
      code: 'DATABRICKS_UNAUTHENTICATED',
      reason: 'UNAUTHENTICATED',
      message: 'POST /api/2.0/sql/statements failed: Invalid access token',
    });
    const withTables = createHttpApp({
      routes: [],
      ready: monitoringReadiness({
        store,
        workspaces: [{ name: 'acme-prod', polls: ledger }],
        schedules: [...SCHEDULES, { source: 'system_tables', everyMs: 60_000 }],
        wallClock: clock,
        since: clock.now(),
      }),
    });
    const { port } = await listen(withTables, 0, '127.0.0.1');
    const ask = async () => {
      const response = await fetch(`http://127.0.0.1:${port}/readyz`);
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    try {
      const refused = await ask();
      expect(refused.status).toBe(503);
      expect(refused.body.failed).toEqual(['workspace']);
      expect(refused.body.checks).toMatchObject({
        workspace:
          'refused: the system_tables poll 3 s ago: POST /api/2.0/sql/statements failed: Invalid access token',
        'poll:system_tables':
          'ok: no poll yet since start 0 s ago (every 60 s; the last attempt failed 3 s ago)',
      });
      await ledger.record('system_tables', { at: clock.now(), outcome: 'ok' });
      await ledger.record('runs', { at: clock.now(), outcome: 'ok' });
      const mended = await ask();
      expect(mended.status).toBe(200);
      expect(mended.body.checks).toMatchObject({ workspace: 'ok' });
    } finally {
      await new Promise((r) => withTables.close(r));
    }
  });

  it('leaves out a failure record that is not one', async () => {
    const client = await dispatcher.redis();
    await client.hset(`${dispatcher.prefix}:monitoring:poll-failures`, {
      runs: `{"at":1,"code":"DATABRICKS_UNAUTHENTICATED","message":"${'x'.repeat(5_000)}"}`,
      topology: 'not json',
    });
    const { status, body } = await readyz();
    expect(status).toBe(200);
    expect(body.checks).toMatchObject({ workspace: 'ok' });
    await client.del(`${dispatcher.prefix}:monitoring:poll-failures`);
  });

  it('stays ready while one of two workspaces refuses us, naming it and its polls', async () => {
    const other = new PollLedger(() => dispatcher.redis(), dispatcher.prefix, '7301928465019283');
    await other.recordFailure('runs', {
      at: clock.now() - 2_000,
      code: 'DATABRICKS_UNAUTHENTICATED',
      message: 'GET /api/2.2/jobs/runs/list failed: Invalid access token',
    });
    await ledger.record('runs', { at: clock.now(), outcome: 'ok' });
    await ledger.record('topology', { at: clock.now(), outcome: 'ok' });
    const both = createHttpApp({
      routes: [],
      ready: monitoringReadiness({
        store,
        workspaces: [
          { name: 'acme-prod', polls: ledger },
          { name: 'northlight-prod', polls: other },
        ],
        schedules: SCHEDULES,
        wallClock: clock,
        since: clock.now(),
      }),
    });
    const { port } = await listen(both, 0, '127.0.0.1');
    try {
      const response = await fetch(`http://127.0.0.1:${port}/readyz`);
      const body = (await response.json()) as Record<string, unknown>;
      expect(response.status).toBe(200);
      expect(body.failed).toEqual(['workspace:northlight-prod']);
      expect(body.checks).toMatchObject({
        'workspace:acme-prod': 'ok',
        'poll:acme-prod:runs': expect.stringMatching(/^ok: polled/),
        'workspace:northlight-prod':
          'refused: the runs poll 2 s ago: GET /api/2.2/jobs/runs/list failed: Invalid access token',
      });
      // Both refusing: nothing is watched, and the process says so.
      await ledger.recordFailure('runs', {
        at: clock.now(),
        code: 'DATABRICKS_UNAUTHENTICATED',
        message: 'Invalid access token',
      });
      expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(503);
      await ledger.record('runs', { at: clock.now(), outcome: 'ok' });
    } finally {
      await new Promise((r) => both.close(r));
    }
  });

  it('fails naming Redis while Redis is away', async () => {
    await redis.stop();
    const { status, body } = await readyz();
    expect(status).toBe(503);
    expect(body.failed).toEqual(['redis', 'workspace', 'poll:runs', 'poll:topology']);
    expect(body.checks).toMatchObject({
      redis: expect.stringMatching(/^unreachable: Redis is not connected \(\w+\)$/),
      store: 'ok (pglite)',
      'poll:runs': 'unknown: Redis, where polls are recorded, is unreachable',
    });
  });
});
