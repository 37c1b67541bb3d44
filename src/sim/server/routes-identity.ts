import type { JobState } from '../engine/model.js';
import { SimApiError } from '../engine/sim-api-error.js';
import type { SimWorkspace } from '../engine/sim-workspace.js';
import type { RouteContext, SimRoute } from './route.js';

/**
 * Who is who: SCIM users and groups (system tables hold no group membership, docs/databricks.md) and the
 * Permissions API for jobs (docs/databricks.md, Other APIs the simulator serves), so the bot can resolve owners and check levels.
 */

function scimId(s: string): string {
  let h = 5381;
  for (let i = 0; i < s.length; i++) h = (h * 33 + s.charCodeAt(i)) % 4_000_000_000_000;
  return String(1_000_000_000_000 + h);
}

function users(ws: SimWorkspace) {
  const s = ws.scenario;
  const groupsOf = (email: string) =>
    s.groups
      .filter((g) => g.members.includes(email))
      .map((g) => ({ display: g.name, value: scimId(g.name) }));
  return s.users.map((u) => ({
    id: scimId(u.email),
    userName: u.email,
    displayName: u.display_name ?? u.email.split('@')[0],
    active: true,
    emails: [{ value: u.email, primary: true, type: 'work' }],
    groups: groupsOf(u.email),
    ...(u.service_principal ? { entitlements: [{ value: 'workspace-access' }] } : {}),
  }));
}

function groups(ws: SimWorkspace) {
  return ws.scenario.groups.map((g) => ({
    id: scimId(g.name),
    displayName: g.name,
    members: g.members.map((m) => ({ display: m, value: scimId(m) })),
  }));
}

/** SCIM list response with `startIndex`/`count` paging and `filter=userName eq "…"` / `displayName eq "…"`. */
function scimList<T extends Record<string, unknown>>(ctx: RouteContext, all: T[], field: string) {
  const filter = ctx.query.get('filter');
  let list = all;
  if (filter) {
    const m = /^\s*(\w+)\s+eq\s+"([^"]*)"\s*$/i.exec(filter);
    if (!m)
      throw new SimApiError(400, 'INVALID_PARAMETER_VALUE', `Unsupported filter: ${filter.slice(0, 100)}`);
    const [, key, value] = m;
    list = all.filter((x) => String(x[key === 'userName' || key === 'displayName' ? key : field]) === value);
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

function jobAcl(ws: SimWorkspace, job: JobState) {
  const team = ws.scenario.groups.find((g) => g.name.startsWith(job.team));
  const acl: Record<string, unknown>[] = [
    {
      user_name: job.owner,
      all_permissions: [{ permission_level: 'IS_OWNER', inherited: false }],
    },
    {
      group_name: 'admins',
      all_permissions: [
        { permission_level: 'CAN_MANAGE', inherited: true, inherited_from_object: ['/jobs/'] },
      ],
    },
  ];
  if (team)
    acl.push({
      group_name: team.name,
      all_permissions: [{ permission_level: 'CAN_MANAGE_RUN', inherited: false }],
    });
  return { object_id: `/jobs/${job.jobId}`, object_type: 'job', access_control_list: acl };
}

const SCIM = String.raw`^/api/2\.0/preview/scim/v2`;

export const identityRoutes: SimRoute[] = [
  {
    method: 'GET',
    pattern: new RegExp(`${SCIM}/Users$`),
    handle: (ctx) => scimList(ctx, users(ctx.workspace), 'userName'),
  },
  {
    method: 'GET',
    pattern: new RegExp(`${SCIM}/Groups$`),
    handle: (ctx) => scimList(ctx, groups(ctx.workspace), 'displayName'),
  },
  {
    method: 'GET',
    pattern: new RegExp(`${SCIM}/Me$`),
    // Databricks names the workspace's id only in this header; the SDKs read it here.
    handle: (ctx) => ({
      body: { id: scimId(ctx.user), userName: ctx.user, displayName: ctx.user.split('@')[0], active: true },
      headers: { 'x-databricks-org-id': ctx.workspace.workspaceId },
    }),
  },
  {
    method: 'GET',
    pattern: /^\/api\/2\.0\/permissions\/jobs\/(\d{1,19})$/,
    handle(ctx) {
      const job = ctx.workspace.getJob(Number(ctx.params[0]));
      return { body: jobAcl(ctx.workspace, job) };
    },
  },
];
