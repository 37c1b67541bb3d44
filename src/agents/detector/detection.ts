import type { Policy } from '../../config/policy.js';
import { classifyError } from '../classifier/classify-error.js';
import type { SystemTableObservations } from '../collector/poll-system-tables.js';
import { detectRunFailures } from './detect-run-failures.js';
import type { DetectorOutput } from './detector-output.js';
import type { CostObservation, RunObservation, TableSla } from './observations.js';
import {
  type DetectorInputs,
  type DetectorState,
  emptyDetectorState,
  runDetectors,
} from './run-detectors.js';

/** Cost periods kept for the baseline: the detector's 14 trailing days and the month to date. */
const COST_HISTORY_MS = 35 * 86_400_000;

/**
 * Detection for one workspace in one process, between polls: the detectors' baselines, the latest load
 * seen per table (to judge SLA freshness between topology refreshes), the runs in flight at the last
 * runs poll (for SLA-at-risk between polls) and the cost history. Losing it (a restart) loses no
 * incident: baselines are learnt again and signal ids collapse what is seen twice.
 */
export class Detection {
  readonly #policy: Pick<Policy, 'thresholds' | 'budgets'>;
  #baselines: DetectorState = emptyDetectorState();
  readonly #lastLoads = new Map<string, number>();
  #activeRuns: readonly RunObservation[] = [];
  /**
   * Spend per team and period seen so far (the newest amount per period), the cost detector's trailing
   * history: the collector hands out only periods that changed, so one poll alone holds too few.
   */
  readonly #costs = new Map<string, CostObservation>();

  constructor(policy: Pick<Policy, 'thresholds' | 'budgets'>) {
    this.#policy = policy;
  }

  /**
   * One run a job notification announced: the failure detectors only. Baselines learn from polls only,
   * so a run seen by both paths is counted once.
   */
  ofNotifiedRun(observation: RunObservation, now: number): DetectorOutput {
    return detectRunFailures([observation], now, { classify: classifyError });
  }

  /** A runs poll: completed and in-flight runs, with the SLAs of `slas` judged on the latest loads. */
  ofRunsPoll(
    polled: { readonly completed: readonly RunObservation[]; readonly active: readonly RunObservation[] },
    slas: readonly TableSla[],
    now: number,
  ): DetectorOutput {
    this.#activeRuns = polled.active;
    return this.#detect({ runs: [...polled.completed, ...polled.active], slas: this.#fresh(slas) }, now);
  }

  /** A system-tables poll, judged together with the runs in flight at the last runs poll. */
  ofSystemTables(tables: SystemTableObservations, slas: readonly TableSla[], now: number): DetectorOutput {
    for (const load of tables.tableLoads) {
      this.#lastLoads.set(load.table, Math.max(this.#lastLoads.get(load.table) ?? 0, load.loadedAt));
    }
    return this.#detect(
      {
        loads: tables.tableLoads,
        costs: this.#rememberCosts(tables.costs, now),
        queries: tables.queries,
        warehouses: tables.warehouses,
        pipelineUpdates: tables.pipelineUpdates,
        clusterEvents: tables.clusterEvents,
        grantChanges: tables.grantChanges,
        slas: this.#fresh(slas),
        runs: this.#activeRuns,
      },
      now,
    );
  }

  #detect(inputs: DetectorInputs, now: number): DetectorOutput {
    const out = runDetectors(inputs, this.#baselines, this.#policy, now, { classify: classifyError });
    this.#baselines = out.state;
    return { signals: out.signals, skipped: out.skipped };
  }

  /** The topology's SLAs, each with the newest load seen since the topology was read. */
  #fresh(slas: readonly TableSla[]): TableSla[] {
    return slas.map((sla) => {
      const seen = Math.max(sla.lastRefreshedAt ?? 0, this.#lastLoads.get(sla.table) ?? 0);
      return seen > 0 ? { ...sla, lastRefreshedAt: seen } : sla;
    });
  }

  /** Merges a poll's cost periods into the remembered ones (newest amount wins) and returns them all. */
  #rememberCosts(polled: readonly CostObservation[], now: number): CostObservation[] {
    const remembered = this.#costs;
    for (const c of polled) remembered.set(`${c.workspaceId}|${c.team}|${c.granularity}|${c.periodStart}`, c);
    for (const [key, c] of remembered) if (c.periodStart < now - COST_HISTORY_MS) remembered.delete(key);
    return [...remembered.values()];
  }
}
