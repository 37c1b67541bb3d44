import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { retryDecision, SendQueue } from '../../../src/bot/slack/send-queue.js';
import { ManualClock } from '../../../src/domain/clock.js';
import { DeliveryDeferredError } from '../../../src/domain/errors.js';

const logger = pino({ level: 'silent' });

function queue(clock = new ManualClock(0)) {
  const sleeps: number[] = [];
  const q = new SendQueue({
    clock,
    logger,
    // Sleeping moves the manual clock, so pacing sees time pass exactly as waited.
    sleep: async (ms) => {
      sleeps.push(ms);
      clock.advance(ms);
    },
  });
  return { q, sleeps, clock };
}

describe('SendQueue', () => {
  it('honours Retry-After while Slack throttles, then tells the caller when to try again instead of waiting on', async () => {
    const { q, sleeps } = queue();
    const throttled = Object.assign(new Error('rate limited'), {
      code: 'slack_webapi_rate_limited_error',
      retryAfter: 50,
    });
    let calls = 0;
    const sent = q.enqueue('C1', async () => {
      calls++;
      throw throttled;
    });
    const error = await sent.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DeliveryDeferredError);
    expect(error).toMatchObject({ code: 'DELIVERY_DEFERRED', retryAfterMs: 50_000 });
    // Two waits of exactly Retry-After fit in the two minutes one send may wait; a third would not.
    expect(sleeps).toEqual([50_000, 50_000]);
    expect(calls).toBe(3);
    // The channel is free again: the next send goes out.
    await expect(q.enqueue('C1', async () => 'ok')).resolves.toBe('ok');
  });

  it('delivers a send that succeeds after a while of 500s, once', async () => {
    const { q, sleeps } = queue();
    let calls = 0;
    const sent = await q.enqueue('C1', async () => {
      calls++;
      if (calls <= 3) throw Object.assign(new Error('internal error'), { statusCode: 500 });
      return 'posted';
    });
    expect(sent).toBe('posted');
    expect(calls).toBe(4);
    expect(sleeps).toEqual([1_000, 2_000, 4_000]);
  });

  it('sends to one channel in order, one per second, and to other channels without waiting', async () => {
    const { q, sleeps } = queue();
    const order: string[] = [];
    await Promise.all([
      q.enqueue('C1', async () => order.push('C1-a')),
      q.enqueue('C1', async () => order.push('C1-b')),
      q.enqueue('C2', async () => order.push('C2-a')),
    ]);
    expect(order.filter((o) => o.startsWith('C1'))).toEqual(['C1-a', 'C1-b']);
    expect(sleeps).toEqual([1_000]);
  });

  it('replaces a pending update of the same message with the newer one (last write wins)', async () => {
    const { q } = queue();
    const sent: number[] = [];
    const first = q.enqueue('C1', async () => sent.push(0));
    const updates = [1, 2, 3].map((n) => q.enqueue('C1', async () => sent.push(n), 'update:C1:1.0'));
    await Promise.all([first, ...updates]);
    expect(sent).toEqual([0, 3]);
  });

  it('rejects a permanent Slack error without retrying', async () => {
    const { q } = queue();
    let attempts = 0;
    const failing = q.enqueue('C1', async () => {
      attempts += 1;
      throw Object.assign(new Error('channel_not_found'), { code: 'slack_webapi_platform_error' });
    });
    await expect(failing).rejects.toThrow('channel_not_found');
    expect(attempts).toBe(1);
  });

  it('retries network failures with growing, capped backoff until the send goes through', async () => {
    const { q, sleeps } = queue();
    let attempts = 0;
    const result = await q.enqueue('C1', async () => {
      attempts += 1;
      if (attempts < 4) throw Object.assign(new Error('ECONNRESET'), { code: 'slack_webapi_request_error' });
      return 'sent';
    });
    expect(result).toBe('sent');
    expect(sleeps).toEqual([1_000, 2_000, 4_000]);
  });

  it('refuses new sends once closed', async () => {
    const { q } = queue();
    await q.close();
    await expect(q.enqueue('C1', async () => 1)).rejects.toThrow('closed');
  });
});

describe('retryDecision', () => {
  it('waits exactly Retry-After on 429, backs off on 5xx and gives up on 4xx', () => {
    expect(retryDecision({ code: 'slack_webapi_rate_limited_error', retryAfter: 30 }, 0, 60_000)).toEqual({
      retry: true,
      delayMs: 30_000,
      why: 'rate_limited',
    });
    expect(retryDecision({ statusCode: 429, retryAfter: 2 }, 0, 60_000)).toMatchObject({
      retry: true,
      delayMs: 2_000,
    });
    expect(retryDecision({ statusCode: 503 }, 10, 60_000)).toMatchObject({ retry: true, delayMs: 60_000 });
    expect(retryDecision({ statusCode: 404 }, 0, 60_000)).toEqual({ retry: false });
    expect(retryDecision(undefined, 0, 60_000)).toEqual({ retry: false });
  });
});
