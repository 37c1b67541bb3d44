import type { Severity } from '../../domain/severity.js';
import type { Signal } from '../../domain/signal.js';
import type { FaultTruth } from '../engine/model.js';
import { type FaultKind, revocableObjectOf } from '../scenario/schema.js';

/**
 * Scores what the pipeline concluded against a scenario's ground truth: which faults were detected and
 * how fast, whether each incident stood for a real fault, whether a cascade ended in one incident and
 * unrelated faults apart, whether severities match, and how much quieter than one alert per failed run.
 */

interface ScoredIncident {
  id: string;
  severity: Severity;
  openedAt: number;
  signals: readonly Signal[];
}

/** Names in a scenario resolved to the ids the workspace gave them. */
export interface NameIndex {
  jobIdByName: ReadonlyMap<string, string>;
  warehouseIdByName: ReadonlyMap<string, string>;
  clusterIdByName: ReadonlyMap<string, string>;
  pipelineIdByName: ReadonlyMap<string, string>;
}

export interface ScoreInput {
  faults: readonly FaultTruth[];
  incidents: readonly ScoredIncident[];
  names: NameIndex;
  /** When each fault first became observable (e.g. its first affected run ended); defaults below. */
  manifestAt?: (fault: FaultTruth) => number;
  /** Incident notifications posted (new cards, not updates). */
  cards: number;
  /** What one alert per failed or skipped run would have sent. */
  naiveAlerts: number;
  /** The recurring issues the pipeline opened, each with the incidents counted as its occurrences. */
  recurringIssues?: readonly ScoredRecurringIssue[];
  /** When each occurrence of a fault became observable, oldest first (its affected runs' ends). */
  occurrencesOf?: (fault: FaultTruth) => readonly number[];
}

/** A recurring issue as the evaluation sees it. */
export interface ScoredRecurringIssue {
  id: string;
  openedAt: number;
  /** The incidents whose opening counted towards it. */
  incidentIds: readonly string[];
  recommendation: { kind: string; text: string };
}

/** A fault that must page nobody, and the incident at P1 or P2 that paged for it anyway. */
interface PageViolation {
  fault: string;
  kind: string;
  incidentId: string;
  severity: Severity;
}

/** A fault that recurs, and whether a recurring issue was open by its `recurring_by`-th occurrence. */
interface RecurringScore {
  id: string;
  kind: string;
  by: number;
  occurrences: number;
  detected: boolean;
  recurringIssueId: string | null;
  openedAt: number | null;
  /** Which occurrence the recurring issue opened at (1-based), or null when none did. */
  openedAtOccurrence: number | null;
  recommendation: string | null;
}

interface FaultScore {
  id: string;
  kind: string;
  detected: boolean;
  incidentId: string | null;
  timeToDetectS: number | null;
  expectedSeverity: Severity;
  severity: Severity | null;
  rootFault: string;
  matchedSignals: number;
  /** The kinds of the signals that found it, in the incident it is credited to (none when missed). */
  evidenceKinds: string[];
}

export interface DetectionScore {
  faults: number;
  detected: number;
  precision: number;
  recall: number;
  mttd_p50_s: number | null;
  mttd_p95_s: number | null;
  incidents: number;
  cards: number;
  naive_alerts: number;
  noise_ratio: number | null;
  correlation_accuracy: number | null;
  severity_accuracy: number | null;
  /** Faults that must page nobody (`must_not_page`); they are left out of every figure above. */
  must_not_page: number;
  /** Incidents at P1 or P2 that came of a fault that must page nobody. */
  must_not_page_violations: number;
  must_not_page_violation_examples: PageViolation[];
  /** Faults that must open a recurring issue (`recurring_by`), and how many did in time. */
  recurring_expected: number;
  recurring_detected: number;
  per_recurring: RecurringScore[];
  per_fault: FaultScore[];
  unmatched_incidents: {
    id: string;
    severity: Severity;
    kinds: string[];
    subjects: string[];
    firstAt: number;
  }[];
}

/**
 * Faults that only change how the API answers: the right response is a `monitoring_degraded` signal
 * (monitoring must not fail silently), so they count like any other fault.
 */
const API_KINDS = new Set(['throttle', 'server_error']);
/**
 * The signal kinds that report a fault itself, by fault kind. A fault's runs and target also match
 * signals of its neighbours (a team's widened clusters match the failures of the runs they served; a
 * job's zero-row load matches anything else about that job): the fault is credited to the incident that
 * holds a signal of its own kind when one does, and otherwise to the earliest match, unless only its own
 * kind can show it (`SHOWN_ONLY_BY_OWN_KIND`).
 */
