import type { Policy } from '../../config/policy.js';
import type { Clock } from '../../domain/clock.js';
import type { Incident, TimelineEntry } from '../../domain/incident.js';
import type { Severity } from '../../domain/severity.js';
import type { IncidentRepository } from '../../store/incident-repository.js';

/** The `data.kind` of the timeline entry an escalation records; the notifier pings on-call for it. */
export const ESCALATION_ENTRY_KIND = 'escalation';

export interface EscalationDue {
  readonly severity: Severity;
  readonly minutes: number;
  /** Workspace time the level's escalation time ran out. */
  readonly deadline: number;
}

const MINUTE = 60_000;

/**
 * Whether an incident waited longer than its level's `escalation_minutes` for someone, at `now` (the
 * workspace's clock). Only an incident still open or already escalated waits: an acknowledged,
 * mitigating or resolved one has someone, and a snoozed one was put off by someone until its snooze
 * ends. The time counts from when the incident reached its current level (`levelSince`).
 */
export function escalationDue(
  incident: Pick<Incident, 'state' | 'severity' | 'snoozedUntil'>,
  levelSince: number,
  policy: Policy['triage'],
  now: number,
): EscalationDue | null {
  if (incident.state !== 'open' && incident.state !== 'escalated') return null;
  if (incident.snoozedUntil !== null && incident.snoozedUntil > now) return null;
  const minutes = policy[incident.severity].escalation_minutes;
  const deadline = levelSince + minutes * MINUTE;
  return now >= deadline ? { severity: incident.severity, minutes, deadline } : null;
}

/**
 * When the incident reached its current severity: the latest timeline entry that raised it there
 * (triage records `{ from, to }`), else when it opened.
 */
function levelReachedAt(
  incident: Pick<Incident, 'severity' | 'openedAt'>,
  timeline: readonly TimelineEntry[],
): number {
  let since = incident.openedAt;
  for (const entry of timeline) if (entry.data.to === incident.severity) since = Math.max(since, entry.at);
  return since;
}

/** Escalations this process knows its incidents' timelines hold, per incident and level, at most this many. */
const KNOWN_ESCALATIONS = 10_000;

/**
 * The levels at which incidents were escalated, as far as this process has seen. A timeline entry is
 * never removed, so once seen it need not be read again: an incident nobody acknowledges stays escalated
 * at its level, and every review would otherwise read its whole timeline only to find the entry there.
 */
export class KnownEscalations {
  readonly #known = new Set<string>();

  has(incidentId: string, severity: Severity): boolean {
    return this.#known.has(escalationKey(incidentId, severity));
  }

  add(incidentId: string, severity: Severity): void {
    // The oldest go first: a long-running process forgets incidents long resolved.
    if (this.#known.size >= KNOWN_ESCALATIONS) this.#known.delete(this.#known.values().next().value!);
    this.#known.add(escalationKey(incidentId, severity));
  }
}

const escalationKey = (incidentId: string, severity: Severity): string => `${incidentId}\u0000${severity}`;

export interface EscalationDeps {
  readonly incidents: IncidentRepository;
  readonly policy: Pick<Policy, 'triage'>;
  /** The workspace's clock (simulated in the embedded mode). */
  readonly clock: Clock;
  readonly escalations: KnownEscalations;
}

/**
 * Escalates the incident if its level's escalation time ran out with nobody acknowledging it: the
 * state becomes escalated and the timeline says why, once per level (the stored entry decides, so a
 * retried poll or a second worker escalates nothing twice). Returns the escalated incident, or null.
 */
export async function escalateIfOverdue(deps: EscalationDeps, incident: Incident): Promise<Incident | null> {
  const now = deps.clock.now();
  // Cheap first: the level cannot have been reached before the incident opened.
  if (escalationDue(incident, incident.openedAt, deps.policy.triage, now) === null) return null;
  if (deps.escalations.has(incident.id, incident.severity)) return null;
  const timeline = await deps.incidents.timeline(incident.id);
  const since = levelReachedAt(incident, timeline);
  const due = escalationDue(incident, since, deps.policy.triage, now);
  if (due === null) return null;
  // Escalated at this level already: the store would refuse the entry as a repeat and change nothing.
  // Not asking spares every review a transaction per escalated incident for as long as it stays open.
  const dedupKey = `escalation:${due.severity}`;
  if (timeline.some((e) => e.dedupKey === dedupKey)) {
    deps.escalations.add(incident.id, due.severity);
    return null;
  }
  const outcome = await deps.incidents.escalate(
    incident.id,
    incident.version,
    {
      phase: 'ANALYZE',
      summary: `Escalated: ${due.severity} not acknowledged within ${duration(due.minutes)}`,
      data: { kind: ESCALATION_ENTRY_KIND, severity: due.severity, deadline: due.deadline },
      dedupKey,
    },
    now,
  );
  // A refusal means someone acted (or another worker escalated) since it was read: the next poll sees it.
  if (!outcome.ok || !outcome.value.escalated) return null;
  deps.escalations.add(incident.id, due.severity);
  return outcome.value.incident;
}

function duration(minutes: number): string {
  if (minutes < 120 || minutes % 60 !== 0) return `${minutes} min`;
  return `${minutes / 60} h`;
}
