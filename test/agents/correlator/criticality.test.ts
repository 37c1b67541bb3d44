import { describe, expect, it } from 'vitest';
import type { Topology } from '../../../src/agents/collector/topology.js';
import { summariseIncident } from '../../../src/agents/correlator/correlate.js';
import { DependencyGraph } from '../../../src/agents/correlator/dependency-graph.js';
import { criticalityOf } from '../../../src/agents/correlator/criticality.js';
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
    // Noon: nightly_sales has loaded no rows three hours in a row; the GL close downstream is due at 06:00.
    const noon = Date.UTC(2026, 11, 1, 12);
    const [zero] = detectRowCountAnomalies(
      [3, 2, 1].map((hoursAgo, i) =>
        tableLoadObservationSchema.parse({
          workspaceId: '1234567890123456',
          table: 'main.sales.orders',
          jobId: '42',
          runId: `z${i}`,
          rowsWritten: 0,
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

  it('knows nothing before the topology is loaded', () => {
    const summary = summariseIncident([failedTaskSignal()], new DependencyGraph());
    expect(criticalityOf(undefined, summary, NIGHT)).toEqual([]);
  });
});
