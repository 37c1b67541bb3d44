import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IncidentExplanationRepository } from '../../src/store/incident-explanation-repository.js';
import { IncidentRepository } from '../../src/store/incident-repository.js';
import type { Store } from '../../src/store/open-store.js';
import { dialects } from './dialects.js';

const T0 = Date.UTC(2026, 2, 3, 12, 0);
const DRAFT = { text: 'The load ran out of memory.', model: 'gpt-test' };

describe.each(dialects())('IncidentExplanationRepository on $name', (dialect) => {
  let store: Store;
  let incidents: IncidentRepository;
  let explanations: IncidentExplanationRepository;

  beforeAll(async () => {
    store = await dialect.open();
    incidents = new IncidentRepository(store.db);
    explanations = new IncidentExplanationRepository(store.db);
  });
  afterAll(async () => {
    await store?.close();
    await dialect.stop();
  });

  async function incident(): Promise<string> {
    const id = `inc_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
    const opened = await incidents.open({
      id,
      workspaceId: 'ws-1',
      fingerprint: `fp-${id}`,
      title: 'orders failed',
      severity: 'P2',
      openedAt: T0,
    });
    if (!opened.ok) throw new Error(opened.userMessage);
    return id;
  }

  it('lets one caller claim a draft, stores it once and moves the incident version on', async () => {
    const id = await incident();
    const claims = await Promise.all([1, 2, 3].map(() => explanations.claim(id, T0, T0 - 60_000)));
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(await explanations.complete(id, DRAFT, T0)).toBe(true);
    expect(await explanations.complete(id, DRAFT, T0)).toBe(false);
    expect(await explanations.get(id)).toEqual(DRAFT);
    expect((await incidents.get(id))?.version).toBe(2);
    expect(await explanations.claim(id, T0 + 3_600_000, T0 + 3_600_000)).toBe(false);
  });

  it('keeps a failed draft failed and shows nothing for it', async () => {
    const id = await incident();
    await explanations.claim(id, T0, 0);
    await explanations.fail(id, 'timeout: the model took too long');
    expect(await explanations.get(id)).toBeUndefined();
    expect(await explanations.claim(id, T0 + 3_600_000, T0 + 3_600_000)).toBe(false);
    expect((await incidents.get(id))?.version).toBe(1);
  });

  it('hands a stale claim over, and not a fresh one', async () => {
    const id = await incident();
    expect(await explanations.claim(id, T0, 0)).toBe(true);
    expect(await explanations.claim(id, T0 + 1_000, T0 - 60_000)).toBe(false);
    expect(await explanations.claim(id, T0 + 120_000, T0 + 60_000)).toBe(true);
  });
});
