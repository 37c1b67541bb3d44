import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/domain/clock.js';
import type { Signal } from '../../src/domain/signal.js';
import { DUPLICATE_KEY_WINDOW_MS, InlineDispatcher } from '../../src/jobs/dispatcher.js';
import {
  queueSignals,
  RecentSignalJobs,
  removingFromOutbox,
  type SignalPayload,
  type SignalQueue,
} from '../../src/jobs/signal-outbox.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { createRepositories, type Repositories } from '../../src/store/repositories.js';
import { failedTaskSignal } from '../domain/signal-factory.js';

let store: Store;
let repos: Repositories;
beforeAll(async () => {
  store = await openStore({ dataDir: 'memory://' });
  repos = createRepositories(store.db);
});
afterAll(async () => {
  await store?.close();
});

/** A poll loop's signal queue in one process: what it correlated, the outbox, and its wall clock. */
function signalQueue() {
  const clock = new ManualClock(Date.UTC(2026, 11, 7, 6, 0, 0));
  const correlated: string[][] = [];
  const dispatcher = new InlineDispatcher<SignalQueue>(
    {
      signal: removingFromOutbox(repos.signalOutbox, async (payload: SignalPayload) => {
        correlated.push('signal' in payload ? [payload.signal.id] : payload.signals.map((s) => s.id));
      }),
    },
    { wallClock: clock },
  );
  const deps = { outbox: repos.signalOutbox, dispatcher, wallClock: clock, recent: new RecentSignalJobs() };
  const poll = async (signals: readonly Signal[]) => {
    await queueSignals(deps, 'ws', signals);
    await dispatcher.drain();
  };
  return { clock, correlated, poll };
}

describe('signals a detector hands out poll after poll', () => {
  it('are correlated once and leave no outbox row behind', async () => {
    const { correlated, poll } = signalQueue();
    const same = [failedTaskSignal({ dedupKey: 'run:7:a' }), failedTaskSignal({ dedupKey: 'run:7:b' })];
    for (let i = 0; i < 3; i++) await poll(same);
    expect(correlated).toEqual([same.map((s) => s.id)]);
    expect(await repos.signalOutbox.list()).toEqual([]);
  });

  it('go through again once a new signal joins them', async () => {
    const { correlated, poll } = signalQueue();
    const first = failedTaskSignal({ dedupKey: 'run:8:a' });
    const second = failedTaskSignal({ dedupKey: 'run:8:b' });
    await poll([first]);
    await poll([first, second]);
    expect(correlated).toEqual([[first.id], [first.id, second.id]]);
  });

  it('are queued again once the queue has forgotten the first job', async () => {
    const { clock, correlated, poll } = signalQueue();
    const same = [failedTaskSignal({ dedupKey: 'run:9:a' })];
    await poll(same);
    clock.advance(DUPLICATE_KEY_WINDOW_MS + 1);
    await poll(same);
    expect(correlated).toEqual([[same[0]!.id], [same[0]!.id]]);
    expect(await repos.signalOutbox.list()).toEqual([]);
  });
});
