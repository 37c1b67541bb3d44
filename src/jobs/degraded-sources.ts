import { AsyncLocalStorage } from 'node:async_hooks';
import type { Clock } from '../domain/clock.js';
import type { DbxopsMetrics } from './metrics.js';

/** The monitoring stages that call the workspace: the `source` label of `dbxops_monitoring_degraded`. */
const MONITORED_SOURCES = ['runs', 'system_tables', 'topology', 'webhook'] as const;
export type MonitoredSource = (typeof MONITORED_SOURCES)[number];

/**
 * What the Databricks REST transport says before it waits to retry a call (its `onRetry` event, of
 * which only these fields matter here).
 */
export interface RetryWait {
  /** HTTP status of the failed attempt; 0 when no answer came. */
  readonly status: number;
  readonly waitMs: number;
}

const inSource = new AsyncLocalStorage<{ sources: DegradedSources; source: MonitoredSource }>();

/**
 * Knows which monitoring sources the workspace is slowing down right now, and shows it as
 * `dbxops_monitoring_degraded`. A source is degraded while one of its calls sits in a Retry-After wait
 * (the transport retries 429s and 5xx itself, for up to two minutes, before a poll sees a failure) and
 * from a poll the workspace turned away until one of that source succeeds.
 */
export class DegradedSources {
  readonly #turnedAway = new Set<MonitoredSource>();
  readonly #waitingUntil = new Map<MonitoredSource, number>();
  readonly #metrics: DbxopsMetrics | undefined;
  readonly #workspaceId: string;
  readonly #wallClock: Clock;

  constructor(options: { metrics?: DbxopsMetrics | undefined; workspaceId: string; wallClock: Clock }) {
    this.#metrics = options.metrics;
    this.#workspaceId = options.workspaceId;
    this.#wallClock = options.wallClock;
    // A Retry-After wait ends on its own: the gauge is worked out when it is read.
    options.metrics?.refreshOnScrape('monitoringDegraded', () => this.#show());
    this.#show();
  }

  /** Runs `work` as `source`: retry waits of the Databricks calls it makes count against that source. */
  within<T>(source: MonitoredSource, work: () => Promise<T>): Promise<T> {
    return inSource.run({ sources: this, source }, work);
  }

  /** The workspace turned a call of `source` away after the transport's own retries. */
  turnedAway(source: MonitoredSource): void {
    this.#turnedAway.add(source);
    this.#show();
  }

  /** A call of `source` went through. */
  recovered(source: MonitoredSource): void {
    this.#turnedAway.delete(source);
    this.#show();
  }

  isDegraded(source: MonitoredSource): boolean {
    return this.#turnedAway.has(source) || (this.#waitingUntil.get(source) ?? 0) > this.#wallClock.now();
  }

  /** A call of `source` waits `ms` before its retry. */
  waiting(source: MonitoredSource, ms: number): void {
    const until = this.#wallClock.now() + ms;
    this.#waitingUntil.set(source, Math.max(this.#waitingUntil.get(source) ?? 0, until));
    this.#show();
  }

  #show(): void {
    for (const source of MONITORED_SOURCES) {
      this.#metrics?.monitoringDegraded.set(
        { workspace: this.#workspaceId, source },
        this.isDegraded(source) ? 1 : 0,
      );
    }
  }
}

/**
 * The Databricks client's `onRetry` hook: a wait forced by throttling (429) or a server error (5xx)
 * marks the monitoring source that made the call (see `DegradedSources.within`) as degraded for as long
 * as the wait lasts. Calls made outside a source (a chat command's) are not monitoring.
 */
export function reportRetryWait(event: RetryWait): void {
  if (event.status !== 429 && event.status < 500) return;
  const scope = inSource.getStore();
  scope?.sources.waiting(scope.source, event.waitMs);
}
