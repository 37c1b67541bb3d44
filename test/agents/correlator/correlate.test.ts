import { signalFootprint } from '../../../src/agents/correlator/signal-footprint.js';
import { describe, expect, it } from 'vitest';
import { buildDependencyGraph } from '../../../src/agents/correlator/build-dependency-graph.js';
import {
  type CorrelationDecision,
  type CorrelationOptions,
  correlate,
  type OpenIncidentView,
  summariseIncident,
} from '../../../src/agents/correlator/correlate.js';
import type { GraphView } from '../../../src/agents/correlator/dependency-graph.js';
import { detectClusterEvents } from '../../../src/agents/detector/detect-cluster-events.js';
import { detectClusterWidening } from '../../../src/agents/detector/detect-cluster-widening.js';
import { detectCostProblems } from '../../../src/agents/detector/detect-cost.js';
import { detectDurationAnomalies } from '../../../src/agents/detector/detect-duration-anomaly.js';
import { detectOverdueTables } from '../../../src/agents/detector/detect-overdue-tables.js';
import {
  detectPipelineFailures,
  pipelineDurationKey,
} from '../../../src/agents/detector/detect-pipeline-failures.js';
import { detectRowCountAnomalies, rowCountKey } from '../../../src/agents/detector/detect-row-counts.js';
import { detectRunFailures } from '../../../src/agents/detector/detect-run-failures.js';
import { detectRunawayQueries } from '../../../src/agents/detector/detect-runaway-queries.js';
import { detectSlaBreaches } from '../../../src/agents/detector/detect-sla.js';
import { detectWarehouseProblems } from '../../../src/agents/detector/detect-warehouses.js';
import {
  clusterEventObservationSchema,
  costObservationSchema,
  jobClusterHistorySchema,
  pipelineUpdateObservationSchema,
  queryObservationSchema,
  tableLoadObservationSchema,
  tableSlaSchema,
  warehouseObservationSchema,
} from '../../../src/agents/detector/observations.js';
import { newIncident } from '../../../src/domain/incident.js';
import type { Signal } from '../../../src/domain/signal.js';
import { failedTaskSignal } from '../../domain/signal-factory.js';
import { HOUR, MIN, run, task, thresholds, WS } from '../detector/observation-factory.js';
import { NIGHTLY_ORDERS_LINEAGE } from './nightly-orders-lineage.js';

const OPTIONS: CorrelationOptions = { windowMinutes: 30 };
const DEADLINE = Date.UTC(2026, 10, 20, 6, 0); // 06:00 UTC

/** The nightly pipeline: orders ETL writes sales.orders; the revenue mart reads it and feeds a dashboard. */
const graph = buildDependencyGraph({
  lineage: [
    ...NIGHTLY_ORDERS_LINEAGE,
    { sourceTable: 'main.mart.daily_revenue', entityType: 'DASHBOARD_V3', entityId: 'dash-rev' },
    { sourceTable: null, targetTable: null, entityType: 'NOTEBOOK' },
  ],
  jobs: [
    { jobId: 'E', name: 'Nightly orders ETL', team: 'data-eng' },
    { jobId: 'M', name: 'Revenue mart', team: 'finance' },
    { jobId: 'X', name: 'Clickstream sessionizer', team: 'web' },
  ],
  dashboards: [
    {
      dashboardId: 'dash-rev',
      name: 'Revenue daily',
      team: 'finance',
      tablesRead: ['main.mart.daily_revenue'],
    },
  ],
});

/**
 * Three hourly empty loads of `table` in a row after three that wrote rows, the last an hour before `at`,
 * as the row-count detector reports them.
 */
function zeroRowsOf(
  table: string,
  writer: { jobId?: string; taskKey?: string },
  at: number,
): Signal | undefined {
  return detectRowCountAnomalies(
    [1, 2, 3, 4, 5, 6].map((i) =>
      tableLoadObservationSchema.parse({
        workspaceId: WS,
        table,
        ...writer,
        runId: `r${at}-${i}`,
        rowsWritten: i <= 3 ? 1_200 : 0,
        loadedAt: at - (7 - i) * HOUR,
      }),
    ),
    {},
    thresholds(),
    at,
  ).signals[0];
}

function cascade(): { extract: Signal; transform: Signal; load: Signal; sla: Signal } {
  const etl = run({
    jobId: 'E',
    jobName: 'Nightly orders ETL',
    runId: '100',
    resultState: 'TIMEDOUT',
    startTime: DEADLINE - 4 * HOUR,
    endTime: DEADLINE - 3 * HOUR,
    tablesWritten: [],
    tablesRead: [],
    computeIds: [],
    tasks: [
      task('extract', '101', { resultState: 'TIMEDOUT', endTime: DEADLINE - 3 * HOUR, costUsd: 7.5 }),
      task('transform', '102', {
        resultState: 'UPSTREAM_FAILED',
        dependsOn: ['extract'],
        endTime: DEADLINE - 3 * HOUR,
      }),
      task('load', '103', {
        resultState: 'UPSTREAM_FAILED',
        dependsOn: ['transform'],
        endTime: DEADLINE - 3 * HOUR,
      }),
    ],
  });
  const [extract, transform, load] = detectRunFailures([etl], DEADLINE - 3 * HOUR).signals;
  const slaRow = tableSlaSchema.parse({
    workspaceId: WS,
    table: 'main.mart.daily_revenue',
    deadline: '06:00',
    timezone: 'UTC',
    upstreamJobIds: ['M'],
    lastRefreshedAt: DEADLINE - 30 * HOUR,
  });
  const [sla] = detectSlaBreaches([slaRow], [], DEADLINE + 5 * MIN).signals;
  return { extract: extract!, transform: transform!, load: load!, sla: sla! };
}

