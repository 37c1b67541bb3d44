import { pino, type Logger } from 'pino';

/** Paths pino masks in every log line: secrets never reach logs. */
const REDACTED_PATHS = [
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'password',
  '*.password',
  'clientSecret',
  '*.clientSecret',
  'client_secret',
  '*.client_secret',
  'access_token',
  '*.access_token',
  'DATABRICKS_TOKEN',
  'SLACK_BOT_TOKEN',
  'SLACK_SIGNING_SECRET',
  'OPENAI_API_KEY',
  'TEAMS_APP_PASSWORD',
  'appPassword',
  '*.appPassword',
];

/** One logger for the process; modules take a child (`logger.child({ module })`). */
export function createLogger(options: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  const opts = { level: options.level ?? 'info', redact: { paths: REDACTED_PATHS, censor: '[redacted]' } };
  return options.destination ? pino(opts, options.destination) : pino(opts);
}

export type { Logger };
