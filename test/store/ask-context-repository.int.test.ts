import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { AskContextRepository, type StoredAskContext } from '../../src/store/ask-context-repository.js';
import type { Store } from '../../src/store/open-store.js';
import { dialects } from './dialects.js';

const T0 = Date.UTC(2026, 10, 22, 9, 0, 0);
const context = (intent: string): StoredAskContext => ({
  intent,
  slots: { team: 'marketing', job: { id: '900', name: 'mkt_sessionize', team: 'marketing' } },
  periodStartMs: T0 - 86_400_000,
  periodEndMs: T0,
  periodLabel: 'yesterday',
});

describe.each(dialects())('AskContextRepository on $name', (dialect) => {
  let store: Store;
  let contexts: AskContextRepository;

  beforeAll(async () => {
    store = await dialect.open();
    contexts = new AskContextRepository(store.db);
  });
  afterAll(async () => {
    await store?.close();
    await dialect.stop();
  });

  it('finds what a conversation last asked, by the first key that has it', async () => {
    const thread = `slack:C1:thread:${randomUUID()}`;
    const person = `slack:C1:user:${randomUUID()}`;
    await contexts.save([thread, person], context('failures'), T0);
    expect(await contexts.find([thread, person])).toEqual(context('failures'));
    expect(await contexts.find([`slack:C1:thread:${randomUUID()}`, person])).toEqual(context('failures'));
    expect(await contexts.find([`slack:C1:thread:${randomUUID()}`])).toBeUndefined();
  });

  it('replaces the context on the next answer', async () => {
    const key = `teams:T1:thread:${randomUUID()}`;
    await contexts.save([key], context('failures'), T0);
    await contexts.save([key, key], context('spend_by_team'), T0 + 1);
    expect((await contexts.find([key]))?.intent).toBe('spend_by_team');
  });

  it('ignores empty and oversized keys', async () => {
    await contexts.save(['', 'k'.repeat(513)], context('failures'), T0);
    expect(await contexts.find(['', 'k'.repeat(513)])).toBeUndefined();
  });

  it('drops conversations quiet for 30 days', async () => {
    const old = `console:c:thread:${randomUUID()}`;
    await contexts.save([old], context('failures'), T0);
    await contexts.save([`console:c:thread:${randomUUID()}`], context('failures'), T0 + 31 * 86_400_000);
    expect(await contexts.find([old])).toBeUndefined();
  });
});
