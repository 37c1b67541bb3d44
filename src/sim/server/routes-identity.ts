import { type AclObject, objectAcl, scimId } from '../engine/object-acl.js';
import { notFound, SimApiError } from '../engine/sim-api-error.js';
import type { SimWorkspace } from '../engine/sim-workspace.js';
import type { RouteContext, SimRoute } from './route.js';

/**
 * Who is who: SCIM users and groups (system tables hold no group membership, docs/databricks.md) and the
 * Permissions API for jobs, clusters, SQL warehouses and pipelines, so the bot can resolve owners and
 * check the level a person holds on an object (docs/scenarios.md, `permissions`).
 */

const USER_SCHEMAS = [
  'urn:ietf:params:scim:schemas:core:2.0:User',
  'urn:ietf:params:scim:schemas:extension:workspace:2.0:User',
];

function users(ws: SimWorkspace) {
  const s = ws.scenario;
  const groupsOf = (email: string) =>
    s.groups
      .filter((g) => g.members.includes(email))
      .map((g) => ({
        display: g.name,
        type: 'direct',
        value: scimId(g.name),
        $ref: `Groups/${scimId(g.name)}`,
      }));
  return s.users.map((u) => ({
    schemas: USER_SCHEMAS,
    id: scimId(u.email),
    userName: u.email,
    displayName: u.display_name ?? u.email.split('@')[0],
    active: u.active,
    emails: [{ value: u.email, primary: true, type: 'work' }],
    groups: groupsOf(u.email),
    ...(u.service_principal ? { entitlements: [{ value: 'workspace-access' }] } : {}),
  }));
}

function groups(ws: SimWorkspace) {
  return ws.scenario.groups.map((g) => ({
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
    id: scimId(g.name),
    displayName: g.name,
    members: g.members.map((m) => ({ display: m, value: scimId(m), $ref: `Users/${scimId(m)}` })),
  }));
}

type ScimResource = ReturnType<typeof users>[number] | ReturnType<typeof groups>[number];

const FILTER_ATTRIBUTES = new Set(['username', 'emails', 'emails.value', 'displayname']);

/**
 * The values a SCIM filter attribute compares against. `userName` and `emails` are case-insensitive
 * (SCIM's `caseExact: false`), so they are compared lower-cased.
 */
function attributeValues(resource: ScimResource, attribute: string): string[] {
  if (attribute === 'displayname') return [resource.displayName ?? ''];
  if (attribute === 'username') return 'userName' in resource ? [resource.userName.toLowerCase()] : [];
  return 'emails' in resource ? resource.emails.map((e) => e.value.toLowerCase()) : [];
}

/**
 * SCIM list response with `startIndex`/`count` paging and `filter=<attribute> eq "…"` on `userName`,
 * `emails` (or `emails.value`) and `displayName`.
 */
function scimList(ctx: RouteContext, all: ScimResource[]) {
  const filter = ctx.query.get('filter');
  let list = all;
  if (filter) {
    const m = /^\s*([\w.]+)\s+eq\s+"([^"]*)"\s*$/i.exec(filter);
    const attribute = (m?.[1] ?? '').toLowerCase();
    if (!m || !FILTER_ATTRIBUTES.has(attribute))
      throw new SimApiError(400, 'INVALID_PARAMETER_VALUE', `Unsupported filter: ${filter.slice(0, 100)}`);
    const value = attribute === 'displayname' ? (m[2] ?? '') : (m[2] ?? '').toLowerCase();
    list = all.filter((x) => attributeValues(x, attribute).includes(value));
  }
  const start = Math.max(1, Number(ctx.query.get('startIndex') ?? 1) || 1);
  const count = Math.min(1000, Math.max(0, Number(ctx.query.get('count') ?? 100) || 100));
  const page = list.slice(start - 1, start - 1 + count);
  return {
    body: {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
      totalResults: list.length,
      startIndex: start,
      itemsPerPage: page.length,
      Resources: page,
    },
  };
}

/** Looks an object up for its ACL; a missing one is 404, as the Permissions API answers. */
function aclObject(ctx: RouteContext, type: AclObject['type']): AclObject {
  const ws = ctx.workspace;
  const id = ctx.params[0] ?? '';
  try {
    switch (type) {
      case 'job': {
        const job = ws.getJob(Number(id));
        return { type, id, name: job.settings.name, owner: job.owner };
      }
      case 'cluster': {
        const c = ws.clusters.get(id);
        return { type, id, name: c.name, owner: c.owner };
      }
      case 'warehouse': {
        const w = ws.warehouses.get(id);
        return { type, id, name: w.spec.name, owner: w.creator, users: w.spec.users };
      }
      case 'pipeline': {
        const p = ws.pipelines.get(id);
        return { type, id, name: p.spec.name, owner: p.spec.owner };
      }
    }
  } catch (error) {
    if (error instanceof SimApiError) throw notFound(error.message);
    throw error;
  }
}

const SCIM = String.raw`^/api/2\.0/preview/scim/v2`;
const PERMISSIONS = String.raw`^/api/2\.0/permissions`;
const ID = '([A-Za-z0-9-]{1,64})';

/** `GET /api/2.0/permissions/{type}/{id}` for each object type, under every path Databricks accepts. */
const permissionRoutes: SimRoute[] = (
  [
    ['jobs', 'job'],
    ['clusters', 'cluster'],
    ['sql/warehouses', 'warehouse'],
    ['warehouses', 'warehouse'],
    ['pipelines', 'pipeline'],
  ] as const
).map(([path, type]) => ({
  method: 'GET',
  pattern: new RegExp(`${PERMISSIONS}/${path}/${ID}$`),
  handle: (ctx) => ({
    body: objectAcl(ctx.workspace.scenario, aclObject(ctx, type), ctx.workspace.revokedPermissions()),
  }),
}));

export const identityRoutes: SimRoute[] = [
  {
    method: 'GET',
    pattern: new RegExp(`${SCIM}/Users$`),
    handle: (ctx) => scimList(ctx, users(ctx.workspace)),
  },
  {
    method: 'GET',
    pattern: new RegExp(`${SCIM}/Groups$`),
    handle: (ctx) => scimList(ctx, groups(ctx.workspace)),
  },
  // One user or group by its id, as the audit log names the principal of an ACL change (`targetUserId`).
  ...(
    [
      ['Users', users],
      ['Groups', groups],
    ] as const
  ).map(
    ([kind, list]): SimRoute => ({
      method: 'GET',
      pattern: new RegExp(`${SCIM}/${kind}/(\\d{1,20})$`),
      handle: (ctx) => {
        const found = list(ctx.workspace).find((x) => x.id === ctx.params[0]);
        if (found === undefined) throw notFound(`${kind.slice(0, -1)} ${ctx.params[0]} not found.`);
        return { body: found };
      },
    }),
  ),
  {
    method: 'GET',
    pattern: new RegExp(`${SCIM}/Me$`),
    // Databricks names the workspace's id only in this header; the SDKs read it here.
    handle: (ctx) => ({
      body: { id: scimId(ctx.user), userName: ctx.user, displayName: ctx.user.split('@')[0], active: true },
      headers: { 'x-databricks-org-id': ctx.workspace.workspaceId },
    }),
  },
  ...permissionRoutes,
];
