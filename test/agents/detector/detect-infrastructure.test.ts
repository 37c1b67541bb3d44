import { describe, expect, it } from 'vitest';
import { classifyError } from '../../../src/agents/classifier/classify-error.js';
import { detectClusterEvents } from '../../../src/agents/detector/detect-cluster-events.js';
import { detectPipelineFailures } from '../../../src/agents/detector/detect-pipeline-failures.js';
import { detectRunawayQueries } from '../../../src/agents/detector/detect-runaway-queries.js';
import { detectWarehouseProblems } from '../../../src/agents/detector/detect-warehouses.js';
import {
  clusterEventObservationSchema,
  pipelineUpdateObservationSchema,
  queryObservationSchema,
  warehouseObservationSchema,
} from '../../../src/agents/detector/observations.js';
import { DAY, HOUR, MIN, run, T0, thresholds, WS } from './observation-factory.js';

const NOW = T0 + 120 * MIN;

describe('detectPipelineFailures', () => {
  const update = (state: string, updateId = 'u-1') =>
    pipelineUpdateObservationSchema.parse({
      workspaceId: WS,
      pipelineId: 'b3f1c2d4-0000-4000-8000-000000000001',
      pipelineName: 'orders_dlt',
      updateId,
      state,
      startTime: T0,
      endTime: T0 + 10 * MIN,
      errors: [
        { message: '[TABLE_OR_VIEW_NOT_FOUND] The table or view `main`.`raw`.`orders` cannot be found.' },
      ],
      tablesWritten: ['main.silver.orders'],
    });

  it('reports a failed update with its first error and classification', () => {
    const out = detectPipelineFailures([update('FAILED'), update('COMPLETED', 'u-2')], NOW, {
      classify: classifyError,
    });
    expect(out.signals).toHaveLength(1);
    expect(out.signals[0]).toMatchObject({
      kind: 'pipeline_failed',
      subject: { type: 'pipeline', name: 'orders_dlt' },
      error: { errorClass: 'TABLE_OR_VIEW_NOT_FOUND' },
      classification: { category: 'missing_object' },
    });
    expect(detectPipelineFailures([update('FAILED')], NOW + MIN).signals[0]!.id).toBe(out.signals[0]!.id);
  });

  describe('an update that hangs without an error', () => {
    const PIPELINE = 'b3f1c2d4-0000-4000-8000-000000000001';
    /** Five nights of updates that took about a quarter of an hour each, then tonight's, still running. */
    const past = [1, 2, 3, 4, 5].map((d) =>
      pipelineUpdateObservationSchema.parse({
        workspaceId: WS,
        pipelineId: PIPELINE,
        updateId: `u-past-${d}`,
        state: 'COMPLETED',
        startTime: T0 - d * DAY,
        endTime: T0 - d * DAY + (13.5 + d / 2) * MIN,
      }),
    );
    const tonight = pipelineUpdateObservationSchema.parse({
      workspaceId: WS,
      pipelineId: PIPELINE,
      pipelineName: 'orders_dlt',
      updateId: 'u-tonight',
      state: 'RUNNING',
      startTime: T0,
      jobId: '684914303928317',
    });
    /** The job run whose pipeline task started tonight's update, waiting on it. */
    const waiting = run({
      runId: '455644833361299',
      lifeCycleState: 'RUNNING',
      resultState: undefined,
      startTime: T0 - MIN,
      endTime: undefined,
    });
    const judge = (at: number, updates = [tonight]) => {
      const learned = detectPipelineFailures(past, T0 - HOUR, { thresholds: thresholds() }).durations;
      return detectPipelineFailures(updates, at, {
        durations: learned,
        thresholds: thresholds(),
        runs: [waiting],
      }).signals;
    };

    it('is reported once it runs twice its pipeline’s usual time, naming the run waiting on it', () => {
      expect(judge(T0 + 25 * MIN)).toEqual([]);
      const [hung] = judge(T0 + 31 * MIN);
      expect(hung).toMatchObject({
        kind: 'duration_anomaly',
        subject: { type: 'pipeline', id: PIPELINE, name: 'orders_dlt' },
        refs: { pipelineId: PIPELINE, jobId: '684914303928317', runId: '455644833361299' },
        occurredAt: T0 + 30 * MIN,
        metrics: { stillRunning: 1, medianSeconds: 15 * 60 },
      });
      expect(hung!.evidence[0]!.label).toBe(
        'Update u-tonight running for 31 min, 2.1× the usual 15 min; Nightly orders ETL (run 455644833361299) waits on it',
      );
      // Polled again later, the same update is the same signal.
      expect(judge(T0 + 2 * HOUR)[0]!.id).toBe(hung!.id);
    });

    it('is not judged before its pipeline has completed enough updates to know its usual time', () => {
      const out = detectPipelineFailures([tonight], T0 + 5 * HOUR, { thresholds: thresholds() });
      expect(out.signals).toEqual([]);
    });

    it('leaves an update that completed, however long it took, to the baseline', () => {
      const slow = { ...tonight, state: 'COMPLETED', endTime: T0 + 3 * HOUR };
      expect(judge(T0 + 3 * HOUR, [slow])).toEqual([]);
    });
  });
});

