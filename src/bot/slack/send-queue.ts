import type { Logger } from '../../config/logger.js';
import type { Clock } from '../../domain/clock.js';

export type Sleep = (ms: number) => Promise<void>;
export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** How to treat a failed send: wait and retry, or give up (a permanent error such as `channel_not_found`). */
export type RetryDecision =
  | { readonly retry: true; readonly delayMs: number; readonly why: string }
  | { readonly retry: false };

export interface SendQueueOptions {
  readonly clock: Clock;
  readonly sleep?: Sleep;
  readonly logger: Logger;
  /** Minimum gap between two sends to one channel; Slack allows about one message per second. */
  readonly minIntervalMs?: number;
  /** Backoff ceiling for 5xx and network errors. */
  readonly maxBackoffMs?: number;
}

interface Job {
  key: string | undefined;
  run: () => Promise<unknown>;
  waiters: { resolve: (v: unknown) => void; reject: (e: unknown) => void }[];
}

const BASE_BACKOFF_MS = 1_000;

/**
 * Classifies Slack failures: 429 waits exactly `Retry-After`; HTTP 5xx and network errors back off
 * exponentially; anything else (an `ok: false` platform error, a bad request) is permanent.
 * Understands `@slack/web-api` errors (`rejectRateLimitedCalls: true`, `retries: 0`) and our `response_url` errors.
 */
export function retryDecision(error: unknown, attempt: number, maxBackoffMs: number): RetryDecision {
  const e = error as { code?: unknown; retryAfter?: unknown; statusCode?: unknown };
  const backoff = Math.min(maxBackoffMs, BASE_BACKOFF_MS * 2 ** Math.min(attempt, 16));
  if (e?.code === 'slack_webapi_rate_limited_error' && typeof e.retryAfter === 'number') {
    return { retry: true, delayMs: Math.max(0, e.retryAfter * 1000), why: 'rate_limited' };
  }
  if (typeof e?.statusCode === 'number') {
    if (e.statusCode === 429) {
      const after = typeof e.retryAfter === 'number' ? e.retryAfter * 1000 : backoff;
      return { retry: true, delayMs: after, why: 'rate_limited' };
    }
    if (e.statusCode >= 500) return { retry: true, delayMs: backoff, why: `http_${e.statusCode}` };
    return { retry: false };
  }
  if (e?.code === 'slack_webapi_request_error' || e?.code === 'slack_response_url_network') {
    return { retry: true, delayMs: backoff, why: 'network' };
  }
  return { retry: false };
}

/**
 * One FIFO per channel: sends to a channel happen one at a time, at most one per `minIntervalMs`, and a
 * 429 or 5xx delays the send rather than losing it. Channels do not wait for each other. A pending job
 * with the same `key` (a card update) is replaced by the newer one — last write wins — so a burst of
 * changes becomes one `chat.update`.
 */
export class SendQueue {
  readonly #queues = new Map<string, Job[]>();
  readonly #lastSentAt = new Map<string, number>();
  readonly #running = new Set<string>();
  readonly #idle = new Set<() => void>();
  readonly #clock: Clock;
  readonly #sleep: Sleep;
  readonly #logger: Logger;
  readonly #minIntervalMs: number;
  readonly #maxBackoffMs: number;
  #closed = false;

  constructor(options: SendQueueOptions) {
    this.#clock = options.clock;
    this.#sleep = options.sleep ?? realSleep;
    this.#logger = options.logger;
    this.#minIntervalMs = options.minIntervalMs ?? 1_000;
    this.#maxBackoffMs = options.maxBackoffMs ?? 60_000;
  }

  /** Queues `run` for `channel`; resolves with its result once Slack accepted it. */
  enqueue<T>(channel: string, run: () => Promise<T>, key?: string): Promise<T> {
    if (this.#closed) return Promise.reject(new Error('The Slack send queue is closed'));
    return new Promise<T>((resolve, reject) => {
      const queue = this.#queues.get(channel) ?? [];
      const waiter = { resolve: resolve as (v: unknown) => void, reject };
      const pending = key === undefined ? undefined : queue.find((j) => j.key === key);
      if (pending !== undefined) {
        pending.run = run;
        pending.waiters.push(waiter);
      } else {
        queue.push({ key, run, waiters: [waiter] });
      }
      this.#queues.set(channel, queue);
      if (!this.#running.has(channel)) void this.#drain(channel);
    });
  }

  /** Resolves when every queued send has finished (for shutdown and tests). */
  async idle(): Promise<void> {
    if (this.#running.size === 0) return;
    await new Promise<void>((resolve) => this.#idle.add(resolve));
  }

  /** Refuses new sends and waits for the queued ones. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.idle();
  }

  async #drain(channel: string): Promise<void> {
    this.#running.add(channel);
    try {
      for (;;) {
        const job = this.#queues.get(channel)?.shift();
        if (job === undefined) break;
        await this.#runJob(channel, job);
      }
    } finally {
      this.#queues.delete(channel);
      this.#running.delete(channel);
      if (this.#running.size === 0) {
        for (const resolve of this.#idle) resolve();
        this.#idle.clear();
      }
    }
  }

  async #runJob(channel: string, job: Job): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const last = this.#lastSentAt.get(channel);
      const wait = last === undefined ? 0 : last + this.#minIntervalMs - this.#clock.now();
      if (wait > 0) await this.#sleep(wait);
      try {
        const value = await job.run();
        this.#lastSentAt.set(channel, this.#clock.now());
        for (const w of job.waiters) w.resolve(value);
        return;
      } catch (error) {
        this.#lastSentAt.set(channel, this.#clock.now());
        const decision = retryDecision(error, attempt, this.#maxBackoffMs);
        if (!decision.retry) {
          for (const w of job.waiters) w.reject(error);
          return;
        }
        this.#logger.warn(
          { channel, attempt, delayMs: decision.delayMs, why: decision.why },
          'Slack send delayed; will retry',
        );
        await this.#sleep(decision.delayMs);
      }
    }
  }
}
