import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { planRemediation } from '../../../src/agents/remediation/plan-remediation.js';
import { checkPresserRights, type RightsObject } from '../../../src/agents/remediation/presser-rights.js';
import { rightsGate } from '../../../src/agents/remediation/remediation-gates.js';
import type { Run } from '../../../src/databricks/rest/jobs-api.js';
import { withEmbeddedOperator } from '../../../src/app/embedded-operator.js';
import type { Actor } from '../../../src/handlers/chat-request.js';
import type { ChatIdentity } from '../../../src/agents/remediation/workspace-principal.js';
import { parsePolicy } from '../../../src/config/policy.js';
import type { DatabricksClient } from '../../../src/databricks/rest/databricks-client.js';
import { objectAcl } from '../../../src/sim/engine/object-acl.js';
import type { SimWorkspace } from '../../../src/sim/engine/sim-workspace.js';
import { loadScenario, validateScenario } from '../../../src/sim/scenario/load-scenario.js';
import type { SimRoute } from '../../../src/sim/server/route.js';
import { identityRoutes } from '../../../src/sim/server/routes-identity.js';
import type { SimServerHandle } from '../../../src/sim/server/start-sim-server.js';
import { serveSimWithClient } from '../../support/served-sim-client.js';

const TOKEN = 'dapi-rights-test-0001';
const HOSTILE_JOB = 'orders <!channel> *bold*\u0000\n`rm -rf`';

const scenario = validateScenario({
  name: 'presser-rights',
  start: '2026-11-20T00:00:00Z',
  duration_hours: 2,
  workspace: { id: '1234567890123456', host: 'dbc-rights.cloud.databricks.com' },
  teams: [{ name: 'finance' }],
  users: [
    { email: 'owner@acme.example', team: 'finance', display_name: 'Olga Owner' },
    { email: 'oncall@acme.example', team: 'finance', display_name: 'Omar Oncall' },
    { email: 'direct@acme.example', team: 'finance' },
    { email: 'nobody@acme.example', team: 'finance', display_name: 'Nora Nobody' },
    { email: 'admin@acme.example', team: 'finance' },
    { email: 'gone@acme.example', team: 'finance', active: false },
    { email: 'analyst@acme.example', team: 'finance' },
  ],
  groups: [
    { name: 'finance-oncall', members: ['oncall@acme.example', 'gone@acme.example'] },
    { name: 'admins', members: ['admin@acme.example'] },
    { name: 'Robert"); DROP TABLE acl;-- <@U999>', members: ['nobody@acme.example'] },
  ],
  jobs: [
    {
      name: 'orders_daily',
      team: 'finance',
      owner: 'owner@acme.example',
      tasks: [{ key: 'main', duration: { mean_minutes: 5, jitter: 0 } }],
    },
    {
      name: HOSTILE_JOB,
      team: 'finance',
      owner: 'owner@acme.example',
      tasks: [{ key: 'main', duration: { mean_minutes: 5, jitter: 0 } }],
    },
  ],
  warehouses: [{ name: 'bi', team: 'finance', owner: 'owner@acme.example', users: ['analyst@acme.example'] }],
  clusters: [{ name: 'shared', team: 'finance', owner: 'owner@acme.example' }],
  pipelines: [
    {
      name: 'reserves_dlt',
      team: 'finance',
      owner: 'owner@acme.example',
      duration: { mean_minutes: 20, jitter: 0 },
    },
  ],
  permissions: [
    { pipeline: 'reserves_dlt', principal: 'finance-oncall', level: 'CAN_RUN' },
    { pipeline: 'reserves_dlt', principal: 'nobody@acme.example', level: 'CAN_VIEW' },
    { job: 'orders_daily', principal: 'finance-oncall', level: 'CAN_MANAGE_RUN' },
    { job: 'orders_daily', principal: 'direct@acme.example', level: 'CAN_MANAGE_RUN' },
    { job: 'orders_daily', principal: 'nobody@acme.example', level: 'CAN_VIEW' },
    { job: HOSTILE_JOB, principal: 'Robert"); DROP TABLE acl;-- <@U999>', level: 'CAN_VIEW' },
    { cluster: 'shared', principal: 'finance-oncall', level: 'CAN_RESTART' },
    { warehouse: 'bi', principal: 'users', level: 'CAN_USE' },
  ],
  faults: [],
});

