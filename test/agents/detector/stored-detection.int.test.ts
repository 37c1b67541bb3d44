import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { systemTableObservations } from '../../../src/agents/collector/poll-system-tables.js';
import { Detection } from '../../../src/agents/detector/detection.js';
import { StoredDetection } from '../../../src/agents/detector/stored-detection.js';
import {
  type CostObservation,
  costObservationSchema,
  tableLoadObservationSchema,
} from '../../../src/agents/detector/observations.js';
import { defaultPolicy } from '../../../src/config/policy.js';
import { ManualClock } from '../../../src/domain/clock.js';
import { DetectorStateRepository } from '../../../src/store/detector-state-repository.js';
import type { Store } from '../../../src/store/open-store.js';
import { dialects } from '../../store/dialects.js';
import { DAY, MIN, run, T0, WS } from './observation-factory.js';

const wallClock = new ManualClock(T0);
const kinds = (out: { signals: readonly { kind: string }[] }) => out.signals.map((s) => s.kind).sort();

/**
 * One worker's detection of the workspace, over `store`. On PGlite, as the app has it, the process is
 * the store's sole writer (the lock in memory, its own saves not read back); the workers of one test
 * then stand for detections in one process, and a restart for a new detection over the same store.
 */
const worker = (store: Store) =>
  new StoredDetection({
    detection: new Detection(defaultPolicy()),
    repository: new DetectorStateRepository(store.db, { soleWriter: store.dialect === 'pglite' }),
    workspaceId: WS,
    wallClock,
  });

/** Ten ordinary nightly runs of about 30 minutes, one a day. */
const history = Array.from({ length: 10 }, (_, i) =>
  run({ runId: `h${i}`, startTime: T0 + i * DAY, endTime: T0 + i * DAY + (28 + (i % 5)) * MIN }),
);
const today = T0 + 10 * DAY;
const slow = run({ runId: 'slow', startTime: today, endTime: today + 95 * MIN });

const tables = systemTableObservations;

const load = (i: number, rowsWritten: number) =>
  tableLoadObservationSchema.parse({
    workspaceId: WS,
    table: 'main.sales.orders',
    runId: `load-${i}`,
    rowsWritten,
    loadedAt: T0 + i * DAY,
  });

const cost = (day: number, usd: number): CostObservation =>
  costObservationSchema.parse({ workspaceId: WS, team: 'data-eng', periodStart: T0 + day * DAY, usd });

