import { timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { err, ok, type Result } from '../../domain/result.js';

/** Databricks job notifications are tiny (ids only); anything this large is not one. */
export const MAX_WEBHOOK_BYTES = 64 * 1024;

// Databricks documents ids as quoted placeholders and sends numbers in places: accept both, keep strings.
const id = z
  .union([z.string().regex(/^\d{1,19}$/), z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER)])
  .transform(String);

const payloadSchema = z.object({
  event_type: z.string().min(1).max(100),
  workspace_id: id,
  run: z.object({ run_id: id, parent_run_id: id.optional() }).loose(),
  job: z.object({ job_id: id, name: z.string().max(4096).optional() }).loose(),
  task: z
    .object({ task_key: z.string().min(1).max(1000) })
    .loose()
    .optional(),
});

/** A job notification in our terms. For a task-level notification `runId` is the task run's id. */
export interface JobNotification {
  eventType: string;
  workspaceId: string;
  jobId: string;
  jobName: string | null;
  /** The job run this is about (the parent for task-level notifications). */
  jobRunId: string;
  taskRunId: string | null;
  taskKey: string | null;
  /** Stable across redeliveries of the same notification: the idempotency key. */
  dedupKey: string;
}

export type WebhookRefusal = 'unauthorized' | 'too_large' | 'malformed' | 'unsupported_media_type';

export interface WebhookCredentials {
  username: string;
  password: string;
}

/**
 * Checks HTTP Basic credentials in constant time. Databricks webhook destinations can send them; there
 * is no signature to verify, so a destination without a password is refused unless the caller opted
 * into unauthenticated webhooks.
 */
export function checkBasicAuth(header: string | undefined, expected: WebhookCredentials): boolean {
  if (!header?.startsWith('Basic ')) return false;
  let decoded: string;
  try {
    decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  } catch {
    return false;
  }
  const given = Buffer.from(decoded);
  const wanted = Buffer.from(`${expected.username}:${expected.password}`);
  // Compare equal-length buffers only; a length mismatch is itself the answer.
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

/**
 * Turns one webhook delivery into a `JobNotification`, or a refusal with a reason the HTTP layer maps to
 * a 4xx. Never throws on what a sender controls.
 */
export function parseJobWebhook(input: {
  contentType: string | undefined;
  authorization: string | undefined;
  body: Buffer | string;
  credentials: WebhookCredentials | null;
}): Result<JobNotification, WebhookRefusal> {
  if (input.credentials !== null && !checkBasicAuth(input.authorization, input.credentials)) {
    return err(
      'unauthorized',
      'Webhook credentials are missing or wrong: configure the destination with the dbxops username and password',
    );
  }
  const size = typeof input.body === 'string' ? Buffer.byteLength(input.body) : input.body.length;
  if (size > MAX_WEBHOOK_BYTES)
    return err(
      'too_large',
      `Webhook body is ${size} bytes; a job notification is under ${MAX_WEBHOOK_BYTES}`,
    );
  // Databricks always says application/json; a delivery that names no type is refused like a wrong one.
  if (input.contentType === undefined || !/^application\/(.+\+)?json\b/i.test(input.contentType)) {
    return err(
      'unsupported_media_type',
      `Expected Content-Type application/json, got ${input.contentType === undefined ? 'none' : input.contentType.slice(0, 100)}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(typeof input.body === 'string' ? input.body : input.body.toString('utf8'));
  } catch {
    return err('malformed', 'Webhook body is not JSON');
  }
  const parsed = payloadSchema.safeParse(json);
  if (!parsed.success) {
    const where = parsed.error.issues.map((i) => i.path.join('.') || '(body)').slice(0, 5);
    return err('malformed', `Not a Databricks job notification: check ${where.join(', ')}`, {
      fields: where,
    });
  }
  const p = parsed.data;
  const isTask = p.task !== undefined && p.run.parent_run_id !== undefined;
  const jobRunId = isTask ? p.run.parent_run_id! : p.run.run_id;
  const taskRunId = isTask ? p.run.run_id : null;
  return ok({
    eventType: p.event_type,
    workspaceId: p.workspace_id,
    jobId: p.job.job_id,
    jobName: p.job.name ?? null,
    jobRunId,
    taskRunId,
    taskKey: p.task?.task_key ?? null,
    dedupKey: ['webhook', p.workspace_id, p.event_type, jobRunId, taskRunId ?? '-'].join(':'),
  });
}
