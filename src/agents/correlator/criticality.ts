import type { Topology } from '../collector/topology.js';
import type { IncidentSummary } from './correlate.js';
import { SPEND_KINDS } from './root-cause.js';

/**
 * Per topology (never mutated once built): criticality tags by job id or name, and by table written.
 * A table's tags are a list, almost always of one: a Set per table cost ~26 MB on 100,000 tables.
 */
const criticalityIndexes = new WeakMap<
  Topology,
  { byJob: Map<string, string>; byTable: Map<string, readonly string[]> }
>();

function criticalityIndex(topology: Topology) {
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
  index = { byJob, byTable };
  criticalityIndexes.set(topology, index);
  return index;
}

/**
 * Criticality tags of the root cause's job and the jobs and tables downstream of it. A revoked grant
 * leaves its table intact (one principal lost access to it): only what that principal's broken jobs
 * feed, its blast radius, lends the incident its criticality, not the table's own tags.
 */
export function criticalityOf(topology: Topology | undefined, summary: IncidentSummary): string[] {
  if (!topology) return [];
  const { byJob, byTable } = criticalityIndex(topology);
  const root = summary.rootSignal;
  const tags = new Set<string>();
  // A team's spend on a job is not the job's data at risk: the job it names lends it no criticality.
  const rootJob = SPEND_KINDS.has(root.kind) ? undefined : root.refs.jobId;
  for (const job of [rootJob, ...summary.blastRadius.jobs]) {
    const c = job === undefined ? undefined : byJob.get(job);
    if (c) tags.add(c);
  }
  const tableIsHurt = root.subject.type === 'table' && root.kind !== 'grant_revoked';
  const tables = [
    ...(root.refs.tablesWritten ?? []),
    ...summary.blastRadius.tables,
    ...(tableIsHurt ? [root.subject.id] : []),
  ];
  for (const table of tables) for (const c of byTable.get(table) ?? []) tags.add(c);
  return [...tags];
}
