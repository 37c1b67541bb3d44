import type { Signal } from '../../domain/signal.js';
import { type GraphView, nodeKey } from './dependency-graph.js';
import { primaryNode, signalNodes } from './signal-nodes.js';

/**
 * How long after a revocation a permission failure on its securable is still put down to it. A grant
 * stays revoked until someone restores it, so this is far beyond the correlation window (a job failing
 * every two hours for a day belongs with the revocation, not in twelve incidents); after a week the
 * revocation is the workspace's new normal, not news.
 */
const REVOCATION_HORIZON_MS = 7 * 86_400_000;

/** The kinds that take a permission away: a Unity Catalog grant, a cluster's, job's or pipeline's ACL. */
export const REVOCATION_KINDS: ReadonlySet<string> = new Set(['grant_revoked', 'acl_changed']);

/**
 * What a data privilege denial says (Unity Catalog's `INSUFFICIENT_PERMISSIONS`, "User does not have
 * SELECT on Table …"): a run denied a table was not denied its cluster, job or pipeline.
 */
const DATA_DENIAL =
  /INSUFFICIENT_PERMISSIONS|\b(?:SELECT|MODIFY|USE CATALOG|USE SCHEMA|ALL PRIVILEGES|READ FILES|WRITE FILES|EXECUTE)\b (?:on|privilege)|\bon (?:table|schema|catalog|volume|function)\b/i;

/**
 * Whether one of the two signals takes a permission away and the other is a later permission failure
 * it explains, in either order: the audit log is polled, so the change often arrives after the failures
 * it explains. A revoked grant on a table explains the failures of jobs that read that table (by their
 * run's `tablesRead` or by lineage), unless the error names another table the job reads. A cluster's,
 * job's or pipeline's ACL change explains the failures of runs on that object — on the cluster, of the
 * job or of a job whose task runs it, of the pipeline or a job whose task starts it — unless the error
 * is a data privilege denial.
 */
export function revocationExplains(a: Signal, b: Signal, view: GraphView): boolean {
  return explains(a, b, view) || explains(b, a, view);
}

function explains(revocation: Signal, failure: Signal, view: GraphView): boolean {
  if (!REVOCATION_KINDS.has(revocation.kind)) return false;
  if (failure.classification?.category !== 'permission' || REVOCATION_KINDS.has(failure.kind)) return false;
  const after = failure.occurredAt - revocation.occurredAt;
  if (after < 0 || after > REVOCATION_HORIZON_MS) return false;
  if (revocation.kind === 'acl_changed') return aclExplains(revocation, failure, view);
  if (revocation.subject.type !== 'table') return false;
  const securable = revocation.subject.id;
  const reads = failure.refs.tablesRead ?? [];
  const table = nodeKey('table', securable);
  const readsIt =
    reads.includes(securable) || signalNodes(failure).some((n) => [...view.upstream(n)].includes(table));
  if (!readsIt) return false;
  const text = failure.error?.message ?? '';
  return names(text, securable) || !reads.some((t) => t !== securable && names(text, t));
}

/** Whether the failure ran on the object whose ACL changed (or on a job next to it) and was denied no data. */
function aclExplains(change: Signal, failure: Signal, view: GraphView): boolean {
  if (DATA_DENIAL.test(failure.error?.message ?? '')) return false;
  const object = primaryNode(change);
  const mine = signalNodes(failure);
  if (mine.includes(object)) return true;
  // A job's run_job task starts the job, its pipeline task the pipeline: one step away in the graph.
  if (change.subject.type === 'cluster') return false;
  return mine.some((n) => [...view.downstream(n), ...view.upstream(n)].includes(object));
}

function names(text: string, name: string): boolean {
  return text.replaceAll('`', '').toLowerCase().includes(name.toLowerCase());
}
