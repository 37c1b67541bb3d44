import { patAuth } from '../../src/databricks/auth/auth-provider.js';
import {
  createDatabricksClient,
  type DatabricksClient,
} from '../../src/databricks/rest/databricks-client.js';
import { SimWorkspace } from '../../src/sim/engine/sim-workspace.js';
import type { Scenario } from '../../src/sim/scenario/schema.js';
import type { SimRoute } from '../../src/sim/server/route.js';
import { type SimServerHandle, startSimServer } from '../../src/sim/server/start-sim-server.js';

/** A scenario's workspace served on loopback, and a Databricks client of it. */
export interface ServedSim {
  readonly workspace: SimWorkspace;
  readonly sim: SimServerHandle;
  readonly client: DatabricksClient;
}

/**
 * Serves `scenario` with one token and returns a client whose backoff moves the workspace's simulated
 * clock, so retries happen without real waiting. Close it with `sim.close()`.
 */
export async function serveSimWithClient(options: {
  readonly scenario: Scenario;
  readonly seed: number;
  readonly token: string;
  readonly extraRoutes?: SimRoute[];
}): Promise<ServedSim> {
  const workspace = new SimWorkspace({ scenario: options.scenario, seed: options.seed });
  const sim = await startSimServer({
    workspace,
    tokens: [options.token],
    ...(options.extraRoutes === undefined ? {} : { extraRoutes: options.extraRoutes }),
  });
  const client = createDatabricksClient({
    host: sim.url,
    auth: patAuth(options.token),
    clock: workspace.clock,
    random: () => 0.5,
    sleep: async (ms) => {
      workspace.advanceBy(ms);
    },
  });
  return { workspace, sim, client };
}
