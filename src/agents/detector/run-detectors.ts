import type { Policy } from '../../config/policy.js';
import type { AclChangeObservation } from '../collector/acl-change-observation.js';
import type { GrantChangeObservation } from '../collector/grant-change-observation.js';
import type { ClassifyFn } from './classify-hook.js';
import { detectClusterEvents } from './detect-cluster-events.js';
import { detectClusterWidening } from './detect-cluster-widening.js';
import { detectCostProblems } from './detect-cost.js';
import { detectAclChanges } from './detect-acl-changes.js';
import { detectGrantChanges } from './detect-grant-changes.js';
import { type DurationBaselines, detectDurationAnomalies } from './detect-duration-anomaly.js';
import { detectOverdueTables } from './detect-overdue-tables.js';
import { detectPipelineFailures } from './detect-pipeline-failures.js';
import { detectRowCountAnomalies, type RowCountBaselines } from './detect-row-counts.js';
import { detectRunFailures } from './detect-run-failures.js';
import { detectRunawayQueries } from './detect-runaway-queries.js';
import { detectSlaBreaches } from './detect-sla.js';
import { detectWarehouseProblems } from './detect-warehouses.js';
import { type DetectorOutput, mergeOutputs } from './detector-output.js';
import type {
  ClusterEventObservation,
  CostObservation,
  JobClusterHistory,
  PipelineUpdateObservation,
  QueryObservation,
  RunObservation,
  TableLoadObservation,
  TableSla,
  WarehouseObservation,
} from './observations.js';

/** Everything the collector observed on one tick; each list is optional. */
export interface DetectorInputs {
  readonly runs?: readonly RunObservation[];
  readonly loads?: readonly TableLoadObservation[];
  readonly slas?: readonly TableSla[];
  /** The upstream runs SLAs are judged on: each job's latest finished run and those in flight (default `runs`). */
  readonly slaRuns?: readonly RunObservation[];
  readonly pipelineUpdates?: readonly PipelineUpdateObservation[];
  readonly clusterEvents?: readonly ClusterEventObservation[];
  readonly warehouses?: readonly WarehouseObservation[];
  readonly queries?: readonly QueryObservation[];
  readonly costs?: readonly CostObservation[];
  readonly grantChanges?: readonly GrantChangeObservation[];
  readonly aclChanges?: readonly AclChangeObservation[];
  readonly jobClusters?: readonly JobClusterHistory[];
}

/** The baselines detectors keep between ticks: plain JSON, store it per workspace. */
export interface DetectorState {
  readonly durations: DurationBaselines;
  readonly rowCounts: RowCountBaselines;
}

export const emptyDetectorState = (): DetectorState => ({ durations: {}, rowCounts: {} });

export interface RunDetectorsOutput extends DetectorOutput {
  readonly state: DetectorState;
}

/**
 * Runs every detector over one tick's observations and merges their signals. A detector that throws
 * outright (a bug, not odd data: that is skipped per subject inside) is reported as a skipped
 * `detector:<name>` and the others still run.
 */
export function runDetectors(
  inputs: DetectorInputs,
  state: DetectorState,
  policy: Pick<Policy, 'thresholds' | 'budgets'>,
  now: number,
  deps: { readonly classify?: ClassifyFn } = {},
): RunDetectorsOutput {
  const t = policy.thresholds;
  const outputs: DetectorOutput[] = [];
  let next = state;
  const run = (name: string, body: () => DetectorOutput) => {
    try {
      outputs.push(body());
    } catch (e) {
      outputs.push({
        signals: [],
        skipped: [{ subject: `detector:${name}`, reason: e instanceof Error ? e.message : String(e) }],
      });
    }
  };
  const runs = inputs.runs ?? [];
  const classify = deps.classify !== undefined ? { classify: deps.classify } : {};
  run('run_failures', () => detectRunFailures(runs, now, classify));
  run('duration', () => {
    const out = detectDurationAnomalies(runs, state.durations, t, now);
    next = { ...next, durations: out.baselines };
    return out;
  });
  run('row_counts', () => {
    const out = detectRowCountAnomalies(inputs.loads ?? [], state.rowCounts, t, now, inputs.slas ?? []);
    next = { ...next, rowCounts: out.baselines };
    return out;
  });
  // Before the SLAs: an update in flight is judged against its pipeline's baseline with this pass's
  // completed updates recorded, as a run is against its job's.
  run('pipelines', () => {
    const out = detectPipelineFailures(inputs.pipelineUpdates ?? [], now, {
      ...classify,
      durations: next.durations,
      thresholds: t,
      runs,
    });
    next = { ...next, durations: out.durations };
    return out;
  });
  run('sla', () =>
    detectSlaBreaches(inputs.slas ?? [], inputs.slaRuns ?? runs, now, {
      durations: next.durations,
      minHistoryRuns: t.min_history_runs,
      updates: inputs.pipelineUpdates ?? [],
    }),
  );
  run('overdue_tables', () =>
    detectOverdueTables(next.rowCounts, inputs.slas ?? [], now, { minHistoryRuns: t.min_history_runs }),
  );
  run('clusters', () => detectClusterEvents(inputs.clusterEvents ?? [], now, classify));
  run('warehouses', () => detectWarehouseProblems(inputs.warehouses ?? [], t, now));
  run('queries', () =>
    detectRunawayQueries(inputs.queries ?? [], t, now, { warehouses: inputs.warehouses ?? [] }),
  );
  run('cost', () => {
    const budgets = Object.entries(policy.budgets).map(([team, monthlyUsd]) => ({ team, monthlyUsd }));
    return detectCostProblems(inputs.costs ?? [], budgets, t, now);
  });
  run('grants', () => detectGrantChanges(inputs.grantChanges ?? [], now));
  run('acls', () => detectAclChanges(inputs.aclChanges ?? [], now));
  run('cluster_widening', () => detectClusterWidening(inputs.jobClusters ?? [], t, now));
  return { ...mergeOutputs(...outputs), state: next };
}
