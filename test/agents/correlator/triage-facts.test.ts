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
});
