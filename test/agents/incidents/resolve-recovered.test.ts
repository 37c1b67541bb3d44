import { describe, expect, it } from 'vitest';
import { systemTableObservations } from '../../../src/agents/collector/poll-system-tables.js';
import { detectPipelineFailures } from '../../../src/agents/detector/detect-pipeline-failures.js';
import { detectRunFailures } from '../../../src/agents/detector/detect-run-failures.js';
import { Detection } from '../../../src/agents/detector/detection.js';
import {
  type PipelineUpdateObservation,
  pipelineUpdateObservationSchema,
  type RunObservation,
} from '../../../src/agents/detector/observations.js';
import {
  failedSubjects,
  type LastSuccessLookup,
  recoveredOnItsOwn,
} from '../../../src/agents/incidents/resolve-recovered.js';
import { defaultPolicy } from '../../../src/config/policy.js';
import { makeSignal, type Signal, type SignalDraft } from '../../../src/domain/signal.js';
import { HOUR, MIN, run, T0, task, WS } from '../detector/observation-factory.js';

const JOB = '684914303928317';

/** The nightly job's run `runId`, started at `start`: its extract failed, or every task succeeded. */
function nightly(runId: string, start: number, failed: boolean): RunObservation {
  return run({
    runId,
    startTime: start,
    endTime: start + 30 * MIN,
    resultState: failed ? 'FAILED' : 'SUCCESS',
    tasks: [
      task('extract', `${runId}1`, {
        startTime: start,
        endTime: start + 10 * MIN,
        resultState: failed ? 'FAILED' : 'SUCCESS',
        ...(failed ? { errorMessage: '[TABLE_OR_VIEW_NOT_FOUND] main.raw.orders' } : {}),
      }),
    ],
  });
}

const failuresOf = (r: RunObservation): Signal[] => detectRunFailures([r], r.endTime ?? T0).signals;

/** What the runs polls read, in the order given, as the detectors remember it. */
function polled(...runs: RunObservation[][]): { detection: Detection; lookup: LastSuccessLookup } {
  const detection = new Detection(defaultPolicy());
  for (const completed of runs) detection.ofRunsPoll({ completed, active: [] }, [], T0 + 10 * HOUR);
  return { detection, lookup: (type, id) => detection.lastSuccess(WS, type, id) };
}

function signal(draft: Omit<SignalDraft, 'source' | 'workspaceId' | 'observedAt' | 'severityHint'>): Signal {
  const made = makeSignal({
    source: 'test',
    workspaceId: WS,
    observedAt: draft.occurredAt,
    severityHint: 'P3',
    ...draft,
  });
  if (!made.ok) throw new Error(made.userMessage);
  return made.value;
}

const NOW = T0 + 10 * HOUR;
const failed = nightly('500', T0, true);

