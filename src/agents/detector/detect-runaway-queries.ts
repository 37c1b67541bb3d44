import type { Thresholds } from '../../config/policy.js';
import { DetectorSink, type DetectorOutput } from './detector-output.js';
import type { QueryObservation } from './observations.js';

export interface RunawayOptions {
  /** Bytes read by one running statement that make it a runaway on its own. Default 1 TiB. */
  readonly readBytes?: number;
}

/**
 * Statements still running after `thresholds.runaway_query_minutes`, or reading more than
 * `options.readBytes`. One signal per statement, however often it is polled. A runaway burns the
 * warehouse until someone kills it — it does not end by itself, and running it again runs away again —
 * so it is classified as resource exhaustion only a person can stop, and someone is told (triage's
 * resource rule) however early its bytes gave it away.
 */
export function detectRunawayQueries(
  queries: readonly QueryObservation[],
  thresholds: Thresholds,
  now: number,
  options: RunawayOptions = {},
): DetectorOutput {
  const bytesLimit = options.readBytes ?? 1024 ** 4;
  const sink = new DetectorSink();
  for (const q of queries) {
    sink.guard(`query:${q.statementId}`, () => {
      if (q.state.toUpperCase() !== 'RUNNING') return;
      const minutes = q.durationMs / 60_000;
      const long = minutes >= thresholds.runaway_query_minutes;
      const huge = q.readBytes >= bytesLimit;
      if (!long && !huge) return;
      const gib = q.readBytes / 1024 ** 3;
      sink.emit(`query:${q.statementId}`, {
        dedupKey: `${q.workspaceId}:runaway-query:${q.statementId}`,
        workspaceId: q.workspaceId,
        kind: 'runaway_query',
        severityHint: 'P3',
        observedAt: now,
        occurredAt: long ? q.startTime + thresholds.runaway_query_minutes * 60_000 : now,
        subject: { type: 'query', id: q.statementId, name: `query by ${q.user ?? 'an unknown user'}` },
        refs: {
          ...(q.warehouseId !== undefined ? { warehouseId: q.warehouseId } : {}),
          ...(q.jobId !== undefined ? { jobId: q.jobId } : {}),
          ...(q.user !== undefined ? { owner: q.user } : {}),
        },
        classification: {
          category: 'resource',
          transient: false,
          action: 'NOTIFY_OWNER',
          fixHint: `Kill the statement, then ask ${q.user ?? 'its author'} to bound it (a join key, a filter, a LIMIT)`,
          rule: 'runaway_query',
        },
        metrics: { runningMinutes: Math.floor(minutes), readGib: Math.round(gib * 10) / 10 },
        evidence: [
          { label: `Running for ${Math.floor(minutes)} min, read ${gib.toFixed(1)} GiB` },
          ...(q.statementText !== undefined ? [{ label: 'Statement', excerpt: q.statementText }] : []),
        ],
        ...(q.costUsd !== undefined ? { costUsd: q.costUsd } : {}),
      });
    });
  }
  return sink.output();
}