describe('detectClusterEvents', () => {
  const event = (type: string, reasonCode?: string, timestamp = T0) =>
    clusterEventObservationSchema.parse({
      workspaceId: WS,
      clusterId: '0929-205554-jm9y8aqe',
      clusterName: 'shared-etl',
      timestamp,
      type,
      ...(reasonCode !== undefined ? { reasonCode } : {}),
    });

  it('reports driver trouble, spot loss and launch failures, and ignores routine events', () => {
    const out = detectClusterEvents(
      [
        event('RUNNING'),
        event('DRIVER_NOT_RESPONDING', undefined, T0 + 1),
        event('NODES_LOST', 'SPOT_INSTANCE_TERMINATION', T0 + 2),
        event('TERMINATING', 'AWS_INSUFFICIENT_INSTANCE_CAPACITY_FAILURE', T0 + 3),
        event('TERMINATING', 'INACTIVITY', T0 + 4),
      ],
      NOW,
    );
    expect(out.signals.map((s) => s.error?.errorClass)).toEqual([
      'driver_unresponsive',
      'spot_loss',
      'launch_failure',
    ]);
  });

  it('labels spot nodes reclaimed as a capacity blip a retry on other nodes gets past', () => {
    const [lost] = detectClusterEvents([event('NODES_LOST', 'SPOT_INSTANCE_TERMINATION')], NOW, {
      classify: classifyError,
    }).signals;
    expect(lost?.classification).toMatchObject({
      category: 'capacity',
      transient: true,
      action: 'RETRY_WITH_NEW_PARAMS',
    });
  });

  it('reports the same event once however often it is polled', () => {
    const e = event('DRIVER_UNAVAILABLE');
    expect(detectClusterEvents([e, e], NOW).signals).toHaveLength(1);
  });
});

