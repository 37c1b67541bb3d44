import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDependencyGraph } from '../../../src/agents/correlator/build-dependency-graph.js';
import { detectRunFailures } from '../../../src/agents/detector/detect-run-failures.js';
import { detectSlaBreaches } from '../../../src/agents/detector/detect-sla.js';
import { tableSlaSchema } from '../../../src/agents/detector/observations.js';
import {
  type HandleSignalDeps,
  handleSignal,
  retriageIncident,
} from '../../../src/agents/incidents/handle-signal.js';
import { defaultPolicy } from '../../../src/config/policy.js';
import { ManualClock } from '../../../src/domain/clock.js';
import type { Signal } from '../../../src/domain/signal.js';
import { openStore, type Store } from '../../../src/store/open-store.js';
import { createRepositories, type Repositories } from '../../../src/store/repositories.js';
import { HOUR, run, task, WS } from '../detector/observation-factory.js';

const DEADLINE = Date.UTC(2026, 10, 20, 6, 0);
const graph = buildDependencyGraph({
  lineage: [
    { sourceTable: 'main.raw.orders', targetTable: 'main.sales.orders', entityType: 'JOB', entityId: 'E' },
    {
      sourceTable: 'main.sales.orders',
      targetTable: 'main.mart.daily_revenue',
      entityType: 'JOB',
      entityId: 'M',
    },
  ],
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

  it('raises the severity of an open incident as its SLA nears', async () => {
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
          runId: '800',
          tablesRead: [],
          tablesWritten: [],
          computeIds: [],
          startTime: clock.now() - 30 * 60_000,
          lifeCycleState: 'RUNNING',
          resultState: undefined,
          endTime: undefined,
          tasks: [],
        }),
      ],
      clock.now(),
    ).signals;
    expect(signals.map((x) => x.kind)).toEqual(['sla_at_risk']);
    const opened = await handleSignal(deps, signals[0]!);
    if (opened.kind !== 'opened') throw new Error(`expected a new incident, got ${opened.kind}`);
    const startSeverity = opened.incident.severity;
    clock.set(DEADLINE + 24 * HOUR - 10 * 60_000);
    const raised = await retriageIncident(deps, opened.incident);
    expect(startSeverity).not.toBe('P1');
    expect(raised?.severity).toBe('P1');
  });
});
