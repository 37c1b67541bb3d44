import { defaultPolicy, loadPolicy, type Policy } from '../config/policy.js';
import type { Warehouse } from '../databricks/warehouse.js';
import type { Severity } from '../domain/severity.js';
import type { FaultTruth } from '../sim/engine/model.js';
import type { SimWorkspace } from '../sim/engine/sim-workspace.js';
import { countNaiveAlerts } from '../sim/eval/naive-alerts.js';
import {
  type DetectionScore,
  type NameIndex,
  type ScoreInput,
  type ScoredRecurringIssue,
  scoreDetection,
} from '../sim/eval/score-detection.js';
import type { Store } from '../store/open-store.js';
import {
  type RemediationScore,
  type RespondedIncident,
  scoreRemediation,
} from '../sim/eval/score-remediation.js';
import { withEmbeddedOperator } from './embedded-operator.js';
import { replayScenario } from './replay-scenario.js';
import {
  APPROVER_USER,
  createSimulatedResponder,
  RESPONDER_USER,
  runEndedIn,
  type SimulatedResponder,
  secondAdmin,
} from './simulated-responder.js';

export interface EvalOptions {
  scenario: string;
  seed: number;
  json: boolean;
  /** Simulated seconds per step; webhooks are handled at the end of each step. */
  step?: number;
  policy?: string;
  /** Replay only the first hours of the scenario (faults after them are left out of the score). */
  hours?: number;
  /**
   * Simulated seconds after an incident opens before the simulated responder presses its first
   * suggested remediation (default 120, `--responder-delay`).
   */
  responderDelay?: number;
}

/**
 * Replays a scenario through the production pipeline — the simulator in-process, webhooks over HTTP,
 * the REST client (answered by the simulator in-process, with the same requests and JSON as over
 * HTTP), the collector, detectors, correlator, triage, the store and the notifier — with the
 * simulated clock at full speed, then scores the incidents against the scenario's ground truth.
 */
export async function evaluateScenario(options: EvalOptions): Promise<EvalResult> {
  const started = performance.now();
  const replayed = await replayForScoring(options);
  // The baseline's own play of the scenario comes after the replay is closed, so that what it holds
  // never adds to the replay's store, tables and heap: the end of the replay is the eval's peak memory.
  const naiveAlerts = await countNaiveAlerts(replayed.scenario, options.seed, replayed.end);
  const score = scoreDetection({ ...replayed.detection, naiveAlerts });
  const remediation = scoreRemediation({
    faults: replayed.detection.faults,
    incidentOf: new Map(score.per_fault.map((f) => [f.id, f.incidentId])),
    responded: new Map(replayed.responses.map((r) => [r.incidentId, r])),
  });
  return {
    scenario: options.scenario,
    seed: options.seed,
    seconds: (performance.now() - started) / 1000,
    ...score,
    ...remediation,
    audit_verified: replayed.auditVerified,
    responses: replayed.responses,
    pipeline_failures: replayed.failures.length,
    pipeline_failure_examples: replayed.failures.slice(0, 5),
    signal_outcomes: replayed.outcomes,
    rejected_signal_examples: replayed.rejected,
  };
}

/** What scoring needs from a replay: plain values, so nothing of the closed replay stays reachable. */
interface ReplayForScoring {
  scenario: SimWorkspace['scenario'];
  end: number;
  detection: Omit<ScoreInput, 'naiveAlerts'>;
  responses: RespondedIncident[];
  auditVerified: boolean;
  failures: string[];
  outcomes: Record<string, number>;
  rejected: string[];
}