describe('detectWarehouseProblems', () => {
  const wh = (overrides: Record<string, unknown> = {}) =>
    warehouseObservationSchema.parse({
      workspaceId: WS,
      warehouseId: '1a2b3c4d5e6f7a8b',
      name: 'bi-prod',
      state: 'RUNNING',
      size: 'Medium',
      warehouseType: 'PRO',
      autoStopMins: 0,
      numClusters: 1,
      maxNumClusters: 1,
      ...overrides,
    });

  it('reports a warehouse idle with auto-stop off, with the dollars burned', () => {
    const out = detectWarehouseProblems([wh({ idleSince: NOW - 60 * MIN })], thresholds(), NOW);
    expect(out.signals).toHaveLength(1);
    // Medium = 24 DBU/h × 1 h × $0.55.
    expect(out.signals[0]).toMatchObject({
      kind: 'warehouse_idle_no_autostop',
      costUsd: 13.2,
      metrics: { idleMinutes: 60 },
    });
  });

  it('does not report an idle warehouse that will auto-stop, or one idle briefly', () => {
    const t = thresholds({ warehouse_idle_minutes: 30 });
    expect(
      detectWarehouseProblems([wh({ autoStopMins: 10, idleSince: NOW - 60 * MIN })], t, NOW).signals,
    ).toEqual([]);
    expect(detectWarehouseProblems([wh({ idleSince: NOW - 10 * MIN })], t, NOW).signals).toEqual([]);
  });

  it('reports a queue at max clusters once while it lasts, and again when it comes back after draining', () => {
    const busy = (waitedMs: number) =>
      wh({ autoStopMins: 10, queuedQueries: 4, runningQueries: 10, maxQueuedMs: waitedMs });
    const a = detectWarehouseProblems([busy(6 * MIN)], thresholds(), NOW);
    // Five minutes on, the same statement has waited five minutes longer: the same queue.
    const b = detectWarehouseProblems([busy(11 * MIN)], thresholds(), NOW + 5 * MIN);
    expect(a.signals.map((s) => s.kind)).toEqual(['warehouse_queueing']);
    expect(b.signals[0]!.id).toBe(a.signals[0]!.id);
    // Forty minutes on, after a scale-out drained it, a new queue: the fix did not hold.
    const c = detectWarehouseProblems([busy(6 * MIN)], thresholds(), NOW + 40 * MIN);
    expect(c.signals[0]!.id).not.toBe(a.signals[0]!.id);
    const roomToScale = wh({ autoStopMins: 10, queuedQueries: 2, maxNumClusters: 4 });
    expect(detectWarehouseProblems([roomToScale], thresholds(), NOW).signals).toEqual([]);
  });

  it('does not call a burst that queues for a minute an incident, but does a five-minute wait', () => {
    const blip = wh({ autoStopMins: 10, queuedQueries: 3, runningQueries: 3, maxQueuedMs: 60_000 });
    expect(detectWarehouseProblems([blip], thresholds(), NOW).signals).toEqual([]);
    const longWait = wh({ autoStopMins: 10, queuedQueries: 1, runningQueries: 3, maxQueuedMs: 6 * MIN });
    expect(detectWarehouseProblems([longWait], thresholds(), NOW).signals.map((s) => s.kind)).toEqual([
      'warehouse_queueing',
    ]);
  });

  it('reports a queue beyond the one the warehouse usually has at this hour, not one within it', () => {
    const usualQueue = { days: 7, queuedQueries: 10, maxQueuedMs: 15_000 };
    const queue = (queuedQueries: number, maxQueuedMs: number) =>
      detectWarehouseProblems(
        [wh({ autoStopMins: 10, queuedQueries, runningQueries: 10, maxQueuedMs, usualQueue })],
        thresholds(),
        NOW,
      ).signals.map((s) => s.kind);
    expect(queue(12, 20_000)).toEqual([]);
    // Far deeper than usual, or people waiting minutes where they usually wait seconds: news.
    expect(queue(40, 20_000)).toEqual(['warehouse_queueing']);
    expect(queue(12, 4 * MIN)).toEqual(['warehouse_queueing']);
  });

  it('does not call statements waiting for a starting warehouse queueing: no cluster is up to be full', () => {
    const starting = wh({
      autoStopMins: 10,
      numClusters: 0,
      queuedQueries: 12,
      runningQueries: 0,
      maxQueuedMs: 4 * MIN,
    });
    expect(detectWarehouseProblems([starting], thresholds(), NOW).signals).toEqual([]);
  });

  it('calls a queue at max_num_clusters a capacity problem only a person fixes, and one still scaling none', () => {
    const atMax = wh({ autoStopMins: 10, queuedQueries: 12, runningQueries: 10, maxQueuedMs: 6 * MIN });
    expect(detectWarehouseProblems([atMax], thresholds(), NOW).signals[0]?.classification).toMatchObject({
      category: 'capacity',
      transient: false,
    });
    const scaling = wh({ autoStopMins: 10, queuedQueries: 12, numClusters: 1, maxNumClusters: 4 });
    const [signal] = detectWarehouseProblems([scaling], thresholds(), NOW).signals;
    expect(signal?.kind).toBe('warehouse_queueing');
    expect(signal?.classification).toBeUndefined();
  });

  it('skips a warehouse whose idle time lies in the future and judges the rest', () => {
    const odd = wh({ warehouseId: 'ffffffffffffffff', idleSince: NOW + 60 * MIN });
    const out = detectWarehouseProblems([odd, wh({ idleSince: NOW - 60 * MIN })], thresholds(), NOW);
    expect(out.skipped.map((s) => s.subject)).toEqual(['warehouse:ffffffffffffffff']);
    expect(out.signals).toHaveLength(1);
  });
});

