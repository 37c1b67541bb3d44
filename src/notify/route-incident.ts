import { levelRouting } from '../agents/triage/triage-incident.js';
import { type Policy, workspaceEntry } from '../config/policy.js';
import type { Incident } from '../domain/incident.js';

export interface IncidentRoute {
  /** Channels that get the card, without duplicates, rule order first. Never empty. */
  readonly channels: readonly string[];
  /** Who the post mentions (the on-call group) or null. */
  readonly mention: string | null;
}

const asList = <T>(v: T | readonly T[] | undefined): readonly T[] | undefined =>
  v === undefined ? undefined : Array.isArray(v) ? (v as readonly T[]) : [v as T];

/**
 * Where an incident's card goes: every routing rule whose `match` holds (team tag, severity, workspace;
 * all keys present must match), plus the channels its severity level lists; the default channel when
 * nothing matched. The level's part is what triage decided (`levelRouting`): its channels, and whether
 * on-call is mentioned (`mention_oncall`, true for P1 by default).
 * A rule's `workspace` is a workspace id, or the `name` its `workspaces` entry gives it.
 */
export function routeIncident(
  incident: Pick<Incident, 'team' | 'severity' | 'workspaceId'>,
  policy: Pick<Policy, 'routing' | 'triage' | 'workspaces'>,
): IncidentRoute {
  const workspaceName = workspaceEntry(policy, incident.workspaceId)?.name;
  const channels: string[] = [];
  for (const rule of policy.routing.rules) {
    const teams = asList(rule.match.team);
    const severities = asList(rule.match.severity);
    const workspaces = asList(rule.match.workspace);
    if (teams !== undefined && (incident.team === null || !teams.includes(incident.team))) continue;
    if (severities !== undefined && !severities.includes(incident.severity)) continue;
    if (
      workspaces !== undefined &&
      !workspaces.includes(incident.workspaceId) &&
      (workspaceName === undefined || !workspaces.includes(workspaceName))
    ) {
      continue;
    }
    channels.push(rule.channel);
  }
  const decided = levelRouting(incident.severity, policy.triage);
  channels.push(...decided.channels);
  if (channels.length === 0) channels.push(policy.routing.default_channel);
  const mention =
    decided.mentionOncall && policy.routing.oncall_mention !== '' ? policy.routing.oncall_mention : null;
  return { channels: [...new Set(channels)], mention };
}

/** The one channel a team's cost reports go to: its `cost_channels` entry, else the default channel. */
export function costChannelFor(team: string, policy: Pick<Policy, 'routing'>): string {
  return policy.routing.cost_channels[team] ?? policy.routing.default_channel;
}
