import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/open-store.js';
import { type Occurrence, RecurringIssueRepository } from '../../src/store/recurring-issue-repository.js';
import { dialects } from './dialects.js';

const DAY = 24 * 60 * 60 * 1000;
const T0 = Date.UTC(2024, 4, 1, 2, 0, 0);

describe.each(dialects())('RecurringIssueRepository on $name', (dialect) => {
  let store: Store;
  let recurring: RecurringIssueRepository;

  beforeAll(async () => {
    store = await dialect.open();
    recurring = new RecurringIssueRepository(store.db);
  });
  afterAll(async () => {
    await store?.close();
    await dialect.stop();
  });

  const stream = (overrides: Partial<Occurrence> = {}) => {
    const workspaceId = `ws-${randomUUID()}`;
    return (n: number, at: number) =>
      recurring.recordOccurrence({
        workspaceId,
        fingerprint: 'fp_oom',
        occurrenceKey: `run:${n}`,
        occurredAt: at,
        category: 'resource',
        kind: 'task_failed',
        title: 'nightly_sales/transform ran out of memory',
        ...overrides,
      });
  };

  it('opens a recurring issue with a preventive recommendation on the third occurrence in seven days', async () => {
    const record = stream();
    expect((await record(1, T0)).opened).toBeNull();
    expect((await record(2, T0 + 2 * DAY)).opened).toBeNull();
    const third = await record(3, T0 + 6 * DAY);
    expect(third.occurrencesInWindow).toBe(3);
    expect(third.opened).toMatchObject({
      state: 'open',
      occurrences: 3,
      firstSeenAt: T0,
      lastSeenAt: T0 + 6 * DAY,
      recommendation: { kind: 'compute_policy' },
    });
  });

  it('does not open a second record on the fourth occurrence but counts it', async () => {
    const record = stream();
    await record(1, T0);
    await record(2, T0 + DAY);
    const third = await record(3, T0 + 2 * DAY);
    const fourth = await record(4, T0 + 3 * DAY);
    expect(fourth.opened).toBeNull();
    expect(fourth.issue).toMatchObject({ id: third.opened?.id, occurrences: 4, lastSeenAt: T0 + 3 * DAY });
  });

  it('does not open for three occurrences spread over eight days', async () => {
    const record = stream();
    await record(1, T0);
    await record(2, T0 + 4 * DAY);
    const third = await record(3, T0 + 8 * DAY);
    expect(third).toMatchObject({ occurrencesInWindow: 2, opened: null, issue: null });
  });

  it('counts the same occurrence recorded twice only once', async () => {
    const record = stream();
    await record(1, T0);
    await record(1, T0);
    const again = await record(1, T0);
    expect(again).toMatchObject({ occurrencesInWindow: 1, opened: null });
  });

  it('opens exactly one record when workers record occurrences concurrently', async () => {
    const record = stream();
    await record(1, T0);
    await record(2, T0 + DAY);
    const results = await Promise.all([3, 4, 5, 6].map((n) => record(n, T0 + 2 * DAY)));
    expect(results.filter((r) => r.opened !== null)).toHaveLength(1);
  });

  it('recommends a retry policy for network failures', async () => {
    const record = stream({ category: 'network' });
    await record(1, T0);
    await record(2, T0 + 1);
    expect((await record(3, T0 + 2)).opened?.recommendation.kind).toBe('retry_policy');
  });

  it('opens a new record for a new streak after the old one was closed', async () => {
    const workspaceId = `ws-${randomUUID()}`;
    const record = stream({ workspaceId });
    await record(1, T0);
    await record(2, T0 + 1);
    const first = await record(3, T0 + 2);
    expect(await recurring.close(first.opened!.id)).toBe(true);
    expect(await recurring.close(first.opened!.id)).toBe(false);
    const fourth = await record(4, T0 + 3);
    expect(fourth.opened?.id).toBeDefined();
    expect(fourth.opened?.id).not.toBe(first.opened?.id);
    expect(await recurring.listOpen(workspaceId)).toHaveLength(1);
  });

  it('stores a hostile title safely', async () => {
    const record = stream({ title: `'; DROP TABLE recurring_issues; -- \u0000 😀 ${'x'.repeat(10_000)}` });
    await record(1, T0);
    await record(2, T0 + 1);
    const opened = (await record(3, T0 + 2)).opened;
    expect(opened?.title?.startsWith("'; DROP TABLE recurring_issues; -- \ufffd 😀")).toBe(true);
    expect(opened?.title).toHaveLength(300);
  });
});
