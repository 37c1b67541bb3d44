import type { EmbeddedWorkspace } from '../../src/app/embedded-workspace.js';
import { patAuth } from '../../src/databricks/auth/auth-provider.js';
import {
  createDatabricksClient,
  type DatabricksClientOptions,
} from '../../src/databricks/rest/databricks-client.js';

/**
 * The bot's `databricks` dependencies on an embedded workspace: a client of its REST API on the
 * workspace's clock that retries without waiting, its warehouse and its id. `options`: what a test
 * changes — how many tries, a fetch that fails on purpose.
 */
export function embeddedDatabricks(
  embedded: EmbeddedWorkspace,
  options: Pick<DatabricksClientOptions, 'retry' | 'fetch'> = {},
) {
  return {
    client: createDatabricksClient({
      host: embedded.url,
      auth: patAuth(embedded.token),
      clock: embedded.workspace.clock,
      sleep: async () => {},
      ...options,
    }),
    warehouse: embedded.warehouse,
    workspaceId: embedded.workspace.workspaceId,
  };
}
