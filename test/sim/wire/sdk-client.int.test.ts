import { Agent } from 'node:https';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiError, WorkspaceClient } from '@databricks/sdk-experimental';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedWorkspace, startEmbeddedWorkspace } from '../../../src/app/embedded-workspace.js';
import { systemClock } from '../../../src/domain/clock.js';
import { startWireServer, type WireServerHandle } from '../../../src/sim/wire/start-wire-server.js';
import { ensureLocalTls } from '../../../src/sim/wire/tls.js';
import { type SimWithTables, simWithTables, TOKEN } from './wire-fixture.js';

// Databricks' SDK drops any port from the host and speaks HTTPS on 443, so these tests need to bind it
// (root, or CAP_NET_BIND_SERVICE); elsewhere they are skipped rather than faked on another port.
const canBind443 = process.getuid?.() === 0;

let sim: SimWithTables;
let wire: WireServerHandle;
let client: WorkspaceClient;
let caCert = '';

describe.skipIf(!canBind443)('Databricks SDK against the simulator over TLS on 443', () => {
  beforeAll(async () => {
    // One transient failure of orders_etl in the first hours, for the SDK to repair.
    sim = await simWithTables(2, (s) => {
      s.faults = [
        {
          id: 'flaky-read',
          kind: 'task_error',
          target: { job: 'orders_etl' },
          start: '+0h',
          occurrences: 1,
          message: 'java.net.SocketTimeoutException: Read timed out',
          // A network blip: the repair's read goes through.
          transient: true,
          expected: { category: 'network', severity: 'P4', action: 'RETRY' },
        },
      ];
    });
    const tls = await ensureLocalTls({ dir: mkdtempSync(join(tmpdir(), 'dbxops-tls-')) });
    wire = await startWireServer({ workspace: sim.workspace, warehouse: sim.warehouse, tls, port: 443 });
    // The SDK's default agent skips certificate checks unless told otherwise; ours trusts only the local CA.
    caCert = tls.caCert;
    const agent = new Agent({ ca: tls.caCert, keepAlive: true });
    client = new WorkspaceClient({ host: 'https://localhost', token: TOKEN, authType: 'pat' }, { agent });
  }, 60_000);

  afterAll(async () => {
    await wire?.close();
    await sim?.close();
  });

  it('lists jobs', async () => {
    const jobs = [];
    for await (const job of client.jobs.list({})) jobs.push(job);
    expect(jobs.map((j) => j.settings?.name)).toContain('orders_etl');
  });

  // SDK 0.14.2 sent GET query parameters only with a payload (jobs/get, runs/get lost them); 0.17.0 does.
  it('gets a job by id', async () => {
    const [first] = [...sim.workspace.jobs.values()];
    const got = await client.jobs.get({ job_id: first!.jobId });
    expect(got.settings?.name).toBe('orders_etl');
  });

  it('lists runs, clusters and warehouses', async () => {
    const runs = [];
    for await (const run of client.jobs.listRuns({})) runs.push(run);
    expect(runs.length).toBeGreaterThan(0);
    const warehouses = [];
    for await (const w of client.warehouses.list({})) warehouses.push(w);
    expect(warehouses.map((w) => w.id)).toContain(sim.warehouseId);
    const got = await client.warehouses.get({ id: sim.warehouseId });
    expect(got.name).toBe('bi');
    const clusters = [];
    for await (const c of client.clusters.list({})) clusters.push(c);
    expect(Array.isArray(clusters)).toBe(true);
  });

  it('executes a statement through the Statement Execution API', async () => {
    const answer = await client.statementExecution.executeStatement({
      warehouse_id: sim.warehouseId,
      statement: 'SELECT :n + 1 AS n',
      parameters: [{ name: 'n', value: '41', type: 'INT' }],
      wait_timeout: '10s',
    });
    expect(answer.status?.state).toBe('SUCCEEDED');
    expect(answer.result?.data_array).toEqual([['42']]);
  });

  it('reports a failing statement as FAILED, not as an HTTP error', async () => {
    const answer = await client.statementExecution.executeStatement({
      warehouse_id: sim.warehouseId,
      statement: 'SELECT * FROM system.nothing.here',
      wait_timeout: '10s',
    });
    expect(answer.status?.state).toBe('FAILED');
    expect(answer.status?.error?.error_code).toBe('NOT_FOUND');
  });

  it('raises ApiError with Databricks error codes', async () => {
    const missing = await client.warehouses.get({ id: 'ffffffffffffffff' }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ApiError);
    expect(missing).toMatchObject({ statusCode: 400, errorCode: 'INVALID_PARAMETER_VALUE' });
    const stranger = new WorkspaceClient(
      { host: 'https://localhost', token: 'dapi-wrong', authType: 'pat' },
      { agent: new Agent({ ca: caCert }) },
    );
    const refused = await stranger.warehouses.get({ id: sim.warehouseId }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused).toMatchObject({ statusCode: 401, errorCode: 'UNAUTHENTICATED' });
  });

  /** Runs `body` while the simulated clock moves a minute every 20 ms, so the SDK's waiters see progress. */
  async function whileTimePasses<T>(body: () => Promise<T>): Promise<T> {
    const ticker = setInterval(() => sim.workspace.advanceBy(60_000), 20);
    try {
      return await body();
    } finally {
      clearInterval(ticker);
    }
  }

  it('runs a job now and waits with the SDK waiter until it terminates', async () => {
    const [job] = [...sim.workspace.jobs.values()];
    const run = await whileTimePasses(async () => (await client.jobs.runNow({ job_id: job!.jobId })).wait());
    expect(run.state?.life_cycle_state).toBe('TERMINATED');
    expect(run.state?.result_state).toBe('SUCCESS');
  }, 60_000);

  it('repairs the failed run and waits until the repaired tasks succeed', async () => {
    const failed: { run_id?: number }[] = [];
    for await (const r of client.jobs.listRuns({ completed_only: true })) {
      if (r.state?.result_state === 'FAILED') failed.push(r);
    }
    expect(failed.length).toBeGreaterThan(0);
    const run = await whileTimePasses(async () =>
      (await client.jobs.repairRun({ run_id: failed[0]!.run_id!, rerun_all_failed_tasks: true })).wait(),
    );
    expect(run.state?.result_state).toBe('SUCCESS');
    // The waiter polls runs/get without include_history; ask for it to see the repair recorded.
    const withHistory = await client.jobs.getRun({ run_id: failed[0]!.run_id!, include_history: true });
    expect(withHistory.repair_history?.some((h) => h.type === 'REPAIR')).toBe(true);
  }, 60_000);

  it('cancels a run and waits until it is canceled', async () => {
    const [job] = [...sim.workspace.jobs.values()];
    const started = await client.jobs.runNow({ job_id: job!.jobId });
    const run = await whileTimePasses(async () =>
      (await client.jobs.cancelRun({ run_id: started.run_id! })).wait(),
    );
    expect(run.state?.result_state).toBe('CANCELED');
  }, 60_000);
});

