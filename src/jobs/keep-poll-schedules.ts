import type { Logger } from '../config/logger.js';
import type { BullmqDispatcher } from './bullmq-dispatcher.js';
import { type MonitoringPayloads, POLL_EVERY_MS, type PollSource } from './monitoring.js';

/** One monitoring source's poll schedule, in real milliseconds. */
export interface PollSchedule {
  readonly source: PollSource;
  readonly everyMs: number;
  /**
   * The workspace it polls, when it is not the first one watched: its polls carry the id, and its
   * schedule's id names it. The first workspace's schedules keep the ids they have always had.
   */
  readonly workspace?: string;
}

/** The slowest a lost schedule may go unnoticed, and the fastest it is looked for. */
const CHECK_AT_MOST_EVERY_MS = 30_000;
const CHECK_AT_LEAST_EVERY_MS = 1_000;

/**
 * The poll schedules of a deployment: `POLL_EVERY_MS`, in real time. The embedded workspace's clock runs
 * `speed` times faster, so its polls come that much more often (at most once a second).
 */
export function pollSchedules(
  mode: keyof typeof POLL_EVERY_MS,
  speed = 1,
  workspace?: string,
): PollSchedule[] {
  return (Object.entries(POLL_EVERY_MS[mode]) as [PollSource, number][]).map(([source, every]) => ({
    source,
    everyMs: Math.max(1000, every / speed),
    ...(workspace === undefined ? {} : { workspace }),
  }));
}

export interface KeptSchedules {
  /** Looks for lost schedules now (also done on every Redis reconnect and periodically). */
  check(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Declares the poll schedules and keeps them declared. They live in Redis only, so a Redis that
 * restarts without its data (a managed Redis failing over) would stop every poll for ever, unnoticed
 * while webhook incidents keep arriving: every reconnect, and every `checkEveryMs` (default the
 * shortest interval, between 1 and 30 s), each schedule missing from Redis is declared again. Declaring
 * is an upsert by id, so any number of processes may keep the same schedules. At start, poll schedules
 * not among `schedules` (a workspace no longer watched) are removed.
 */
export async function keepPollSchedules(
  dispatcher: Pick<
    BullmqDispatcher<MonitoringPayloads>,
    'schedule' | 'hasSchedule' | 'redis' | 'scheduleIds' | 'unschedule'
  >,
  schedules: readonly PollSchedule[],
  options: {
    logger: Logger;
    checkEveryMs?: number;
    /**
     * Called after a check found schedules missing and declared them again (Redis lost its data): to
     * queue again what else lived only in Redis. A failure is logged and tried at the next loss.
     */
    onLost?: () => Promise<void>;
  },
): Promise<KeptSchedules> {
  const declare = (s: PollSchedule) =>
    dispatcher.schedule('poll', scheduleId(s), s.everyMs, {
      source: s.source,
      ...(s.workspace === undefined ? {} : { workspace: s.workspace }),
    });
  for (const s of schedules) await declare(s);
  // A workspace taken out of dbxops.yaml leaves its schedules behind, whose polls no process could
  // run: removed, so they do not fail every interval for ever.
  const declared = new Set(schedules.map(scheduleId));
  for (const id of await dispatcher.scheduleIds('poll')) {
    if (declared.has(id)) continue;
    await dispatcher.unschedule('poll', id);
    options.logger.warn({ schedule: id }, 'poll schedule of a workspace no longer watched: removed');
  }

  let checking: Promise<void> | undefined;
  const check = (): Promise<void> => {
    checking ??= (async () => {
      try {
        let lost = false;
        for (const s of schedules) {
          if (await dispatcher.hasSchedule('poll', scheduleId(s))) continue;
          await declare(s);
          lost = true;
          options.logger.warn(
            { source: s.source, workspace: s.workspace },
            'poll schedule was missing from Redis (restarted without its data?): declared again',
          );
        }
        if (lost) await options.onLost?.();
      } catch (error) {
        // Redis is away: /readyz says so, and the next reconnect or check declares what is missing.
        options.logger.debug({ err: error }, 'could not check the poll schedules');
      } finally {
        checking = undefined;
      }
    })();
    return checking;
  };

  const shortest = Math.min(...schedules.map((s) => s.everyMs));
  const every =
    options.checkEveryMs ?? Math.min(CHECK_AT_MOST_EVERY_MS, Math.max(CHECK_AT_LEAST_EVERY_MS, shortest));
  const timer = setInterval(() => void check(), every);
  timer.unref();
  const redis = await dispatcher.redis();
  const onReady = () => void check();
  redis.on('ready', onReady);

  return {
    check,
    stop: async () => {
      clearInterval(timer);
      redis.off('ready', onReady);
      await checking;
    },
  };
}

function scheduleId(s: PollSchedule): string {
  return s.workspace === undefined ? `poll-${s.source}` : `poll-${s.workspace}-${s.source}`;
}
