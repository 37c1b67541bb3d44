import { z } from 'zod';
import { ConfigError } from '../domain/errors.js';
import { DEFAULT_SCENARIO_FILE } from './default-scenario-file.js';

const port = z.coerce.number().int().min(0).max(65_535);
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));
const flag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
  .optional()
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
/** A comma-separated list; blank means unset. */
const optionalList = optionalString.transform((v) =>
  v === undefined
    ? undefined
    : v
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== ''),
);

/**
 * Every setting dbxops reads from the environment, with its default. Parsed once at start-up and frozen.
 * With nothing set, dbxops runs the embedded default: the simulated workspace, PGlite, a private Redis
 * and the local console.
 */
export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development').describe('NODE_ENV'),
  PORT: port.default(3000).describe('PORT: the one HTTP port for console, Slack, Teams, webhooks, metrics'),
  HOST: z.string().default('127.0.0.1').describe('HOST: the address the HTTP server binds'),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info')
    .describe('LOG_LEVEL'),
  DBXOPS_DATA_DIR: z.string().default('./data').describe('DBXOPS_DATA_DIR: PGlite files and exports'),
  DBXOPS_SCENARIO: z
    .string()
    .default(DEFAULT_SCENARIO_FILE)
    .describe('DBXOPS_SCENARIO: the scenario the embedded workspace plays'),
  DBXOPS_SIM_SPEED: z.coerce
    .number()
    .positive()
    .max(1_000_000)
    .default(60)
    .describe('DBXOPS_SIM_SPEED: simulated seconds per real second for the embedded workspace'),
  DBXOPS_SEED: z.coerce.number().int().min(0).default(42).describe('DBXOPS_SEED: the simulator seed'),
  DATABRICKS_HOST: optionalString.describe('DATABRICKS_HOST: a real workspace instead of the simulator'),
  DATABRICKS_TOKEN: optionalString.describe('DATABRICKS_TOKEN: personal access token'),
  DATABRICKS_CLIENT_ID: optionalString.describe('DATABRICKS_CLIENT_ID: OAuth M2M service principal'),
  DATABRICKS_CLIENT_SECRET: optionalString.describe('DATABRICKS_CLIENT_SECRET: OAuth M2M secret'),
  DATABRICKS_CONFIG_PROFILE: optionalString.describe('DATABRICKS_CONFIG_PROFILE: ~/.databrickscfg profile'),
  DATABRICKS_WORKSPACE_ID: optionalString.describe(
    'DATABRICKS_WORKSPACE_ID: the numeric workspace id the system tables filter on; asked of the workspace when unset',
  ),
  DATABRICKS_WAREHOUSE_ID: optionalString.describe('DATABRICKS_WAREHOUSE_ID: warehouse for system tables'),
  DATABRICKS_SQL_TRANSPORT: z
    .enum(['thrift', 'statement-execution'])
    .default('thrift')
    .describe('DATABRICKS_SQL_TRANSPORT: @databricks/sql (Thrift), or the Statement Execution API'),
  DATABASE_URL: optionalString.describe('DATABASE_URL: PostgreSQL 15+; PGlite in DBXOPS_DATA_DIR when unset'),
  REDIS_URL: optionalString.describe('REDIS_URL: Redis 7 / Valkey; a private redis-server when unset'),
  SLACK_BOT_TOKEN: optionalString.describe('SLACK_BOT_TOKEN'),
  SLACK_SIGNING_SECRET: optionalString.describe('SLACK_SIGNING_SECRET'),
  SLACK_APP_TOKEN: optionalString.describe('SLACK_APP_TOKEN: Socket Mode'),
  SLACK_API_URL: optionalString.describe('SLACK_API_URL: Web API base override (tests)'),
  TEAMS_APP_ID: optionalString.describe('TEAMS_APP_ID: the bot registration (Entra app) id'),
  TEAMS_APP_PASSWORD: optionalString.describe('TEAMS_APP_PASSWORD: its client secret'),
  TEAMS_TENANT_ID: optionalString.describe('TEAMS_TENANT_ID: single-tenant bots'),
  TEAMS_OPENID_METADATA_URL: optionalString.describe(
    "TEAMS_OPENID_METADATA_URL: Bot Framework OpenID metadata for inbound JWTs (another cloud's, or a local fake); default the public cloud's",
  ),
  TEAMS_TOKEN_URL: optionalString.describe(
    "TEAMS_TOKEN_URL: OAuth token endpoint for the bot's outbound token (another cloud's, or a local fake); default Entra ID's",
  ),
  TEAMS_SERVICE_URL: optionalString.describe(
    "TEAMS_SERVICE_URL: Bot Connector for conversations no activity has told this process about yet, e.g. after a restart (another cloud's, or a local fake); default the global https://smba.trafficmanager.net/teams/",
  ),
  OPENAI_API_KEY: optionalString.describe('OPENAI_API_KEY'),
  OPENAI_BASE_URL: optionalString.describe('OPENAI_BASE_URL'),
  DBXOPS_LLM_MODEL: optionalString.describe('DBXOPS_LLM_MODEL'),
  DBXOPS_WEBHOOK_USERNAME: z.string().default('dbxops').describe('DBXOPS_WEBHOOK_USERNAME: Basic auth user'),
  DBXOPS_WEBHOOK_PASSWORD: optionalString.describe('DBXOPS_WEBHOOK_PASSWORD: Basic auth password'),
  DBXOPS_DANGEROUSLY_ACCEPT_UNAUTHENTICATED_WEBHOOKS: flag.describe(
    'DBXOPS_DANGEROUSLY_ACCEPT_UNAUTHENTICATED_WEBHOOKS: refused in production',
  ),
  DBXOPS_PUBLIC_URL: optionalString
    .pipe(z.url({ protocol: /^https?$/ }).optional())
    .describe(
      'DBXOPS_PUBLIC_URL: the URL people open the console at (card links, the allowed Host, Secure cookies over https)',
    ),
  DBXOPS_CONSOLE_HOSTS: optionalList.describe(
    'DBXOPS_CONSOLE_HOSTS: host names the console answers to on a public bind (default: the DBXOPS_PUBLIC_URL host)',
  ),
  DBXOPS_CONSOLE_USERS_FILE: optionalString.describe(
    'DBXOPS_CONSOLE_USERS_FILE: `name:scrypt-hash` lines (dbxops console-user <name>); turns on the console login',
  ),
  DBXOPS_CONSOLE_SESSION_SECRET: optionalString
    .pipe(z.string().min(32, { message: 'must be at least 32 characters' }).optional())
    .describe(
      'DBXOPS_CONSOLE_SESSION_SECRET: HMAC key for console session cookies (random per process when unset)',
    ),
  DBXOPS_CONSOLE_SESSION_HOURS: z.coerce
    .number()
    .positive()
    .max(24 * 30)
    .default(12)
    .describe('DBXOPS_CONSOLE_SESSION_HOURS: how long a console login lasts'),
  DBXOPS_CONSOLE_TRUSTED_HEADER: optionalString
    .pipe(
      z
        .string()
        .regex(/^[A-Za-z0-9-]{1,64}$/, { message: 'must be a header name' })
        .optional(),
    )
    .describe(
      'DBXOPS_CONSOLE_TRUSTED_HEADER: identity header an authenticating proxy sets (e.g. X-Forwarded-Email)',
    ),
  DBXOPS_CONSOLE_TRUSTED_PROXIES: optionalList.describe(
    'DBXOPS_CONSOLE_TRUSTED_PROXIES: addresses or CIDRs whose identity and X-Forwarded-* headers are believed (default loopback)',
  ),
});

export type Env = Readonly<z.infer<typeof envSchema>>;

/**
 * Parses the environment once. Unsafe switches are refused in production; a bad value names the variable.
 */
export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid environment: ${problems.join('; ')}`, { problems });
  }
  const env = parsed.data;
  if (env.NODE_ENV === 'production' && env.DBXOPS_DANGEROUSLY_ACCEPT_UNAUTHENTICATED_WEBHOOKS) {
    throw new ConfigError(
      'DBXOPS_DANGEROUSLY_ACCEPT_UNAUTHENTICATED_WEBHOOKS is refused when NODE_ENV=production; set DBXOPS_WEBHOOK_PASSWORD instead',
      { variable: 'DBXOPS_DANGEROUSLY_ACCEPT_UNAUTHENTICATED_WEBHOOKS' },
    );
  }
  return Object.freeze(env);
}
