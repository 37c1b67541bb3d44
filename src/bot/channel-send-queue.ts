import type { Logger } from '../config/logger.js';
import type { Clock } from '../domain/clock.js';
import { DeliveryDeferredError } from '../domain/errors.js';

export type Sleep = (ms: number) => Promise<void>;
const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** How to treat a failed send: wait and retry, or give up on a permanent error. */
export type RetryDecision =
  | { readonly retry: true; readonly delayMs: number; readonly why: string }
  | { readonly retry: false };

export interface ChannelSendQueueOptions {
  readonly clock: Clock;
  readonly sleep?: Sleep;
  readonly logger: Logger;
  /** Which platform this queue talks to, for log lines and errors. */
  readonly platform: string;
  /** Minimum gap between two sends to one channel (the platform's per-channel rate). */
  readonly minIntervalMs: number;
  /** The platform's rules for a failed send: how long to wait, or that it is permanent. */
  readonly classify: (error: unknown, attempt: number) => RetryDecision;
  /**
   * How long one send keeps retrying throttles and server errors before its caller is told, with a
   * `DeliveryDeferredError`, to try again later (default 2 minutes). Waiting longer would hold up the
   * caller's other work: the notifier's next change of the same incident, on every surface.
   */
  readonly giveUpAfterMs?: number;
}

const DEFAULT_GIVE_UP_AFTER_MS = 120_000;

interface Job {
  key: string | undefined;
  run: () => Promise<unknown>;
  waiters: { resolve: (v: unknown) => void; reject: (e: unknown) => void }[];
}

/**
 * One FIFO per channel (a Slack channel, a Teams conversation): sends to a channel happen one at a
 * time, spaced by `minIntervalMs`, and a throttle or server error delays the send instead of losing it
 * (it is retried, honouring Retry-After, until it succeeds, the platform's rules call the error
 * permanent, or `giveUpAfterMs` passes: then the caller gets a `DeliveryDeferredError` saying when to
 * try again). Channels do not
 * wait for each other. A queued job with the same `key` (an update of one message) is replaced by the
 * newer one — last write wins — so a burst of changes becomes one update.
 */
export class ChannelSendQueue {
  readonly #queues = new Map<string, Job[]>();
  readonly #lastSentAt = new Map<string, number>();
  readonly #running = new Set<string>();
  readonly #idle = new Set<() => void>();
  readonly #options: ChannelSendQueueOptions;
  readonly #sleep: Sleep;
  #closed = false;

  constructor(options: ChannelSendQueueOptions) {
    this.#options = options;
    this.#sleep = options.sleep ?? realSleep;
  }

  /** Queues `run` for `channel`; resolves with its result once the platform accepted it. */
  enqueue<T>(channel: string, run: () => Promise<T>, key?: string): Promise<T> {
    if (this.#closed) return Promise.reject(new Error(`The ${this.#options.platform} send queue is closed`));
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
    const { clock, minIntervalMs, classify, logger, platform } = this.#options;
    const giveUpAfterMs = this.#options.giveUpAfterMs ?? DEFAULT_GIVE_UP_AFTER_MS;
    const startedAt = clock.now();
    for (let attempt = 0; ; attempt++) {
      const last = this.#lastSentAt.get(channel);
      const wait = last === undefined ? 0 : last + minIntervalMs - clock.now();
      if (wait > 0) await this.#sleep(wait);
      try {
        const value = await job.run();
        this.#lastSentAt.set(channel, clock.now());
        for (const w of job.waiters) w.resolve(value);
        return;
      } catch (error) {
        this.#lastSentAt.set(channel, clock.now());
        const decision = classify(error, attempt);
        if (!decision.retry) {
          for (const w of job.waiters) w.reject(error);
          return;
        }
        const waited = clock.now() - startedAt;
        if (waited + decision.delayMs > giveUpAfterMs) {
          const deferred = new DeliveryDeferredError(platform, decision.delayMs, waited, { cause: error });
          logger.warn(
            { channel, attempt, retryAfterMs: decision.delayMs, why: decision.why },
            deferred.message,
          );
          for (const w of job.waiters) w.reject(deferred);
          return;
        }
        logger.warn(
          { channel, attempt, delayMs: decision.delayMs, why: decision.why },
          `${platform} send delayed; will retry`,
        );
        await this.#sleep(decision.delayMs);
      }
    }
  }
}
