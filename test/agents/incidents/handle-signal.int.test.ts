import { signalFootprint } from '../../../src/agents/correlator/signal-footprint.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDependencyGraph } from '../../../src/agents/correlator/build-dependency-graph.js';
import { correlate } from '../../../src/agents/correlator/correlate.js';
import { DependencyGraph } from '../../../src/agents/correlator/dependency-graph.js';
import { signalLinkKeys } from '../../../src/agents/correlator/link-keys.js';
import { detectRunFailures } from '../../../src/agents/detector/detect-run-failures.js';
import { detectSlaBreaches } from '../../../src/agents/detector/detect-sla.js';
import { detectRowCountAnomalies } from '../../../src/agents/detector/detect-row-counts.js';
import { detectCostProblems } from '../../../src/agents/detector/detect-cost.js';
import { detectWarehouseProblems } from '../../../src/agents/detector/detect-warehouses.js';
import {
  costObservationSchema,
  tableLoadObservationSchema,
  tableSlaSchema,
  warehouseObservationSchema,
} from '../../../src/agents/detector/observations.js';
import {
  cardToUpdate,
  type HandleSignalDeps,
  handleSignal,
  incidentIdOf,
  retriageIncident,
} from '../../../src/agents/incidents/handle-signal.js';
import { defaultPolicy } from '../../../src/config/policy.js';
import { ManualClock } from '../../../src/domain/clock.js';
import type { Signal } from '../../../src/domain/signal.js';
import { openStore, type Store } from '../../../src/store/open-store.js';
import { createRepositories, type Repositories } from '../../../src/store/repositories.js';
import { HOUR, run, task, thresholds, WS } from '../detector/observation-factory.js';
import { NIGHTLY_ORDERS_LINEAGE } from '../correlator/nightly-orders-lineage.js';

const DEADLINE = Date.UTC(2026, 10, 20, 6, 0);
const graph = buildDependencyGraph({
  lineage: NIGHTLY_ORDERS_LINEAGE,
  jobs: [
    { jobId: 'E', name: 'Nightly orders ETL', team: 'data-eng' },
    { jobId: 'M', name: 'Revenue mart', team: 'finance' },
    { jobId: 'X', name: 'Clickstream sessionizer', team: 'web' },
  ],
});

function failures(runInput: Parameters<typeof run>[0], now: number): Signal[] {
  // Each job its own tables and compute unless a test links them.
  const own = { tablesRead: [], tablesWritten: [], computeIds: [`cluster-${runInput?.jobId}`] };
  return detectRunFailures([run({ ...own, ...runInput })], now).signals;
}

let store: Store;
let repos: Repositories;
const clock = new ManualClock(DEADLINE - 3 * HOUR);
let deps: HandleSignalDeps;
let criticality: string[] = [];

beforeAll(async () => {
  store = await openStore({ dataDir: 'memory://' });
  repos = createRepositories(store.db);
  deps = {
    incidents: repos.incidents,
    recurring: repos.recurringIssues,
    graph: () => graph,
    criticality: () => criticality,
    policy: defaultPolicy(),
    clock,
  };
});
afterAll(async () => {
  await store?.close();
});

/**
 * A fresh in-memory store with handleSignal's deps over it, its clock at `startMs`, on the default
 * policy with `overrides` of its thresholds: for tests that must start from no incidents at all.
 */
async function freshStore(
  startMs: number,
  overrides: Partial<ReturnType<typeof defaultPolicy>['thresholds']> = {},
) {
  const store = await openStore({ dataDir: 'memory://' });
  const repos = createRepositories(store.db);
  const clock = new ManualClock(startMs);
  const policy = defaultPolicy();
  const deps: HandleSignalDeps = {
    incidents: repos.incidents,
    recurring: repos.recurringIssues,
    graph: () => graph,
    criticality: () => [],
    policy: { ...policy, thresholds: { ...policy.thresholds, ...overrides } },
    clock,
  };
  return { store, repos, clock, deps };
}

/** What verification writes when a fix recovered an incident, at `at`. */
function recoveredEntry(incidentId: string, at: number, action: string, summary: string) {
  return {
    incidentId,
    at,
    phase: 'VERIFY' as const,
    summary,
    data: { kind: 'remediation_outcome', attemptId: 'att_1', action, state: 'recovered' },
    dedupKey: 'remediation:att_1:outcome',
  };
}

