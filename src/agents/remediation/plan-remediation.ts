import type { Job, JobSettings } from '../../databricks/rest/jobs-api.js';
import type { Warehouse } from '../../databricks/rest/warehouses-api.js';
import { err, ok, type Result } from '../../domain/result.js';
import { REMEDIATION_INFO, type RemediationKind, type RemediationRisk } from './remediation-kind.js';

/** One Databricks REST call exactly as it would be sent. */
interface PlannedCall {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly body?: unknown;
}

/** A dry-run plan: what would be sent, how risky it is, how to undo it and what it may cost. */
export interface RemediationPlan {
  readonly kind: RemediationKind;
  readonly title: string;
  readonly calls: readonly PlannedCall[];
  readonly risk: RemediationRisk;
  readonly rollback: string;
  /** Extra spend per hour of running (or per run) where it can be computed; null when it cannot. */
  readonly estimatedCostUsd: number | null;
}

/**
 * What the planner needs to know about the incident's subject. Settings are the caller's fresh reads
 * (`jobs/get`, `warehouses/{id}`), so the plan is pure and read-modify-write uses the current state.
 */
export interface RemediationContext {
  readonly jobId?: number | undefined;
  readonly runId?: number | undefined;
  readonly taskKey?: string | undefined;
  readonly clusterId?: string | undefined;
  readonly warehouseId?: string | undefined;
  readonly statementId?: string | undefined;
  /** `jobs/get` result for the job. */
  readonly job?: Job | undefined;
  /** `warehouses/{id}` result. */
  readonly warehouse?: Warehouse | undefined;
  /** The newest `repair_history` REPAIR id of the run, when it was repaired before. */
  readonly latestRepairId?: number | undefined;
  /** Makes a retry idempotent: the same token twice returns the first run (≤ 64 chars). */
  readonly idempotencyToken?: string | undefined;
  /** USD per DBU for jobs compute (default 0.15, AWS premium) and SQL (default 0.70, serverless). */
  readonly jobsUsdPerDbu?: number | undefined;
  readonly sqlUsdPerDbu?: number | undefined;
}

export type PlanRefusal = 'missing_context';

const JOBS = '/api/2.2/jobs';
const WAREHOUSES = '/api/2.0/sql/warehouses';
const CLUSTERS = '/api/2.1/clusters';

/** Warehouse sizes smallest first, with their DBU/hour per running cluster (docs/databricks.md, Prices and sizes). */
const WAREHOUSE_SIZES = [
  ['2X-Small', 4],
  ['X-Small', 6],
  ['Small', 12],
  ['Medium', 24],
  ['Large', 40],
  ['X-Large', 80],
  ['2X-Large', 144],
  ['3X-Large', 272],
  ['4X-Large', 528],
] as const;

/** Approximate DBU per node-hour of common node types (docs/databricks.md, Prices and sizes). */
const NODE_DBU: Record<string, number> = {
  Standard_DS3_v2: 0.75,
  Standard_DS4_v2: 1.5,
  Standard_DS5_v2: 3.0,
  Standard_E8ds_v4: 2.0,
  Standard_F4s_v2: 0.5,
  'm5.xlarge': 0.69,
  'm5.2xlarge': 1.37,
  'm5.4xlarge': 2.74,
  'i3.xlarge': 1.0,
  'i3.2xlarge': 2.0,
  'r5.xlarge': 0.9,
  'r5.2xlarge': 1.8,
};

const MAX_WORKERS = 1_000;

const missing = (what: string) =>
  err('missing_context', `This plan needs ${what}, which the incident does not carry.`, { missing: what });

/**
 * Builds the dry-run plan for `kind`. Pure: the same context gives the same plan. Refuses with
 * `missing_context` (and says what is missing) rather than guessing an id or a setting.
 */
