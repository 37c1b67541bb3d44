import type { Thresholds } from '../../config/policy.js';
import { DetectorSink, type DetectorOutput } from './detector-output.js';
import { DEFAULT_LIST_PRICES, type ListPrices, warehouseCostUsd } from './list-prices.js';
import type { WarehouseObservation } from './observations.js';

export interface WarehouseOptions {
  /** Queued statements that count as queueing even below max clusters. Default 10. */
  readonly queuedQueries?: number;
  /** A queue wait that counts as queueing on its own. Default 300 000 ms (five minutes). */
  readonly queuedMs?: number;
  readonly prices?: ListPrices;
}

/**
 * A queue is reported once per quarter hour in which its oldest wait began: a queue that comes back
 * after a scale-out is said again (the fix did not hold), while one that goes on is said a few times
 * an hour, each joining its open incident.
 */
const QUEUE_EPISODE_MS = 15 * 60_000;

/** A queue deeper than this many times the warehouse's usual one at this time of day is news. */
const BEYOND_USUAL_DEPTH = 1.5;
/** So is a wait past a minute and more than this many times its usual longest wait then. */
const BEYOND_USUAL_WAIT = 2;
const BRIEF_WAIT_MS = 60_000;

/**
 * Whether a queue is one the warehouse has most days at this time of day (`usualQueue`, its history
 * at the same hour): a daily peak of the usual depth is a capacity-planning matter, not an incident.
 * One far deeper, or people waiting minutes where they usually wait seconds, is news. Without a
 * usual (too little history) no queue is.
 */
function withinUsual(w: WarehouseObservation): boolean {
  const usual = w.usualQueue;
  if (usual === undefined) return false;
  const wait = w.maxQueuedMs ?? 0;
  return (
    w.queuedQueries <= usual.queuedQueries * BEYOND_USUAL_DEPTH &&
    (wait < BRIEF_WAIT_MS || wait <= usual.maxQueuedMs * BEYOND_USUAL_WAIT)
  );
}

/**
 * SQL warehouses that queue (statements waiting at capacity on a running warehouse: ten or more, or
 * any one for five minutes) beyond what they usually queue at this time of day (`withinUsual`), and
 * warehouses left running idle with auto-stop off (`auto_stop_mins` 0 and no statement for
 * `thresholds.warehouse_idle_minutes`). A queue reports once per quarter hour it began in
 * (`QUEUE_EPISODE_MS`); an idle stretch reports once, with the dollars it has burned so far.
 */
export function detectWarehouseProblems(
  warehouses: readonly WarehouseObservation[],
  thresholds: Thresholds,
  now: number,
  options: WarehouseOptions = {},
): DetectorOutput {
  const sink = new DetectorSink();
  const queuedLimit = options.queuedQueries ?? 10;
  const queuedMsLimit = options.queuedMs ?? 300_000;
  for (const w of warehouses) {
    sink.guard(`warehouse:${w.warehouseId}`, () => {
      const running = w.state.toUpperCase() === 'RUNNING';
      const name = w.name ?? `warehouse ${w.warehouseId}`;
      const subject = { type: 'warehouse' as const, id: w.warehouseId, name };
      const refs = { warehouseId: w.warehouseId, ...(w.team !== undefined ? { team: w.team } : {}) };
      const atMax = w.numClusters >= w.maxNumClusters;
      // A morning burst that queues for a minute is a busy warehouse, not an incident: it takes people
      // waiting minutes, or a long backlog. With no cluster up the warehouse is starting (or stopped):
      // statements wait for compute on its way, which no max_num_clusters would change. `atMax` shapes
      // the advice (raise max_num_clusters).
      const queueing =
        w.numClusters > 0 &&
        w.queuedQueries > 0 &&
        (w.queuedQueries >= queuedLimit || (w.maxQueuedMs ?? 0) >= queuedMsLimit) &&
        !withinUsual(w);
      if (queueing) {
        sink.emit(`warehouse:${w.warehouseId}`, {
          dedupKey: `${w.workspaceId}:warehouse-queue:${w.warehouseId}:${Math.floor((now - (w.maxQueuedMs ?? 0)) / QUEUE_EPISODE_MS)}`,
          workspaceId: w.workspaceId,
          kind: 'warehouse_queueing',
          severityHint: 'P3',
          observedAt: now,
          occurredAt: now,
          subject,
          refs,
          // At max_num_clusters the warehouse cannot scale out and the queue does not drain by itself:
          // a person must raise the limit or move the load, so someone is told (triage's capacity rule).
          // Below it the warehouse is still scaling, a blip: no classification, nothing to tell.
          ...(atMax
            ? {
                classification: {
                  category: 'capacity' as const,
                  transient: false,
                  action: 'RETRY_WITH_NEW_PARAMS' as const,
                  fixHint: `Raise max_num_clusters (now ${w.maxNumClusters}) or move heavy queries to another warehouse`,
                  rule: 'warehouse_queueing_at_max_clusters',
                },
              }
            : {}),
          metrics: {
            queuedQueries: w.queuedQueries,
            runningQueries: w.runningQueries,
            clusters: w.numClusters,
            maxClusters: w.maxNumClusters,
            ...(w.maxQueuedMs !== undefined ? { maxQueuedSeconds: Math.round(w.maxQueuedMs / 1000) } : {}),
          },
          evidence: [
            {
              label: `${w.queuedQueries} statements queued on ${w.numClusters}/${w.maxNumClusters} clusters`,
            },
            {
              label: atMax
                ? 'At max_num_clusters: raise max_num_clusters, or move heavy queries to another warehouse'
                : 'Below max_num_clusters: it is still scaling up; check for a long-running statement holding it',
            },
          ],
        });
      }

      if (!running || w.autoStopMins !== 0 || w.runningQueries > 0 || w.idleSince === undefined) return;
      if (w.idleSince > now) throw new Error(`idle since ${w.idleSince} is in the future`);
      const idleMinutes = (now - w.idleSince) / 60_000;
      if (idleMinutes < thresholds.warehouse_idle_minutes) return;
      const costUsd = warehouseCostUsd(
        { size: w.size, warehouseType: w.warehouseType, clusters: w.numClusters, minutes: idleMinutes },
        options.prices ?? DEFAULT_LIST_PRICES,
      );
      sink.emit(`warehouse:${w.warehouseId}`, {
        dedupKey: `${w.workspaceId}:warehouse-idle:${w.warehouseId}:${w.idleSince}`,
        workspaceId: w.workspaceId,
        kind: 'warehouse_idle_no_autostop',
        severityHint: 'P4',
        observedAt: now,
        occurredAt: w.idleSince + thresholds.warehouse_idle_minutes * 60_000,
        subject,
        refs,
        metrics: { idleMinutes: Math.floor(idleMinutes), clusters: w.numClusters, autoStopMins: 0 },
        evidence: [
          { label: `Running with no statements for ${Math.floor(idleMinutes)} min and auto-stop off` },
        ],
        costUsd,
      });
    });
  }
  return sink.output();
}
