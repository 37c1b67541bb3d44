import { describe, expect, it } from 'vitest';
import { systemTableObservations } from '../../../src/agents/collector/poll-system-tables.js';
import { Detection } from '../../../src/agents/detector/detection.js';
import {
  type CostObservation,
  costObservationSchema,
  type TableSla,
  tableLoadObservationSchema,
  tableSlaSchema,
} from '../../../src/agents/detector/observations.js';
import { defaultPolicy } from '../../../src/config/policy.js';
import { DAY, HOUR, MIN, run, T0, WS } from './observation-factory.js';

// 06:00 in Berlin on 2026-11-20 is 05:00 UTC.
const DEADLINE = Date.UTC(2026, 10, 20, 5, 0);
const NOV1 = Date.UTC(2026, 10, 1);

const sla: TableSla = tableSlaSchema.parse({
  workspaceId: WS,
  table: 'main.mart.daily_revenue',
  deadline: '06:00',
  timezone: 'Europe/Berlin',
  upstreamJobIds: ['684914303928317'],
  lastRefreshedAt: DEADLINE - 25 * HOUR,
});

const cost = (day: number, usd: number): CostObservation =>
  costObservationSchema.parse({ workspaceId: WS, team: 'data-eng', periodStart: NOV1 + day * DAY, usd });

const tables = systemTableObservations;

const kinds = (out: { signals: readonly { kind: string }[] }) => out.signals.map((s) => s.kind);