async function replayForScoring(options: EvalOptions): Promise<ReplayForScoring> {
  const basePolicy = options.policy ? await loadPolicy(options.policy) : defaultPolicy();
  let cards = 0;
  const outcomes: Record<string, number> = {};
  const rejected: string[] = [];
  const delayMs = (options.responderDelay ?? 120) * 1000;
  let approver: string | undefined;
  // Made at the first step, when the replay's app exists; incidents heard opening before it wait here.
  let responder: SimulatedResponder | undefined;
  const openedEarly: string[] = [];
  const replay = await replayScenario({
    scenario: options.scenario,
    seed: options.seed,
    ...(options.step === undefined ? {} : { step: options.step }),
    ...(options.hours === undefined ? {} : { hours: options.hours }),
    // The responder acts as the scenario's operator, and a gated press is approved by another workspace
    // admin: both are mapped to their Databricks users, whose rights are checked like anyone's.
    policy: (ws) => {
      approver = secondAdmin(ws.scenario);
      return withEmbeddedOperator(
        withEmbeddedOperator(basePolicy, { consoleUser: RESPONDER_USER, operator: ws.scenario.operator }),
        { consoleUser: APPROVER_USER, operator: approver },
      );
    },
    onPosted: (_id, n) => {
      cards += n;
    },
    onSignal: (signal, outcome, incidentId) => {
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      if (outcome === 'rejected' && rejected.length < 5)
        rejected.push(`${signal.kind} on ${signal.subject.id}`);
      if (outcome === 'opened' && incidentId !== null) {
        if (responder === undefined) openedEarly.push(incidentId);
        else responder.opened(incidentId);
      }
    },
    onStep: async (now, app) => {
      if (responder === undefined) {
        responder = createSimulatedResponder({ app, delayMs, approver: approver !== undefined });
        for (const id of openedEarly.splice(0)) responder.opened(id);
      }
      await responder.step(now);
    },
  });
  const { app, store, embedded } = replay;
  const ws = embedded.workspace;
  const end = replay.end;
  const policy = replay.policy;

  try {
    const incidents = await app.repos.incidents.listOpen({ limit: 10_000 });
    const resolved = await store.db
      .selectFrom('incidents')
      .select('id')
      .where('state', '=', 'resolved')
      .execute();
    const all = [...incidents];
    for (const r of resolved) {
      const i = await app.repos.incidents.get(r.id);
      if (i) all.push(i);
    }
    const scored = await Promise.all(
      all.map(async (i) => ({
        id: i.id,
        severity: i.severity as Severity,
        openedAt: i.openedAt,
        signals: await app.repos.incidents.listSignals(i.id),
      })),
    );
    const faults = ws.faults().filter((f) => f.start_ms <= end);
    const times = await manifestTimes(embedded.warehouse, faults, policy.thresholds);
    const detection = {
      faults,
      incidents: scored,
      names: nameIndex(ws),
      manifestAt: times.manifestAt,
      occurrencesOf: times.occurrencesOf,
      recurringIssues: await recurringIssues(store, ws.workspaceId),
      cards,
    };
    const responses: RespondedIncident[] = (await responder?.responses(runEndedIn(ws))) ?? [];
    const audit = await app.repos.audit.verify();
    return {
      scenario: ws.scenario,
      end,
      detection,
      responses,
      auditVerified: audit.ok,
      failures: app.failures(),
      outcomes,
      rejected,
    };
  } finally {
    await replay.close();
  }
}

export type EvalResult = DetectionScore &
  RemediationScore & {
    audit_verified: boolean;
    /** What the simulated responder pressed on each incident, and how it ended. */
    responses: RespondedIncident[];
    scenario: string;
    seed: number;
    seconds: number;
    pipeline_failures: number;
    pipeline_failure_examples: string[];
    signal_outcomes: Record<string, number>;
    rejected_signal_examples: string[];
  };

