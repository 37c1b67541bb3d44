import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findOwner } from '../../../src/agents/remediation/find-owner.js';
import { parsePolicy } from '../../../src/config/policy.js';
import type { DatabricksClient } from '../../../src/databricks/rest/databricks-client.js';
import type { SimWorkspace } from '../../../src/sim/engine/sim-workspace.js';
import { validateScenario } from '../../../src/sim/scenario/load-scenario.js';
import type { SimServerHandle } from '../../../src/sim/server/start-sim-server.js';
import { serveSimWithClient } from '../../support/served-sim-client.js';

const TOKEN = 'dapi-owner-test-0001';

const scenario = validateScenario({
  name: 'find-owner',
  start: '2026-11-20T00:00:00Z',
  duration_hours: 1,
  workspace: { id: '1234567890123457', host: 'dbc-owner.cloud.databricks.com' },
  teams: [{ name: 'finance' }, { name: 'marketing' }],
  users: [
    { email: 'creator@acme.example', team: 'finance' },
    { email: 'frank@acme.example', team: 'finance' },
  ],
  jobs: [
    {
      name: 'tagged_job',
      team: 'finance',
      owner: 'creator@acme.example',
      tags: { owner: 'data-steward@acme.example' },
      tasks: [{ key: 'main', duration: { mean_minutes: 5, jitter: 0 } }],
    },
    {
      name: 'untagged_job',
      team: 'finance',
      owner: 'creator@acme.example',
      tasks: [{ key: 'main', duration: { mean_minutes: 5, jitter: 0 } }],
    },
  ],
  warehouses: [{ name: 'adhoc', team: 'finance', owner: 'frank@acme.example', auto_stop_mins: 0 }],
  faults: [],
});

let sim: SimServerHandle;
let workspace: SimWorkspace;
let client: DatabricksClient;

beforeAll(async () => {
  ({ workspace, sim, client } = await serveSimWithClient({ scenario, seed: 3, token: TOKEN }));
});
afterAll(async () => {
  await sim?.close();
});

const jobId = (name: string) => String(workspace.listJobs().find((j) => j.settings.name === name)?.jobId);
const noOwner = { owner: null, team: null };
const subject = (type: 'job' | 'warehouse' | 'table' | 'team') => ({ type, id: 'x' });

describe('findOwner', () => {
  it('keeps the owner detection recorded', async () => {
    const found = await findOwner(
      { databricks: client },
      { owner: 'alice@acme.example', team: null },
      undefined,
    );
    expect(found).toMatchObject({ found: true, owner: 'alice@acme.example' });
  });

  it("prefers a job's owner tag to its creator, and says where the name came from", async () => {
    const tagged = await findOwner({ databricks: client }, noOwner, {
      subject: subject('job'),
      refs: { jobId: jobId('tagged_job') },
    });
    expect(tagged).toEqual({
      found: true,
      owner: 'data-steward@acme.example',
      source: 'the owner tag of job tagged_job',
    });
    const untagged = await findOwner({ databricks: client }, noOwner, {
      subject: subject('job'),
      refs: { jobId: jobId('untagged_job') },
    });
    expect(untagged).toEqual({
      found: true,
      owner: 'creator@acme.example',
      source: 'the creator of job untagged_job',
    });
  });

  it("finds an idle warehouse's creator", async () => {
    const [warehouse] = workspace.warehouses.byId.values();
    const found = await findOwner({ databricks: client }, noOwner, {
      subject: subject('warehouse'),
      refs: { warehouseId: warehouse?.id ?? '' },
    });
    expect(found).toEqual({
      found: true,
      owner: 'frank@acme.example',
      source: 'the creator of warehouse adhoc',
    });
  });

  it('asks who made a permission change when nothing else names anyone', async () => {
    const found = await findOwner({ databricks: client }, noOwner, {
      subject: subject('table'),
      refs: { changedBy: 'cleanup-bot@acme.example' },
    });
    expect(found).toMatchObject({ found: true, owner: 'cleanup-bot@acme.example' });
  });

  it('falls back to a team that dbxops.yaml routes to a channel of its own, and names the channel', async () => {
    const routing = parsePolicy(
      'routing:\n  rules:\n    - match: { team: [marketing, web] }\n      channel: "#mkt-data"\n',
    ).routing;
    const found = await findOwner(
      { databricks: client, routing },
      { owner: null, team: 'marketing' },
      {
        subject: subject('team'),
        refs: { team: 'marketing' },
      },
    );
    expect(found).toEqual({
      found: true,
      owner: 'the marketing team',
      source: 'routed to #mkt-data by dbxops.yaml',
    });
  });

  it("takes a team's cost channel for a cost anomaly of that team", async () => {
    const routing = parsePolicy('routing:\n  cost_channels: { marketing: "#mkt-cost" }\n').routing;
    const found = await findOwner(
      { databricks: client, routing },
      { owner: null, team: null },
      {
        subject: subject('team'),
        refs: { team: 'marketing' },
      },
    );
    expect(found).toMatchObject({
      found: true,
      owner: 'the marketing team',
      source: 'routed to #mkt-cost by dbxops.yaml',
    });
  });

  it('says what it looked at and what would give the incident an owner when nobody can be found', async () => {
    const found = await findOwner({ databricks: client, routing: parsePolicy('').routing }, noOwner, {
      subject: subject('team'),
      refs: { team: 'marketing', warehouseId: 'no-such-warehouse' },
    });
    expect(found.found).toBe(false);
    if (found.found) return;
    expect(found.help).toContain('warehouse no-such-warehouse');
    expect(found.help).toContain('a routing rule or cost channel for team marketing');
    expect(found.help).toContain('an `owner` tag');
    expect(found.help).toContain('routing.rules');
  });

  it('says only what would help for a cost anomaly, which names a team and no object', async () => {
    const found = await findOwner({ databricks: client, routing: parsePolicy('').routing }, noOwner, {
      subject: subject('team'),
      refs: { team: 'marketing' },
    });
    expect(found).toEqual({
      found: false,
      help: 'No owner could be found (no owner in a routing rule or cost channel for team marketing). To fix it, route team marketing to a channel of its own (a `routing.rules` or `routing.cost_channels` entry in dbxops.yaml); meanwhile, ask in the thread yourself.',
    });
  });

  it('never sends a hostile job id to the workspace', async () => {
    const found = await findOwner({ databricks: client }, noOwner, {
      subject: subject('job'),
      refs: { jobId: '../../clusters/delete' },
    });
    expect(found.found).toBe(false);
  });
});
