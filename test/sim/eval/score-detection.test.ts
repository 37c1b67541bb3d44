import { describe, expect, it } from 'vitest';
import { makeSignal, type Signal } from '../../../src/domain/signal.js';
import type { FaultTruth } from '../../../src/sim/engine/model.js';
import { cascadeRoots, type NameIndex, scoreDetection } from '../../../src/sim/eval/score-detection.js';

const H = 3600_000;
const names: NameIndex = {
  jobIdByName: new Map([
    ['extract_orders', '101'],
    ['transform_orders', '102'],
    ['nightly_sales', '201'],
  ]),
  warehouseIdByName: new Map([['bi', 'wh1']]),
  clusterIdByName: new Map(),
  pipelineIdByName: new Map(),
};

function fault(id: string, over: Partial<FaultTruth> = {}): FaultTruth {
  return {
    id,
    kind: 'task_error',
    target: { job: 'nightly_sales' },
    expected: { category: 'unknown', severity: 'P3', action: 'ESCALATE' },
    caused_by: undefined,
    start_ms: 0,
    end_ms: H,
    resolved_at_ms: undefined,
    affected_run_ids: [],
    affected_task_run_ids: [],
    affected_statement_ids: [],
    affected_resource_ids: [],
    first_affected_ms: 1000,
    last_affected_ms: 2000,
    ...over,
  };
}

let n = 0;
function signal(over: {
  kind?: string;
  refs?: Record<string, unknown>;
  subject?: { type: string; id: string };
  at?: number;
}): Signal {
  const r = makeSignal({
    source: 'test',
    dedupKey: `k${n++}`,
    workspaceId: '1',
    kind: over.kind ?? 'job_failed',
    severityHint: 'P3',
    observedAt: over.at ?? 31_000,
    occurredAt: over.at ?? 31_000,
    subject: over.subject ?? { type: 'job', id: String(over.refs?.jobId ?? 'none') },
    refs: over.refs ?? {},
  });
  if (!r.ok) throw new Error(r.userMessage);
  return r.value;
}

