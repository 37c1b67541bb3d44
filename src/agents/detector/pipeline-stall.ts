import type { DurationBaselines } from './detect-duration-anomaly.js';
import type { PipelineUpdateObservation } from './observations.js';
import { formatMinutes } from './running-long.js';
import { median, recordSamples, type SampleWindow } from './sample-window.js';

/**
 * A running update whose flows have stopped reporting progress, for far longer than they usually leave
 * between two reports, is stalled: how a senior SRE tells a hung update from a slow one well before it
 * has run past its usual duration. A slow update keeps reporting, so slowness alone is no stall.
 */

/** Gaps kept per pipeline: a few updates of a triggered pipeline, an hour or more of a continuous one. */
const GAP_MAX_SAMPLES = 60;
/** Gaps a pipeline must have left before its usual one is known. */
const MIN_GAPS = 5;
/** How many usual gaps of silence make a stall. */
const STALL_GAPS = 4;
/** The least silence that is a stall, however often a pipeline usually reports (a flow's planning, a slow batch). */
const STALL_FLOOR_SECONDS = 180;

/** Where a pipeline's gaps between progress reports are kept among the duration baselines. */
function pipelineProgressKey(workspaceId: string, pipelineId: string): string {
  return `${workspaceId}:pipeline-progress:${pipelineId}`;
}

/** The baselines with the gaps the updates' event logs showed this time recorded. */
export function recordProgressGaps(
  baselines: Record<string, SampleWindow>,
  updates: readonly PipelineUpdateObservation[],
): void {
  for (const u of updates) {
    const gaps = u.progress?.gaps ?? [];
    if (gaps.length === 0) continue;
    const key = pipelineProgressKey(u.workspaceId, u.pipelineId);
    baselines[key] = recordSamples(
      baselines[key],
      gaps.map((g) => [`${g.updateId}@${g.at}`, g.at, g.seconds] as const),
      GAP_MAX_SAMPLES,
    );
  }
}

/** A stalled update: how long its flows have been quiet, how often they usually report, the bar. */
export interface Stall {
  readonly quietSince: number;
  readonly quietSeconds: number;
  readonly usualGapSeconds: number;
  readonly limitSeconds: number;
}

/**
 * The stall of a RUNNING update: no progress reported for `STALL_GAPS` times the pipeline's usual gap
 * (the median of its recent ones) and `STALL_FLOOR_SECONDS` at least. Undefined when it reports on
 * time, is not running yet, its log could not be read, or its pipeline has left too few gaps to know.
 */
export function stallOf(
  u: PipelineUpdateObservation,
  baselines: DurationBaselines | undefined,
  now: number,
): Stall | undefined {
  const quietSince = u.progress?.quietSince;
  if (quietSince === undefined || u.endTime !== undefined || u.state.toUpperCase() !== 'RUNNING') return;
  const key = pipelineProgressKey(u.workspaceId, u.pipelineId);
  const window = baselines !== undefined && Object.hasOwn(baselines, key) ? baselines[key] : undefined;
  const gaps = (window?.samples ?? []).filter(([, at]) => at <= now).map(([, , seconds]) => seconds);
  if (gaps.length < MIN_GAPS) return;
  const usualGapSeconds = median(gaps);
  const limitSeconds = Math.max(STALL_GAPS * usualGapSeconds, STALL_FLOOR_SECONDS);
  const quietSeconds = (now - quietSince) / 1000;
  return quietSeconds >= limitSeconds
    ? { quietSince, quietSeconds, usualGapSeconds, limitSeconds }
    : undefined;
}

/** The stall in words for a card: "no flow progress for 7 min (usually every 68 s)". */
export function stallWords(stall: Stall): string {
  return `no flow progress for ${formatMinutes(stall.quietSeconds)} (usually every ${formatMinutes(stall.usualGapSeconds)})`;
}
