import { createHash } from 'node:crypto';
import { Queue, type Job, type RedisClient, UnrecoverableError, Worker } from 'bullmq';
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

export interface BullmqOptions<P extends Record<string, unknown>> {
  connection: { url: string };
  /** Key prefix: separates deployments (and tests) sharing one Redis. */
  prefix?: string;
  /** Processors of the queues worked here; a queue without one is only queued to. */
  processors?: Partial<Processors<P>>;
  queues: readonly (keyof P & string)[];
  /** Jobs each worker runs at once: one number for every queue, or per queue (default 4). */
  concurrency?: number | Partial<Record<keyof P & string, number>>;
  /**
   * Queues whose jobs must run one at a time across every worker process (BullMQ global concurrency),
   * for work that has no finer way to take turns. (Correlation has one: the store's correlation lock.)
   */
  serial?: readonly (keyof P & string)[];
  attempts?: number;
  /** Default `DUPLICATE_KEY_WINDOW_MS`. */
  duplicateWindowMs?: number;
  onFailed?: (queue: string, jobId: string | undefined, error: Error) => void;
}

/** Attempts of one scheduled run (a poll): the first and its retries. */
const SCHEDULED_ATTEMPTS = 3;

/** BullMQ queues and, where processors are given, workers: the scaled-out deployment. */
export class BullmqDispatcher<P extends Record<string, unknown>> implements Dispatcher<P> {
  readonly queues = new Map<string, Queue>();
  readonly workers: Worker[] = [];
  readonly #attempts: number;
  readonly #duplicateWindowMs: number;
  /** The key prefix of every queue (and of anything else this deployment keeps in Redis). */
  readonly prefix: string;
  /** Resolves once queue settings (global concurrency) are in Redis. */
  readonly ready: Promise<void>;

  constructor(options: BullmqOptions<P>) {
    const connection = redisConnection(options.connection.url);
    const prefix = options.prefix ?? 'dbxops';
    this.prefix = prefix;
    this.#attempts = options.attempts ?? 5;
    this.#duplicateWindowMs = options.duplicateWindowMs ?? DUPLICATE_KEY_WINDOW_MS;
    const settings: Promise<unknown>[] = [];
    // Producers fail fast while Redis is away (BullMQ's advice for queues): the webhook answers 503 at once
    // and Databricks redelivers, where ioredis' offline queue would hold the request until Redis is back.
    // A worker's own connection keeps waiting for Redis, as a blocking consumer must.
    const producer = { ...connection, enableOfflineQueue: false };
    for (const name of options.queues) {
      const queue = new Queue(name, { connection: producer, prefix });
      this.queues.set(name, queue);
      if (options.serial?.includes(name)) settings.push(queue.setGlobalConcurrency(1));
      const processor = options.processors?.[name] as ((payload: unknown) => Promise<void>) | undefined;
      if (!processor) continue;
      const worker: Worker = new Worker(
        name,
        async (job: Job) => {
          try {
            await processor(job.data);
          } catch (error) {
            if (error instanceof RateLimitedError) {
              await worker.rateLimit(error.retryAfterMs);
              throw Worker.RateLimitError();
            }
            if (error instanceof PermanentJobError) throw new UnrecoverableError(error.message);
            throw error;
          }
        },
        {
          connection,
          prefix,
          concurrency: options.serial?.includes(name)
            ? 1
            : ((typeof options.concurrency === 'number'
                ? options.concurrency
                : options.concurrency?.[name]) ?? 4),
          autorun: true,
        },
      );
      worker.on('failed', (job, error) => options.onFailed?.(name, job?.id, error));
      // An error event without a listener would crash the process; the failed handler reports jobs.
      worker.on('error', () => {});
      this.workers.push(worker);
    }
    this.ready = Promise.all(settings).then(() => undefined);
  }

