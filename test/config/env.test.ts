import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadEnv } from '../../src/config/env.js';
import { DbxopsError } from '../../src/domain/errors.js';

describe('loadEnv', () => {
  it('runs the embedded default when nothing is set', () => {
    const env = loadEnv({});
    expect(env.PORT).toBe(3000);
    // The shipped demo, whatever the working directory.
    expect(env.DBXOPS_SCENARIO).toBe(resolve(import.meta.dirname, '../../scenarios/demo.yaml'));
    expect(env.DATABRICKS_HOST).toBeUndefined();
    expect(Object.isFrozen(env)).toBe(true);
  });

  it('names the variable when a value is malformed', () => {
    expect(() => loadEnv({ PORT: 'eighty' })).toThrowError(/PORT/);
    try {
      loadEnv({ PORT: '70000' });
    } catch (e) {
      expect(e).toBeInstanceOf(DbxopsError);
      expect((e as DbxopsError).code).toBe('CONFIG_INVALID');
    }
  });

  it('treats blank optional values as unset', () => {
    expect(loadEnv({ DATABRICKS_HOST: '   ' }).DATABRICKS_HOST).toBeUndefined();
  });

  it('refuses the dangerous webhook switch in production', () => {
    expect(() =>
      loadEnv({ NODE_ENV: 'production', DBXOPS_DANGEROUSLY_ACCEPT_UNAUTHENTICATED_WEBHOOKS: 'true' }),
    ).toThrowError(/refused/);
    expect(
      loadEnv({ DBXOPS_DANGEROUSLY_ACCEPT_UNAUTHENTICATED_WEBHOOKS: 'true' })
        .DBXOPS_DANGEROUSLY_ACCEPT_UNAUTHENTICATED_WEBHOOKS,
    ).toBe(true);
  });
});