describe('handleSignal', () => {
  const extract = () =>
    failures(
      {
        jobId: 'E',
        jobName: 'Nightly orders ETL',
        runId: '100',
        tablesRead: ['main.raw.orders'],
        tablesWritten: ['main.sales.orders'],
        resultState: 'TIMEDOUT',
        startTime: DEADLINE - 4 * HOUR,
        endTime: DEADLINE - 3 * HOUR,
        tasks: [
          task('extract', '101', { resultState: 'TIMEDOUT', endTime: DEADLINE - 3 * HOUR }),
          task('load', '103', {
            resultState: 'UPSTREAM_FAILED',
            dependsOn: ['extract'],
            endTime: DEADLINE - 3 * HOUR,
          }),
        ],
      },
      DEADLINE - 3 * HOUR,
    );

  it('opens one incident for a failure, with a timeline, and ignores the same signal again', async () => {
    const signals = extract();
    expect(signals.length).toBeGreaterThan(0);
    const first = await handleSignal(deps, signals[0]!);
    expect(first.kind).toBe('opened');
    if (first.kind !== 'opened') return;
    expect(first.incident.title).toMatch(/Nightly orders ETL/);
    const again = await handleSignal(deps, signals[0]!);
    expect(again).toEqual({ kind: 'duplicate', incidentId: first.incident.id });
    const timeline = await repos.incidents.timeline(first.incident.id);
    expect(timeline.map((e) => e.phase)).toContain('DISCOVER');
    expect(timeline.filter((e) => e.phase === 'DISCOVER')).toHaveLength(1);
  });

  it('joins the skipped task and the missed SLA downstream to the open incident, bumping its version', async () => {
    const [root, ...rest] = extract();
    const before = (await repos.incidents.listOpen({ workspaceId: WS }))[0]!;
    for (const s of rest) expect((await handleSignal(deps, s)).kind).toBe('joined');
    clock.set(DEADLINE + 5 * 60_000);
    const sla = detectSlaBreaches(
      [
        tableSlaSchema.parse({
          workspaceId: WS,
          table: 'main.mart.daily_revenue',
          deadline: '06:00',
          timezone: 'UTC',
          upstreamJobIds: ['M'],
        }),
      ],
      [],
      clock.now(),
    ).signals;
    expect(sla.length).toBeGreaterThan(0);
    const joined = await handleSignal(deps, sla[0]!);
    expect(joined.kind).toBe('joined');
    const open = await repos.incidents.listOpen({ workspaceId: WS });
    expect(open).toHaveLength(1);
    expect(open[0]!.rootCauseSignalId).toBe(root!.id);
    expect(open[0]!.version).toBeGreaterThan(before.version);
  });

  it('opens a second incident for an unrelated failure', async () => {
    const other = failures(
      {
        jobId: 'X',
        jobName: 'Clickstream sessionizer',
        runId: '900',
        resultState: 'FAILED',
        startTime: clock.now() - HOUR,
        endTime: clock.now(),
        tasks: [
          task('sessionize', '901', {
            resultState: 'FAILED',
            errorMessage: 'java.lang.OutOfMemoryError: Java heap space',
            endTime: clock.now(),
          }),
        ],
      },
      clock.now(),
    );
    const outcome = await handleSignal(deps, other[0]!);
    expect(outcome.kind).toBe('opened');
    expect(await repos.incidents.listOpen({ workspaceId: WS })).toHaveLength(2);
  });

  it('makes financial-critical data a P1', async () => {
    criticality = ['financial-critical'];
    clock.advance(3 * HOUR);
    const s = failures(
      {
        jobId: 'F',
        jobName: 'GL close',
        runId: '700',
        resultState: 'FAILED',
        startTime: clock.now() - HOUR,
        endTime: clock.now(),
        tasks: [task('close', '701', { resultState: 'FAILED', errorMessage: 'boom', endTime: clock.now() })],
      },
      clock.now(),
    );
    const outcome = await handleSignal(deps, s[0]!);
    criticality = [];
    expect(outcome.kind === 'opened' && outcome.incident.severity).toBe('P1');
  });

  it('raises the severity of an SLA at risk as its deadline nears', async () => {
    clock.set(DEADLINE + 24 * HOUR - 50 * 60_000);
    const signals = detectSlaBreaches(
      [
        tableSlaSchema.parse({
          workspaceId: WS,
          table: 'main.mart.weekly',
          deadline: '06:00',
          timezone: 'UTC',
          upstreamJobIds: ['Q'],
          lastRefreshedAt: DEADLINE - 3 * HOUR,
        }),
      ],
      [
        run({
          jobId: 'Q',
          jobName: 'Weekly mart',
          runId: '800',
          tablesRead: [],
          tablesWritten: [],
          computeIds: [],
          startTime: clock.now() - 90 * 60_000,
          resultState: 'FAILED',
          endTime: clock.now() - 60 * 60_000,
          tasks: [],
        }),
      ],
      clock.now(),
    ).signals;
    expect(signals.map((x) => x.kind)).toEqual(['sla_at_risk']);
    const opened = await handleSignal(deps, signals[0]!);
    if (opened.kind !== 'opened') throw new Error(`expected a new incident, got ${opened.kind}`);
    expect(opened.incident.severity).toBe('P2');
    clock.set(DEADLINE + 24 * HOUR - 10 * 60_000);
    const raised = await retriageIncident(deps, opened.incident);
    expect(raised?.severity).toBe('P1');
  });

  it('gives three successful zero-row loads in a row the severity of the SLA downstream, and no page as its deadline nears', async () => {
    const deadline = DEADLINE + 2 * 24 * HOUR;
    clock.set(deadline - 4 * HOUR);
    const mart = tableSlaSchema.parse({
      workspaceId: WS,
      table: 'main.mart.daily_stock',
      deadline: '06:00',
      timezone: 'UTC',
      upstreamJobIds: ['S'],
    });
    // Three nights of stock, then three empty loads in a row.
    const loads = [6, 5, 4, 3, 2, 1].map((daysAgo, i) =>
      tableLoadObservationSchema.parse({
        workspaceId: WS,
        table: 'main.raw.stock',
        jobId: 'S',
        runId: `s${i}`,
        rowsWritten: daysAgo > 3 ? 5_000 : 0,
        loadedAt: clock.now() - (daysAgo - 1) * 24 * HOUR,
      }),
    );
    const [zero] = detectRowCountAnomalies(loads, {}, defaultPolicy().thresholds, clock.now(), [
      mart,
    ]).signals;
    expect(zero?.kind).toBe('zero_rows');
    const opened = await handleSignal(deps, zero!);
    if (opened.kind !== 'opened') throw new Error(`expected a new incident, got ${opened.kind}`);
    // Four hours before the deadline someone is told (P3). The loads succeed, so the SLA's table is not
    // late: the deadline nearing raises nothing (a stale table would say so with an SLA signal of its own).
    expect(opened.incident).toMatchObject({ severity: 'P3', slaDeadline: deadline });
    clock.set(deadline - 20 * 60_000);
    expect(await retriageIncident(deps, opened.incident)).toBeNull();
  });
});