const noPrincipals = parsePolicy('');
let sim: SimServerHandle;
let workspace: SimWorkspace;
let client: DatabricksClient;
let failPermissions: 'never' | 'always' | 'once-429' | 'garbage' | 'forbidden' = 'never';
let permissionCalls = 0;

/**
 * Sits in front of the simulator's Permissions API: counts calls and, when asked, answers 500 every
 * time or 429 once, the way an overloaded workspace does.
 */
const flakyPermissions: SimRoute = {
  method: 'GET',
  pattern: /^\/api\/2\.0\/permissions\/jobs\/(\d+)$/,
  handle(ctx) {
    permissionCalls++;
    if (failPermissions === 'always')
      return { status: 500, body: { error_code: 'INTERNAL_ERROR', message: 'Internal error.' } };
    if (failPermissions === 'forbidden')
      return {
        status: 403,
        body: { error_code: 'PERMISSION_DENIED', message: 'User does not have permission to read ACLs.' },
      };
    if (failPermissions === 'garbage')
      return {
        body: { object_id: '/jobs/1', access_control_list: [{ user_name: 7, all_permissions: 'ALL' }] },
      };
    if (failPermissions === 'once-429' && permissionCalls === 1)
      return {
        status: 429,
        body: {
          error_code: 'REQUEST_LIMIT_EXCEEDED',
          message: 'GetPermissions RPC token bucket limit has been exceeded.',
        },
        headers: { 'retry-after': '1' },
      };
    const job = ctx.workspace.getJob(Number(ctx.params[0]));
    return {
      body: objectAcl(ctx.workspace.scenario, {
        type: 'job',
        id: String(job.jobId),
        name: job.settings.name,
        owner: job.owner,
      }),
    };
  },
};

let scimIgnoresFilter = false;

/** SCIM Users as the simulator answers it, or, when asked, every user whatever the filter says. */
const carelessScim: SimRoute = {
  method: 'GET',
  pattern: /^\/api\/2\.0\/preview\/scim\/v2\/Users$/,
  handle(ctx) {
    const users = identityRoutes.find((r) => r.pattern.test(ctx.path) && r.method === 'GET');
    if (users === undefined) throw new Error('the simulator serves no SCIM Users');
    if (!scimIgnoresFilter) return users.handle(ctx);
    return users.handle({ ...ctx, query: new URLSearchParams() });
  },
};

beforeAll(async () => {
  ({ workspace, sim, client } = await serveSimWithClient({
    scenario,
    seed: 5,
    token: TOKEN,
    extraRoutes: [flakyPermissions, carelessScim],
  }));
});
afterAll(async () => {
  await sim?.close();
});

function deps(policyText = '') {
  const policy = policyText === '' ? noPrincipals : parsePolicy(policyText);
  return { policy, scim: client.scim, permissions: client.permissions };
}

function jobNamed(name: string): RightsObject {
  const job = workspace.listJobs().find((j) => j.settings.name === name);
  if (job === undefined) throw new Error(`no job ${name}`);
  return { kind: 'job', jobId: job.jobId, name };
}

const slackUser = (email: string, emailVerified = true): ChatIdentity => ({
  surface: 'slack',
  userId: 'U0ABC123',
  email,
  emailVerified,
});

async function press(
  presser: ChatIdentity,
  action: Parameters<typeof checkPresserRights>[1]['action'],
  object: RightsObject,
  policy = '',
) {
  return checkPresserRights(deps(policy), { presser, action, object });
}

