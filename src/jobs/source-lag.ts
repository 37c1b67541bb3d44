import { RUNS_ACTIVE_SOURCE } from '../agents/collector/poll-runs.js';
import type { Clock } from '../domain/clock.js';
import type { WatermarkRepository } from '../store/watermark-repository.js';
import type { DbxopsMetrics } from './metrics.js';

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
