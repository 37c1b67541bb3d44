import type { IncomingMessage, ServerResponse } from 'node:http';
import { createJobWebhookIntake, type IntakeOutcome } from '../agents/collector/job-webhook-intake.js';
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
 * The HTTP route of Databricks job notifications. What a delivery means is the collector's edge:
 * `parseJobWebhook` authenticates and parses it, the intake (`job-webhook-intake.ts`) drops
 * redeliveries and queues it; this route reads the body and turns their answers into statuses. It
 * answers fast (Databricks does not wait long) and never with a stack trace; a refused delivery gets a
 * 4xx and a log line.
 */
export function createDatabricksWebhookRoute(deps: {
  credentials: WebhookCredentials | null;
  /**
   * The workspace this path belongs to, when several are watched: a notification naming another is
   * refused (403), so one workspace's webhook credentials cannot put runs in another's incidents.
   */
  workspaceId?: string;
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
  const intake = createJobWebhookIntake({
    processedKeys: deps.processedKeys,
    wallClock: deps.wallClock,
    queue: (notifications, receivedAt) =>
      deps.dispatcher().dispatch('webhook', { notifications, receivedAt }),
  });
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
    if (deps.workspaceId !== undefined && parsed.value.workspaceId !== deps.workspaceId) {
      deps.metrics?.webhooks.inc({ outcome: 'wrong_workspace' });
      deps.logger.warn(
        { workspace: parsed.value.workspaceId.slice(0, 64), remote: req.socket.remoteAddress },
        'a notification of another workspace on this workspace’s webhook path; refused',
      );
      return reply(res, 403, {
        error: 'wrong_workspace',
        message: `This path takes notifications of workspace ${deps.workspaceId} only; send each workspace's to ${WEBHOOK_PATH}/<its id>.`,
      });
    }
    let outcome: IntakeOutcome;
    try {
      outcome = await intake(parsed.value);
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
