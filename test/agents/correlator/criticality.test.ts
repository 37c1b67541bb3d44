import { describe, expect, it } from 'vitest';
import type { Topology } from '../../../src/agents/collector/topology.js';
import { summariseIncident } from '../../../src/agents/correlator/correlate.js';
import { DependencyGraph } from '../../../src/agents/correlator/dependency-graph.js';
import { criticalityOf, sharedWrites } from '../../../src/agents/correlator/criticality.js';
import { detectGrantChanges } from '../../../src/agents/detector/detect-grant-changes.js';
import { detectRowCountAnomalies } from '../../../src/agents/detector/detect-row-counts.js';
import { tableLoadObservationSchema } from '../../../src/agents/detector/observations.js';
import { failedTaskSignal } from '../../domain/signal-factory.js';
import { HOUR, thresholds } from '../detector/observation-factory.js';

const job = (
  jobId: string,
  name: string,
  criticality: string | undefined,
  tablesWritten: string[] = [],
): Topology['jobs'][number] => ({
  jobId,
  name,
  tags: criticality ? { criticality } : ({} as Record<string, string>),
  tablesRead: [],
  tablesWritten,
  computeIds: [],
});

const topology: Topology = {
  workspaceId: '1234567890123456',
  builtAt: 0,
  jobs: [
    job('42', 'nightly_sales', undefined, ['main.sales.orders']),
    job('77', 'gl_close', 'financial-critical', ['main.finance.gl']),
    job('88', 'payments', 'pii', ['main.finance.payments']),
  ],
  lineage: [],
  jobEdges: [],
  slas: [
    {
      workspaceId: '1234567890123456',
      table: 'main.sales.orders',
      deadline: '06:00',
      timezone: 'UTC',
      upstreamJobIds: ['42'],
      criticality: 'exec-dashboard',
    },
    {
      workspaceId: '1234567890123456',
      table: 'main.finance.gl',
      deadline: '06:00',
      timezone: 'UTC',
      upstreamJobIds: ['77'],
    },
  ],
  tableTeams: {},
};

/** 02:00 UTC: the 06:00 deadline is four hours away. */
const NIGHT = Date.UTC(2026, 11, 1, 2);

