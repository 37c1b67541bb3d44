import type { Severity } from '../../domain/severity.js';
import type { SignalDraft } from '../../domain/signal.js';
import { type ClassifyFn, classifySafely, errorClassOf } from './classify-hook.js';
import { splitComputeIds } from './compute-ids.js';
import { DetectorSink, type DetectorOutput } from './detector-output.js';
import type { RunObservation, TaskRunObservation } from './observations.js';
import { isFinal, type RunOutcome, runOutcome } from './run-state.js';

export interface RunFailureOptions {
  /** The classifier (`classifyError`); without it failures carry no classification. */
  readonly classify?: ClassifyFn;
}

/** The severity a failure hints at before triage: financial-critical data is P1, everything else P2. */
function failureSeverity(run: RunObservation): Severity {
  return run.tags.criticality?.toLowerCase() === 'financial-critical' ? 'P1' : 'P2';
}

const FAILED: ReadonlySet<RunOutcome> = new Set(['failed', 'internal_error', 'timed_out']);

/**
 * Failed, internal-error, timed-out and skipped runs and tasks. One signal per task whose final attempt
 * failed (a retry still pending reports nothing yet; retried attempts count in `attempts` and cost);
 * tasks skipped because an upstream task failed become `run_skipped` naming that upstream; a run that
 * failed without any failed task (cluster launch, platform fault) becomes one job-level signal.
 * The same run observed twice yields the same signal ids.
 */
export function detectRunFailures(
  runs: readonly RunObservation[],
  now: number,
  options: RunFailureOptions = {},
): DetectorOutput {
  const sink = new DetectorSink();
  for (const run of runs) {
    sink.guard(`job:${run.jobId}/run:${run.runId}`, () => judgeRun(sink, run, now, options));
  }
  return sink.output();
}