const FAILURES = ['job_failed', 'task_failed', 'run_timed_out', 'pipeline_failed', 'cluster_event'];
/** Every fault kind but the API's, which `monitoring_degraded` reports: a new kind must say what shows it. */
type SignalledFaultKind = Exclude<FaultKind, 'throttle' | 'server_error'>;
const OWN_SIGNAL_KINDS: Readonly<Record<SignalledFaultKind, readonly string[]>> = {
  task_error: FAILURES,
  timeout: FAILURES,
  oom: FAILURES,
  cloud_capacity: FAILURES,
  concurrency_conflict: FAILURES,
  pipeline_error: FAILURES,
  driver_unresponsive: FAILURES,
  spot_loss: FAILURES,
  duration_spike: ['duration_anomaly', 'run_timed_out'],
  row_count_drop: ['row_count_drop', 'zero_rows'],
  zero_rows: ['zero_rows', 'row_count_drop'],
  skipped_downstream: ['run_skipped'],
  stale_table: ['sla_at_risk', 'sla_missed', 'table_overdue'],
  revoked_grant: ['grant_revoked'],
  revoked_permission: ['acl_changed'],
  runaway_query: ['runaway_query'],
  idle_warehouse_no_autostop: ['warehouse_idle_no_autostop'],
  // Spend shows a cost spike once billed; job clusters launched wider than usual show it before.
  cost_spike: ['cost_anomaly', 'budget_exceeded', 'cluster_widened'],
  query_storm: ['warehouse_queueing'],
  // A hung update raises no error: what shows it is its flows' silence, or the update running past
  // its own normal time (both a duration_anomaly of the pipeline).
  pipeline_hang: ['duration_anomaly'],
  // Files that come late hold back the run: what shows it is a table's writer not started in time.
  late_arrival: ['sla_at_risk', 'sla_missed'],
};

/**
 * Fault kinds whose effect is a quantity that only its own measurement shows: spend, idle time,
 * queueing, a statement's run time, rows loaded. The runs and resources such a fault touched can fail
 * for another reason meanwhile (a team's widened job clusters under jobs a revoked grant broke): a
 * failure of one of them says nothing about the spend, so only an incident holding a signal of the
 * fault's own kind finds it. The other kinds are shown by their consequences too (a permission error
 * shows the revoked grant, an upstream run past its usual time the stale table).
 */
const SHOWN_ONLY_BY_OWN_KIND: ReadonlySet<string> = new Set<FaultKind>([
  'cost_spike',
  'idle_warehouse_no_autostop',
  'query_storm',
  'runaway_query',
  'row_count_drop',
  'zero_rows',
]);

function isOwnSignal(signal: Signal, fault: FaultTruth): boolean {
  const own: readonly string[] | undefined = OWN_SIGNAL_KINDS[fault.kind as SignalledFaultKind];
  return own?.includes(signal.kind) ?? false;
}

/** After a fault's last effect, how long a signal about it still counts (SLA misses come late). */
const AFTERMATH_MS = 12 * 3600_000;

