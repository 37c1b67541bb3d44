import type { RedisClient } from 'bullmq';
import { z } from 'zod';
import { DbxopsError } from '../domain/errors.js';
import type { PollSource } from './monitoring.js';

/** How a source's last finished poll went: `degraded` when the workspace turned it away (it is retried). */
const pollEntrySchema = z.object({
  /** Wall-clock ms when the poll finished. */
  at: z.number().int().nonnegative(),
  outcome: z.enum(['ok', 'degraded']),
});
export type PollEntry = z.infer<typeof pollEntrySchema>;

/** An attempt to poll that failed (it is retried), kept until the source's next finished poll. */
const pollFailureSchema = z.object({
  /** Wall-clock ms when the attempt failed. */
  at: z.number().int().nonnegative(),
  /** The error's stable code (`DATABRICKS_UNAUTHENTICATED`, `WAREHOUSE_QUERY_FAILED` …) and reason. */
  code: z.string().max(100),
  reason: z.string().max(100).optional(),
  message: z.string().max(300),
});
export type PollFailure = z.infer<typeof pollFailureSchema>;

/** What is on record for one source: its last finished poll, and a failed attempt since, if any. */
export interface PollRecord {
  readonly last?: PollEntry;
  readonly failure?: PollFailure;
}

/**
 * When each monitoring source last finished a poll (and whether an attempt failed since), kept in the
 * queues' Redis so that every process sees the polls of all of them (any worker process may take a
 * scheduled poll). Lost with Redis' data, exactly like the schedules: a source then has no poll on
 * record until its schedule runs again.
 */
export class PollLedger {
  readonly #redis: () => Promise<RedisClient>;
  readonly #key: string;
  readonly #failuresKey: string;

  /** `workspace`: a workspace other than the first watched, whose polls are kept apart under its id. */
  constructor(redis: () => Promise<RedisClient>, prefix: string, workspace?: string) {
    this.#redis = redis;
    const of = workspace === undefined ? '' : `:${workspace}`;
    this.#key = `${prefix}:monitoring:polls${of}`;
    this.#failuresKey = `${prefix}:monitoring:poll-failures${of}`;
  }

  /** A poll of `source` finished: it replaces what was on record, a failed attempt included. */
  async record(source: PollSource, entry: PollEntry): Promise<void> {
    const redis = await this.#redis();
    await redis.hset(this.#key, { [source]: JSON.stringify(entry) });
    await redis.hdel(this.#failuresKey, source);
  }

  /** An attempt to poll `source` failed: kept beside its last finished poll until the next one. */
  async recordFailure(source: PollSource, failure: PollFailure): Promise<void> {
    await (await this.#redis()).hset(this.#failuresKey, { [source]: JSON.stringify(failure) });
  }

  /**
   * What is on record for every source; an entry that is not one is left out. Throws at once while
   * Redis is away, rather than waiting in the connection's queue for it to come back.
   */
  async read(): Promise<Map<string, PollRecord>> {
    const redis = await this.#redis();
    if (redis.status !== 'ready') {
      throw new DbxopsError('REDIS_UNAVAILABLE', `Redis is not connected (${redis.status})`, {
        status: redis.status,
      });
    }
    const [polls, failures] = await Promise.all([redis.hgetall(this.#key), redis.hgetall(this.#failuresKey)]);
    const out = new Map<string, PollRecord>();
    for (const [source, raw] of Object.entries(polls)) {
      const parsed = pollEntrySchema.safeParse(parseJson(raw));
      if (parsed.success) out.set(source, { last: parsed.data });
    }
    for (const [source, raw] of Object.entries(failures)) {
      const parsed = pollFailureSchema.safeParse(parseJson(raw));
      if (parsed.success) out.set(source, { ...out.get(source), failure: parsed.data });
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
