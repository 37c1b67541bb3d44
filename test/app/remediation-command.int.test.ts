import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { BotApp } from '../../src/app/bot-app.js';
import { type EmbeddedWorkspace, startEmbeddedWorkspace } from '../../src/app/embedded-workspace.js';
import { createHttpApp, listen } from '../../src/app/http-app.js';
import { type KillSwitchOptions, runKillSwitch } from '../../src/app/remediation-command.js';
import { hashConsolePassword } from '../../src/bot/console/console-password.js';
import { validateScenario } from '../../src/sim/scenario/load-scenario.js';
import { AuditLogRepository } from '../../src/store/audit-log-repository.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { RemediationSwitchRepository } from '../../src/store/remediation-switch-repository.js';
import { baseScenario } from '../sim/fixtures.js';
import { createTestDatabase, dropTestDatabase } from '../support/test-database.js';
import { embeddedBotApp } from '../support/embedded-databricks.js';

/** Runs `dbxops remediation kill-switch …` with `options`; answers what it printed. */
async function run(state: string, options: KillSwitchOptions): Promise<string> {
  const output = new PassThrough();
  const chunks: Buffer[] = [];
  output.on('data', (c: Buffer) => chunks.push(c));
  await runKillSwitch(state, options, output);
  return Buffer.concat(chunks).toString('utf8');
}

/** `dbxops remediation kill-switch …` against `databaseUrl`. */
const killSwitch = (state: string, databaseUrl: string, reason?: string) =>
  run(state, { databaseUrl, ...(reason === undefined ? {} : { reason }) });

describe('dbxops remediation kill-switch', () => {
  let url: string;
  let store: Store;

  beforeAll(async () => {
    url = await createTestDatabase();
    // The running dbxops made the schema; the command never migrates.
    store = await openStore({ databaseUrl: url });
  });
  afterAll(async () => {
    await store?.close();
    await dropTestDatabase(url);
  });

  it('turns the switch every dbxops process reads on and off, once, and records who did it in the audit log', async () => {
    expect(await killSwitch('status', url)).toContain('The kill switch is off (never turned on)');
    expect(await killSwitch('on', url, 'bad deploy\u0007 on\nFriday')).toContain('Kill switch ON');
    expect(await new RemediationSwitchRepository(store.db).killSwitch()).toMatchObject({
      on: true,
      reason: 'bad deploy on Friday',
      changedBy: expect.stringMatching(/^cli:/),
    });
    expect(await killSwitch('on', url)).toContain('already on; nothing changed');
    expect(await killSwitch('status', url)).toContain('The kill switch is ON');
    expect(await killSwitch('off', url)).toContain('Kill switch OFF');
    const kinds: string[] = [];
    for await (const entry of new AuditLogRepository(store.db).entries())
      kinds.push(`${entry.kind}:${entry.result.outcome}:${entry.who.principal}`);
    expect(kinds).toEqual([
      expect.stringMatching(/^kill_switch:on:cli:/),
      expect.stringMatching(/^kill_switch:off:cli:/),
    ]);
  });

  it('refuses a state it does not know', async () => {
    await expect(killSwitch('maybe', url)).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });
});

/** A running embedded dbxops (its store in memory), serving its console on loopback. */
async function runningDbxops(env: Record<string, string> = {}) {
  const embedded: EmbeddedWorkspace = await startEmbeddedWorkspace({
    scenario: { scenario: validateScenario(baseScenario()) },
    seed: 7,
    speed: 0,
  });
  const store = await openStore({ dataDir: 'memory://' });
  const app: BotApp = await embeddedBotApp(embedded, store, { env });
  const server: Server = createHttpApp({ routes: app.routes });
  const address = await listen(server, 0, '127.0.0.1');
  return {
    app,
    url: `http://127.0.0.1:${address.port}`,
    async close() {
      await new Promise((r) => server.close(r));
      await app.close();
      await embedded.close();
      await store.close();
    },
  };
}

describe('dbxops remediation kill-switch without a database', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'dbxops-kill-switch-'));
    // No server database: the embedded mode's store lives in the running process' memory.
    vi.stubEnv('DATABASE_URL', '');
    vi.stubEnv('DBXOPS_PUBLIC_URL', '');
    vi.stubEnv('DBXOPS_DATA_DIR', dataDir);
  });
  afterEach(async () => {
    vi.unstubAllEnvs();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('flips the switch of the running embedded dbxops through its console, as the local operator, and every surface sees it', async () => {
    const dbxops = await runningDbxops();
    try {
      expect(await run('status', { url: dbxops.url })).toContain('The kill switch is off (never turned on)');
      expect(await run('on', { url: dbxops.url, reason: 'bad deploy' })).toContain('Kill switch ON');
      expect(await dbxops.app.repos.switches.killSwitch()).toMatchObject({
        on: true,
        reason: 'bad deploy',
        changedBy: expect.stringMatching(/^console:/),
      });
      expect(await run('on', { url: `${dbxops.url}/ignored/path` })).toContain('already on; nothing changed');
      expect(await run('status', { url: dbxops.url })).toContain('The kill switch is ON');
      expect(await run('off', { url: dbxops.url })).toContain('Kill switch OFF');
      const kinds: string[] = [];
      for await (const entry of dbxops.app.repos.audit.entries())
        kinds.push(`${entry.kind}:${entry.result.outcome}`);
      expect(kinds).toEqual(['kill_switch:on', 'kill_switch:off']);
    } finally {
      await dbxops.close();
    }
  }, 120_000);

  it('says to use /dbx kill-switch when the console asks for a sign-in', async () => {
    const users = join(dataDir, 'console-users');
    await writeFile(users, `erin:${await hashConsolePassword('correct horse battery')}\n`);
    const dbxops = await runningDbxops({ DBXOPS_CONSOLE_USERS_FILE: users });
    try {
      await expect(run('on', { url: dbxops.url })).rejects.toThrow(
        /asks for a sign-in.*\/dbx kill-switch on in the console, Slack or Teams, or pass --database-url/,
      );
      expect(await dbxops.app.repos.switches.killSwitch()).toBeUndefined();
    } finally {
      await dbxops.close();
    }
  }, 120_000);

  it('says how to reach dbxops when nothing answers and there is no database', async () => {
    // A port that was just free: nothing listens there.
    const probe = createHttpApp({ routes: [] });
    const { port } = await listen(probe, 0, '127.0.0.1');
    await new Promise((r) => probe.close(r));
    const nobody = `http://127.0.0.1:${port}`;
    await expect(run('on', { url: nobody })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining(`No dbxops answers at ${nobody}`),
    });
    await expect(run('on', { url: 'javascript:alert(1)' })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });
});
