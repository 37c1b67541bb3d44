import { createHash } from 'node:crypto';
import type { Signal } from './signal.js';

/** How much of a normalised error takes part in the fingerprint; stack frames beyond it vary too much. */
const NORMALISED_ERROR_MAX = 400;

type Mask = readonly [RegExp, string | ((match: string) => string)];

// Order matters: wider shapes (URLs, paths, timestamps, UUIDs) are masked before the numbers inside them.
const MASKS: readonly Mask[] = [
  [/\b[a-z][a-z0-9+.-]*:\/\/[^\s'"`<>()]+/gi, '<url>'],
  [/\b(?:dbfs|file|s3a?|abfss?|wasbs?|gs):\/[^\s'"`<>()]*/gi, '<path>'],
  [/'(?:[^'\\\n]|\\.){0,500}'|"(?:[^"\\\n]|\\.){0,500}"|`[^`\n]{0,500}`/g, '<str>'],
  [/(?:^|(?<=[\s=:(,[]))(?:[a-z]:)?(?:[\\/][\w.$@%+~-]+){2,}[\\/]?/gim, '<path>'],
  [/\b\d{4}-\d{2}-\d{2}[t ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:z|[+-]\d{2}:?\d{2})?/gi, '<ts>'],
  [/\b\d{4}-\d{2}-\d{2}\b/g, '<date>'],
  [/\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\b/g, '<time>'],
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<uuid>'],
  [/\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b/g, '<email>'],
  // Databricks cluster ids (0923-164208-meows279) and job-cluster ids change on every run.
  [/\b\d{4}-\d{6}-[a-z0-9]{5,10}\b/gi, '<cluster>'],
  [/\b0x[0-9a-f]+\b/gi, '<hex>'],
  [/\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,}\b/gi, '<hex>'],
  // Identifiers with numbers inside (o123, part_00042, q3_2024) keep their letters.
  [/\b(?:[a-z_]+\d|\d+[a-z_])[a-z0-9_]*\b/gi, (m) => m.replace(/\d+/g, '<n>')],
  [/[-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?/gi, '<n>'],
];

/**
 * Reduces an error message to what stays the same when the same root cause fails again on another day:
 * run ids, timestamps, paths, hex, UUIDs, quoted literals and numbers become placeholders; case and
 * whitespace are folded. `'Table `sales.q3_2024` not found at 2024-05-01T02:03:04Z'` and the same message
 * for another day and table normalise alike.
 */
export function normaliseError(message: string): string {
  let text = message.slice(0, NORMALISED_ERROR_MAX * 8);
  for (const [pattern, replacement] of MASKS) {
    text =
      typeof replacement === 'string'
        ? text.replace(pattern, replacement)
        : text.replace(pattern, replacement);
  }
  return text.toLowerCase().replace(/\s+/g, ' ').trim().slice(0, NORMALISED_ERROR_MAX);
}

/** The readable parts a fingerprint is hashed from; useful in logs and tests. */
export interface FingerprintParts {
  readonly workspace: string;
  readonly subject: string;
  readonly cause: string;
  readonly error: string;
}

/** What failed, named so that it is stable across runs: a job's task, else the subject itself. */
function stableSubject(signal: Signal): string {
  const { refs, subject } = signal;
  // A job cluster gets a new id per run; the job and task that own it are what recur.
  if (refs.jobId !== undefined) {
    return refs.taskKey !== undefined ? `job:${refs.jobId}/task:${refs.taskKey}` : `job:${refs.jobId}`;
  }
  if (refs.pipelineId !== undefined) return `pipeline:${refs.pipelineId}`;
  if (refs.warehouseId !== undefined) return `warehouse:${refs.warehouseId}`;
  return `${subject.type}:${subject.id}`;
}

/** The parts of `signal`'s fingerprint before hashing. */
export function fingerprintParts(signal: Signal): FingerprintParts {
  const c = signal.classification;
  const cause = c !== undefined ? `${c.category}/${c.rule}` : signal.kind;
  const e = signal.error;
  const error =
    e === undefined
      ? ''
      : [e.errorClass ?? '', e.errorCode ?? '', e.terminationCode ?? '', normaliseError(e.message)].join('|');
  return { workspace: signal.workspaceId, subject: stableSubject(signal), cause, error };
}

/**
 * Recognises the same root cause on another day: equal for two failures of the same job/task (or
 * warehouse, pipeline …) with the same classification and an error that differs only in run ids,
 * timestamps, paths and literals. Format: `fp_` + 24 hex characters.
 */
export function fingerprint(signal: Signal): string {
  const p = fingerprintParts(signal);
  const digest = createHash('sha256')
    .update([p.workspace, p.subject, p.cause, p.error].join('\u0000'))
    .digest('hex');
  return `fp_${digest.slice(0, 24)}`;
}
