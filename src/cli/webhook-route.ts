import type { IncomingMessage, ServerResponse } from 'node:http';
import {
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
  clock: Clock;
  logger: Logger;
  metrics?: DbxopsMetrics;
}) {
  const reply = (res: ServerResponse, status: number, body: object) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
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
    const now = deps.clock.now();
    const fresh = await deps.processedKeys.markProcessed(parsed.value.dedupKey, now, 'webhook');
    if (!fresh) {
      deps.metrics?.webhooks.inc({ outcome: 'duplicate' });
      return reply(res, 200, { ok: true, duplicate: true });
    }
    await deps
      .dispatcher()
      .dispatch('webhook', { notification: parsed.value, receivedAt: now }, { key: parsed.value.dedupKey });
    deps.metrics?.webhooks.inc({ outcome: 'accepted' });
    reply(res, 202, { ok: true });
  };
}