describe('criticalityOf', () => {
  it('takes the criticality of the failing job, the tables it writes, and what is downstream', () => {
    const signal = failedTaskSignal({ refs: { jobId: '42', tablesWritten: ['main.sales.orders'] } });
    const summary = summariseIncident([signal], new DependencyGraph());
    expect(criticalityOf(topology, summary, NIGHT)).toEqual(['exec-dashboard']);
    const downstream = {
      ...summary,
      blastRadius: { ...summary.blastRadius, jobs: ['gl_close'], tables: ['main.finance.payments'] },
    };
    expect(criticalityOf(topology, downstream, NIGHT).sort()).toEqual([
      'exec-dashboard',
      'financial-critical',
      'pii',
    ]);
  });

  it('does not lend a revoked grant the tags of the table whose access it took from one principal', () => {
    const revocation = detectGrantChanges(
      [
        {
          workspaceId: '1234567890123456',
          eventId: 'evt-1',
          at: 1_717_000_000_000,
          securableType: 'table',
          securable: 'main.finance.gl',
          principal: 'marketing-analysts',
          added: [],
          removed: ['SELECT'],
        },
      ],
      1_717_000_000_000,
    ).signals[0]!;
    const summary = summariseIncident([revocation], new DependencyGraph());
    expect(criticalityOf(topology, summary, NIGHT)).toEqual([]);
    // A problem of the table's own data does carry them.
    const emptied = failedTaskSignal({
      kind: 'zero_rows',
      subject: { type: 'table', id: 'main.finance.gl', name: 'main.finance.gl' },
      refs: {},
    });
    expect(criticalityOf(topology, summariseIncident([emptied], new DependencyGraph()), NIGHT)).toEqual([
      'financial-critical',
    ]);
  });

  it("lends a team's spend on a financial-critical job neither the job's criticality nor its blast radius", () => {
    const graph = new DependencyGraph().addEdge('job:77', 'table:main.finance.gl');
    const spend = failedTaskSignal({
      kind: 'cost_anomaly',
      severityHint: 'P3',
      subject: { type: 'team', id: 'finance', name: 'finance' },
      refs: { team: 'finance', jobId: '77' },
      error: undefined,
      classification: undefined,
      metrics: { usd: 900, baselineUsd: 100, ratio: 9 },
    });
    const summary = summariseIncident([spend], graph);
    expect(summary.blastRadius.count).toBe(0);
    expect(criticalityOf(topology, summary, NIGHT)).toEqual([]);
    // The same job failing is another matter.
    const failure = summariseIncident([failedTaskSignal({ refs: { jobId: '77' } })], graph);
    expect(criticalityOf(topology, failure, NIGHT)).toEqual(['financial-critical']);
    expect(failure.blastRadius.tables).toEqual(['main.finance.gl']);
  });

  it('lends the tags of a job downstream only while its deadline is near, and always those of the failing job', () => {
    const signal = failedTaskSignal({ refs: { jobId: '42', tablesWritten: ['main.sales.orders'] } });
    const summary = summariseIncident([signal], new DependencyGraph());
    const downstream = {
      ...summary,
      blastRadius: {
        ...summary.blastRadius,
        jobs: ['gl_close'],
        tables: ['main.finance.gl', 'main.finance.payments'],
      },
    };
    // 08:00: the GL's 06:00 deadline is the next day's; payments has no deadline, so its tag counts.
    const morning = Date.UTC(2026, 11, 1, 8);
    expect(criticalityOf(topology, downstream, morning).sort()).toEqual(['exec-dashboard', 'pii']);
    expect(criticalityOf(topology, downstream, NIGHT)).toContain('financial-critical');
    const failure = summariseIncident([failedTaskSignal({ refs: { jobId: '77' } })], new DependencyGraph());
    expect(criticalityOf(topology, failure, morning)).toEqual(['financial-critical']);
  });

  it('lends empty loads the tags downstream as near as their deadline was when they landed, not as the next night nears', () => {
    // Noon: nightly_sales, which loaded rows all morning, has loaded none three hours in a row; the GL
    // close downstream is due at 06:00.
    const noon = Date.UTC(2026, 11, 1, 12);
    const [zero] = detectRowCountAnomalies(
      [6, 5, 4, 3, 2, 1].map((hoursAgo, i) =>
        tableLoadObservationSchema.parse({
          workspaceId: '1234567890123456',
          table: 'main.sales.orders',
          jobId: '42',
          runId: `z${i}`,
          rowsWritten: hoursAgo > 3 ? 900 : 0,
          loadedAt: noon - (hoursAgo - 1) * HOUR,
        }),
      ),
      {},
      thresholds(),
      noon,
    ).signals;
    expect(zero?.kind).toBe('zero_rows');
    const withGl = (signal: NonNullable<typeof zero>) => {
      const summary = summariseIncident([signal], new DependencyGraph());
      return {
        ...summary,
        blastRadius: { ...summary.blastRadius, jobs: ['gl_close'], tables: ['main.finance.gl'] },
      };
    };
    // 18:00, the incident still open: the GL's deadline is now within 12 hours, but the loads succeeded
    // at noon, when it was 18 hours off; the streak does not page as the clock turns.
    const evening = Date.UTC(2026, 11, 1, 18);
    expect(criticalityOf(topology, withGl(zero!), evening)).toEqual(['exec-dashboard']);
    // A run that failed at noon and stays failed is judged as the night nears.
    const failed = failedTaskSignal({
      occurredAt: noon,
      refs: { jobId: '42', tablesWritten: ['main.sales.orders'] },
    });
    expect(criticalityOf(topology, withGl(failed), evening)).toContain('financial-critical');
  });

  describe('when the failed job shares the table it writes with another writer', () => {
    // The payments table: a nightly loader builds it at 01:00, an erasure job deletes from it at 01:30;
    // the financial-critical statutory report reads it for its 06:00 deadline. Only the erasure writes
    // the PII table, which nothing reads.
    const shared: Topology = {
      ...topology,
      jobs: [
        job('10', 'payments_build', 'high', ['main.claims.payments']),
        job('20', 'erasure', undefined, ['main.claims.payments', 'main.claims.pii']),
        job('30', 'statutory_report', 'financial-critical', ['main.reg.statutory']),
      ],
      slas: [
        {
          workspaceId: '1234567890123456',
          table: 'main.reg.statutory',
          deadline: '06:00',
          timezone: 'UTC',
          upstreamJobIds: ['10', '20', '30'],
        },
      ],
    };
    const graph = new DependencyGraph()
      .addEdge('job:10', 'table:main.claims.payments')
      .addEdge('job:20', 'table:main.claims.payments')
      .addEdge('job:20', 'table:main.claims.pii')
      .addEdge('table:main.claims.payments', 'job:30')
      .addEdge('job:30', 'table:main.reg.statutory')
      // The graph's shortcut from every job upstream of an SLA to the SLA's table.
      .addEdge('job:10', 'table:main.reg.statutory')
      .addEdge('job:20', 'table:main.reg.statutory');
    const at = (hour: number, minute = 0, day = 1) => Date.UTC(2026, 11, day, hour, minute);
    const failure = (jobId: string, failedAt: number, tablesWritten: string[]) =>
      summariseIncident(
        [failedTaskSignal({ occurredAt: failedAt, observedAt: failedAt, refs: { jobId, tablesWritten } })],
        graph,
      );
    /** When each job last wrote the payments table; the erasure writes the PII table with it. */
    const succeeded =
      (ends: Record<string, number>) =>
      (jobId: string, _table: string): number | undefined =>
        ends[jobId];

    it('asks before correlating about every writer of a table two jobs write, and no other', () => {
      expect(sharedWrites(shared).sort()).toEqual([
        ['10', 'main.claims.payments'],
        ['20', 'main.claims.payments'],
      ]);
    });

    it("lends a failed loader its readers' criticality: the table it refreshes is left stale", () => {
      // Last night's erasure wrote after last night's load, but nobody has written the table tonight.
      const lastWriteAt = succeeded({ '10': at(1, 25, 0), '20': at(1, 40, 0) });
      const tags = criticalityOf(shared, failure('10', at(1, 20), ['main.claims.payments']), at(1, 21), {
        graph,
        lastWriteAt,
      });
      expect(tags.sort()).toEqual(['financial-critical', 'high']);
    });

    it('lends a failed side writer none of it while the loader keeps the table current', () => {
      const lastWriteAt = succeeded({ '10': at(1, 25), '20': at(1, 40, 0) });
      const incident = failure('20', at(1, 35), ['main.claims.payments', 'main.claims.pii']);
      expect(criticalityOf(shared, incident, at(1, 36), { graph, lastWriteAt })).toEqual([]);
      // Nor when the erasure's retry has since succeeded.
      const retried = succeeded({ '10': at(1, 25), '20': at(1, 59) });
      expect(criticalityOf(shared, incident, at(2), { graph, lastWriteAt: retried })).toEqual([]);
      // The next night's load does not turn the answer as the day goes on.
      const later = succeeded({ '10': at(1, 25, 2), '20': at(1, 40, 0) });
      expect(criticalityOf(shared, incident, at(20), { graph, lastWriteAt: later })).toEqual([]);
      // Without the jobs' last successes nobody can tell the writers apart, and the readers count.
      expect(criticalityOf(shared, incident, at(1, 36))).toContain('financial-critical');
    });

    it("lends a failed side writer its readers' criticality when no other writer refreshed the table this cycle", () => {
      const incident = failure('20', at(1, 35), ['main.claims.payments', 'main.claims.pii']);
      // The loader has not succeeded since the night before last: the erasure was the last to write.
      const loaderDown = succeeded({ '10': at(1, 25, -1), '20': at(1, 40, 0) });
      expect(criticalityOf(shared, incident, at(1, 36), { graph, lastWriteAt: loaderDown })).toContain(
        'financial-critical',
      );
      // The only writer of a table: what reads it waits on this job.
      const alone: Topology = { ...shared, jobs: shared.jobs.filter((j) => j.jobId !== '10') };
      const lastWriteAt = succeeded({ '20': at(1, 40, 0) });
      expect(criticalityOf(alone, incident, at(1, 36), { graph, lastWriteAt })).toContain(
        'financial-critical',
      );
    });
  });

  it('knows nothing before the topology is loaded', () => {
    const summary = summariseIncident([failedTaskSignal()], new DependencyGraph());
    expect(criticalityOf(undefined, summary, NIGHT)).toEqual([]);
  });
});
