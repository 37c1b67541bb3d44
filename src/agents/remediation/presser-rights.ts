import { DatabricksApiError } from '../../databricks/rest/databricks-api-error.js';
import type {
  ObjectPermissions,
  PermissionObjectType,
  PermissionsApi,
} from '../../databricks/rest/permissions-api.js';
import { InvalidArgumentError } from '../../domain/errors.js';
import { err, ok, type Result } from '../../domain/result.js';
import {
  type ChatIdentity,
  type PrincipalDeps,
  type PrincipalRefusal,
  quoted,
  resolvePrincipal,
  unavailableMessage,
  type WorkspacePrincipal,
} from './workspace-principal.js';

/** The remediations whose Databricks permission dbxops checks (the action catalogue). */
export type RightsAction =
  | 'rerun'
  | 'repair'
  | 'cancel_run'
  | 'retry_with_params'
  | 'pause_schedule'
  | 'resume_schedule'
  | 'set_retry_policy'
  | 'start_warehouse'
  | 'stop_warehouse'
  | 'scale_warehouse'
  | 'set_auto_stop'
  | 'kill_query'
  | 'restart_cluster'
  | 'restart_pipeline_update'
  | 'notify_owner';

/** The workspace object an action acts on. `name` is what refusals show; the id is what is checked. */
export type RightsObject =
  | { readonly kind: 'job'; readonly jobId: number; readonly name?: string | undefined }
  | {
      readonly kind: 'warehouse';
      readonly warehouseId: string;
      readonly name?: string | undefined;
      /** For `kill_query`: the user who ran the query (query history's `user_name`); they may cancel it. */
      readonly queryUser?: string | undefined;
    }
  | { readonly kind: 'cluster'; readonly clusterId: string; readonly name?: string | undefined }
  | { readonly kind: 'pipeline'; readonly pipelineId: string; readonly name?: string | undefined };

type ObjectKind = RightsObject['kind'];

/** The level an action needs, and on which kind of object. `null`: no workspace permission is involved. */
type Requirement = { readonly kind: ObjectKind; readonly level: string } | null;

/**
 * Which permission each action needs (docs/remediation-rights.md). Runs, repairs and cancels need
 * `CAN_MANAGE_RUN` on the job; anything that changes the job's settings `CAN_MANAGE`. Starting a SQL
 * warehouse is within `CAN_USE`; stopping or resizing it needs `CAN_MANAGE`. Restarting a cluster needs
 * `CAN_RESTART`. Cancelling a query needs `CAN_MANAGE` on its warehouse unless it is the presser's own.
 * Stopping a pipeline's update and starting one is `CAN_RUN` on the pipeline (its `CAN_VIEW` is not).
 */
const REQUIRED_PERMISSION: Readonly<Record<RightsAction, Requirement>> = {
  rerun: { kind: 'job', level: 'CAN_MANAGE_RUN' },
  repair: { kind: 'job', level: 'CAN_MANAGE_RUN' },
  cancel_run: { kind: 'job', level: 'CAN_MANAGE_RUN' },
  retry_with_params: { kind: 'job', level: 'CAN_MANAGE' },
  pause_schedule: { kind: 'job', level: 'CAN_MANAGE' },
  resume_schedule: { kind: 'job', level: 'CAN_MANAGE' },
  set_retry_policy: { kind: 'job', level: 'CAN_MANAGE' },
  start_warehouse: { kind: 'warehouse', level: 'CAN_USE' },
  stop_warehouse: { kind: 'warehouse', level: 'CAN_MANAGE' },
  scale_warehouse: { kind: 'warehouse', level: 'CAN_MANAGE' },
  set_auto_stop: { kind: 'warehouse', level: 'CAN_MANAGE' },
  kill_query: { kind: 'warehouse', level: 'CAN_MANAGE' },
  restart_cluster: { kind: 'cluster', level: 'CAN_RESTART' },
  restart_pipeline_update: { kind: 'pipeline', level: 'CAN_RUN' },
  notify_owner: null,
};

/**
 * The same action on a cluster instead: new settings for a shared all-purpose cluster (on-demand nodes
 * after its spot nodes were reclaimed) are a `clusters/edit`, which needs `CAN_MANAGE` on it.
 */
const REQUIRED_ON_CLUSTER: Readonly<Partial<Record<RightsAction, Requirement>>> = {
  retry_with_params: { kind: 'cluster', level: 'CAN_MANAGE' },
};

/**
 * The held levels that grant a required one. Levels are not one ladder across object types, and the
 * warehouse's `CAN_MONITOR` is left out of `CAN_USE` on purpose: when in doubt, the check says no.
 */
const SATISFIED_BY: Record<ObjectKind, Record<string, readonly string[]>> = {
  job: {
    CAN_MANAGE_RUN: ['CAN_MANAGE_RUN', 'CAN_MANAGE', 'IS_OWNER'],
    CAN_MANAGE: ['CAN_MANAGE', 'IS_OWNER'],
  },
  warehouse: {
    CAN_USE: ['CAN_USE', 'CAN_MANAGE', 'IS_OWNER'],
    CAN_MANAGE: ['CAN_MANAGE', 'IS_OWNER'],
  },
  cluster: {
    CAN_RESTART: ['CAN_RESTART', 'CAN_MANAGE'],
    CAN_MANAGE: ['CAN_MANAGE'],
  },
  pipeline: {
    CAN_RUN: ['CAN_RUN', 'CAN_MANAGE', 'IS_OWNER'],
    CAN_MANAGE: ['CAN_MANAGE', 'IS_OWNER'],
  },
};

