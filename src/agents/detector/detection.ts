import { z } from 'zod';
import type { Policy } from '../../config/policy.js';
import { classifyError } from '../classifier/classify-error.js';
import type { SystemTableObservations } from '../collector/poll-system-tables.js';
import type { BaselineHistory } from '../collector/read-baseline-history.js';
import { DURATION_MAX_SAMPLES } from './detect-duration-anomaly.js';
import {
  type LastSuccess,
  lastSuccessKey,
  lastSuccessSchema,
  newerSuccess,
  successOfRun,
  successOfUpdate,
} from './last-success.js';
import { pipelineDurationKey } from './detect-pipeline-failures.js';
import { ROW_COUNT_MAX_LOADS, rowCountKey } from './detect-row-counts.js';
import { detectRunFailures } from './detect-run-failures.js';
import type { DetectorOutput } from './detector-output.js';
import {
  type CostObservation,
  costObservationSchema,
  type RunObservation,
  runObservationSchema,
  type TableSla,
} from './observations.js';
import { isFinal, runOutcome } from './run-state.js';
import { recordSamples, type SampleWindow } from './sample-window.js';
import {
  type DetectorInputs,
  type DetectorState,
  emptyDetectorState,
  runDetectors,
} from './run-detectors.js';

/**
 * The parts of what Detection remembers, each a map of plain-JSON entries: what a worker stores between
 * polls (`StoredDetection`). `active_runs` is one entry, the runs in flight at the last runs poll.
 */
export const DETECTION_PARTS = [
  'duration',
  'row_count',
  'last_load',
  'active_runs',
  'cost',
  'last_run',
  'last_success',
] as const;
export type DetectionPart = (typeof DETECTION_PARTS)[number];

const sampleWindowSchema = z.object({
  samples: z.array(z.tuple([z.string(), z.number(), z.number()]).readonly()).readonly(),
});
const ENTRY_SCHEMAS: Record<DetectionPart, z.ZodType> = {
  duration: sampleWindowSchema,
  row_count: sampleWindowSchema,
  last_load: z.number().finite(),
  active_runs: z.array(runObservationSchema),
  cost: costObservationSchema,
  last_run: runObservationSchema,
  last_success: lastSuccessSchema,
};

/**
 * How long after a run's end lineage may still date a write of it: the lineage row of a task's last
 * write is timed when the task ends, which can be a moment after the run's end is read.
 */
const WRITE_AFTER_END_MS = 60_000;

/** Cost periods kept for the baseline: the detector's 14 trailing days and the month to date. */
const COST_HISTORY_MS = 35 * 86_400_000;

/**
 * Detection for one workspace, between polls: the detectors' baselines, the latest load seen per table
 * (to judge SLA freshness between topology refreshes), the runs in flight at the last runs poll (for
 * SLA-at-risk between polls) and the cost history. Kept in memory here; `StoredDetection` keeps it in
 * the store too (`entries`, `restore`), so a restart or another worker judges on the same memory.
 */
