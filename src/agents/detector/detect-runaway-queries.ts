import type { Thresholds } from '../../config/policy.js';
import { DetectorSink, type DetectorOutput } from './detector-output.js';
import type { QueryObservation, WarehouseObservation } from './observations.js';
import { formatMinutes } from './running-long.js';

export interface RunawayOptions {
  /** Bytes read by one running statement that make it a runaway on its own. Default 1 TiB. */
  readonly readBytes?: number;
  /**
   * The warehouses seen in the same poll: a runaway is named by its warehouse and belongs to the
   * warehouse's `team` tag, so its card names who to ask.
   */
  readonly warehouses?: readonly WarehouseObservation[];
}

/** "3.1 TiB", "420.5 GiB": a size a person reads at a glance. */
export function formatBytes(bytes: number): string {
  const gib = bytes / 1024 ** 3;
  return gib >= 1024 ? `${(gib / 1024).toFixed(1)} TiB` : `${gib.toFixed(1)} GiB`;
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
  const warehouses = new Map((options.warehouses ?? []).map((w) => [`${w.workspaceId}:${w.warehouseId}`, w]));
  for (const q of queries) {
    sink.guard(`query:${q.statementId}`, () => {
      if (q.state.toUpperCase() !== 'RUNNING') return;
      const minutes = q.durationMs / 60_000;
      const long = minutes >= thresholds.runaway_query_minutes;
      const huge = q.readBytes >= bytesLimit;
      if (!long && !huge) return;
      const gib = q.readBytes / 1024 ** 3;
      const warehouse =
        q.warehouseId === undefined ? undefined : warehouses.get(`${q.workspaceId}:${q.warehouseId}`);
      const on = warehouse?.name ?? q.warehouseId;
      const where = on === undefined ? '' : ` on warehouse ${on}`;
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
          ...(warehouse?.team !== undefined ? { team: warehouse.team } : {}),
        },
        classification: {
          category: 'resource',
          transient: false,
          action: 'NOTIFY_OWNER',
          fixHint: `Kill the statement, then ask ${q.user ?? 'its author'} to bound it (a join key, a filter, a LIMIT)`,
          rule: 'runaway_query',
        },
        // Seconds as well as minutes: a statement its bytes gave away is often caught in its first minute.
        metrics: {
          runningMinutes: Math.floor(minutes),
          runningSeconds: Math.floor(q.durationMs / 1000),
          readGib: Math.round(gib * 10) / 10,
        },
        evidence: [
          {
            // Caught on its first poll, a statement has run for "0 s": what it read in that time says more.
            label:
              q.durationMs < 60_000
                ? `Read ${formatBytes(q.readBytes)} within its first minute${where}`
                : `Running for ${formatMinutes(q.durationMs / 1000)}${where}, read ${formatBytes(q.readBytes)}`,
          },
          ...(q.statementText !== undefined ? [{ label: 'Statement', excerpt: q.statementText }] : []),
        ],
        ...(q.costUsd !== undefined ? { costUsd: q.costUsd } : {}),
      });
    });
  }
  return sink.output();
}