describe('scoreDetection', () => {
  it('counts a fault detected when an incident holds a signal about one of its runs', () => {
    const s = scoreDetection({
      faults: [fault('f1', { affected_run_ids: ['r9'] })],
      incidents: [
        { id: 'i1', severity: 'P3', openedAt: 0, signals: [signal({ refs: { runId: 'r9' }, at: 31_000 })] },
      ],
      names,
      cards: 1,
      naiveAlerts: 4,
    });
    expect(s).toMatchObject({
      faults: 1,
      detected: 1,
      recall: 1,
      precision: 1,
      noise_ratio: 0.25,
      severity_accuracy: 1,
    });
    expect(s.per_fault[0]).toMatchObject({ incidentId: 'i1', timeToDetectS: 30 });
  });

  it('does not count an incident about something else, and lowers precision for it', () => {
    const s = scoreDetection({
      faults: [fault('f1', { affected_run_ids: ['r9'] })],
      incidents: [
        { id: 'i1', severity: 'P3', openedAt: 0, signals: [signal({ refs: { runId: 'r9' } })] },
        {
          id: 'noise',
          severity: 'P4',
          openedAt: 0,
          signals: [signal({ refs: { runId: 'other', jobId: '999' }, subject: { type: 'job', id: '999' } })],
        },
      ],
      names,
      cards: 2,
      naiveAlerts: 2,
    });
    expect(s.precision).toBe(0.5);
    expect(s.unmatched_incidents.map((i) => i.id)).toEqual(['noise']);
  });

  it('matches a signal by target name only within the fault window and its aftermath', () => {
    const f = fault('f1', {
      target: { warehouse: 'bi' },
      kind: 'idle_warehouse_no_autostop',
      start_ms: 10 * H,
      end_ms: 12 * H,
      last_affected_ms: undefined,
    });
    const inside = signal({
      kind: 'warehouse_idle_no_autostop',
      refs: { warehouseId: 'wh1' },
      subject: { type: 'warehouse', id: 'wh1' },
      at: 11 * H,
    });
    const before = signal({
      kind: 'warehouse_idle_no_autostop',
      refs: { warehouseId: 'wh1' },
      subject: { type: 'warehouse', id: 'wh1' },
      at: 2 * H,
    });
    expect(
      scoreDetection({
        faults: [f],
        incidents: [{ id: 'i', severity: 'P3', openedAt: 0, signals: [inside] }],
        names,
        cards: 1,
        naiveAlerts: 0,
      }).detected,
    ).toBe(1);
    expect(
      scoreDetection({
        faults: [f],
        incidents: [{ id: 'i', severity: 'P3', openedAt: 0, signals: [before] }],
        names,
        cards: 1,
        naiveAlerts: 0,
      }).detected,
    ).toBe(0);
  });

  it('rewards a cascade in one incident and unrelated faults apart', () => {
    const faults = [
      fault('timeout', {
        target: { job: 'extract_orders' },
        affected_run_ids: ['e1'],
        expected: { category: 'timeout', severity: 'P1', action: 'RETRY_WITH_NEW_PARAMS' },
      }),
      fault('skip', {
        kind: 'skipped_downstream',
        caused_by: 'timeout',
        target: { job: 'transform_orders' },
        affected_run_ids: ['t1'],
      }),
      fault('other', { target: { job: 'nightly_sales' }, affected_run_ids: ['n1'] }),
    ];
    const cascade = {
      id: 'c',
      severity: 'P1' as const,
      openedAt: 0,
      signals: [signal({ refs: { runId: 'e1' } }), signal({ refs: { runId: 't1' } })],
    };
    const apart = {
      id: 'o',
      severity: 'P3' as const,
      openedAt: 0,
      signals: [signal({ refs: { runId: 'n1' } })],
    };
    const good = scoreDetection({ faults, incidents: [cascade, apart], names, cards: 2, naiveAlerts: 3 });
    expect(good.correlation_accuracy).toBe(1);
    expect(good.severity_accuracy).toBe(1);

    const split = scoreDetection({
      faults,
      incidents: [
        { ...cascade, signals: [cascade.signals[0]!] },
        { id: 'c2', severity: 'P3', openedAt: 0, signals: [cascade.signals[1]!] },
        apart,
      ],
      names,
      cards: 3,
      naiveAlerts: 3,
    });
    expect(split.correlation_accuracy).toBeCloseTo(2 / 3);
  });

  it('judges severity on the cascade root only', () => {
    const faults = [
      fault('root', {
        affected_run_ids: ['a'],
        expected: { category: 'timeout', severity: 'P1', action: 'RETRY' },
      }),
      fault('child', {
        caused_by: 'root',
        affected_run_ids: ['b'],
        expected: { category: 'dependency', severity: 'P2', action: 'RETRY' },
      }),
    ];
    const s = scoreDetection({
      faults,
      incidents: [
        {
          id: 'x',
          severity: 'P1',
          openedAt: 0,
          signals: [signal({ refs: { runId: 'a' } }), signal({ refs: { runId: 'b' } })],
        },
      ],
      names,
      cards: 1,
      naiveAlerts: 2,
    });
    expect(s.severity_accuracy).toBe(1);
  });

  it("credits a team's cost spike to the incident about the spend, not to an earlier failure of the team's job", () => {
    const spike = fault('spike', {
      kind: 'cost_spike',
      target: { team: 'recs' },
      start_ms: H,
      end_ms: 3 * H,
    });
    const failure = signal({
      kind: 'job_failed',
      refs: { jobId: '201', runId: 'r1', team: 'recs' },
      at: H + 60_000,
    });
    const cost = signal({
      kind: 'cost_anomaly',
      refs: { team: 'recs' },
      subject: { type: 'team', id: 'recs' },
      at: 2 * H,
    });
    const s = scoreDetection({
      faults: [spike],
      incidents: [
        { id: 'grant', severity: 'P1', openedAt: 0, signals: [failure] },
        { id: 'spend', severity: 'P3', openedAt: 0, signals: [cost] },
      ],
      names,
      cards: 2,
      naiveAlerts: 0,
    });
    expect(s.per_fault[0]).toMatchObject({ incidentId: 'spend', severity: 'P3' });
  });

  it('still credits a fault to the earliest incident about it when none holds a signal of its own kind', () => {
    const at = (t: number) =>
      signal({
        kind: 'run_skipped',
        refs: { jobId: '201', runId: `r${t}` },
        subject: { type: 'job', id: '201' },
        at: t,
      });
    const s = scoreDetection({
      faults: [fault('f1')],
      incidents: [
        { id: 'later', severity: 'P3', openedAt: 0, signals: [at(2000)] },
        { id: 'first', severity: 'P1', openedAt: 0, signals: [at(1500)] },
      ],
      names,
      cards: 2,
      naiveAlerts: 0,
    });
    expect(s.per_fault[0]?.incidentId).toBe('first');
  });

  it("does not count a team's cost spike found by a failure of one of the team's jobs", () => {
    const spike = fault('spike', {
      kind: 'cost_spike',
      target: { team: 'recs' },
      start_ms: H,
      end_ms: 3 * H,
    });
    const failure = signal({
      kind: 'job_failed',
      refs: { jobId: '201', runId: 'r1', team: 'recs' },
      at: 2 * H,
    });
    const s = scoreDetection({
      faults: [spike],
      incidents: [{ id: 'grant', severity: 'P1', openedAt: 0, signals: [failure] }],
      names,
      cards: 1,
      naiveAlerts: 0,
    });
    expect(s.per_fault[0]).toMatchObject({ detected: false, incidentId: null });
  });

  it("does not count a team's cost spike found by failures of the very runs its wider clusters served", () => {
    // The team's jobs fail within minutes for another reason (a revoked grant): their wider clusters
    // bill little, and the failures say nothing about spend.
    const spike = fault('spike', {
      kind: 'cost_spike',
      target: { team: 'recs' },
      affected_run_ids: ['r1', 'r2'],
      start_ms: H,
      end_ms: 3 * H,
    });
    const grant = fault('grant', {
      kind: 'revoked_grant',
      target: { grant: { table: 'main.content.catalog', principal: 'recs-etl' } },
      affected_run_ids: ['r1', 'r2'],
      start_ms: 0,
      end_ms: 3 * H,
    });
    const failure = (runId: string, at: number) =>
      signal({ kind: 'job_failed', refs: { jobId: '201', runId, team: 'recs' }, at });
    const s = scoreDetection({
      faults: [spike, grant],
      incidents: [
        {
          id: 'grant',
          severity: 'P3',
          openedAt: 0,
          signals: [failure('r1', 2 * H), failure('r2', 2.5 * H)],
        },
      ],
      names,
      cards: 1,
      naiveAlerts: 0,
    });
    expect(s.per_fault.map((f) => [f.id, f.detected, f.incidentId])).toEqual([
      ['spike', false, null],
      ['grant', true, 'grant'],
    ]);
    expect(s.recall).toBe(0.5);
    // The incident still stands for a real fault: the revoked grant.
    expect(s.precision).toBe(1);
  });

  it('counts the same cost spike once a cost anomaly about the team comes in, and says what found it', () => {
    const spike = fault('spike', {
      kind: 'cost_spike',
      target: { team: 'recs' },
      affected_run_ids: ['r1'],
      start_ms: H,
      end_ms: 3 * H,
    });
    const s = scoreDetection({
      faults: [spike],
      incidents: [
        {
          id: 'grant',
          severity: 'P3',
          openedAt: 0,
          signals: [
            signal({ kind: 'job_failed', refs: { jobId: '201', runId: 'r1', team: 'recs' }, at: 2 * H }),
          ],
        },
        {
          id: 'spend',
          severity: 'P3',
          openedAt: 0,
          signals: [
            signal({
              kind: 'cost_anomaly',
              refs: { team: 'recs' },
              subject: { type: 'team', id: 'recs' },
              at: 3 * H,
            }),
          ],
        },
      ],
      names,
      cards: 2,
      naiveAlerts: 0,
    });
    expect(s.per_fault[0]).toMatchObject({
      detected: true,
      incidentId: 'spend',
      evidenceKinds: ['cost_anomaly'],
    });
  });

  it("counts a team's cost spike found by its job clusters launching wider than usual, before the bill shows it", () => {
    const spike = fault('spike', {
      kind: 'cost_spike',
      target: { team: 'recs' },
      affected_run_ids: ['r1', 'r2'],
      start_ms: H,
      end_ms: 3 * H,
    });
    const s = scoreDetection({
      faults: [spike],
      incidents: [
        {
          id: 'widened',
          severity: 'P3',
          openedAt: 0,
          signals: [
            signal({
              kind: 'cluster_widened',
              refs: { team: 'recs', jobId: '201' },
              subject: { type: 'job', id: '201' },
              at: 2 * H,
            }),
          ],
        },
      ],
      names,
      cards: 1,
      naiveAlerts: 0,
    });
    expect(s.per_fault[0]).toMatchObject({
      detected: true,
      incidentId: 'widened',
      evidenceKinds: ['cluster_widened'],
    });
    expect(s.precision).toBe(1);
  });

  it('credits a hung pipeline update to the incident that saw it run past its normal time', () => {
    const hang = fault('hang', { kind: 'pipeline_hang', target: { pipeline: 'embeddings' }, start_ms: 0 });
    const s = scoreDetection({
      faults: [hang],
      incidents: [
        {
          id: 'late-table',
          severity: 'P2',
          openedAt: 0,
          signals: [signal({ kind: 'sla_at_risk', refs: { pipelineId: 'embeddings' }, at: 10_000 })],
        },
        {
          id: 'hung-update',
          severity: 'P1',
          openedAt: 0,
          signals: [signal({ kind: 'duration_anomaly', refs: { pipelineId: 'embeddings' }, at: 20_000 })],
        },
      ],
      names,
      cards: 2,
      naiveAlerts: 0,
    });
    expect(s.per_fault[0]).toMatchObject({ incidentId: 'hung-update', evidenceKinds: ['duration_anomaly'] });
  });

  it('still credits a revoked grant to the failures it caused: a permission error shows it', () => {
    const grant = fault('grant', {
      kind: 'revoked_grant',
      target: { grant: { table: 'main.content.catalog', principal: 'recs-etl' } },
      affected_run_ids: ['r1'],
    });
    const s = scoreDetection({
      faults: [grant],
      incidents: [
        {
          id: 'failures',
          severity: 'P3',
          openedAt: 0,
          signals: [signal({ kind: 'job_failed', refs: { jobId: '201', runId: 'r1' }, at: 31_000 })],
        },
      ],
      names,
      cards: 1,
      naiveAlerts: 0,
    });
    expect(s.per_fault[0]).toMatchObject({ detected: true, evidenceKinds: ['job_failed'] });
  });

  it('matches a signal about a cluster the fault hit, inside its window', () => {
    const f = fault('spot', {
      kind: 'spot_loss',
      target: { cluster: 'shared' },
      affected_resource_ids: ['0101-000000-abcd1234'],
      start_ms: H,
      end_ms: 2 * H,
    });
    const s = signal({
      kind: 'cluster_event',
      refs: { clusterId: '0101-000000-abcd1234' },
      subject: { type: 'cluster', id: '0101-000000-abcd1234' },
      at: H + 60_000,
    });
    expect(
      scoreDetection({
        faults: [f],
        incidents: [{ id: 'i', severity: 'P3', openedAt: 0, signals: [s] }],
        names,
        cards: 1,
        naiveAlerts: 0,
      }).detected,
    ).toBe(1);
  });

  it('expects a monitoring-degraded signal while the workspace throttles, and nothing else for it', () => {
    const t = fault('t', { kind: 'throttle', target: {}, start_ms: H, end_ms: 2 * H });
    const degraded = signal({
      kind: 'monitoring_degraded',
      subject: { type: 'workspace', id: '1' },
      at: H + 30_000,
    });
    const unrelated = signal({ kind: 'job_failed', refs: { jobId: '201', runId: 'x' }, at: H + 30_000 });
    const score = (signals: Signal[]) =>
      scoreDetection({
        faults: [t],
        incidents: signals.length ? [{ id: 'i', severity: 'P4', openedAt: 0, signals }] : [],
        names,
        cards: 0,
        naiveAlerts: 0,
      });
    expect(score([])).toMatchObject({ faults: 1, recall: 0 });
    expect(score([degraded])).toMatchObject({ recall: 1, precision: 1 });
    expect(score([unrelated]).recall).toBe(0);
  });

  it('reports p50 and p95 time to detect', () => {
    const faults = Array.from({ length: 20 }, (_, i) =>
      fault(`f${i}`, { affected_run_ids: [`r${i}`], first_affected_ms: 0 }),
    );
    const incidents = faults.map((_f, i) => ({
      id: `i${i}`,
      severity: 'P3' as const,
      openedAt: 0,
      signals: [signal({ refs: { runId: `r${i}` }, at: (i + 1) * 1000 })],
    }));
    const s = scoreDetection({ faults, incidents, names, cards: 20, naiveAlerts: 20 });
    expect(s.mttd_p50_s).toBe(10);
    expect(s.mttd_p95_s).toBe(19);
  });
});