describe('detectRunawayQueries', () => {
  const q = (overrides: Record<string, unknown> = {}) =>
    queryObservationSchema.parse({
      workspaceId: WS,
      statementId: '01ef8a7c-0000-4000-8000-000000000001',
      warehouseId: '1a2b3c4d5e6f7a8b',
      user: 'analyst@example.com',
      state: 'RUNNING',
      startTime: NOW - 45 * MIN,
      durationMs: 45 * MIN,
      readBytes: 5 * 1024 ** 3,
      ...overrides,
    });

  it('reports a statement running past runaway_query_minutes or reading huge bytes', () => {
    const long = q();
    const huge = q({ statementId: 'b', durationMs: 2 * MIN, readBytes: 2 * 1024 ** 4 });
    const fine = q({ statementId: 'c', durationMs: 2 * MIN });
    const finished = q({ statementId: 'd', state: 'FINISHED' });
    const out = detectRunawayQueries(
      [long, huge, fine, finished],
      thresholds({ runaway_query_minutes: 30 }),
      NOW,
    );
    expect(out.signals.map((s) => s.subject.id)).toEqual(['01ef8a7c-0000-4000-8000-000000000001', 'b']);
    expect(out.signals[0]).toMatchObject({
      kind: 'runaway_query',
      refs: { warehouseId: '1a2b3c4d5e6f7a8b' },
    });
  });

  it('classifies a runaway as resource exhaustion only a person can stop, however early its bytes gave it away', () => {
    const huge = q({ durationMs: 2 * MIN, readBytes: 2 * 1024 ** 4 });
    const [signal] = detectRunawayQueries([huge], thresholds(), NOW).signals;
    expect(signal?.classification).toMatchObject({
      category: 'resource',
      transient: false,
      action: 'NOTIFY_OWNER',
      rule: 'runaway_query',
    });
    expect(signal?.classification?.fixHint).toContain('analyst@example.com');
  });

  it('words a runaway caught in its first minute by what it read, a long one by how long, on the named warehouse of its team', () => {
    const adhoc = warehouseObservationSchema.parse({
      workspaceId: WS,
      warehouseId: '1a2b3c4d5e6f7a8b',
      name: 'adhoc',
      state: 'RUNNING',
      autoStopMins: 10,
      team: 'analytics',
    });
    const huge = q({ durationMs: 20_000, readBytes: 3_100_000_000_000 });
    const [signal] = detectRunawayQueries([huge], thresholds(), NOW, { warehouses: [adhoc] }).signals;
    expect(signal?.refs).toMatchObject({ team: 'analytics', owner: 'analyst@example.com' });
    expect(signal?.evidence[0]?.label).toBe('Read 2.8 TiB within its first minute on warehouse adhoc');
    const [long] = detectRunawayQueries([q({ durationMs: 42 * MIN })], thresholds(), NOW, {
      warehouses: [adhoc],
    }).signals;
    expect(long?.evidence[0]?.label).toBe('Running for 42 min on warehouse adhoc, read 5.0 GiB');
    expect(signal?.metrics).toMatchObject({ runningSeconds: 20 });
  });

  it('gives a statement polled twice one signal id', () => {
    const a = detectRunawayQueries([q()], thresholds(), NOW);
    const b = detectRunawayQueries([q({ durationMs: 60 * MIN })], thresholds(), NOW + 15 * MIN);
    expect(b.signals[0]!.id).toBe(a.signals[0]!.id);
  });
});
