import { type Clock, systemClock } from '../domain/clock.js';
import { DbxopsError } from '../domain/errors.js';

/**
 * Moves work between the pipeline's stages. The stages are plain async functions (`Processors`); a
 * dispatcher decides where they run: BullMQ workers in production (any number of processes), or an
 * in-process FIFO for `dbxops eval` and tests, so both exercise the same production code.
 */
export interface Dispatcher<P extends Record<string, unknown>> {
  /**
   * Queues one unit of work. Work with the same `key` queued again while the first is still known to
   * the queue is dropped: a webhook delivered twice is one job.
   */
  dispatch<Q extends keyof P & string>(queue: Q, payload: P[Q], options?: DispatchOptions): Promise<void>;
  close(): Promise<void>;
}

/**
 * How long a key is remembered once its work has run: a dispatch with the same key within this time is
 * dropped, after it the work runs again. The same for both dispatchers (BullMQ keeps a keyed job this
 * long after it completed), so a replay drops exactly the duplicates a deployment drops.
 */
export const DUPLICATE_KEY_WINDOW_MS = 3_600_000;

export interface DispatchOptions {
  /**
   * Idempotency key; any string (hashed for BullMQ, which forbids `:` in ids). Remembered while the work
   * waits and `DUPLICATE_KEY_WINDOW_MS` after it ran.
   */
  key?: string;
  delayMs?: number;
}

export type Processors<P extends Record<string, unknown>> = {
  [Q in keyof P]: (payload: P[Q]) => Promise<void>;
};

/**
 * Throw from a processor when the workspace throttles us: the queue pauses for `retryAfterMs` and the job
 * is retried without spending an attempt.
 */
export class RateLimitedError extends DbxopsError {
  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super('RATE_LIMITED', message, { retryAfterMs });
  }
}

/** Throw from a processor when retrying cannot help (bad payload, a deleted object): the job fails at once. */
export class PermanentJobError extends DbxopsError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('PERMANENT_JOB_FAILURE', message, details);
  }
}

/**
 * Runs work in this process, in order: deterministic, for replays and tests. Without a `clock`, delays
 * are ignored (work runs at the next drain); with one, delayed work waits until that clock reaches its
 * time, so a replay on a simulated clock polls in simulated time.
 */
export class InlineDispatcher<P extends Record<string, unknown>> implements Dispatcher<P> {
  readonly #processors: Processors<P>;
  readonly #pending: { queue: keyof P & string; payload: unknown; key?: string; dueAt?: number }[] = [];
  /** Keys queued (undefined: not run yet) or run, with when they ran; in the order they were last set. */
  readonly #seenKeys = new Map<string, number | undefined>();
  readonly #onError: (queue: string, error: unknown) => void;
  readonly #clock: Clock | undefined;
  readonly #wallClock: Clock;
  readonly #duplicateWindowMs: number;
  #draining = false;
  readonly failures: { queue: string; error: unknown }[] = [];

  constructor(
    processors: Processors<P>,
    options: {
      onError?: (queue: string, error: unknown) => void;
      clock?: Clock;
      /** When keyed work ran, for forgetting its key (default the system clock). */
      wallClock?: Clock;
      /** Default `DUPLICATE_KEY_WINDOW_MS`. */
      duplicateWindowMs?: number;
    } = {},
  ) {
    this.#processors = processors;
    this.#onError = options.onError ?? (() => {});
    this.#clock = options.clock;
    this.#wallClock = options.wallClock ?? systemClock;
    this.#duplicateWindowMs = options.duplicateWindowMs ?? DUPLICATE_KEY_WINDOW_MS;
  }

  async dispatch<Q extends keyof P & string>(
    queue: Q,
    payload: P[Q],
    options: DispatchOptions = {},
  ): Promise<void> {
    if (options.key !== undefined) {
      this.#forgetOldKeys();
      const scoped = scopedKey(queue, options.key);
      if (this.#seenKeys.has(scoped)) return;
      this.#seenKeys.set(scoped, undefined);
    }
    const dueAt =
      this.#clock !== undefined && options.delayMs !== undefined
        ? this.#clock.now() + options.delayMs
        : undefined;
    this.#pending.push({
      queue,
      payload,
      ...(options.key === undefined ? {} : { key: options.key }),
      ...(dueAt === undefined ? {} : { dueAt }),
    });
  }

  /** Runs a queued item, when one is due. */
  #next() {
    const now = this.#clock?.now();
    const index = this.#pending.findIndex(
      (i) => i.dueAt === undefined || now === undefined || i.dueAt <= now,
    );
    return index < 0 ? undefined : this.#pending.splice(index, 1)[0];
  }

  /** Runs queued work, including work it queues, until nothing is left. Failures are recorded, not thrown. */
  async drain(): Promise<void> {
    if (this.#draining) return;
    this.#draining = true;
    try {
      for (let item = this.#next(); item; item = this.#next()) {
        const run = this.#processors[item.queue] as (payload: unknown) => Promise<void>;
        try {
          await run(item.payload);
        } catch (error) {
          this.failures.push({ queue: item.queue, error });
          this.#onError(item.queue, error);
        }
        if (item.key !== undefined) {
          // Re-set at the end: the map stays in the order keys ran, oldest first, for #forgetOldKeys.
          const scoped = scopedKey(item.queue, item.key);
          this.#seenKeys.delete(scoped);
          this.#seenKeys.set(scoped, this.#wallClock.now());
        }
      }
    } finally {
      this.#draining = false;
    }
  }

  /** Forgets the keys whose work ran more than the window ago (they come first; queued ones never go). */
  #forgetOldKeys(): void {
    const before = this.#wallClock.now() - this.#duplicateWindowMs;
    for (const [key, ranAt] of this.#seenKeys) {
      if (ranAt === undefined) continue;
      if (ranAt >= before) break;
      this.#seenKeys.delete(key);
    }
  }

  get pending(): number {
    return this.#pending.length;
  }

  async close(): Promise<void> {
    this.#pending.length = 0;
  }
}

function scopedKey(queue: string, key: string): string {
  return `${queue}\u0000${key}`;
}

export function redisConnection(url: string): {
  host: string;
  port: number;
  username?: string;
  password?: string;
  db?: number;
  tls?: object;
  maxRetriesPerRequest: null;
} {
  const u = new URL(url);
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new DbxopsError(
      'CONFIG_INVALID',
      `REDIS_URL must start with redis:// or rediss://, got ${u.protocol}`,
    );
  }
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : undefined;
  return {
    host: u.hostname,
    port: u.port ? Number(u.port) : 6379,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(db !== undefined && Number.isInteger(db) ? { db } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    // BullMQ workers block on Redis; ioredis must not give up on those requests.
    maxRetriesPerRequest: null,
  };
}
