import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PassThrough, Readable } from 'node:stream';
import {
  hashConsolePassword,
  parseConsoleUsers,
  verifyConsolePassword,
} from '../../src/bot/console/console-password.js';
import { localOperator, setUpConsoleAuth } from '../../src/app/console-auth-setup.js';
import { runConsoleUser } from '../../src/app/console-user-command.js';
import { loadEnv } from '../../src/config/env.js';

const dir = mkdtempSync(join(tmpdir(), 'dbxops-console-users-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function usersFile(text: string): string {
  const file = join(dir, `users-${Math.random().toString(36).slice(2)}`);
  writeFileSync(file, text);
  return file;
}

describe('setUpConsoleAuth', () => {
  it('names the local operator after the OS account on loopback', async () => {
    const setup = await setUpConsoleAuth(loadEnv({}));
    expect(setup.auth).toEqual({ kind: 'local', user: localOperator() });
    expect(localOperator()).toMatch(/^[A-Za-z0-9._@+-]{1,128}$/);
  });

  it('reads the users file for a login, with a per-process secret unless one is set', async () => {
    const file = usersFile(`# on-call\nalice:${await hashConsolePassword('pw one')}\n\n`);
    const setup = await setUpConsoleAuth(loadEnv({ HOST: '0.0.0.0', DBXOPS_CONSOLE_USERS_FILE: file }));
    expect(setup.auth.kind).toBe('login');
    if (setup.auth.kind !== 'login') return;
    expect([...setup.auth.users.keys()]).toEqual(['alice']);
    expect(setup.auth.sessionSecret).toHaveLength(32);
    const shared = await setUpConsoleAuth(
      loadEnv({ DBXOPS_CONSOLE_USERS_FILE: file, DBXOPS_CONSOLE_SESSION_SECRET: 's'.repeat(40) }),
    );
    expect(shared.auth.kind === 'login' && shared.auth.sessionSecret.toString()).toBe('s'.repeat(40));
  });

  it('refuses a users file it cannot read or that holds a plain password, without echoing it', async () => {
    await expect(
      setUpConsoleAuth(loadEnv({ DBXOPS_CONSOLE_USERS_FILE: join(dir, 'missing') })),
    ).rejects.toThrowError(/DBXOPS_CONSOLE_USERS_FILE: cannot read/);
    const plain = usersFile('alice:hunter2-plaintext\n');
    const error = await setUpConsoleAuth(loadEnv({ DBXOPS_CONSOLE_USERS_FILE: plain })).catch(
      (e: unknown) => e,
    );
    expect((error as Error).message).toMatch(/line 1/);
    expect((error as Error).message).not.toContain('hunter2');
    await expect(
      setUpConsoleAuth(loadEnv({ DBXOPS_CONSOLE_USERS_FILE: usersFile('# nobody\n') })),
    ).rejects.toThrowError(/lists nobody/);
  });
});

describe('dbxops console-user', () => {
  it('prints a users-file line for a password piped on stdin', async () => {
    // A pipe, not a terminal: the command reads its first line.
    const stdin = Readable.from(['a long passphrase\nignored\n']) as unknown as NodeJS.ReadStream;
    const stdout = new PassThrough();
    await runConsoleUser('alice', { stdin, stdout, stderr: new PassThrough() });
    const line = String(stdout.read());
    expect(line).toMatch(/^alice:scrypt\$/);
    const parsed = parseConsoleUsers(line);
    if (!parsed.ok) throw new Error(parsed.message);
    const stored = parsed.users.get('alice');
    if (stored === undefined) throw new Error('alice missing');
    expect(await verifyConsolePassword('a long passphrase', stored)).toBe(true);
    expect(await verifyConsolePassword('a long passphrasE', stored)).toBe(false);
  });

  it('refuses a name the console cannot use and a short password', async () => {
    const io = () => ({
      stdin: Readable.from(['short\n']) as unknown as NodeJS.ReadStream,
      stdout: new PassThrough(),
      stderr: new PassThrough(),
    });
    await expect(runConsoleUser('alice,bob', io())).rejects.toThrowError(/console name/);
    await expect(runConsoleUser('alice', io())).rejects.toThrowError(/at least 8/);
  });
});
