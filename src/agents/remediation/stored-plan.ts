import { z } from 'zod';
import type { RemediationPlan } from './plan-remediation.js';
import { remediationKindSchema } from './remediation-kind.js';

const callSchema = z.object({
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']),
  path: z.string(),
  body: z.unknown().optional(),
});

const verifySpecSchema = z.discriminatedUnion('target', [
  z.object({
    target: z.literal('run'),
    runId: z.number().optional(),
    expect: z.enum(['success', 'stopped']),
    /** Learnt from `runs/repair`: verification waits for this repair's own state. */
    repairId: z.number().optional(),
  }),
  z.object({
    target: z.literal('warehouse'),
    warehouseId: z.string(),
    clusterSize: z.string().optional(),
    maxClusters: z.number().optional(),
    autoStopMins: z.number().optional(),
  }),
  z.object({ target: z.literal('cluster'), clusterId: z.string() }),
  z.object({ target: z.literal('statement'), statementId: z.string() }),
  z.object({
    target: z.literal('pipeline_update'),
    pipelineId: z.string(),
    /** The stuck update the plan stops: a newer update than it is the one the plan started. */
    stoppedUpdateId: z.string(),
    continuous: z.boolean(),
    /** Learnt from `updates`' answer (or found by reconciling): the update verification follows. */
    updateId: z.string().optional(),
  }),
  z.object({
    target: z.literal('job_settings'),
    jobId: z.number(),
    settings: z.record(z.string(), z.unknown()),
  }),
  z.object({ target: z.literal('none') }),
]);
export type StoredVerify = z.infer<typeof verifySpecSchema>;

const targetSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('job'), jobId: z.number(), name: z.string().optional() }),
  z.object({ kind: z.literal('warehouse'), warehouseId: z.string(), name: z.string().optional() }),
  z.object({ kind: z.literal('cluster'), clusterId: z.string(), name: z.string().optional() }),
  z.object({ kind: z.literal('pipeline'), pipelineId: z.string(), name: z.string().optional() }),
]);

const planSchema = z.object({
  target: targetSchema.optional(),
  kind: remediationKindSchema,
  title: z.string(),
  calls: z.array(callSchema),
  risk: z.enum(['low', 'medium', 'high']),
  destructive: z.boolean(),
  rollback: z.string(),
  rollbackCalls: z.array(callSchema),
  estimatedCostUsd: z.number().nullable(),
  verify: verifySpecSchema,
  repairsJob: z.object({ kind: z.literal('job'), jobId: z.number(), name: z.string().optional() }).optional(),
  notify: z.object({ owner: z.string(), source: z.string().optional(), text: z.string() }).optional(),
});

/** A plan as stored with its attempt, read back; undefined when the row holds something else. */
export function readStoredPlan(value: unknown): RemediationPlan | undefined {
  const parsed = planSchema.safeParse(value);
  return parsed.success ? (parsed.data as RemediationPlan) : undefined;
}

/** A verification spec as stored, read back. */
export function readStoredVerify(value: unknown): StoredVerify | undefined {
  const parsed = verifySpecSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}
