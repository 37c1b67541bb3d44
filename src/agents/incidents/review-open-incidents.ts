import type { Incident } from '../../domain/incident.js';
import { escalateIfOverdue, type KnownEscalations } from '../triage/escalate-incident.js';
import { type HandleSignalDeps, retriageIncident } from './handle-signal.js';
import {
  type LastSuccessLookup,
  type ResolveRecoveredDeps,
  resolveIfRecovered,
} from './resolve-recovered.js';

/** Open incidents looked at per review; more than this open in one workspace is a bigger problem. */
const REVIEW_LIMIT = 500;

/** What the review needs to resolve incidents whose failed jobs and pipelines succeeded since. */
export interface RecoveryEvidence {
  readonly attempts: ResolveRecoveredDeps['attempts'];
  /**
   * The newest successes the polls read (the detectors' memory, as every worker saved it): read once per
   * review, and only when an open incident could be resolved by them.
   */
  readonly lastSuccesses: () => Promise<LastSuccessLookup>;
}

/**
 * The time-driven review of a workspace's open incidents, on the workspace's clock: resolve those whose
 * failed jobs and pipelines have all succeeded since (`thresholds.resolve_when_recovered`), triage the
 * rest again (an SLA that nears raises the severity), then escalate what waited too long for someone.
 * `changed` hears of each incident that changed as soon as it did, so a review cut short still updates
 * the cards of those it changed (a second review would find nothing left to change).
 */
export async function reviewOpenIncidents(
  deps: HandleSignalDeps & { readonly escalations: KnownEscalations; readonly recovery?: RecoveryEvidence },
  workspaceId: string,
  changed: (incident: Incident) => Promise<void>,
): Promise<void> {
  const recovery = deps.policy.thresholds.resolve_when_recovered ? deps.recovery : undefined;
  // Read on first need, once per review: most reviews find no incident a success could end.
  let read: Promise<LastSuccessLookup> | undefined;
  for (const incident of await deps.incidents.listOpen({ workspaceId, limit: REVIEW_LIMIT })) {
    const signals = await deps.incidents.listSignals(incident.id, { atVersion: incident.version });
    if (recovery !== undefined) {
      const resolved = await resolveIfRecovered(
        {
          incidents: deps.incidents,
          attempts: recovery.attempts,
          lastSuccesses: () => (read ??= recovery.lastSuccesses()),
          now: deps.clock.now(),
        },
        incident,
        signals,
      );
      if (resolved !== undefined) {
        await changed(resolved);
        continue;
      }
    }
    const raised = await retriageIncident(deps, incident, signals);
    const after = (await escalateIfOverdue(deps, raised ?? incident)) ?? raised;
    if (after) await changed(after);
  }
}
