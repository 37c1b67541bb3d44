import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/open-store.js';
import { TokenUsageRepository } from '../../src/store/token-usage-repository.js';
import { dialects } from './dialects.js';

const T0 = Date.UTC(2026, 2, 3, 12, 0);

describe.each(dialects())('TokenUsageRepository on $name', (dialect) => {
  let store: Store;
  let usage: TokenUsageRepository;

  beforeAll(async () => {
    store = await dialect.open();
    usage = new TokenUsageRepository(store.db);
  });
  afterAll(async () => {
    await store?.close();
    await dialect.stop();
  });

  it('adds up a day’s tokens, from many callers at once, and keeps days apart', async () => {
    await Promise.all(Array.from({ length: 25 }, () => usage.add('2026-03-03', 40, T0)));
    expect(await usage.used('2026-03-03')).toBe(1_000);
    expect(await usage.add('2026-03-03', 1, T0)).toBe(1_001);
    expect(await usage.used('2026-03-04')).toBe(0);
  });

  it('is the same count for another connection: what a second process sees', async () => {
    const other = new TokenUsageRepository(store.db);
    await usage.add('2026-03-05', 250, T0);
    expect(await other.used('2026-03-05')).toBe(250);
  });

  it('forgets days older than 90 days when a new day begins', async () => {
    await usage.add('2025-11-01', 10, T0);
    await usage.add('2026-03-10', 5, Date.UTC(2026, 2, 10));
    expect(await usage.used('2025-11-01')).toBe(0);
    expect(await usage.used('2026-03-03')).toBe(1_001);
  });
});
