import { defaultPolicy, loadPolicy, type Policy } from '../config/policy.js';
import type { Warehouse } from '../databricks/warehouse.js';
import type { Severity } from '../domain/severity.js';
import type { FaultTruth } from '../sim/engine/model.js';
import type { SimWorkspace } from '../sim/engine/sim-workspace.js';
import { type DetectionScore, type NameIndex, scoreDetection } from '../sim/eval/score-detection.js';
import { suggestRemediations } from '../agents/remediation/suggest-remediations.js';
import { encodeButtonValue } from '../cards/button-value.js';
import {
  type RemediationScore,
  type RespondedIncident,
  scoreRemediation,
} from '../sim/eval/score-remediation.js';
import type { BotApp } from './bot-app.js';
import { withEmbeddedOperator } from './embedded-operator.js';
import { replayScenario } from './replay-scenario.js';

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

/** The console user the simulated responder presses as; mapped to the scenario's operator. */
const RESPONDER = 'eval-responder';

/**
 * Replays a scenario through the production pipeline — the simulator on loopback, webhooks over HTTP,
 * the REST client, the collector, detectors, correlator, triage, the store and the notifier — with the
 * simulated clock at full speed, then scores the incidents against the scenario's ground truth.
 */
export async function evaluateScenario(options: EvalOptions): Promise<EvalResult> {
  const started = performance.now();
  const basePolicy = options.policy ? await loadPolicy(options.policy) : defaultPolicy();
  let cards = 0;
  const outcomes: Record<string, number> = {};
  const rejected: string[] = [];
  const responder = simulatedResponder((options.responderDelay ?? 120) * 1000);
  const replay = await replayScenario({
    scenario: options.scenario,
    seed: options.seed,
    ...(options.step === undefined ? {} : { step: options.step }),
    ...(options.hours === undefined ? {} : { hours: options.hours }),
    // The responder acts as the scenario's operator, whose Databricks rights are checked like anyone's.
    policy: (ws) =>
      withEmbeddedOperator(basePolicy, { consoleUser: RESPONDER, operator: ws.scenario.operator }),
    onPosted: (_id, n) => {
      cards += n;
    },
    onSignal: (signal, outcome, incidentId) => {
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      if (outcome === 'rejected' && rejected.length < 5)
        rejected.push(`${signal.kind} on ${signal.subject.id}`);
      if (outcome === 'opened' && incidentId !== null) responder.opened(incidentId);
    },
    onStep: responder.respond,
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
    const score = scoreDetection({
      faults,
      incidents: scored,
      names: nameIndex(ws),
      manifestAt: await manifestTimes(embedded.warehouse, faults, policy.thresholds),
      cards,
      naiveAlerts: await naiveAlerts(embedded.warehouse),
    });
    const respondedIncidents = new Map<string, RespondedIncident>();
    for (const [incidentId, r] of responder.responded) {
      const [first] = await app.repos.remediations.listForIncident(incidentId);
      const incident = await app.repos.incidents.get(incidentId);
      respondedIncidents.set(incidentId, {
        incidentId,
        suggested: r.suggested,
        firstOutcome: first?.state ?? null,
        recoveredAfterMs:
          first?.state === 'recovered' && incident?.resolvedAt != null
            ? incident.resolvedAt - incident.openedAt
            : null,
      });
    }
    const remediation = scoreRemediation({
      faults,
      incidentOf: new Map(score.per_fault.map((f) => [f.id, f.incidentId])),
      responded: respondedIncidents,
    });
    const audit = await app.repos.audit.verify();
    const failures = app.failures();
    return {
      scenario: options.scenario,
      seed: options.seed,
      seconds: (performance.now() - started) / 1000,
      ...score,
      ...remediation,
      audit_verified: audit.ok,
      pipeline_failures: failures.length,
      pipeline_failure_examples: failures.slice(0, 5),
      signal_outcomes: outcomes,
      rejected_signal_examples: rejected,
    };
  } finally {
    await replay.close();
  }
}

/**
 * The simulated responder: presses the first suggested remediation of each incident once it has been
 * open `delayMs`. It hears of each incident the pipeline opens (`opened`) and looks at the open
 * incidents only in a step where one of those may be due, instead of listing them every step.
 */
function simulatedResponder(delayMs: number) {
  const responded = new Map<string, { suggested: string[] }>();
  /** Incidents not responded to yet, by the earliest step they can be due at. */
  const awaiting = new Map<string, number>();
  // An incident opens after the previous step (at the latest in this one): due no earlier than that.
  let previousStep = Number.NEGATIVE_INFINITY;
  return {
    responded,
    opened(incidentId: string) {
      if (!responded.has(incidentId) && !awaiting.has(incidentId))
        awaiting.set(incidentId, previousStep + delayMs);
    },
    async respond(now: number, app: BotApp) {
      previousStep = now;
      if (![...awaiting.values()].some((earliest) => now >= earliest)) return;
      for (const incident of await app.repos.incidents.listOpen({ limit: 10_000 })) {
        if (responded.has(incident.id) || now < incident.openedAt + delayMs) continue;
        const signals = await app.repos.incidents.listSignals(incident.id);
        const root = signals.find((x) => x.id === incident.rootCauseSignalId) ?? signals[0];
        const suggested = suggestRemediations(root);
        responded.set(incident.id, { suggested });
        awaiting.delete(incident.id);
        const first = suggested[0];
        if (first === undefined) continue;
        await app.handler({
          kind: 'button',
          actor: { surface: 'console', userId: RESPONDER },
          conversation: { surface: 'console', channelId: 'incidents' },
          requestId: `eval-${incident.id}`,
          receivedAt: now,
          actionId: 'dbx:run_plan',
          value: encodeButtonValue({
            kind: 'plan',
            action: 'run_plan',
            incidentId: incident.id,
            version: incident.version,
            remediationId: first,
          }),
        });
      }
    },
  };
}

export type EvalResult = DetectionScore &
  RemediationScore & {
    audit_verified: boolean;
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
    '',
    '  fault                              kind                        detected  ttd(s)  severity  incident',
  ];
  for (const f of result.per_fault) {
    lines.push(
      `  ${f.id.padEnd(34)} ${f.kind.padEnd(27)} ${(f.detected ? 'yes' : 'NO').padEnd(9)} ${String(f.timeToDetectS ?? '—').padEnd(7)} ${`${f.severity ?? '—'}/${f.expectedSeverity}`.padEnd(9)} ${f.incidentId ?? ''}`,
    );
  }
  if (result.pipeline_failures > 0) {
    lines.push(
      `  ${result.pipeline_failures} pipeline jobs failed, e.g. ${result.pipeline_failure_examples.join(' | ')}`,
    );
  }
  for (const i of result.unmatched_incidents) {
    lines.push(
      `  unmatched incident ${i.id} ${i.severity} at ${new Date(i.firstAt).toISOString()}: ${i.kinds.join(', ')} on ${i.subjects.slice(0, 3).join(', ')}`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

function nameIndex(ws: SimWorkspace): NameIndex {
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
 * spike, when its first billing hour closed; else its first effect.
 */
async function manifestTimes(
  warehouse: Warehouse,
  faults: readonly FaultTruth[],
  thresholds: Policy['thresholds'],
): Promise<(f: FaultTruth) => number> {
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
  const earliest = (ids: readonly string[]) => {
    const times = ids.map((id) => ends.get(id)).filter((x): x is number => x !== undefined);
    return times.length > 0 ? Math.min(...times) : undefined;
  };
  // A warehouse idles from when it is RUNNING (a Pro warehouse takes minutes to start), not from its start.
  const runningSince = new Map<string, number>();
  for (const f of faults.filter((x) => x.kind === 'idle_warehouse_no_autostop')) {
    const id = f.affected_resource_ids[0];
    if (id === undefined) continue;
    const result = await warehouse.query(
      `SELECT MIN(event_time) AS at FROM system.compute.warehouse_events
       WHERE warehouse_id = :id AND event_type = 'RUNNING' AND event_time >= :since`,
      { params: { id, since: new Date(f.first_affected_ms ?? f.start_ms).toISOString() } },
    );
    const at = result.rows[0]?.at;
    if (at) runningSince.set(f.id, Date.parse(String(at)));
  }
  const HOUR = 3_600_000;
  return (f) => {
    const first = f.first_affected_ms ?? f.start_ms;
    switch (f.kind) {
      case 'idle_warehouse_no_autostop':
        return (runningSince.get(f.id) ?? first) + thresholds.warehouse_idle_minutes * 60_000;
      case 'runaway_query':
        return first + thresholds.runaway_query_minutes * 60_000;
      case 'cost_spike':
        return Math.ceil((first + 1) / HOUR) * HOUR;
      default:
        return earliest(f.affected_run_ids) ?? earliest(f.affected_task_run_ids) ?? first;
    }
  };
}

/**
 * What one notification per failed or skipped run would have sent: every job run and every task run
 * (each retry attempt is a run of its own) that failed, timed out, errored or was skipped, and every
 * failed pipeline update — what a workspace sends with notifications on every job and task.
 */
async function naiveAlerts(warehouse: Warehouse): Promise<number> {
  const failedOrSkipped = "result_state IN ('FAILED', 'TIMED_OUT', 'ERROR', 'SKIPPED')";
  const count = async (sql: string) => Number((await warehouse.query(sql)).rows[0]?.n ?? 0);
  return (
    (await count(`SELECT count(*) AS n FROM system.lakeflow.job_run_timeline WHERE ${failedOrSkipped}`)) +
    (await count(
      `SELECT count(*) AS n FROM system.lakeflow.job_task_run_timeline WHERE ${failedOrSkipped}`,
    )) +
    (await count(
      `SELECT count(*) AS n FROM system.lakeflow.pipeline_update_timeline WHERE result_state = 'FAILED'`,
    ))
  );
}
