import { z } from 'zod';
import { idString } from '../../domain/text.js';
import type { PipelineUpdateObservation, RunObservation } from './observations.js';
import { runOutcome } from './run-state.js';

/**
 * The newest successful run of a job, or completed update of a pipeline, that the polls have read: the
 * evidence that a failed job or pipeline has recovered (`src/agents/incidents/resolve-recovered.ts`).
 */
export const lastSuccessSchema = z.object({
  workspaceId: idString,
  type: z.enum(['job', 'pipeline']),
  id: idString,
  name: z.string().max(512).optional(),
  /** The job run id, or the pipeline update id. */
  runId: idString,
  startTime: z.number().int().nonnegative(),
  endTime: z.number().int().nonnegative(),
});
export type LastSuccess = z.output<typeof lastSuccessSchema>;

/** Where a job's or pipeline's last success is kept in `Detection` (the `last_success` part). */
export function lastSuccessKey(workspaceId: string, type: LastSuccess['type'], id: string): string {
  return `${workspaceId}:${type}:${id}`;
}

/**
 * The run as success evidence, when it succeeded outright. `SUCCESS_WITH_FAILURES` is not: some of its
 * tasks failed, which is the problem still there.
 */
export function successOfRun(run: RunObservation): LastSuccess | undefined {
  if (run.endTime === undefined || runOutcome(run.lifeCycleState, run.resultState) !== 'succeeded') return;
  if (run.resultState?.toUpperCase() === 'SUCCESS_WITH_FAILURES') return;
  return {
    workspaceId: run.workspaceId,
    type: 'job',
    id: run.jobId,
    ...(run.jobName !== undefined ? { name: run.jobName } : {}),
    runId: run.runId,
    startTime: run.startTime,
    endTime: run.endTime,
  };
}

/** The update as success evidence, when it completed. */
export function successOfUpdate(update: PipelineUpdateObservation): LastSuccess | undefined {
  if (update.endTime === undefined || update.state.toUpperCase() !== 'COMPLETED') return;
  return {
    workspaceId: update.workspaceId,
    type: 'pipeline',
    id: update.pipelineId,
    ...(update.pipelineName !== undefined ? { name: update.pipelineName } : {}),
    runId: update.updateId,
    startTime: update.startTime,
    endTime: update.endTime,
  };
}

/**
 * Keeps the newer of two successes of one job or pipeline: the later start, then the later end (a run
 * repaired to success ends again). A success read again, or one older than what is kept, changes nothing.
 */
export function newerSuccess(kept: LastSuccess | undefined, seen: LastSuccess): LastSuccess {
  if (kept === undefined) return seen;
  if (seen.startTime !== kept.startTime) return seen.startTime > kept.startTime ? seen : kept;
  return seen.endTime > kept.endTime ? seen : kept;
}
