import type { FaultTruth } from '../engine/model.js';
import { cascadeRoots } from './score-detection.js';

/** What the simulated responder did about one incident. */
export interface RespondedIncident {
  readonly incidentId: string;
  /** The actions the card suggested, first first. */
  readonly suggested: readonly string[];
  /** The first attempt's end state (`recovered`, `failed` …), or null when nothing ran. */
  readonly firstOutcome: string | null;
  /** Simulated ms from the incident opening to a verified recovery; null when it did not recover. */
  readonly recoveredAfterMs: number | null;
  /** Simulated ms from the incident opening to the press. */
  readonly pressedAfterMs?: number | null;
  /** Simulated ms from the incident opening to the first attempt's calls going out (mitigating). */
  readonly executedAfterMs?: number | null;
  /** Simulated ms from the incident opening to the end of the run the first attempt started or repaired. */
  readonly runEndedAfterMs?: number | null;
  /** A gated press: whether the second person's approval went through. */
  readonly approved?: boolean;
  /** Why the press or the approval was refused, in the words the presser saw. */
  readonly refused?: string;
}

export interface RemediationScore {
  /** Opening to verified recovery, simulated seconds, over the incidents a remediation recovered. */
  readonly mttr_p50_s: number | null;
  readonly mttr_p95_s: number | null;
  /**
   * Share of the faults an action can fix — expected action RETRY or RETRY_WITH_NEW_PARAMS, on an object
   * in the workspace — whose first suggested action recovered them.
   */
  readonly recovered_first_try: number | null;
  /** Suggested actions the scenario marks wrong for their fault (a plain retry where a retry cannot help). */
  readonly harmful_suggested: number;
  readonly remediations_run: number;
}

const FIXABLE = new Set(['RETRY', 'RETRY_WITH_NEW_PARAMS']);
/** Actions that try the same work again unchanged: a new pipeline update is one, as much as a rerun. */
const PLAIN_RETRIES = ['rerun', 'repair', 'set_retry_policy', 'restart_pipeline_update'];
const ANY_RETRY = [...PLAIN_RETRIES, 'retry_with_params'];

/**
 * The actions a fault's expected action marks as wrong: any retry of what only a person can fix
 * (NOTIFY_OWNER, ESCALATE), and a plain retry of a failure that needs new settings.
 */
function wrongFor(expectedAction: string): readonly string[] {
  if (expectedAction === 'RETRY_WITH_NEW_PARAMS') return PLAIN_RETRIES;
  if (expectedAction === 'RETRY') return [];
  return ANY_RETRY;
}

/** Scores the responder's presses against the scenario's ground truth (faults matched to incidents). */
export function scoreRemediation(input: {
  readonly faults: readonly FaultTruth[];
  /** Fault id → the incident detection matched it to. */
  readonly incidentOf: ReadonlyMap<string, string | null>;
  readonly responded: ReadonlyMap<string, RespondedIncident>;
}): RemediationScore {
  let fixable = 0;
  let recovered = 0;
  let harmful = 0;
  const rootOf = cascadeRoots(input.faults);
  const byId = new Map(input.faults.map((f) => [f.id, f]));
  for (const fault of input.faults) {
    const incidentId = input.incidentOf.get(fault.id) ?? null;
    const response = incidentId === null ? undefined : input.responded.get(incidentId);
    // An incident's actions are suggested for its root cause. A consequence that shares its root
    // cause's incident (runs skipped downstream, a table gone stale) is fixed by fixing the root — what
    // the scenario format names as its fix — so the actions are judged by the root's expectation: a
    // longer timeout for the timed-out extract is not "a retry of a dependency failure". A consequence
    // with an incident of its own is judged by its own.
    const root = byId.get(rootOf.get(fault.id) ?? fault.id) ?? fault;
    const judgedBy = input.incidentOf.get(root.id) === incidentId ? root : fault;
    const wrong = wrongFor(judgedBy.expected.action);
    harmful += (response?.suggested ?? []).filter((a) => wrong.includes(a)).length;
    // An action can fix only what has an object in the workspace to act on: a burst of API throttling or
    // server errors has none, ends by itself, and the fix is dbxops' own client retrying its calls.
    if (!FIXABLE.has(fault.expected.action) || !Object.values(fault.target).some((v) => v !== undefined))
      continue;
    fixable++;
    if (response?.firstOutcome === 'recovered') recovered++;
  }
  const times = [...input.responded.values()]
    .map((r) => r.recoveredAfterMs)
    .filter((ms): ms is number => ms !== null)
    .sort((a, b) => a - b);
  const pct = (p: number) =>
    times.length === 0
      ? null
      : Math.round((times[Math.min(times.length - 1, Math.ceil(p * times.length) - 1)] ?? 0) / 1000);
  return {
    mttr_p50_s: pct(0.5),
    mttr_p95_s: pct(0.95),
    recovered_first_try: fixable === 0 ? null : Math.round((recovered / fixable) * 1000) / 1000,
    harmful_suggested: harmful,
    remediations_run: [...input.responded.values()].filter((r) => r.firstOutcome !== null).length,
  };
}