export function planRemediation(
  kind: RemediationKind,
  context: RemediationContext,
): Result<RemediationPlan, PlanRefusal> {
  const info = REMEDIATION_INFO[kind];
  const plan = (
    calls: PlannedCall[],
    rollback: string,
    estimatedCostUsd: number | null = null,
    title = info.label,
  ) => ok<RemediationPlan>({ kind, title, calls, risk: info.risk, rollback, estimatedCostUsd });

  switch (kind) {
    case 'retry': {
      if (context.jobId === undefined) return missing('a job id');
      const body: Record<string, unknown> = { job_id: context.jobId };
      if (context.idempotencyToken !== undefined)
        body.idempotency_token = context.idempotencyToken.slice(0, 64);
      return plan(
        [{ method: 'POST', path: `${JOBS}/run-now`, body }],
        'Cancel the new run with POST /api/2.2/jobs/runs/cancel if it should not continue.',
      );
    }
    case 'repair': {
      if (context.runId === undefined) return missing('a run id');
      const body: Record<string, unknown> = { run_id: context.runId, rerun_all_failed_tasks: true };
      if (context.latestRepairId !== undefined) body.latest_repair_id = context.latestRepairId;
      return plan(
        [{ method: 'POST', path: `${JOBS}/runs/repair`, body }],
        'Cancel the repaired run with POST /api/2.2/jobs/runs/cancel; tasks that already succeeded keep their output.',
      );
    }
    case 'bigger_cluster':
      return planBiggerCluster(context, plan);
    case 'longer_timeout':
      return planLongerTimeout(context, plan);
    case 'pause_schedule': {
      if (context.jobId === undefined) return missing('a job id');
      const schedule = context.job?.settings?.schedule;
      if (schedule === undefined) return missing("the job's current schedule (jobs/get)");
      return plan(
        [
          {
            method: 'POST',
            path: `${JOBS}/update`,
            body: {
              job_id: context.jobId,
              new_settings: { schedule: { ...schedule, pause_status: 'PAUSED' } },
            },
          },
        ],
        `Unpause: POST /api/2.2/jobs/update with the same schedule and pause_status ${schedule.pause_status ?? 'UNPAUSED'}.`,
      );
    }
    case 'scale_warehouse':
      return planScaleWarehouse(context, plan);
    case 'stop_warehouse': {
      if (context.warehouseId === undefined) return missing('a warehouse id');
      const perHour = warehouseDbuPerHour(context.warehouse);
      return plan(
        [{ method: 'POST', path: `${WAREHOUSES}/${encodeURIComponent(context.warehouseId)}/stop`, body: {} }],
        `Start it again with POST ${WAREHOUSES}/${encodeURIComponent(context.warehouseId)}/start.`,
        // Stopping saves money; the estimate is what one more hour running would have cost.
        perHour === null ? null : round(-perHour * (context.sqlUsdPerDbu ?? 0.7)),
      );
    }
    case 'start_warehouse': {
      if (context.warehouseId === undefined) return missing('a warehouse id');
      const perHour = warehouseDbuPerHour(context.warehouse);
      return plan(
        [
          {
            method: 'POST',
            path: `${WAREHOUSES}/${encodeURIComponent(context.warehouseId)}/start`,
            body: {},
          },
        ],
        `Stop it again with POST ${WAREHOUSES}/${encodeURIComponent(context.warehouseId)}/stop.`,
        perHour === null ? null : round(perHour * (context.sqlUsdPerDbu ?? 0.7)),
      );
    }
    case 'restart_cluster': {
      if (context.clusterId === undefined) return missing('a cluster id');
      return plan(
        [{ method: 'POST', path: `${CLUSTERS}/restart`, body: { cluster_id: context.clusterId } }],
        'A restart cannot be undone; state lost on the cluster must be recomputed.',
      );
    }
    case 'cancel_run': {
      if (context.runId === undefined) return missing('a run id');
      return plan(
        [{ method: 'POST', path: `${JOBS}/runs/cancel`, body: { run_id: context.runId } }],
        'Start the job again with POST /api/2.2/jobs/run-now, or repair the cancelled run.',
      );
    }
    case 'cancel_statement': {
      if (context.statementId === undefined) return missing('a statement id');
      return plan(
        [
          {
            method: 'POST',
            path: `/api/2.0/sql/statements/${encodeURIComponent(context.statementId)}/cancel`,
          },
        ],
        'A cancelled statement cannot be resumed; run the query again if it is still needed.',
      );
    }
  }
}