function judgeRun(sink: DetectorSink, run: RunObservation, now: number, options: RunFailureOptions): void {
  const runState = runOutcome(run.lifeCycleState, run.resultState);
  const runFinal = isFinal(runState);
  const jobName = run.jobName ?? run.runName ?? `job ${run.jobId}`;
  const compute = splitComputeIds(run.computeIds);
  const base = {
    workspaceId: run.workspaceId,
    observedAt: now,
    refs: {
      jobId: run.jobId,
      runId: run.runId,
      ...compute,
      tablesRead: run.tablesRead.slice(0, 200),
      tablesWritten: run.tablesWritten.slice(0, 200),
      ...(run.tags.team !== undefined ? { team: run.tags.team } : {}),
      ...(run.owner !== undefined ? { owner: run.owner } : {}),
    },
  };
  const evidence = run.runPageUrl !== undefined ? [{ label: 'Run page', url: run.runPageUrl }] : [];

  let taskSignals = 0;
  let runCostSpent = false;
  const byKey = new Map<string, TaskRunObservation[]>();
  for (const t of run.tasks) byKey.set(t.taskKey, [...(byKey.get(t.taskKey) ?? []), t]);
  const failedKeys = new Set<string>();
  const finals = new Map<string, { final: TaskRunObservation; outcome: RunOutcome }>();
  for (const [key, attempts] of byKey) {
    const final = attempts.reduce((a, b) => (laterAttempt(b, a) ? b : a));
    const outcome = runOutcome(final.lifeCycleState, final.resultState);
    finals.set(key, { final, outcome });
    if (FAILED.has(outcome)) failedKeys.add(key);
  }

  for (const [key, { final, outcome }] of finals) {
    const attempts = byKey.get(key) ?? [final];
    const subject = { type: 'task' as const, id: `${run.jobId}/${key}`, name: `${jobName} / ${key}` };
    const refs = {
      ...base.refs,
      taskKey: key,
      taskRunId: final.runId,
      ...(final.clusterId !== undefined ? { clusterId: final.clusterId } : {}),
    };
    const occurredAt = final.endTime ?? run.endTime ?? now;

    if (FAILED.has(outcome)) {
      // A failed attempt is final once the run ended or the attempt used the last retry.
      const retriesExhausted =
        final.maxRetries !== undefined &&
        (final.maxRetries < 0 ? false : final.attemptNumber >= final.maxRetries);
      if (!runFinal && !retriesExhausted) continue;
      const message =
        final.errorMessage ??
        final.stateMessage ??
        `Task ${key} ended ${outcome.replace('_', ' ')} without an error message`;
      const terminationCode =
        final.terminationCode ?? (outcome === 'internal_error' ? 'INTERNAL_ERROR' : undefined);
      const errorClass = errorClassOf(message);
      const taskCost = sumCosts(attempts);
      const costUsd = taskCost ?? (runCostSpent ? undefined : run.costUsd);
      if (taskCost === undefined && run.costUsd !== undefined) runCostSpent = true;
      const classification = classifySafely(options.classify, {
        message,
        ...(terminationCode !== undefined ? { terminationCode } : {}),
        ...(errorClass !== undefined ? { errorClass } : {}),
        ...(final.errorTrace !== undefined ? { trace: final.errorTrace } : {}),
      });
      taskSignals += 1;
      sink.emit(subject.id, {
        ...base,
        dedupKey: `${run.workspaceId}:task-run:${final.runId}:${outcome}`,
        kind: outcome === 'timed_out' ? 'run_timed_out' : 'task_failed',
        severityHint: failureSeverity(run),
        occurredAt,
        subject,
        refs,
        error: {
          message,
          ...(terminationCode !== undefined ? { terminationCode } : {}),
          ...(errorClass !== undefined ? { errorClass } : {}),
        },
        ...(classification !== undefined ? { classification } : {}),
        metrics: {
          attempts: attempts.length,
          ...(final.startTime !== undefined && final.endTime !== undefined
            ? { durationSeconds: Math.max(0, Math.round((final.endTime - final.startTime) / 1000)) }
            : {}),
          ...(outcome === 'internal_error' ? { internalError: 1 } : {}),
        },
        evidence: [
          ...evidence,
          ...(final.errorTrace !== undefined ? [{ label: 'Error trace', excerpt: final.errorTrace }] : []),
        ],
        ...(costUsd !== undefined ? { costUsd } : {}),
      } satisfies Omit<SignalDraft, 'source'>);
    } else if (outcome === 'upstream_failed' || (outcome === 'skipped' && runFinal)) {
      const upstream = final.dependsOn.filter((d) => failedKeys.has(d));
      const cause = upstream.length > 0 ? upstream : final.dependsOn;
      sink.emit(subject.id, {
        ...base,
        dedupKey: `${run.workspaceId}:task-run:${final.runId}:skipped`,
        kind: 'run_skipped',
        severityHint: 'P3',
        occurredAt,
        subject,
        refs,
        metrics: {},
        evidence: [
          {
            label:
              cause.length > 0
                ? `Skipped because upstream task ${cause.join(', ')} did not succeed`
                : 'Skipped because an upstream task did not succeed',
          },
        ],
      });
    }
  }

  if (!runFinal || taskSignals > 0) return;
  const subject = { type: 'job' as const, id: run.jobId, name: jobName };
  const occurredAt = run.endTime ?? now;
  if (FAILED.has(runState)) {
    const message =
      run.stateMessage ??
      `Run ${run.runId} of ${jobName} ended ${runState.replace('_', ' ')} without an error message`;
    const terminationCode =
      run.terminationCode ?? (runState === 'internal_error' ? 'INTERNAL_ERROR' : undefined);
    const errorClass = errorClassOf(message);
    const classification = classifySafely(options.classify, {
      message,
      ...(terminationCode !== undefined ? { terminationCode } : {}),
      ...(errorClass !== undefined ? { errorClass } : {}),
    });
    sink.emit(subject.id, {
      ...base,
      dedupKey: `${run.workspaceId}:run:${run.runId}:${runState}`,
      kind: runState === 'timed_out' ? 'run_timed_out' : 'job_failed',
      severityHint: failureSeverity(run),
      occurredAt,
      subject,
      error: {
        message,
        ...(terminationCode !== undefined ? { terminationCode } : {}),
        ...(errorClass !== undefined ? { errorClass } : {}),
      },
      ...(classification !== undefined ? { classification } : {}),
      metrics: {
        durationSeconds: Math.max(0, Math.round(((run.endTime ?? now) - run.startTime) / 1000)),
        ...(runState === 'internal_error' ? { internalError: 1 } : {}),
      },
      evidence,
      ...(run.costUsd !== undefined ? { costUsd: run.costUsd } : {}),
    });
  } else if (runState === 'skipped') {
    sink.emit(subject.id, {
      ...base,
      dedupKey: `${run.workspaceId}:run:${run.runId}:skipped`,
      kind: 'run_skipped',
      severityHint: 'P3',
      occurredAt,
      subject,
      metrics: {},
      evidence: [
        ...evidence,
        { label: run.stateMessage ?? `Run skipped (${run.terminationCode ?? 'no reason given'})` },
      ],
    });
  }
}

function laterAttempt(a: TaskRunObservation, b: TaskRunObservation): boolean {
  if (a.attemptNumber !== b.attemptNumber) return a.attemptNumber > b.attemptNumber;
  return (a.startTime ?? 0) > (b.startTime ?? 0);
}

function sumCosts(attempts: readonly TaskRunObservation[]): number | undefined {
  const known = attempts.filter((a) => a.costUsd !== undefined);
  if (known.length === 0) return undefined;
  return Math.round(known.reduce((sum, a) => sum + (a.costUsd ?? 0), 0) * 100) / 100;
}