export function scoreDetection(input: ScoreInput): DetectionScore {
  // A fault that must page nobody is not one to find: it is scored only on what must not come of it.
  const quiet = input.faults.filter((f) => f.must_not_page === true);
  const faults = input.faults.filter((f) => f.must_not_page !== true);
  const rootOf = cascadeRoots(faults);
  const manifestAt = input.manifestAt ?? ((f: FaultTruth) => f.first_affected_ms ?? f.start_ms);

  const perFault: FaultScore[] = faults.map((fault) => {
    let best: { incident: ScoredIncident; matched: Signal[]; own: boolean } | null = null;
    for (const incident of input.incidents) {
      const matched = incident.signals.filter((s) => signalMatchesFault(s, fault, input.names));
      if (matched.length === 0) continue;
      const own = matched.some((s) => isOwnSignal(s, fault));
      if (!own && SHOWN_ONLY_BY_OWN_KIND.has(fault.kind)) continue;
      const earliest = (xs: Signal[]) => Math.min(...xs.map((s) => s.observedAt));
      const better =
        !best || (own && !best.own) || (own === best.own && earliest(matched) < earliest(best.matched));
      if (better) best = { incident, matched, own };
    }
    const firstSeen = best ? Math.min(...best.matched.map((s) => s.observedAt)) : null;
    return {
      id: fault.id,
      kind: fault.kind,
      detected: best !== null,
      incidentId: best?.incident.id ?? null,
      timeToDetectS: firstSeen === null ? null : Math.max(0, (firstSeen - manifestAt(fault)) / 1000),
      expectedSeverity: fault.expected.severity,
      severity: best?.incident.severity ?? null,
      rootFault: rootOf.get(fault.id) ?? fault.id,
      matchedSignals: best?.matched.length ?? 0,
      evidenceKinds: [...new Set(best?.matched.map((s) => s.kind) ?? [])],
    };
  });

  // An incident about an event that must not page still stood for something real: not a false one.
  const matchedIncidents = new Set(
    input.incidents
      .filter((i) => i.signals.some((s) => input.faults.some((f) => signalMatchesFault(s, f, input.names))))
      .map((i) => i.id),
  );
  const violations: PageViolation[] = [];
  for (const fault of quiet) {
    for (const incident of input.incidents) {
      if (incident.severity !== 'P1' && incident.severity !== 'P2') continue;
      if (!incident.signals.some((s) => signalMatchesFault(s, fault, input.names))) continue;
      violations.push({
        fault: fault.id,
        kind: fault.kind,
        incidentId: incident.id,
        severity: incident.severity,
      });
    }
  }
  const recurring = faults
    .filter((f) => f.recurring_by !== undefined)
    .map((f) => scoreRecurrence(f, perFault, input));
  const detected = perFault.filter((f) => f.detected);
  const ttd = detected.map((f) => f.timeToDetectS!).sort((a, b) => a - b);

  // Pairwise: faults of one cascade belong in one incident, faults of different cascades apart.
  let pairs = 0;
  let correctPairs = 0;
  for (let i = 0; i < detected.length; i++) {
    for (let j = i + 1; j < detected.length; j++) {
      const a = detected[i]!;
      const b = detected[j]!;
      pairs++;
      const shouldJoin = a.rootFault === b.rootFault;
      const joined = a.incidentId === b.incidentId;
      if (shouldJoin === joined) correctPairs++;
    }
  }
  // Severity is judged on each cascade's root: the incident stands for the whole cascade.
  const roots = detected.filter((f) => f.rootFault === f.id);
  const severityRight = roots.filter((f) => f.severity === f.expectedSeverity).length;

  return {
    faults: faults.length,
    detected: detected.length,
    precision: input.incidents.length === 0 ? 0 : matchedIncidents.size / input.incidents.length,
    recall: faults.length === 0 ? 1 : detected.length / faults.length,
    mttd_p50_s: percentile(ttd, 0.5),
    mttd_p95_s: percentile(ttd, 0.95),
    incidents: input.incidents.length,
    cards: input.cards,
    naive_alerts: input.naiveAlerts,
    noise_ratio: input.naiveAlerts === 0 ? null : input.cards / input.naiveAlerts,
    correlation_accuracy: pairs === 0 ? (detected.length > 0 ? 1 : null) : correctPairs / pairs,
    severity_accuracy: roots.length === 0 ? null : severityRight / roots.length,
    must_not_page: quiet.length,
    must_not_page_violations: violations.length,
    must_not_page_violation_examples: violations.slice(0, 10),
    recurring_expected: recurring.length,
    recurring_detected: recurring.filter((r) => r.detected).length,
    per_recurring: recurring,
    per_fault: perFault,
    unmatched_incidents: input.incidents
      .filter((i) => !matchedIncidents.has(i.id))
      .map((i) => ({
        id: i.id,
        severity: i.severity,
        kinds: [...new Set(i.signals.map((s) => s.kind))],
        subjects: [...new Set(i.signals.map((s) => `${s.subject.type}:${s.subject.name ?? s.subject.id}`))],
        firstAt: Math.min(...i.signals.map((s) => s.occurredAt)),
      })),
  };
}

/**
 * Whether a recurring issue about the fault was open by its `recurring_by`-th occurrence: one whose
 * occurrences include an incident that matched the fault, opened before the next occurrence after that
 * one became observable. An issue opened later was too late: the fault had repeated once more unnamed.
 */
function scoreRecurrence(
  fault: FaultTruth,
  perFault: readonly FaultScore[],
  input: ScoreInput,
): RecurringScore {
  const by = fault.recurring_by ?? 0;
  const times = input.occurrencesOf?.(fault) ?? [];
  // The incidents that matched this fault: its own best one and any other whose signals name it.
  const mine = new Set(
    input.incidents
      .filter((i) => i.signals.some((s) => signalMatchesFault(s, fault, input.names)))
      .map((i) => i.id),
  );
  const best = perFault.find((p) => p.id === fault.id)?.incidentId;
  if (best) mine.add(best);
  const issue = (input.recurringIssues ?? [])
    .filter((r) => r.incidentIds.some((id) => mine.has(id)))
    .sort((a, b) => a.openedAt - b.openedAt)[0];
  const deadline = times[by] ?? Number.POSITIVE_INFINITY;
  const openedAtOccurrence =
    issue === undefined ? null : times.filter((t) => t <= issue.openedAt).length || 1;
  return {
    id: fault.id,
    kind: fault.kind,
    by,
    occurrences: times.length,
    detected: issue !== undefined && times.length >= by && issue.openedAt < deadline,
    recurringIssueId: issue?.id ?? null,
    openedAt: issue?.openedAt ?? null,
    openedAtOccurrence,
    recommendation: issue?.recommendation.text ?? null,
  };
}

