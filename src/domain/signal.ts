import { createHash } from 'node:crypto';
import { z } from 'zod';
import { err, ok, type Result } from './result.js';
import { errorCategorySchema, failureActionSchema } from './error-label.js';
import { severitySchema } from './severity.js';
import { boundedText, cleanText, idString, jsonObject, truncateText } from './text.js';

/** The kinds the detectors emit today. `SignalKind` stays open so a new detector needs no schema change. */
const KNOWN_SIGNAL_KINDS = [
  'job_failed',
  'task_failed',
  'run_timed_out',
  'run_skipped',
  'duration_anomaly',
  'row_count_drop',
  'row_count_spike',
  'zero_rows',
  'sla_missed',
  'sla_at_risk',
  'table_overdue',
  'pipeline_failed',
  'cluster_event',
  'warehouse_queueing',
  'warehouse_idle_no_autostop',
  'runaway_query',
  'cost_anomaly',
  'budget_exceeded',
  'cluster_widened',
  'grant_revoked',
  'acl_changed',
  'monitoring_degraded',
] as const;
type KnownSignalKind = (typeof KNOWN_SIGNAL_KINDS)[number];
// `string & {}` keeps editor completion for the known kinds while accepting any other.
type SignalKind = KnownSignalKind | (string & {});

const SUBJECT_TYPES = [
  'job',
  'task',
  'table',
  'cluster',
  'warehouse',
  'pipeline',
  'query',
  'team',
  'workspace',
] as const;
const subjectTypeSchema = z.enum(SUBJECT_TYPES);

/** Limits that keep one hostile or runaway error message from bloating the store and every card. */
const SIGNAL_LIMITS = {
  errorMessage: 16_384,
  excerpt: 4_096,
  name: 512,
  evidence: 20,
  tables: 200,
  jsonBytes: 65_536,
} as const;

// Error text comes from user code and can be any size: it is truncated, never refused.
const longText = (max: number) => z.string().transform((v) => truncateText(cleanText(v), max));

const signalSubjectSchema = z.object({
  type: subjectTypeSchema,
  id: idString,
  name: longText(SIGNAL_LIMITS.name).optional(),
});

const signalRefsSchema = z
  .object({
    jobId: idString,
    runId: idString,
    taskKey: boundedText(256),
    taskRunId: idString,
    clusterId: idString,
    warehouseId: idString,
    pipelineId: idString,
    tablesRead: z.array(boundedText(512)).max(SIGNAL_LIMITS.tables),
    tablesWritten: z.array(boundedText(512)).max(SIGNAL_LIMITS.tables),
    team: boundedText(256),
    owner: boundedText(256),
    /** A permission change: the user, group or service principal whose privileges changed. */
    principal: boundedText(512),
    /** A permission change: the privileges removed (`SELECT`, `MODIFY` …), or an object ACL's new level. */
    privileges: z.array(boundedText(128)).max(100),
    /** A permission change: who made it (the audit log's `user_identity.email`). */
    changedBy: boundedText(512),
  })
  .partial();

const signalErrorSchema = z.object({
  message: longText(SIGNAL_LIMITS.errorMessage),
  errorCode: boundedText(256).optional(),
  terminationCode: boundedText(256).optional(),
  errorClass: boundedText(256).optional(),
});

/** What the classifier concluded, in the labels of `error-label.ts`. */
export const signalClassificationSchema = z.object({
  category: errorCategorySchema,
  transient: z.boolean(),
  action: failureActionSchema.optional(),
  paramsHint: jsonObject(4_096).nullable().optional(),
  fixHint: longText(1_024).optional(),
  rule: boundedText(256),
  /** How directly the evidence identified the label (0..1); low values are guesses worth a second opinion. */
  confidence: z.number().min(0).max(1).optional(),
});

const evidenceSchema = z.object({
  label: longText(256),
  url: z
    .url({ protocol: /^https?$/ })
    .max(2_048)
    .optional(),
  excerpt: longText(SIGNAL_LIMITS.excerpt).optional(),
});

/** Everything a detector knows when it emits a signal; `id` is derived from `source` + `dedupKey`. */
const signalDraftSchema = z.object({
  source: boundedText(64),
  dedupKey: boundedText(1_024),
  workspaceId: idString,
  kind: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,63}$/, { message: 'must be a snake_case kind such as job_failed' }),
  severityHint: severitySchema,
  observedAt: z.number().int().nonnegative(),
  occurredAt: z.number().int().nonnegative(),
  subject: signalSubjectSchema,
  refs: signalRefsSchema.default({}),
  error: signalErrorSchema.optional(),
  classification: signalClassificationSchema.optional(),
  metrics: z.record(boundedText(64), z.number().finite()).default({}),
  evidence: z.array(evidenceSchema).max(SIGNAL_LIMITS.evidence).default([]),
  costUsd: z.number().finite().nonnegative().optional(),
});
export type SignalDraft = z.input<typeof signalDraftSchema>;

export const signalSchema = signalDraftSchema.extend({ id: z.string().regex(/^sig_[0-9a-f]{32}$/) });
export type Signal = z.output<typeof signalSchema> & { kind: SignalKind };

/**
 * The id of the signal a source reports under `dedupKey` (e.g. source `webhook`, key `run:123:failed`).
 * The same observation seen twice — a webhook redelivered, a run polled twice — gets the same id, so the
 * store collapses duplicates.
 */
export function signalId(source: string, dedupKey: string): string {
  const digest = createHash('sha256').update(source).update('\u0000').update(dedupKey).digest('hex');
  return `sig_${digest.slice(0, 32)}`;
}

/** Validates untrusted detector output and gives it its deterministic id. */
export function makeSignal(draft: unknown): Result<Signal, 'invalid_signal'> {
  const parsed = signalDraftSchema.safeParse(draft);
  if (!parsed.success) {
    return err('invalid_signal', `The signal was not recorded: ${z.prettifyError(parsed.error)}`, {
      issues: parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
    });
  }
  return ok({ ...parsed.data, id: signalId(parsed.data.source, parsed.data.dedupKey) });
}
