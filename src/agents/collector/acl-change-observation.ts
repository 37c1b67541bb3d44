import { z } from 'zod';
import { idString } from '../../domain/text.js';

/** The objects whose ACL changes dbxops reads, by the audit action that records each. */
const ACL_CHANGE_ACTIONS = {
  changeClusterAcl: 'cluster',
  changeJobAcl: 'job',
  changePipelineAcls: 'pipeline',
} as const;
type AclObjectType = (typeof ACL_CHANGE_ACTIONS)[keyof typeof ACL_CHANGE_ACTIONS];

/**
 * A change of a cluster's, job's or pipeline's access control list (audit `changeClusterAcl`,
 * `changeJobAcl`, `changePipelineAcls`): whose level on which object became what, who changed it, when.
 */
export const aclChangeObservationSchema = z.object({
  workspaceId: idString,
  eventId: z.string().min(1).max(256),
  at: z.number().int().nonnegative(),
  /** Who made the change (`user_identity.email`). */
  actor: z.string().max(512).optional(),
  objectType: z.enum(['cluster', 'job', 'pipeline']),
  /** `request_params.resourceId`: the cluster, job or pipeline id. */
  objectId: z.string().min(1).max(256),
  /** The cluster's, job's or pipeline's name, when the workspace still names it (the audit row gives only the id). */
  objectName: z.string().min(1).max(512).optional(),
  /** The user, group or service principal whose level changed, by name when the row gives one, else by id. */
  principal: z.string().min(1).max(512),
  /** `request_params.aclPermissionSet`: the level the principal holds after the change, in the ACL service's words. */
  level: z.string().max(128).optional(),
});
export type AclChangeObservation = z.output<typeof aclChangeObservationSchema>;

/** What an audit row of an ACL change says before validation, or why it says nothing usable. */
export type AclChangeRow =
  | {
      readonly ok: true;
      readonly change: { objectType: AclObjectType; objectId: string; principal: string; level?: string };
    }
  | { readonly ok: false; readonly reason: string };

/**
 * Reads an ACL change's `request_params` (undefined for any other action): the object's `resourceId`,
 * the principal by name when the row gives one (`targetUserName`, `targetGroupName`) and otherwise by
 * id (`targetUserId`, `targetGroupId`), and `aclPermissionSet`. A row without an object or a principal
 * is a refusal with the reason, for the poll's `rejected` list.
 */
export function aclChangeOf(
  action: string | undefined,
  params: Readonly<Record<string, string>>,
): AclChangeRow | undefined {
  if (action === undefined || !Object.hasOwn(ACL_CHANGE_ACTIONS, action)) return undefined;
  const objectType = ACL_CHANGE_ACTIONS[action as keyof typeof ACL_CHANGE_ACTIONS];
  const objectId = params.resourceId;
  if (objectId === undefined || objectId === '')
    return { ok: false, reason: `${action} request_params.resourceId: missing` };
  const principal = [
    params.targetUserName,
    params.targetGroupName,
    params.targetUserId,
    params.targetGroupId,
  ].find((p) => p !== undefined && p !== '');
  if (principal === undefined) return { ok: false, reason: `${action} request_params.targetUserId: missing` };
  const level = params.aclPermissionSet;
  return { ok: true, change: { objectType, objectId, principal, ...(level !== undefined ? { level } : {}) } };
}
