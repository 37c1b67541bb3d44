import { describe, expect, it } from 'vitest';
import { classifyError } from '../../../src/agents/classifier/classify-error.js';
import { detectRunFailures } from '../../../src/agents/detector/detect-run-failures.js';
import type { RunObservation } from '../../../src/agents/detector/observations.js';
import { fingerprint } from '../../../src/domain/fingerprint.js';
import { run, T0, task, MIN } from './observation-factory.js';

const NOW = T0 + 60 * MIN;
const OOM =
  'java.lang.OutOfMemoryError: Java heap space at org.apache.spark.sql.execution.SparkPlan.executeCollect';

function failedLoadRun(runId = '9001', over: Partial<Parameters<typeof run>[0]> = {}): RunObservation {
  return run({
    runId,
    resultState: 'FAILED',
    terminationCode: 'RUN_EXECUTION_ERROR',
    tasks: [
      task('extract', `${runId}1`),
      task('load_orders', `${runId}2`, {
        resultState: 'FAILED',
        terminationCode: 'RUN_EXECUTION_ERROR',
        errorMessage: OOM,
        dependsOn: ['extract'],
        costUsd: 4.2,
      }),
    ],
    ...over,
  });
}

describe('detectRunFailures', () => {
  it('reports the failed task with the error from runs/get-output and its classification', () => {
    const out = detectRunFailures([failedLoadRun()], NOW, { classify: classifyError });
    expect(out.skipped).toEqual([]);
    expect(out.signals).toHaveLength(1);
    const [s] = out.signals;
    expect(s).toMatchObject({
      kind: 'task_failed',
      subject: { type: 'task', id: '684914303928317/load_orders' },
      refs: {
        jobId: '684914303928317',
        runId: '9001',
        taskKey: 'load_orders',
        taskRunId: '90012',
        team: 'data-eng',
      },
      error: { message: OOM, terminationCode: 'RUN_EXECUTION_ERROR' },
      classification: { category: 'resource' },
      costUsd: 4.2,
    });
  });

  it('reports nothing for a successful run', () => {
    const out = detectRunFailures([run({ tasks: [task('extract', '1')] })], NOW);
    expect(out).toEqual({ signals: [], skipped: [] });
  });

  it('gives a run seen twice the same signal ids, and one signal per task', () => {
    const first = detectRunFailures([failedLoadRun()], NOW);
    const again = detectRunFailures([failedLoadRun(), failedLoadRun()], NOW + 5 * MIN);
    expect(again.signals.map((s) => s.id)).toEqual(first.signals.map((s) => s.id));
  });

  it('waits while a retry is pending and reports the final attempt once, with the retried attempts', () => {
    const attempt0 = task('load_orders', '71', { resultState: 'FAILED', errorMessage: OOM, costUsd: 2 });
    const pending = run({
      runId: '7',
      lifeCycleState: 'RUNNING',
      resultState: undefined,
      endTime: undefined,
      tasks: [attempt0],
    });
    expect(detectRunFailures([pending], NOW).signals).toEqual([]);

    const attempt1 = task('load_orders', '72', {
      attemptNumber: 1,
      resultState: 'FAILED',
      errorMessage: OOM,
      costUsd: 3,
    });
    const done = run({ runId: '7', resultState: 'FAILED', tasks: [attempt0, attempt1] });
    const out = detectRunFailures([done], NOW);
    expect(out.signals).toHaveLength(1);
    expect(out.signals[0]).toMatchObject({ refs: { taskRunId: '72' }, metrics: { attempts: 2 }, costUsd: 5 });
  });

  it('reports a failed attempt as final while the run goes on once it used its last retry', () => {
    const last = task('load_orders', '72', {
      attemptNumber: 1,
      maxRetries: 1,
      resultState: 'FAILED',
      errorMessage: OOM,
    });
    const running = run({ runId: '7', lifeCycleState: 'RUNNING', resultState: undefined, tasks: [last] });
    expect(detectRunFailures([running], NOW).signals.map((s) => s.kind)).toEqual(['task_failed']);
  });

  it('does not report an attempt that later succeeded on retry', () => {
    const r = run({
      tasks: [
        task('load_orders', '71', { resultState: 'FAILED', errorMessage: OOM }),
        task('load_orders', '72', { attemptNumber: 1, resultState: 'SUCCESS' }),
      ],
    });
    expect(detectRunFailures([r], NOW).signals).toEqual([]);
  });

  it('reports timeouts as run_timed_out and skipped downstream tasks as run_skipped naming their upstream', () => {
    const r = run({
      runId: '8',
      resultState: 'TIMEDOUT',
      tasks: [
        task('extract', '81', { resultState: 'TIMEDOUT', terminationCode: 'CANCELED' }),
        task('transform', '82', { resultState: 'UPSTREAM_FAILED', dependsOn: ['extract'] }),
        task('load', '83', { resultState: 'UPSTREAM_FAILED', dependsOn: ['transform'] }),
      ],
    });
    const out = detectRunFailures([r], NOW);
    expect(out.signals.map((s) => [s.kind, s.refs.taskKey])).toEqual([
      ['run_timed_out', 'extract'],
      ['run_skipped', 'transform'],
      ['run_skipped', 'load'],
    ]);
    expect(out.signals[1]!.evidence[0]!.label).toContain('extract');
  });

  it('reports a platform fault (INTERNAL_ERROR life cycle) in system-table vocabulary too', () => {
    const rest = run({
      runId: '5',
      lifeCycleState: 'INTERNAL_ERROR',
      resultState: undefined,
      stateMessage: 'Cluster lost',
    });
    const table = run({
      runId: '6',
      lifeCycleState: undefined,
      resultState: 'ERROR',
      terminationCode: 'INTERNAL_ERROR',
    });
    const out = detectRunFailures([rest, table], NOW);
    expect(
      out.signals.map((s) => [s.kind, s.subject.type, s.error?.terminationCode, s.metrics.internalError]),
    ).toEqual([
      ['job_failed', 'job', 'INTERNAL_ERROR', 1],
      ['job_failed', 'job', 'INTERNAL_ERROR', 1],
    ]);
  });

  it('reports a run skipped for concurrency, and nothing for a user cancel', () => {
    const skipped = run({
      runId: '1',
      lifeCycleState: 'SKIPPED',
      resultState: undefined,
      terminationCode: 'SKIPPED',
    });
    const canceled = run({ runId: '2', resultState: 'CANCELED', terminationCode: 'USER_CANCELED' });
    expect(detectRunFailures([skipped, canceled], NOW).signals.map((s) => s.kind)).toEqual(['run_skipped']);
  });

  it('hints P1 for financial-critical jobs', () => {
    const out = detectRunFailures([failedLoadRun('1', { tags: { criticality: 'financial-critical' } })], NOW);
    expect(out.signals[0]!.severityHint).toBe('P1');
  });

  it('gives the same fingerprint to the same failure on another day', () => {
    const monday = detectRunFailures([failedLoadRun('111')], NOW, { classify: classifyError }).signals[0]!;
    const tuesday = detectRunFailures([failedLoadRun('222')], NOW + 86_400_000, { classify: classifyError })
      .signals[0]!;
    expect(monday.id).not.toBe(tuesday.id);
    expect(fingerprint(monday)).toBe(fingerprint(tuesday));
  });

  it('skips the one run whose data is odd and reports the others', () => {
    const odd = failedLoadRun('13');
    // Hostile: a task list that throws when read, as a broken collector object might.
    Object.defineProperty(odd, 'tasks', {
      get() {
        throw new Error('tasks unreadable');
      },
    });
    const out = detectRunFailures([odd, failedLoadRun('14')], NOW);
    expect(out.skipped).toEqual([{ subject: 'job:684914303928317/run:13', reason: 'tasks unreadable' }]);
    expect(out.signals.map((s) => s.refs.runId)).toEqual(['14']);
  });

  it('keeps a signal when the classifier throws, without classification', () => {
    const out = detectRunFailures([failedLoadRun()], NOW, {
      classify: () => {
        throw new Error('classifier down');
      },
    });
    expect(out.signals).toHaveLength(1);
    expect(out.signals[0]!.classification).toBeUndefined();
  });

  it('truncates a megabyte error message instead of refusing the signal', () => {
    const huge = `${OOM} ${'x'.repeat(1_000_000)}`;
    const r = failedLoadRun('15');
    r.tasks[1]!.errorMessage = huge;
    const out = detectRunFailures([r], NOW);
    expect(out.signals[0]!.error!.message.length).toBeLessThanOrEqual(16_384);
  });
});
