import { describe, expect, it } from 'vitest';
import { type TriageFacts, triageIncident } from '../../../src/agents/triage/triage-incident.js';
import { defaultPolicy, parsePolicy } from '../../../src/config/policy.js';

const calm: TriageFacts = {
  slaMinutesLeft: null,
  criticality: [],
  blastRadius: 0,
  jobsFailed: 1,
  failedRun: true,
  stalled: false,
  transient: true,
  repeated: false,
  costRatio: null,
  category: 'network',
  action: 'RETRY',
};
const policy = defaultPolicy().triage;

/** A lasting problem whose root is not a run's own error (a cluster, a warehouse, data): only `category` and `action` vary. */
const notARun = (category: TriageFacts['category'], action: TriageFacts['action']): TriageFacts => ({
  ...calm,
  failedRun: false,
  transient: false,
  category,
  action,
});

describe('triageIncident with the default policy', () => {
  it('makes a lone transient failure with nothing downstream a P4', () => {
    expect(triageIncident(calm, policy).severity).toBe('P4');
  });

  it('makes an SLA under 30 minutes away a P1 and says why', () => {
    const d = triageIncident({ ...calm, slaMinutesLeft: 25 }, policy);
    expect(d.severity).toBe('P1');
    expect(d.reason).toContain('SLA in 25 min');
    expect(d.mentionOncall).toBe(true);
  });

  it('raises the severity as the SLA nears', () => {
    const at = (left: number) => triageIncident({ ...calm, slaMinutesLeft: left }, policy).severity;
    expect([at(1500), at(300), at(119), at(29), at(-5)]).toEqual(['P4', 'P3', 'P2', 'P1', 'P1']);
  });

  it('makes financial-critical data a P1 whatever else', () => {
    expect(triageIncident({ ...calm, criticality: ['Financial-Critical'] }, policy).severity).toBe('P1');
  });

  it('uses the blast radius thresholds 10 and 50', () => {
    // A cluster's lasting problem, so that nothing but the blast radius raises it.
    const lasting = notARun('resource', 'RETRY_WITH_NEW_PARAMS');
    expect(triageIncident({ ...lasting, blastRadius: 10 }, policy).severity).toBe('P4');
    expect(triageIncident({ ...lasting, blastRadius: 11 }, policy).severity).toBe('P2');
    expect(triageIncident({ ...lasting, blastRadius: 51 }, policy).severity).toBe('P1');
  });

  it('tells someone (P3) of a wide blip that passes by itself, where a lasting or unclassified one pages P2', () => {
    const d = triageIncident({ ...calm, blastRadius: 30 }, policy);
    expect(d.severity).toBe('P3');
    expect(d.reason).toBe('P3: blast radius 30 > 10');
    const unknown = triageIncident(
      { ...calm, transient: null, category: null, action: null, blastRadius: 30 },
      policy,
    );
    expect(unknown).toMatchObject({ severity: 'P2', reason: 'P2: blast radius 30 > 10, not classified' });
    expect(triageIncident({ ...calm, blastRadius: 30, slaMinutesLeft: 90 }, policy).severity).toBe('P2');
  });

  it('tells someone (P3) of a stalled run or update with no deadline near, and not of a merely slow one', () => {
    const hung = { ...calm, failedRun: false, transient: null, category: null, action: null };
    const d = triageIncident({ ...hung, stalled: true }, policy);
    expect(d.severity).toBe('P3');
    expect(d.reason).toBe('P3: stalled: no progress reported, someone must restart it');
    expect(triageIncident({ ...hung, stalled: false }, policy).severity).toBe('P4');
  });

  it('makes a repeated non-transient failure a P3, but not a repeated transient one', () => {
    expect(triageIncident({ ...calm, repeated: true, transient: false }, policy).severity).toBe('P3');
    expect(triageIncident({ ...calm, repeated: true, transient: true }, policy).severity).toBe('P4');
  });

  it('tells someone (P3) of a failure only a person can fix, a grant, a configuration or code, with no SLA near', () => {
    for (const category of ['permission', 'config', 'syntax'] as const) {
      const d = triageIncident({ ...calm, transient: false, category }, policy);
      expect(d.severity).toBe('P3');
      expect(d.reason).toBe(`P3: category ${category}`);
    }
    expect(triageIncident({ ...calm, transient: false, category: 'resource' }, policy).severity).toBe('P4');
  });

  it('tells someone (P3) of a capacity shortage that does not pass by itself, not of a capacity blip', () => {
    const d = triageIncident({ ...calm, transient: false, category: 'capacity' }, policy);
    expect(d.severity).toBe('P3');
    expect(d.reason).toBe('P3: not transient, category capacity');
    expect(triageIncident({ ...calm, transient: true, category: 'capacity' }, policy).severity).toBe('P4');
  });

  it('tells someone (P3) of a resource exhausted until a person stops what exhausts it', () => {
    const runaway = notARun('resource', 'NOTIFY_OWNER');
    const d = triageIncident(runaway, policy);
    expect(d.severity).toBe('P3');
    expect(d.reason).toBe('P3: category resource, calls for NOTIFY_OWNER');
  });

  it('tells someone (P3) of a run that ran out of memory, which fails again until a person gives it more', () => {
    const oom = {
      ...calm,
      transient: false,
      category: 'resource',
      action: 'RETRY_WITH_NEW_PARAMS',
    } as const;
    const d = triageIncident(oom, policy);
    expect(d.severity).toBe('P3');
    expect(d.reason).toBe("P3: the run's own error, not transient, calls for RETRY_WITH_NEW_PARAMS");
    // A run that timed out and needs more time fails again the same way.
    expect(triageIncident({ ...oom, category: 'timeout' }, policy).severity).toBe('P3');
  });

  it('pages nobody for a cluster whose driver hung, nor for a capacity blip, though both call for other settings', () => {
    const hung = notARun('resource', 'RETRY_WITH_NEW_PARAMS');
    expect(triageIncident(hung, policy).severity).toBe('P4');
    const blip = { ...calm, transient: true, category: 'capacity', action: 'RETRY_WITH_NEW_PARAMS' } as const;
    expect(triageIncident(blip, policy).severity).toBe('P4');
  });

  it('tells someone (P3) of a run that failed on data its code does not know, with nothing downstream', () => {
    const keyError = { ...calm, transient: false, category: 'data_quality', action: 'NOTIFY_OWNER' } as const;
    const d = triageIncident(keyError, policy);
    expect(d.severity).toBe('P3');
    expect(d.reason).toBe("P3: the run's own error, category data_quality, calls for NOTIFY_OWNER");
  });

  it.each([
    'timeout',
    'resource',
    'capacity',
    'network',
    'dependency',
    'data_quality',
    'concurrency',
    'unknown',
  ] as const)(
    'tells someone (P3) of a %s failure of a run that only a person can fix or attribute',
    (category) => {
      for (const action of ['NOTIFY_OWNER', 'ESCALATE'] as const) {
        expect(triageIncident({ ...calm, transient: false, category, action }, policy).severity).toBe('P3');
      }
    },
  );

  it('leaves a zero-row streak nobody reads without an SLA near at P4: data, not a failed run', () => {
    const streak = { ...notARun('data_quality', 'NOTIFY_OWNER'), jobsFailed: 0 };
    expect(triageIncident(streak, policy).severity).toBe('P4');
  });

  it('tells someone (P3) of any failure its owner must fix once something reads what it no longer writes', () => {
    const owner = notARun('data_quality', 'NOTIFY_OWNER');
    const d = triageIncident({ ...owner, blastRadius: 3 }, policy);
    expect(d.severity).toBe('P3');
    expect(d.reason).toBe('P3: blast radius 3 > 1, calls for NOTIFY_OWNER');
    // A job that still reads what someone removed, whose only output nobody reads, is housekeeping left
    // over: the digest lists it.
    const leftOver = { ...owner, failedRun: true, category: 'missing_object', blastRadius: 1 } as const;
    expect(triageIncident(leftOver, policy).severity).toBe('P4');
  });

  it('tells someone (P3) of a failure its owner must fix on data tagged critical, with nothing downstream', () => {
    const d = triageIncident({ ...notARun('data_quality', 'NOTIFY_OWNER'), criticality: ['high'] }, policy);
    expect(d.severity).toBe('P3');
    expect(d.reason).toBe('P3: data is critical/high/financial-critical, calls for NOTIFY_OWNER');
  });

  it('pages nobody for a conflict its own retry fixes, however far its table reaches below P2', () => {
    const conflict = { ...calm, category: 'concurrency', action: 'RETRY', blastRadius: 8 } as const;
    expect(triageIncident({ ...conflict, criticality: ['high'] }, policy).severity).toBe('P4');
  });

  it('tells someone (P3) when a failure takes down several jobs at once, even transient and first seen', () => {
    const d = triageIncident({ ...calm, jobsFailed: 3 }, policy);
    expect(d.severity).toBe('P3');
    expect(d.reason).toBe('P3: 3 jobs failed together');
    expect(triageIncident({ ...calm, jobsFailed: 1 }, policy).severity).toBe('P4');
  });

  it('makes a cost anomaly over 1.5× a P3', () => {
    expect(triageIncident({ ...calm, costRatio: 1.6 }, policy).severity).toBe('P3');
    expect(triageIncident({ ...calm, costRatio: 1.4 }, policy).severity).toBe('P4');
  });
});

