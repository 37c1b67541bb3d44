import { type TableSla, tableSlaSchema } from '../detector/observations.js';
import { slaPromises } from '../sla/sla-compliance.js';
import type { CollectorCache } from './collector-cache.js';
import type { CollectorDeps } from './collector-deps.js';
import { type JobInfo, jobInfoOf, NO_IDS } from './job-info.js';
import { asDegraded, type Degraded } from './monitoring-degraded.js';
import { dateParam, ms, str } from './sql-row.js';
import type { Topology, TopologyJob, TopologyLineageEdge } from './topology.js';

export interface LoadTopologyOptions {
  /** How far back lineage is read. Default 30 days (lineage is kept 395 days; older edges are stale). */
  readonly lineageDays?: number;
  /** Longest upstream walk for an SLA's `upstreamJobIds` and `upstreamPipelineIds`. Default 10 hops. */
  readonly maxHops?: number;
}

export type TopologyOutcome =
  | { readonly topology: Topology; readonly degraded?: undefined }
  | { readonly degraded: Degraded };

const DAY_MS = 86_400_000;

// Distinct edges only: a daily job writes the same edge every run, and the graph needs it once.
const LINEAGE_SQL = `
SELECT source_table_full_name AS source_table,
       target_table_full_name AS target_table,
       entity_type,
       entity_id,
       entity_metadata.job_info.job_id AS job_id,
       MAX(event_time) AS last_event
FROM system.access.table_lineage
WHERE event_date >= :since_date
  AND workspace_id = :workspace_id
GROUP BY ALL`;

/**
 * Builds the workspace's dependency picture: job settings (`jobs/list` with tasks) for names, tags,
 * owners, `run_job_task` edges and named compute; `system.access.table_lineage` for the tables each job
 * reads and writes; SLAs from the `sla`/`sla_timezone` (or `sla_max_age`) job tags on the tables a job writes (only
 * `sla_table` when that tag names one), overridden
 * by `policy.slas`, each with the jobs and pipelines upstream of its table. Stores the result in `cache` when given,
 * where `fetchRunObservation` reads tables from it. A throttled or unavailable workspace returns
 * `degraded` and leaves any cached topology in place.
 */
export async function loadTopology(
  deps: CollectorDeps,
  cache?: CollectorCache,
  options: LoadTopologyOptions = {},
): Promise<TopologyOutcome> {
  const now = deps.clock.now();
  const intern = interner();
  const infos: JobInfo[] = [];
  let lineageRows: Awaited<ReturnType<CollectorDeps['warehouse']['query']>>['rows'];
  try {
    for await (const job of deps.client.jobs.listJobs({ expand_tasks: true, limit: 100 })) {
      infos.push(shareStrings(jobInfoOf(job), intern));
    }
    const result = await deps.warehouse.query(LINEAGE_SQL, {
      params: {
        since_date: dateParam(now - (options.lineageDays ?? 30) * DAY_MS),
        workspace_id: deps.workspaceId,
      },
      rowLimit: 100_000,
    });
    lineageRows = result.rows;
  } catch (error) {
    // The jobs listed before the failure still spare their runs a `jobs/get` each.
    for (const info of infos) cache?.jobs.set(info.jobId, { fetchedAt: now, info });
    const degraded = asDegraded(error, 'topology');
    if (degraded) return { degraded };
    throw error;
  }

  const lineage: TopologyLineageEdge[] = [];
  const lastWrites: Record<string, number> = {};
  const reads = new Map<string, Set<string>>();
  const writes = new Map<string, Set<string>>();
  const pipelineReads = new Map<string, Set<string>>();
  const pipelineWrites = new Map<string, Set<string>>();
  const add = (map: Map<string, Set<string>>, key: string, value: string) => {
    const set = map.get(key) ?? new Set<string>();
    set.add(value);
    map.set(key, set);
  };
  for (const row of lineageRows) {
    const entityType = str(row, 'entity_type') ?? null;
    const entityId = str(row, 'entity_id') ?? null;
    const jobId = str(row, 'job_id') ?? (entityType === 'JOB' ? entityId : null);
    const edge: TopologyLineageEdge = {
      sourceTable: internOrNull(intern, str(row, 'source_table')),
      targetTable: internOrNull(intern, str(row, 'target_table')),
      entityType: internOrNull(intern, entityType),
      entityId,
      jobId,
    };
    if (edge.sourceTable === null && edge.targetTable === null) continue;
    lineage.push(edge);
    const at = ms(row, 'last_event');
    if (edge.targetTable !== null && at !== undefined) {
      lastWrites[edge.targetTable] = Math.max(lastWrites[edge.targetTable] ?? 0, at);
    }
    if (jobId !== null) {
      if (edge.sourceTable !== null) add(reads, jobId, edge.sourceTable);
      if (edge.targetTable !== null) add(writes, jobId, edge.targetTable);
    } else if (entityType?.toUpperCase() === 'PIPELINE' && entityId !== null) {
      if (edge.sourceTable !== null) add(pipelineReads, entityId, edge.sourceTable);
      if (edge.targetTable !== null) add(pipelineWrites, entityId, edge.targetTable);
    }
  }

  // One object per job serves as both its topology entry and its cached summary: two cost ~20 MB more
  // on 100,000 jobs.
  const jobs: (TopologyJob & JobInfo)[] = infos.map((info) => ({
    ...info,
    team: info.tags.team,
    tablesRead: sortedList(reads.get(info.jobId)),
    tablesWritten: sortedList(writes.get(info.jobId)),
  }));
  for (const job of jobs) cache?.jobs.set(job.jobId, { fetchedAt: now, info: job });
  const jobEdges = infos.flatMap((info) =>
    info.childJobIds.map((childJobId) => ({ parentJobId: info.jobId, childJobId })),
  );

  const tableTeams: Record<string, string> = {};
  for (const job of jobs) {
    for (const table of job.tablesWritten)
      if (job.team && !(table in tableTeams)) tableTeams[table] = job.team;
  }

  const pipelines = { reads: pipelineReads, writes: pipelineWrites };
  const slas = buildSlas(deps, jobs, jobEdges, pipelines, lastWrites, options.maxHops ?? 10);
  const topology: Topology = {
    workspaceId: deps.workspaceId,
    builtAt: now,
    jobs,
    lineage,
    jobEdges,
    slas,
    tableTeams,
  };
  if (cache) cache.topology = topology;
  return { topology };
}

