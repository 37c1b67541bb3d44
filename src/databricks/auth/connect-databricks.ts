import type { Clock } from '../../domain/clock.js';
import { createDatabricksClient, type DatabricksClient } from '../rest/databricks-client.js';
import type { RetryEvent, SleepFn } from '../rest/http-transport.js';
import type { RetryPolicy } from '../rest/retry-policy.js';
import {
  createAuthProvider,
  type ResolveDatabricksConfigInput,
  type ResolvedDatabricksConfig,
  resolveDatabricksConfig,
} from './resolve-databricks-config.js';

export interface ConnectDatabricksOptions extends ResolveDatabricksConfigInput {
  fetch?: typeof fetch | undefined;
  timeoutMs?: number | undefined;
  retry?: Partial<RetryPolicy> | undefined;
  clock?: Clock | undefined;
  sleep?: SleepFn | undefined;
  random?: (() => number) | undefined;
  /** Called before each backoff wait (for logs and metrics). */
  onRetry?: ((event: RetryEvent) => void) | undefined;
}

/**
 * Resolves host and credentials (explicit → env → ~/.databrickscfg, PAT or OAuth M2M) and returns a ready
 * client plus the resolved config (for "connected to … via …" messages; it holds secrets, do not log it).
 */
export async function connectDatabricks(
  options: ConnectDatabricksOptions = {},
): Promise<{ client: DatabricksClient; config: ResolvedDatabricksConfig }> {
  const config = await resolveDatabricksConfig(options);
  const deps = { fetch: options.fetch, clock: options.clock, sleep: options.sleep, random: options.random };
  const auth = createAuthProvider(config, deps);
  const client = createDatabricksClient({
    host: config.host,
    auth,
    timeoutMs: options.timeoutMs,
    retry: options.retry,
    onRetry: options.onRetry,
    ...deps,
  });
  return { client, config };
}