describe('scoreDetection on what must not page', () => {
  const blip = fault('blip', { kind: 'concurrency_conflict', affected_run_ids: ['r1'], must_not_page: true });
  const real = fault('real', { affected_run_ids: ['r2'] });
  const incident = (id: string, severity: 'P1' | 'P2' | 'P3' | 'P4', runId: string) => ({
    id,
    severity,
    openedAt: 0,
    signals: [signal({ refs: { runId } })],
  });

  it('leaves an event that must not page out of recall, and counts a P3 about it as no violation', () => {
    const s = scoreDetection({
      faults: [blip, real],
      incidents: [incident('i1', 'P3', 'r1'), incident('i2', 'P3', 'r2')],
      names,
      cards: 2,
      naiveAlerts: 2,
    });
    expect(s).toMatchObject({ faults: 1, detected: 1, recall: 1, precision: 1, must_not_page: 1 });
    expect(s.must_not_page_violations).toBe(0);
    expect(s.per_fault.map((f) => f.id)).toEqual(['real']);
  });

  it('reports a P1 or P2 incident about an event that must not page as a violation', () => {
    const s = scoreDetection({
      faults: [blip, real],
      incidents: [incident('i1', 'P2', 'r1'), incident('i2', 'P1', 'r2')],
      names,
      cards: 2,
      naiveAlerts: 2,
    });
    expect(s.must_not_page_violations).toBe(1);
    expect(s.must_not_page_violation_examples).toEqual([
      { fault: 'blip', kind: 'concurrency_conflict', incidentId: 'i1', severity: 'P2' },
    ]);
  });
});

