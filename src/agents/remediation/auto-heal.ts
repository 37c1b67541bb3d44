import type { Logger } from '../../config/logger.js';
import type { RemediationPolicy } from '../../config/remediation-policy.js';
import type { Clock } from '../../domain/clock.js';
import type { Result } from '../../domain/result.js';
import type { IncidentFix } from '../../store/incident-fix-repository.js';
import type { IncidentRepository } from '../../store/incident-repository.js';
import type { ProcessedKeyRepository } from '../../store/processed-key-repository.js';
import { preferLastFix } from './last-fix.js';
import type { PressInput, PressRefusal, Pressed } from './press-remediation.js';
import { AUTO_HEAL_ACTOR, AUTO_HEAL_PRESSER } from './remediation-gate.js';
import { REMEDIATION_INFO } from './remediation-kind.js';
import { suggestRemediations } from './suggest-remediations.js';

export interface AutoHealDeps {
  readonly policy: Pick<RemediationPolicy, 'auto_heal'>;
  readonly incidents: IncidentRepository;
  /** Claims one auto-heal per incident, across every process and every redelivery. */
  readonly processedKeys: Pick<ProcessedKeyRepository, 'markProcessed' | 'forget'>;
  /** What fixed the last incident of the same fingerprint: its action goes first, as on the card. */
  readonly lastFix: (
    workspaceId: string,
    fingerprint: string,
    exceptIncidentId: string,
  ) => Promise<IncidentFix | undefined>;
  /** The same press a person's Run goes through (`pressRemediation`): gates, audit, queue. */
  readonly press: (input: PressInput) => Promise<Result<Pressed, PressRefusal>>;
  /** Hands the incident to the notifier, so every copy of its card says what auto-heal did. */
  readonly notify: (incidentId: string) => Promise<void>;
  /** The workspace clock: timeline entries. */
  readonly clock: Clock;
  /** The wall clock: the claim's time. */
  readonly wallClock: Clock;
  readonly logger: Logger;
}

export type AutoHealOutcome =
  /** `remediation.auto_heal.enabled` is false. */
  | 'off'
  /** The incident is gone, no longer open, not of a configured class, or its first suggestion is not an auto-heal action. */
  | 'not_eligible'
  /** Auto-heal looked at this incident before (a duplicated event, a redelivered job). */
  | 'duplicate'
  /** Pressed: the runner executes, verifies and updates the card as for a person's press. */
  | 'pressed'
  /** A guardrail refused it (or shadow mode recorded it): the card says so and a person decides. */
  | 'refused';

const SCOPE = 'auto-heal';

/**
 * Auto-heal: when `remediation.auto_heal` is on and a new incident's root signal is of a configured class
 * (its classification category, or its kind when it has none), dbxops presses the incident's first
 * suggested action — after the last recorded fix of its fingerprint is put first, as the card shows it —
 * when that action is one auto-heal may press. The press goes through `press`, the same path as a
 * person's: the guardrails (kill switch, allowed actions, blackouts, cost cap, hourly rate limits, shadow
 * mode), the audit log (who: "dbxops auto-heal"), the attempt limit, execution and verification. An
 * action that needs a second person is never auto-healed. Once per incident, whatever is redelivered.
 */
export async function autoHeal(deps: AutoHealDeps, incidentId: string): Promise<AutoHealOutcome> {
  const settings = deps.policy.auto_heal;
  if (!settings.enabled) return 'off';
  const incident = await deps.incidents.get(incidentId);
  if (incident === undefined || incident.state !== 'open') return 'not_eligible';
  const signals = await deps.incidents.listSignals(incident.id);
  const root = signals.find((s) => s.id === incident.rootCauseSignalId) ?? signals[0];
  if (root === undefined) return 'not_eligible';
  const healClass = root.classification?.category ?? root.kind;
  if (!settings.classes.includes(healClass)) return 'not_eligible';
  const last = await deps.lastFix(incident.workspaceId, incident.fingerprint, incident.id);
  const first = preferLastFix(suggestRemediations(root), last?.action)[0];
  if (first === undefined || !settings.actions.includes(first)) return 'not_eligible';

  const key = `auto-heal:${incident.id}`;
  if (!(await deps.processedKeys.markProcessed(key, deps.wallClock.now(), SCOPE))) return 'duplicate';
  let pressed: Result<Pressed, PressRefusal>;
  try {
    pressed = await deps.press({
      incidentId: incident.id,
      version: incident.version,
      action: first,
      presser: AUTO_HEAL_PRESSER,
    });
  } catch (error) {
    // Nothing was pressed: the job's retry must look again, not find the claim.
    await deps.processedKeys.forget([key], SCOPE);
    throw error;
  }
  const label = REMEDIATION_INFO[first].label;
  if (pressed.ok) {
    deps.logger.info({ incidentId: incident.id, action: first }, 'auto-heal pressed');
    return pressed.value.duplicate ? 'duplicate' : 'pressed';
  }
  const summary =
    pressed.reason === 'shadow'
      ? `Auto-heal (shadow mode) would have run "${label}" (${healClass}); it was recorded in the audit log and nothing was executed.`
      : `Auto-heal did not run "${label}" (${healClass}): ${pressed.userMessage} A person decides on the card.`;
  await deps.incidents.addTimelineEntry({
    incidentId: incident.id,
    at: deps.clock.now(),
    phase: 'REMEDIATE',
    summary,
    actor: AUTO_HEAL_ACTOR,
    data: { kind: 'auto_heal', action: first, outcome: pressed.reason },
    dedupKey: `auto-heal:${incident.id}:${pressed.reason}`,
  });
  await deps.notify(incident.id);
  return 'refused';
}
