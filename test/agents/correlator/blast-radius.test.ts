import { describe, expect, it } from 'vitest';
import { grantChangeObservationSchema } from '../../../src/agents/collector/grant-change-observation.js';
import { blastRadius } from '../../../src/agents/correlator/blast-radius.js';
import { buildDependencyGraph } from '../../../src/agents/correlator/build-dependency-graph.js';
import { summariseIncident } from '../../../src/agents/correlator/correlate.js';
import { DependencyGraph, nodeKey, reachable } from '../../../src/agents/correlator/dependency-graph.js';
import { detectGrantChanges } from '../../../src/agents/detector/detect-grant-changes.js';
import { failedTaskSignal } from '../../domain/signal-factory.js';

describe('blastRadius', () => {
  it('walks a graph with a cycle once and stops', () => {
    // a → job1 → b → job2 → a: a cycle through two jobs.
    const g = buildDependencyGraph({
      jobs: [
        { jobId: '1', name: 'one', team: 'red', tablesRead: ['a'], tablesWritten: ['b'] },
        { jobId: '2', name: 'two', team: 'blue', tablesRead: ['b'], tablesWritten: ['a'] },
      ],
    });
    const r = blastRadius(nodeKey('job', '1'), g);
    expect(r).toEqual({
      jobs: ['two'],
      tables: ['b', 'a'],
      dashboards: [],
      teams: ['blue', 'red'],
      count: 3,
      truncated: false,
    });
  });

  it('stays bounded on a table read by 10,000 jobs that each write a table', () => {
    const g = new DependencyGraph();
    for (let i = 0; i < 10_000; i += 1) {
      g.addEdge('table:main.raw.events', `job:${i}`).addEdge(`job:${i}`, `table:main.out.t${i}`);
    }
    const started = performance.now();
    const r = blastRadius('table:main.raw.events', g, { maxNodes: 5_000 });
    const elapsed = performance.now() - started;
    expect(r.truncated).toBe(true);
    expect(r.count).toBe(5_000);
    expect(r.jobs.length).toBeLessThanOrEqual(500);
    expect(r.tables.length).toBeLessThanOrEqual(500);
    // Not a timing assertion on the machine, just a guard against quadratic blow-ups.
    expect(elapsed).toBeLessThan(2_000);
    const full = blastRadius('table:main.raw.events', g, { maxNodes: 50_000 });
    expect(full).toMatchObject({ count: 20_000, truncated: false });
    expect(full.jobs).toHaveLength(500);
  });

  it('lists the nearest first and respects the depth limit', () => {
    const g = new DependencyGraph();
    for (let i = 0; i < 10; i += 1) g.addEdge(`table:t${i}`, `table:t${i + 1}`);
    expect(blastRadius('table:t0', g, { maxDepth: 3 })).toMatchObject({
      tables: ['t1', 't2', 't3'],
      truncated: true,
    });
  });

  it('finds nothing downstream of an unknown node', () => {
    expect(blastRadius('job:unknown', new DependencyGraph()).count).toBe(0);
  });
});

describe('the blast radius of a revoked grant', () => {
  const CATALOG = 'main.content.catalog';
  const REVOKED_AT = 1_717_000_000_000;
  // The catalog is read by the recs features job (whose principal loses SELECT) and by three jobs of
  // other teams that keep their own grants, each feeding tables and jobs of its own.
  const graph = buildDependencyGraph({
    jobs: [
      {
        jobId: '7',
        name: 'recs_features',
        team: 'recs',
        tablesRead: [CATALOG],
        tablesWritten: ['main.recs.features'],
      },
      {
        jobId: '8',
        name: 'recs_train',
        team: 'recs',
        tablesRead: ['main.recs.features'],
        tablesWritten: ['main.recs.model'],
      },
      ...['artwork', 'search', 'royalties'].flatMap((name, i) => [
        {
          jobId: `${20 + i}`,
          name,
          team: 'content',
          tablesRead: [CATALOG],
          tablesWritten: [`main.content.${name}`],
        },
        {
          jobId: `${30 + i}`,
          name: `${name}_report`,
          team: 'content',
          tablesRead: [`main.content.${name}`],
          tablesWritten: [`main.reports.${name}`],
        },
      ]),
    ],
  });
  const revocation = detectGrantChanges(
    [
      grantChangeObservationSchema.parse({
        workspaceId: '1234567890123456',
        eventId: 'evt-1',
        at: REVOKED_AT,
        actor: 'priya@example.com',
        securableType: 'table',
        securable: CATALOG,
        principal: 'recs-etl',
        removed: ['SELECT'],
      }),
    ],
    REVOKED_AT,
  ).signals[0]!;
  const denied = failedTaskSignal({
    occurredAt: REVOKED_AT + 3_600_000,
    subject: { type: 'task', id: '7/build', name: 'recs_features / build' },
    refs: { jobId: '7', runId: '71', taskKey: 'build', tablesRead: [CATALOG] },
    error: { message: `[INSUFFICIENT_PERMISSIONS] User does not have SELECT on Table '${CATALOG}'.` },
    classification: {
      category: 'permission',
      transient: false,
      action: 'NOTIFY_OWNER',
      rule: 'uc.insufficient_permissions',
    },
  });

  it('counts the jobs that lost access and what they feed, not every reader of the table', () => {
    const { blastRadius: radius } = summariseIncident([revocation, denied], graph);
    expect(radius.jobs).toEqual(['recs_features', 'recs_train']);
    expect(radius.tables).toEqual(['main.recs.features', 'main.recs.model']);
    expect(radius.teams).toEqual(['recs']);
    expect(radius.count).toBe(4);
    // Walked from the table itself, the radius would take in every other team's readers too.
    expect(blastRadius(nodeKey('table', CATALOG), graph).count).toBe(16);
  });

  it('is empty while nothing has failed for want of the grant', () => {
    expect(summariseIncident([revocation], graph).blastRadius.count).toBe(0);
  });
});

describe('buildDependencyGraph', () => {
  it('links writers, readers, run_job_task children, pipelines and dashboards', () => {
    const g = buildDependencyGraph({
      lineage: [
        { sourceTable: 'raw', targetTable: 'silver', jobId: 'J' },
        { sourceTable: 'silver', entityType: 'DBSQL_DASHBOARD', entityId: 'd1' },
        { sourceTable: 'silver', targetTable: 'gold', entityType: 'PIPELINE', entityId: 'p1' },
        { entityType: 'NOTEBOOK' },
        { sourceTable: '', targetTable: null },
      ],
      jobEdges: [{ parentJobId: 'J', childJobId: 'K' }],
    });
    const down = reachable(g, ['table:raw'], 'downstream').nodes;
    expect([...down].sort()).toEqual([
      'dashboard:d1',
      'job:J',
      'job:K',
      'pipeline:p1',
      'table:gold',
      'table:silver',
    ]);
  });

  it('ignores self-loops', () => {
    const g = new DependencyGraph().addEdge('table:a', 'table:a');
    expect(g.size).toBe(0);
  });
});