describe('Detection', () => {
  it('counts a table load from a later poll as the refresh an SLA asked for', () => {
    const late = DEADLINE + 10 * MIN;
    expect(
      kinds(new Detection(defaultPolicy()).ofRunsPoll({ completed: [], active: [] }, [sla], late)),
    ).toEqual(['sla_missed']);

    const detection = new Detection(defaultPolicy());
    const load = tableLoadObservationSchema.parse({
      workspaceId: WS,
      table: sla.table,
      runId: '455644833361223',
      rowsWritten: 1_000,
      loadedAt: DEADLINE - HOUR,
    });
    detection.ofSystemTables(tables({ tableLoads: [load] }), [], DEADLINE - HOUR);
    expect(kinds(detection.ofRunsPoll({ completed: [], active: [] }, [sla], late))).toEqual([]);
  });

  it('remembers when each writer of a table last loaded it', () => {
    const detection = new Detection(defaultPolicy());
    const load = (jobId: string, taskKey: string, loadedAt: number) =>
      tableLoadObservationSchema.parse({
        workspaceId: WS,
        table: 'main.claims.payments',
        jobId,
        runId: `${jobId}-${loadedAt}`,
        taskKey,
        rowsWritten: 40,
        loadedAt,
      });
    const loads = [
      load('10', 'payments', T0),
      load('10', 'payments', T0 + DAY),
      load('20', 'erase', T0 + HOUR),
    ];
    detection.ofSystemTables(tables({ tableLoads: loads }), [], T0 + DAY);
    expect(detection.lastWrite(WS, 'main.claims.payments', '10')).toBe(T0 + DAY);
    expect(detection.lastWrite(WS, 'main.claims.payments', '20')).toBe(T0 + HOUR);
    expect(detection.lastWrite(WS, 'main.claims.pii', '20')).toBeUndefined();
    detection.ofSystemTables(
      tables({ tableLoads: [load('20', 'erase', T0 + DAY + HOUR)] }),
      [],
      T0 + DAY + HOUR,
    );
    expect(detection.lastWrite(WS, 'main.claims.payments', '20')).toBe(T0 + DAY + HOUR);
  });

  it("reads each shared table's writers' last writes into a copy that later polls leave as it was", () => {
    const detection = new Detection(defaultPolicy());
    const payments = 'main.claims.payments';
    const erase = (loadedAt: number) =>
      tableLoadObservationSchema.parse({
        workspaceId: WS,
        table: payments,
        jobId: '20',
        runId: `20-${loadedAt}`,
        taskKey: 'erase',
        rowsWritten: 40,
        loadedAt,
      });
    detection.ofSystemTables(tables({ tableLoads: [erase(T0 + HOUR)] }), [], T0 + HOUR);
    // The loader's run wrote no load row: its successful run's end is its write.
    const built = run({ jobId: '10', runId: 'build', startTime: T0, endTime: T0 + 2 * HOUR });
    detection.ofRunsPoll({ completed: [built], active: [] }, [], T0 + 2 * HOUR);
    const read = detection.lastWritesOf(WS, [
      ['10', payments],
      ['20', payments],
    ]);
    expect(read('10', payments)).toBe(T0 + 2 * HOUR);
    expect(read('20', payments)).toBe(T0 + HOUR);
    // What it was not asked about, it does not answer.
    expect(read('10', 'main.claims.pii')).toBeUndefined();
    // The erasure's retry, polled after the read: the copy still says what was known when it was read.
    detection.ofSystemTables(tables({ tableLoads: [erase(T0 + 3 * HOUR)] }), [], T0 + 3 * HOUR);
    expect(read('20', payments)).toBe(T0 + HOUR);
    expect(detection.lastWritesOf(WS, [['20', payments]])('20', payments)).toBe(T0 + 3 * HOUR);
  });

  it('still names an upstream failure from hours before when the SLA at-risk window opens', () => {
    const detection = new Detection(defaultPolicy());
    const failed = run({
      runId: 'f1',
      jobName: 'Orders ETL',
      resultState: 'FAILED',
      startTime: DEADLINE - 3 * HOUR,
      endTime: DEADLINE - 170 * MIN,
    });
    // The failure is polled when it happens, far before the deadline: nothing at risk yet.
    expect(
      kinds(detection.ofRunsPoll({ completed: [failed], active: [] }, [sla], DEADLINE - 170 * MIN)),
    ).toEqual(['job_failed']);
    // An hour before the deadline no poll brings the run again; detection remembers it.
    const out = detection.ofRunsPoll({ completed: [], active: [] }, [sla], DEADLINE - 55 * MIN);
    expect(kinds(out)).toEqual(['sla_at_risk']);
    expect(out.signals[0]!.evidence[0]!.label).toMatch(/^Upstream Orders ETL failed at /);
    // A rerun in flight supersedes the failed run: running within its usual time is no evidence.
    const rerun = run({ runId: 'r2', lifeCycleState: 'RUNNING', resultState: undefined, endTime: undefined });
    const later = new Detection(defaultPolicy());
    later.ofRunsPoll({ completed: [failed], active: [] }, [], DEADLINE - 170 * MIN);
    expect(kinds(later.ofRunsPoll({ completed: [], active: [rerun] }, [sla], DEADLINE - 55 * MIN))).toEqual(
      [],
    );
  });

  it('says a deadline was missed when the only write since the last one was by a run that failed', () => {
    const detection = new Detection(defaultPolicy());
    const writes = { tablesWritten: [sla.table] };
    // Yesterday's run refreshed the table; lineage saw its write.
    const yesterday = DEADLINE - 26 * HOUR;
    const good = run({ ...writes, runId: 'g1', startTime: yesterday - 20 * MIN, endTime: yesterday });
    detection.ofRunsPoll(
      { completed: [good], active: [] },
      [{ ...sla, lastRefreshedAt: yesterday }],
      yesterday,
    );
    // Today's run fails while writing: lineage records that write too.
    const failedAt = DEADLINE - 3 * HOUR;
    const failed = run({
      ...writes,
      runId: 'f1',
      resultState: 'FAILED',
      startTime: failedAt - 10 * MIN,
      endTime: failedAt,
    });
    const attempted = { ...sla, lastRefreshedAt: failedAt - MIN };
    expect(kinds(detection.ofRunsPoll({ completed: [failed], active: [] }, [attempted], failedAt))).toEqual([
      'job_failed',
    ]);
    // Before the deadline the failed writer is the evidence that the refresh will not come…
    const warning = detection.ofRunsPoll({ completed: [], active: [] }, [attempted], DEADLINE - HOUR);
    expect(kinds(warning)).toEqual(['sla_at_risk']);
    // …and once it has passed, the deadline is missed: the failed run's write refreshed nothing.
    const missed = detection.ofRunsPoll({ completed: [], active: [] }, [attempted], DEADLINE + 5 * MIN);
    expect(kinds(missed)).toEqual(['sla_missed']);
    expect(missed.signals[0]!.evidence[0]!.label).toContain(new Date(yesterday).toISOString());
  });

  it('counts a write during a run that succeeded as the refresh, as before', () => {
    const detection = new Detection(defaultPolicy());
    const at = DEADLINE - 3 * HOUR;
    const good = run({ tablesWritten: [sla.table], runId: 'g2', startTime: at - 10 * MIN, endTime: at });
    detection.ofRunsPoll({ completed: [good], active: [] }, [], at);
    const written = { ...sla, lastRefreshedAt: at - MIN };
    expect(kinds(detection.ofRunsPoll({ completed: [], active: [] }, [written], DEADLINE + 5 * MIN))).toEqual(
      [],
    );
  });

  it('judges a cost spike against the periods earlier polls handed out', () => {
    const detection = new Detection(defaultPolicy());
    const usual = Array.from({ length: 10 }, (_, d) => cost(d, 100 + (d % 3) * 5));
    expect(kinds(detection.ofSystemTables(tables({ costs: usual }), [], NOV1 + 10 * DAY))).toEqual([]);
    // The collector hands out only the period that changed; the history it is judged by is remembered.
    const spike = detection.ofSystemTables(tables({ costs: [cost(10, 240)] }), [], NOV1 + 11 * DAY);
    expect(kinds(spike)).toEqual(['cost_anomaly']);
  });

  it("judges the first poll's runs and loads against the past it was seeded with", () => {
    const jobId = '684914303928317';
    const past = Array.from({ length: 7 }, (_, d) => ({
      workspaceId: WS,
      jobId,
      runId: `past-${d}`,
      startTime: T0 - (7 - d) * DAY,
      seconds: 30 * 60 + d * 10,
    }));
    const loads = Array.from({ length: 7 }, (_, d) =>
      tableLoadObservationSchema.parse({
        workspaceId: WS,
        table: 'main.sales.orders',
        runId: `past-${d}`,
        rowsWritten: 100_000 + d * 100,
        loadedAt: T0 - (7 - d) * DAY + 30 * MIN,
      }),
    );
    const slow = run({ runId: 'tonight', startTime: T0, endTime: T0 + 3 * HOUR });
    const thin = tableLoadObservationSchema.parse({
      workspaceId: WS,
      table: 'main.sales.orders',
      runId: 'tonight',
      rowsWritten: 100,
      loadedAt: T0 + 3 * HOUR,
    });
    const now = T0 + 3 * HOUR + MIN;

    // Without a past, a first poll has nothing to judge tonight's run by.
    const fresh = new Detection(defaultPolicy());
    expect(kinds(fresh.ofRunsPoll({ completed: [slow], active: [] }, [], now))).toEqual([]);
    expect(kinds(fresh.ofSystemTables(tables({ tableLoads: [thin] }), [], now))).toEqual([]);

    const seeded = new Detection(defaultPolicy());
    seeded.seed({ runs: past, updates: [], loads, costs: [] }, T0);
    expect(kinds(seeded.ofRunsPoll({ completed: [slow], active: [] }, [], now))).toEqual([
      'duration_anomaly',
    ]);
    expect(kinds(seeded.ofSystemTables(tables({ tableLoads: [thin] }), [], now))).toEqual(['row_count_drop']);
  });

  it('counts a past run once when a poll hands it out again after the seed', () => {
    const detection = new Detection(defaultPolicy());
    const again = run({ runId: 'r1', startTime: T0 - DAY, endTime: T0 - DAY + 30 * MIN });
    detection.seed(
      {
        runs: [{ workspaceId: WS, jobId: again.jobId, runId: 'r1', startTime: T0 - DAY, seconds: 1800 }],
        updates: [],
        loads: [],
        costs: [],
      },
      T0,
    );
    detection.ofRunsPoll({ completed: [again], active: [] }, [], T0);
    const [[, window]] = [...detection.entries('duration')] as [[string, { samples: unknown[] }]];
    expect(window.samples).toHaveLength(1);
  });
});