describe('checkPresserRights', () => {
  it('lets a person with CAN_MANAGE_RUN of their own rerun the job', async () => {
    const result = await press(slackUser('direct@acme.example'), 'rerun', jobNamed('orders_daily'));
    expect(result).toMatchObject({
      ok: true,
      value: {
        principal: { userName: 'direct@acme.example', via: 'verified_email' },
        required: 'CAN_MANAGE_RUN',
        granted: { level: 'CAN_MANAGE_RUN', through: 'user' },
      },
    });
  });

  it('lets a member of a group holding CAN_MANAGE_RUN repair the job', async () => {
    const result = await press(slackUser('oncall@acme.example'), 'repair', jobNamed('orders_daily'));
    expect(result).toMatchObject({
      ok: true,
      value: { granted: { level: 'CAN_MANAGE_RUN', through: 'group', group: 'finance-oncall' } },
    });
  });

  it("lets the job's owner and a workspace admin (inherited CAN_MANAGE) pause the schedule", async () => {
    const owner = await press(slackUser('owner@acme.example'), 'pause_schedule', jobNamed('orders_daily'));
    expect(owner).toMatchObject({ ok: true, value: { granted: { level: 'IS_OWNER', through: 'user' } } });
    const admin = await press(slackUser('admin@acme.example'), 'pause_schedule', jobNamed('orders_daily'));
    expect(admin).toMatchObject({
      ok: true,
      value: { granted: { level: 'CAN_MANAGE', through: 'inherited' } },
    });
  });

  it('refuses a person without the permission, naming the permission they lack and the object', async () => {
    const result = await press(slackUser('nobody@acme.example'), 'cancel_run', jobNamed('orders_daily'));
    expect(result).toMatchObject({ ok: false, reason: 'lacks_permission' });
    if (result.ok) return;
    expect(result.userMessage).toContain('lacks CAN_MANAGE_RUN on job orders_daily');
    expect(result.userMessage).toContain('they hold CAN_VIEW');
  });

  it('lets an on-call member whose group holds CAN_RUN on a pipeline restart its update, and refuses one who may only view it, naming CAN_RUN', async () => {
    const pipeline = workspace.pipelines.byName.get('reserves_dlt');
    if (pipeline === undefined) throw new Error('no pipeline reserves_dlt');
    const object: RightsObject = { kind: 'pipeline', pipelineId: pipeline.pipelineId, name: 'reserves_dlt' };
    const oncall = await press(slackUser('oncall@acme.example'), 'restart_pipeline_update', object);
    expect(oncall).toMatchObject({
      ok: true,
      value: {
        required: 'CAN_RUN',
        granted: { level: 'CAN_RUN', through: 'group', group: 'finance-oncall' },
      },
    });
    const viewer = await press(slackUser('nobody@acme.example'), 'restart_pipeline_update', object);
    expect(viewer).toMatchObject({ ok: false, reason: 'lacks_permission', details: { required: 'CAN_RUN' } });
    if (viewer.ok) return;
    expect(viewer.userMessage).toContain('lacks CAN_RUN on pipeline reserves_dlt');
    expect(viewer.userMessage).toContain('they hold CAN_VIEW');
  });

  it('refuses an on-call member whose group may run the job but not change its settings', async () => {
    const result = await press(
      slackUser('oncall@acme.example'),
      'set_retry_policy',
      jobNamed('orders_daily'),
    );
    expect(result).toMatchObject({
      ok: false,
      reason: 'lacks_permission',
      details: { required: 'CAN_MANAGE' },
    });
  });

  it('lets warehouse users start it but only its managers scale it', async () => {
    const warehouse = [...workspace.warehouses.byId.values()][0];
    if (warehouse === undefined) throw new Error('no warehouse');
    const bi: RightsObject = { kind: 'warehouse', warehouseId: warehouse.id, name: 'bi' };
    expect(await press(slackUser('analyst@acme.example'), 'start_warehouse', bi)).toMatchObject({ ok: true });
    const scale = await press(slackUser('analyst@acme.example'), 'scale_warehouse', bi);
    expect(scale).toMatchObject({ ok: false, reason: 'lacks_permission' });
    if (!scale.ok) expect(scale.userMessage).toContain('lacks CAN_MANAGE on warehouse bi');
    // Turning auto-stop on changes the warehouse's settings too: a manager's right, not a user's.
    const autoStop = await press(slackUser('analyst@acme.example'), 'set_auto_stop', bi);
    expect(autoStop).toMatchObject({
      ok: false,
      reason: 'lacks_permission',
      details: { required: 'CAN_MANAGE' },
    });
    if (!autoStop.ok) expect(autoStop.userMessage).toContain('lacks CAN_MANAGE on warehouse bi');
  });

  it('counts a grant to the built-in users group for every workspace user', async () => {
    const warehouse = [...workspace.warehouses.byId.values()][0];
    if (warehouse === undefined) throw new Error('no warehouse');
    const bi: RightsObject = { kind: 'warehouse', warehouseId: warehouse.id, name: 'bi' };
    expect(await press(slackUser('nobody@acme.example'), 'start_warehouse', bi)).toMatchObject({
      ok: true,
      value: { granted: { level: 'CAN_USE', through: 'group', group: 'users' } },
    });
  });

  it("lets a person kill their own query without CAN_MANAGE on the warehouse, and nobody else's", async () => {
    const warehouse = [...workspace.warehouses.byId.values()][0];
    if (warehouse === undefined) throw new Error('no warehouse');
    const own: RightsObject = {
      kind: 'warehouse',
      warehouseId: warehouse.id,
      queryUser: 'Analyst@acme.example',
    };
    expect(await press(slackUser('analyst@acme.example'), 'kill_query', own)).toMatchObject({
      ok: true,
      value: { granted: { level: 'OWN_QUERY' } },
    });
    const other = { ...own, queryUser: 'owner@acme.example' };
    const refused = await press(slackUser('analyst@acme.example'), 'kill_query', other);
    expect(refused).toMatchObject({ ok: false, reason: 'lacks_permission' });
    if (!refused.ok) expect(refused.userMessage).toContain('or be the user who ran the query');
  });

  it('lets a group with CAN_RESTART restart the cluster', async () => {
    const cluster = [...workspace.clusters.byId.values()].find((c) => c.name === 'shared');
    if (cluster === undefined) throw new Error('no cluster');
    const object: RightsObject = { kind: 'cluster', clusterId: cluster.clusterId, name: 'shared' };
    expect(await press(slackUser('oncall@acme.example'), 'restart_cluster', object)).toMatchObject({
      ok: true,
    });
    expect(await press(slackUser('nobody@acme.example'), 'restart_cluster', object)).toMatchObject({
      ok: false,
      reason: 'lacks_permission',
    });
  });

  it('lets only a CAN_MANAGE holder put the shared cluster on on-demand nodes, not a CAN_RESTART group', async () => {
    const cluster = [...workspace.clusters.byId.values()].find((c) => c.name === 'shared');
    if (cluster === undefined) throw new Error('no cluster');
    const object: RightsObject = { kind: 'cluster', clusterId: cluster.clusterId, name: 'shared' };
    expect(await press(slackUser('owner@acme.example'), 'retry_with_params', object)).toMatchObject({
      ok: true,
      value: { required: 'CAN_MANAGE' },
    });
    expect(await press(slackUser('oncall@acme.example'), 'retry_with_params', object)).toMatchObject({
      ok: false,
      reason: 'lacks_permission',
    });
  });

  it('refuses a chat user dbxops cannot map, saying how to map them', async () => {
    const result = await press({ surface: 'teams', userId: 'aad-0001' }, 'rerun', jobNamed('orders_daily'));
    expect(result).toMatchObject({ ok: false, reason: 'unmapped' });
    if (!result.ok) expect(result.userMessage).toContain('principals.teams: { "aad-0001": you@example.com }');
  });

  it('does not trust an e-mail Slack has not confirmed, even one of a user with the grant', async () => {
    const result = await press(slackUser('owner@acme.example', false), 'rerun', jobNamed('orders_daily'));
    expect(result).toMatchObject({ ok: false, reason: 'unmapped' });
    if (!result.ok) expect(result.userMessage).toContain('not confirmed');
  });

  it('acts as the principal dbxops.yaml maps the chat user to, whatever e-mail the chat platform reports', async () => {
    const policy = 'principals:\n  slack:\n    U0ABC123: nobody@acme.example\n';
    const result = await press(slackUser('owner@acme.example'), 'rerun', jobNamed('orders_daily'), policy);
    expect(result).toMatchObject({ ok: false, reason: 'lacks_permission' });
    const mapped = await press(
      slackUser('nobody@acme.example', false),
      'rerun',
      jobNamed('orders_daily'),
      'principals:\n  slack:\n    U0ABC123: OnCall@acme.example\n',
    );
    expect(mapped).toMatchObject({
      ok: true,
      value: { principal: { userName: 'oncall@acme.example', via: 'policy' } },
    });
  });

  it('maps Teams and console users by their own principals entries', async () => {
    const policy =
      'principals:\n  teams: { aad-0001: direct@acme.example }\n  console: { ops: nobody@acme.example }\n';
    const teams = await press(
      { surface: 'teams', userId: 'aad-0001' },
      'rerun',
      jobNamed('orders_daily'),
      policy,
    );
    expect(teams).toMatchObject({
      ok: true,
      value: { principal: { userName: 'direct@acme.example', via: 'policy' } },
    });
    const fromConsole = await press(
      { surface: 'console', userId: 'ops' },
      'rerun',
      jobNamed('orders_daily'),
      policy,
    );
    expect(fromConsole).toMatchObject({ ok: false, reason: 'lacks_permission' });
    // An id is looked up only under its own surface.
    const slack = await press(
      { surface: 'slack', userId: 'aad-0001' },
      'rerun',
      jobNamed('orders_daily'),
      policy,
    );
    expect(slack).toMatchObject({ ok: false, reason: 'unmapped' });
  });

  it('refuses a mapped name the workspace does not know, and a deactivated user', async () => {
    const unknown = await press(
      slackUser('x@acme.example'),
      'rerun',
      jobNamed('orders_daily'),
      'principals:\n  slack:\n    U0ABC123: ghost@acme.example\n',
    );
    expect(unknown).toMatchObject({ ok: false, reason: 'unknown_principal' });
    const gone = await press(slackUser('gone@acme.example'), 'rerun', jobNamed('orders_daily'));
    expect(gone).toMatchObject({ ok: false, reason: 'inactive_principal' });
  });

  it('checks the SCIM answer itself: a server that ignores the filter hands the press to nobody', async () => {
    scimIgnoresFilter = true;
    try {
      const stranger = await press(slackUser('stranger@acme.example'), 'rerun', jobNamed('orders_daily'));
      expect(stranger).toMatchObject({ ok: false, reason: 'unknown_principal' });
      const known = await press(slackUser('direct@acme.example'), 'rerun', jobNamed('orders_daily'));
      expect(known).toMatchObject({ ok: true, value: { principal: { userName: 'direct@acme.example' } } });
    } finally {
      scimIgnoresFilter = false;
    }
  });

  it('never lets a hostile e-mail reach a SCIM filter', async () => {
    for (const email of ['a" or userName ne "x@y', 'owner@acme.example"', 'x@y\\', `${'a'.repeat(400)}@x`]) {
      const result = await press(slackUser(email), 'rerun', jobNamed('orders_daily'));
      expect(result).toMatchObject({ ok: false, reason: 'unmapped' });
    }
  });

  it('quotes hostile object and group names as plain one-line text', async () => {
    const result = await press(slackUser('nobody@acme.example'), 'rerun', jobNamed(HOSTILE_JOB));
    expect(result).toMatchObject({ ok: false, reason: 'lacks_permission' });
    if (result.ok) return;
    expect(result.userMessage).not.toContain('\n');
    expect(result.userMessage).not.toContain(String.fromCharCode(0));
    expect(result.userMessage).toContain('they hold CAN_VIEW');
  });

  it('refuses an object that no longer exists', async () => {
    const result = await press(slackUser('owner@acme.example'), 'rerun', { kind: 'job', jobId: 999_999 });
    expect(result).toMatchObject({ ok: false, reason: 'object_not_found' });
  });

  it('asks once more after a 429 and then answers', async () => {
    failPermissions = 'once-429';
    permissionCalls = 0;
    try {
      const result = await press(slackUser('direct@acme.example'), 'rerun', jobNamed('orders_daily'));
      expect(result).toMatchObject({ ok: true });
      expect(permissionCalls).toBe(2);
    } finally {
      failPermissions = 'never';
    }
  });

  it('fails closed when the Permissions API keeps answering 500, saying why', async () => {
    failPermissions = 'always';
    permissionCalls = 0;
    try {
      const result = await press(slackUser('owner@acme.example'), 'rerun', jobNamed('orders_daily'));
      expect(result).toMatchObject({ ok: false, reason: 'rights_unavailable' });
      if (!result.ok) expect(result.userMessage).toContain('HTTP 500');
      expect(permissionCalls).toBeGreaterThan(1);
    } finally {
      failPermissions = 'never';
    }
  });

  it("fails closed when dbxops's own identity may not read the ACL, saying who can fix it", async () => {
    failPermissions = 'forbidden';
    try {
      const result = await press(slackUser('owner@acme.example'), 'rerun', jobNamed('orders_daily'));
      expect(result).toMatchObject({ ok: false, reason: 'rights_unavailable' });
      if (!result.ok) expect(result.userMessage).toContain("dbxops's own Databricks identity may not read");
    } finally {
      failPermissions = 'never';
    }
  });

  it('fails closed when the Permissions API answers a body that is not an ACL', async () => {
    failPermissions = 'garbage';
    try {
      const result = await press(slackUser('owner@acme.example'), 'rerun', jobNamed('orders_daily'));
      expect(result).toMatchObject({ ok: false, reason: 'rights_unavailable' });
    } finally {
      failPermissions = 'never';
    }
  });

  it("takes a chat request's actor as the presser as it is", () => {
    expectTypeOf<Actor>().toExtend<ChatIdentity>();
  });

  it('needs no workspace rights to notify the owner', async () => {
    expect(
      await press({ surface: 'console', userId: 'you' }, 'notify_owner', jobNamed('orders_daily')),
    ).toMatchObject({
      ok: true,
      value: { required: null },
    });
  });
});

