import type { Policy } from '../../config/policy.js';
import type { DatabricksClient } from '../../databricks/rest/databricks-client.js';
import type { Incident } from '../../domain/incident.js';
import type { Signal } from '../../domain/signal.js';

/** Who `notify_owner` asks, and where that name came from (what the note and the card say). */
interface FoundOwner {
  readonly owner: string;
  /** "the job's creator", "the owner tag of warehouse platform_adhoc" … */
  readonly source: string;
}

export interface FindOwnerDeps {
  readonly databricks?: DatabricksClient | undefined;
  /**
   * `dbxops.yaml`'s routing: a team its rules give a channel of their own (`routing.rules[].match.team`,
   * `routing.cost_channels`) sees the note in the incident's thread there.
   */
  readonly routing?: Pick<Policy['routing'], 'rules' | 'cost_channels'> | undefined;
}

export type OwnerLookup =
  | ({ readonly found: true } & FoundOwner)
  | {
      readonly found: false;
      /** What was looked at, and what would give the incident an owner. */
      readonly help: string;
    };

/** The channels routing names for `team` (its rules, whatever else they match on; its cost channel). */
function teamChannels(team: string, routing: FindOwnerDeps['routing']): string[] {
  const channels = (routing?.rules ?? [])
    .filter((r) => {
      const teams = r.match.team;
      return teams === team || (Array.isArray(teams) && teams.includes(team));
    })
    .map((r) => r.channel);
  const cost = routing?.cost_channels[team];
  return [...new Set(cost === undefined ? channels : [...channels, cost])];
}

/** The tag keys read as an owner, as teams spell them. */
const OWNER_TAGS = ['owner', 'Owner', 'OWNER', 'owner_email', 'contact'];

const ownerTag = (tags: Readonly<Record<string, string>> | undefined): string | undefined => {
  for (const key of OWNER_TAGS) {
    const value = tags?.[key]?.trim();
    if (value) return value;
  }
  return undefined;
};

/**
 * Finds who to ask about an incident, first what detection recorded, then the workspace object it is
 * about, read now: the object's `owner` tag (what a team sets on purpose), then its creator, then the
 * user a job or pipeline runs as; for a revoked grant, who made the change; and last the incident's
 * team when `dbxops.yaml` routes that team to a channel of its own. A read that fails is skipped: the
 * next source is tried, and none found says what was looked at and what would fix it.
 */
export async function findOwner(
  deps: FindOwnerDeps,
  incident: Pick<Incident, 'owner' | 'team'>,
  signal: Pick<Signal, 'refs' | 'subject'> | undefined,
): Promise<OwnerLookup> {
  const refs = signal?.refs ?? {};
  const found = (owner: string, source: string): OwnerLookup => ({ found: true, owner, source });
  if (incident.owner) return found(incident.owner, 'the owner detection recorded for the failing object');
  if (refs.owner) return found(refs.owner, 'the owner detection recorded for the failing object');
  const looked: string[] = [];
  const api = deps.databricks;
  const read = async <T>(what: string, get: () => Promise<T>): Promise<T | undefined> => {
    looked.push(what);
    if (api === undefined) return undefined;
    try {
      return await get();
    } catch {
      // Not readable now (gone, no right, a blip): the next source may still name someone.
      return undefined;
    }
  };
  const jobId = refs.jobId !== undefined && /^\d{1,16}$/.test(refs.jobId) ? Number(refs.jobId) : undefined;
  if (jobId !== undefined && api !== undefined) {
    const job = await read(`job ${jobId}`, () => api.jobs.getJob(jobId));
    const name = job?.settings?.name ?? String(jobId);
    const tagged = ownerTag(job?.settings?.tags);
    if (tagged) return found(tagged, `the owner tag of job ${name}`);
    if (job?.creator_user_name) return found(job.creator_user_name, `the creator of job ${name}`);
    if (job?.run_as_user_name) return found(job.run_as_user_name, `the user job ${name} runs as`);
  }
  if (refs.pipelineId !== undefined && api !== undefined) {
    const id = refs.pipelineId;
    const p = await read(`pipeline ${id}`, () => api.pipelines.getPipeline(id));
    const name = p?.name ?? id;
    if (p?.creator_user_name) return found(p.creator_user_name, `the creator of pipeline ${name}`);
    if (p?.run_as_user_name) return found(p.run_as_user_name, `the user pipeline ${name} runs as`);
  }
  if (refs.warehouseId !== undefined && api !== undefined) {
    const id = refs.warehouseId;
    const w = await read(`warehouse ${id}`, () => api.warehouses.getWarehouse(id));
    const name = w?.name ?? id;
    const tags = Object.fromEntries((w?.tags?.custom_tags ?? []).map((t) => [t.key, t.value ?? ''] as const));
    const tagged = ownerTag(tags);
    if (tagged) return found(tagged, `the owner tag of warehouse ${name}`);
    if (w?.creator_name) return found(w.creator_name, `the creator of warehouse ${name}`);
  }
  if (refs.clusterId !== undefined && api !== undefined) {
    const id = refs.clusterId;
    const c = await read(`cluster ${id}`, () => api.clusters.getCluster(id));
    const name = c?.cluster_name ?? id;
    const tagged = ownerTag(c?.custom_tags);
    if (tagged) return found(tagged, `the owner tag of cluster ${name}`);
    if (c?.creator_user_name) return found(c.creator_user_name, `the creator of cluster ${name}`);
    if (c?.single_user_name) return found(c.single_user_name, `the single user of cluster ${name}`);
  }
  if (refs.changedBy) return found(refs.changedBy, 'who made the permission change, per the audit log');
  const objects = looked.length;
  const team = incident.team ?? refs.team;
  if (team) {
    const channels = teamChannels(team, deps.routing);
    if (channels.length > 0)
      return found(`the ${team} team`, `routed to ${channels.join(', ')} by dbxops.yaml`);
    looked.push(`a routing rule or cost channel for team ${team}`);
  }
  const what = looked.length === 0 ? 'nothing names an owner' : `no owner in ${looked.join(', ')}`;
  const fixes = [
    ...(objects > 0
      ? [`give the ${looked.slice(0, objects).join(' or ')} an \`owner\` tag in Databricks`]
      : []),
    team
      ? `route team ${team} to a channel of its own (a \`routing.rules\` or \`routing.cost_channels\` entry in dbxops.yaml)`
      : 'route its team to a channel of its own (a `routing.rules` entry in dbxops.yaml)',
  ];
  return {
    found: false,
    help: `No owner could be found (${what}). To fix it, ${fixes.join(', or ')}; meanwhile, ask in the thread yourself.`,
  };
}
