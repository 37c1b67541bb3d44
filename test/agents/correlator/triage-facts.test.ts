import { describe, expect, it } from 'vitest';
import { summariseIncident } from '../../../src/agents/correlator/correlate.js';
import { DependencyGraph } from '../../../src/agents/correlator/dependency-graph.js';
import { triageFacts } from '../../../src/agents/correlator/triage-facts.js';
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
});
