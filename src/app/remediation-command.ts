import { userInfo } from 'node:os';
import { describeKillSwitch, setKillSwitch } from '../agents/remediation/kill-switch.js';
import { loadEnv } from '../config/env.js';
import { loadPolicy } from '../config/policy.js';
import { systemClock } from '../domain/clock.js';
import { ConfigError } from '../domain/errors.js';
import { AuditLogRepository } from '../store/audit-log-repository.js';
import { RemediationSwitchRepository } from '../store/remediation-switch-repository.js';
import { openAuditStore } from './audit-command.js';

/**
 * `dbxops remediation kill-switch on|off|status`: flips the live kill switch in the store every dbxops
 * process reads at each press and each execution, so it takes effect at once, without a restart, and
 * records who flipped it in the audit log.
 */
export async function runKillSwitch(
  state: string,
  options: { readonly databaseUrl?: string | undefined; readonly reason?: string | undefined },
  output: NodeJS.WritableStream = process.stdout,
): Promise<void> {
  if (state !== 'on' && state !== 'off' && state !== 'status')
    throw new ConfigError(`kill-switch takes on, off or status, not "${state.slice(0, 40)}".`);
  const env = loadEnv();
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