type Planner = (
  calls: PlannedCall[],
  rollback: string,
  estimatedCostUsd?: number | null,
  title?: string,
) => Result<RemediationPlan, PlanRefusal>;

/** Read-modify-write of the whole `job_clusters` entry: a larger node type when known, else 2× workers. */
function planBiggerCluster(context: RemediationContext, plan: Planner): Result<RemediationPlan, PlanRefusal> {
  if (context.jobId === undefined) return missing('a job id');
  const settings: JobSettings | undefined = context.job?.settings;
  const clusters = settings?.job_clusters ?? [];
  const task = settings?.tasks?.find((t) => t.task_key === context.taskKey);
  const entry = clusters.find((c) => c.job_cluster_key === task?.job_cluster_key) ?? clusters[0];
  if (entry === undefined) return missing("a job cluster in the job's settings (jobs/get)");
  const before = entry.new_cluster;
  const larger = before.node_type_id === undefined ? undefined : largerNodeType(before.node_type_id);
  const after = { ...before };
  if (larger !== undefined) {
    after.node_type_id = larger;
    if (before.driver_node_type_id !== undefined) after.driver_node_type_id = larger;
  } else if (before.autoscale !== undefined) {
    after.autoscale = {
      ...before.autoscale,
      max_workers: Math.min(
        MAX_WORKERS,
        Math.max(before.autoscale.max_workers * 2, before.autoscale.min_workers + 1),
      ),
    };
  } else {
    after.num_workers = Math.min(MAX_WORKERS, Math.max(1, (before.num_workers ?? 0) * 2));
  }
  const cost = clusterCostDelta(before, after, context.jobsUsdPerDbu ?? 0.15);
  return plan(
    [
      {
        method: 'POST',
        path: `${JOBS}/update`,
        body: {
          job_id: context.jobId,
          new_settings: { job_clusters: [{ ...entry, new_cluster: after }] },
        },
      },
    ],
    `Send the previous job_clusters entry back with POST /api/2.2/jobs/update (node type ${before.node_type_id ?? 'unchanged'}, ${workersText(before)}).`,
    cost,
    larger === undefined
      ? `More workers for ${entry.job_cluster_key}`
      : `${entry.job_cluster_key} on ${larger}`,
  );
}

/** Doubles the task's `timeout_seconds`, sending the whole task object as `jobs/update` requires. */
function planLongerTimeout(context: RemediationContext, plan: Planner): Result<RemediationPlan, PlanRefusal> {
  if (context.jobId === undefined) return missing('a job id');
  const tasks = context.job?.settings?.tasks ?? [];
  const task =
    tasks.find((t) => t.task_key === context.taskKey) ?? (tasks.length === 1 ? tasks[0] : undefined);
  if (task === undefined) return missing("the failing task's settings (jobs/get and a task key)");
  const current = task.timeout_seconds ?? 0;
  // 0 means "no timeout": there is nothing to double, and a timeout failure then came from the job level.
  if (current <= 0) return missing('a task timeout to double (the task has none)');
  return plan(
    [
      {
        method: 'POST',
        path: `${JOBS}/update`,
        body: { job_id: context.jobId, new_settings: { tasks: [{ ...task, timeout_seconds: current * 2 }] } },
      },
    ],
    `Send the task back with timeout_seconds ${current} via POST /api/2.2/jobs/update.`,
  );
}

