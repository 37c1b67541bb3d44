import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/domain/errors.js';
import { parseDatabricksCfg } from '../../../src/databricks/auth/databrickscfg.js';
import { normalizeHost } from '../../../src/databricks/auth/normalize-host.js';
import {
  type ResolveDatabricksConfigInput,
  resolveDatabricksConfig,
} from '../../../src/databricks/auth/resolve-databricks-config.js';

const CFG = `
; written by databricks configure
[DEFAULT]
host = https://adb-1234567890123456.7.azuredatabricks.net/
token = dapiDEFAULT000000000000000000000000

[prod]
host  = dbc-prod.cloud.databricks.com
client_id = 11111111-2222-3333-4444-555555555555
client_secret = doseSECRET

[half]
host = https://half.cloud.databricks.com
client_id = only-the-id
`;

function files(map: Record<string, string>): ResolveDatabricksConfigInput['readFile'] {
  return async (path) => map[path];
}

async function configError(promise: Promise<unknown>): Promise<ConfigError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('parseDatabricksCfg', () => {
  it('reads sections, keys case-insensitively, comments and CRLF line ends', () => {
    const profiles = parseDatabricksCfg(
      '\uFEFF# c\r\n[a]\r\nHost = h\r\n; x\r\nTOKEN=t=with=equals\r\n[b]\r\n',
    );
    expect(profiles.get('a')).toEqual({ host: 'h', token: 't=with=equals' });
    expect(profiles.get('b')).toEqual({});
  });

  it('skips malformed lines instead of failing', () => {
    const profiles = parseDatabricksCfg('[ok]\nno equals sign here\n= value without key\n[broken\nhost=h');
    expect(profiles.get('ok')).toEqual({ host: 'h' });
  });

  it('keeps the last value when a key or section is repeated', () => {
    const profiles = parseDatabricksCfg('[a]\nhost=1\n[a]\nhost=2\ntoken=t');
    expect(profiles.get('a')).toEqual({ host: '2', token: 't' });
  });
});

describe('normalizeHost', () => {
  it('adds https:// and drops trailing slashes and paths', () => {
    expect(normalizeHost('dbc-1.cloud.databricks.com/')).toBe('https://dbc-1.cloud.databricks.com');
    expect(normalizeHost('  https://adb-1.2.azuredatabricks.net/?o=1#x ')).toBe(
      'https://adb-1.2.azuredatabricks.net',
    );
  });

  it('keeps http:// for the loopback simulator only', () => {
    expect(normalizeHost('http://127.0.0.1:8123/')).toBe('http://127.0.0.1:8123');
    expect(normalizeHost('http://localhost:9000')).toBe('http://localhost:9000');
    expect(() => normalizeHost('http://dbc-1.cloud.databricks.com')).toThrow(ConfigError);
  });

  it('refuses empty, unparseable, credential-carrying and non-http hosts', () => {
    expect(() => normalizeHost('   ')).toThrow(ConfigError);
    expect(() => normalizeHost('https://exa mple.com')).toThrow(ConfigError);
    expect(() => normalizeHost('https://user:pw@dbc.cloud.databricks.com')).toThrow(/credentials/);
    expect(() => normalizeHost('ftp://dbc.cloud.databricks.com')).toThrow(ConfigError);
  });
});

