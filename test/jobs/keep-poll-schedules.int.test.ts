import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/config/logger.js';
import { BullmqDispatcher } from '../../src/jobs/bullmq-dispatcher.js';
import { keepPollSchedules, pollSchedules } from '../../src/jobs/keep-poll-schedules.js';
import { MONITORING_QUEUES, type MonitoringPayloads, type PollSource } from '../../src/jobs/monitoring.js';
import { type RedisServerHandle, startRedisServer } from '../../src/jobs/redis-server.js';

let redis: RedisServerHandle;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis?.stop();
});

const logger = createLogger({ level: 'silent' });

const until = async (check: () => boolean, ms = 20_000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
};

/**
 * A worker process of the monitoring: it counts the polls it is given, per source; `fail` decides
 * whether a poll throws, as one the workspace failed would.
 */
function monitoringProcess(prefix: string, fail: (source: PollSource) => boolean = () => false) {
  const polls: PollSource[] = [];
  const noop = async () => {};
  const dispatcher = new BullmqDispatcher<MonitoringPayloads>({
    connection: { url: redis.url },
    prefix,
    queues: MONITORING_QUEUES,
    processors: {
      poll: async ({ source }) => {
        polls.push(source);
        if (fail(source)) throw new Error('HTTP 503 from the workspace');
      },
      webhook: noop,
      signal: noop,
      notify: noop,
      explain: noop,
    },
  });
  return { dispatcher, polls };
}

describe('pollSchedules', () => {
  it('polls the embedded workspace as often in its time as a real one is, at most once a second', () => {
    expect(pollSchedules('real')).toEqual([
      { source: 'runs', everyMs: 60_000 },
      { source: 'system_tables', everyMs: 300_000 },
      { source: 'topology', everyMs: 1_800_000 },
      { source: 'retriage', everyMs: 300_000 },
    ]);
    expect(pollSchedules('embedded', 60)).toEqual([
      { source: 'runs', everyMs: 1_000 },
      { source: 'system_tables', everyMs: 1_000 },
      { source: 'topology', everyMs: 30_000 },
      { source: 'retriage', everyMs: 5_000 },
    ]);
  });
});

describe('keepPollSchedules on a real Redis', () => {
  it('declares each schedule once however many processes keep them', async () => {
    const prefix = `test-${randomUUID()}`;
    const schedules = pollSchedules('real');
    const a = monitoringProcess(prefix);
    const b = monitoringProcess(prefix);
    const keptA = await keepPollSchedules(a.dispatcher, schedules, { logger });
    const keptB = await keepPollSchedules(b.dispatcher, schedules, { logger });
    await Promise.all([keptA.check(), keptB.check()]);
    const queue = a.dispatcher.queues.get('poll')!;
    expect((await queue.getJobSchedulers()).map((s) => s.key).sort()).toEqual([
      'poll-retriage',
      'poll-runs',
      'poll-system_tables',
      'poll-topology',
    ]);
    await Promise.all([keptA.stop(), keptB.stop()]);
    await Promise.all([a.dispatcher.close(), b.dispatcher.close()]);
  });

  it('keeps each workspace’s schedules apart, and removes those of a workspace no longer watched', async () => {
    const prefix = `test-${randomUUID()}`;
    const { dispatcher } = monitoringProcess(prefix);
    const both = [...pollSchedules('real'), ...pollSchedules('real', 1, '7301928465019283')];
    const first = await keepPollSchedules(dispatcher, both, { logger });
    await first.stop();
    const queue = dispatcher.queues.get('poll')!;
    const keys = async () => (await queue.getJobSchedulers()).map((s) => s.key).sort();
    expect(await keys()).toContain('poll-7301928465019283-runs');
    expect((await queue.getJobScheduler('poll-7301928465019283-runs'))?.template?.data).toEqual({
      source: 'runs',
      workspace: '7301928465019283',
    });
    // The second workspace is taken out of dbxops.yaml: a restart keeps only the first's.
    const again = await keepPollSchedules(dispatcher, pollSchedules('real'), { logger });
    expect(await keys()).toEqual(['poll-retriage', 'poll-runs', 'poll-system_tables', 'poll-topology']);
    await again.stop();
    await dispatcher.close();
  });

  it('polls again after Redis restarts without its data, and says the data was lost once', async () => {
    const prefix = `test-${randomUUID()}`;
    const { dispatcher, polls } = monitoringProcess(prefix);
    const schedules = [
      { source: 'runs', everyMs: 300 },
      { source: 'topology', everyMs: 300 },
    ] as const;
    let lost = 0;
    const kept = await keepPollSchedules(dispatcher, schedules, {
      logger,
      checkEveryMs: 500,
      onLost: async () => {
        lost++;
      },
    });
    await until(() => polls.includes('runs') && polls.includes('topology'));
    expect(lost).toBe(0);
    const writer = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    await writer.set(`${prefix}:marker-before-restart`, '1');
    writer.disconnect();

    await redis.restart();
    // The schedules are re-declared as soon as Redis answers again, before anything could be asked,
    // so what shows the restart lost them is a key of our own that is gone too.
    const marker = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    try {
      expect(await marker.exists(`${prefix}:marker-before-restart`)).toBe(0);
    } finally {
      marker.disconnect();
    }
    const before = polls.length;
    await until(() => polls.slice(before).includes('runs') && polls.slice(before).includes('topology'));
    expect(await dispatcher.hasSchedule('poll', 'poll-runs')).toBe(true);
    // What else lived only in Redis is queued again, once per loss however often the check looks.
    await until(() => lost === 1);
    await kept.check();
    expect(lost).toBe(1);

    await kept.stop();
    await dispatcher.close();
  });

  it('retries a poll that failed well before the next one is due, instead of losing it', async () => {
    const prefix = `test-${randomUUID()}`;
    let failures = 1;
    const { dispatcher, polls } = monitoringProcess(prefix, () => failures-- > 0);
    // An hour between polls: a second poll within the test can only be the failed one's retry.
    const kept = await keepPollSchedules(dispatcher, [{ source: 'runs', everyMs: 3_600_000 }], { logger });
    await until(() => polls.length === 2);
    const queue = dispatcher.queues.get('poll')!;
    const [done] = await queue.getCompleted();
    expect(done?.attemptsMade).toBe(2);
    expect(await queue.getFailed()).toEqual([]);
    await kept.stop();
    await dispatcher.close();
  });
});