describe('checkPresserRights on the demo workspace', () => {
  it('lets on-call Bob repair finance_orders_daily and the console operator change it, and refuses Gus, naming CAN_MANAGE_RUN', async () => {
    const {
      workspace: demo,
      sim: server,
      client: demoClient,
    } = await serveSimWithClient({
      scenario: await loadScenario('scenarios/demo.yaml'),
      seed: 1,
      token: TOKEN,
    });
    try {
      const demoDeps = { policy: noPrincipals, scim: demoClient.scim, permissions: demoClient.permissions };
      const job = demo.listJobs().find((j) => j.settings.name === 'finance_orders_daily');
      if (job === undefined) throw new Error('no finance_orders_daily in the demo');
      const object: RightsObject = { kind: 'job', jobId: job.jobId, name: 'finance_orders_daily' };
      const bob = await checkPresserRights(demoDeps, {
        presser: slackUser('bob@acme.example'),
        action: 'repair',
        object,
      });
      expect(bob).toMatchObject({ ok: true, value: { granted: { group: 'finance-oncall' } } });
      const gus = await checkPresserRights(demoDeps, {
        presser: slackUser('gus@acme.example'),
        action: 'repair',
        object,
      });
      expect(gus).toMatchObject({ ok: false, reason: 'lacks_permission' });
      const operator = await checkPresserRights(
        {
          ...demoDeps,
          policy: withEmbeddedOperator(noPrincipals, {
            consoleUser: 'you',
            operator: demo.scenario.operator,
          }),
        },
        { presser: { surface: 'console', userId: 'you' }, action: 'retry_with_params', object },
      );
      expect(operator).toMatchObject({
        ok: true,
        value: { principal: { userName: 'erin@acme.example' }, granted: { through: 'inherited' } },
      });
      if (!gus.ok)
        expect(gus.userMessage).toContain(
          'gus@acme.example lacks CAN_MANAGE_RUN on job finance_orders_daily',
        );
    } finally {
      await server.close();
    }
  });
});

