import { RUNS_ACTIVE_SOURCE } from '../agents/collector/poll-runs.js';
import type { Clock } from '../domain/clock.js';
import type { WatermarkRepository } from '../store/watermark-repository.js';
import type { DbxopsMetrics } from './metrics.js';
import type { PollSource } from './monitoring.js';
import type { PollLedger } from './poll-ledger.js';

/**
 * Shows `dbxops_source_lag_seconds`: for each source the collector keeps a watermark of, the workspace's
 * now minus that watermark, read from the store at every scrape. A source whose polls stopped shows a
 * lag that keeps growing, whichever process was polling it. (`runs` holds the end of the newest run
 * read, so its lag also grows while no run ends.) `runs_active` holds the start of the oldest run in
 * flight, not a position read up to, and is left out.
 */
export function showSourceLag(
  metrics: DbxopsMetrics,
  deps: { workspaceId: string; watermarks: Pick<WatermarkRepository, 'list'>; clock: Clock },
): () => void {
  return metrics.refreshOnScrape('sourceLagSeconds', async () => {
    const now = deps.clock.now();
    // A store that does not answer must not take /metrics down with it: the lags keep their last
    // values, and /readyz names the store.
    const marks = await deps.watermarks.list(deps.workspaceId).catch(() => []);
    for (const mark of marks) {
      if (mark.source === RUNS_ACTIVE_SOURCE || mark.lastSeenAt === null) continue;
      metrics.sourceLagSeconds.set(
        { workspace: deps.workspaceId, source: mark.source },
        Math.max(0, now - mark.lastSeenAt) / 1000,
      );
    }
  });
}

/** The polls that keep no watermark: their lag is how long ago their last poll finished. */
const UNWATERMARKED: readonly PollSource[] = ['topology', 'retriage'];

/**
 * Shows `dbxops_source_lag_seconds` for the polls that keep no watermark (the topology, the re-triage of
 * open incidents): the wall clock's now minus the end of their last finished poll, read from the poll
 * ledger every process writes to. A topology that stopped refreshing shows here as a lag that keeps
 * growing, like a source that stopped reading. Nothing on record (Redis restarted without its data, or
 * not polled yet) shows nothing rather than a made-up age; `/readyz` names that case.
 */
export function showPollAge(
  metrics: DbxopsMetrics,
  deps: { workspaceId: string; polls: Pick<PollLedger, 'read'>; wallClock: Clock },
): () => void {
  return metrics.refreshOnScrape('sourceLagSeconds', async () => {
    const records = await deps.polls.read().catch(() => undefined);
    if (records === undefined) return;
    const now = deps.wallClock.now();
    for (const source of UNWATERMARKED) {
      const at = records.get(source)?.last?.at;
      const labels = { workspace: deps.workspaceId, source };
      if (at === undefined) metrics.sourceLagSeconds.remove(labels);
      else metrics.sourceLagSeconds.set(labels, Math.max(0, now - at) / 1000);
    }
  });
}
