import type { Logger } from 'pino';
import type { Clock } from '../../domain/clock.js';
import { TeamsConnectorError } from './connector-client.js';

export type Sleep = (ms: number) => Promise<void>;
export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** How to treat a failed send: wait and retry, or give up on a permanent error. */
export type RetryDecision =
  | { readonly retry: true; readonly delayMs: number; readonly why: string }
  | { readonly retry: false };

export interface TeamsSendQueueOptions {
  readonly clock: Clock;
  readonly sleep?: Sleep;
  readonly logger: Logger;
  /** Random in [0, 1) for backoff jitter; inject a seeded one in tests. */
  readonly random?: () => number;
  /** Gap between two sends to one conversation (default 150 ms: Teams allows about 7 per second). */
  readonly minIntervalMs?: number;
  /** Backoff ceiling for 5xx and network errors (default 60 s). */
  readonly maxBackoffMs?: number;
}

const BASE_BACKOFF_MS = 1_000;

/**
 * Microsoft's guidance (bots/how-to/rate-limit.md): retry 429 after `Retry-After`, retry 412, 5xx and
 * network failures with exponential backoff and jitter. A 4xx that is not a throttle is permanent.
 */
export function retryDecision(
  error: unknown,
  attempt: number,
  maxBackoffMs: number,
  random: () => number,
): RetryDecision {
  const exp = Math.min(maxBackoffMs, BASE_BACKOFF_MS * 2 ** Math.min(attempt, 16));
  // Full jitter on the upper half: spreads retries of many conversations without ever retrying instantly.
  const backoff = Math.round(exp / 2 + (random() * exp) / 2);
  if (!(error instanceof TeamsConnectorError)) return { retry: false };
  switch (error.reason) {
    case 'rate_limited':
      return { retry: true, delayMs: error.retryAfterMs ?? backoff, why: 'rate_limited' };
    case 'server_error':
      return {
        retry: true,
        delayMs: error.retryAfterMs ?? backoff,
        why: `http_${error.statusCode ?? 'unknown'}`,
      };
    case 'network':
      return { retry: true, delayMs: backoff, why: 'network' };
    default:
      return { retry: false };
  }
}

interface Job {
  key: string | undefined;
  run: () => Promise<unknown>;
  waiters: { resolve: (v: unknown) => void; reject: (e: unknown) => void }[];
}

/**
 * One FIFO per conversation: sends to a conversation happen one at a time, spaced by `minIntervalMs`, and
 * a 429 or 5xx delays the send instead of losing it (it is retried until it succeeds or fails for good).
 * Conversations do not wait for each other. A queued job with the same `key` (an update of one message)
 * is replaced by the newer one — last write wins — so a burst of changes becomes one PUT.
 */
export class TeamsSendQueue {
  readonly #queues = new Map<string, Job[]>();
  readonly #lastSentAt = new Map<string, number>();
  readonly #running = new Set<string>();
  readonly #idle = new Set<() => void>();
  readonly #clock: Clock;
  readonly #sleep: Sleep;
  readonly #logger: Logger;
  readonly #random: () => number;
  readonly #minIntervalMs: number;
  readonly #maxBackoffMs: number;
  #closed = false;

  constructor(options: TeamsSendQueueOptions) {
    this.#clock = options.clock;
    this.#sleep = options.sleep ?? realSleep;
    this.#logger = options.logger;
    this.#random = options.random ?? Math.random;
    this.#minIntervalMs = options.minIntervalMs ?? 150;
    this.#maxBackoffMs = options.maxBackoffMs ?? 60_000;
  }

  /** Queues `run` for `conversationId`; resolves with its result once the connector accepted it. */
  enqueue<T>(conversationId: string, run: () => Promise<T>, key?: string): Promise<T> {
    if (this.#closed) return Promise.reject(new Error('The Teams send queue is closed'));
    return new Promise<T>((resolve, reject) => {
      const queue = this.#queues.get(conversationId) ?? [];
      const waiter = { resolve: resolve as (v: unknown) => void, reject };
      const pending = key === undefined ? undefined : queue.find((j) => j.key === key);
      if (pending !== undefined) {
        pending.run = run;
        pending.waiters.push(waiter);
      } else {
        queue.push({ key, run, waiters: [waiter] });
      }
      this.#queues.set(conversationId, queue);
      if (!this.#running.has(conversationId)) void this.#drain(conversationId);
    });
  }

  /** Resolves when every queued send has finished (shutdown, tests). */
  async idle(): Promise<void> {
    if (this.#running.size === 0) return;
    await new Promise<void>((resolve) => this.#idle.add(resolve));
  }

  /** Refuses new sends and waits for the queued ones. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.idle();
  }

  async #drain(conversationId: string): Promise<void> {
    this.#running.add(conversationId);
    try {
      for (;;) {
        const job = this.#queues.get(conversationId)?.shift();
        if (job === undefined) break;
        await this.#runJob(conversationId, job);
      }
    } finally {
      this.#queues.delete(conversationId);
      this.#running.delete(conversationId);
      if (this.#running.size === 0) {
        for (const resolve of this.#idle) resolve();
        this.#idle.clear();
      }
    }
  }

  async #runJob(conversationId: string, job: Job): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const last = this.#lastSentAt.get(conversationId);
      const wait = last === undefined ? 0 : last + this.#minIntervalMs - this.#clock.now();
      if (wait > 0) await this.#sleep(wait);
      try {
        const value = await job.run();
        this.#lastSentAt.set(conversationId, this.#clock.now());
        for (const w of job.waiters) w.resolve(value);
        return;
      } catch (error) {
        this.#lastSentAt.set(conversationId, this.#clock.now());
        const decision = retryDecision(error, attempt, this.#maxBackoffMs, this.#random);
        if (!decision.retry) {
          for (const w of job.waiters) w.reject(error);
          return;
        }
        this.#logger.warn(
          { conversationId, attempt, delayMs: decision.delayMs, why: decision.why },
          'Teams send delayed; will retry',
        );
        await this.#sleep(decision.delayMs);
      }
    }
  }
}