/**
 * The same text as one string: JSON parsing makes a new string for every occurrence, and a workspace
 * repeats its owners, tag values and table names across thousands of jobs and lineage rows.
 */
function interner(): (text: string) => string {
  const seen = new Map<string, string>();
  return (text) => {
    const known = seen.get(text);
    if (known !== undefined) return known;
    seen.set(text, text);
    return text;
  };
}

const internOrNull = (intern: (text: string) => string, text: string | null | undefined) =>
  text == null ? null : intern(text);

function shareStrings(info: JobInfo, intern: (text: string) => string): JobInfo {
  const tags: Record<string, string> = {};
  for (const [key, value] of Object.entries(info.tags)) tags[key] = intern(value);
  return { ...info, tags, ...(info.owner === undefined ? {} : { owner: intern(info.owner) }) };
}

const sortedList = (set: ReadonlySet<string> | undefined): readonly string[] =>
  set === undefined || set.size === 0 ? NO_IDS : [...set].sort();

/** What lineage says pipelines read and write, by pipeline id. */
interface PipelineTables {
  readonly reads: ReadonlyMap<string, ReadonlySet<string>>;
  readonly writes: ReadonlyMap<string, ReadonlySet<string>>;
}

/**
 * Jobs and pipelines upstream of `table`: its writers, the writers of what they read, the parents of
 * those jobs and the jobs whose pipeline tasks start those pipelines.
 */
function upstreamOf(
  table: string,
  jobs: readonly (TopologyJob & Pick<JobInfo, 'pipelineIds'>)[],
  jobEdges: readonly { parentJobId: string; childJobId: string }[],
  pipelines: PipelineTables,
  maxHops: number,
): { jobIds: string[]; pipelineIds: string[] } {
  const writersOf = new Map<string, string[]>();
  const addWriter = (t: string, writer: string) => writersOf.set(t, [...(writersOf.get(t) ?? []), writer]);
  for (const job of jobs) for (const t of job.tablesWritten) addWriter(t, `job:${job.jobId}`);
  for (const [id, tables] of pipelines.writes) for (const t of tables) addWriter(t, `pipeline:${id}`);
  const byId = new Map(jobs.map((j) => [j.jobId, j]));
  const found = new Set<string>();
  let frontier = [...(writersOf.get(table) ?? [])];
  for (let hop = 0; hop < maxHops && frontier.length > 0; hop++) {
    const next: string[] = [];
    for (const node of frontier) {
      if (found.has(node)) continue;
      found.add(node);
      const [kind, id = ''] = splitNode(node);
      const reads = kind === 'job' ? (byId.get(id)?.tablesRead ?? []) : (pipelines.reads.get(id) ?? []);
      for (const read of reads) next.push(...(writersOf.get(read) ?? []));
      if (kind === 'job') {
        for (const edge of jobEdges) if (edge.childJobId === id) next.push(`job:${edge.parentJobId}`);
      } else {
        for (const job of jobs) if (job.pipelineIds.includes(id)) next.push(`job:${job.jobId}`);
      }
    }
    frontier = next;
  }
  const ids = (kind: string) =>
    [...found]
      .map(splitNode)
      .filter(([k]) => k === kind)
      .map(([, id = '']) => id)
      .sort();
  return { jobIds: ids('job'), pipelineIds: ids('pipeline') };
}

const splitNode = (node: string): [string, string] => {
  const at = node.indexOf(':');
  return [node.slice(0, at), node.slice(at + 1)];
};

function buildSlas(
  deps: CollectorDeps,
  jobs: readonly (TopologyJob & Pick<JobInfo, 'pipelineIds'>)[],
  jobEdges: readonly { parentJobId: string; childJobId: string }[],
  pipelines: PipelineTables,
  lastWrites: Readonly<Record<string, number>>,
  maxHops: number,
): TableSla[] {
  // The same SLAs the digest and the questions count (`src/agents/sla/sla-compliance.ts`).
  const byTable = new Map<string, Record<string, unknown>>(
    slaPromises(jobs, deps.policy.slas).map((p) => [
      p.table,
      {
        table: p.table,
        deadline: p.deadline,
        maxAgeMinutes: p.maxAgeMinutes,
        warnAfterMinutes: p.warnAfterMinutes,
        timezone: p.timezone,
        team: p.team,
        criticality: p.criticality,
      },
    ]),
  );
  const out: TableSla[] = [];
  for (const [table, raw] of byTable) {
    const upstream = upstreamOf(table, jobs, jobEdges, pipelines, maxHops);
    const parsed = tableSlaSchema.safeParse({
      ...raw,
      workspaceId: deps.workspaceId,
      upstreamJobIds: upstream.jobIds,
      upstreamPipelineIds: upstream.pipelineIds,
      lastRefreshedAt: lastWrites[table],
    });
    if (parsed.success) out.push(parsed.data);
    else
      deps.logger?.warn(
        { table, issue: parsed.error.issues[0]?.message },
        'ignoring an SLA that does not parse',
      );
  }
  return out.sort((a, b) => a.table.localeCompare(b.table));
}