describe('handleSignal: a problem upstream of a missed SLA, hours after the miss', () => {
  it('opens its own incident for empty loads upstream of the table whose SLA the night missed, at its own severity', async () => {
    const { store: own, deps: d, clock: c } = await freshStore(DEADLINE - 3 * HOUR);
    try {
      // 03:00: the revenue mart fails; at 06:00 its table misses the SLA, and the incident pages P1.
      const at = DEADLINE - 3 * HOUR;
      const [mart] = failures(
        {
          jobId: 'M',
          jobName: 'Revenue mart',
          runId: '950',
          tablesRead: ['main.sales.orders'],
          tablesWritten: ['main.mart.daily_revenue'],
          resultState: 'FAILED',
          startTime: at - 10 * 60_000,
          endTime: at,
          tasks: [task('build', '9501', { resultState: 'FAILED', endTime: at })],
        },
        at,
      );
      const night = await handleSignal(d, mart!);
      if (night.kind !== 'opened') throw new Error(`expected an incident, got ${night.kind}`);
      c.set(DEADLINE + 5 * 60_000);
      const sla = tableSlaSchema.parse({
        workspaceId: WS,
        table: 'main.mart.daily_revenue',
        deadline: '06:00',
        timezone: 'UTC',
        upstreamJobIds: ['E', 'M'],
      });
      const [missed] = detectSlaBreaches([sla], [], c.now()).signals;
      expect(await handleSignal(d, missed!)).toMatchObject({ kind: 'joined' });
      expect((await d.incidents.get(night.incident.id))?.severity).toBe('P1');
      // Noon: the orders ETL, upstream of the mart, has loaded no rows three hours in a row. Linked by
      // lineage to the missed table and within the consequence horizon, but six hours after the miss.
      c.set(DEADLINE + 6 * HOUR);
      const loads = [6, 5, 4, 3, 2, 1].map((hoursAgo, i) =>
        tableLoadObservationSchema.parse({
          workspaceId: WS,
          table: 'main.sales.orders',
          jobId: 'E',
          runId: `e${i}`,
          rowsWritten: hoursAgo > 3 ? 800 : 0,
          loadedAt: c.now() - (hoursAgo - 1) * HOUR,
        }),
      );
      const [zero] = detectRowCountAnomalies(loads, {}, defaultPolicy().thresholds, c.now(), [sla]).signals;
      expect(zero?.kind).toBe('zero_rows');
      const noon = await handleSignal(d, zero!);
      if (noon.kind !== 'opened') throw new Error(`expected its own incident, got ${noon.kind}`);
      expect(noon.incident.title).toContain('main.sales.orders');
      // The next deadline is 18 hours away: someone is told, nobody is paged.
      expect(noon.incident.severity).toBe('P3');
      expect(await d.incidents.listOpen({ workspaceId: WS })).toHaveLength(2);
    } finally {
      await own.close();
    }
  });
});

