import { createHash } from 'node:crypto';
import type { Logger } from '../../config/logger.js';
import type { DatabricksClient } from '../../databricks/rest/databricks-client.js';
import type { Incident } from '../../domain/incident.js';
import type { Signal } from '../../domain/signal.js';
import type { RemediationContext } from './plan-remediation.js';
import type { RemediationKind } from './remediation-kind.js';

/**
 * What a dry-run plan is built from: the ids on the incident's root signal, plus the current settings
 * read from the workspace when the plan edits them. Without a workspace (`api` undefined), or when a
 * read fails, the plan gets the ids alone and says which setting it could not read.
 */
export async function readPlanContext(
  api: DatabricksClient | undefined,
  kind: RemediationKind,
  incident: Incident,
  signal: Signal | undefined,
  log: Pick<Logger, 'warn'>,
): Promise<RemediationContext> {
  const refs = signal?.refs ?? {};
  const num = (v: string | undefined) => (v !== undefined && /^\d{1,16}$/.test(v) ? Number(v) : undefined);
  const context: {
    -readonly [K in keyof RemediationContext]: RemediationContext[K];
  } = {
    jobId: num(refs.jobId),
    runId: num(refs.runId),
    taskKey: refs.taskKey,
    clusterId: refs.clusterId,
    warehouseId: refs.warehouseId,
    statementId: signal?.subject.type === 'query' ? signal.subject.id : undefined,
    idempotencyToken: `dbxops-${createHash('sha256').update(`${incident.id}:${incident.version}`).digest('hex').slice(0, 32)}`,
  };
  if (api === undefined) return context;
  try {
    if (
      ['bigger_cluster', 'longer_timeout', 'pause_schedule'].includes(kind) &&
      context.jobId !== undefined
    ) {
      context.job = await api.jobs.getJob(context.jobId);
    }
    if (
      ['scale_warehouse', 'stop_warehouse', 'start_warehouse'].includes(kind) &&
      context.warehouseId !== undefined
    ) {
      context.warehouse = await api.warehouses.getWarehouse(context.warehouseId);
    }
    if (kind === 'repair' && context.runId !== undefined) {
      const run = await api.jobs.getRun(context.runId, { include_history: true });
      const repairs = (run.repair_history ?? []).filter((r) => r.type === 'REPAIR' && r.id !== undefined);
      const last = repairs[repairs.length - 1]?.id;
      if (last !== undefined) context.latestRepairId = Number(last);
    }
  } catch (error) {
    // The plan then says which setting it could not read instead of guessing one.
    log.warn({ err: error, kind, incidentId: incident.id }, 'could not read current settings for a plan');
  }
  return context;
}