describe('recoveredOnItsOwn', () => {
  it('names the later run that succeeded for a job whose run failed', () => {
    const { lookup } = polled([failed], [nightly('501', T0 + HOUR, false)]);
    const recovered = recoveredOnItsOwn(failedSubjects(failuresOf(failed))!, lookup, NOW);
    expect(recovered?.map((r) => [r.id, r.success.runId, r.success.endTime])).toEqual([
      [JOB, '501', T0 + HOUR + 30 * MIN],
    ]);
  });

  it('finds no recovery in a success older than the failure, read again after it', () => {
    const earlier = nightly('499', T0 - HOUR, false);
    const { lookup } = polled([earlier], [failed], [earlier]);
    expect(recoveredOnItsOwn(failedSubjects(failuresOf(failed))!, lookup, NOW)).toBeUndefined();
  });

  it('keeps the newer success when the polls read the older one last', () => {
    const later = nightly('501', T0 + HOUR, false);
    const { lookup } = polled([later, later], [nightly('499', T0 - HOUR, false)]);
    expect(recoveredOnItsOwn(failedSubjects(failuresOf(failed))!, lookup, NOW)?.[0]?.success.runId).toBe(
      '501',
    );
  });

  it('counts the failed run itself repaired to success, which keeps its run id and ends again', () => {
    const repaired = { ...nightly('500', T0, false), endTime: T0 + 2 * HOUR };
    const { lookup } = polled([failed], [repaired]);
    expect(recoveredOnItsOwn(failedSubjects(failuresOf(failed))!, lookup, NOW)?.[0]?.success.runId).toBe(
      '500',
    );
  });

  it('waits for a run that succeeded after its last failure when the job failed twice', () => {
    const again = nightly('501', T0 + HOUR, true);
    const failures = [...failuresOf(failed), ...failuresOf(again)];
    const between = polled([failed], [nightly('4999', T0 + 40 * MIN, false)], [again]);
    expect(recoveredOnItsOwn(failedSubjects(failures)!, between.lookup, NOW)).toBeUndefined();
    const after = polled([failed], [again], [nightly('502', T0 + 2 * HOUR, false)]);
    expect(recoveredOnItsOwn(failedSubjects(failures)!, after.lookup, NOW)?.[0]?.success.runId).toBe('502');
  });

  it('does not take a success that ends after the workspace clock', () => {
    const { lookup } = polled([failed], [nightly('501', T0 + HOUR, false)]);
    expect(
      recoveredOnItsOwn(failedSubjects(failuresOf(failed))!, lookup, T0 + HOUR + 10 * MIN),
    ).toBeUndefined();
  });

  it('needs every failed job to have succeeded since', () => {
    const other = run({ ...nightly('700', T0, true), jobId: '42', jobName: 'Revenue mart' });
    const failures = [...failuresOf(failed), ...failuresOf(other)];
    const { lookup } = polled([failed, other], [nightly('501', T0 + HOUR, false)]);
    expect(recoveredOnItsOwn(failedSubjects(failures)!, lookup, NOW)).toBeUndefined();
  });

  it('takes a pipeline update that completed after the failed one', () => {
    const update = (id: string, start: number, state: string): PipelineUpdateObservation =>
      pipelineUpdateObservationSchema.parse({
        workspaceId: WS,
        pipelineId: 'p1',
        pipelineName: 'clickstream_dlt',
        updateId: id,
        state,
        startTime: start,
        endTime: start + 20 * MIN,
        errors: state === 'FAILED' ? [{ message: '[UNRESOLVED_COLUMN] col' }] : [],
      });
    const broken = update('u1', T0, 'FAILED');
    const detection = new Detection(defaultPolicy());
    for (const u of [broken, update('u2', T0 + HOUR, 'COMPLETED')])
      detection.ofSystemTables(systemTableObservations({ pipelineUpdates: [u] }), [], NOW);
    const failures = detectPipelineFailures([broken], NOW).signals;
    const recovered = recoveredOnItsOwn(
      failedSubjects(failures)!,
      (t, id) => detection.lastSuccess(WS, t, id),
      NOW,
    );
    expect(recovered?.map((r) => [r.type, r.name, r.success.runId])).toEqual([
      ['pipeline', 'clickstream_dlt', 'u2'],
    ]);
  });
});

describe('failedSubjects: which incidents a later success can end', () => {
  const at = T0 + 30 * MIN;
  const slaMissed = signal({
    dedupKey: 'sla',
    kind: 'sla_missed',
    occurredAt: at,
    subject: { type: 'table', id: 'main.sales.orders' },
  });

  it('lets an SLA the failure made late pass with it', () => {
    expect(failedSubjects([...failuresOf(failed), slaMissed])?.map((f) => f.id)).toEqual([JOB]);
  });

  it.each([
    ['cost_anomaly', { type: 'team', id: 'data-eng' }],
    ['zero_rows', { type: 'table', id: 'main.sales.orders' }],
    ['row_count_drop', { type: 'table', id: 'main.sales.orders' }],
    ['warehouse_queueing', { type: 'warehouse', id: 'wh1' }],
    ['grant_revoked', { type: 'table', id: 'main.raw.orders' }],
    ['runaway_query', { type: 'query', id: 'q1' }],
  ] as const)('leaves an incident holding a %s to people, failure or not', (kind, subject) => {
    const other = signal({ dedupKey: kind, kind, occurredAt: at, subject });
    expect(failedSubjects([other])).toBeUndefined();
    expect(failedSubjects([...failuresOf(failed), other])).toBeUndefined();
  });

  it('leaves an SLA at risk with no failure, and a slow run alone, to people', () => {
    const slow = signal({
      dedupKey: 'slow',
      kind: 'duration_anomaly',
      occurredAt: at,
      subject: { type: 'job', id: JOB },
      refs: { jobId: JOB, runId: '500' },
    });
    const atRisk = signal({
      dedupKey: 'risk',
      kind: 'sla_at_risk',
      occurredAt: at,
      subject: { type: 'table', id: 'main.sales.orders' },
    });
    expect(failedSubjects([slow, atRisk])).toBeUndefined();
  });
});
