import { Agent } from 'node:https';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiError, WorkspaceClient } from '@databricks/sdk-experimental';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
    sim = await simWithTables(2);
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

  // SDK 0.14.2 bug, not a simulator one: ApiClient.request applies `query` only when a payload is set,
  // so every GET with query parameters (jobs/get, runs/get) reaches any workspace without them.
  it.fails('gets a job by id (fails until the SDK sends GET query parameters)', async () => {
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
});
