import type { Logger } from '../config/logger.js';
import type { Clock } from '../domain/clock.js';
import type { IncidentRepository } from '../store/incident-repository.js';
import type { SignalOutboxRepository } from '../store/signal-outbox-repository.js';
import type { Dispatcher } from './dispatcher.js';
import { jobKeyOf, type SignalPayload, type SignalQueue } from './signal-outbox.js';

/** How far back a resolved incident's cards are brought up to date again (its last change). */
const RESOLVED_LOOKBACK_MS = 24 * 3_600_000;

export interface RequeueDeps {
  readonly outbox: SignalOutboxRepository;
  readonly incidents: IncidentRepository;
  readonly dispatcher: Dispatcher<SignalQueue & { notify: { incidentId: string } }>;
  /** The workspace's clock: incidents change on it. */
  readonly clock: Clock;
  readonly logger: Pick<Logger, 'warn'>;
}

/**
 * After Redis lost its data (a failover without persistence), queues again what went with it and the
 * store still knows was owed: the signals polls and webhooks handed on and correlation never took in
 * (the outbox; their watermarks had moved past them), and a card update for every incident whose cards
 * may lag — the open ones and those changed in the last day, so a card posted on one surface and not
 * yet on another, or not yet shown as resolved, is finished. Both are idempotent: work that was running
 * at the time and now runs twice changes nothing the second time.
 */
export async function requeueLostWork(deps: RequeueDeps): Promise<{ signalJobs: number; incidents: number }> {
  const entries = await deps.outbox.list();
  for (const entry of entries) {
    const payload = entry.payload as SignalPayload;
    await deps.dispatcher.dispatch('signal', payload, { key: jobKeyOf(payload) });
  }
  const incidents = await deps.incidents.idsOpenOrChangedSince(deps.clock.now() - RESOLVED_LOOKBACK_MS);
  for (const incidentId of incidents) {
    await deps.dispatcher.dispatch('notify', { incidentId }, { key: `notify:${incidentId}:requeued` });
  }
  deps.logger.warn(
    { signalJobs: entries.length, incidents: incidents.length },
    "Redis lost its data: the signals not yet correlated and the incidents' cards queued again",
  );
  return { signalJobs: entries.length, incidents: incidents.length };
}