/** `dbxops eval`: prints the score as JSON or as a table a person reads. */
export async function runEval(options: EvalOptions): Promise<void> {
  const result = await evaluateScenario(options);
  if (options.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  const pct = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(1)} %`);
  const lines = [
    `dbxops eval: ${result.scenario} (seed ${result.seed}) in ${result.seconds.toFixed(1)} s`,
    `  faults ${result.faults}, detected ${result.detected} — recall ${pct(result.recall)}, precision ${pct(result.precision)}`,
    `  time to detect p50 ${result.mttd_p50_s ?? '—'} s, p95 ${result.mttd_p95_s ?? '—'} s (simulated)`,
    `  incidents ${result.incidents}, cards ${result.cards} vs ${result.naive_alerts} naive alerts (noise ratio ${result.noise_ratio?.toFixed(2) ?? '—'})`,
    `  correlation accuracy ${pct(result.correlation_accuracy)}, severity accuracy ${pct(result.severity_accuracy)}`,
    `  remediations run ${result.remediations_run}, recovered first try ${pct(result.recovered_first_try)}, harmful suggested ${result.harmful_suggested}, MTTR p50 ${result.mttr_p50_s ?? '—'} s, p95 ${result.mttr_p95_s ?? '—'} s (simulated), audit ${result.audit_verified ? 'verified' : 'BROKEN'}`,
    `  must not page: ${result.must_not_page} event${result.must_not_page === 1 ? '' : 's'}, ${result.must_not_page_violations} paged anyway; recurring issue open in time: ${result.recurring_detected} of ${result.recurring_expected}`,
    '',
    '  fault                              kind                        detected  ttd(s)  severity  incident',
  ];
  for (const f of result.per_fault) {
    lines.push(
      `  ${f.id.padEnd(34)} ${f.kind.padEnd(27)} ${(f.detected ? 'yes' : 'NO').padEnd(9)} ${String(f.timeToDetectS ?? '—').padEnd(7)} ${`${f.severity ?? '—'}/${f.expectedSeverity}`.padEnd(9)} ${f.incidentId ?? ''}`,
    );
  }
  lines.push(
    '',
    '  incident                        first suggested      outcome             recovered after(s)',
  );
  for (const r of result.responses) {
    const first = `${r.suggested[0] ?? '—'}${r.approved === true ? ' (approved)' : ''}`;
    lines.push(
      `  ${r.incidentId.padEnd(31)} ${first.padEnd(20)} ${(r.firstOutcome ?? r.refused?.slice(0, 60) ?? 'not pressed').padEnd(19)} ${r.recoveredAfterMs === null ? '—' : Math.round(r.recoveredAfterMs / 1000)}`,
    );
  }
  if (result.pipeline_failures > 0) {
    lines.push(
      `  ${result.pipeline_failures} pipeline jobs failed, e.g. ${result.pipeline_failure_examples.join(' | ')}`,
    );
  }
  for (const v of result.must_not_page_violation_examples) {
    lines.push(`  must not page: ${v.fault} (${v.kind}) paged as ${v.severity} in ${v.incidentId}`);
  }
  for (const r of result.per_recurring) {
    lines.push(
      `  recurring ${r.id}: ${r.detected ? 'open' : 'NOT open'} by occurrence ${r.by} of ${r.occurrences}${r.openedAtOccurrence === null ? '' : ` (opened at occurrence ${r.openedAtOccurrence}: ${r.recommendation ?? ''})`}`,
    );
  }
  for (const i of result.unmatched_incidents) {
    lines.push(
      `  unmatched incident ${i.id} ${i.severity} at ${new Date(i.firstAt).toISOString()}: ${i.kinds.join(', ')} on ${i.subjects.slice(0, 3).join(', ')}`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** The scenario's job and warehouse names resolved to the ids the workspace gave them, for scoring. */
export function nameIndex(ws: SimWorkspace): NameIndex {
  const jobIdByName = new Map<string, string>();
  for (const job of ws.listJobs()) jobIdByName.set(job.settings.name ?? '', String(job.jobId));
  const warehouseIdByName = new Map<string, string>();
  for (const w of ws.warehouses.byId.values()) warehouseIdByName.set(w.config.name, w.id);
  return { jobIdByName, warehouseIdByName, clusterIdByName: new Map(), pipelineIdByName: new Map() };
}

/**
 * When each fault became observable, the moment time to detect counts from: the end of its first
 * affected job run (a retried task attempt is not a failure yet), else of its first affected task run;
 * for faults defined by a duration (idle, runaway), when that duration was first exceeded; for a cost
 * spike, when its first billing hour closed; for zero-row loads, when the last of the consecutive ones
 * the policy asks for ended; for a stale table, when its next refresh was due (`refreshDueAt`) — a table
 * is not stale before then; else its first effect.
 */
export async function manifestTimes(
  warehouse: Warehouse,
  faults: readonly FaultTruth[],
  thresholds: Policy['thresholds'],
): Promise<{
  manifestAt: (f: FaultTruth) => number;
  occurrencesOf: (f: FaultTruth) => readonly number[];
}> {
  const ends = new Map<string, number>();
  const runIds = [...new Set(faults.flatMap((f) => [...f.affected_run_ids, ...f.affected_task_run_ids]))];
  for (let i = 0; i < runIds.length; i += 500) {
    const chunk = runIds.slice(i, i + 500);
    const params = Object.fromEntries(chunk.map((id, j) => [`r${j}`, id]));
    const list = chunk.map((_, j) => `:r${j}`).join(', ');
    for (const table of ['job_run_timeline', 'job_task_run_timeline']) {
      const result = await warehouse.query(
        `SELECT run_id, MIN(period_end_time) AS ended FROM system.lakeflow.${table}
         WHERE run_id IN (${list}) AND result_state IS NOT NULL GROUP BY run_id`,
        { params, rowLimit: 100_000 },
      );
      for (const row of result.rows) ends.set(String(row.run_id), Date.parse(String(row.ended)));
    }
  }
  const endsOf = (ids: readonly string[]) =>
    ids
      .map((id) => ends.get(id))
      .filter((x): x is number => x !== undefined)
      .sort((a, b) => a - b);
  const earliest = (ids: readonly string[]) => endsOf(ids)[0];
  /**
   * Per fault of `kind`, the first time `sql` finds (its `at`, over `:id`, the fault's resource, from
   * `:since`, when it first had an effect); `whenNone` where it finds nothing, or no entry without one.
   */
  const firstFound = async (kind: string, sql: string, whenNone?: number) => {
    const found = new Map<string, number>();
    for (const f of faults.filter((x) => x.kind === kind)) {
      const id = f.affected_resource_ids[0];
      if (id === undefined) continue;
      const since = new Date(f.first_affected_ms ?? f.start_ms).toISOString();
      const at = (await warehouse.query(sql, { params: { id, since } })).rows[0]?.at;
      if (at) found.set(f.id, Date.parse(String(at)));
      else if (whenNone !== undefined) found.set(f.id, whenNone);
    }
    return found;
  };
  // A warehouse idles from when it is RUNNING (a Pro warehouse takes minutes to start), not from its start.
  const runningSince = await firstFound(
    'idle_warehouse_no_autostop',
    `SELECT MIN(event_time) AS at FROM system.compute.warehouse_events
     WHERE warehouse_id = :id AND event_type = 'RUNNING' AND event_time >= :since`,
  );
  // A failing pipeline update is hit when it starts but shows nothing until it fails (its error events and
  // its FAILED row come at its end, minutes later): the fault is observable from its first failed update.
  const failedUpdateAt = await firstFound(
    'pipeline_error',
    `SELECT MIN(period_end_time) AS at FROM system.lakeflow.pipeline_update_timeline
     WHERE pipeline_id = :id AND result_state = 'FAILED' AND period_end_time >= :since`,
    Number.POSITIVE_INFINITY,
  );
  // A table is stale once its next refresh was due and did not come: its last write before the fault
  // plus its usual time between writes. Before that it is as fresh as on any healthy day.
  const dueAt = new Map<string, number>();
  for (const f of faults.filter((x) => x.kind === 'stale_table' && x.target.table !== undefined)) {
    const result = await warehouse.query(
      `SELECT DISTINCT event_time FROM system.access.table_lineage
       WHERE target_table_full_name = :table AND event_time < :before ORDER BY event_time`,
      {
        params: { table: f.target.table ?? '', before: new Date(f.start_ms).toISOString() },
        rowLimit: 100_000,
      },
    );
    const due = refreshDueAt(result.rows.map((r) => Date.parse(String(r.event_time))));
    if (due !== undefined) dueAt.set(f.id, due);
  }
  const HOUR = 3_600_000;
  // Each affected job run is one occurrence (its retried attempts are one); else each task run.
  const occurrencesOf = (f: FaultTruth): readonly number[] => {
    const runs = endsOf(f.affected_run_ids);
    return runs.length > 0 ? runs : endsOf(f.affected_task_run_ids);
  };
  const manifestAt = (f: FaultTruth): number => {
    const first = f.first_affected_ms ?? f.start_ms;
    switch (f.kind) {
      case 'idle_warehouse_no_autostop':
        return (runningSince.get(f.id) ?? first) + thresholds.warehouse_idle_minutes * 60_000;
      case 'runaway_query':
        return first + thresholds.runaway_query_minutes * 60_000;
      case 'stale_table':
        return Math.max(first, dueAt.get(f.id) ?? first);
      case 'cost_spike':
        return Math.ceil((first + 1) / HOUR) * HOUR;
      case 'pipeline_error':
        return earliest(f.affected_run_ids) ?? failedUpdateAt.get(f.id) ?? first;
      case 'zero_rows': {
        // One empty load is a quiet hour; the fault is there to find at the load that makes the empty
        // ones consecutive enough to be told apart from it (`zero_rows_consecutive`).
        const loads = f.affected_run_ids
          .map((id) => ends.get(id))
          .filter((x): x is number => x !== undefined)
          .sort((a, b) => a - b);
        return loads[thresholds.zero_rows_consecutive - 1] ?? loads.at(-1) ?? first;
      }
      default:
        return earliest(f.affected_run_ids) ?? earliest(f.affected_task_run_ids) ?? first;
    }
  };
  return { manifestAt, occurrencesOf };
}

/** Writes closer together than this are one refresh (a job's tasks writing the same table in turn). */
const ONE_REFRESH_MS = 30 * 60_000;

/**
 * When a table's next refresh is due: its last write plus the median gap between its refreshes;
 * undefined with fewer than two refreshes to learn the gap from.
 */
export function refreshDueAt(writes: readonly number[]): number | undefined {
  const refreshes: number[] = [];
  for (const at of [...writes].sort((a, b) => a - b)) {
    const last = refreshes.at(-1);
    if (last === undefined || at - last >= ONE_REFRESH_MS) refreshes.push(at);
    else refreshes[refreshes.length - 1] = at;
  }
  const last = refreshes.at(-1);
  if (last === undefined || refreshes.length < 2) return undefined;
  const gaps = refreshes
    .slice(1)
    .map((at, i) => at - (refreshes[i] ?? at))
    .sort((a, b) => a - b);
  const mid = Math.floor(gaps.length / 2);
  const median = gaps.length % 2 === 1 ? (gaps[mid] ?? 0) : ((gaps[mid - 1] ?? 0) + (gaps[mid] ?? 0)) / 2;
  return last + median;
}

/** The recurring issues the replay opened, each with the incidents whose opening counted towards it. */
async function recurringIssues(store: Store, workspaceId: string): Promise<ScoredRecurringIssue[]> {
  const issues = await store.db
    .selectFrom('recurring_issues')
    .select(['id', 'fingerprint', 'opened_at', 'recommendation_kind', 'recommendation'])
    .where('workspace_id', '=', workspaceId)
    .execute();
  const out: ScoredRecurringIssue[] = [];
  for (const issue of issues) {
    const occurrences = await store.db
      .selectFrom('recurring_occurrences')
      .select('occurrence_key')
      .where('workspace_id', '=', workspaceId)
      .where('fingerprint', '=', issue.fingerprint)
      .execute();
    out.push({
      id: issue.id,
      openedAt: new Date(issue.opened_at).getTime(),
      incidentIds: occurrences.map((o) => o.occurrence_key),
      recommendation: { kind: issue.recommendation_kind, text: issue.recommendation },
    });
  }
  return out;
}
