import { createHash } from 'node:crypto';
import { utcMinute } from '../../domain/text.js';
import type { AclChangeObservation } from '../collector/acl-change-observation.js';
import { DetectorSink, type DetectorOutput } from './detector-output.js';

/** The longest dedup key a signal accepts (`signal.ts`); a hostile principal name must not exceed it. */
const DEDUP_KEY_MAX = 1_024;

/** The audit action behind each object type, for the evidence's label. */
const AUDIT_ACTION = {
  cluster: 'clusters changeClusterAcl',
  job: 'jobs changeJobAcl',
  pipeline: 'deltaPipelines changePipelineAcls',
} as const;

/** What a run needs on each object, for the fix hint (the Permissions API's levels). */
const NEEDED = { cluster: 'CAN_ATTACH_TO', job: 'CAN_MANAGE_RUN', pipeline: 'CAN_RUN' } as const;
/** The Permissions API's path for each object type. */
const API_PATH = { cluster: 'clusters', job: 'jobs', pipeline: 'pipelines' } as const;

/**
 * Levels after which a principal can no longer use the object (attach to the cluster, run the job, start
 * the pipeline's update), in the ACL service's words or the Permissions API's, compared without case
 * or punctuation. A change to any other level gives at least that much, so it breaks nothing.
 */
const NOTHING_LEFT = new Set(['', 'none', 'nopermissions', 'removed']);
const VIEW_ONLY = new Set(['view', 'canview']);

/**
 * One `acl_changed` signal per audit event that left a principal unable to use a cluster, job or
 * pipeline: nothing left on it, or only the right to view a job or pipeline. Like a revoked grant it is
 * often intended, so on its own it hints P4; a later permission failure of a run on that object joins
 * its incident (the correlator's `revocationExplains`), which makes it the root cause and puts who
 * changed which permission on what, and when, on the card. A change that leaves a level to use the
 * object by (attach, restart, manage, run) reports nothing.
 */
export function detectAclChanges(changes: readonly AclChangeObservation[], now: number): DetectorOutput {
  const sink = new DetectorSink();
  for (const change of changes) {
    const subject = `acl:${change.eventId}:${change.principal}`;
    sink.guard(subject, () => {
      const level = (change.level ?? '').toLowerCase().replace(/[^a-z]/g, '');
      const removed = NOTHING_LEFT.has(level);
      if (!removed && !(change.objectType !== 'cluster' && VIEW_ONLY.has(level))) return;
      // By name, as people know it, with the id the audit row and the Permissions API use beside it.
      const what =
        change.objectName !== undefined
          ? `${change.objectType} ${change.objectName} (${change.objectId})`
          : `${change.objectType} ${change.objectId}`;
      const outcome = removed ? 'removed' : `set to ${change.level}`;
      const by = change.actor !== undefined ? ` by ${change.actor}` : '';
      sink.emit(subject, {
        dedupKey: dedupKey(change),
        workspaceId: change.workspaceId,
        kind: 'acl_changed',
        severityHint: 'P4',
        observedAt: now,
        occurredAt: change.at,
        subject: {
          type: change.objectType,
          id: change.objectId,
          ...(change.objectName !== undefined ? { name: change.objectName } : {}),
        },
        refs: {
          principal: change.principal,
          ...(removed || change.level === undefined ? {} : { privileges: [change.level] }),
          ...(change.actor !== undefined ? { changedBy: change.actor } : {}),
        },
        // Not transient (no retry brings a permission back) and a person must act: what triage needs.
        classification: {
          category: 'permission',
          transient: false,
          action: 'NOTIFY_OWNER',
          fixHint: `If the change was not intended: give ${change.principal} ${NEEDED[change.objectType]} on ${what} again (PATCH /api/2.0/permissions/${API_PATH[change.objectType]}/${change.objectId})`,
          rule: 'acl_changed',
        },
        evidence: [
          {
            label: `Permission change (audit log, ${AUDIT_ACTION[change.objectType]})`,
            excerpt: `${change.principal}'s permission on ${what} ${outcome}${by} at ${utcMinute(change.at)}`,
          },
        ],
      });
    });
  }
  return sink.output();
}

/**
 * Per audit event (one principal each): the same key whether or not the principal's SCIM id could be
 * named on this poll.
 */
function dedupKey(change: AclChangeObservation): string {
  const key = `${change.workspaceId}:acl-changed:${change.eventId}`;
  if (key.length <= DEDUP_KEY_MAX) return key;
  const digest = createHash('sha256').update(change.eventId).digest('hex').slice(0, 32);
  return `${change.workspaceId}:acl-changed:sha256:${digest}`;
}
