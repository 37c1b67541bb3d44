import type { Env } from '../config/env.js';
import type { Policy, WorkspaceEntry } from '../config/policy.js';
import { type ConnectDatabricksOptions, connectDatabricks } from '../databricks/auth/connect-databricks.js';
import type { ResolvedDatabricksConfig } from '../databricks/auth/resolve-databricks-config.js';
import { createWarehouse, type WarehouseConfig } from '../databricks/create-warehouse.js';
import type { DatabricksClient } from '../databricks/rest/databricks-client.js';
import { ConfigError } from '../domain/errors.js';
import type { WatchedWorkspace } from './bot-app.js';

type ExtraOptions = Omit<
  ConnectDatabricksOptions,
  'host' | 'token' | 'clientId' | 'clientSecret' | 'profile'
>;

/**
 * The configured workspace's client, from the parsed environment (not `process.env` again: what a
 * command was given is what it connects to). `extra` adds what one caller needs, such as retry reports.
 */
export function connectConfiguredWorkspace(
  env: Env,
  extra: ExtraOptions = {},
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

/** A `workspaces` entry dbxops watches: one with `auth` (the schema then demands its warehouse). */
type ListedWorkspace = WorkspaceEntry & Required<Pick<WorkspaceEntry, 'auth' | 'warehouse_id'>>;

/** The `workspaces` entries of `dbxops.yaml` that say how to connect: watched beside the environment's. */
export function listedWorkspaces(policy: Pick<Policy, 'workspaces'>): ListedWorkspace[] {
  return policy.workspaces.filter(
    (w): w is ListedWorkspace => w.auth !== undefined && w.warehouse_id !== undefined,
  );
}

/**
 * Connects to a listed workspace: its own client and warehouse, and its webhook credentials, with the
 * secrets read from the environment variables the entry names (never from the file, and never the
 * environment workspace's `DATABRICKS_*`, which belong to that one). A variable that is not set refuses
 * the start-up, naming the workspace and the variable. A token the workspace refuses, or a warehouse it
 * does not have, is found at the first poll and reported (`/readyz`, the logs, the console) while the
 * other workspaces go on.
 */
export async function connectListedWorkspace(
  entry: ListedWorkspace,
  options: {
    transport: Env['DATABRICKS_SQL_TRANSPORT'];
    secrets: Readonly<Record<string, string | undefined>>;
  } & ExtraOptions,
): Promise<WatchedWorkspace & { close(): Promise<void> }> {
  const { transport, secrets, ...extra } = options;
  const secret = (key: string, variable: string): string => {
    const value = secrets[variable]?.trim();
    if (!value) {
      throw new ConfigError(
        `workspaces: ${entry.name ?? entry.id} names ${variable} in ${key}, which is not set in the environment`,
        { workspace: entry.id, variable },
      );
    }
    return value;
  };
  const auth = entry.auth;
  const { client, config } = await connectDatabricks({
    host: entry.host,
    ...('token_env' in auth ? { token: secret('auth.token_env', auth.token_env) } : {}),
    ...('client_id_env' in auth
      ? {
          clientId: secret('auth.client_id_env', auth.client_id_env),
          clientSecret: secret('auth.client_secret_env', auth.client_secret_env),
        }
      : {}),
    ...('profile' in auth ? { profile: auth.profile } : {}),
    env: { DATABRICKS_CONFIG_FILE: secrets.DATABRICKS_CONFIG_FILE },
    ...extra,
  });
  const warehouse = await createWarehouse(warehouseConfig(transport, entry.warehouse_id, client, config));
  return {
    workspaceId: entry.id,
    client,
    warehouse,
    webhookCredentials: entry.webhook
      ? {
          username: entry.webhook.username,
          password: secret('webhook.password_env', entry.webhook.password_env),
        }
      : null,
    close: () => warehouse.close(),
  };
}

/**
 * The warehouse a real workspace's system tables are read through: `@databricks/sql` (Thrift) on the
 * workspace's host and port by default, or the Statement Execution API on the REST client
 * (`DATABRICKS_SQL_TRANSPORT=statement-execution`). A host with a port (the simulator's
 * `https://127.0.0.1:8001`) keeps it: the driver otherwise dials 443.
 */
export function warehouseConfig(
  transport: Env['DATABRICKS_SQL_TRANSPORT'],
  warehouseId: string,
  client: DatabricksClient,
  config: ResolvedDatabricksConfig,
): WarehouseConfig {
  if (transport === 'statement-execution')
    return { kind: 'statement-execution', transport: client.transport, warehouseId };
  const url = new URL(config.host);
  return {
    kind: 'thrift',
    host: url.hostname,
    ...(url.port === '' ? {} : { port: Number(url.port) }),
    warehouseId,
    auth: config.credentials,
  };
}
