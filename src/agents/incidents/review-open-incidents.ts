import type { Incident } from '../../domain/incident.js';
import { escalateIfOverdue, type KnownEscalations } from '../triage/escalate-incident.js';
import { type HandleSignalDeps, retriageIncident } from './handle-signal.js';

/** Open incidents looked at per review; more than this open in one workspace is a bigger problem. */
const REVIEW_LIMIT = 500;

/**
 * The time-driven review of a workspace's open incidents, on the workspace's clock: triage again (an SLA
 * that nears raises the severity), then escalate what waited too long for someone. `changed` hears of
 * each incident that changed as soon as it did, so a review cut short still updates the cards of those
 * it changed (a second review would find nothing left to change).
 */
export async function reviewOpenIncidents(
  deps: HandleSignalDeps & { readonly escalations: KnownEscalations },
  workspaceId: string,
  changed: (incident: Incident) => Promise<void>,
): Promise<void> {
  for (const incident of await deps.incidents.listOpen({ workspaceId, limit: REVIEW_LIMIT })) {
    const raised = await retriageIncident(deps, incident);
    const after = (await escalateIfOverdue(deps, raised ?? incident)) ?? raised;
    if (after) await changed(after);
  }
}
