import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Readiness } from '../../src/app/readiness.js';
import { type RunningDbxops, startDbxops } from '../../src/app/start-command.js';
import { loadEnv } from '../../src/config/env.js';
import { createLogger } from '../../src/config/logger.js';
import { DbxopsError } from '../../src/domain/errors.js';
import { type RedisServerHandle, startRedisServer } from '../../src/jobs/redis-server.js';

describe('startDbxops', () => {
  it('refuses to expose the console beyond loopback without authentication, saying what to set', async () => {
    const started = Date.now();
    const env = loadEnv({ HOST: '0.0.0.0', PORT: '0', LOG_LEVEL: 'silent' });
    const error = await startDbxops(env, createLogger({ level: 'silent' })).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DbxopsError);
    expect((error as DbxopsError).code).toBe('CONFIG_INVALID');
    expect((error as DbxopsError).details).toMatchObject({ reason: 'unauthenticated_public_bind' });
    expect((error as Error).message).toMatch(/DBXOPS_CONSOLE_USERS_FILE.*DBXOPS_CONSOLE_TRUSTED_HEADER/);
    // Refused before the simulator, Redis or the store started.
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

describe('dbxops web and dbxops worker', () => {
  it.each(['web', 'worker'] as const)(
    'dbxops %s refuses to start without the Redis, PostgreSQL and workspace it shares, naming them',
    async (role) => {
      const env = loadEnv({ PORT: '0', LOG_LEVEL: 'silent' });
      await expect(startDbxops(env, createLogger({ level: 'silent' }), role)).rejects.toMatchObject({
        code: 'CONFIG_INVALID',
        message: expect.stringContaining('set REDIS_URL, DATABASE_URL, DATABRICKS_HOST'),
      });
    },
  );
});

describe('several workspaces in dbxops.yaml', () => {
  const policyBefore = process.env.DBXOPS_POLICY;
  afterAll(() => {
    if (policyBefore === undefined) delete process.env.DBXOPS_POLICY;
    else process.env.DBXOPS_POLICY = policyBefore;
  });
  /** Starts with a dbxops.yaml listing `entry` beside the workspace of DATABRICKS_HOST (id 1234). */
  const startWith = async (entry: string, role: 'all' | 'worker' = 'all') => {
    const dir = mkdtempSync(join(tmpdir(), 'dbxops-workspaces-'));
    writeFileSync(join(dir, 'dbxops.yaml'), `workspaces:\n  - ${entry}\n`);
    process.env.DBXOPS_POLICY = join(dir, 'dbxops.yaml');
    const env = loadEnv({
      PORT: '0',
      LOG_LEVEL: 'silent',
      DBXOPS_DATA_DIR: dir,
      ...(role === 'all'
        ? {
            DATABRICKS_HOST: 'https://dbc-acme.cloud.databricks.com',
            DATABRICKS_TOKEN: 'dapi-acme',
            DATABRICKS_WORKSPACE_ID: '1234',
            DATABRICKS_WAREHOUSE_ID: 'abc123',
          }
        : {}),
    });
    return startDbxops(env, createLogger({ level: 'silent' }), role);
  };

  it('refuses to start when a watched workspace names a secret variable that is not set, naming both', async () => {
    await expect(
      startWith(
        "{ id: '5678', name: staging, host: 'https://dbc-staging.cloud.databricks.com', auth: { token_env: DBXOPS_TEST_UNSET_TOKEN }, warehouse_id: def456 }",
      ),
    ).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message:
        'workspaces: staging names DBXOPS_TEST_UNSET_TOKEN in auth.token_env, which is not set in the environment',
    });
  });

  it('refuses an entry with auth for the workspace of DATABRICKS_HOST: it would be watched twice', async () => {
    await expect(
      startWith(
        "{ id: '1234', host: 'https://dbc-acme.cloud.databricks.com', auth: { profile: acme }, warehouse_id: abc123 }",
      ),
    ).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining('1234 is the workspace of DATABRICKS_HOST'),
    });
  });

  it('refuses every webhook delivery when DBXOPS_WEBHOOK_PASSWORD is not set, instead of taking anyone’s', async () => {
    const running = await startWith("{ id: '1234', name: acme-prod }");
    try {
      const delivered = await fetch(`${running.url}/webhooks/databricks`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          event_type: 'jobs.on_failure',
          workspace_id: '1234',
          run: { run_id: '1' },
          job: { job_id: '2' },
        }),
      });
      expect(delivered.status).toBe(401);
    } finally {
      await running.stop();
    }
  });

  it('lets dbxops worker watch only listed workspaces, without DATABRICKS_HOST', async () => {
    await expect(
      startWith(
        "{ id: '5678', host: 'https://dbc-staging.cloud.databricks.com', auth: { token_env: T }, warehouse_id: d }",
        'worker',
      ),
    ).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining('set REDIS_URL, DATABASE_URL ('),
    });
  });
});

describe('dbxops start after its Redis restarts without its data', () => {
  let redis: RedisServerHandle | undefined;
  let running: RunningDbxops | undefined;
  afterAll(async () => {
    await running?.stop();
    await redis?.stop();
  });

  const readyz = async () => {
    const response = await fetch(`${running!.url}/readyz`);
    return { status: response.status, body: (await response.json()) as Readiness };
  };
  /** Seconds since each source's last poll, as /readyz says them. */
  const pollAges = (body: Readiness) =>
    Object.entries(body.checks)
      .filter(([name]) => name.startsWith('poll:'))
      .map(([, text]) => Number(/polled ([\d.]+) s ago/.exec(text)?.[1] ?? Number.POSITIVE_INFINITY));

  it('declares its poll schedules again, polls every source again and is ready again', async () => {
    redis = await startRedisServer();
    // The demo under another workspace name: the console's status shows which scenario is playing.
    const scenario = join(mkdtempSync(join(tmpdir(), 'dbxops-scenario-')), 'renamed.yaml');
    writeFileSync(
      scenario,
      readFileSync('scenarios/demo.yaml', 'utf8').replace('name: acme-prod', 'name: acme-renamed'),
    );
    const env = loadEnv({
      PORT: '0',
      LOG_LEVEL: 'silent',
      DBXOPS_SIM_SPEED: '120',
      DBXOPS_SCENARIO: scenario,
      DBXOPS_SEED: '7',
      REDIS_URL: redis.url,
    });
    running = await startDbxops(env, createLogger({ level: 'silent' }));
    const status = (await (await fetch(`${running.url}/api/status`)).json()) as {
      name: string;
      speed: number;
    };
    expect(status).toMatchObject({ name: 'acme-renamed', speed: 120 });
    await expect.poll(async () => (await readyz()).status, { timeout: 90_000, interval: 500 }).toBe(200);
    const first = await readyz();
    expect(Object.keys(first.body.checks).sort()).toEqual([
      'poll:retriage',
      'poll:runs',
      'poll:system_tables',
      'poll:topology',
      'redis',
      'store',
      'workspace',
    ]);

    const restartedAt = Date.now();
    await redis.restart();
    // Ready again only once every source polled after the restart: nothing was left in Redis to poll.
    await expect
      .poll(
        async () => {
          const { status, body } = await readyz();
          const sinceRestart = (Date.now() - restartedAt) / 1000;
          return status === 200 && pollAges(body).every((age) => age < sinceRestart);
        },
        { timeout: 90_000, interval: 500 },
      )
      .toBe(true);
  }, 200_000);
});
