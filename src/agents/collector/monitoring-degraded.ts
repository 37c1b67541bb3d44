import { DatabricksApiError } from '../../databricks/rest/databricks-api-error.js';
import { WarehouseError } from '../../databricks/warehouse.js';
import type { SignalDraft } from '../../domain/signal.js';

/** A poll that the workspace turned away: the caller slows down and raises `monitoring_degraded`. */
export interface Degraded {
  readonly source: string;
  readonly reason: 'RATE_LIMITED' | 'UNAVAILABLE';
  /** How long the workspace asked us to wait (Retry-After), or a default back-off. */
  readonly retryAfterMs: number;
  readonly message: string;
}

/** Back-off when the workspace gives no Retry-After. */
const DEFAULT_DEGRADED_BACKOFF_MS = 60_000;
const HOUR_MS = 3_600_000;

/**
 * Recognises a failure that means "the workspace is throttling or down" (after the client's own
 * retries): REST 429/503 and a warehouse that is unavailable or out of capacity. Anything else is a
 * bug or a permanent problem and is left to propagate.
 */
export function asDegraded(error: unknown, source: string): Degraded | undefined {
  if (
    error instanceof DatabricksApiError &&
    (error.reason === 'RATE_LIMITED' || error.reason === 'UNAVAILABLE')
  ) {
    return {
      source,
      reason: error.reason,
      retryAfterMs: error.retryAfterMs ?? DEFAULT_DEGRADED_BACKOFF_MS,
      message: error.message,
    };
  }
  if (
    error instanceof WarehouseError &&
    (error.reason === 'UNAVAILABLE' || error.reason === 'RESOURCE_EXHAUSTED')
  ) {
    return {
      source,
      reason: error.reason === 'UNAVAILABLE' ? 'UNAVAILABLE' : 'RATE_LIMITED',
      retryAfterMs: DEFAULT_DEGRADED_BACKOFF_MS,
      message: error.message,
    };
  }
  return undefined;
}

/**
 * The `monitoring_degraded` signal for a degraded poll. Its dedup key holds the source and the UTC hour,
 * so a workspace throttling every poll for an hour raises one signal per source, not one per poll.
 */
export function monitoringDegradedSignal(workspaceId: string, degraded: Degraded, now: number): SignalDraft {
  const hourStart = Math.floor(now / HOUR_MS) * HOUR_MS;
  const what = degraded.reason === 'RATE_LIMITED' ? 'is throttling requests (429)' : 'is unavailable (5xx)';
  return {
    source: 'collector',
    dedupKey: `${workspaceId}:monitoring_degraded:${degraded.source}:${new Date(hourStart).toISOString()}`,
    workspaceId,
    kind: 'monitoring_degraded',
    severityHint: 'P3',
    observedAt: now,
    occurredAt: now,
    subject: { type: 'workspace', id: workspaceId },
    error: {
      message: `Monitoring of ${degraded.source} is degraded: the workspace ${what}. ${degraded.message}`,
      errorCode: degraded.reason,
    },
    metrics: { retryAfterMs: degraded.retryAfterMs },
    evidence: [
      {
        label: `Polling ${degraded.source} slowed down; retrying in ${Math.ceil(degraded.retryAfterMs / 1000)} s`,
      },
    ],
  };
}
