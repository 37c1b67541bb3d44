import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { DbxopsError } from '../../src/domain/errors.js';
import type { Store } from '../../src/store/open-store.js';
import { ProcessedKeyRepository } from '../../src/store/processed-key-repository.js';
import { dialects } from './dialects.js';

const T0 = Date.UTC(2024, 4, 1, 2, 0, 0);

describe.each(dialects())('ProcessedKeyRepository on $name', (dialect) => {
  let store: Store;
  let keys: ProcessedKeyRepository;

  beforeAll(async () => {
    store = await dialect.open();
    keys = new ProcessedKeyRepository(store.db);
  });
  afterAll(async () => {
    await store?.close();
    await dialect.stop();
  });

  it('says true the first time a key is marked and false every time after', async () => {
    const key = `webhook:${randomUUID()}`;
    expect(await keys.markProcessed(key, T0)).toBe(true);
    expect(await keys.markProcessed(key, T0 + 1)).toBe(false);
    expect(await keys.markProcessed(key, T0 + 2)).toBe(false);
    expect(await keys.isProcessed(key)).toBe(true);
  });

  it('lets exactly one of many concurrent deliveries through', async () => {
    const key = `run:${randomUUID()}`;
    const results = await Promise.all(Array.from({ length: 12 }, () => keys.markProcessed(key, T0)));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('keeps scopes apart', async () => {
    const key = randomUUID();
    expect(await keys.markProcessed(key, T0, 'slack')).toBe(true);
    expect(await keys.markProcessed(key, T0, 'teams')).toBe(true);
    expect(await keys.isProcessed(key, 'console')).toBe(false);
  });

  it('stores hostile keys as given', async () => {
    const key = `'; DELETE FROM processed_keys; -- ${randomUUID()} 😀 \\ "`;
    expect(await keys.markProcessed(key, T0)).toBe(true);
    expect(await keys.markProcessed(key, T0)).toBe(false);
  });

  it('refuses empty and oversized keys with an actionable error', async () => {
    await expect(keys.markProcessed('', T0)).rejects.toBeInstanceOf(DbxopsError);
    await expect(keys.markProcessed('k'.repeat(1_048_576), T0)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
  });

  it('forgets keys older than the retention horizon', async () => {
    const scope = `prune-${randomUUID()}`;
    await keys.markProcessed('old', T0 - 10 * 86_400_000, scope);
    await keys.markProcessed('new', T0, scope);
    expect(await keys.prune(T0 - 86_400_000)).toBeGreaterThanOrEqual(1);
    expect(await keys.isProcessed('old', scope)).toBe(false);
    expect(await keys.isProcessed('new', scope)).toBe(true);
  });
});
