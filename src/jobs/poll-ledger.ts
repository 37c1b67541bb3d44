import type { RedisClient } from 'bullmq';
import { z } from 'zod';
import { DbxopsError } from '../domain/errors.js';
import type { PollSource } from './monitoring.js';

/** How a source's last poll went: `degraded` when the workspace turned it away (it is retried). */
const pollEntrySchema = z.object({
  /** Wall-clock ms when the poll finished. */
  at: z.number().int().nonnegative(),
  outcome: z.enum(['ok', 'degraded']),
});
export type PollEntry = z.infer<typeof pollEntrySchema>;

/**
 * When each monitoring source last finished a poll, kept in the queues' Redis so that every process
 * sees the polls of all of them (any worker process may take a scheduled poll). Lost with Redis' data,
 * exactly like the schedules: a source then has no poll on record until its schedule runs again.
 */
export class PollLedger {
  readonly #redis: () => Promise<RedisClient>;
  readonly #key: string;

  constructor(redis: () => Promise<RedisClient>, prefix: string) {
    this.#redis = redis;
    this.#key = `${prefix}:monitoring:polls`;
  }

  async record(source: PollSource, entry: PollEntry): Promise<void> {
    await (await this.#redis()).hset(this.#key, { [source]: JSON.stringify(entry) });
  }

  /**
   * The last poll of every source on record; an entry that is not one is left out. Throws at once while
   * Redis is away, rather than waiting in the connection's queue for it to come back.
   */
  async read(): Promise<Map<string, PollEntry>> {
    const redis = await this.#redis();
    if (redis.status !== 'ready') {
      throw new DbxopsError('REDIS_UNAVAILABLE', `Redis is not connected (${redis.status})`, {
        status: redis.status,
      });
    }
    const out = new Map<string, PollEntry>();
    for (const [source, raw] of Object.entries(await redis.hgetall(this.#key))) {
      const parsed = pollEntrySchema.safeParse(parseJson(raw));
      if (parsed.success) out.set(source, parsed.data);
    }
    return out;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
