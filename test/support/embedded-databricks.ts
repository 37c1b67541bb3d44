import { type BotApp, type BotAppOptions, createBotApp } from '../../src/app/bot-app.js';
import type { Sleep } from '../../src/bot/channel-send-queue.js';
import type { EmbeddedWorkspace } from '../../src/app/embedded-workspace.js';
import { loadEnv } from '../../src/config/env.js';
import { createLogger } from '../../src/config/logger.js';
import { defaultPolicy, type Policy } from '../../src/config/policy.js';
import { patAuth } from '../../src/databricks/auth/auth-provider.js';
import {
  createDatabricksClient,
  type DatabricksClientOptions,
} from '../../src/databricks/rest/databricks-client.js';
import type { Store } from '../../src/store/open-store.js';

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

/**
 * `BotAppOptions.sendSleep` for a bot whose Slack and Teams are the fakes: the sends go out unspaced and
 * retry at once, in the order they would. The fakes keep no rate, and a second's gap between two sends
 * to one Slack channel was most of what a test with cards on three surfaces waited for; the spacing
 * has tests of its own (test/bot/slack/send-queue.test.ts and its Teams twin).
 */
export const unspacedSends: Sleep = async () => {};

/**
 * The bot on an embedded workspace as the in-process tests run it: on the workspace's clock, silent,
 * its queue inline, its Slack and Teams sends unspaced (`unspacedSends`). `options`: what a test
 * changes — environment (surfaces' fakes), policy, the client's tries or fetch, webhook credentials
 * (none by default).
 */
export function embeddedBotApp(
  embedded: EmbeddedWorkspace,
  store: Store,
  options: {
    readonly env?: Record<string, string>;
    readonly policy?: Policy;
    readonly client?: Pick<DatabricksClientOptions, 'retry' | 'fetch'>;
    readonly webhookCredentials?: BotAppOptions['webhookCredentials'];
  } = {},
): Promise<BotApp> {
  return createBotApp({
    env: loadEnv({ LOG_LEVEL: 'silent', ...options.env }),
    policy: options.policy ?? defaultPolicy(),
    clock: embedded.workspace.clock,
    logger: createLogger({ level: 'silent' }),
    databricks: embeddedDatabricks(embedded, options.client),
    store,
    queue: { kind: 'inline' },
    sendSleep: unspacedSends,
    webhookCredentials: options.webhookCredentials ?? null,
  });
}
