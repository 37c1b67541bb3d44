import type { Topology } from '../collector/topology.js';
import type { TableSla } from '../detector/observations.js';
import { nextDueAt } from '../detector/sla-due.js';
import { blastRadiusSparing } from './blast-radius.js';
import type { IncidentSummary } from './correlate.js';
import { type GraphView, nodeKey, nodeKind } from './dependency-graph.js';
import { FAILURE_KINDS, SPEND_KINDS } from './root-cause.js';

/**
 * Per topology (never mutated once built): criticality tags by job id or name, and by table written.
 * A table's tags are a list, almost always of one: a Set per table cost ~26 MB on 100,000 tables.
 */
interface CriticalityIndex {
  byJob: Map<string, string>;
  byTable: Map<string, readonly string[]>;
  /** The SLAs that hold a job (by id or name) or a table to a deadline: on the table, or on what the job writes. */
  deadlinesOf: Map<string, readonly Deadline[]>;
  /** The jobs lineage saw writing each table written by more than one job. */
  writers: Map<string, readonly string[]>;
}
type Deadline = Pick<TableSla, 'deadline' | 'timezone' | 'maxAgeMinutes' | 'lastRefreshedAt'>;
const criticalityIndexes = new WeakMap<Topology, CriticalityIndex>();

function criticalityIndex(topology: Topology): CriticalityIndex {
  let index = criticalityIndexes.get(topology);
  if (index) return index;
  const byJob = new Map<string, string>();
  const byTable = new Map<string, readonly string[]>();
  const addTable = (table: string, tag: string) => {
    const tags = byTable.get(table);
    if (tags === undefined) byTable.set(table, [tag]);
    else if (!tags.includes(tag)) byTable.set(table, [...tags, tag]);
  };
  for (const job of topology.jobs) {
    const c = job.tags.criticality;
    if (!c) continue;
    byJob.set(job.jobId, c);
    if (job.name !== undefined) byJob.set(job.name, c);
    for (const table of job.tablesWritten) addTable(table, c);
  }
  for (const sla of topology.slas) if (sla.criticality) addTable(sla.table, sla.criticality);
  const deadlinesOf = new Map<string, Deadline[]>();
  const addDeadline = (key: string, d: Deadline) => {
    const list = deadlinesOf.get(key);
    if (list === undefined) deadlinesOf.set(key, [d]);
    else list.push(d);
  };
  const slasByTable = new Map<string, Deadline[]>();
  for (const sla of topology.slas) {
    const list = slasByTable.get(sla.table);
    if (list === undefined) slasByTable.set(sla.table, [sla]);
    else list.push(sla);
  }
  for (const [table, slas] of slasByTable) for (const d of slas) addDeadline(table, d);
  for (const job of topology.jobs) {
    const held = job.tablesWritten.flatMap((t) => slasByTable.get(t) ?? []);
    if (held.length === 0) continue;
    for (const d of held) {
      addDeadline(job.jobId, d);
      if (job.name !== undefined) addDeadline(job.name, d);
      for (const t of job.tablesWritten) if (!slasByTable.has(t)) addDeadline(t, d);
    }
  }
  const writers = new Map<string, string[]>();
  for (const job of topology.jobs)
    for (const table of job.tablesWritten) {
      const list = writers.get(table);
      if (list === undefined) writers.set(table, [job.jobId]);
      else if (!list.includes(job.jobId)) list.push(job.jobId);
    }
  for (const [table, list] of writers) if (list.length < 2) writers.delete(table);
  index = { byJob, byTable, deadlinesOf, writers };
  criticalityIndexes.set(topology, index);
  return index;
}

/**
 * A critical deadline further off than this is not the cycle in progress: what failed now is usually run
 * again, and the failure fixed in working hours, before the next night needs it.
 */
const DOWNSTREAM_HORIZON_MS = 12 * 3_600_000;

/** Loads that succeeded with the wrong number of rows: data wrong, not late. */
const WRONG_DATA_KINDS: ReadonlySet<string> = new Set(['zero_rows', 'row_count_drop', 'row_count_spike']);

/**
 * What tells the job that keeps a table current from a side writer (an erasure, a compaction, a
 * backfill): the graph the blast radius walks, and when each job last wrote each table.
 */
export interface WriterEvidence {
  readonly graph: GraphView;
  /**
   * When the job last wrote the table successfully (epoch ms), if known: its newest load of it, or the
   * end of its newest successful run, whichever is later. Read before correlation's transaction began,
   * for the topology's `sharedWrites`: judging criticality takes no lock and reads no store.
   */
  readonly lastWriteAt: (jobId: string, table: string) => number | undefined;
}

/**
 * Every job and table whose last write `criticalityOf` may ask `WriterEvidence` about: each writer, by
 * lineage, of a table more than one job writes. Read them before correlating, where no lock is taken.
 */
export function sharedWrites(topology: Topology): [jobId: string, table: string][] {
  const out: [string, string][] = [];
  for (const [table, jobs] of criticalityIndex(topology).writers)
    for (const job of jobs) out.push([job, table]);
  return out;
}

/**
 * The tables `jobId` writes that another job keeps current: one that lineage shows writing the table
 * has written it since `jobId` last did, and within `DOWNSTREAM_HORIZON_MS` before `failedAt` (the cycle
 * in progress). Its failure leaves them as fresh as they were, so their readers are not late because of
 * it. Judged at the failure, so the answer does not turn as the other job's success ages.
 */
