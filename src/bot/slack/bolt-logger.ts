import { LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import type { Logger } from '../../config/logger.js';

/** Bolt's logger interface over our pino logger, so Bolt's lines carry our redaction and format. */
export function boltLogger(logger: Logger): BoltLogger {
  const log = logger.child({ module: 'slack-bolt' });
  let level: LogLevel = LogLevel.INFO;
  const text = (args: unknown[]) =>
    args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ');
  return {
    debug: (...args) => log.debug(text(args)),
    info: (...args) => log.info(text(args)),
    warn: (...args) => log.warn(text(args)),
    error: (...args) => log.error(text(args)),
    setLevel: (l) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => {},
  };
}
