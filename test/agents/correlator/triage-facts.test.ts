import { describe, expect, it } from 'vitest';
import { summariseIncident } from '../../../src/agents/correlator/correlate.js';
import { DependencyGraph, nodeKey } from '../../../src/agents/correlator/dependency-graph.js';
import { triageFacts } from '../../../src/agents/correlator/triage-facts.js';
import { classifyError } from '../../../src/agents/classifier/classify-error.js';
import { detectRunawayQueries } from '../../../src/agents/detector/detect-runaway-queries.js';
import { queryObservationSchema } from '../../../src/agents/detector/observations.js';
import type { Signal } from '../../../src/domain/signal.js';
import { triageIncident } from '../../../src/agents/triage/triage-incident.js';
import { defaultPolicy } from '../../../src/config/policy.js';
import { failedTaskSignal } from '../../domain/signal-factory.js';

describe('triageFacts', () => {
  it('turns a missed SLA in the incident into a P1 through the triage policy', () => {
    const failure = failedTaskSignal();
    const deadline = failure.occurredAt + 60_000;
    const sla = failedTaskSignal({
      dedupKey: 'sla',
      kind: 'sla_missed',
      subject: { type: 'table', id: 'main.mart.rev' },
      refs: {},
      metrics: { deadline },
      error: undefined,
      classification: undefined,
    });
    const signals = [failure, sla];
    const facts = triageFacts(
      summariseIncident(signals, new DependencyGraph()),
      signals,
      deadline + 10 * 60_000,
      {
        repeated: false,
      },
    );
    expect(facts).toMatchObject({
      slaMinutesLeft: -10,
      transient: false,
      category: 'missing_object',
      costRatio: null,
    });
    expect(triageIncident(facts, defaultPolicy().triage).severity).toBe('P1');
  });

  it('treats a warehouse idling without auto-stop as a cost anomaly once it has wasted 15 minutes', () => {
    const idle = (idleMinutes: number) =>
      failedTaskSignal({
        dedupKey: `idle-${idleMinutes}`,
        kind: 'warehouse_idle_no_autostop',
        subject: { type: 'warehouse', id: '1a2b3c4d5e6f7a8b' },
        refs: { warehouseId: '1a2b3c4d5e6f7a8b' },
        metrics: { idleMinutes },
        error: undefined,
        classification: undefined,
      });
    const facts = (s: ReturnType<typeof idle>) =>
      triageFacts(summariseIncident([s], new DependencyGraph()), [s], s.occurredAt, { repeated: false });
    expect(facts(idle(30)).costRatio).toBe(3);
    expect(triageIncident(facts(idle(30)), defaultPolicy().triage).severity).toBe('P3');
    expect(triageIncident(facts(idle(12)), defaultPolicy().triage).severity).toBe('P4');
  });

  it('tells someone (P3) when the jobs on a shared cluster fail together, each only transiently', () => {
    const lost = (jobId: string, taskKey: string) =>
      failedTaskSignal({
        dedupKey: `lost-${jobId}`,
        subject: { type: 'task', id: `${jobId}/${taskKey}`, name: `job ${jobId} / ${taskKey}` },
        refs: { jobId, runId: `${jobId}1`, taskKey, clusterId: '0523-101010-abcde123' },
        error: { message: 'Spot instances were reclaimed; lost executors' },
        classification: { category: 'capacity', transient: true, action: 'RETRY', rule: 'spot' },
      });
    const triaged = (signals: ReturnType<typeof lost>[]) => {
      const facts = triageFacts(summariseIncident(signals, new DependencyGraph()), signals, 0, {
        repeated: false,
      });
      return {
        jobsFailed: facts.jobsFailed,
        severity: triageIncident(facts, defaultPolicy().triage).severity,
      };
    };
    // The same job's two tasks are one job down; three jobs down together reach a card.
    expect(triaged([lost('42', 'a'), lost('42', 'b')])).toEqual({ jobsFailed: 1, severity: 'P4' });
    expect(triaged([lost('42', 'a'), lost('43', 'a'), lost('44', 'a')])).toEqual({
      jobsFailed: 3,
      severity: 'P3',
    });
  });

  it("tells someone (P3), pages nobody, when a shared cluster's spot nodes are reclaimed under jobs feeding many tables", () => {
    const CLUSTER = '0523-101010-abcde123';
    const reclaimed = failedTaskSignal({
      source: 'system_tables',
      dedupKey: 'nodes-lost',
      kind: 'cluster_event',
      severityHint: 'P3',
      subject: { type: 'cluster', id: CLUSTER, name: 'shared' },
      refs: { clusterId: CLUSTER },
      error: { message: 'Cluster shared lost spot instances', terminationCode: 'SPOT_INSTANCE_TERMINATION' },
      classification: undefined,
    });
    const lost = (jobId: string, transient: boolean) =>
      failedTaskSignal({
        dedupKey: `lost-${jobId}`,
        subject: { type: 'task', id: `${jobId}/load`, name: `job ${jobId} / load` },
        refs: {
          jobId,
          runId: `${jobId}1`,
          taskKey: 'load',
          clusterId: CLUSTER,
          tablesWritten: [`main.s.t${jobId}`],
        },
        classification: {
          category: 'capacity',
          transient,
          action: 'RETRY_WITH_NEW_PARAMS',
          rule: 'cloud.spot_loss',
        },
      });
    // Three hourly jobs on the cluster feed 30 jobs and tables: wide, but gone by the next hourly run.
    const severity = (signals: Signal[]) => {
      const summary = summariseIncident(signals, new DependencyGraph());
      const facts = triageFacts(
        { ...summary, blastRadius: { ...summary.blastRadius, count: 30 } },
        signals,
        0,
        {
          repeated: false,
        },
      );
      return [facts.category, facts.transient, triageIncident(facts, defaultPolicy().triage).severity];
    };
    expect(severity([reclaimed, lost('42', true), lost('43', true), lost('44', true)])).toEqual([
      'capacity',
      true,
      'P3',
    ]);
    // One of them failing for a reason that does not pass by itself makes the cluster's problem lasting.
    expect(severity([reclaimed, lost('42', true), lost('43', false)])).toEqual(['capacity', false, 'P2']);
  });

  it('keeps a zero-row streak at the level its SLA gave it when found, while an SLA at risk rises as it nears', () => {
    const deadline = 1_717_020_000_000;
    const MIN = 60_000;
    const zeroRows = failedTaskSignal({
      dedupKey: 'zero',
      kind: 'zero_rows',
      occurredAt: deadline - 100 * MIN,
      subject: { type: 'table', id: 'main.content.catalog' },
      refs: { jobId: '42', tablesWritten: ['main.content.catalog'] },
      metrics: { consecutiveZeroLoads: 3, deadline },
      error: undefined,
      classification: undefined,
    });
    const atRisk = failedTaskSignal({
      dedupKey: 'risk',
      kind: 'sla_at_risk',
      occurredAt: deadline - 100 * MIN,
      subject: { type: 'table', id: 'main.recs.candidates' },
      refs: {},
      metrics: { deadline },
      error: undefined,
      classification: undefined,
    });
    const severityAt = (signal: ReturnType<typeof failedTaskSignal>, now: number) =>
      triageIncident(
        triageFacts(summariseIncident([signal], new DependencyGraph()), [signal], now, { repeated: false }),
        defaultPolicy().triage,
      ).severity;
    // Found 100 minutes before the deadline: P2, and still P2 twenty minutes before it, for the loads
    // succeed and the SLA's table is refreshed on time; only the SLA's own signal pages as it nears.
    expect(severityAt(zeroRows, deadline - 100 * MIN)).toBe('P2');
    expect(severityAt(zeroRows, deadline - 20 * MIN)).toBe('P2');
    expect(severityAt(atRisk, deadline - 100 * MIN)).toBe('P2');
    expect(severityAt(atRisk, deadline - 20 * MIN)).toBe('P1');
  });

  it('pages (P2) empty loads on a table that more than ten jobs read, though the SLA downstream is a day away', () => {
    const loadedAt = 1_717_020_000_000;
    const raw = 'main.claims.raw_notices';
    const zeroRows = failedTaskSignal({
      dedupKey: 'zero',
      kind: 'zero_rows',
      occurredAt: loadedAt,
      subject: { type: 'table', id: raw },
      refs: { jobId: '7', tablesWritten: [raw] },
      metrics: { consecutiveZeroLoads: 3, deadline: loadedAt + 20 * 3_600_000 },
      error: undefined,
      classification: undefined,
    });
    const readers = (count: number) => {
      const graph = new DependencyGraph().addEdge(nodeKey('job', '7'), nodeKey('table', raw));
      for (let i = 0; i < count; i += 1) graph.addEdge(nodeKey('table', raw), nodeKey('job', `reader-${i}`));
      return graph;
    };
    const severityWith = (graph: DependencyGraph) =>
      triageIncident(
        triageFacts(summariseIncident([zeroRows], graph), [zeroRows], loadedAt, { repeated: false }),
        defaultPolicy().triage,
      ).severity;
    // The SLA's band (a day away: P3) is the least the streak gets; everything reading the table is
    // short of new data, as it would be were its loader failing.
    expect(severityWith(readers(3))).toBe('P3');
    expect(severityWith(readers(12))).toBe('P2');
  });

  it('tells someone (P3) of a runaway query caught by its bytes two minutes in, before it has wasted much', () => {
    const now = 1_717_000_000_000;
    const [runaway] = detectRunawayQueries(
      [
        queryObservationSchema.parse({
          workspaceId: '1234567890123456',
          statementId: '01ef8a7c-0000-4000-8000-000000000009',
          warehouseId: '1a2b3c4d5e6f7a8b',
          user: 'mei@example.com',
          state: 'RUNNING',
          startTime: now - 2 * 60_000,
          durationMs: 2 * 60_000,
          readBytes: 1.3e12,
        }),
      ],
      defaultPolicy().thresholds,
      now,
    ).signals;
    const facts = triageFacts(summariseIncident([runaway!], new DependencyGraph()), [runaway!], now, {
      repeated: false,
    });
    // Two minutes of waste is no cost anomaly yet; it is a warehouse burning until someone kills it.
    expect(facts.costRatio).toBeLessThan(1.5);
    expect(triageIncident(facts, defaultPolicy().triage).severity).toBe('P3');
  });
  describe("a run's own failure nothing downstream reads", () => {
    const failedRun = (message: string, overrides: Partial<Parameters<typeof failedTaskSignal>[0]> = {}) => {
      const { category, transient, action, rule } = classifyError({ message });
      return failedTaskSignal({
        error: { message },
        classification: { category, transient, action, rule },
        ...overrides,
      });
    };
    const severityOf = (signals: Signal[]) =>
      triageIncident(
        triageFacts(summariseIncident(signals, new DependencyGraph()), signals, signals[0]!.occurredAt, {
          repeated: false,
        }),
        defaultPolicy().triage,
      ).severity;

    it('tells someone (P3) of a run that ran out of memory: its next run fails the same until a person gives it more', () => {
      const oom = failedRun(
        'java.lang.OutOfMemoryError: Java heap space\n\tat org.apache.spark.sql.execution.SparkPlan.executeCollect',
      );
      expect(oom.classification).toMatchObject({ category: 'resource', action: 'RETRY_WITH_NEW_PARAMS' });
      expect(severityOf([oom])).toBe('P3');
    });

    it('tells someone (P3) of a run whose code met a value it does not know', () => {
      const keyError = failedRun(
        'PythonException: An exception was thrown from the Python worker. Traceback (most recent call last):\n  File "/Workspace/app/prices.py", line 40, in convert\n    rate = RATES[row.currency]\nKeyError: \'XYZ\'',
      );
      expect(keyError.classification?.action).toBe('NOTIFY_OWNER');
      expect(severityOf([keyError])).toBe('P3');
    });

    it("leaves at P4 a cluster's hung driver that took one job down: a restart, not the job's settings", () => {
      const CLUSTER = '0523-101010-abcde123';
      const hung = failedTaskSignal({
        source: 'system_tables',
        dedupKey: 'driver-hung',
        kind: 'cluster_event',
        subject: { type: 'cluster', id: CLUSTER, name: 'shared' },
        refs: { clusterId: CLUSTER },
        error: {
          message: 'The driver is unresponsive, likely due to GC.',
          terminationCode: 'DRIVER_UNRESPONSIVE',
        },
        classification: undefined,
      });
      const onIt = failedRun('java.lang.OutOfMemoryError: GC overhead limit exceeded', {
        dedupKey: 'on-hung',
        occurredAt: hung.occurredAt + 60_000,
      });
      expect(severityOf([hung, onIt])).toBe('P4');
    });
  });
});
