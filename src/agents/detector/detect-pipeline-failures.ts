import { type ClassifyFn, classifySafely, errorClassOf } from './classify-hook.js';
import { DetectorSink, type DetectorOutput } from './detector-output.js';
import type { PipelineUpdateObservation } from './observations.js';

/**
 * Failed DLT / Lakeflow pipeline updates, one signal per update, carrying the first fatal error event's
 * message and its classification.
 */
export function detectPipelineFailures(
  updates: readonly PipelineUpdateObservation[],
  now: number,
  options: { readonly classify?: ClassifyFn } = {},
): DetectorOutput {
  const sink = new DetectorSink();
  for (const u of updates) {
    sink.guard(`pipeline:${u.pipelineId}/update:${u.updateId}`, () => {
      if (u.state.toUpperCase() !== 'FAILED') return;
      const name = u.pipelineName ?? `pipeline ${u.pipelineId}`;
      const first = u.errors[0];
      const message = first?.message ?? `Update ${u.updateId} of ${name} failed without an error event`;
      const errorClass = errorClassOf(message) ?? first?.className;
      const classification = classifySafely(options.classify, {
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
        refs: {
          pipelineId: u.pipelineId,
          tablesWritten: u.tablesWritten.slice(0, 200),
          ...(u.clusterId !== undefined ? { clusterId: u.clusterId } : {}),
          ...(u.team !== undefined ? { team: u.team } : {}),
        },
        error: { message, ...(errorClass !== undefined ? { errorClass: errorClass.slice(0, 256) } : {}) },
        ...(classification !== undefined ? { classification } : {}),
        metrics: { errorEvents: u.errors.length },
        evidence: u.errors.slice(1, 6).map((e) => ({ label: 'Error event', excerpt: e.message })),
        ...(u.costUsd !== undefined ? { costUsd: u.costUsd } : {}),
      });
    });
  }
  return sink.output();
}
