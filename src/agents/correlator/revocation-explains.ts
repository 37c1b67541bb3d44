import type { Signal } from '../../domain/signal.js';
import { type GraphView, nodeKey } from './dependency-graph.js';
import { signalNodes } from './signal-nodes.js';

/**
 * How long after a revocation a permission failure on its securable is still put down to it. A grant
 * stays revoked until someone restores it, so this is far beyond the correlation window (a job failing
 * every two hours for a day belongs with the revocation, not in twelve incidents); after a week the
 * revocation is the workspace's new normal, not news.
 */
const REVOCATION_HORIZON_MS = 7 * 86_400_000;

/**
 * Whether one of the two signals is a revoked grant on a table and the other a later permission failure
 * of a job that reads that table (by its run's `tablesRead` or by lineage), in either order: the audit
 * log is polled, so the revocation often arrives after the failures it explains. A failure whose error
 * names another table the job reads (and not this one) was denied something else.
 */
export function revocationExplains(a: Signal, b: Signal, view: GraphView): boolean {
  return explains(a, b, view) || explains(b, a, view);
}

function explains(revocation: Signal, failure: Signal, view: GraphView): boolean {
  if (revocation.kind !== 'grant_revoked' || revocation.subject.type !== 'table') return false;
  if (failure.classification?.category !== 'permission' || failure.kind === 'grant_revoked') return false;
  const after = failure.occurredAt - revocation.occurredAt;
  if (after < 0 || after > REVOCATION_HORIZON_MS) return false;
  const securable = revocation.subject.id;
  const reads = failure.refs.tablesRead ?? [];
  const table = nodeKey('table', securable);
  const readsIt =
    reads.includes(securable) || signalNodes(failure).some((n) => [...view.upstream(n)].includes(table));
  if (!readsIt) return false;
  const text = (failure.error?.message ?? '').replaceAll('`', '').toLowerCase();
  const names = (name: string) => text.includes(name.toLowerCase());
  return names(securable) || !reads.some((t) => t !== securable && names(t));
}
