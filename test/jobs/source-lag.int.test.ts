import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/domain/clock.js';
import { BullmqDispatcher } from '../../src/jobs/bullmq-dispatcher.js';
import { createMetrics } from '../../src/jobs/metrics.js';
import { MONITORING_QUEUES, type MonitoringPayloads } from '../../src/jobs/monitoring.js';
import { PollLedger } from '../../src/jobs/poll-ledger.js';
import { type RedisServerHandle, startRedisServer } from '../../src/jobs/redis-server.js';
import { showPollAge } from '../../src/jobs/source-lag.js';

let redis: RedisServerHandle;
let dispatcher: BullmqDispatcher<MonitoringPayloads>;
beforeAll(async () => {
  redis = await startRedisServer();
  dispatcher = new BullmqDispatcher<MonitoringPayloads>({
    connection: { url: redis.url },
    prefix: `test-${randomUUID()}`,
    queues: MONITORING_QUEUES,
  });
});
afterAll(async () => {
  await dispatcher?.close();
  await redis?.stop();
});

const lagOf = async (metrics: ReturnType<typeof createMetrics>, source: string) => {
  const text = await metrics.registry.metrics();
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`dbxops_source_lag_seconds{workspace="w1",source="${source}"}`));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
};

describe('showPollAge', () => {
  it('shows how long ago the topology and the re-triage last polled, growing while they stop', async () => {
    const wallClock = new ManualClock(1_000_000);
    const polls = new PollLedger(() => dispatcher.redis(), `test-${randomUUID()}`);
    const metrics = createMetrics({ defaultMetrics: false });
    showPollAge(metrics, { workspaceId: 'w1', polls, wallClock });
    expect(await lagOf(metrics, 'topology')).toBeUndefined();

    await polls.record('topology', { at: wallClock.now(), outcome: 'ok' });
    await polls.record('retriage', { at: wallClock.now(), outcome: 'ok' });
    wallClock.advance(90_000);
    expect(await lagOf(metrics, 'topology')).toBe(90);
    expect(await lagOf(metrics, 'retriage')).toBe(90);

    await polls.record('retriage', { at: wallClock.now(), outcome: 'ok' });
    wallClock.advance(30_000);
    expect(await lagOf(metrics, 'topology')).toBe(120);
    expect(await lagOf(metrics, 'retriage')).toBe(30);
  });

  it('drops a source whose record Redis lost, instead of showing its last age for ever', async () => {
    const wallClock = new ManualClock(5_000);
    const prefix = `test-${randomUUID()}`;
    const polls = new PollLedger(() => dispatcher.redis(), prefix);
    const metrics = createMetrics({ defaultMetrics: false });
    showPollAge(metrics, { workspaceId: 'w1', polls, wallClock });
    await polls.record('topology', { at: 5_000, outcome: 'ok' });
    expect(await lagOf(metrics, 'topology')).toBe(0);
    await (await dispatcher.redis()).del(`${prefix}:monitoring:polls`);
    expect(await lagOf(metrics, 'topology')).toBeUndefined();
  });

  it('leaves the sources with a watermark to the watermark', async () => {
    const wallClock = new ManualClock(5_000);
    const polls = new PollLedger(() => dispatcher.redis(), `test-${randomUUID()}`);
    const metrics = createMetrics({ defaultMetrics: false });
    showPollAge(metrics, { workspaceId: 'w1', polls, wallClock });
    await polls.record('runs', { at: 0, outcome: 'ok' });
    expect(await lagOf(metrics, 'runs')).toBeUndefined();
  });
});
