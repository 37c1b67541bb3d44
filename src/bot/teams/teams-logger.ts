import type { AppOptions, IPlugin } from '@microsoft/teams.apps';
import type { Logger } from 'pino';

/** The SDK's `ILogger` (from `@microsoft/teams.common`, reached through the package we depend on). */
export type TeamsSdkLogger = NonNullable<AppOptions<IPlugin>['logger']>;
type LogLevel = Parameters<TeamsSdkLogger['log']>[0];

const text = (args: unknown[]) =>
  args.map((a) => (typeof a === 'string' ? a : a instanceof Error ? a.message : JSON.stringify(a))).join(' ');

/**
 * The Teams SDK's logger interface over our pino logger, so its lines carry our redaction and format.
 * The SDK's debug output includes whole activities; it stays at debug.
 */
export function teamsLogger(logger: Logger, name = 'teams-sdk'): TeamsSdkLogger {
  const log = logger.child({ module: name });
  const self: TeamsSdkLogger = {
    debug: (...args: unknown[]) => log.debug(text(args)),
    info: (...args: unknown[]) => log.info(text(args)),
    warn: (...args: unknown[]) => log.warn(text(args)),
    error: (...args: unknown[]) => log.error(text(args)),
    trace: (...args: unknown[]) => log.trace(text(args)),
    log: (level: LogLevel, ...args: unknown[]) => self[level](...args),
    child: (child: string) => teamsLogger(logger, `${name}/${child}`),
  };
  return self;
}