/** Follows `caused_by` to the first fault of each cascade (cycles stop where they repeat). */
export function cascadeRoots(faults: readonly FaultTruth[]): Map<string, string> {
  const byId = new Map(faults.map((f) => [f.id, f]));
  const roots = new Map<string, string>();
  for (const f of faults) {
    let current = f;
    const seen = new Set<string>([f.id]);
    while (current.caused_by && byId.has(current.caused_by) && !seen.has(current.caused_by)) {
      seen.add(current.caused_by);
      current = byId.get(current.caused_by)!;
    }
    roots.set(f.id, current.id);
  }
  return roots;
}

/**
 * Whether a signal is about a fault: it names one of the runs, task runs or statements the fault hit,
 * or, while the fault or its aftermath lasts, a resource it hit (cluster, warehouse, pipeline) or its target (job, warehouse, cluster, pipeline, table, team) while the fault or its
 * aftermath lasts.
 */
function signalMatchesFault(signal: Signal, fault: FaultTruth, names: NameIndex): boolean {
  const refs = signal.refs;
  if (API_KINDS.has(fault.kind)) {
    const end = Math.max(fault.end_ms, fault.last_affected_ms ?? fault.start_ms);
    return (
      signal.kind === 'monitoring_degraded' &&
      signal.occurredAt >= fault.start_ms - 60_000 &&
      signal.occurredAt <= end + 3_600_000
    );
  }
  if (refs.runId && fault.affected_run_ids.includes(refs.runId)) return true;
  if (refs.taskRunId && fault.affected_task_run_ids.includes(refs.taskRunId)) return true;
  if (signal.subject.type === 'query' && fault.affected_statement_ids.includes(signal.subject.id))
    return true;

  const from = fault.start_ms - 60_000;
  const to = Math.max(fault.end_ms, fault.last_affected_ms ?? fault.start_ms) + AFTERMATH_MS;
  if (signal.occurredAt < from || signal.occurredAt > to) return false;

  const resources = [refs.clusterId, refs.warehouseId, refs.pipelineId, signal.subject.id];
  if (resources.some((r) => r !== undefined && fault.affected_resource_ids.includes(r))) return true;

  const t = fault.target;
  const ids = (m: ReadonlyMap<string, string>, name: string | undefined) =>
    name === undefined ? undefined : (m.get(name) ?? name);
  const checks: boolean[] = [];
  // A task-level target counts only for that task; a job-level one for any of the job's signals.
  if (t.job !== undefined) {
    const jobId = ids(names.jobIdByName, t.job);
    const sameJob = refs.jobId === jobId || (signal.subject.type === 'job' && signal.subject.id === jobId);
    checks.push(sameJob && (t.task === undefined || refs.taskKey === undefined || refs.taskKey === t.task));
  }
  if (t.warehouse !== undefined) checks.push(refs.warehouseId === ids(names.warehouseIdByName, t.warehouse));
  if (t.cluster !== undefined) checks.push(refs.clusterId === ids(names.clusterIdByName, t.cluster));
  if (t.pipeline !== undefined) checks.push(refs.pipelineId === ids(names.pipelineIdByName, t.pipeline));
  if (t.table !== undefined) {
    checks.push(
      (signal.subject.type === 'table' && signal.subject.id === t.table) ||
        (refs.tablesWritten ?? []).includes(t.table) ||
        (refs.tablesRead ?? []).includes(t.table),
    );
  }
  if (t.grant !== undefined)
    checks.push((refs.tablesRead ?? []).includes(t.grant.table) || signal.kind === 'grant_revoked');
  if (t.permission !== undefined) {
    const object = revocableObjectOf(t.permission);
    const byName = {
      cluster: names.clusterIdByName,
      job: names.jobIdByName,
      pipeline: names.pipelineIdByName,
    };
    const id = object && ids(byName[object.type], object.name);
    checks.push(signal.kind === 'acl_changed' && id !== undefined && signal.subject.id === id);
  }
  // A team-wide target (a team's spend) is found by a signal about the team itself, or by one of the
  // fault's own kind tagged with the team (its one job's clusters launched wider): a failure of one of
  // the team's jobs during the fault carries the team's tag but says nothing about its spend.
  if (t.team !== undefined && t.job === undefined && t.warehouse === undefined) {
    checks.push(
      (signal.subject.type === 'team' && signal.subject.id === t.team) ||
        (refs.team === t.team && isOwnSignal(signal, fault)),
    );
  }
  return checks.length > 0 && checks.some(Boolean);
}

function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return Math.round(sorted[rank]! * 10) / 10;
}
