import { describe, expect, it } from 'vitest';
import { startDbxops } from '../../src/cli/start-command.js';
import { loadEnv } from '../../src/config/env.js';
import { createLogger } from '../../src/config/logger.js';
import { DbxopsError } from '../../src/domain/errors.js';

describe('startDbxops', () => {
  it('refuses to expose the console beyond loopback without authentication, saying what to set', async () => {
    const started = Date.now();
    const env = loadEnv({ HOST: '0.0.0.0', PORT: '0', LOG_LEVEL: 'silent' });
    const error = await startDbxops(env, createLogger({ level: 'silent' })).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DbxopsError);
    expect((error as DbxopsError).code).toBe('CONFIG_INVALID');
    expect((error as DbxopsError).details).toMatchObject({ reason: 'unauthenticated_public_bind' });
    expect((error as Error).message).toMatch(/DBXOPS_CONSOLE_USERS_FILE.*DBXOPS_CONSOLE_TRUSTED_HEADER/);
    // Refused before the simulator, Redis or the store started.
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
