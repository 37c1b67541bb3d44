import { type Kysely, sql } from 'kysely';
import type { Logger } from '../config/logger.js';
import type { Database } from './database.js';

/** How often an embedded store checkpoints by default: PostgreSQL's own `checkpoint_timeout`. */
export const CHECKPOINT_EVERY_MS = 5 * 60_000;

/**
 * Calls `tick` every `everyMs` until the returned function is called. `tick` settles when its
 * checkpoint has ended, and never rejects.
 */
export type Repeat = (everyMs: number, tick: () => Promise<void>) => () => void;

/** The wall clock's timer; it does not keep the process alive on its own. */
export const wallClockRepeat: Repeat = (everyMs, tick) => {
  const timer = setInterval(() => void tick(), everyMs);
  timer.unref();
  return () => clearInterval(timer);
};

export interface CheckpointOptions {
  readonly everyMs: number;
  readonly repeat: Repeat;
  readonly logger: Pick<Logger, 'warn'>;
}

export interface Checkpoints {
  /** Stops the timer and waits for a checkpoint under way, so the database can be closed after it. */
  stop(): Promise<void>;
}

/**
 * Checkpoints a PGlite database at an interval. PGlite runs PostgreSQL as a single-user backend,
 * without the checkpointer process a server has, and such a backend never checkpoints on its own
 * (neither on `checkpoint_timeout` nor on `max_wal_size`): every write-ahead log segment it writes
 * stays in its file system, in memory for an in-memory store, for as long as the process runs. A
 * checkpoint lets PostgreSQL remove or recycle the segments before it.
 *
 * The statement goes through Kysely, whose PGlite driver lends its one connection to one caller at a
 * time: a checkpoint waits for a transaction under way to end, and the transaction's statements are
 * never interleaved with it. A failed checkpoint is logged and the next tick tries again.
 */
export function startCheckpoints(db: Kysely<Database>, options: CheckpointOptions): Checkpoints {
  let running: Promise<void> | undefined;
  let stopped = false;
  const tick = (): Promise<void> => {
    if (stopped) return Promise.resolve();
    if (running !== undefined) return running;
    running = sql`checkpoint`
      .execute(db)
      .then(
        () => undefined,
        (error: unknown) => {
          options.logger.warn(
            { err: error },
            'the embedded store could not checkpoint: its write-ahead log is kept until the next one succeeds',
          );
        },
      )
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  const cancel = options.repeat(options.everyMs, tick);
  return {
    stop: async () => {
      stopped = true;
      cancel();
      await running;
    },
  };
}