describe('handleSignal among many open incidents', () => {
  const MIN = 60_000;
  const at = DEADLINE - 3 * HOUR;

  /** The nightly extract of job E timing out in workspace `workspaceId`. */
  const extractIn = (workspaceId: string) =>
    failures(
      {
        workspaceId,
        jobId: 'E',
        jobName: 'Nightly orders ETL',
        runId: '100',
        resultState: 'TIMEDOUT',
        startTime: at - HOUR,
        endTime: at,
        tasks: [task('extract', '101', { resultState: 'TIMEDOUT', endTime: at })],
      },
      at,
    )[0]!;

  /** The revenue mart (job M, downstream of E by lineage) failing ten minutes later. */
  const martIn = (workspaceId: string, refs: Partial<Parameters<typeof run>[0]> = {}) =>
    failures(
      {
        workspaceId,
        jobId: 'M',
        jobName: 'Revenue mart',
        runId: '200',
        resultState: 'FAILED',
        startTime: at,
        endTime: at + 10 * MIN,
        tasks: [
          task('aggregate', '201', {
            resultState: 'FAILED',
            errorMessage: 'Table main.sales.orders has no rows for 2026-11-20',
            endTime: at + 10 * MIN,
          }),
        ],
        ...refs,
      },
      at + 10 * MIN,
    )[0]!;

  /** Opens `count` incidents for unrelated jobs (each its own cluster, no tables), more severe and newer. */
  async function openUnrelated(workspaceId: string, count: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      const s = failures(
        {
          workspaceId,
          jobId: `U${i}`,
          jobName: `Unrelated ${i}`,
          runId: `9${i}`,
          resultState: 'FAILED',
          startTime: at,
          endTime: at + MIN,
          tasks: [
            task('t', `8${i}`, { resultState: 'FAILED', errorMessage: `boom ${i}`, endTime: at + MIN }),
          ],
        },
        at + MIN,
      )[0]!;
      const d = correlate(signalFootprint(s), [], graph, { windowMinutes: 30 }, at + MIN);
      if (!('open' in d)) throw new Error('expected a new incident');
      const opened = await repos.incidents.open({ ...d.open, severity: 'P1', openedAt: at + MIN + i });
      if (!opened.ok) throw new Error(opened.userMessage);
      await repos.incidents.attachSignal(opened.value.incident.id, s, at + MIN, signalLinkKeys(s));
    }
  }

  it('joins the right incident while 600 unrelated incidents are open', async () => {
    const workspaceId = '2000000000000600';
    const time = new ManualClock(at);
    const local: HandleSignalDeps = { ...deps, clock: time };
    const extract = extractIn(workspaceId);
    const first = await handleSignal(local, extract);
    if (first.kind !== 'opened') throw new Error(`expected a new incident, got ${first.kind}`);
    await openUnrelated(workspaceId, 600);
    // The 500 most severe and newest open incidents (what correlation used to read) leave it out.
    const newest = await repos.incidents.listOpen({ workspaceId, limit: 500 });
    expect(newest.map((i) => i.id)).not.toContain(first.incident.id);

    time.advance(10 * MIN);
    const mart = martIn(workspaceId);
    const outcome = await handleSignal(local, mart);
    expect(outcome).toMatchObject({ kind: 'joined', incident: { id: first.incident.id } });
    expect((await repos.incidents.listSignals(first.incident.id)).map((s) => s.id)).toEqual([
      extract.id,
      mart.id,
    ]);
    expect(await repos.incidents.listOpen({ workspaceId, limit: 1_000 })).toHaveLength(601);
  });

  it('joins a signal to an incident found only through its run’s tables', async () => {
    const workspaceId = '2000000000000601';
    // Lineage has not seen either job yet: only the runs say E wrote sales.orders and M read it.
    const time = new ManualClock(at);
    const local: HandleSignalDeps = { ...deps, graph: () => new DependencyGraph(), clock: time };
    const extract = failures(
      {
        workspaceId,
        jobId: 'E',
        runId: '100',
        resultState: 'FAILED',
        endTime: at,
        tablesWritten: ['main.sales.orders'],
        tasks: [task('extract', '101', { resultState: 'FAILED', errorMessage: 'boom', endTime: at })],
      },
      at,
    )[0]!;
    const first = await handleSignal(local, extract);
    if (first.kind !== 'opened') throw new Error(`expected a new incident, got ${first.kind}`);
    await openUnrelated(workspaceId, 20);
    time.advance(10 * MIN);
    const outcome = await handleSignal(local, martIn(workspaceId, { tablesRead: ['main.sales.orders'] }));
    expect(outcome).toMatchObject({ kind: 'joined', incident: { id: first.incident.id } });
  });

  it('treats a redelivered signal as a duplicate of its incident and changes nothing', async () => {
    const workspaceId = '2000000000000602';
    const time = new ManualClock(at);
    const local: HandleSignalDeps = { ...deps, clock: time };
    const first = await handleSignal(local, extractIn(workspaceId));
    if (first.kind !== 'opened') throw new Error(`expected a new incident, got ${first.kind}`);
    await openUnrelated(workspaceId, 20);
    time.advance(10 * MIN);
    const mart = martIn(workspaceId);
    expect((await handleSignal(local, mart)).kind).toBe('joined');
    const before = await repos.incidents.get(first.incident.id);
    const timeline = await repos.incidents.timeline(first.incident.id);

    time.advance(MIN);
    expect(await handleSignal(local, mart)).toEqual({ kind: 'duplicate', incidentId: first.incident.id });
    expect(await repos.incidents.get(first.incident.id)).toEqual(before);
    expect(await repos.incidents.timeline(first.incident.id)).toEqual(timeline);
    expect(await repos.incidents.listSignals(first.incident.id)).toHaveLength(2);
    expect(await repos.incidents.listOpen({ workspaceId })).toHaveLength(21);
  });

  it('opens no incident for a signal redelivered after the incident it joined was resolved', async () => {
    const workspaceId = '2000000000000603';
    const time = new ManualClock(at);
    const local: HandleSignalDeps = { ...deps, clock: time };
    const first = await handleSignal(local, extractIn(workspaceId));
    if (first.kind !== 'opened') throw new Error(`expected a new incident, got ${first.kind}`);
    time.advance(10 * MIN);
    const mart = martIn(workspaceId);
    expect((await handleSignal(local, mart)).kind).toBe('joined');
    time.advance(HOUR);
    await repos.incidents.applyEvent(first.incident.id, { type: 'resolve', actor: 'U1' }, time.now());

    // A detector that judges a window again hands out the same signal (same id) once more.
    time.advance(MIN);
    expect(await handleSignal(local, mart)).toEqual({ kind: 'duplicate', incidentId: first.incident.id });
    expect(await repos.incidents.listOpen({ workspaceId })).toEqual([]);
    expect(await repos.incidents.listSignals(first.incident.id)).toHaveLength(2);
  });
});

