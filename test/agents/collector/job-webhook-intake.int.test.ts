import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJobWebhookIntake } from '../../../src/agents/collector/job-webhook-intake.js';
import type { JobNotification } from '../../../src/agents/collector/job-webhook.js';
import { openStore, type Store } from '../../../src/store/open-store.js';
import { ProcessedKeyRepository } from '../../../src/store/processed-key-repository.js';

let store: Store;
beforeAll(async () => {
  store = await openStore({ dataDir: 'memory://' });
});
afterAll(async () => {
  await store.close();
});

let seq = 0;
const notification = (dedupKey = `intake-${++seq}`): JobNotification => ({
  eventType: 'jobs.on_failure',
  workspaceId: '1234567890123456',
  jobId: '684914303928317',
  jobName: 'nightly_orders',
  jobRunId: String(455644833361000 + seq),
  taskRunId: null,
  taskKey: null,
  dedupKey,
});

function intake(queue: (n: readonly JobNotification[]) => Promise<void>) {
  return createJobWebhookIntake({
    processedKeys: new ProcessedKeyRepository(store.db),
    wallClock: { now: () => Date.UTC(2026, 10, 22) },
    queue: (notifications) => queue(notifications),
  });
}

describe('the job webhook intake', () => {
  it('queues deliveries that arrive together as one batch, and a redelivery of one of them not at all', async () => {
    const batches: string[][] = [];
    const take = intake(async (n) => void batches.push(n.map((x) => x.dedupKey)));
    const [a, b] = [notification(), notification()];
    expect(await Promise.all([take(a), take(b), take({ ...a })])).toEqual([
      'accepted',
      'accepted',
      'duplicate',
    ]);
    expect(batches).toEqual([[a.dedupKey, b.dedupKey]]);
    expect(await take({ ...b })).toBe('duplicate');
    expect(batches).toHaveLength(1);
  });

  it('forgets a delivery it could not queue, so the redelivery is taken in', async () => {
    const n = notification();
    await expect(intake(async () => Promise.reject(new Error('queue down')))(n)).rejects.toThrow(
      'queue down',
    );
    const queued: JobNotification[] = [];
    expect(await intake(async (x) => void queued.push(...x))({ ...n })).toBe('accepted');
    expect(queued.map((x) => x.dedupKey)).toEqual([n.dedupKey]);
  });
});