/** Feeds signals one by one through `correlate`, keeping open incidents the way the store would. */
function feed(signals: readonly Signal[], g: GraphView = graph, options = OPTIONS) {
  const incidents: (OpenIncidentView & { title: string })[] = [];
  const decisions: CorrelationDecision[] = [];
  for (const s of signals) {
    const d = correlate(signalFootprint(s), incidents, g, options, s.observedAt);
    decisions.push(d);
    if ('open' in d) {
      incidents.push({
        id: d.open.id,
        workspaceId: s.workspaceId,
        rootSignalId: s.id,
        signals: [s],
        title: d.open.title,
      });
    } else if (!d.duplicate) {
      const i = incidents.findIndex((x) => x.id === d.join);
      const current = incidents[i]!;
      incidents[i] = {
        ...current,
        signals: [...current.signals, s],
        rootSignalId: d.summary.rootSignal.id,
        title: d.summary.title,
      };
    }
  }
  return { incidents, decisions };
}

describe('correlate', () => {
  it('turns a cascade (extract timeout, transform and load skipped, mart SLA missed) into one incident', () => {
    const { extract, transform, load, sla } = cascade();
    const { incidents, decisions } = feed([extract, transform, load, sla]);
    expect(incidents).toHaveLength(1);
    expect(incidents[0]!.rootSignalId).toBe(extract.id);
    expect(incidents[0]!.title).toBe('Nightly orders ETL timed out on task extract');
    const last = decisions.at(-1)!;
    expect('join' in last && last.link).toBe('downstream');
    expect(last.summary.blastRadius).toMatchObject({
      jobs: ['Revenue mart'],
      tables: ['main.sales.orders', 'main.mart.daily_revenue'],
      dashboards: ['Revenue daily'],
      teams: ['finance'],
      count: 4,
    });
    expect(last.summary.costUsd).toBe(7.5);
    expect(last.summary.slaDeadline).toBe(DEADLINE);
  });

  it('keeps the extract as root cause when the SLA signal arrives first, and says the root changed', () => {
    const { extract, transform, load, sla } = cascade();
    const { incidents, decisions } = feed([sla, load, extract, transform]);
    expect(incidents).toHaveLength(1);
    expect(incidents[0]!.rootSignalId).toBe(extract.id);
    const changes = decisions.flatMap((d) => ('join' in d && d.rootCauseChanged ? [d.rootCauseChanged] : []));
    expect(changes.at(-1)).toEqual({ from: load.id, to: extract.id });
    expect(changes[0]).toEqual({ from: sla.id, to: load.id });
  });

  it('joins a missed SLA to the incident of the skipped run that writes its table, not to a failure further up', () => {
    const { extract, sla } = cascade();
    const at = DEADLINE - 2 * HOUR;
    const mart = run({
      jobId: 'M',
      jobName: 'Revenue mart',
      runId: '300',
      resultState: 'CANCELED',
      startTime: at - 10 * MIN,
      endTime: at,
      tablesRead: ['main.sales.orders'],
      tablesWritten: ['main.mart.daily_revenue'],
      computeIds: [],
      tasks: [
        task('wait', '301', { resultState: 'CANCELED', endTime: at }),
        task('build', '302', { resultState: 'UPSTREAM_CANCELED', dependsOn: ['wait'], endTime: at }),
      ],
    });
    const skipped = detectRunFailures([mart], at).signals.find((s) => s.kind === 'run_skipped')!;
    const incident = (id: string, root: Signal): OpenIncidentView => ({
      id,
      workspaceId: WS,
      rootSignalId: root.id,
      signals: [root],
    });
    const decision = correlate(
      signalFootprint(sla),
      [incident('inc-orders-etl', extract), incident('inc-mart-skipped', skipped)],
      graph,
      OPTIONS,
      sla.observedAt,
    );
    expect('join' in decision && decision.join).toBe('inc-mart-skipped');
  });

  it('opens an incident the store accepts', () => {
    const { extract } = cascade();
    const d = correlate(signalFootprint(extract), [], graph, OPTIONS, extract.observedAt);
    if (!('open' in d)) throw new Error('expected a new incident');
    const made = newIncident(d.open);
    expect(made.ok).toBe(true);
    expect(d.open).toMatchObject({
      rootCauseSignalId: extract.id,
      correlationKey: 'job:E',
      team: 'data-eng',
      severity: 'P2',
    });
  });

  it('keeps two unrelated failures in the same minute as two incidents', () => {
    const { extract } = cascade();
    const other = detectRunFailures(
      [
        run({
          jobId: 'X',
          jobName: 'Clickstream sessionizer',
          runId: '900',
          resultState: 'FAILED',
          endTime: extract.occurredAt + 30_000,
          tablesRead: ['main.web.clicks'],
          tablesWritten: ['main.web.sessions'],
          computeIds: ['1120-010101-zzzz9999'],
          tasks: [task('sessionize', '901', { resultState: 'FAILED', errorMessage: 'boom' })],
        }),
      ],
      extract.occurredAt + MIN,
    ).signals;
    expect(feed([extract, ...other]).incidents).toHaveLength(2);
  });

  it('splits the same job failing again two hours later into a second incident', () => {
    const fail = (runId: string, at: number) =>
      detectRunFailures(
        [
          run({
            jobId: 'X',
            runId,
            resultState: 'FAILED',
            endTime: at,
            tasks: [task('t', `${runId}1`, { resultState: 'FAILED', endTime: at })],
          }),
        ],
        at,
      ).signals[0]!;
    const first = fail('1', DEADLINE);
    const second = fail('2', DEADLINE + 2 * HOUR);
    const { incidents, decisions } = feed([first, second]);
    expect(incidents).toHaveLength(2);
    expect(incidents[0]!.title).toBe(incidents[1]!.title);
    // The same root cause again: the fingerprint recognises it, the incident id does not collide.
    expect(decisions[0]!.summary.fingerprint).toBe(decisions[1]!.summary.fingerprint);
    expect(incidents[0]!.id).not.toBe(incidents[1]!.id);
  });

  it('joins problems on a shared warehouse, with the runaway query as root cause', () => {
    const now = DEADLINE;
    const wh = warehouseObservationSchema.parse({
      workspaceId: WS,
      warehouseId: '1a2b3c4d5e6f7a8b',
      name: 'bi-prod',
      state: 'RUNNING',
      autoStopMins: 10,
      queuedQueries: 12,
      runningQueries: 1,
    });
    const query = queryObservationSchema.parse({
      workspaceId: WS,
      statementId: '01ef8a7c-0000-4000-8000-000000000001',
      warehouseId: '1a2b3c4d5e6f7a8b',
      state: 'RUNNING',
      startTime: now - 40 * MIN,
      durationMs: 40 * MIN,
    });
    const [queueing] = detectWarehouseProblems([wh], thresholds(), now).signals;
    const [runaway] = detectRunawayQueries([query], thresholds(), now).signals;
    const { incidents, decisions } = feed([queueing!, runaway!]);
    expect(incidents).toHaveLength(1);
    expect(decisions[1]).toMatchObject({ join: incidents[0]!.id, link: 'shared_compute' });
    expect(incidents[0]!.rootSignalId).toBe(runaway!.id);
  });

  it('joins two job failures on one all-purpose cluster and a cluster event as their root', () => {
    const shared = buildDependencyGraph({
      jobs: [
        { jobId: 'A', computeIds: ['0929-205554-jm9y8aqe'] },
        { jobId: 'B', computeIds: ['0929-205554-jm9y8aqe'] },
      ],
    });
    const failure = (jobId: string, at: number) =>
      detectRunFailures(
        [
          run({
            jobId,
            runId: `${jobId}1`,
            resultState: 'FAILED',
            endTime: at,
            computeIds: [],
            tablesRead: [],
            tablesWritten: [],
          }),
        ],
        at,
      ).signals[0]!;
    const a = failure('A', DEADLINE);
    const b = failure('B', DEADLINE + 3 * MIN);
    const [driver] = detectClusterEvents(
      [
        clusterEventObservationSchema.parse({
          workspaceId: WS,
          clusterId: '0929-205554-jm9y8aqe',
          clusterName: 'shared-etl',
          timestamp: DEADLINE + 5 * MIN,
          type: 'DRIVER_NOT_RESPONDING',
        }),
      ],
      DEADLINE + 6 * MIN,
    ).signals;
    const { incidents, decisions } = feed([a, b, driver!], shared);
    expect(incidents).toHaveLength(1);
    expect(decisions[1]).toMatchObject({ link: 'shared_compute' });
    expect(decisions[2]).toMatchObject({
      link: 'shared_compute',
      rootCauseChanged: { from: a.id, to: driver!.id },
    });
    expect(incidents[0]!.title).toBe('Cluster shared-etl driver is not responding (DRIVER_NOT_RESPONDING)');
    expect(decisions[2]!.summary.blastRadius.count).toBe(2);
  });

  it('treats a signal delivered twice as a duplicate of the incident it is in', () => {
    const { extract } = cascade();
    const { decisions, incidents } = feed([extract, extract]);
    expect(incidents).toHaveLength(1);
    expect(decisions[1]).toMatchObject({ join: incidents[0]!.id, duplicate: true });
  });

  it('never joins across workspaces', () => {
    const { extract } = cascade();
    const elsewhere = {
      ...extract,
      workspaceId: '999',
      id: 'sig_00000000000000000000000000000001',
    } as Signal;
    expect(feed([extract, elsewhere]).incidents).toHaveLength(2);
  });

  it('joins failures sharing a small upstream source, but not a table everyone reads', () => {
    const readers = Array.from({ length: 40 }, (_, i) => ({ jobId: `R${i}`, tablesRead: ['main.dim.date'] }));
    const g = buildDependencyGraph({
      jobs: [
        { jobId: 'P', tablesRead: ['main.raw.payments', 'main.dim.date'] },
        { jobId: 'Q', tablesRead: ['main.raw.payments'] },
        { jobId: 'Z', tablesRead: ['main.dim.date'] },
        ...readers,
      ],
    });
    const failure = (jobId: string, at: number) =>
      detectRunFailures(
        [
          run({
            jobId,
            runId: `${jobId}1`,
            resultState: 'FAILED',
            endTime: at,
            computeIds: [],
            tablesRead: [],
            tablesWritten: [],
          }),
        ],
        at,
      ).signals[0]!;
    expect(feed([failure('P', DEADLINE), failure('Q', DEADLINE + MIN)], g).incidents).toHaveLength(1);
    expect(feed([failure('Q', DEADLINE), failure('Z', DEADLINE + MIN)], g).incidents).toHaveLength(2);
  });

  it('keeps failures of two kinds apart though their jobs read one small source table', () => {
    const g = buildDependencyGraph({
      jobs: [
        { jobId: 'P', tablesRead: ['main.raw.shipments'] },
        { jobId: 'Q', tablesRead: ['main.raw.shipments'] },
      ],
    });
    const failure = (jobId: string, at: number, category: 'permission' | 'resource') => ({
      ...detectRunFailures(
        [
          run({
            jobId,
            runId: `${jobId}1`,
            resultState: 'FAILED',
            endTime: at,
            computeIds: [],
            tablesRead: [],
            tablesWritten: [],
          }),
        ],
        at,
      ).signals[0]!,
      classification: { category, action: 'NOTIFY_OWNER' as const, transient: false, rule: 'test' },
    });
    const denied = failure('P', DEADLINE, 'permission');
    expect(feed([denied, failure('Q', DEADLINE + 20 * MIN, 'resource')], g).incidents).toHaveLength(2);
    expect(feed([denied, failure('Q', DEADLINE + 20 * MIN, 'permission')], g).incidents).toHaveLength(1);
  });

  it('lets a consequence hours later join only within the consequence horizon', () => {
    const { extract, sla } = cascade();
    expect(
      feed([extract, sla], graph, { windowMinutes: 30, consequenceHorizonMinutes: 60 }).incidents,
    ).toHaveLength(2);
    expect(feed([extract, sla], graph, { windowMinutes: 30 }).incidents).toHaveLength(1);
  });

  describe('a join needs a link and time', () => {
    /** A failed run of job `jobId` ending at `at`, on its own cluster, reading and writing nothing itself. */
    const failed = (jobId: string, runId: string, at: number) =>
      detectRunFailures(
        [
          run({
            jobId,
            jobName: jobId === 'E' ? 'Nightly orders ETL' : 'Revenue mart',
            runId,
            resultState: 'FAILED',
            startTime: at - 20 * MIN,
            endTime: at,
            computeIds: [`cluster-${jobId}-${runId}`],
            tablesRead: [],
            tablesWritten: [],
            tasks: [task('main', `${runId}1`, { resultState: 'FAILED', errorMessage: 'boom', endTime: at })],
          }),
        ],
        at,
      ).signals[0]!;

    it('does not let an incident left open absorb, hours later, a failure its lineage links to', () => {
      const { extract, transform, load, sla } = cascade();
      // Upstream of the missed table, six hours after the miss: linked, but long after the extract broke.
      const later = failed('M', '700', sla.occurredAt + 6 * HOUR);
      const { incidents } = feed([extract, transform, load, sla, later]);
      expect(incidents).toHaveLength(2);
      expect(incidents[1]!.rootSignalId).toBe(later.id);
    });

    it('lets the SLA missed hours after its cause join the cause, but not a later failure the SLA links to', () => {
      const { extract, sla } = cascade();
      // Upstream of the missed table, four hours after the extract broke: a cause of its own.
      const unrelated = failed('E', '701', extract.occurredAt + 4 * HOUR);
      const { incidents } = feed([extract, sla, unrelated]);
      expect(incidents.map((i) => i.signals.length)).toEqual([2, 1]);
    });

    it('does not blame the morning’s missed SLA on a failure upstream of it that afternoon', () => {
      const { sla } = cascade();
      const afternoon = failed('E', '705', sla.occurredAt + 8 * HOUR);
      expect(feed([sla, afternoon]).incidents).toHaveLength(2);
      // … while the night's extract failure, found after the miss, still joins it as its cause.
      const { extract } = cascade();
      expect(feed([sla, extract]).incidents).toHaveLength(1);
    });

    it('does not blame the morning’s missed SLA on empty loads upstream of it that afternoon', () => {
      const { extract, sla } = cascade();
      // The orders load wrote no rows three times in a row, the last at noon: six hours after the miss,
      // within the consequence horizon, and upstream of the missed table, but it explains nothing of it.
      const empty = zeroRowsOf('main.sales.orders', { jobId: 'E', taskKey: 'load' }, DEADLINE + 6 * HOUR);
      expect(empty?.kind).toBe('zero_rows');
      const { incidents } = feed([extract, sla, empty!]);
      expect(incidents.map((i) => i.signals.length)).toEqual([2, 1]);
      expect(incidents[1]!.title).toContain('main.sales.orders');
    });

    it('opens its own incident for a failure upstream of one that broke before it: its own upstream is healthy', () => {
      const mart = failed('M', '710', DEADLINE - 2 * HOUR);
      const etl = failed('E', '711', DEADLINE - 2 * HOUR + 10 * MIN);
      const { incidents } = feed([mart, etl]);
      expect(incidents).toHaveLength(2);
    });

    it('lets an upstream failure that broke first become the root cause of the downstream one', () => {
      const etl = failed('E', '720', DEADLINE - 2 * HOUR);
      const mart = failed('M', '721', DEADLINE - 2 * HOUR + 10 * MIN);
      // The downstream failure is seen first (its notification came in), the upstream one at the next poll.
      const { incidents, decisions } = feed([mart, etl]);
      expect(incidents).toHaveLength(1);
      expect(decisions[1]).toMatchObject({ link: 'upstream', rootCauseChanged: { to: etl.id } });
    });

    describe('a pipeline update that hangs upstream of a table with a deadline', () => {
      // Pipeline P refreshes main.sales.orders; the mart job M starts it (a pipeline task), then reads
      // the orders into main.mart.daily_revenue, due at 06:00. Tonight P's update hangs from 04:00.
      const P = 'b3f1c2d4-0000-4000-8000-0000000000a1';
      const lineage = buildDependencyGraph({
        lineage: [
          {
            sourceTable: 'main.raw.orders',
            targetTable: 'main.sales.orders',
            entityType: 'PIPELINE',
            entityId: P,
          },
          NIGHTLY_ORDERS_LINEAGE[1]!,
        ],
        jobs: [{ jobId: 'M', name: 'Revenue mart' }],
      });
      const started = DEADLINE - 2 * HOUR;
      const past = (key: string, minutes: number) => ({
        [key]: {
          samples: [1, 2, 3, 4, 5].map(
            (d) => [`${key}-${d}`, started - d * 24 * HOUR, minutes * 60] as const,
          ),
        },
      });
      const durations = { ...past(pipelineDurationKey(WS, P), 15), ...past(`${WS}:M`, 40) };
      const update = pipelineUpdateObservationSchema.parse({
        workspaceId: WS,
        pipelineId: P,
        pipelineName: 'orders_dlt',
        updateId: 'upd-1',
        state: 'RUNNING',
        startTime: started,
        jobId: 'M',
      });
      const martRun = (runId: string, startTime: number) =>
        run({
          jobId: 'M',
          jobName: 'Revenue mart',
          runId,
          lifeCycleState: 'RUNNING',
          resultState: undefined,
          startTime,
          endTime: undefined,
          tablesRead: ['main.sales.orders'],
          tablesWritten: ['main.mart.daily_revenue'],
          computeIds: [],
        });
      const waiting = martRun('900', started - MIN);
      const slaRow = tableSlaSchema.parse({
        workspaceId: WS,
        table: 'main.mart.daily_revenue',
        deadline: '06:00',
        timezone: 'UTC',
        upstreamJobIds: ['M'],
        upstreamPipelineIds: [P],
        lastRefreshedAt: DEADLINE - 25 * HOUR,
      });
      const at = (now: number) => ({
        atRisk: detectSlaBreaches([slaRow], [], now, { durations, minHistoryRuns: 5, updates: [update] }),
        hung: detectPipelineFailures([update], now, { durations, thresholds: thresholds(), runs: [waiting] }),
        long: (r: typeof waiting) => detectDurationAnomalies([r], durations, thresholds(), now),
      });

      it('puts the hung update, the SLA at risk, the run waiting on it and the missed SLA in one incident', () => {
        const [atRisk] = at(started + 20 * MIN).atRisk.signals;
        const [hung] = at(started + 31 * MIN).hung.signals;
        // The mart's run has gone twice its usual 40 minutes: an hour after the update was found hung.
        const [long] = at(started + 81 * MIN).long(waiting).signals;
        const [missed] = detectSlaBreaches([slaRow], [], DEADLINE + 5 * MIN).signals;
        expect([atRisk?.kind, hung?.kind, long?.kind, missed?.kind]).toEqual([
          'sla_at_risk',
          'duration_anomaly',
          'duration_anomaly',
          'sla_missed',
        ]);
        const { incidents } = feed([atRisk!, hung!, long!, missed!], lineage);
        expect(incidents).toHaveLength(1);
        expect(incidents[0]!.rootSignalId).toBe(hung!.id);
      });

      it('keeps a failure downstream of the hung update out of it: late data is stale, not broken', () => {
        const [hung] = at(started + 31 * MIN).hung.signals;
        // A job reading the orders fails ten minutes later with an error of its own.
        const [own] = detectRunFailures(
          [
            run({
              jobId: 'R',
              jobName: 'Orders reconciliation',
              runId: '950',
              resultState: 'FAILED',
              startTime: started + 30 * MIN,
              endTime: started + 41 * MIN,
              computeIds: [],
              tablesRead: ['main.sales.orders'],
              tablesWritten: [],
            }),
          ],
          started + 41 * MIN,
        ).signals;
        const { incidents } = feed([hung!, own!], lineage);
        expect(incidents.map((i) => i.rootSignalId)).toEqual([hung!.id, own!.id]);
      });

      it('puts the money the hung update burns into its incident, which stays rooted at the hang', () => {
        const [hung] = at(started + 31 * MIN).hung.signals;
        const dayStart = DEADLINE - 6 * HOUR;
        const rows = Array.from({ length: 8 }, (_, d) =>
          costObservationSchema.parse({
            workspaceId: WS,
            team: 'data-eng',
            periodStart: dayStart - (7 - d) * 24 * HOUR,
            granularity: 'day',
            usd: d === 7 ? 40 : 10,
            resources: [{ type: 'pipeline', id: P, usd: d === 7 ? 32 : 2 }],
          }),
        );
        const [spend] = detectCostProblems(rows, [], thresholds(), DEADLINE + HOUR).signals;
        expect(spend!.kind).toBe('cost_anomaly');
        const { incidents, decisions } = feed([hung!, spend!], lineage);
        expect(incidents).toHaveLength(1);
        expect(decisions[1]).toMatchObject({ link: 'spent_on' });
        expect(incidents[0]!.rootSignalId).toBe(hung!.id);
      });

      it('lets the SLA missed join the incident that said the table was at risk, hours after', () => {
        const [atRisk] = at(started + 20 * MIN).atRisk.signals;
        const [missed] = detectSlaBreaches([slaRow], [], DEADLINE + 5 * MIN).signals;
        const nothing = buildDependencyGraph({});
        expect(feed([atRisk!, missed!], nothing).incidents).toHaveLength(1);
      });

      it('puts an SLA at risk with the failure of its writer, not with a job further up running long', () => {
        // U writes main.raw.a and is running long; W reads it, writes main.mart.w (due 06:00) and fails
        // with an error of its own. Both tables' SLAs come under risk; the mart's because W failed.
        const g = buildDependencyGraph({
          jobs: [
            { jobId: 'U', tablesWritten: ['main.raw.a'] },
            { jobId: 'W', tablesRead: ['main.raw.a'], tablesWritten: ['main.mart.w'] },
          ],
        });
        const usual = past(`${WS}:U`, 40);
        const upstream = run({
          jobId: 'U',
          jobName: 'Raw loader',
          runId: '970',
          lifeCycleState: 'RUNNING',
          resultState: undefined,
          startTime: started - 90 * MIN,
          endTime: undefined,
          tablesRead: [],
          tablesWritten: ['main.raw.a'],
          computeIds: [],
        });
        const writer = run({
          jobId: 'W',
          jobName: 'Mart builder',
          runId: '971',
          resultState: 'FAILED',
          startTime: started - 5 * MIN,
          endTime: started + 10 * MIN,
          tablesRead: ['main.raw.a'],
          tablesWritten: ['main.mart.w'],
          computeIds: [],
        });
        const sla = (table: string, job: string) =>
          tableSlaSchema.parse({
            workspaceId: WS,
            table,
            deadline: '06:00',
            timezone: 'UTC',
            upstreamJobIds: [job],
            lastRefreshedAt: DEADLINE - 25 * HOUR,
          });
        const [long] = detectDurationAnomalies([upstream], usual, thresholds(), started).signals;
        const [failed] = detectRunFailures([writer], started + 10 * MIN).signals;
        const riskAt = (table: string, job: string, r: typeof upstream, now: number) =>
          detectSlaBreaches([sla(table, job)], [r], now, { durations: usual, minHistoryRuns: 5 }).signals[0]!;
        const rawAtRisk = riskAt('main.raw.a', 'U', upstream, started + 20 * MIN);
        const martAtRisk = riskAt('main.mart.w', 'W', writer, started + 25 * MIN);
        expect([long?.kind, failed?.kind, rawAtRisk.kind, martAtRisk.kind]).toEqual([
          'duration_anomaly',
          'job_failed',
          'sla_at_risk',
          'sla_at_risk',
        ]);
        const { incidents } = feed([long!, failed!, rawAtRisk, martAtRisk], g);
        expect(incidents.map((i) => i.signals.map((x) => x.subject.name ?? x.subject.id))).toEqual([
          [long!.subject.name ?? long!.subject.id, 'main.raw.a'],
          [failed!.subject.name ?? failed!.subject.id, 'main.mart.w'],
        ]);
      });

      it('puts the SLA of a table its job also reads back with that job running long, not with a reader', () => {
        // B builds main.core.shipments and dedupes it in place (reads it back); it is running long. C
        // reads the table and fails on its own a few minutes before the SLA comes under risk.
        const g = buildDependencyGraph({
          jobs: [
            { jobId: 'B', tablesRead: ['main.core.shipments'], tablesWritten: ['main.core.shipments'] },
            { jobId: 'C', tablesRead: ['main.core.shipments'], tablesWritten: ['main.core.lanes'] },
          ],
        });
        const usual = past(`${WS}:B`, 40);
        const builder = run({
          jobId: 'B',
          jobName: 'Shipments build',
          runId: '980',
          lifeCycleState: 'RUNNING',
          resultState: undefined,
          startTime: started - 90 * MIN,
          endTime: undefined,
          tablesRead: ['main.core.shipments'],
          tablesWritten: ['main.core.shipments'],
          computeIds: [],
        });
        const reader = run({
          jobId: 'C',
          jobName: 'Lanes',
          runId: '981',
          resultState: 'FAILED',
          startTime: started + 5 * MIN,
          endTime: started + 15 * MIN,
          tablesRead: ['main.core.shipments'],
          tablesWritten: ['main.core.lanes'],
          computeIds: [],
        });
        const [long] = detectDurationAnomalies([builder], usual, thresholds(), started).signals;
        const [failed] = detectRunFailures([reader], started + 15 * MIN).signals;
        const shipmentsSla = tableSlaSchema.parse({
          workspaceId: WS,
          table: 'main.core.shipments',
          deadline: '06:00',
          timezone: 'UTC',
          upstreamJobIds: ['B'],
          lastRefreshedAt: DEADLINE - 25 * HOUR,
        });
        const [atRisk] = detectSlaBreaches([shipmentsSla], [builder], started + 20 * MIN, {
          durations: usual,
          minHistoryRuns: 5,
        }).signals;
        expect([long?.kind, failed?.kind, atRisk?.kind]).toEqual([
          'duration_anomaly',
          'job_failed',
          'sla_at_risk',
        ]);
        const { incidents } = feed([long!, failed!, atRisk!], g);
        expect(incidents.map((i) => i.signals.map((x) => x.kind))).toEqual([
          ['duration_anomaly', 'sla_at_risk'],
          ['job_failed'],
        ]);
      });

      it('keeps another run of the job, running long hours later, out of it: one run is one occurrence', () => {
        const [hung] = at(started + 31 * MIN).hung.signals;
        const nextRun = martRun('901', started + 2 * HOUR);
        const [long] = at(started + 2 * HOUR + 81 * MIN).long(nextRun).signals;
        expect(feed([hung!, long!], lineage).incidents).toHaveLength(2);
      });
    });

    it('keeps an idle warehouse out of the SLA incident of a table it serves', () => {
      const served = buildDependencyGraph({
        lineage: NIGHTLY_ORDERS_LINEAGE,
        jobs: [{ jobId: 'M', name: 'Revenue mart', computeIds: ['a1b2c3d4e5f60718'] }],
      });
      const { extract, sla } = cascade();
      const [idle] = detectWarehouseProblems(
        [
          warehouseObservationSchema.parse({
            workspaceId: WS,
            warehouseId: 'a1b2c3d4e5f60718',
            name: 'bi-prod',
            state: 'RUNNING',
            autoStopMins: 0,
            idleSince: DEADLINE - 2 * HOUR,
          }),
        ],
        thresholds(),
        DEADLINE + 10 * MIN,
      ).signals;
      expect(idle!.kind).toBe('warehouse_idle_no_autostop');
      const { incidents } = feed([extract, sla, idle!], served);
      expect(incidents).toHaveLength(2);
      expect(incidents[1]!.rootSignalId).toBe(idle!.id);
    });
  });

  describe("a team's spend and the compute that burnt it", () => {
    const WH = 'a1b2c3d4e5f60718';
    const OTHER_WH = 'ffffeeeeddddcccc';
    /** The platform team's cost anomaly for the hour from `hour`, its rise on `resource` ($60 on a usual $2). */
    const spendRise = (hour: number, resource: { type: 'warehouse' | 'job'; id: string } | null) => {
      const rows = Array.from({ length: 13 }, (_, i) => {
        const h = hour - (12 - i) * HOUR;
        const risen = h === hour;
        const on = resource === null ? [] : [{ ...resource, usd: risen ? 60 : 2 }];
        return costObservationSchema.parse({
          workspaceId: WS,
          team: 'platform',
          periodStart: h,
          granularity: 'hour',
          usd: 7 + (risen ? 60 : 2),
          resources: [...on, { type: 'job', id: 'nightly-maintenance', usd: 7 }],
        });
      });
      const [signal] = detectCostProblems(rows, [], thresholds(), hour + 40 * MIN).signals;
      expect(signal!.kind).toBe('cost_anomaly');
      return signal!;
    };
    const idleSince = DEADLINE - 3 * HOUR;
    const idle = (warehouseId = WH, since = idleSince) => {
      const [signal] = detectWarehouseProblems(
        [
          warehouseObservationSchema.parse({
            workspaceId: WS,
            warehouseId,
            name: 'bi-prod',
            state: 'RUNNING',
            autoStopMins: 0,
            idleSince: since,
          }),
        ],
        thresholds(),
        since + 2 * HOUR,
      ).signals;
      expect(signal!.kind).toBe('warehouse_idle_no_autostop');
      return signal!;
    };

    it('puts the rise on the warehouse left idle with auto-stop off, which stays the root cause', () => {
      const rise = spendRise(DEADLINE, { type: 'warehouse', id: WH });
      const { incidents, decisions } = feed([idle(), rise]);
      expect(incidents).toHaveLength(1);
      expect(decisions[1]).toMatchObject({ link: 'spent_on' });
      expect(incidents[0]!.rootSignalId).toBe(incidents[0]!.signals[0]!.id);
    });

    it('puts it there too when the spend is reported before the idling', () => {
      const rise = spendRise(DEADLINE, { type: 'warehouse', id: WH });
      const quiet = idle();
      const { incidents } = feed([rise, quiet]);
      expect(incidents).toHaveLength(1);
      expect(incidents[0]!.rootSignalId).toBe(quiet.id);
    });

    it('puts the rise on the runaway query running on that warehouse', () => {
      const [runaway] = detectRunawayQueries(
        [
          queryObservationSchema.parse({
            workspaceId: WS,
            statementId: '01ef8a7c-0000-4000-8000-000000000002',
            warehouseId: WH,
            state: 'RUNNING',
            startTime: DEADLINE - 2 * HOUR,
            durationMs: 2 * HOUR,
          }),
        ],
        thresholds(),
        DEADLINE,
      ).signals;
      const { incidents } = feed([runaway!, spendRise(DEADLINE, { type: 'warehouse', id: WH })]);
      expect(incidents).toHaveLength(1);
      expect(incidents[0]!.rootSignalId).toBe(runaway!.id);
    });

    it('puts the rise on the warehouse queueing at capacity, scaled up to drain its queue', () => {
      const [queueing] = detectWarehouseProblems(
        [
          warehouseObservationSchema.parse({
            workspaceId: WS,
            warehouseId: WH,
            name: 'bi-prod',
            state: 'RUNNING',
            autoStopMins: 10,
            queuedQueries: 25,
            runningQueries: 10,
          }),
        ],
        thresholds(),
        DEADLINE + MIN,
      ).signals;
      expect(queueing!.kind).toBe('warehouse_queueing');
      const { incidents } = feed([queueing!, spendRise(DEADLINE, { type: 'warehouse', id: WH })]);
      expect(incidents).toHaveLength(1);
      expect(incidents[0]!.rootSignalId).toBe(queueing!.id);
    });

    it('puts the rise on the job whose clusters launched wider, which stays the root cause', () => {
      // Ten hourly launches of 3 workers, then one of 12 right after a deploy that set 12.
      const wideAt = DEADLINE - 20 * MIN;
      const [widened] = detectClusterWidening(
        [
          jobClusterHistorySchema.parse({
            workspaceId: WS,
            jobId: 'features-hourly',
            team: 'platform',
            launches: Array.from({ length: 11 }, (_, i) => ({
              clusterId: `0${i}-000000-job`,
              createdAt: wideAt - (10 - i) * HOUR,
              workers: i === 10 ? 12 : 3,
              workerNodeType: 'r5.2xlarge',
            })),
            dailyUsd: [1, 2, 3].map((d) => ({ day: Date.UTC(2026, 10, 20 - d), usd: 40 })),
            settingsChanges: [{ at: wideAt - 10 * MIN }],
          }),
        ],
        thresholds(),
        wideAt + 5 * MIN,
      ).signals;
      expect(widened!.kind).toBe('cluster_widened');
      const { incidents, decisions } = feed([
        widened!,
        spendRise(DEADLINE, { type: 'job', id: 'features-hourly' }),
      ]);
      expect(incidents).toHaveLength(1);
      expect(decisions[1]).toMatchObject({ link: 'spent_on' });
      expect(incidents[0]!.rootSignalId).toBe(widened!.id);
      // A rise on another job of the team is not its doing.
      expect(feed([widened!, spendRise(DEADLINE, { type: 'job', id: 'other-job' })]).incidents).toHaveLength(
        2,
      );
    });

    it('keeps apart a rise on another warehouse, one a day after the idling began, and one it does not name', () => {
      expect(
        feed([idle(OTHER_WH), spendRise(DEADLINE, { type: 'warehouse', id: WH })]).incidents,
      ).toHaveLength(2);
      expect(
        feed([idle(WH, DEADLINE - 26 * HOUR), spendRise(DEADLINE, { type: 'warehouse', id: WH })]).incidents,
      ).toHaveLength(2);
      expect(feed([idle(), spendRise(DEADLINE, null)]).incidents).toHaveLength(2);
    });

    it("puts the team's rise on its job clusters launched wider than usual, which harm nothing downstream", () => {
      const widened = failedTaskSignal({
        source: 'system_tables',
        dedupKey: 'widened-platform',
        workspaceId: WS,
        kind: 'cluster_widened',
        severityHint: 'P3',
        occurredAt: DEADLINE + 20 * MIN,
        observedAt: DEADLINE + 80 * MIN,
        subject: { type: 'job', id: 'E', name: 'Nightly orders ETL' },
        refs: { team: 'platform', jobId: 'E' },
        error: undefined,
        classification: {
          category: 'config',
          transient: false,
          action: 'NOTIFY_OWNER',
          rule: 'cluster_widened',
        },
        metrics: { ratio: 5 },
      });
      const { incidents, decisions } = feed([spendRise(DEADLINE, { type: 'job', id: 'E' }), widened]);
      expect(incidents).toHaveLength(1);
      expect(decisions[1]).toMatchObject({ link: 'spent_on', summary: { blastRadius: { count: 0 } } });
      expect(incidents[0]!.rootSignalId).toBe(widened.id);
    });

    it("keeps a rise on a job out of that job's failure: spending more is not failing", () => {
      const failure = detectRunFailures(
        [run({ jobId: 'M', runId: '730', resultState: 'FAILED', endTime: DEADLINE + 10 * MIN })],
        DEADLINE + 10 * MIN,
      ).signals[0]!;
      const rise = spendRise(DEADLINE, { type: 'job', id: 'M' });
      expect(rise.refs.jobId).toBe('M');
      expect(feed([failure, rise]).incidents).toHaveLength(2);
      expect(feed([rise, failure]).incidents).toHaveLength(2);
    });
  });

  it('decides quickly among 500 open incidents', () => {
    const { extract } = cascade();
    const open: OpenIncidentView[] = Array.from({ length: 500 }, (_, i) => {
      const s = detectRunFailures(
        [
          run({
            jobId: `J${i}`,
            runId: `${i}`,
            resultState: 'FAILED',
            endTime: extract.occurredAt,
            computeIds: [`c-${i}`],
          }),
        ],
        extract.occurredAt,
      ).signals[0]!;
      return { id: `inc_${String(i).padStart(6, '0')}`, workspaceId: WS, rootSignalId: s.id, signals: [s] };
    });
    const started = performance.now();
    const d = correlate(signalFootprint(extract), open, graph, OPTIONS, extract.observedAt);
    expect('open' in d).toBe(true);
    // A guard against quadratic blow-ups, not a benchmark.
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});

describe('summariseIncident names the team to ask', () => {
  const zeroRows = (table: string, writer: { jobId?: string; taskKey?: string } = {}) =>
    zeroRowsOf(table, writer, DEADLINE);

  it('gives a table that loaded no rows the team of the job that wrote it', () => {
    const zero = zeroRows('main.sales.orders', { jobId: 'E', taskKey: 'load' });
    expect(zero?.kind).toBe('zero_rows');
    expect(summariseIncident([zero!], graph).team).toBe('data-eng');
  });

  it('falls back to the table’s own team when the load names no job', () => {
    const tableOwned = buildDependencyGraph({ tableTeams: { 'main.sales.returns': 'returns-team' } });
    const zero = zeroRows('main.sales.returns');
    expect(summariseIncident([zero!], tableOwned).team).toBe('returns-team');
  });

  it('gives a runaway query the team of the warehouse it runs on, or of the job that issued it', () => {
    const now = DEADLINE;
    const adhoc = warehouseObservationSchema.parse({
      workspaceId: WS,
      warehouseId: '1a2b3c4d5e6f7a8b',
      name: 'adhoc',
      state: 'RUNNING',
      autoStopMins: 10,
      team: 'analytics',
    });
    const query = (overrides: Record<string, unknown>) =>
      queryObservationSchema.parse({
        workspaceId: WS,
        statementId: 'q1',
        warehouseId: '1a2b3c4d5e6f7a8b',
        user: 'mei@example.com',
        state: 'RUNNING',
        startTime: now - 40 * MIN,
        durationMs: 40 * MIN,
        ...overrides,
      });
    const [onWarehouse] = detectRunawayQueries([query({})], thresholds(), now, {
      warehouses: [adhoc],
    }).signals;
    expect(summariseIncident([onWarehouse!], graph)).toMatchObject({
      team: 'analytics',
      owner: 'mei@example.com',
    });
    const [fromJob] = detectRunawayQueries(
      [query({ warehouseId: undefined, jobId: 'M' })],
      thresholds(),
      now,
    ).signals;
    expect(summariseIncident([fromJob!], graph).team).toBe('finance');
  });
});

/** The revenue mart's table written by job M every `every` ms up to `last`, told overdue at `now`. */
function overdueMart(last: number, every: number, now: number): Signal {
  const key = rowCountKey({
    workspaceId: WS,
    table: 'main.mart.daily_revenue',
    jobId: 'M',
    taskKey: 'build',
  });
  const samples = [6, 5, 4, 3, 2, 1, 0].map((k) => [`r${k}`, last - k * every, 1000] as const);
  const [signal] = detectOverdueTables({ [key]: { samples } }, [], now).signals;
  if (signal === undefined) throw new Error('not overdue');
  return signal;
}

describe('correlate: a table overdue', () => {
  it('joins the incident of the failure upstream that held it back, as a consequence of it', () => {
    const { extract } = cascade();
    // Written daily at 00:00, last the day before: overdue from 06:00, after the 03:00 timeout.
    const overdue = overdueMart(DEADLINE - 30 * HOUR, 24 * HOUR, DEADLINE + 5 * MIN);
    const { incidents, decisions } = feed([extract, overdue]);
    expect(incidents).toHaveLength(1);
    expect(decisions[1]).toMatchObject({ join: incidents[0]!.id, link: 'downstream' });
    expect(incidents[0]!.rootSignalId).toBe(extract.id);
  });

  it('is not explained by a failure its table was written after', () => {
    const { extract } = cascade();
    // Written hourly, last at 04:00, an hour after the timeout upstream: something else stopped it.
    const overdue = overdueMart(DEADLINE - 2 * HOUR, HOUR, DEADLINE);
    const { decisions } = feed([extract, overdue]);
    expect('open' in decisions[1]!).toBe(true);
  });
});
