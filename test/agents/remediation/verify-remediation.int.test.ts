import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PlannedCall, planRemediation } from '../../../src/agents/remediation/plan-remediation.js';
import { checkOutcome } from '../../../src/agents/remediation/verify-remediation.js';
import type { DatabricksClient } from '../../../src/databricks/rest/databricks-client.js';
import type { SimWorkspace } from '../../../src/sim/engine/sim-workspace.js';
import { validateScenario } from '../../../src/sim/scenario/load-scenario.js';
import type { SimServerHandle } from '../../../src/sim/server/start-sim-server.js';
import { serveSimWithClient } from '../../support/served-sim-client.js';
import { z } from 'zod';

const TOKEN = 'dapi-verify-test-0001';

const scenario = validateScenario({
  name: 'verify-auto-stop',
  start: '2026-11-20T00:00:00Z',
  duration_hours: 2,
  workspace: { id: '1234567890123458', host: 'dbc-verify.cloud.databricks.com' },
  teams: [{ name: 'platform' }],
  users: [{ email: 'frank@acme.example', team: 'platform' }],
  jobs: [
    {
      name: 'noop',
      team: 'platform',
      owner: 'frank@acme.example',
      tasks: [{ key: 'main', duration: { mean_minutes: 5, jitter: 0 } }],
    },
  ],
  warehouses: [
    { name: 'adhoc', team: 'platform', owner: 'frank@acme.example', size: 'Large', auto_stop_mins: 0 },
  ],
  faults: [],
});

let sim: SimServerHandle;
let workspace: SimWorkspace;
let client: DatabricksClient;

beforeAll(async () => {
  ({ workspace, sim, client } = await serveSimWithClient({ scenario, seed: 4, token: TOKEN }));
});
afterAll(async () => {
  await sim?.close();
});

/** Makes a plan's calls against the workspace, in order, as the executor sends them. */
async function send(calls: readonly PlannedCall[]): Promise<void> {
  for (const call of calls)
    await client.transport.request({ method: call.method, path: call.path, body: call.body }, z.unknown());
}

describe('checkOutcome of set_auto_stop', () => {
  it('holds once auto-stop reads back as set, and the idle warehouse then stops itself', async () => {
    const [w] = workspace.warehouses.byId.values();
    if (w === undefined) throw new Error('no warehouse');
    await client.warehouses.startWarehouse(w.id);
    workspace.advanceBy(10 * 60_000);
    const plan = planRemediation('set_auto_stop', {
      warehouseId: w.id,
      warehouse: await client.warehouses.getWarehouse(w.id),
    });
    if (!plan.ok) throw new Error(plan.userMessage);
    // Before the edit the setting is not what the plan verifies.
    expect(await checkOutcome(client, plan.value.verify, plan.value)).toMatchObject({
      state: 'failed',
      summary: 'auto_stop_mins reads back as 0, not 10',
    });
    await send(plan.value.calls);
    const now = await checkOutcome(client, plan.value.verify, plan.value);
    expect(now.state).toBe('recovered');
    expect(now.summary).toMatch(
      /^auto-stop reads back as 10 min; it is (RUNNING and stops after 10 minutes without queries|STOPP)/,
    );
    // Nobody queries it: within the ten minutes it has stopped, and the outcome says so.
    workspace.advanceBy(11 * 60_000);
    expect((await client.warehouses.getWarehouse(w.id)).state).toBe('STOPPED');
    expect(await checkOutcome(client, plan.value.verify, plan.value)).toEqual({
      state: 'recovered',
      summary: 'auto-stop reads back as 10 min; it is STOPPED',
    });
    // The rollback call puts the old setting back.
    await send(plan.value.rollbackCalls);
    expect((await client.warehouses.getWarehouse(w.id)).auto_stop_mins).toBe(0);
  });
});

describe('checkOutcome of scale_warehouse', () => {
  it('holds once the warehouse scales to one more cluster, at the size it had', async () => {
    const [w] = workspace.warehouses.byId.values();
    if (w === undefined) throw new Error('no warehouse');
    await client.warehouses.startWarehouse(w.id);
    workspace.advanceBy(10 * 60_000);
    const before = await client.warehouses.getWarehouse(w.id);
    const plan = planRemediation('scale_warehouse', { warehouseId: w.id, warehouse: before });
    if (!plan.ok) throw new Error(plan.userMessage);
    expect(await checkOutcome(client, plan.value.verify, plan.value)).toMatchObject({
      state: 'pending',
      summary: 'the warehouse still scales to 1 cluster',
    });
    await send(plan.value.calls);
    const after = await client.warehouses.getWarehouse(w.id);
    // A bigger size would bill more every hour it runs; the extra cluster runs only while statements queue.
    expect(after.cluster_size).toBe('Large');
    expect(after.max_num_clusters).toBe(2);
    expect(await checkOutcome(client, plan.value.verify, plan.value)).toEqual({
      state: 'recovered',
      summary: 'the warehouse is RUNNING at Large, up to 2 clusters',
    });
  });
});
