import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/domain/clock.js';
import { BullmqDispatcher } from '../../src/jobs/bullmq-dispatcher.js';
import {
  DUPLICATE_KEY_WINDOW_MS,
  InlineDispatcher,
  PermanentJobError,
  RateLimitedError,
} from '../../src/jobs/dispatcher.js';
import { type RedisServerHandle, startRedisServer } from '../../src/jobs/redis-server.js';

type Payloads = { detect: { n: number }; notify: { id: string } };

describe('InlineDispatcher', () => {
  it('runs work in order, including work queued by work', async () => {
    const seen: string[] = [];
    const d: InlineDispatcher<Payloads> = new InlineDispatcher<Payloads>({
      detect: async ({ n }) => {
        seen.push(`detect ${n}`);
        await d.dispatch('notify', { id: `i${n}` });
      },
      notify: async ({ id }) => {
        seen.push(`notify ${id}`);
      },
    });
    await d.dispatch('detect', { n: 1 });
    await d.dispatch('detect', { n: 2 });
    await d.drain();
    expect(seen).toEqual(['detect 1', 'detect 2', 'notify i1', 'notify i2']);
  });

  it('drops a second dispatch with the same key', async () => {
    let runs = 0;
    const d = new InlineDispatcher<Payloads>({ detect: async () => void runs++, notify: async () => {} });
    await d.dispatch('detect', { n: 1 }, { key: 'run:1' });
    await d.dispatch('detect', { n: 1 }, { key: 'run:1' });
    await d.drain();
    expect(runs).toBe(1);
  });

  it('forgets a key once the duplicate window has passed since its work ran, and not before', async () => {
    let runs = 0;
    const wallClock = new ManualClock(Date.UTC(2026, 10, 22));
    const d = new InlineDispatcher<Payloads>(
      { detect: async () => void runs++, notify: async () => {} },
      { wallClock },
    );
    await d.dispatch('detect', { n: 1 }, { key: 'run:1' });
    // Queued but not run yet: remembered however long it waits.
    wallClock.advance(2 * DUPLICATE_KEY_WINDOW_MS);
    await d.dispatch('detect', { n: 1 }, { key: 'run:1' });
    await d.drain();
    expect(runs).toBe(1);
    wallClock.advance(DUPLICATE_KEY_WINDOW_MS - 1);
    await d.dispatch('detect', { n: 1 }, { key: 'run:1' });
    await d.drain();
    expect(runs).toBe(1);
    wallClock.advance(2);
    await d.dispatch('detect', { n: 1 }, { key: 'run:1' });
    await d.drain();
    expect(runs).toBe(2);
  });

  it('records a failing job and goes on with the rest', async () => {
    const done: number[] = [];
    const d = new InlineDispatcher<Payloads>({
      detect: async ({ n }) => {
        if (n === 1) throw new Error('odd data');
        done.push(n);
      },
      notify: async () => {},
    });
    await d.dispatch('detect', { n: 1 });
    await d.dispatch('detect', { n: 2 });
    await d.drain();
    expect(done).toEqual([2]);
    expect(d.failures).toHaveLength(1);
  });
});

