import { z } from 'zod';
import { openEnum } from './databricks-json.js';
import type { HttpTransport } from './http-transport.js';

const PERMISSIONS = '/api/2.0/permissions';

const permissionLevel = openEnum([
  'CAN_VIEW',
  'CAN_MANAGE_RUN',
  'CAN_MANAGE',
  'IS_OWNER',
  'CAN_ATTACH_TO',
  'CAN_RESTART',
  'CAN_MONITOR',
  'CAN_USE',
  'CAN_RUN',
] as const);

const permissionSchema = z.looseObject({
  permission_level: permissionLevel,
  /** True when the level comes from a parent object (`inherited_from_object`, e.g. `/jobs/`). */
  inherited: z.boolean().default(false),
  inherited_from_object: z.array(z.string()).optional(),
});

/** One principal's entry: exactly one of user, group or service principal names it. */
const accessControlSchema = z.looseObject({
  user_name: z.string().optional(),
  group_name: z.string().optional(),
  service_principal_name: z.string().optional(),
  display_name: z.string().optional(),
  all_permissions: z.array(permissionSchema).default([]),
});

const objectPermissionsSchema = z.looseObject({
  object_id: z.string().optional(),
  object_type: z.string().optional(),
  access_control_list: z.array(accessControlSchema).default([]),
});

export type ObjectPermissions = z.output<typeof objectPermissionsSchema>;

/**
 * The object types whose permissions dbxops reads, as the Permissions API spells them in its path
 * (`sql/warehouses` is the path the SQL warehouse access-control docs use).
 */
export type PermissionObjectType = 'jobs' | 'clusters' | 'sql/warehouses' | 'pipelines';

/** Permissions API 2.0: who holds which level on a workspace object, inherited levels included. */
export interface PermissionsApi {
  getPermissions(type: PermissionObjectType, objectId: string): Promise<ObjectPermissions>;
}

/** Builds the Permissions API over a transport. */
export function createPermissionsApi(transport: HttpTransport): PermissionsApi {
  return {
    getPermissions: (type, objectId) =>
      transport.request(
        { method: 'GET', path: `${PERMISSIONS}/${type}/${encodeURIComponent(objectId)}` },
        objectPermissionsSchema,
      ),
  };
}