  async dispatch<Q extends keyof P & string>(
    queue: Q,
    payload: P[Q],
    options: DispatchOptions = {},
  ): Promise<void> {
    const q = this.queues.get(queue);
    if (!q) throw new DbxopsError('UNKNOWN_QUEUE', `No queue named ${queue}`, { queue });
    await q.add(queue, payload, {
      ...(options.key === undefined ? {} : { jobId: jobIdFor(options.key) }),
      ...(options.delayMs === undefined ? {} : { delay: options.delayMs }),
      attempts: this.#attempts,
      backoff: { type: 'exponential', delay: 1000, jitter: 0.5 },
      // A keyed job is its key: kept the duplicate window after it completed. BullMQ sweeps completed
      // jobs by the options of the job completing, so every keyed job carries the same age and no count
      // (a count would drop keys early under load); a job without a key goes at once.
      removeOnComplete:
        options.key === undefined ? true : { age: Math.max(1, Math.round(this.#duplicateWindowMs / 1000)) },
      // Failed jobs stay visible for a week: an operator can see and retry them.
      removeOnFail: { age: 7 * 24 * 3600 },
    });
  }

  /**
   * A repeatable schedule (BullMQ job scheduler): `payload` lands on `queue` every `everyMs`. Upserted by
   * id, so every process may declare the same schedules at start-up without doubling them. A run that
   * fails is retried with exponential backoff (`SCHEDULED_ATTEMPTS` in all, the first retry after a
   * quarter of the interval, at least 250 ms and at most 5 s), so one failure does not cost a whole
   * interval; the schedule's next run comes on time either way.
   */
  async schedule<Q extends keyof P & string>(
    queue: Q,
    id: string,
    everyMs: number,
    payload: P[Q],
  ): Promise<void> {
    const q = this.queues.get(queue);
    if (!q) throw new DbxopsError('UNKNOWN_QUEUE', `No queue named ${queue}`, { queue });
    await q.upsertJobScheduler(
      id,
      { every: Math.max(250, Math.round(everyMs)) },
      {
        name: queue,
        data: payload,
        opts: {
          attempts: SCHEDULED_ATTEMPTS,
          backoff: { type: 'exponential', delay: Math.min(5_000, Math.max(250, Math.round(everyMs / 4))) },
          removeOnComplete: { count: 100 },
          removeOnFail: { count: 100 },
        },
      },
    );
  }

  /**
   * Whether the schedule `id` is in Redis. A Redis that restarts without its data (a managed Redis
   * failing over) has none: whoever declared them must declare them again (see `keepPollSchedules`).
   */
  async hasSchedule(queue: keyof P & string, id: string): Promise<boolean> {
    const q = this.queues.get(queue);
    if (!q) throw new DbxopsError('UNKNOWN_QUEUE', `No queue named ${queue}`, { queue });
    return (await q.getJobScheduler(id)) !== undefined;
  }

  /** The ids of the schedules declared on `queue`. */
  async scheduleIds(queue: keyof P & string): Promise<string[]> {
    const q = this.queues.get(queue);
    if (!q) throw new DbxopsError('UNKNOWN_QUEUE', `No queue named ${queue}`, { queue });
    return (await q.getJobSchedulers()).map((s) => s.key);
  }

  /** Removes a schedule: its jobs stop being queued. */
  async unschedule(queue: keyof P & string, id: string): Promise<void> {
    const q = this.queues.get(queue);
    if (!q) throw new DbxopsError('UNKNOWN_QUEUE', `No queue named ${queue}`, { queue });
    await q.removeJobScheduler(id);
  }

  /** The Redis connection the queues use, for what the deployment keeps beside them. */
  redis(): Promise<RedisClient> {
    const [first] = this.queues.values();
    if (!first) throw new DbxopsError('UNKNOWN_QUEUE', 'This dispatcher has no queues', {});
    return first.backend.client;
  }

  /** Job counts per queue and state, for the queue-depth metric. */
  async depths(): Promise<{ queue: string; state: string; count: number }[]> {
    const out: { queue: string; state: string; count: number }[] = [];
    for (const [name, q] of this.queues) {
      const counts = await q.getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized');
      for (const [state, count] of Object.entries(counts)) out.push({ queue: name, state, count });
    }
    return out;
  }

  /** Graceful: workers finish their current jobs, then the connections close. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
    // While Redis is away a queue cannot send QUIT (producers have no offline queue): its connection is
    // dropped instead, which also ends its attempts to reconnect.
    await Promise.all(
      [...this.queues.values()].map((q) =>
        q.close().catch(async () => (await q.backend.client).disconnect()),
      ),
    );
  }
}

function scopedKey(queue: string, key: string): string {
  return `${queue}\u0000${key}`;
}

function jobIdFor(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 40);
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
