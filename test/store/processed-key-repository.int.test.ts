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

  it('marks many keys at once and returns only those not processed before', async () => {
    const scope = `many-${randomUUID()}`;
    expect(await keys.markProcessed('seen', T0, scope)).toBe(true);
    const fresh = await keys.markManyProcessed(['seen', 'a', 'b'], T0 + 1, scope);
    expect(fresh).toEqual(new Set(['a', 'b']));
    expect(await keys.markManyProcessed(['a', 'b', 'c'], T0 + 2, scope)).toEqual(new Set(['c']));
    expect(await keys.isProcessed('c', scope)).toBe(true);
    expect(await keys.markProcessed('c', T0 + 3, scope)).toBe(false);
  });

  it('counts a key repeated within one call once', async () => {
    const scope = `repeat-${randomUUID()}`;
    expect(await keys.markManyProcessed(['x', 'y', 'x', 'x', 'y'], T0, scope)).toEqual(new Set(['x', 'y']));
    expect(await keys.markManyProcessed(['x', 'x'], T0, scope)).toEqual(new Set());
  });

  it('keeps scopes apart when marking many', async () => {
    const key = randomUUID();
    expect(await keys.markManyProcessed([key], T0, 'slack')).toEqual(new Set([key]));
    expect(await keys.markManyProcessed([key], T0, 'teams')).toEqual(new Set([key]));
    expect(await keys.markManyProcessed([key], T0, 'slack')).toEqual(new Set());
  });

  it('answers an empty list with no keys', async () => {
    expect(await keys.markManyProcessed([], T0)).toEqual(new Set());
  });

  it('refuses a batch holding an empty or over-long key, and marks none of it', async () => {
    const scope = `refuse-${randomUUID()}`;
    await expect(keys.markManyProcessed(['ok-1', ''], T0, scope)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    await expect(keys.markManyProcessed(['ok-2', 'k'.repeat(513)], T0, scope)).rejects.toBeInstanceOf(
      DbxopsError,
    );
    expect(await keys.isProcessed('ok-1', scope)).toBe(false);
    expect(await keys.isProcessed('ok-2', scope)).toBe(false);
    expect(await keys.markManyProcessed(['k'.repeat(512)], T0, scope)).toEqual(new Set(['k'.repeat(512)]));
  });

  it('marks 2,500 keys in one call, half of them seen before', async () => {
    const scope = `burst-${randomUUID()}`;
    const all = Array.from({ length: 2_500 }, (_, i) => `webhook:1234567890123456:run:${i}`);
    const firstHalf = await keys.markManyProcessed(all.slice(0, 1_250), T0, scope);
    expect(firstHalf.size).toBe(1_250);
    const fresh = await keys.markManyProcessed(all, T0 + 1, scope);
    expect(fresh).toEqual(new Set(all.slice(1_250)));
    expect(await keys.markManyProcessed(all, T0 + 2, scope)).toEqual(new Set());
  });

  it('returns hostile keys as given, so the caller can match them', async () => {
    const scope = `hostile-${randomUUID()}`;
    const hostile = [`'; DELETE FROM processed_keys; --`, 'line\nbreak', '😀 中文 \u202e', 'back\\slash "q"'];
    expect(await keys.markManyProcessed(hostile, T0, scope)).toEqual(new Set(hostile));
    expect(await keys.markManyProcessed(hostile, T0, scope)).toEqual(new Set());
  });

  it('forgets keys so their redelivery is processed again', async () => {
    const scope = `forget-${randomUUID()}`;
    await keys.markManyProcessed(['a', 'b', 'c'], T0, scope);
    await keys.markProcessed('a', T0, 'other');
    await keys.forget(['a', 'b', 'never-seen'], scope);
    expect(await keys.markManyProcessed(['a', 'b', 'c'], T0 + 1, scope)).toEqual(new Set(['a', 'b']));
    expect(await keys.isProcessed('a', 'other')).toBe(true);
    await keys.forget([], scope);
    expect(await keys.isProcessed('c', scope)).toBe(true);
  });
});