describe('triageIncident with a custom policy', () => {
  it('follows the levels a team writes in dbxops.yaml', () => {
    const custom = parsePolicy(`
triage:
  P1: { when: [{ category: permission, criticality: pii }], response_minutes: 5, escalation_minutes: 10, channels: ["#sec"] }
  P2: { when: [], response_minutes: 60, escalation_minutes: 120 }
  P3: { when: [{ transient: false }], response_minutes: 60, escalation_minutes: 120 }
  P4: { when: [], response_minutes: 60, escalation_minutes: 120 }
`).triage;
    const d = triageIncident({ ...calm, category: 'permission', criticality: ['pii'] }, custom);
    expect(d).toMatchObject({ severity: 'P1', channels: ['#sec'], responseMinutes: 5 });
    expect(triageIncident({ ...calm, category: 'permission' }, custom).severity).toBe('P4');
    expect(triageIncident({ ...calm, transient: false }, custom).severity).toBe('P3');
  });
});

describe('each triage condition key', () => {
  // P2 holds only the condition under test; everything else falls through to P4.
  const levels = (condition: string) =>
    parsePolicy(`
triage:
  P1: { when: [], response_minutes: 5, escalation_minutes: 10 }
  P2: { when: [${condition}], response_minutes: 45, escalation_minutes: 90, channels: ["#p2"], mention_oncall: true }
  P3: { when: [], response_minutes: 60, escalation_minutes: 120 }
  P4: { when: [], response_minutes: 60, escalation_minutes: 120 }
`).triage;

  it.each<[string, Partial<TriageFacts>, Partial<TriageFacts>]>([
    ['{ sla_minutes_left_below: 60 }', { slaMinutesLeft: 59 }, { slaMinutesLeft: 61 }],
    ['{ criticality: [pii, gold] }', { criticality: ['gold'] }, { criticality: ['bronze'] }],
    ['{ blast_radius_above: 3 }', { blastRadius: 4 }, { blastRadius: 3 }],
    ['{ jobs_failed_above: 2 }', { jobsFailed: 3 }, { jobsFailed: 2 }],
    ['{ failed_run: false }', { failedRun: false }, { failedRun: true }],
    ['{ stalled: true }', { stalled: true }, { stalled: false }],
    ['{ transient: false }', { transient: false }, { transient: true }],
    ['{ transient: null }', { transient: null }, { transient: false }],
    ['{ repeated: true }', { repeated: true }, { repeated: false }],
    ['{ cost_ratio_above: 2 }', { costRatio: 2.5 }, { costRatio: 1.9 }],
    ['{ category: [permission, data_quality] }', { category: 'data_quality' }, { category: 'network' }],
    ['{ action: [NOTIFY_OWNER, ESCALATE] }', { action: 'ESCALATE' }, { action: 'RETRY_WITH_NEW_PARAMS' }],
  ])('%s makes a P2 when it holds, and nothing when it does not', (condition, holds, fails) => {
    const policy = levels(condition);
    expect(triageIncident({ ...calm, ...holds }, policy)).toMatchObject({
      severity: 'P2',
      responseMinutes: 45,
      escalationMinutes: 90,
      channels: ['#p2'],
      mentionOncall: true,
    });
    expect(triageIncident({ ...calm, ...fails }, policy).severity).toBe('P4');
  });
});