describe('rightsGate on a pipeline restarted through the job run that started it', () => {
  /** The plan for the stuck update of reserves_dlt that a run of `job` started. */
  function restartThrough(job: RightsObject) {
    const pipeline = workspace.pipelines.byName.get('reserves_dlt');
    if (pipeline === undefined || job.kind !== 'job') throw new Error('no pipeline or no job');
    const run = {
      run_id: 455644833,
      job_id: job.jobId,
      run_name: job.name,
      state: { life_cycle_state: 'RUNNING' },
    } as Run;
    const plan = planRemediation('restart_pipeline_update', {
      pipelineId: pipeline.pipelineId,
      pipeline: {
        pipeline_id: pipeline.pipelineId,
        name: 'reserves_dlt',
        state: 'RUNNING',
        latest_updates: [{ update_id: 'u-stuck', state: 'RUNNING' }],
      },
      stuckUpdate: { updateId: 'u-stuck', cause: 'JOB_TASK' },
      pipelineJobRun: { run, taskKey: 'refresh' },
    });
    if (!plan.ok) throw new Error(plan.userMessage);
    return plan.value;
  }
  const gate = (email: string, job: RightsObject) =>
    rightsGate(deps())({
      incidentId: 'inc_rights',
      workspaceId: workspace.workspaceId,
      action: 'restart_pipeline_update',
      plan: restartThrough(job),
      presser: { surface: 'slack', userId: 'U0ABC123', email, emailVerified: true },
      phase: 'press',
    });

  it('lets an on-call member who may run the pipeline and repair the job press it', async () => {
    expect(await gate('oncall@acme.example', jobNamed('orders_daily'))).toEqual({ ok: true });
  });

  it('refuses one who may run the pipeline but not repair the job, naming CAN_MANAGE_RUN on the job', async () => {
    const decision = await gate('oncall@acme.example', jobNamed(HOSTILE_JOB));
    expect(decision).toMatchObject({ ok: false, gate: 'rights' });
    expect(!decision.ok && decision.userMessage).toContain('lacks CAN_MANAGE_RUN on job');
  });
});