describe('BullmqDispatcher on a real Redis', () => {
  let redis: RedisServerHandle;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  const until = async (check: () => boolean, ms = 10_000) => {
    const end = Date.now() + ms;
    while (!check()) {
      if (Date.now() > end) throw new Error('timed out waiting');
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  it('delivers work to a worker once per key', async () => {
    const got: number[] = [];
    const d = new BullmqDispatcher<Payloads>({
      connection: { url: redis.url },
      prefix: `test-${randomUUID()}`,
      queues: ['detect', 'notify'],
      processors: { detect: async ({ n }) => void got.push(n), notify: async () => {} },
    });
    await d.dispatch('detect', { n: 7 }, { key: 'webhook:ws:run:7' });
    await d.dispatch('detect', { n: 7 }, { key: 'webhook:ws:run:7' });
    await d.dispatch('detect', { n: 8 });
    await until(() => got.length >= 2);
    await new Promise((r) => setTimeout(r, 200));
    expect(got.sort()).toEqual([7, 8]);
    await d.close();
  });

  it('forgets a key the duplicate window after its job completed, as the inline dispatcher does', async () => {
    const got: number[] = [];
    const d = new BullmqDispatcher<Payloads>({
      connection: { url: redis.url },
      prefix: `test-${randomUUID()}`,
      queues: ['detect', 'notify'],
      duplicateWindowMs: 1_000,
      processors: { detect: async ({ n }) => void got.push(n), notify: async () => {} },
    });
    await d.dispatch('detect', { n: 1 }, { key: 'run:1' });
    await until(() => got.length === 1);
    await d.dispatch('detect', { n: 1 }, { key: 'run:1' });
    const [completed] = await d.queues.get('detect')!.getCompleted();
    expect(completed?.opts.removeOnComplete).toEqual({ age: 1 });
    await new Promise((r) => setTimeout(r, 2_100));
    // BullMQ removes jobs past their age when a later keyed job completes.
    await d.dispatch('detect', { n: 2 }, { key: 'run:2' });
    await until(() => got.length === 2);
    await d.dispatch('detect', { n: 1 }, { key: 'run:1' });
    await until(() => got.length === 3);
    expect(got).toEqual([1, 2, 1]);
    await d.close();
  });

  it('retries a failing job and keeps a permanently failed one visible', async () => {
    let attempts = 0;
    const failed: string[] = [];
    const d = new BullmqDispatcher<Payloads>({
      connection: { url: redis.url },
      prefix: `test-${randomUUID()}`,
      queues: ['detect', 'notify'],
      attempts: 3,
      processors: {
        detect: async () => {
          attempts++;
          if (attempts < 2) throw new Error('flaky');
        },
        notify: async () => {
          throw new PermanentJobError('incident gone');
        },
      },
      onFailed: (q) => failed.push(q),
    });
    await d.dispatch('detect', { n: 1 });
    await d.dispatch('notify', { id: 'x' });
    await until(() => attempts >= 2 && failed.includes('notify'));
    const depths = await d.depths();
    expect(depths.find((x) => x.queue === 'notify' && x.state === 'failed')?.count).toBe(1);
    await d.close();
  });

  it('pauses on a rate limit without spending an attempt', async () => {
    let calls = 0;
    const d = new BullmqDispatcher<Payloads>({
      connection: { url: redis.url },
      prefix: `test-${randomUUID()}`,
      queues: ['detect', 'notify'],
      attempts: 1,
      processors: {
        detect: async () => {
          calls++;
          if (calls === 1) throw new RateLimitedError('429 from workspace', 200);
        },
        notify: async () => {},
      },
    });
    await d.dispatch('detect', { n: 1 });
    await until(() => calls >= 2);
    expect(calls).toBe(2);
    await d.close();
  });

  it('refuses a Redis URL that is not one', () => {
    expect(
      () => new BullmqDispatcher<Payloads>({ connection: { url: 'http://x' }, queues: ['detect'] }),
    ).toThrow(/redis:\/\//);
  });
});

describe('BullmqDispatcher serial queues', () => {
  let redis: RedisServerHandle;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('runs a serial queue one job at a time even across two worker processes', async () => {
    const prefix = `test-${randomUUID()}`;
    let running = 0;
    let most = 0;
    let done = 0;
    const slow = async () => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, 30));
      running--;
      done++;
    };
    const make = () =>
      new BullmqDispatcher<Payloads>({
        connection: { url: redis.url },
        prefix,
        queues: ['detect', 'notify'],
        serial: ['detect'],
        concurrency: 8,
        processors: { detect: slow, notify: async () => {} },
      });
    const a = make();
    const b = make();
    await Promise.all([a.ready, b.ready]);
    for (let i = 0; i < 12; i++) await a.dispatch('detect', { n: i });
    const end = Date.now() + 15_000;
    while (done < 12 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    expect(done).toBe(12);
    expect(most).toBe(1);
    await Promise.all([a.close(), b.close()]);
  });
});
