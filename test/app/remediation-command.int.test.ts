import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKillSwitch } from '../../src/app/remediation-command.js';
import { AuditLogRepository } from '../../src/store/audit-log-repository.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { RemediationSwitchRepository } from '../../src/store/remediation-switch-repository.js';
import { createTestDatabase, dropTestDatabase } from '../support/test-database.js';

/** Runs `dbxops remediation kill-switch …` against `databaseUrl`; answers what it printed. */
async function killSwitch(state: string, databaseUrl: string, reason?: string): Promise<string> {
  const output = new PassThrough();
  const chunks: Buffer[] = [];
  output.on('data', (c: Buffer) => chunks.push(c));
  await runKillSwitch(state, { databaseUrl, ...(reason === undefined ? {} : { reason }) }, output);
  return Buffer.concat(chunks).toString('utf8');
}

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