describe('scoreDetection on faults that must be found recurring', () => {
  const nightly = fault('nightly', {
    kind: 'concurrency_conflict',
    affected_run_ids: ['n1', 'n2', 'n3', 'n4'],
    recurring_by: 3,
  });
  const nights = [1, 2, 3, 4].map((d) => d * 24 * H);
  const incidents = ['n1', 'n2', 'n3', 'n4'].map((runId, i) => ({
    id: `i${i + 1}`,
    severity: 'P3' as const,
    openedAt: nights[i]!,
    signals: [signal({ refs: { runId }, at: nights[i]! })],
  }));
  const score = (openedAt: number, incidentIds: string[]) =>
    scoreDetection({
      faults: [nightly],
      incidents,
      names,
      cards: 4,
      naiveAlerts: 4,
      occurrencesOf: () => nights,
      recurringIssues: [
        {
          id: 'rec1',
          openedAt,
          incidentIds,
          recommendation: { kind: 'separate_schedules', text: 'Separate the schedules.' },
        },
      ],
    });

  it('counts a recurring issue opened at the third occurrence as found in time', () => {
    const s = score(nights[2]!, ['i1', 'i2', 'i3']);
    expect(s.recurring_expected).toBe(1);
    expect(s.recurring_detected).toBe(1);
    expect(s.per_recurring[0]).toMatchObject({
      id: 'nightly',
      detected: true,
      openedAtOccurrence: 3,
      recommendation: 'Separate the schedules.',
    });
  });

  it('counts one opened only at the fourth occurrence as too late', () => {
    const s = score(nights[3]!, ['i2', 'i3', 'i4']);
    expect(s.recurring_detected).toBe(0);
    expect(s.per_recurring[0]).toMatchObject({ detected: false, openedAtOccurrence: 4 });
  });

  it('does not credit a recurring issue about other incidents', () => {
    const s = score(nights[2]!, ['elsewhere']);
    expect(s.recurring_detected).toBe(0);
    expect(s.per_recurring[0]).toMatchObject({ detected: false, recurringIssueId: null });
  });
});

describe('cascadeRoots', () => {
  it('follows caused_by to the first fault and survives a cycle', () => {
    const roots = cascadeRoots([
      fault('a'),
      fault('b', { caused_by: 'a' }),
      fault('c', { caused_by: 'b' }),
      fault('x', { caused_by: 'y' }),
      fault('y', { caused_by: 'x' }),
    ]);
    expect(roots.get('c')).toBe('a');
    expect(['x', 'y']).toContain(roots.get('x'));
  });
});
