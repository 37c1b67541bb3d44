import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/config/logger.js';
import { ManualClock } from '../../src/domain/clock.js';
import type { Signal } from '../../src/domain/signal.js';
import { BullmqDispatcher } from '../../src/jobs/bullmq-dispatcher.js';
import { PermanentJobError } from '../../src/jobs/dispatcher.js';
import { MONITORING_QUEUES, type MonitoringPayloads } from '../../src/jobs/monitoring.js';
import { type RedisServerHandle, startRedisServer } from '../../src/jobs/redis-server.js';
import { requeueLostWork } from '../../src/jobs/requeue-lost-work.js';
import {
  queueSignals,
  RecentSignalJobs,
  removingFromOutbox,
  type SignalPayload,
} from '../../src/jobs/signal-outbox.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { createRepositories, type Repositories } from '../../src/store/repositories.js';
import { failedTaskSignal } from '../domain/signal-factory.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 11, 6, 3, 0, 0);
const logger = createLogger({ level: 'silent' });

let redis: RedisServerHandle;
let store: Store;
let repos: Repositories;
beforeAll(async () => {
  redis = await startRedisServer();
  store = await openStore({ dataDir: 'memory://' });
  repos = createRepositories(store.db);
});
afterAll(async () => {
  await store?.close();
  await redis?.stop();
});

/** A monitoring process on the test's Redis: `signal` is what its correlation does with a job. */
function monitoringProcess(prefix: string, signal?: (payload: SignalPayload) => Promise<void>) {
  const noop = async () => {};
  return new BullmqDispatcher<MonitoringPayloads>({
    connection: { url: redis.url },
    prefix,
    queues: MONITORING_QUEUES,
    processors: signal
      ? {
          signal: removingFromOutbox(repos.signalOutbox, signal),
          webhook: noop,
          poll: noop,
          notify: noop,
          explain: noop,
        }
      : {},
  });
}

/** What a worker that found the schedules gone does, at `T0` on the workspace's clock. */
const requeue = (dispatcher: BullmqDispatcher<MonitoringPayloads>) =>
  requeueLostWork({
    outbox: repos.signalOutbox,
    incidents: repos.incidents,
    dispatcher,
    clock: new ManualClock(T0),
    logger,
  });

/** A poll queueing `signals` at `T0` through `dispatcher`, as the monitoring stages do. */
const queue = (dispatcher: BullmqDispatcher<MonitoringPayloads>, signals: readonly Signal[]) =>
  queueSignals(
    { outbox: repos.signalOutbox, dispatcher, wallClock: { now: () => T0 }, recent: new RecentSignalJobs() },
    'ws',
    signals,
  );

const ids = (payload: SignalPayload) =>
  'signal' in payload ? [payload.signal.id] : payload.signals.map((s) => s.id);
const signalOf = (run: string): Signal => failedTaskSignal({ dedupKey: `run:${run}:${randomUUID()}` });

async function until(check: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('work queued in a Redis that restarts without its data', () => {
  it('correlates the signals a poll had queued, though its watermark had moved past them', async () => {
    const prefix = `test-${randomUUID()}`;
    // Queued while no worker takes signals: they wait in Redis when it loses its data.
    const producer = monitoringProcess(prefix);
    const one = signalOf('one');
    const batch = [signalOf('two'), signalOf('three')];
    await queue(producer, [one]);
    await queue(producer, batch);
    await redis.restart();
    // Once the producer is connected again, the queue is empty: the jobs went with Redis' data.
    const waiting = async () =>
      (
        await producer.queues
          .get('signal')!
          .getJobCounts('waiting')
          .catch(() => undefined)
      )?.waiting;
    await until(async () => (await waiting()) !== undefined);
    expect(await waiting()).toBe(0);

    const requeued = await requeue(producer);
    expect(requeued.signalJobs).toBe(2);
    const correlated: string[][] = [];
    const worker = monitoringProcess(prefix, async (payload) => {
      correlated.push(ids(payload));
    });
    await until(async () => (await repos.signalOutbox.list()).length === 0);
    expect(correlated.sort()).toEqual([[one.id], batch.map((s) => s.id)].sort());
    await Promise.all([worker.close(), producer.close()]);
  });

  it('keeps a job that failed until it is correlated, and lets go of one that never can be', async () => {
    const prefix = `test-${randomUUID()}`;
    let failing = true;
    const worker = monitoringProcess(prefix, async (payload) => {
      if ('signal' in payload && payload.signal.subject.id === 'not-a-signal')
        throw new PermanentJobError('Not a signal');
      if (failing) throw new Error('the store is away');
    });
    const kept = signalOf('kept');
    const hopeless = failedTaskSignal({
      dedupKey: `run:hopeless:${randomUUID()}`,
      subject: { type: 'task', id: 'not-a-signal', name: 'x' },
    });
    await queue(worker, [kept]);
    await queue(worker, [hopeless]);
    const signals = worker.queues.get('signal')!;
    // The kept one failed at least once (and waits for its retry); the hopeless one failed for good.
    await until(async () => (await signals.getJobCounts('failed')).failed === 1);
    await until(async () =>
      (await signals.getJobs(['delayed', 'waiting', 'active'])).some((j) => j.attemptsMade > 0),
    );
    expect((await repos.signalOutbox.list()).map((e) => e.payload)).toEqual([
      expect.objectContaining({ signal: expect.objectContaining({ id: kept.id }) }),
    ]);
    failing = false;
    await until(async () => (await repos.signalOutbox.list()).length === 0, 30_000);
    await worker.close();
  });

  it('brings up to date the cards of open incidents and of those changed in the last day, not older ones', async () => {
    const prefix = `test-${randomUUID()}`;
    const workspaceId = `ws-${randomUUID()}`;
    const incident = async (id: string, openedAt: number) => {
      const result = await repos.incidents.open({
        id,
        workspaceId,
        fingerprint: `fp_${id}`,
        title: `${id} failed`,
        severity: 'P2',
        openedAt,
        team: 'sales-data',
      });
      if (!result.ok) throw new Error(result.userMessage);
    };
    const open = `inc_${randomUUID().replaceAll('-', '')}`;
    const resolvedToday = `inc_${randomUUID().replaceAll('-', '')}`;
    const resolvedLastWeek = `inc_${randomUUID().replaceAll('-', '')}`;
    await incident(open, T0 - 50 * HOUR);
    await incident(resolvedToday, T0 - 30 * HOUR);
    await incident(resolvedLastWeek, T0 - 170 * HOUR);
    await repos.incidents.applyEvent(resolvedToday, { type: 'resolve', actor: 'U1' }, T0 - 2 * HOUR);
    await repos.incidents.applyEvent(resolvedLastWeek, { type: 'resolve', actor: 'U1' }, T0 - 160 * HOUR);

    const producer = monitoringProcess(prefix);
    await requeue(producer);
    const queued = (await producer.queues.get('notify')!.getJobs(['waiting'])).map(
      (j) => (j.data as { incidentId: string }).incidentId,
    );
    expect(queued).toContain(open);
    expect(queued).toContain(resolvedToday);
    expect(queued).not.toContain(resolvedLastWeek);
    // Asked twice (two workers noticed the loss), each is queued once.
    await requeue(producer);
    const again = (await producer.queues.get('notify')!.getJobs(['waiting'])).map(
      (j) => (j.data as { incidentId: string }).incidentId,
    );
    expect(again.filter((id) => id === open)).toHaveLength(1);
    await producer.close();
  });
});
