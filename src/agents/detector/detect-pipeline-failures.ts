import type { Thresholds } from '../../config/policy.js';
import { type ClassifyFn, classifySafely, errorClassOf } from './classify-hook.js';
import { DURATION_MAX_SAMPLES, type DurationBaselines } from './detect-duration-anomaly.js';
import { DetectorSink, type DetectorOutput } from './detector-output.js';
import type { PipelineUpdateObservation, RunObservation } from './observations.js';
import { runOutcome } from './run-state.js';
import { recordProgressGaps, stallOf, stallWords } from './pipeline-stall.js';
import { anomalyLimit, formatMinutes, usualSeconds } from './running-long.js';
import { recordSamples, type SampleWindow, valuesBefore } from './sample-window.js';

/** An update in one of these states has ended; any other (QUEUED … RUNNING, STOPPING) is in flight. */
const ENDED = new Set(['COMPLETED', 'FAILED', 'CANCELED', 'CANCELLED']);

/** Where a pipeline's update durations are kept among the duration baselines (beside `workspaceId:jobId`). */
export function pipelineDurationKey(workspaceId: string, pipelineId: string): string {
  return `${workspaceId}:pipeline:${pipelineId}`;
}

/** True while the update has not ended: it may be hung without an error. */
export function isInFlight(update: PipelineUpdateObservation): boolean {
  return update.endTime === undefined && !ENDED.has(update.state.toUpperCase());
}

/** The earlier update durations (seconds) of the update's pipeline, the ones before it started. */
export function pipelineHistory(baselines: DurationBaselines | undefined, u: PipelineUpdateObservation) {
  const key = pipelineDurationKey(u.workspaceId, u.pipelineId);
  return valuesBefore(
    baselines !== undefined && Object.hasOwn(baselines, key) ? baselines[key] : undefined,
    u.updateId,
    u.startTime,
  );
}

export interface PipelineUpdateOptions {
  readonly classify?: ClassifyFn;
  /** Update durations per pipeline (`pipelineDurationKey`), kept with the jobs' duration baselines. */
  readonly durations?: DurationBaselines;
  readonly thresholds?: Pick<
    Thresholds,
    'duration_spike' | 'duration_min_extra_minutes' | 'min_history_runs'
  >;
  /** Job runs in flight: the run whose pipeline task started an update is named with it. */
  readonly runs?: readonly RunObservation[];
}

export interface PipelineUpdateOutput extends DetectorOutput {
  /** The baselines with this pass's completed updates recorded; pass them to the next pass. */
  readonly durations: DurationBaselines;
}

/**
 * DLT / Lakeflow pipeline updates that went wrong, one signal per update: a failed update carries its
 * first fatal error event's message and its classification; an update still in flight whose flows have
 * stopped reporting progress (`pipeline-stall.ts`), or far past its pipeline's usual duration (the
 * duration detector's bar, once `min_history_runs` updates completed; what is left where the event log
 * cannot be read), is hung, with or without an error — a `duration_anomaly` about the pipeline, naming
 * the job run whose pipeline task started it, since that run is waiting on it. Completed updates are
 * recorded as the pipeline's baseline, and the gaps between progress reports as its usual cadence.
 */
export function detectPipelineFailures(
  updates: readonly PipelineUpdateObservation[],
  now: number,
  options: PipelineUpdateOptions = {},
): PipelineUpdateOutput {
  const sink = new DetectorSink();
  const durations: Record<string, SampleWindow> = { ...options.durations };
  for (const u of updates) {
    if (u.state.toUpperCase() !== 'COMPLETED' || u.endTime === undefined || u.endTime < u.startTime) continue;
    const key = pipelineDurationKey(u.workspaceId, u.pipelineId);
    durations[key] = recordSamples(
      durations[key],
      [[u.updateId, u.startTime, (u.endTime - u.startTime) / 1000]],
      DURATION_MAX_SAMPLES,
    );
  }
  recordProgressGaps(durations, updates);
  for (const u of updates) {
    sink.guard(`pipeline:${u.pipelineId}/update:${u.updateId}`, () => {
      if (u.state.toUpperCase() === 'FAILED') failed(sink, u, now, options.classify);
      else if (isInFlight(u) && options.thresholds !== undefined)
        runningLong(sink, u, now, durations, options.thresholds, options.runs ?? []);
    });
  }
  return { ...sink.output(), durations };
}

