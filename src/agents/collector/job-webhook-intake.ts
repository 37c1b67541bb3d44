import DataLoader from 'dataloader';
import type { Clock } from '../../domain/clock.js';
import type { ProcessedKeyRepository } from '../../store/processed-key-repository.js';
import type { JobNotification } from './job-webhook.js';

/** What became of one verified delivery: queued for observation, or a redelivery of one already queued. */
export type IntakeOutcome = 'accepted' | 'duplicate';

/** Deliveries per queued batch at most. */
const MAX_WEBHOOK_BATCH = 500;

/** The idempotency scope of job notifications. */
const WEBHOOK_SCOPE = 'webhook';

export interface JobWebhookIntakeDeps {
  readonly processedKeys: Pick<ProcessedKeyRepository, 'markManyProcessed' | 'forget'>;
  /** Queues accepted notifications for observation (the `webhook` queue), all of one batch at once. */
  readonly queue: (notifications: readonly JobNotification[], receivedAt: number) => Promise<void>;
  /** The wall clock: when a delivery arrived, for redelivery checks and queue timing. */
  readonly wallClock: Clock;
}

/**
 * Takes in verified job notifications (`parseJobWebhook`): drops redeliveries by their dedup key and
 * queues the rest. Group commit: the deliveries that arrive together are deduplicated in one statement
 * and queued as one job, and each is answered only once its batch is queued. Under a burst this turns
 * thousands of inserts and queue writes a second into tens; alone, a delivery waits for nothing. If
 * queueing fails, the batch's keys are unmarked so Databricks' redelivery is processed, and the promise
 * rejects.
 */
export function createJobWebhookIntake(
  deps: JobWebhookIntakeDeps,
): (notification: JobNotification) => Promise<IntakeOutcome> {
  // One batch at a time: deliveries arriving while a batch is being stored join the next one, so
  // batches grow with the load instead of the statements.
  let inFlight: Promise<unknown> = Promise.resolve();
  const store = async (batch: readonly JobNotification[]): Promise<IntakeOutcome[]> => {
    const now = deps.wallClock.now();
    const fresh = await deps.processedKeys.markManyProcessed(
      batch.map((n) => n.dedupKey),
      now,
      WEBHOOK_SCOPE,
    );
    // A key redelivered within the same batch is accepted once.
    const accepted = batch.filter((n) => fresh.delete(n.dedupKey));
    const isAccepted = new Set(accepted);
    const outcomes = batch.map((n): IntakeOutcome => (isAccepted.has(n) ? 'accepted' : 'duplicate'));
    if (accepted.length === 0) return outcomes;
    try {
      await deps.queue(accepted, now);
    } catch (error) {
      await deps.processedKeys.forget(
        accepted.map((n) => n.dedupKey),
        WEBHOOK_SCOPE,
      );
      throw error;
    }
    return outcomes;
  };
  const loader = new DataLoader<JobNotification, IntakeOutcome>(
    (batch) => {
      const stored = store(batch);
      inFlight = stored.catch(() => {});
      return stored;
    },
    {
      cache: false,
      maxBatchSize: MAX_WEBHOOK_BATCH,
      batchScheduleFn: (flush) => void inFlight.then(() => setImmediate(flush)),
    },
  );
  return (notification) => loader.load(notification);
}
