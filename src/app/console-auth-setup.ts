import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import type { ConsoleAuth } from '../bot/console/console-auth.js';
import { parseConsoleUsers } from '../bot/console/console-password.js';
import { CONSOLE_USER } from '../bot/console/ids.js';
import { assertConsoleExposure } from '../config/console-exposure.js';
import type { Env } from '../config/env.js';
import { ConfigError } from '../domain/errors.js';

/** The console's authentication and allowed host names, ready for `createConsoleAdapter`. */
export interface ConsoleAuthSetup {
  readonly auth: ConsoleAuth;
  readonly allowedHosts: readonly string[];
  /** Bound publicly with no host names configured: people elsewhere will get 403 until they are. */
  readonly hostsUnconfigured: boolean;
}

/**
 * Resolves the environment into the console's authentication, reading the users file. Throws
 * `ConfigError` naming the variable to set, as `dbxops start` must not run an open console.
 */
export async function setUpConsoleAuth(env: Env): Promise<ConsoleAuthSetup> {
  const exposure = assertConsoleExposure(env);
  const settings = exposure.auth;
  let auth: ConsoleAuth;
  if (settings.kind === 'local') {
    auth = { kind: 'local', user: localOperator() };
  } else if (settings.kind === 'header') {
    auth = settings;
  } else {
    let text: string;
    try {
      text = await readFile(settings.usersFile, 'utf8');
    } catch (error) {
      throw new ConfigError(
        `DBXOPS_CONSOLE_USERS_FILE: cannot read ${settings.usersFile}`,
        { variable: 'DBXOPS_CONSOLE_USERS_FILE' },
        { cause: error },
      );
    }
    const users = parseConsoleUsers(text);
    if (!users.ok)
      throw new ConfigError(`DBXOPS_CONSOLE_USERS_FILE line ${users.line}: ${users.message}`, {
        variable: 'DBXOPS_CONSOLE_USERS_FILE',
        line: users.line,
      });
    auth = {
      kind: 'login',
      users: users.users,
      // Without a configured secret, sessions end when this process does; several web processes need one.
      sessionSecret:
        settings.sessionSecret === undefined ? randomBytes(32) : Buffer.from(settings.sessionSecret, 'utf8'),
      sessionTtlMs: settings.sessionTtlMs,
      secureCookies: settings.secureCookies,
      trustedProxies: settings.trustedProxies,
    };
  }
  return { auth, allowedHosts: exposure.allowedHosts, hostsUnconfigured: exposure.hostsUnconfigured };
}

/**
 * The local operator: the OS account running dbxops, so cards and the audit log name a person and
 * `access.responders` can list them; `you` when the account name cannot be a console name.
 */
export function localOperator(): string {
  try {
    const name = userInfo().username;
    return CONSOLE_USER.test(name) ? name : 'you';
  } catch {
    return 'you';
  }
}
