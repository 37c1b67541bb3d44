import type { Env } from '../config/env.js';
import { type ConnectDatabricksOptions, connectDatabricks } from '../databricks/auth/connect-databricks.js';

/**
 * The configured workspace's client, from the parsed environment (not `process.env` again: what a
 * command was given is what it connects to). `extra` adds what one caller needs, such as retry reports.
 */
export function connectConfiguredWorkspace(
  env: Env,
  extra: Omit<ConnectDatabricksOptions, 'host' | 'token' | 'clientId' | 'clientSecret' | 'profile'> = {},
): ReturnType<typeof connectDatabricks> {
  return connectDatabricks({
    host: env.DATABRICKS_HOST,
    token: env.DATABRICKS_TOKEN,
    clientId: env.DATABRICKS_CLIENT_ID,
    clientSecret: env.DATABRICKS_CLIENT_SECRET,
    profile: env.DATABRICKS_CONFIG_PROFILE,
    ...extra,
  });
}