describe('resolveDatabricksConfig', () => {
  const noFiles = files({});

  it('prefers explicit host and token over the environment', async () => {
    const config = await resolveDatabricksConfig({
      host: 'explicit.cloud.databricks.com',
      token: 'dapiEXPLICIT',
      env: { DATABRICKS_HOST: 'env.cloud.databricks.com', DATABRICKS_TOKEN: 'dapiENV' },
      readFile: noFiles,
    });
    expect(config).toMatchObject({
      host: 'https://explicit.cloud.databricks.com',
      credentials: { kind: 'pat', token: 'dapiEXPLICIT' },
      hostSource: 'explicit',
      credentialsSource: 'explicit',
    });
  });

  it('reads DATABRICKS_HOST and DATABRICKS_TOKEN without touching the config file', async () => {
    let reads = 0;
    const config = await resolveDatabricksConfig({
      env: { DATABRICKS_HOST: 'env.cloud.databricks.com', DATABRICKS_TOKEN: 'dapiENV' },
      readFile: async () => {
        reads += 1;
        return CFG;
      },
    });
    expect(config.credentials).toEqual({ kind: 'pat', token: 'dapiENV' });
    expect(reads).toBe(0);
  });

  it('reads OAuth M2M client credentials from the environment', async () => {
    const config = await resolveDatabricksConfig({
      env: {
        DATABRICKS_HOST: 'h.cloud.databricks.com',
        DATABRICKS_CLIENT_ID: 'id',
        DATABRICKS_CLIENT_SECRET: 's',
      },
      readFile: noFiles,
    });
    expect(config.credentials).toEqual({ kind: 'oauth-m2m', clientId: 'id', clientSecret: 's' });
  });

  it('falls back to the DEFAULT profile of ~/.databrickscfg', async () => {
    const config = await resolveDatabricksConfig({
      env: {},
      homeDir: '/home/ops',
      readFile: files({ '/home/ops/.databrickscfg': CFG }),
    });
    expect(config).toMatchObject({
      host: 'https://adb-1234567890123456.7.azuredatabricks.net',
      credentials: { kind: 'pat', token: 'dapiDEFAULT000000000000000000000000' },
      credentialsSource: 'config-file',
      profile: 'DEFAULT',
    });
  });

  it('uses DATABRICKS_CONFIG_PROFILE and DATABRICKS_CONFIG_FILE', async () => {
    const config = await resolveDatabricksConfig({
      env: { DATABRICKS_CONFIG_PROFILE: 'prod', DATABRICKS_CONFIG_FILE: '/etc/dbx.cfg' },
      readFile: files({ '/etc/dbx.cfg': CFG }),
    });
    expect(config.host).toBe('https://dbc-prod.cloud.databricks.com');
    expect(config.credentials).toEqual({
      kind: 'oauth-m2m',
      clientId: '11111111-2222-3333-4444-555555555555',
      clientSecret: 'doseSECRET',
    });
  });

  it('lets the environment token win over the profile while the profile supplies the host', async () => {
    const config = await resolveDatabricksConfig({
      env: { DATABRICKS_TOKEN: 'dapiENV' },
      homeDir: '/h',
      readFile: files({ '/h/.databrickscfg': CFG }),
    });
    expect(config.hostSource).toBe('config-file');
    expect(config.credentials).toEqual({ kind: 'pat', token: 'dapiENV' });
  });

  it('names DATABRICKS_HOST when no host is configured anywhere', async () => {
    const error = await configError(
      resolveDatabricksConfig({ env: { DATABRICKS_TOKEN: 't' }, readFile: noFiles }),
    );
    expect(error.message).toContain('DATABRICKS_HOST');
    expect(error.details.missing).toEqual(['DATABRICKS_HOST']);
  });

  it('names the missing credential variables when only a host is set', async () => {
    const error = await configError(
      resolveDatabricksConfig({ env: { DATABRICKS_HOST: 'h.cloud.databricks.com' }, readFile: noFiles }),
    );
    expect(error.message).toContain('DATABRICKS_TOKEN');
    expect(error.message).toContain('DATABRICKS_CLIENT_SECRET');
  });

  it('names DATABRICKS_CLIENT_SECRET when only the client id is set', async () => {
    const error = await configError(
      resolveDatabricksConfig({
        env: { DATABRICKS_HOST: 'h.cloud.databricks.com', DATABRICKS_CLIENT_ID: 'id' },
        readFile: noFiles,
      }),
    );
    expect(error.message).toMatch(/^DATABRICKS_CLIENT_SECRET is missing/);
  });

  it('names client_secret of the profile when a profile is half filled', async () => {
    const error = await configError(
      resolveDatabricksConfig({
        profile: 'half',
        env: {},
        homeDir: '/h',
        readFile: files({ '/h/.databrickscfg': CFG }),
      }),
    );
    expect(error.message).toContain('client_secret in profile [half]');
  });

  it('explains a requested profile that does not exist, listing the ones that do', async () => {
    const error = await configError(
      resolveDatabricksConfig({
        profile: 'staging',
        env: {},
        homeDir: '/h',
        readFile: files({ '/h/.databrickscfg': CFG }),
      }),
    );
    expect(error.message).toContain('[staging]');
    expect(error.message).toContain('[prod]');
  });

  it('explains a requested profile when the config file is missing', async () => {
    const error = await configError(resolveDatabricksConfig({ profile: 'prod', env: {}, readFile: noFiles }));
    expect(error.message).toContain('does not exist');
  });

  it('treats blank values as unset', async () => {
    const config = await resolveDatabricksConfig({
      host: ' ',
      token: '',
      env: { DATABRICKS_HOST: 'h.cloud.databricks.com', DATABRICKS_TOKEN: 'dapiENV' },
      readFile: noFiles,
    });
    expect(config.hostSource).toBe('env');
  });

  it('never puts a secret into an error message or its details', async () => {
    const error = await configError(
      resolveDatabricksConfig({
        env: { DATABRICKS_HOST: 'http://evil.example.com', DATABRICKS_TOKEN: 'dapiSECRETVALUE' },
        readFile: noFiles,
      }),
    );
    expect(JSON.stringify({ m: error.message, d: error.details })).not.toContain('dapiSECRETVALUE');
  });
});