export class Detection {
  readonly #policy: Pick<Policy, 'thresholds' | 'budgets'>;
  #baselines: DetectorState = emptyDetectorState();
  readonly #lastLoads = new Map<string, number>();
  #activeRuns: readonly RunObservation[] = [];
  /**
   * Each job's latest finished run (`workspaceId:jobId`): an upstream that failed at 02:00 is still the
   * evidence against a 06:00 deadline when the at-risk window opens at 05:00, long after its poll.
   */
  readonly #lastRuns = new Map<string, RunObservation>();
  /**
   * Each job's newest successful run and each pipeline's newest completed update
   * (`workspaceId:job:jobId`, `workspaceId:pipeline:pipelineId`): the review of open incidents resolves
   * one whose failed jobs and pipelines have all succeeded since.
   */
  readonly #lastSuccesses = new Map<string, LastSuccess>();
  /**
   * Spend per team and period seen so far (the newest amount per period), the cost detector's trailing
   * history: the collector hands out only periods that changed, so one poll alone holds too few.
   */
  readonly #costs = new Map<string, CostObservation>();
  /** Each writer's newest load (`workspace:table:job`), per row-count baselines it was read from. */
  readonly #lastWrites = new WeakMap<object, Map<string, number>>();

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
    for (const run of polled.completed) {
      const key = `${run.workspaceId}:${run.jobId}`;
      const known = this.#lastRuns.get(key);
      if (known === undefined || known.startTime <= run.startTime) this.#lastRuns.set(key, run);
      this.#rememberSuccess(successOfRun(run));
    }
    return this.#detect(
      { runs: [...polled.completed, ...polled.active], slas: this.#fresh(slas), slaRuns: this.#slaRuns() },
      now,
    );
  }

  /** A system-tables poll, judged together with the runs in flight at the last runs poll. */
  ofSystemTables(tables: SystemTableObservations, slas: readonly TableSla[], now: number): DetectorOutput {
    for (const load of tables.tableLoads) {
      this.#lastLoads.set(load.table, Math.max(this.#lastLoads.get(load.table) ?? 0, load.loadedAt));
    }
    for (const update of tables.pipelineUpdates) this.#rememberSuccess(successOfUpdate(update));
    return this.#detect(
      {
        loads: tables.tableLoads,
        costs: this.#rememberCosts(tables.costs, now),
        queries: tables.queries,
        warehouses: tables.warehouses,
        pipelineUpdates: tables.pipelineUpdates,
        clusterEvents: tables.clusterEvents,
        grantChanges: tables.grantChanges,
        aclChanges: tables.aclChanges,
        jobClusters: tables.jobClusters,
        slas: this.#fresh(slas),
        runs: this.#activeRuns,
        slaRuns: this.#slaRuns(),
      },
      now,
    );
  }

  /**
   * Takes in the workspace's past (`readBaselineHistory`) without judging it: samples for the duration
   * (jobs' runs and pipelines' updates) and row-count baselines, and cost periods. Samples are kept by run and load id, so a run a poll
   * hands out again later counts once.
   */
  seed(history: BaselineHistory, now: number): void {
    const durations: Record<string, SampleWindow> = { ...this.#baselines.durations };
    for (const r of history.runs) {
      const key = `${r.workspaceId}:${r.jobId}`;
      durations[key] = recordSamples(
        durations[key],
        [[r.runId, r.startTime, r.seconds]],
        DURATION_MAX_SAMPLES,
      );
    }
    const rowCounts: Record<string, SampleWindow> = { ...this.#baselines.rowCounts };
    for (const l of history.loads) {
      const key = rowCountKey(l);
      rowCounts[key] = recordSamples(
        rowCounts[key],
        [[`${l.runId}/${l.taskKey ?? ''}`, l.loadedAt, l.rowsWritten]],
        ROW_COUNT_MAX_LOADS,
      );
      this.#lastLoads.set(l.table, Math.max(this.#lastLoads.get(l.table) ?? 0, l.loadedAt));
    }
    for (const u of history.updates) {
      const key = pipelineDurationKey(u.workspaceId, u.pipelineId);
      durations[key] = recordSamples(
        durations[key],
        [[u.updateId, u.startTime, u.seconds]],
        DURATION_MAX_SAMPLES,
      );
    }
    this.#baselines = { durations, rowCounts };
    this.#rememberCosts(history.costs, now);
  }

  /**
   * The entries of one part as they are now. An entry no poll changed is the same object (or number) as
   * before, so a caller keeping what it last saw can tell what changed without comparing contents.
   */
  entries(part: DetectionPart): Iterable<readonly [string, unknown]> {
    switch (part) {
      case 'duration':
        return Object.entries(this.#baselines.durations);
      case 'row_count':
        return Object.entries(this.#baselines.rowCounts);
      case 'last_load':
        return this.#lastLoads.entries();
      case 'active_runs':
        return [['', this.#activeRuns]];
      case 'cost':
        return this.#costs.entries();
      case 'last_run':
        return this.#lastRuns.entries();
      case 'last_success':
        return this.#lastSuccesses.entries();
    }
  }

  /**
   * Puts back entries of `part` that were saved elsewhere (another worker's poll, or this process before
   * a restart); `undefined` forgets an entry. Entries that are not what the part holds are skipped:
   * the count of them is returned.
   */
  restore(part: DetectionPart, entries: readonly (readonly [string, unknown])[]): number {
    const valid: [string, unknown][] = [];
    for (const [key, value] of entries) {
      if (value === undefined) valid.push([key, undefined]);
      else {
        const parsed = ENTRY_SCHEMAS[part].safeParse(value);
        if (parsed.success) valid.push([key, parsed.data]);
      }
    }
    const put = <V>(target: { set(k: string, v: V): unknown; delete(k: string): unknown }) => {
      for (const [key, value] of valid) {
        if (value === undefined) target.delete(key);
        else target.set(key, value as V);
      }
    };
    const windows = (current: Readonly<Record<string, SampleWindow>>) => {
      const next = new Map(Object.entries(current));
      put<SampleWindow>(next);
      return Object.fromEntries(next);
    };
    if (part === 'duration')
      this.#baselines = { ...this.#baselines, durations: windows(this.#baselines.durations) };
    else if (part === 'row_count')
      this.#baselines = { ...this.#baselines, rowCounts: windows(this.#baselines.rowCounts) };
    else if (part === 'last_load') put<number>(this.#lastLoads);
    else if (part === 'cost') put<CostObservation>(this.#costs);
    else if (part === 'last_run') put<RunObservation>(this.#lastRuns);
    else if (part === 'last_success') put<LastSuccess>(this.#lastSuccesses);
    else {
      const runs = valid.find(([key]) => key === '');
      if (runs) this.#activeRuns = (runs[1] as readonly RunObservation[] | undefined) ?? [];
    }
    return entries.length - valid.length;
  }

  /**
   * When `jobId` last wrote `table` successfully, by any of its tasks, as the loads polls read it
   * (`main.ops.etl_audit`, kept in the row-count baselines): a table's freshness writer by writer.
   */
  lastWrite(workspaceId: string, table: string, jobId: string): number | undefined {
    const rowCounts = this.#baselines.rowCounts;
    let index = this.#lastWrites.get(rowCounts);
    if (index === undefined) {
      index = new Map();
      for (const [key, window] of Object.entries(rowCounts)) {
        // `rowCountKey`: workspace:table:job/task; table names hold no '/'.
        const writer = key.slice(0, key.indexOf('/'));
        for (const [, at] of window.samples) if (at > (index.get(writer) ?? 0)) index.set(writer, at);
      }
      this.#lastWrites.set(rowCounts, index);
    }
    return index.get(`${workspaceId}:${table}:${jobId}`);
  }

  /**
   * When each of `writes` (a job and a table it writes) last wrote its table successfully: the job's
   * newest load of it, or the end of its newest successful run, whichever is later. Read into a copy
   * that later polls leave as it is, so it can be read under the detector-state lock and judged on
   * once the lock is released (triage, inside correlation's transaction, may take no lock).
   */
  lastWritesOf(
    workspaceId: string,
    writes: Iterable<readonly [jobId: string, table: string]>,
  ): (jobId: string, table: string) => number | undefined {
    const byWriter = new Map<string, Map<string, number>>();
    for (const [jobId, table] of writes) {
      const loaded = this.lastWrite(workspaceId, table, jobId);
      const succeeded = this.lastSuccess(workspaceId, 'job', jobId)?.endTime;
      const newest = Math.max(loaded ?? Number.NEGATIVE_INFINITY, succeeded ?? Number.NEGATIVE_INFINITY);
      if (newest === Number.NEGATIVE_INFINITY) continue;
      const tables = byWriter.get(jobId) ?? new Map<string, number>();
      byWriter.set(jobId, tables.set(table, newest));
    }
    return (jobId, table) => byWriter.get(jobId)?.get(table);
  }

  /** The newest success seen of a job or pipeline (`lastSuccessKey`), if any poll read one. */
  lastSuccess(workspaceId: string, type: LastSuccess['type'], id: string): LastSuccess | undefined {
    return this.#lastSuccesses.get(lastSuccessKey(workspaceId, type, id));
  }

  #rememberSuccess(seen: LastSuccess | undefined): void {
    if (seen === undefined) return;
    const key = lastSuccessKey(seen.workspaceId, seen.type, seen.id);
    const kept = this.#lastSuccesses.get(key);
    const newer = newerSuccess(kept, seen);
    if (newer !== kept) this.#lastSuccesses.set(key, newer);
  }

  #detect(inputs: DetectorInputs, now: number): DetectorOutput {
    const out = runDetectors(inputs, this.#baselines, this.#policy, now, { classify: classifyError });
    this.#baselines = out.state;
    return { signals: out.signals, skipped: out.skipped };
  }

  /** What SLAs are judged on: the runs in flight, and each job's latest finished run not restarted since. */
  #slaRuns(): RunObservation[] {
    const active = new Set(this.#activeRuns.map((r) => `${r.workspaceId}:${r.jobId}`));
    return [
      ...this.#activeRuns,
      ...[...this.#lastRuns].filter(([key]) => !active.has(key)).map(([, run]) => run),
    ];
  }

  /**
   * The topology's SLAs, each with the newest refresh seen: the newest load, or the newest write lineage
   * recorded. Lineage records the write of a task that then failed too, and that run refreshed nothing:
   * a write during a writer's run that did not succeed is no refresh, and the one before it still counts.
   * So a write is remembered with the loads once no writer's run in flight or unsuccessful holds it.
   */
  #fresh(slas: readonly TableSla[]): TableSla[] {
    return slas.map((sla) => {
      const written = sla.lastRefreshedAt;
      const attempt = written === undefined ? undefined : this.#writerRunHolding(sla, written);
      if (written !== undefined && attempt === undefined && written > (this.#lastLoads.get(sla.table) ?? 0))
        this.#lastLoads.set(sla.table, written);
      const seen = Math.max(attempt === 'failed' ? 0 : (written ?? 0), this.#lastLoads.get(sla.table) ?? 0);
      return seen > 0 ? { ...sla, lastRefreshedAt: seen } : sla;
    });
  }

  /**
   * Whether a write to the SLA's table at `at` falls in a run of one of its writers still going
   * (`running`) or ended without success (`failed`); undefined when it is no such run's.
   */
  #writerRunHolding(sla: TableSla, at: number): 'running' | 'failed' | undefined {
    const runs = [
      ...this.#activeRuns.filter((r) => r.workspaceId === sla.workspaceId),
      ...sla.upstreamJobIds.flatMap((jobId) => this.#lastRuns.get(`${sla.workspaceId}:${jobId}`) ?? []),
    ];
    for (const run of runs) {
      if (!run.tablesWritten.includes(sla.table) || at < run.startTime) continue;
      const outcome = runOutcome(run.lifeCycleState, run.resultState);
      if (!isFinal(outcome)) return 'running';
      if (outcome !== 'succeeded' && at <= (run.endTime ?? at) + WRITE_AFTER_END_MS) return 'failed';
    }
    return undefined;
  }

  /** Merges a poll's cost periods into the remembered ones (newest amount wins) and returns them all. */
  #rememberCosts(polled: readonly CostObservation[], now: number): CostObservation[] {
    const remembered = this.#costs;
    for (const c of polled) remembered.set(`${c.workspaceId}|${c.team}|${c.granularity}|${c.periodStart}`, c);
    for (const [key, c] of remembered) if (c.periodStart < now - COST_HISTORY_MS) remembered.delete(key);
    return [...remembered.values()];
  }
}
