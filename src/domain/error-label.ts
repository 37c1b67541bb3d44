import { z } from 'zod';

/**
 * How a failure is labelled (docs/error-labels.md): its category, and the action the label suggests.
 * The classifier's patterns, its second opinion, signals, the triage policy's `category` conditions and
 * the scenario format's ground truth all take their lists from here.
 */
export const errorCategorySchema = z.enum([
  'timeout',
  'resource',
  'capacity',
  'permission',
  'syntax',
  'missing_object',
  'network',
  'dependency',
  'data_quality',
  'concurrency',
  'config',
  'unknown',
]);
export type ErrorCategory = z.infer<typeof errorCategorySchema>;

/** What a label suggests doing about the failure; the remediation plans say how. */
export const failureActionSchema = z.enum(['RETRY', 'RETRY_WITH_NEW_PARAMS', 'NOTIFY_OWNER', 'ESCALATE']);
export type FailureAction = z.infer<typeof failureActionSchema>;
