import type { IncomingMessage, ServerResponse } from 'node:http';
import DataLoader from 'dataloader';
import {
  type JobNotification,
  MAX_WEBHOOK_BYTES,
  parseJobWebhook,
  type WebhookCredentials,
} from '../agents/collector/job-webhook.js';
import type { Logger } from '../config/logger.js';
import type { Clock } from '../domain/clock.js';
import type { Dispatcher } from '../jobs/dispatcher.js';
import type { DbxopsMetrics } from '../jobs/metrics.js';
import type { MonitoringPayloads } from '../jobs/monitoring.js';
import type { ProcessedKeyRepository } from '../store/processed-key-repository.js';
import { readBody } from './http-app.js';

export const WEBHOOK_PATH = '/webhooks/databricks';

const STATUS: Record<string, number> = {
  unauthorized: 401,
  too_large: 413,
  malformed: 400,
  unsupported_media_type: 415,
};

/**
 * The Databricks job-notification endpoint: authenticate, parse, drop redeliveries, queue. It answers
 * fast (Databricks does not wait long) and never with a stack trace; a refused delivery gets a 4xx and a
 * log line.
 */
export function createWebhookRoute(deps: {
  credentials: WebhookCredentials | null;
  dispatcher: () => Dispatcher<MonitoringPayloads>;
  processedKeys: ProcessedKeyRepository;
  /** The wall clock: when a delivery arrived, for redelivery checks and queue timing. */
  wallClock: Clock;
  logger: Logger;
  metrics?: DbxopsMetrics;
}) {
  const reply = (res: ServerResponse, status: number, body: object) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const intake = createIntake(deps);
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'POST') return reply(res, 405, { error: 'method_not_allowed' });
    const body = await readBody(req, MAX_WEBHOOK_BYTES);
    if (body === null) {
      deps.metrics?.webhooks.inc({ outcome: 'too_large' });
      return reply(res, 413, { error: 'too_large' });
    }
    const parsed = parseJobWebhook({
      contentType: req.headers['content-type'],
      authorization: req.headers.authorization,
      body,
      credentials: deps.credentials,
    });
    if (!parsed.ok) {
      deps.metrics?.webhooks.inc({ outcome: parsed.reason });
      deps.logger.warn({ reason: parsed.reason, remote: req.socket.remoteAddress }, parsed.userMessage);
      return reply(res, STATUS[parsed.reason] ?? 400, { error: parsed.reason, message: parsed.userMessage });
    }
    let outcome: IntakeOutcome;
    try {
      outcome = await intake.load(parsed.value);
    } catch (error) {
      deps.metrics?.webhooks.inc({ outcome: 'unavailable' });
      deps.logger.error({ err: error }, 'webhook could not be queued; Databricks will redeliver it');
      res.setHeader('retry-after', '5');
      return reply(res, 503, { error: 'unavailable', message: 'The delivery could not be queued; retry.' });
    }
    deps.metrics?.webhooks.inc({ outcome });
    if (outcome === 'duplicate') return reply(res, 200, { ok: true, duplicate: true });
    reply(res, 202, { ok: true });
  };
}

type IntakeOutcome = 'accepted' | 'duplicate';

/**
 * Group commit: the deliveries that arrive together are deduplicated in one statement and queued as one
 * job, and each is answered only once its batch is queued. Under a burst
 * this turns thousands of inserts and queue writes a second into tens; alone, a delivery waits for
 * nothing. If queueing fails, the batch's keys are unmarked so Databricks' redelivery is processed.
 */
function createIntake(deps: {
  dispatcher: () => Dispatcher<MonitoringPayloads>;
  processedKeys: ProcessedKeyRepository;
  wallClock: Clock;
}): DataLoader<JobNotification, IntakeOutcome> {
  // One batch at a time: deliveries arriving while a batch is being stored join the next one, so
  // batches grow with the load instead of the statements.
  let inFlight: Promise<unknown> = Promise.resolve();
  const store = async (batch: readonly JobNotification[]): Promise<IntakeOutcome[]> => {
    const now = deps.wallClock.now();
    const fresh = await deps.processedKeys.markManyProcessed(
      batch.map((n) => n.dedupKey),
      now,
      'webhook',
    );
    // A key redelivered within the same batch is accepted once.
    const accepted = batch.filter((n) => fresh.delete(n.dedupKey));
    const isAccepted = new Set(accepted);
    const outcomes = batch.map((n): IntakeOutcome => (isAccepted.has(n) ? 'accepted' : 'duplicate'));
    if (accepted.length === 0) return outcomes;
    try {
      await deps.dispatcher().dispatch('webhook', { notifications: accepted, receivedAt: now });
    } catch (error) {
      await deps.processedKeys.forget(
        accepted.map((n) => n.dedupKey),
        'webhook',
      );
      throw error;
    }
    return outcomes;
  };
  return new DataLoader<JobNotification, IntakeOutcome>(
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
}

/** Deliveries per queued job at most. */
const MAX_WEBHOOK_BATCH = 500;