describe('handleSignal with thresholds.correlation_window_minutes', () => {
  const T = DEADLINE - 6 * HOUR;
  const failure = (jobId: string, runId: string, at: number, errorMessage: string, io: object) =>
    failures(
      {
        jobId,
        jobName: `job ${jobId}`,
        runId,
        ...io,
        resultState: 'FAILED',
        startTime: at - 10 * 60_000,
        endTime: at,
        tasks: [task('main', `${runId}1`, { resultState: 'FAILED', errorMessage, endTime: at })],
      },
      at,
    )[0]!;
  // The ETL fails; the mart that reads its table fails on its own 45 minutes later.
  const etl = failure('E', '500', T, 'java.lang.OutOfMemoryError: Java heap space', {
    tablesWritten: ['main.sales.orders'],
  });
  const mart = failure('M', '600', T + 45 * 60_000, 'ConnectException: Connection refused', {
    tablesRead: ['main.sales.orders'],
  });

  async function incidentsFor(windowMinutes: number): Promise<number> {
    const own = await openStore({ dataDir: 'memory://' });
    try {
      const policy = defaultPolicy();
      const ownDeps: HandleSignalDeps = {
        incidents: createRepositories(own.db).incidents,
        recurring: createRepositories(own.db).recurringIssues,
        graph: () => graph,
        criticality: () => [],
        policy: {
          ...policy,
          thresholds: { ...policy.thresholds, correlation_window_minutes: windowMinutes },
        },
        clock: new ManualClock(T + HOUR),
      };
      await handleSignal(ownDeps, etl);
      await handleSignal(ownDeps, mart);
      return (await ownDeps.incidents.listOpen({ workspaceId: WS })).length;
    } finally {
      await own.close();
    }
  }

  it('keeps a related failure 45 minutes later apart at 30 minutes, and joins it at 60', async () => {
    expect(await incidentsFor(30)).toBe(2);
    expect(await incidentsFor(60)).toBe(1);
  });
});

describe('handleSignal with thresholds.reopen_window_minutes: a problem that comes back after its fix', () => {
  const T = DEADLINE - 12 * HOUR;
  const MINUTE = 60_000;
  // The same job failing the same way, run after run: one fingerprint.
  const oom = (runId: string, at: number) =>
    failures(
      {
        jobId: 'E',
        jobName: 'Nightly orders ETL',
        runId,
        resultState: 'FAILED',
        startTime: at - 10 * MINUTE,
        endTime: at,
        tasks: [
          task('main', `${runId}1`, {
            resultState: 'FAILED',
            errorMessage: 'java.lang.OutOfMemoryError: Java heap space',
            endTime: at,
          }),
        ],
      },
      at,
    )[0]!;

  /**
   * A fresh store; the first failure opened and then resolved by a rerun verified as recovered, or by a
   * person.
   */
  async function fixedIncident(options: { reopenWindowMinutes?: number; resolvedBy?: string } = {}) {
    const { reopenWindowMinutes, resolvedBy } = options;
    const {
      store: own,
      repos: ownRepos,
      clock: ownClock,
      deps: ownDeps,
    } = await freshStore(
      T,
      reopenWindowMinutes === undefined ? {} : { reopen_window_minutes: reopenWindowMinutes },
    );
    const first = await handleSignal(ownDeps, oom('700', T));
    if (first.kind !== 'opened') throw new Error(`expected an incident, got ${first.kind}`);
    const fixedAt = T + 20 * MINUTE;
    if (resolvedBy === undefined) {
      await ownRepos.incidents.addTimelineEntry(
        recoveredEntry(
          first.incident.id,
          fixedAt,
          'rerun',
          'Verified: recovered — Rerun the job, attempt 1: the run succeeded',
        ),
      );
    }
    await ownRepos.incidents.applyEvent(
      first.incident.id,
      { type: 'resolve', actor: resolvedBy ?? 'dbxops' },
      fixedAt,
    );
    return { own, deps: ownDeps, clock: ownClock, incidentId: first.incident.id, fixedAt };
  }

  it('reopens the incident, says the fix did not hold, and updates its card instead of posting another', async () => {
    const { own, deps: d, clock: c, incidentId, fixedAt } = await fixedIncident();
    try {
      const again = fixedAt + 66 * MINUTE;
      c.set(again + MINUTE);
      const outcome = await handleSignal(d, oom('701', again));
      expect(outcome.kind).toBe('joined');
      expect(incidentIdOf(outcome)).toBe(incidentId);
      expect(cardToUpdate(outcome, d.policy)?.id).toBe(incidentId);
      expect((await d.incidents.get(incidentId))?.state).toBe('open');
      expect(await d.incidents.listOpen({ workspaceId: WS })).toHaveLength(1);
      const said = (await d.incidents.timeline(incidentId)).map((e) => e.summary);
      expect(said).toContainEqual(
        expect.stringMatching(/^Came back after the fix "Rerun the job", 66 min after it was resolved/),
      );
    } finally {
      await own.close();
    }
  });

  it('reopens it too when the same kind of problem on the same subject is worded or classified differently', async () => {
    const { own, deps: d, incidentId, fixedAt } = await fixedIncident();
    try {
      const [other] = failures(
        {
          jobId: 'E',
          jobName: 'Nightly orders ETL',
          runId: '702',
          resultState: 'FAILED',
          startTime: fixedAt,
          endTime: fixedAt + 40 * MINUTE,
          tasks: [
            task('main', '7021', {
              resultState: 'FAILED',
              errorMessage: 'ExecutorLostFailure: Container killed by YARN for exceeding memory limits',
              endTime: fixedAt + 40 * MINUTE,
            }),
          ],
        },
        fixedAt + 40 * MINUTE,
      );
      expect(incidentIdOf(await handleSignal(d, other!))).toBe(incidentId);
      expect((await d.incidents.get(incidentId))?.state).toBe('open');
    } finally {
      await own.close();
    }
  });

  it('names who resolved it when no remediation was verified', async () => {
    const { own, deps: d, incidentId, fixedAt } = await fixedIncident({ resolvedBy: 'alice' });
    try {
      await handleSignal(d, oom('701', fixedAt + 30 * MINUTE));
      const said = (await d.incidents.timeline(incidentId)).map((e) => e.summary);
      expect(said).toContainEqual(
        expect.stringMatching(/^Came back after it was resolved by alice, 30 min after/),
      );
    } finally {
      await own.close();
    }
  });

  it('opens a new incident when the same failure comes back the next night', async () => {
    const { own, deps: d, clock: c, incidentId } = await fixedIncident();
    try {
      const nextNight = T + 24 * HOUR;
      c.set(nextNight + MINUTE);
      const outcome = await handleSignal(d, oom('800', nextNight));
      expect(outcome.kind).toBe('opened');
      expect(incidentIdOf(outcome)).not.toBe(incidentId);
      expect((await d.incidents.get(incidentId))?.state).toBe('resolved');
    } finally {
      await own.close();
    }
  });

  it('opens a new incident 66 minutes after the fix when the window is 30 minutes, or 0', async () => {
    for (const window of [30, 0]) {
      const {
        own,
        deps: d,
        clock: c,
        incidentId,
        fixedAt,
      } = await fixedIncident({ reopenWindowMinutes: window });
      try {
        c.set(fixedAt + 67 * MINUTE);
        const outcome = await handleSignal(d, oom('701', fixedAt + 66 * MINUTE));
        expect(outcome.kind).toBe('opened');
        expect((await d.incidents.get(incidentId))?.state).toBe('resolved');
      } finally {
        await own.close();
      }
    }
  });
});

