import { readFile as fsReadFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../../domain/clock.js';
import { ConfigError } from '../../domain/errors.js';
import type { SleepFn } from '../rest/http-transport.js';
import { type AuthProvider, patAuth } from './auth-provider.js';
import { type DatabricksCfgProfile, parseDatabricksCfg } from './databrickscfg.js';
import { normalizeHost } from './normalize-host.js';
import { oauthM2MAuth } from './oauth-m2m.js';

type DatabricksCredentials =
  | { readonly kind: 'pat'; readonly token: string }
  | { readonly kind: 'oauth-m2m'; readonly clientId: string; readonly clientSecret: string };

/** Where a setting came from, for `dbxops doctor`-style messages (never the value itself). */
type ConfigSource = 'explicit' | 'env' | 'config-file';

export interface ResolvedDatabricksConfig {
  /** Normalised origin, e.g. `https://adb-1.2.azuredatabricks.net`. */
  readonly host: string;
  readonly credentials: DatabricksCredentials;
  readonly hostSource: ConfigSource;
  readonly credentialsSource: ConfigSource;
  /** The `~/.databrickscfg` profile consulted, when one was. */
  readonly profile?: string | undefined;
}

export interface ResolveDatabricksConfigInput {
  host?: string | undefined;
  token?: string | undefined;
  clientId?: string | undefined;
  clientSecret?: string | undefined;
  /** Profile name in the config file; else `DATABRICKS_CONFIG_PROFILE`, else `DEFAULT`. */
  profile?: string | undefined;
  /** Config file path; else `DATABRICKS_CONFIG_FILE`, else `~/.databrickscfg`. */
  configFile?: string | undefined;
  /** Environment to read; default `process.env`. */
  env?: Readonly<Record<string, string | undefined>> | undefined;
  homeDir?: string | undefined;
  /** Reads a file; resolves `undefined` when it does not exist. Default: `fs.readFile`. */
  readFile?: ((path: string) => Promise<string | undefined>) | undefined;
}

interface Layer {
  source: ConfigSource;
  host?: string | undefined;
  token?: string | undefined;
  clientId?: string | undefined;
  clientSecret?: string | undefined;
  /** How a person names each setting in this layer, for error messages. */
  names: { host: string; token: string; clientId: string; clientSecret: string };
}

const present = (v: string | undefined): string | undefined =>
  v === undefined || v.trim() === '' ? undefined : v.trim();

async function defaultReadFile(path: string): Promise<string | undefined> {
  try {
    return await fsReadFile(path, 'utf8');
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return undefined;
    throw error;
  }
}

function credentialsOf(layer: Layer): DatabricksCredentials | undefined {
  if (layer.token) return { kind: 'pat', token: layer.token };
  if (layer.clientId && layer.clientSecret) {
    return { kind: 'oauth-m2m', clientId: layer.clientId, clientSecret: layer.clientSecret };
  }
  if (layer.clientId || layer.clientSecret) {
    const missing = layer.clientId ? layer.names.clientSecret : layer.names.clientId;
    const given = layer.clientId ? layer.names.clientId : layer.names.clientSecret;
    throw new ConfigError(`${missing} is missing: OAuth M2M needs it together with ${given}`, {
      missing: [missing],
      source: layer.source,
    });
  }
  return undefined;
}

/**
 * Finds the workspace host and credentials the way the Databricks CLI and SDKs do, first match wins:
 * explicit arguments, then `DATABRICKS_HOST` / `DATABRICKS_TOKEN` / `DATABRICKS_CLIENT_ID` +
 * `DATABRICKS_CLIENT_SECRET`, then a `~/.databrickscfg` profile (`host`, `token`, `client_id`,
 * `client_secret`). Host and credentials are each taken from the first layer that has them. Throws a
 * `ConfigError` naming exactly what is missing.
 */
export async function resolveDatabricksConfig(
  input: ResolveDatabricksConfigInput = {},
): Promise<ResolvedDatabricksConfig> {
  const env = input.env ?? process.env;
  const layers: Layer[] = [
    {
      source: 'explicit',
      host: present(input.host),
      token: present(input.token),
      clientId: present(input.clientId),
      clientSecret: present(input.clientSecret),
      names: { host: 'host', token: 'token', clientId: 'clientId', clientSecret: 'clientSecret' },
    },
    {
      source: 'env',
      host: present(env.DATABRICKS_HOST),
      token: present(env.DATABRICKS_TOKEN),
      clientId: present(env.DATABRICKS_CLIENT_ID),
      clientSecret: present(env.DATABRICKS_CLIENT_SECRET),
      names: {
        host: 'DATABRICKS_HOST',
        token: 'DATABRICKS_TOKEN',
        clientId: 'DATABRICKS_CLIENT_ID',
        clientSecret: 'DATABRICKS_CLIENT_SECRET',
      },
    },
  ];

  const requestedProfile = present(input.profile) ?? present(env.DATABRICKS_CONFIG_PROFILE);
  const profileName = requestedProfile ?? 'DEFAULT';
  const rawPath = present(input.configFile) ?? present(env.DATABRICKS_CONFIG_FILE) ?? '~/.databrickscfg';
  const home = input.homeDir ?? homedir();
  const configPath = rawPath === '~' || rawPath.startsWith('~/') ? join(home, rawPath.slice(1)) : rawPath;
  const complete = (l: Layer) => l.host !== undefined && (l.token !== undefined || l.clientId !== undefined);
  let profileUsed: string | undefined;

  if (requestedProfile !== undefined || !layers.some(complete)) {
    const text = await (input.readFile ?? defaultReadFile)(configPath);
    let profile: DatabricksCfgProfile | undefined;
    if (text !== undefined) {
      const profiles = parseDatabricksCfg(text);
      profile = profiles.get(profileName);
      if (profile === undefined && requestedProfile !== undefined) {
        throw new ConfigError(
          `Profile [${profileName}] is not in ${configPath}; it has ${[...profiles.keys()].map((p) => `[${p}]`).join(', ') || 'no profiles'}`,
          { profile: profileName, configFile: configPath, profiles: [...profiles.keys()] },
        );
      }
    } else if (requestedProfile !== undefined) {
      throw new ConfigError(`Profile [${profileName}] was requested but ${configPath} does not exist`, {
        profile: profileName,
        configFile: configPath,
      });
    }
    if (profile) {
      profileUsed = profileName;
      const where = `in profile [${profileName}] of ${configPath}`;
      layers.push({
        source: 'config-file',
        host: present(profile.host),
        token: present(profile.token),
        clientId: present(profile.client_id),
        clientSecret: present(profile.client_secret),
        names: {
          host: `host ${where}`,
          token: `token ${where}`,
          clientId: `client_id ${where}`,
          clientSecret: `client_secret ${where}`,
        },
      });
    }
  }

  const hostLayer = layers.find((l) => l.host !== undefined);
  if (!hostLayer?.host) {
    throw new ConfigError(
      `No Databricks host configured: set DATABRICKS_HOST, pass a host, or add host to profile [${profileName}] in ${configPath}`,
      { missing: ['DATABRICKS_HOST'], configFile: configPath, profile: profileName },
    );
  }
  const host = normalizeHost(hostLayer.host, hostLayer.names.host);

  for (const layer of layers) {
    const credentials = credentialsOf(layer);
    if (credentials) {
      return Object.freeze({
        host,
        credentials: Object.freeze(credentials),
        hostSource: hostLayer.source,
        credentialsSource: layer.source,
        profile: profileUsed,
      });
    }
  }
  throw new ConfigError(
    `No Databricks credentials for ${host}: set DATABRICKS_TOKEN, or DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET, or add token (or client_id and client_secret) to profile [${profileName}] in ${configPath}`,
    { missing: ['DATABRICKS_TOKEN'], host, configFile: configPath, profile: profileName },
  );
}

export interface AuthProviderDeps {
  fetch?: typeof fetch | undefined;
  clock?: Clock | undefined;
  sleep?: SleepFn | undefined;
  random?: (() => number) | undefined;
}

/** The `AuthProvider` for resolved credentials: a static bearer token or OAuth M2M. */
export function createAuthProvider(
  config: ResolvedDatabricksConfig,
  deps: AuthProviderDeps = {},
): AuthProvider {
  if (config.credentials.kind === 'pat') return patAuth(config.credentials.token);
  return oauthM2MAuth({
    host: config.host,
    clientId: config.credentials.clientId,
    clientSecret: config.credentials.clientSecret,
    ...deps,
  });
}
