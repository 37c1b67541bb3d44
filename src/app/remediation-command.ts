import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { describeKillSwitch, setKillSwitch } from '../agents/remediation/kill-switch.js';
import { type Env, loadEnv } from '../config/env.js';
import { loadPolicy } from '../config/policy.js';
import { systemClock } from '../domain/clock.js';
import { ConfigError, DbxopsError } from '../domain/errors.js';
import { AuditLogRepository } from '../store/audit-log-repository.js';
import { RemediationSwitchRepository } from '../store/remediation-switch-repository.js';
import { openAuditStore } from './audit-command.js';

export interface KillSwitchOptions {
  /** `--database-url`: the PostgreSQL a server deployment runs on (else `DATABASE_URL`). */
  readonly databaseUrl?: string | undefined;
  /** `--url`: where the running dbxops serves its console (else `DBXOPS_PUBLIC_URL`, else loopback at `PORT`). */
  readonly url?: string | undefined;
  readonly reason?: string | undefined;
}

/** The running dbxops refused the change (a role that may not lift it, say): its words, exit code 1. */
class KillSwitchRefusedError extends DbxopsError {
  constructor(message: string, reason: string) {
    super('KILL_SWITCH_REFUSED', message, { reason });
  }
}

/**
 * `dbxops remediation kill-switch on|off|status`: flips the live kill switch every dbxops process reads
 * at each press and each execution, so it takes effect at once, without a restart, and records who
 * flipped it in the audit log. With a database (`--database-url`, `DATABASE_URL`) it is written there;
 * otherwise it goes through the running dbxops' console (`POST /api/kill-switch`) as the console's user —
 * the only way to reach the embedded mode, whose store lives in that process' memory — and, when no
 * dbxops answers, into the PGlite files a stopped server mode left in `DBXOPS_DATA_DIR`.
 */
export async function runKillSwitch(
  state: string,
  options: KillSwitchOptions,
  output: NodeJS.WritableStream = process.stdout,
): Promise<void> {
  if (state !== 'on' && state !== 'off' && state !== 'status')
    throw new ConfigError(`kill-switch takes on, off or status, not "${state.slice(0, 40)}".`);
  const env = loadEnv();
  if (options.databaseUrl === undefined && env.DATABASE_URL === undefined) {
    const url = consoleUrl(options.url, env);
    const answer = await askRunningDbxops(url, state, options.reason);
    if (answer !== 'not_running') {
      output.write(`${answer}\n`);
      return;
    }
    if (!existsSync(join(env.DBXOPS_DATA_DIR, 'pglite')))
      throw new ConfigError(
        `No dbxops answers at ${url}, and there is no database to write the switch to. Start dbxops (the embedded mode keeps the switch in its own memory, so it is flipped through the running process), pass --url where it runs, or --database-url for a server's PostgreSQL.`,
        { url },
      );
  }
  await flipInStore(state, options, env, output);
}

/** The console's origin: `--url`, else the public URL, else loopback at the configured port. */
function consoleUrl(flag: string | undefined, env: Env): string {
  const raw = flag ?? env.DBXOPS_PUBLIC_URL ?? `http://127.0.0.1:${env.PORT}`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(
      `--url must be the console's address, like http://127.0.0.1:3000, not "${raw.slice(0, 80)}".`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new ConfigError(`--url must be an http or https address, not ${url.protocol}`);
  return url.origin;
}

const answerSchema = z.union([
  z.object({ ok: z.literal(true), text: z.string() }),
  z.object({ ok: z.literal(false), reason: z.string(), text: z.string() }),
]);
const refusalSchema = z.looseObject({ error: z.string(), message: z.string() });

/**
 * Runs `/dbx kill-switch` on the running dbxops through its console API, as its console user (the
 * local operator on loopback). `not_running` when nothing listens there.
 */
async function askRunningDbxops(
  url: string,
  state: 'on' | 'off' | 'status',
  reason: string | undefined,
): Promise<string | 'not_running'> {
  let response: Response;
  try {
    response = await fetch(`${url}/api/kill-switch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        state,
        ...(reason === undefined || state === 'status' ? {} : { reason: reason.slice(0, 500) }),
        requestId: `cli-${randomUUID()}`,
      }),
      redirect: 'error',
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    if (isConnectionRefused(error)) return 'not_running';
    throw new ConfigError(`Could not reach dbxops at ${url}: ${(error as Error).message}`, { url });
  }
  const body: unknown = await response.json().catch(() => undefined);
  if (response.status === 401)
    throw new ConfigError(
      `The console at ${url} asks for a sign-in, which the command line does not do: type /dbx kill-switch ${state} in the console, Slack or Teams, or pass --database-url for a server's PostgreSQL.`,
      { url },
    );
  const answer = answerSchema.safeParse(body);
  if (response.ok && answer.success) {
    if (!answer.data.ok) throw new KillSwitchRefusedError(answer.data.text, answer.data.reason);
    return answer.data.text;
  }
  const refusal = refusalSchema.safeParse(body);
  const said = refusal.success
    ? `${refusal.data.message} (${refusal.data.error})`
    : `HTTP ${response.status}`;
  throw new ConfigError(
    `dbxops at ${url} did not take the kill switch: ${said}. Is it dbxops, of this version or later?`,
    { url, status: response.status },
  );
}

function isConnectionRefused(error: unknown): boolean {
  const cause = (error as { cause?: { code?: unknown } } | undefined)?.cause;
  return cause?.code === 'ECONNREFUSED';
}

/** The switch in a database: the server's PostgreSQL, or the PGlite files of a stopped server mode. */
async function flipInStore(
  state: 'on' | 'off' | 'status',
  options: KillSwitchOptions,
  env: Env,
  output: NodeJS.WritableStream,
): Promise<void> {
  const store = await openAuditStore(options, env);
  try {
    const tables = await store.db.introspection.getTables();
    if (!tables.some((t) => t.name === 'remediation_switches'))
      throw new ConfigError(
        'This database holds no remediation switches: dbxops (this version or later) has not run against it yet.',
      );
    const switches = new RemediationSwitchRepository(store.db);
    if (state === 'status') {
      const policy = await loadPolicy(process.env.DBXOPS_POLICY ?? 'dbxops.yaml');
      output.write(`${await describeKillSwitch({ switches }, policy.remediation.kill_switch)}\n`);
      return;
    }
    const result = await setKillSwitch(
      { switches, audit: new AuditLogRepository(store.db), wallClock: systemClock },
      { on: state === 'on', actor: { surface: 'cli', userId: cliUser() }, reason: options.reason },
    );
    output.write(`${result.message}\n`);
  } finally {
    await store.close();
  }
}

function cliUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}
