import { DuckDBInstance } from '@duckdb/node-api';
import { defaultPolicy, type Policy } from '../../../src/config/policy.js';
import { patAuth } from '../../../src/databricks/auth/auth-provider.js';
import { DuckDbWarehouse } from '../../../src/databricks/duckdb-warehouse.js';
import { createDatabricksClient } from '../../../src/databricks/rest/databricks-client.js';
import type { CollectorDeps } from '../../../src/agents/collector/collector-deps.js';
import { SimWorkspace } from '../../../src/sim/engine/sim-workspace.js';
import type { Scenario } from '../../../src/sim/scenario/schema.js';
import { startSimServer } from '../../../src/sim/server/start-sim-server.js';
import { DuckDbSink } from '../../../src/sim/tables/duckdb-sink.js';
import { flushingWarehouse } from '../../../src/sim/tables/flushing-warehouse.js';
import { openStore } from '../../../src/store/open-store.js';
import { WatermarkRepository } from '../../../src/store/watermark-repository.js';

const TOKEN = 'dapi-collector-test-0001';

/**
 * A simulated workspace on loopback, its system tables in DuckDB, and a fresh in-memory store. With
 * `embedded`, the collector reads the tables as the embedded bot does: through the warehouse that
 * flushes the workspace's rows first and knows which tables it wrote to.
 */
export async function startHarness(
  scenario: Scenario,
  policy: Policy = defaultPolicy(),
  options: { embedded?: boolean } = {},
) {
  const instance = await DuckDBInstance.create(':memory:');
  const sinkConnection = await instance.connect();
  const sink = await DuckDbSink.create(sinkConnection);
  const workspace = new SimWorkspace({ scenario, seed: 7, sink });
  const server = await startSimServer({ workspace, tokens: [TOKEN] });
  const duckdb = await DuckDbWarehouse.open(await instance.connect(), { clock: workspace.clock });
  const warehouse = options.embedded ? flushingWarehouse(duckdb, workspace) : duckdb;
  const store = await openStore({ dataDir: 'memory://' });
  const client = createDatabricksClient({
    host: server.url,
    auth: patAuth(TOKEN),
    clock: workspace.clock,
    // The collector sees the failure after the client's own retries; one attempt keeps tests fast.
    retry: { maxAttempts: 1 },
    sleep: async () => {},
    random: () => 0.5,
  });
  const deps: CollectorDeps = {
    workspaceId: workspace.workspaceId,
    client,
    warehouse,
    watermarks: new WatermarkRepository(store.db),
    clock: workspace.clock,
    policy,
  };
  return {
    workspace,
    sink,
    deps,
    /** The simulator's REST endpoint and token, for a client of the test's own. */
    url: server.url,
    token: TOKEN,
    /** Moves simulated time and makes the new rows queryable. */
    async advanceTo(ms: number) {
      workspace.advanceTo(ms);
      await workspace.flush();
    },
    async close() {
      await server.close();
      await warehouse.close();
      await sink.close();
      sinkConnection.closeSync();
      instance.closeSync();
      await store.close();
    },
  };
}

export type Harness = Awaited<ReturnType<typeof startHarness>>;
