import { createHash } from 'node:crypto';
import { Queue, type Job, type RedisClient, UnrecoverableError, Worker } from 'bullmq';
import { DbxopsError } from '../domain/errors.js';
import {
  type Dispatcher,
  type DispatchOptions,
  DUPLICATE_KEY_WINDOW_MS,
  PermanentJobError,
  type Processors,
  RateLimitedError,
  redisConnection,
} from './dispatcher.js';

// The scaled-out deployment's dispatcher, in a module of its own: BullMQ and ioredis are loaded only by a
// process that has a Redis to queue on (`bot-app.ts` imports this lazily), not by the embedded default
// or an eval, which run the `InlineDispatcher`.

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

function jobIdFor(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 40);
}