describe('handleSignal with thresholds.reopen_window_minutes: what follows from an incident after its fix', () => {
  const MINUTE = 60_000;
  const WH = 'a1b2c3d4e5f60718';
  /** The storm: dashboards queue on the one-cluster warehouse from 09:00. */
  const STORM = DEADLINE + 3 * HOUR;
  const queueing = (at: number, clusters: number, maxClusters = clusters) => {
    const [signal] = detectWarehouseProblems(
      [
        warehouseObservationSchema.parse({
          workspaceId: WS,
          warehouseId: WH,
          name: 'bi_dashboards',
          state: 'RUNNING',
          autoStopMins: 10,
          numClusters: clusters,
          maxNumClusters: maxClusters,
          queuedQueries: 14,
          runningQueries: 12,
        }),
      ],
      thresholds(),
      at,
    ).signals;
    if (signal?.kind !== 'warehouse_queueing') throw new Error('expected the warehouse to be queueing');
    return signal;
  };
  /** The platform team's spend for the hour from `hour`, risen on the warehouse, billed 50 minutes later. */
  const spendRise = (hour: number) => {
    const rows = Array.from({ length: 13 }, (_, i) => {
      const h = hour - (12 - i) * HOUR;
      const usd = h === hour ? 60 : 2;
      return costObservationSchema.parse({
        workspaceId: WS,
        team: 'platform',
        periodStart: h,
        granularity: 'hour',
        usd: 7 + usd,
        resources: [
          { type: 'warehouse', id: WH, usd },
          { type: 'job', id: 'nightly-maintenance', usd: 7 },
        ],
      });
    });
    const [signal] = detectCostProblems(rows, [], thresholds(), hour + 50 * MINUTE).signals;
    if (signal?.kind !== 'cost_anomaly') throw new Error('expected a cost anomaly');
    return signal;
  };

  /** A fresh store, with the storm's incident opened and resolved by a scale-up verified as recovered. */
  async function stormFixed(reopenWindowMinutes?: number) {
    const {
      store: own,
      repos: ownRepos,
      clock: ownClock,
      deps: ownDeps,
    } = await freshStore(
      STORM + MINUTE,
      reopenWindowMinutes === undefined ? {} : { reopen_window_minutes: reopenWindowMinutes },
    );
    const storm = await handleSignal(ownDeps, queueing(STORM + MINUTE, 1));
    if (storm.kind !== 'opened') throw new Error(`expected an incident, got ${storm.kind}`);
    const fixedAt = STORM + 3 * MINUTE;
    await ownRepos.incidents.addTimelineEntry(
      recoveredEntry(
        storm.incident.id,
        fixedAt,
        'scale_warehouse',
        'Verified: recovered — Scale the warehouse, attempt 1: the warehouse is RUNNING at Large',
      ),
    );
    await ownRepos.incidents.applyEvent(storm.incident.id, { type: 'resolve', actor: 'dbxops' }, fixedAt);
    return { own, deps: ownDeps, clock: ownClock, incidentId: storm.incident.id };
  }

  it("reopens the storm's incident for the spend of that hour, billed after the scale-up resolved it, instead of posting a second card", async () => {
    const { own, deps: d, clock: c, incidentId } = await stormFixed();
    try {
      c.set(STORM + 51 * MINUTE);
      const outcome = await handleSignal(d, spendRise(STORM));
      expect(outcome.kind).toBe('joined');
      expect(incidentIdOf(outcome)).toBe(incidentId);
      expect(cardToUpdate(outcome, d.policy)?.id).toBe(incidentId);
      const incident = await d.incidents.get(incidentId);
      expect(incident?.state).toBe('open');
      expect(incident?.title).toMatch(/bi_dashboards is queueing/);
      expect(await d.incidents.listOpen({ workspaceId: WS })).toHaveLength(1);
      const said = (await d.incidents.timeline(incidentId)).map((e) => e.summary);
      expect(said).toContainEqual(
        expect.stringMatching(/^Reopened 48 min after the fix "Scale the warehouse": platform spent/),
      );
    } finally {
      await own.close();
    }
  });

  it('a warehouse storm that returns after its incident resolved reopens that incident, at its new size too', async () => {
    const { own, deps: d, clock: c, incidentId } = await stormFixed();
    try {
      c.set(STORM + 51 * MINUTE);
      await handleSignal(d, spendRise(STORM));
      c.set(STORM + 67 * MINUTE);
      const back = await handleSignal(d, queueing(STORM + 67 * MINUTE, 2));
      expect(back.kind).toBe('joined');
      expect(incidentIdOf(back)).toBe(incidentId);
      expect(await d.incidents.listOpen({ workspaceId: WS })).toHaveLength(1);
    } finally {
      await own.close();
    }
  });

  // Queueing at its one cluster is capacity to raise; at one of two it is still scaling, unclassified:
  // two fingerprints, the store's one open incident per fingerprint does not tie them.
  it('joins the queue coming back 40 minutes after it drained, while the warehouse scales out, to its incident still open', async () => {
    const { store: own, deps: d, clock: c } = await freshStore(STORM + MINUTE);
    try {
      const first = await handleSignal(d, queueing(STORM + MINUTE, 1));
      if (first.kind !== 'opened') throw new Error(`expected an incident, got ${first.kind}`);
      c.set(STORM + 41 * MINUTE);
      const back = await handleSignal(d, queueing(STORM + 41 * MINUTE, 1, 2));
      expect(back.kind).toBe('joined');
      expect(incidentIdOf(back)).toBe(first.incident.id);
      expect(cardToUpdate(back, d.policy)?.id).toBe(first.incident.id);
      expect(await d.incidents.listOpen({ workspaceId: WS })).toHaveLength(1);
      const said = (await d.incidents.timeline(first.incident.id)).map((e) => e.summary);
      expect(said).toContainEqual(
        expect.stringMatching(
          /^Seen again 40 min after it was last seen, while this incident is still open: /,
        ),
      );
    } finally {
      await own.close();
    }
  });

  it('opens a second incident for that queue past the window, or at any gap when the window is 0, though the first is still open', async () => {
    for (const [window, gapMinutes] of [
      [120, 180],
      [0, 40],
    ] as const) {
      const {
        store: own,
        deps: d,
        clock: c,
      } = await freshStore(STORM + MINUTE, {
        reopen_window_minutes: window,
      });
      try {
        const first = await handleSignal(d, queueing(STORM + MINUTE, 1));
        if (first.kind !== 'opened') throw new Error(`expected an incident, got ${first.kind}`);
        const at = STORM + (1 + gapMinutes) * MINUTE;
        c.set(at);
        const again = await handleSignal(d, queueing(at, 1, 2));
        expect(again.kind, `window ${window}, ${gapMinutes} min later`).toBe('opened');
        expect(await d.incidents.listOpen({ workspaceId: WS })).toHaveLength(2);
      } finally {
        await own.close();
      }
    }
  });

  it('opens its own incident for that spend when the window is 0, or when it is billed past the window', async () => {
    for (const [window, hour] of [
      [0, STORM],
      [120, STORM + 3 * HOUR],
    ] as const) {
      const { own, deps: d, clock: c, incidentId } = await stormFixed(window);
      try {
        c.set(hour + 51 * MINUTE);
        const outcome = await handleSignal(d, spendRise(hour));
        expect(outcome.kind).toBe('opened');
        expect(incidentIdOf(outcome)).not.toBe(incidentId);
        expect((await d.incidents.get(incidentId))?.state).toBe('resolved');
      } finally {
        await own.close();
      }
    }
  });

  it('opens its own incident for a failure nothing links to the incident resolved before it', async () => {
    const { own, deps: d, clock: c, incidentId } = await stormFixed();
    try {
      // The storm's warehouse has nothing to do with the orders ETL: no link, no reopen.
      const at = STORM + 20 * MINUTE;
      c.set(at + MINUTE);
      const [etl] = failures(
        {
          jobId: 'E',
          jobName: 'Nightly orders ETL',
          runId: '900',
          resultState: 'FAILED',
          startTime: at - 10 * MINUTE,
          endTime: at,
          tasks: [task('main', '9001', { resultState: 'FAILED', endTime: at })],
        },
        at,
      );
      const outcome = await handleSignal(d, etl!);
      expect(outcome.kind).toBe('opened');
      expect((await d.incidents.get(incidentId))?.state).toBe('resolved');
    } finally {
      await own.close();
    }
  });

  it('opens its own incident for a failure upstream of a fixed one, which broke after it: a new root cause', async () => {
    const own = await openStore({ dataDir: 'memory://' });
    const ownRepos = createRepositories(own.db);
    const ownClock = new ManualClock(DEADLINE - 6 * HOUR);
    const d: HandleSignalDeps = {
      ...deps,
      incidents: ownRepos.incidents,
      recurring: ownRepos.recurringIssues,
      clock: ownClock,
    };
    try {
      const at = DEADLINE - 6 * HOUR;
      const [mart] = failures(
        {
          jobId: 'M',
          jobName: 'Revenue mart',
          runId: '910',
          tablesRead: ['main.sales.orders'],
          tablesWritten: ['main.mart.daily_revenue'],
          resultState: 'FAILED',
          startTime: at - 10 * MINUTE,
          endTime: at,
          tasks: [task('build', '9101', { resultState: 'FAILED', endTime: at })],
        },
        at,
      );
      const first = await handleSignal(d, mart!);
      if (first.kind !== 'opened') throw new Error(`expected an incident, got ${first.kind}`);
      await ownRepos.incidents.applyEvent(
        first.incident.id,
        { type: 'resolve', actor: 'alice' },
        at + 10 * MINUTE,
      );
      const later = at + 20 * MINUTE;
      ownClock.set(later + MINUTE);
      const [extract] = failures(
        {
          jobId: 'E',
          jobName: 'Nightly orders ETL',
          runId: '920',
          tablesRead: ['main.raw.orders'],
          tablesWritten: ['main.sales.orders'],
          resultState: 'FAILED',
          startTime: later - 10 * MINUTE,
          endTime: later,
          tasks: [task('extract', '9201', { resultState: 'FAILED', endTime: later })],
        },
        later,
      );
      const outcome = await handleSignal(d, extract!);
      expect(outcome.kind).toBe('opened');
      expect((await ownRepos.incidents.get(first.incident.id))?.state).toBe('resolved');
    } finally {
      await own.close();
    }
  });
});

