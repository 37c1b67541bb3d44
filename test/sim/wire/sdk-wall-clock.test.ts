import { Agent } from 'node:https';
import { WorkspaceClient } from '@databricks/sdk-experimental';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedWorkspace, startEmbeddedWorkspace } from '../../../src/cli/embedded-workspace.js';
import { systemClock } from '../../../src/domain/clock.js';

// Databricks' SDK drops any port from the host and speaks HTTPS on 443, so these tests need to bind it
// (root, or CAP_NET_BIND_SERVICE); elsewhere they are skipped rather than faked on another port.
const canBind443 = process.getuid?.() === 0;

describe.skipIf(!canBind443)('Databricks SDK against sim serve --tls --wall-clock on 443', () => {
  let sim: EmbeddedWorkspace;
  let client: WorkspaceClient;

  beforeAll(async () => {
    sim = await startEmbeddedWorkspace({
      scenario: { file: 'scenarios/demo.yaml' },
      seed: 42,
      speed: 0,
      tls: true,
      port: 443,
      wallClock: { clock: systemClock, atHour: 30 },
    });
    // The SDK's default agent skips certificate checks unless told otherwise; ours trusts only the local CA.
    const agent = new Agent({ ca: sim.tls!.caCert, keepAlive: true });
    client = new WorkspaceClient({ host: 'https://localhost', token: sim.token, authType: 'pat' }, { agent });
  });

  afterAll(async () => {
    await sim?.close();
  });

  it('lists the played runs and counts the jobs REST lists with SQL', async () => {
    const runs = [];
    for await (const run of client.jobs.listRuns({ completed_only: true })) runs.push(run);
    expect(runs.length).toBeGreaterThan(100);

    const jobs = [];
    for await (const job of client.jobs.list({})) jobs.push(job);
    const warehouse = sim.workspace.warehouses.byName.get('finance_wh')!;
    const answer = await client.statementExecution.executeStatement({
      warehouse_id: warehouse.id,
      statement: 'SELECT count(*) AS n FROM system.lakeflow.jobs',
      wait_timeout: '30s',
    });
    expect(answer.status?.state).toBe('SUCCEEDED');
    expect(Number(answer.result?.data_array?.[0]?.[0])).toBe(jobs.length);
    expect(jobs.length).toBe(15);
  });
});