/** One size up and one more cluster; the full config is sent because omitted fields may be reset. */
function planScaleWarehouse(
  context: RemediationContext,
  plan: Planner,
): Result<RemediationPlan, PlanRefusal> {
  if (context.warehouseId === undefined) return missing('a warehouse id');
  const w = context.warehouse;
  if (w === undefined) return missing("the warehouse's current config (warehouses/{id})");
  const {
    id: _id,
    state: _s,
    health: _h,
    num_clusters: _n,
    num_active_sessions: _a,
    jdbc_url: _j,
    creator_name: _c,
    ...config
  } = w;
  const index = WAREHOUSE_SIZES.findIndex(([size]) => size === w.cluster_size);
  const nextSize =
    index >= 0 ? WAREHOUSE_SIZES[Math.min(index + 1, WAREHOUSE_SIZES.length - 1)]?.[0] : undefined;
  const maxClusters = Math.min(40, (w.max_num_clusters ?? 1) + 1);
  const edited = {
    ...config,
    ...(nextSize === undefined ? {} : { cluster_size: nextSize }),
    max_num_clusters: maxClusters,
  };
  const beforeRate = WAREHOUSE_SIZES.find(([s]) => s === w.cluster_size)?.[1];
  const afterRate = WAREHOUSE_SIZES.find(([s]) => s === edited.cluster_size)?.[1];
  // Priced at full scale-out (every allowed cluster running): the most the change can add per hour.
  const cost =
    beforeRate === undefined || afterRate === undefined
      ? null
      : round(
          (afterRate * maxClusters - beforeRate * (w.max_num_clusters ?? 1)) * (context.sqlUsdPerDbu ?? 0.7),
        );
  return plan(
    [{ method: 'POST', path: `${WAREHOUSES}/${encodeURIComponent(context.warehouseId)}/edit`, body: edited }],
    `Edit it back to cluster_size ${w.cluster_size ?? '(unchanged)'} and max_num_clusters ${w.max_num_clusters ?? 1}.`,
    cost,
  );
}

/** The next node type up the same family, for the families we know; undefined otherwise. */
export function largerNodeType(nodeType: string): string | undefined {
  const azure = /^Standard_DS(\d+)_v2$/.exec(nodeType);
  if (azure?.[1] !== undefined) {
    const n = Number(azure[1]);
    return n < 5 ? `Standard_DS${n + 1}_v2` : undefined;
  }
  const aws = /^([a-z]\d[a-z]*)\.(\d*)xlarge$/.exec(nodeType);
  if (aws?.[1] !== undefined) {
    const factor = aws[2] === '' || aws[2] === undefined ? 1 : Number(aws[2]);
    return factor >= 16 ? undefined : `${aws[1]}.${factor * 2}xlarge`;
  }
  return undefined;
}

type ClusterShape = {
  node_type_id?: string | undefined;
  num_workers?: number | undefined;
  autoscale?: { max_workers: number } | undefined;
};

function workersText(c: ClusterShape): string {
  return c.autoscale !== undefined
    ? `max ${c.autoscale.max_workers} workers`
    : `${c.num_workers ?? 0} workers`;
}

/** Extra USD per hour at the cluster's largest size, or null for unknown node types. */
function clusterCostDelta(before: ClusterShape, after: ClusterShape, usdPerDbu: number): number | null {
  const rate = (c: ClusterShape) => {
    const dbu = c.node_type_id === undefined ? undefined : NODE_DBU[c.node_type_id];
    if (dbu === undefined) return null;
    return dbu * ((c.autoscale?.max_workers ?? c.num_workers ?? 0) + 1);
  };
  const a = rate(before);
  const b = rate(after);
  return a === null || b === null ? null : round((b - a) * usdPerDbu);
}

function warehouseDbuPerHour(w: Warehouse | undefined): number | null {
  const rate = WAREHOUSE_SIZES.find(([s]) => s === w?.cluster_size)?.[1];
  return rate === undefined ? null : rate * (w?.num_clusters ?? w?.min_num_clusters ?? 1);
}

const round = (usd: number) => Math.round(usd * 100) / 100;
