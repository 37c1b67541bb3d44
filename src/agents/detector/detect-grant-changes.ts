import { createHash } from 'node:crypto';
import { utcMinute } from '../../domain/text.js';
import type { GrantChangeObservation } from '../collector/grant-change-observation.js';
import { DetectorSink, type DetectorOutput } from './detector-output.js';

/** Securable types whose full name is a table's (`catalog.schema.table`): the graph knows them as tables. */
const TABLE_LIKE = new Set(['table', 'view', 'materialized_view', 'streaming_table']);

/** The longest dedup key a signal accepts (`signal.ts`); a hostile principal name must not exceed it. */
const DEDUP_KEY_MAX = 1_024;

/**
 * One `grant_revoked` signal per audit event and principal that lost a privilege. A revocation is often
 * intended, so on its own it hints P4; it matters when a later permission failure on that securable joins
 * its incident (the correlator's `explainedByRevocation`), which makes it the root cause and puts who
 * changed what and when on the card. Grants that only add privileges report nothing, and a privilege
 * removed and re-added in the same change is no revocation.
 */
export function detectGrantChanges(changes: readonly GrantChangeObservation[], now: number): DetectorOutput {
  const sink = new DetectorSink();
  for (const change of changes) {
    const subject = `grant:${change.eventId}:${change.principal}`;
    sink.guard(subject, () => {
      const added = new Set(change.added.map((p) => p.toUpperCase()));
      const removed = [...new Set(change.removed.map((p) => p.toUpperCase()))].filter((p) => !added.has(p));
      if (removed.length === 0) return;
      const what = `${removed.join(', ')} on ${change.securable}`;
      const by = change.actor !== undefined ? ` by ${change.actor}` : '';
      const tableLike =
        change.securableType === undefined || TABLE_LIKE.has(change.securableType.toLowerCase());
      sink.emit(subject, {
        dedupKey: dedupKey(change),
        workspaceId: change.workspaceId,
        kind: 'grant_revoked',
        severityHint: 'P4',
        observedAt: now,
        occurredAt: change.at,
        // A catalog or schema is no node of the lineage graph; the workspace stands for it.
        subject: tableLike
          ? { type: 'table', id: change.securable, name: change.securable }
          : {
              type: 'workspace',
              id: change.workspaceId,
              name: `${change.securableType} ${change.securable}`,
            },
        refs: {
          principal: change.principal,
          privileges: removed,
          ...(change.actor !== undefined ? { changedBy: change.actor } : {}),
        },
        // Not transient (no retry brings a privilege back) and the owner must act: what triage needs.
        classification: {
          category: 'permission',
          transient: false,
          action: 'NOTIFY_OWNER',
          fixHint: `If the revocation was not intended: GRANT ${removed.join(', ')} ON ${
            change.securableType?.toUpperCase() ?? 'TABLE'
          } ${change.securable} TO \`${change.principal}\``,
          rule: 'grant_revoked',
        },
        evidence: [
          {
            label: 'Permission change (audit log, unityCatalog updatePermissions)',
            excerpt: `${what} revoked from ${change.principal}${by} at ${utcMinute(change.at)}`,
          },
        ],
      });
    });
  }
  return sink.output();
}

/** Per audit event and principal; a principal too long for the key is represented by its digest. */
function dedupKey(change: GrantChangeObservation): string {
  const key = `${change.workspaceId}:grant-revoked:${change.eventId}:${change.principal}`;
  if (key.length <= DEDUP_KEY_MAX) return key;
  const digest = createHash('sha256').update(change.principal).digest('hex').slice(0, 32);
  return `${change.workspaceId}:grant-revoked:${change.eventId}:sha256:${digest}`;
}
