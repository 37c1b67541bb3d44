import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { parseRetryAfter, TeamsConnectorError } from '../../../src/bot/teams/connector-client.js';
import { retryDecision, TeamsSendQueue } from '../../../src/bot/teams/send-queue.js';
import { ManualClock } from '../../../src/domain/clock.js';

const logger = pino({ level: 'silent' });
const failure = (
  reason: ConstructorParameters<typeof TeamsConnectorError>[0],
  statusCode?: number,
  retryAfterMs?: number,
) =>
  new TeamsConnectorError(reason, 'x', {
    operation: 'send',
    ...(statusCode === undefined ? {} : { statusCode }),
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });

describe('parseRetryAfter', () => {
  const now = Date.UTC(2026, 0, 1);
  it('reads seconds and HTTP dates, caps absurd values and ignores garbage', () => {
    expect(parseRetryAfter('3', now)).toBe(3_000);
    expect(parseRetryAfter(new Date(now + 5_000).toUTCString(), now)).toBe(5_000);
    expect(parseRetryAfter('999999999', now)).toBe(600_000);
    expect(parseRetryAfter('-4', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});

describe('retryDecision', () => {
  const half = () => 0.5;
  it('waits Retry-After on 429 and backs off on 5xx, 412 and network errors', () => {
    expect(retryDecision(failure('rate_limited', 429, 2_000), 0, 60_000, half)).toEqual({
      retry: true,
      delayMs: 2_000,
      why: 'rate_limited',
    });
    expect(retryDecision(failure('server_error', 503), 2, 60_000, half)).toMatchObject({
      retry: true,
      delayMs: 3_000,
    });
    expect(retryDecision(failure('network'), 20, 60_000, half)).toMatchObject({
      retry: true,
      delayMs: 45_000,
    });
  });

  it('gives up on a rejected activity, an auth failure or a bug', () => {
    expect(retryDecision(failure('rejected', 404), 0, 60_000, half)).toEqual({ retry: false });
    expect(retryDecision(failure('unauthorized', 401), 0, 60_000, half)).toEqual({ retry: false });
    expect(retryDecision(new TypeError('x'), 0, 60_000, half)).toEqual({ retry: false });
  });
});

describe('TeamsSendQueue', () => {
  const queue = (clock = new ManualClock(0)) =>
    new TeamsSendQueue({
      clock,
      logger,
      minIntervalMs: 0,
      sleep: async (ms) => clock.advance(ms),
      random: () => 0.5,
    });

  it('keeps sending a throttled post until it goes through', async () => {
    const q = queue();
    let attempts = 0;
    const result = await q.enqueue('c1', async () => {
      attempts++;
      if (attempts < 4) throw failure(attempts % 2 === 0 ? 'server_error' : 'rate_limited', 429, 100);
      return 'sent';
    });
    expect(result).toBe('sent');
    expect(attempts).toBe(4);
  });

  it('sends in order within a conversation', async () => {
    const q = queue();
    const order: string[] = [];
    await Promise.all(['a', 'b', 'c'].map((x) => q.enqueue('c1', async () => order.push(x))));
    expect(order).toEqual(['a', 'b', 'c']);
  });

  it('collapses queued updates of one message into the newest', async () => {
    const q = queue();
    const sent: string[] = [];
    let release: () => void = () => {};
    const first = q.enqueue(
      'c1',
      () =>
        new Promise<void>((r) => {
          release = r;
        }),
    );
    const updates = ['v1', 'v2', 'v3'].map((v) => q.enqueue('c1', async () => sent.push(v), 'update:m1'));
    release();
    await Promise.all([first, ...updates]);
    expect(sent).toEqual(['v3']);
  });

  it('rejects a permanent failure and refuses work after close', async () => {
    const q = queue();
    await expect(q.enqueue('c1', async () => Promise.reject(failure('rejected', 400)))).rejects.toMatchObject(
      { reason: 'rejected' },
    );
    await q.close();
    await expect(q.enqueue('c1', async () => 1)).rejects.toThrow(/closed/);
  });
});
