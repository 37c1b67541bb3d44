import type { Thresholds } from '../../config/policy.js';
import { splitComputeIds } from './compute-ids.js';
import { DetectorSink, type DetectorOutput } from './detector-output.js';
import type { RunObservation } from './observations.js';
import { runOutcome } from './run-state.js';
import { anomalyLimit, formatMinutes, usualSeconds } from './running-long.js';
import { recordSamples, type SampleWindow, valuesBefore } from './sample-window.js';

/** Per job (`workspaceId:jobId`): durations in seconds of its recent successful runs. Store it as JSON. */
export type DurationBaselines = Readonly<Record<string, SampleWindow>>;

/** Samples kept per job: about a month of a daily job. */
export const DURATION_MAX_SAMPLES = 30;

export interface DurationOptions {
  /** How many MADs above the median a duration must be, on top of `duration_spike` × median. Default 3. */
  readonly madK?: number;
  /** Samples kept per job. Default 30 (about a month of a daily job). */
  readonly maxSamples?: number;
}

export interface DurationOutput extends DetectorOutput {
  /** The baselines with this pass's successful runs recorded; pass them to the next pass. */
  readonly baselines: DurationBaselines;
}

/**
 * Runs that take far longer than usual, finished or still running: a duration at or above both
 * `median + k·MAD` and `thresholds.duration_spike × median` of the job's earlier successful runs, once
 * the job has `thresholds.min_history_runs` of them. A running run is judged on its time so far, so a
 * hung run is reported before it ends; the same run keeps the same signal id.
 */
export function detectDurationAnomalies(
  runs: readonly RunObservation[],
  baselines: DurationBaselines,
  thresholds: Thresholds,
  now: number,
  options: DurationOptions = {},
): DurationOutput {
  const k = options.madK ?? 3;
  const maxSamples = options.maxSamples ?? DURATION_MAX_SAMPLES;
  const sink = new DetectorSink();
  const next: Record<string, SampleWindow> = { ...baselines };

  // Record first, so a batch of history judges its own newest run; judging only looks backwards in time.
  for (const run of runs) {
    const outcome = runOutcome(run.lifeCycleState, run.resultState);
    const seconds = run.endTime !== undefined ? (run.endTime - run.startTime) / 1000 : Number.NaN;
    if (outcome !== 'succeeded' || !(seconds >= 0)) continue;
    const key = `${run.workspaceId}:${run.jobId}`;
    next[key] = recordSamples(next[key], [[run.runId, run.startTime, seconds]], maxSamples);
  }

  for (const run of runs) {
    sink.guard(`job:${run.jobId}/run:${run.runId}`, () => {
      const key = `${run.workspaceId}:${run.jobId}`;
      const outcome = runOutcome(run.lifeCycleState, run.resultState);
      if (outcome !== 'succeeded' && outcome !== 'running') return;
      const end = outcome === 'running' ? now : run.endTime;
      if (end === undefined) throw new Error(`run ${run.runId} succeeded but has no end time`);
      const seconds = (end - run.startTime) / 1000;
      if (!Number.isFinite(seconds) || seconds < 0) throw new Error(`run ${run.runId} ends before it starts`);

      const history = valuesBefore(
        Object.hasOwn(next, key) ? next[key] : undefined,
        run.runId,
        run.startTime,
      );
      const med = usualSeconds(history, thresholds.min_history_runs);
      if (med === undefined) return;
      const limit = anomalyLimit(history, med, thresholds, k);
      if (seconds < limit) return;

      const jobName = run.jobName ?? run.runName ?? `job ${run.jobId}`;
      const ratio = seconds / med;
      sink.emit(`job:${run.jobId}`, {
        dedupKey: `${run.workspaceId}:duration:${run.runId}`,
        workspaceId: run.workspaceId,
        kind: 'duration_anomaly',
        severityHint: 'P3',
        observedAt: now,
        occurredAt: outcome === 'running' ? run.startTime + Math.ceil(limit * 1000) : end,
        subject: { type: 'job', id: run.jobId, name: jobName },
        refs: {
          jobId: run.jobId,
          runId: run.runId,
          ...splitComputeIds(run.computeIds),
          tablesRead: run.tablesRead.slice(0, 200),
          tablesWritten: run.tablesWritten.slice(0, 200),
          ...(run.tags.team !== undefined ? { team: run.tags.team } : {}),
          ...(run.owner !== undefined ? { owner: run.owner } : {}),
        },
        metrics: {
          durationSeconds: Math.round(seconds),
          medianSeconds: Math.round(med),
          ratio: Math.round(ratio * 100) / 100,
          historyRuns: history.length,
          stillRunning: outcome === 'running' ? 1 : 0,
        },
        evidence: [
          {
            label:
              outcome === 'running'
                ? `Still running after ${formatMinutes(seconds)}, ${ratio.toFixed(1)}× the usual ${formatMinutes(med)}`
                : `Took ${formatMinutes(seconds)}, ${ratio.toFixed(1)}× the usual ${formatMinutes(med)}`,
          },
        ],
        ...(run.costUsd !== undefined ? { costUsd: run.costUsd } : {}),
      });
    });
  }
  return { ...sink.output(), baselines: next };
}