// In this file, not its own: both bind 443 on loopback, and test files run side by side.
describe.skipIf(!canBind443)('Databricks SDK against sim serve --tls --wall-clock on 443', () => {
  let placed: EmbeddedWorkspace;
  let client: WorkspaceClient;

  beforeAll(async () => {
    placed = await startEmbeddedWorkspace({
      scenario: { file: 'scenarios/demo.yaml' },
      seed: 42,
      speed: 0,
      tls: true,
      port: 443,
      wallClock: { clock: systemClock, atHour: 30 },
    });
    // The SDK's default agent skips certificate checks unless told otherwise; ours trusts only the local CA.
    const agent = new Agent({ ca: placed.tls!.caCert, keepAlive: true });
    client = new WorkspaceClient(
      { host: 'https://localhost', token: placed.token, authType: 'pat' },
      { agent },
    );
  });

  afterAll(async () => {
    await placed?.close();
  });

  it('lists the played runs and counts the jobs REST lists with SQL', async () => {
    const runs = [];
    for await (const run of client.jobs.listRuns({ completed_only: true })) runs.push(run);
    expect(runs.length).toBeGreaterThan(100);

    const jobs = [];
    for await (const job of client.jobs.list({})) jobs.push(job);
    const warehouse = placed.workspace.warehouses.byName.get('finance_wh')!;
    const answer = await client.statementExecution.executeStatement({
      warehouse_id: warehouse.id,
      // A job whose settings changed (the demo's deploy) has a row per version.
      statement: 'SELECT count(DISTINCT job_id) AS n FROM system.lakeflow.jobs',
      wait_timeout: '30s',
    });
    expect(answer.status?.state).toBe('SUCCEEDED');
    expect(Number(answer.result?.data_array?.[0]?.[0])).toBe(jobs.length);
    expect(jobs.length).toBe(15);
  });
});
