import type { Clock } from '../../domain/clock.js';
import type { AuthProvider } from '../auth/auth-provider.js';
import { type ClustersApi, createClustersApi } from './clusters-api.js';
import { createHttpTransport, type HttpTransport, type RetryEvent, type SleepFn } from './http-transport.js';
import { createJobsApi, type JobsApi } from './jobs-api.js';
import { createPermissionsApi, type PermissionsApi } from './permissions-api.js';
import { createPipelinesApi, type PipelinesApi } from './pipelines-api.js';
import { createQueryHistoryApi, type QueryHistoryApi } from './query-history-api.js';
import type { RetryPolicy } from './retry-policy.js';
import type { FetchLike } from './undici-fetch.js';
import { createScimApi, type ScimApi } from './scim-api.js';
import { createStatementsApi, type StatementsApi } from './statements-api.js';
import { createWarehousesApi, type WarehousesApi } from './warehouses-api.js';

/** The typed Databricks REST client: one object per API, sharing one transport. */
export interface DatabricksClient {
  readonly host: string;
  readonly transport: HttpTransport;
  readonly jobs: JobsApi;
  readonly clusters: ClustersApi;
  readonly warehouses: WarehousesApi;
  readonly pipelines: PipelinesApi;
  readonly queryHistory: QueryHistoryApi;
  readonly statements: StatementsApi;
  readonly permissions: PermissionsApi;
  readonly scim: ScimApi;
}

export interface DatabricksClientOptions {
  /** Normalised workspace origin (see `normalizeHost`). */
  host: string;
  auth: AuthProvider;
  fetch?: FetchLike | undefined;
  /** Per-attempt timeout. Default 30 s. */
  timeoutMs?: number | undefined;
  retry?: Partial<RetryPolicy> | undefined;
  clock?: Clock | undefined;
  sleep?: SleepFn | undefined;
  random?: (() => number) | undefined;
  userAgent?: string | undefined;
  onRetry?: ((event: RetryEvent) => void) | undefined;
}

/** Builds a `DatabricksClient` for one workspace. */
export function createDatabricksClient(options: DatabricksClientOptions): DatabricksClient {
  const transport = createHttpTransport({ baseUrl: options.host, ...options });
  return Object.freeze({
    host: transport.baseUrl,
    transport,
    jobs: createJobsApi(transport),
    clusters: createClustersApi(transport),
    warehouses: createWarehousesApi(transport),
    pipelines: createPipelinesApi(transport),
    queryHistory: createQueryHistoryApi(transport),
    statements: createStatementsApi(transport),
    permissions: createPermissionsApi(transport),
    scim: createScimApi(transport),
  });
}