const API_TYPE: Record<ObjectKind, PermissionObjectType> = {
  job: 'jobs',
  warehouse: 'sql/warehouses',
  cluster: 'clusters',
  pipeline: 'pipelines',
};

/** Why the presser may act: the level they hold and whether it came directly, through a group, or inheritance. */
export interface PresserRights {
  readonly principal: WorkspacePrincipal | null;
  /** The level that was required (`null` for actions that touch no workspace object). */
  readonly required: string | null;
  readonly granted:
    | { readonly level: string; readonly through: 'user' | 'group' | 'inherited'; readonly group?: string }
    | { readonly level: 'OWN_QUERY'; readonly through: 'user' }
    | null;
}

export type RightsRefusal = PrincipalRefusal | 'lacks_permission' | 'object_not_found';

export interface RightsDeps extends PrincipalDeps {
  readonly permissions: PermissionsApi;
}

function idOf(object: RightsObject): string {
  switch (object.kind) {
    case 'job':
      return String(object.jobId);
    case 'warehouse':
      return object.warehouseId;
    case 'cluster':
      return object.clusterId;
    case 'pipeline':
      return object.pipelineId;
  }
}

function describe(object: RightsObject): string {
  const id = idOf(object);
  return object.name === undefined
    ? `${object.kind} ${quoted(id)}`
    : `${object.kind} ${quoted(object.name)} (${quoted(id)})`;
}

/** Every level the principal holds on the object, and how: directly, through a group, or inherited. */
function heldLevels(acl: ObjectPermissions, principal: WorkspacePrincipal) {
  const me = principal.userName.toLowerCase();
  const groups = new Set(principal.groups);
  const held: { level: string; through: 'user' | 'group' | 'inherited'; group?: string }[] = [];
  for (const entry of acl.access_control_list) {
    const mine = entry.user_name !== undefined && entry.user_name.toLowerCase() === me;
    const group =
      entry.group_name !== undefined && groups.has(entry.group_name) ? entry.group_name : undefined;
    if (!mine && group === undefined) continue;
    for (const p of entry.all_permissions) {
      const through = p.inherited ? 'inherited' : mine ? 'user' : 'group';
      held.push({ level: p.permission_level, through, ...(group === undefined ? {} : { group }) });
    }
  }
  return held;
}

/**
 * Whether the person who pressed may do `action` on `object` in Databricks, checked live: their chat
 * identity is mapped to a workspace user (`resolvePrincipal`), the object's access control list is
 * read through the Permissions API, and their own, group and inherited levels are compared with what
 * the action needs. Call it at the moment of execution, not only when the card was drawn. Every
 * refusal says what is missing and where; a Databricks failure (after the transport's retries) refuses
 * as well. The bot's own token never stands in for the person's rights.
 */
export async function checkPresserRights(
  deps: RightsDeps,
  request: { readonly presser: ChatIdentity; readonly action: RightsAction; readonly object: RightsObject },
): Promise<Result<PresserRights, RightsRefusal>> {
  const { action, object } = request;
  const requirement =
    (object.kind === 'cluster' ? REQUIRED_ON_CLUSTER[action] : undefined) ?? REQUIRED_PERMISSION[action];
  if (requirement === null) return ok({ principal: null, required: null, granted: null });
  if (requirement.kind !== object.kind)
    throw new InvalidArgumentError(`${action} acts on a ${requirement.kind}, not a ${object.kind}`, {
      action,
      kind: object.kind,
    });

  const resolved = await resolvePrincipal(request.presser, deps);
  if (!resolved.ok) return resolved;
  const principal = resolved.value;

  if (
    action === 'kill_query' &&
    object.kind === 'warehouse' &&
    object.queryUser !== undefined &&
    object.queryUser.toLowerCase() === principal.userName.toLowerCase()
  )
    return ok({ principal, required: requirement.level, granted: { level: 'OWN_QUERY', through: 'user' } });

  let acl: ObjectPermissions;
  try {
    acl = await deps.permissions.getPermissions(API_TYPE[object.kind], idOf(object));
  } catch (error) {
    if (!(error instanceof DatabricksApiError)) throw error;
    if (error.reason === 'NOT_FOUND')
      return err(
        'object_not_found',
        `The ${describe(object)} no longer exists in Databricks. Nothing was done.`,
      );
    if (error.reason === 'PERMISSION_DENIED')
      return err(
        'rights_unavailable',
        `dbxops's own Databricks identity may not read who may act on the ${describe(object)}, so your rights cannot be checked. Nothing was done; a workspace admin can give dbxops CAN_MANAGE on it, or make it an admin.`,
      );
    return err('rights_unavailable', unavailableMessage(error));
  }

  const held = heldLevels(acl, principal);
  const accepted = SATISFIED_BY[object.kind][requirement.level] ?? [requirement.level];
  // The strongest route wins the explanation: the person's own grant, then a group's, then inheritance.
  const order = { user: 0, group: 1, inherited: 2 } as const;
  const granted = held
    .filter((h) => accepted.includes(h.level))
    .sort((a, b) => order[a.through] - order[b.through])[0];
  if (granted !== undefined) return ok({ principal, required: requirement.level, granted });

  const theirs = [...new Set(held.map((h) => h.level))];
  const has = theirs.length === 0 ? 'no permission on it' : quoted(theirs.join(', '));
  const ownQuery = action === 'kill_query' ? ' (or be the user who ran the query)' : '';
  return err(
    'lacks_permission',
    `${quoted(principal.userName)} lacks ${requirement.level} on ${describe(object)}${ownQuery}, which ${action.replaceAll('_', ' ')} needs; they hold ${has}. An owner or a workspace admin can grant it in the ${object.kind}'s permissions.`,
    { required: requirement.level, object: object.kind, held: theirs },
  );
}