function failed(sink: DetectorSink, u: PipelineUpdateObservation, now: number, classify?: ClassifyFn): void {
  const name = u.pipelineName ?? `pipeline ${u.pipelineId}`;
  const first = u.errors[0];
  const message = first?.message ?? `Update ${u.updateId} of ${name} failed without an error event`;
  const errorClass = errorClassOf(message) ?? first?.className;
  const classification = classifySafely(classify, {
    message,
    ...(errorClass !== undefined ? { errorClass } : {}),
    ...(u.errors.length > 1 ? { trace: u.errors.map((e) => e.message).join('\n') } : {}),
  });
  sink.emit(`pipeline:${u.pipelineId}`, {
    dedupKey: `${u.workspaceId}:pipeline-update:${u.updateId}:failed`,
    workspaceId: u.workspaceId,
    kind: 'pipeline_failed',
    severityHint: 'P2',
    observedAt: now,
    occurredAt: u.endTime ?? now,
    subject: { type: 'pipeline', id: u.pipelineId, name },
    refs: refsOf(u),
    error: { message, ...(errorClass !== undefined ? { errorClass: errorClass.slice(0, 256) } : {}) },
    ...(classification !== undefined ? { classification } : {}),
    metrics: { errorEvents: u.errors.length },
    evidence: u.errors.slice(1, 6).map((e) => ({ label: 'Error event', excerpt: e.message })),
    ...(u.costUsd !== undefined ? { costUsd: u.costUsd } : {}),
  });
}

/** How many robust spreads past the median an update must run, on top of the relative bars. */
const MAD_K = 3;

function runningLong(
  sink: DetectorSink,
  u: PipelineUpdateObservation,
  now: number,
  durations: DurationBaselines,
  thresholds: NonNullable<PipelineUpdateOptions['thresholds']>,
  runs: readonly RunObservation[],
): void {
  const history = pipelineHistory(durations, u);
  const usual = usualSeconds(history, thresholds.min_history_runs);
  const seconds = (now - u.startTime) / 1000;
  const limit = usual === undefined ? undefined : anomalyLimit(history, usual, thresholds, MAD_K);
  const long = limit !== undefined && seconds >= limit;
  const stall = stallOf(u, durations, now);
  if (!long && stall === undefined) return;
  const name = u.pipelineName ?? `pipeline ${u.pipelineId}`;
  const run = startedBy(u, runs);
  const waits =
    run !== undefined ? `; ${run.jobName ?? `job ${run.jobId}`} (run ${run.runId}) waits on it` : '';
  const ratio = usual === undefined ? undefined : seconds / usual;
  const since = [
    ...(stall !== undefined ? [stall.quietSince + Math.ceil(stall.limitSeconds * 1000)] : []),
    ...(long ? [u.startTime + Math.ceil(limit * 1000)] : []),
  ];
  const running = `Update ${u.updateId} ${u.state.toLowerCase()} for ${formatMinutes(seconds)}`;
  sink.emit(`pipeline:${u.pipelineId}`, {
    // One signal per hung update, whichever sign showed it first.
    dedupKey: `${u.workspaceId}:pipeline-update:${u.updateId}:running-long`,
    workspaceId: u.workspaceId,
    kind: 'duration_anomaly',
    severityHint: 'P3',
    observedAt: now,
    occurredAt: Math.min(...since),
    subject: { type: 'pipeline', id: u.pipelineId, name },
    refs: {
      ...refsOf(u),
      ...(run !== undefined ? { jobId: run.jobId, runId: run.runId } : {}),
    },
    metrics: {
      durationSeconds: Math.round(seconds),
      ...(usual !== undefined && ratio !== undefined
        ? { medianSeconds: Math.round(usual), ratio: Math.round(ratio * 100) / 100 }
        : {}),
      historyRuns: history.length,
      stillRunning: 1,
      ...(stall !== undefined
        ? {
            quietMinutes: Math.floor(stall.quietSeconds / 60),
            usualProgressGapSeconds: Math.round(stall.usualGapSeconds),
          }
        : {}),
    },
    evidence: [
      {
        label:
          stall !== undefined
            ? `${running} with ${stallWords(stall)}${waits}`
            : `${running}, ${ratio?.toFixed(1)}× the usual ${formatMinutes(usual ?? 0)}${waits}`,
      },
    ],
  });
}

/**
 * The job run whose pipeline task started the update: a run in flight of the job the update names,
 * the latest to start before it.
 */
function startedBy(
  u: PipelineUpdateObservation,
  runs: readonly RunObservation[],
): RunObservation | undefined {
  if (u.jobId === undefined) return undefined;
  let found: RunObservation | undefined;
  for (const r of runs) {
    if (r.workspaceId !== u.workspaceId || r.jobId !== u.jobId || r.startTime > u.startTime) continue;
    if (runOutcome(r.lifeCycleState, r.resultState) !== 'running') continue;
    if (found === undefined || r.startTime > found.startTime) found = r;
  }
  return found;
}

function refsOf(u: PipelineUpdateObservation) {
  return {
    pipelineId: u.pipelineId,
    tablesWritten: u.tablesWritten.slice(0, 200),
    ...(u.clusterId !== undefined ? { clusterId: u.clusterId } : {}),
    ...(u.team !== undefined ? { team: u.team } : {}),
  };
}
