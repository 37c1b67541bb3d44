import { BUILT_IN_GROUPS, type PermissionObjectType, type Scenario } from '../scenario/schema.js';

/** A workspace object as its access control list needs it. */
export interface AclObject {
  type: PermissionObjectType;
  /** The REST id (job id, cluster id, warehouse id, pipeline id). */
  id: string;
  /** The scenario name, which `permissions[]` entries refer to. */
  name: string;
  owner: string;
  /** Warehouse `users`: the people who run queries on it, so they hold CAN_USE. */
  users?: readonly string[];
}

/** A `permissions[]` entry taken away for now: a `revoked_permission` fault inside its window. */
export interface RevokedPermission {
  type: PermissionObjectType;
  name: string;
  principal: string;
  level: string;
}

/** The levels that let a run use an object: attach to a cluster, run a job, start a pipeline's update. */
const LEVELS_TO_USE: Readonly<Record<PermissionObjectType, readonly string[]>> = {
  cluster: ['CAN_ATTACH_TO', 'CAN_RESTART', 'CAN_MANAGE'],
  job: ['CAN_MANAGE_RUN', 'CAN_MANAGE', 'IS_OWNER'],
  pipeline: ['CAN_RUN', 'CAN_MANAGE', 'IS_OWNER'],
  warehouse: ['CAN_USE', 'CAN_MANAGE', 'IS_OWNER'],
};

function isRevoked(
  revoked: readonly RevokedPermission[],
  type: PermissionObjectType,
  p: Scenario['permissions'][number],
): boolean {
  return revoked.some(
    (r) => r.type === type && p[type] === r.name && r.principal === p.principal && r.level === p.level,
  );
}

/**
 * Whether `user` (a member of the groups `isMember` says, and of `users`) may still use the object with
 * `revoked` taken away: as its owner, a workspace admin, or by a `permissions[]` entry of a level in
 * `LEVELS_TO_USE` to them or one of their groups.
 */
export function mayUse(
  scenario: Scenario,
  object: AclObject,
  user: string,
  isMember: (group: string) => boolean,
  revoked: readonly RevokedPermission[],
): boolean {
  if (object.owner === user || isMember('admins')) return true;
  const levels = LEVELS_TO_USE[object.type];
  return scenario.permissions.some(
    (p) =>
      p[object.type] === object.name &&
      levels.includes(p.level) &&
      (p.principal === user || p.principal === 'users' || isMember(p.principal)) &&
      !isRevoked(revoked, object.type, p),
  );
}

/** The numeric id SCIM gives a user or group (`/Users/{id}`), stable per name. */
export function scimId(s: string): string {
  let h = 5381;
  for (let i = 0; i < s.length; i++) h = (h * 33 + s.charCodeAt(i)) % 4_000_000_000_000;
  return String(1_000_000_000_000 + h);
}

interface Permission {
  permission_level: string;
  inherited: boolean;
  inherited_from_object?: string[];
}

type Principal = { user_name: string } | { group_name: string } | { service_principal_name: string };

/** How the Permissions API spells each object type in `object_id` / `object_type`. */
const SPELLING: Record<PermissionObjectType, { path: string; objectType: string }> = {
  job: { path: '/jobs/', objectType: 'job' },
  cluster: { path: '/clusters/', objectType: 'cluster' },
  warehouse: { path: '/sql/warehouses/', objectType: 'warehouses' },
  pipeline: { path: '/pipelines/', objectType: 'pipelines' },
};

/** A stable UUID-shaped application id for a service principal, as the ACL names it. */
function applicationIdOf(email: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193;
  for (let i = 0; i < email.length; i++) {
    a = Math.imul(a ^ email.charCodeAt(i), 0x01000193) >>> 0;
    b = Math.imul(b + email.charCodeAt(i), 0x5bd1e995) >>> 0;
  }
  const hex = (a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0')).repeat(2);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * The object's access control list as `GET /api/2.0/permissions/{type}/{id}` answers it: the owner
 * (`IS_OWNER`; a cluster's creator `CAN_MANAGE`), a warehouse's `users` (`CAN_USE`), the scenario's
 * `permissions[]` entries for it (but those `revoked` for now), and the built-in `admins` group's
 * `CAN_MANAGE` inherited from the root object. A principal appears once, with every level it holds.
 */
export function objectAcl(scenario: Scenario, object: AclObject, revoked: readonly RevokedPermission[] = []) {
  const spelling = SPELLING[object.type];
  const servicePrincipals = new Set(scenario.users.filter((u) => u.service_principal).map((u) => u.email));
  const names = new Map(scenario.users.map((u) => [u.email, u.display_name ?? u.email]));
  const groups = new Set<string>([...scenario.groups.map((g) => g.name), ...BUILT_IN_GROUPS]);
  const entries = new Map<string, { principal: Principal; display: string; all: Permission[] }>();
  const grant = (who: string, permission: Permission) => {
    let entry = entries.get(who);
    if (entry === undefined) {
      const principal: Principal = servicePrincipals.has(who)
        ? { service_principal_name: applicationIdOf(who) }
        : names.has(who) || !groups.has(who)
          ? { user_name: who }
          : { group_name: who };
      entry = { principal, display: names.get(who) ?? who, all: [] };
      entries.set(who, entry);
    }
    const same = entry.all.some(
      (p) => p.permission_level === permission.permission_level && p.inherited === permission.inherited,
    );
    if (!same) entry.all.push(permission);
  };

  grant(object.owner, {
    permission_level: object.type === 'cluster' ? 'CAN_MANAGE' : 'IS_OWNER',
    inherited: false,
  });
  for (const user of object.users ?? []) grant(user, { permission_level: 'CAN_USE', inherited: false });
  for (const p of scenario.permissions) {
    if (p[object.type] === object.name && !isRevoked(revoked, object.type, p))
      grant(p.principal, { permission_level: p.level, inherited: false });
  }
  grant('admins', {
    permission_level: 'CAN_MANAGE',
    inherited: true,
    inherited_from_object: [spelling.path],
  });

  return {
    object_id: `${spelling.path}${object.id}`,
    object_type: spelling.objectType,
    access_control_list: [...entries.values()].map((e) => ({
      ...e.principal,
      display_name: e.display,
      all_permissions: e.all,
    })),
  };
}