describe('handleSignal: a deadline missed after the incident of what made it slip was resolved', () => {
  const MINUTE = 60_000;
  const FAILED_AT = DEADLINE - 4 * HOUR;
  /** The orders ETL times out at 02:00, the revenue mart's run behind it is skipped. */
  const etlTimedOut = () =>
    failures(
      {
        jobId: 'E',
        jobName: 'Nightly orders ETL',
        runId: '700',
        tablesRead: ['main.raw.orders'],
        tablesWritten: ['main.sales.orders'],
        resultState: 'TIMEDOUT',
        startTime: FAILED_AT - HOUR,
        endTime: FAILED_AT,
        tasks: [task('extract', '701', { resultState: 'TIMEDOUT', endTime: FAILED_AT })],
      },
      FAILED_AT,
    );
  /** The revenue mart's 06:00 deadline, judged at `at`. */
  const revenueMissed = (at: number) => {
    const [signal] = detectSlaBreaches(
      [
        tableSlaSchema.parse({
          workspaceId: WS,
          table: 'main.mart.daily_revenue',
          deadline: '06:00',
          timezone: 'UTC',
          upstreamJobIds: ['E', 'M'],
          lastRefreshedAt: DEADLINE - 25 * HOUR,
        }),
      ],
      [],
      at,
    ).signals;
    if (signal?.kind !== 'sla_missed') throw new Error('expected the deadline to be missed');
    return signal;
  };

  /** A fresh store with the ETL's incident opened at 02:00 and resolved by a rerun verified at 02:40. */
  async function resolvedBeforeTheDeadline(reopenWindowMinutes?: number) {
    const fresh = await freshStore(
      FAILED_AT + MINUTE,
      reopenWindowMinutes === undefined ? {} : { reopen_window_minutes: reopenWindowMinutes },
    );
    const opened = await handleSignal(fresh.deps, etlTimedOut()[0]!);
    if (opened.kind !== 'opened') throw new Error(`expected an incident, got ${opened.kind}`);
    const fixedAt = FAILED_AT + 40 * MINUTE;
    await fresh.repos.incidents.addTimelineEntry(
      recoveredEntry(opened.incident.id, fixedAt, 'rerun', 'Verified: recovered — Rerun, attempt 1'),
    );
    await fresh.repos.incidents.applyEvent(opened.incident.id, { type: 'resolve', actor: 'dbxops' }, fixedAt);
    return { ...fresh, incidentId: opened.incident.id };
  }

  it('reopens that incident for the miss, hours after the fix, and says so on its card', async () => {
    const { store: own, deps: d, clock: c, incidentId } = await resolvedBeforeTheDeadline();
    try {
      c.set(DEADLINE + MINUTE);
      const outcome = await handleSignal(d, revenueMissed(DEADLINE + MINUTE));
      expect(outcome.kind).toBe('joined');
      expect(incidentIdOf(outcome)).toBe(incidentId);
      const incident = await d.incidents.get(incidentId);
      expect(incident?.state).toBe('open');
      expect(incident?.title).toMatch(/Nightly orders ETL/);
      expect(await d.incidents.listOpen({ workspaceId: WS })).toHaveLength(1);
      const said = (await d.incidents.timeline(incidentId)).map((e) => e.summary);
      expect(said).toContainEqual(expect.stringMatching(/^Reopened \d+ min after the fix "Rerun/));
    } finally {
      await own.close();
    }
  });

  it('opens its own incident for the miss when reopening is turned off', async () => {
    const { store: own, deps: d, clock: c, incidentId } = await resolvedBeforeTheDeadline(0);
    try {
      c.set(DEADLINE + MINUTE);
      const outcome = await handleSignal(d, revenueMissed(DEADLINE + MINUTE));
      expect(outcome.kind).toBe('opened');
      expect((await d.incidents.get(incidentId))?.state).toBe('resolved');
    } finally {
      await own.close();
    }
  });

  it('opens its own incident for a miss past the consequence horizon of that fix', async () => {
    const { store: own, deps: d, clock: c, incidentId } = await resolvedBeforeTheDeadline();
    try {
      const nextDay = DEADLINE + 24 * HOUR + MINUTE;
      c.set(nextDay);
      const outcome = await handleSignal(d, revenueMissed(nextDay));
      expect(outcome.kind).toBe('opened');
      expect((await d.incidents.get(incidentId))?.state).toBe('resolved');
    } finally {
      await own.close();
    }
  });
});