describe.each(dialects())('StoredDetection on $name', (dialect) => {
  afterAll(() => dialect.stop());

  it('a restarted worker judges a slow run on the baseline built before the restart', async () => {
    const store = await dialect.open();
    try {
      await worker(store).judge((d) => d.ofRunsPoll({ completed: history, active: [] }, [], today));
      // The watermark has moved past the history: after a restart only the slow run is read.
      const restarted = worker(store);
      const out = await restarted.judge((d) =>
        d.ofRunsPoll({ completed: [slow], active: [] }, [], today + DAY),
      );
      expect(kinds(out)).toEqual(['duration_anomaly']);
      // Without the stored baseline the same run says nothing: there is no history to judge it by.
      const forgetful = new Detection(defaultPolicy()).ofRunsPoll(
        { completed: [slow], active: [] },
        [],
        today + DAY,
      );
      expect(kinds(forgetful)).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('shows the review on another worker the success a runs poll read', async () => {
    const store = await dialect.open();
    try {
      const [last] = history.slice(-1);
      await worker(store).judge((d) => d.ofRunsPoll({ completed: history, active: [] }, [], today));
      const reviewer = await worker(store).judge((d) => d.lastSuccess(WS, 'job', last!.jobId));
      expect(reviewer).toMatchObject({ type: 'job', runId: last!.runId, endTime: last!.endTime });
    } finally {
      await store.close();
    }
  });

  it('shows triage on a worker that polled nothing when each writer of a shared table last wrote it', async () => {
    const store = await dialect.open();
    try {
      const payments = 'main.claims.payments';
      const written = (jobId: string, loadedAt: number) =>
        tableLoadObservationSchema.parse({
          workspaceId: WS,
          table: payments,
          jobId,
          runId: `${jobId}-${loadedAt}`,
          taskKey: 'write',
          rowsWritten: 40,
          loadedAt,
        });
      const loads = [written('10', today + 60 * MIN), written('20', today - DAY)];
      await worker(store).judge((d) => d.ofSystemTables(tables({ tableLoads: loads }), [], today + 61 * MIN));
      const writes: [string, string][] = [
        ['10', payments],
        ['20', payments],
      ];
      const lastWriteAt = await worker(store).judge((d) => d.lastWritesOf(WS, writes));
      expect([lastWriteAt('10', payments), lastWriteAt('20', payments)]).toEqual([
        today + 60 * MIN,
        today - DAY,
      ]);
      // Its own memory alone knows neither: which writer keeps the table current cannot be told.
      const memoryAlone = new Detection(defaultPolicy()).lastWritesOf(WS, writes);
      expect(memoryAlone('10', payments)).toBeUndefined();
    } finally {
      await store.close();
    }
  });

  it('counts a zero-row streak across two workers taking turns at the polls', async () => {
    const store = await dialect.open();
    try {
      const [a, b] = [worker(store), worker(store)];
      const normal = Array.from({ length: 8 }, (_, i) => load(i, 1_000 + i));
      expect(
        kinds(await a.judge((d) => d.ofSystemTables(tables({ tableLoads: normal }), [], T0 + 8 * DAY))),
      ).toEqual([]);
      // Three empty loads in a row (the default streak), each poll on another worker.
      await b.judge((d) => d.ofSystemTables(tables({ tableLoads: [load(8, 0)] }), [], T0 + 9 * DAY));
      await a.judge((d) => d.ofSystemTables(tables({ tableLoads: [load(9, 0)] }), [], T0 + 10 * DAY));
      const third = await b.judge((d) =>
        d.ofSystemTables(tables({ tableLoads: [load(10, 0)] }), [], T0 + 11 * DAY),
      );
      expect(kinds(third)).toEqual(['zero_rows']);
      // One worker alone, without the stored streak, sees a single empty load: not yet a streak.
      const alone = new Detection(defaultPolicy()).ofSystemTables(
        tables({ tableLoads: [...normal, load(10, 0)] }),
        [],
        T0 + 11 * DAY,
      );
      expect(kinds(alone)).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('judges a cost spike on the cost history another worker was handed', async () => {
    const store = await dialect.open();
    try {
      const usual = Array.from({ length: 10 }, (_, d) => cost(d, 100 + (d % 3) * 5));
      await worker(store).judge((d) => d.ofSystemTables(tables({ costs: usual }), [], T0 + 10 * DAY));
      const spike = await worker(store).judge((d) =>
        d.ofSystemTables(tables({ costs: [cost(10, 240)] }), [], T0 + 11 * DAY),
      );
      expect(kinds(spike)).toEqual(['cost_anomaly']);
    } finally {
      await store.close();
    }
  });

  it('polls judged at once by two workers both land: neither overwrites what the other learnt', async () => {
    const store = await dialect.open();
    try {
      const [a, b] = [worker(store), worker(store)];
      const other = (runId: string, i: number) =>
        run({
          runId,
          jobId: '999',
          jobName: 'Hourly',
          startTime: T0 + i * DAY,
          endTime: T0 + i * DAY + 30 * MIN,
        });
      await Promise.all([
        a.judge((d) => d.ofRunsPoll({ completed: history, active: [] }, [], today)),
        b.judge((d) =>
          d.ofRunsPoll(
            { completed: Array.from({ length: 10 }, (_, i) => other(`o${i}`, i)), active: [] },
            [],
            today,
          ),
        ),
      ]);
      const fresh = worker(store);
      const slowOther = other('o-slow', 10);
      const out = await fresh.judge((d) =>
        d.ofRunsPoll(
          { completed: [slow, { ...slowOther, endTime: slowOther.startTime + 95 * MIN }], active: [] },
          [],
          today + DAY,
        ),
      );
      expect(out.signals.filter((s) => s.kind === 'duration_anomaly')).toHaveLength(2);
    } finally {
      await store.close();
    }
  });

  it('saves nothing when a poll finds the same runs in flight as the poll before', async () => {
    const store = await dialect.open();
    try {
      const going = () =>
        run({ runId: 'going', lifeCycleState: 'RUNNING', startTime: today, endTime: undefined });
      const saves = async () =>
        Number(
          (
            await sql<{ n: number }>`select coalesce(max(seq), 0)::int as n from detector_state`.execute(
              store.db,
            )
          ).rows[0]?.n,
        );
      const w = worker(store);
      await w.judge((d) => d.ofRunsPoll({ completed: [], active: [going()] }, [], today + MIN));
      const first = await saves();
      await w.judge((d) => d.ofRunsPoll({ completed: [], active: [going()] }, [], today + 2 * MIN));
      expect(await saves()).toBe(first);
      // A run that starts is a change, saved at once.
      const other = run({ runId: 'other', lifeCycleState: 'RUNNING', startTime: today, endTime: undefined });
      await w.judge((d) => d.ofRunsPoll({ completed: [], active: [going(), other] }, [], today + 3 * MIN));
      expect(await saves()).toBe(first + 1);
    } finally {
      await store.close();
    }
  });

  it('skips a stored entry that is not one, and judges on the rest', async () => {
    const store = await dialect.open();
    try {
      await worker(store).judge((d) => d.ofRunsPoll({ completed: history, active: [] }, [], today));
      await sql`insert into detector_state (workspace_id, part, key, value, seq, updated_at)
                values (${WS}, 'duration', 'hostile', ${JSON.stringify({ samples: 'x'.repeat(10_000) })}, 99, now()),
                       (${WS}, 'from_a_newer_version', 'k', '1', 99, now())`.execute(store.db);
      const out = await worker(store).judge((d) =>
        d.ofRunsPoll({ completed: [slow], active: [] }, [], today + DAY),
      );
      expect(kinds(out)).toEqual(['duration_anomaly']);
    } finally {
      await store.close();
    }
  });
});