function keptCurrentByOthers(
  writers: ReadonlyMap<string, readonly string[]>,
  tables: readonly string[],
  jobId: string,
  failedAt: number,
  lastWriteAt: WriterEvidence['lastWriteAt'],
): Set<string> {
  const kept = new Set<string>();
  for (const table of tables) {
    const others = (writers.get(table) ?? []).filter((w) => w !== jobId);
    if (others.length === 0) continue;
    // A write of its own after the failure is a retry's: what it wrote before is not known then.
    const newest = lastWriteAt(jobId, table);
    const own = newest === undefined || newest > failedAt ? Number.NEGATIVE_INFINITY : newest;
    const current = others.some((w) => {
      const at = lastWriteAt(w, table);
      return at !== undefined && at > own && at >= failedAt - DOWNSTREAM_HORIZON_MS;
    });
    if (current) kept.add(table);
  }
  return kept;
}

/**
 * The tables `jobId` leads to in the graph that its failure leaves as they were: those another writer
 * keeps current, and an SLA's table it reaches only by the graph's shortcut from each job upstream of
 * an SLA (what it does not write itself is reached through what it writes, if at all).
 */
function unhurtOutputs(
  jobId: string,
  written: readonly string[],
  kept: ReadonlySet<string>,
  graph: GraphView,
): Set<string> {
  const hurt = new Set(written.filter((t) => !kept.has(t)).map((t) => nodeKey('table', t)));
  const out = new Set<string>();
  for (const n of graph.downstream(nodeKey('job', jobId)))
    if (nodeKind(n) === 'table' && !hurt.has(n)) out.add(n);
  return out;
}

/**
 * Criticality tags of the root cause's job and the jobs and tables downstream of it. A revoked grant
 * leaves its table intact (one principal lost access to it): only what that principal's broken jobs
 * feed, its blast radius, lends the incident its criticality, not the table's own tags.
 *
 * What is downstream lends its tags only while its need is near: a job or table that an SLA holds to a
 * deadline lends none when every such deadline is more than `DOWNSTREAM_HORIZON_MS` away (an hourly
 * failure at 08:00 does not page for the invoices due at 06:00 the next day; the blast radius still names
 * them, and an SLA signal pages should they come under threat). Without an SLA nobody said when it needs
 * the data, so its tags count. The failing job's own tags always count, and its own tables' do.
 *
 * A failed run hurts its readers only through the tables it leaves stale: a table another job keeps
 * current (`keptCurrentByOthers`, given `writers`) lends neither its tags nor what lies downstream of
 * it — a failed erasure or compaction leaves the table its loader refreshed as it was. A table only the
 * failed job writes, or whose other writers have not refreshed it this cycle, counts.
 */
export function criticalityOf(
  topology: Topology | undefined,
  summary: IncidentSummary,
  now: number,
  writers?: WriterEvidence,
): string[] {
  if (!topology) return [];
  const { byJob, byTable, deadlinesOf, writers: writersOf } = criticalityIndex(topology);
  const root = summary.rootSignal;
  const tags = new Set<string>();
  // Wrong data (loads that succeeded) is as urgent as the deadline was near when it was written: the
  // SLA's table is refreshed on time, so the next night's deadline coming nearer while its incident is
  // open adds nothing (an SLA signal says so should the table itself come under threat). What failed
  // and stays failed is judged now.
  const at = WRONG_DATA_KINDS.has(root.kind) ? Math.min(root.occurredAt, now) : now;
  const near = (key: string) => {
    const deadlines = deadlinesOf.get(key);
    if (deadlines === undefined) return true;
    return deadlines.some((d) => nextDueAt(d, at) - at <= DOWNSTREAM_HORIZON_MS);
  };
  // A team's spend on a job is not the job's data at risk, nor are its clusters launched wider: the job
  // it names lends it no criticality.
  const rootJob = SPEND_KINDS.has(root.kind) || root.kind === 'cluster_widened' ? undefined : root.refs.jobId;
  const rootC = rootJob === undefined ? undefined : byJob.get(rootJob);
  if (rootC) tags.add(rootC);
  const written = root.refs.tablesWritten ?? [];
  const kept =
    writers !== undefined && rootJob !== undefined && FAILURE_KINDS.has(root.kind)
      ? keptCurrentByOthers(writersOf, written, rootJob, root.occurredAt, writers.lastWriteAt)
      : new Set<string>();
  const downstream =
    kept.size === 0 || writers === undefined || rootJob === undefined
      ? summary.blastRadius
      : blastRadiusSparing(
          nodeKey('job', rootJob),
          unhurtOutputs(rootJob, written, kept, writers.graph),
          writers.graph,
        );
  for (const job of downstream.jobs) {
    const c = byJob.get(job);
    if (c && near(job)) tags.add(c);
  }
  const tableIsHurt = root.subject.type === 'table' && root.kind !== 'grant_revoked';
  const own = [...written.filter((t) => !kept.has(t)), ...(tableIsHurt ? [root.subject.id] : [])];
  for (const table of own) for (const c of byTable.get(table) ?? []) tags.add(c);
  for (const table of downstream.tables) {
    const cs = byTable.get(table);
    if (cs !== undefined && near(table)) for (const c of cs) tags.add(c);
  }
  return [...tags];
}
