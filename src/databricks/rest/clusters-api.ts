import { z } from 'zod';
import { openEnum } from './databricks-json.js';
import type { HttpTransport } from './http-transport.js';
import { clusterSpecSchema } from './jobs-api.js';
import { loopError, MAX_PAGES, paginate } from './paginate.js';
import type { QueryParams } from './query-string.js';

const CLUSTERS = '/api/2.1/clusters';

const clusterState = openEnum([
  'PENDING',
  'RUNNING',
  'RESTARTING',
  'RESIZING',
  'TERMINATING',
  'TERMINATED',
  'ERROR',
  'UNKNOWN',
] as const);

const terminationReasonSchema = z.looseObject({
  code: z.string().optional(),
  type: openEnum(['SUCCESS', 'CLIENT_ERROR', 'SERVICE_FAULT', 'CLOUD_FAILURE'] as const).optional(),
  parameters: z.record(z.string(), z.string()).optional(),
});

const clusterDetailsSchema = clusterSpecSchema.extend({
  cluster_id: z.string(),
  cluster_name: z.string().optional(),
  state: clusterState.optional(),
  state_message: z.string().optional(),
  start_time: z.number().optional(),
  terminated_time: z.number().optional(),
  last_restarted_time: z.number().optional(),
  last_state_loss_time: z.number().optional(),
  termination_reason: terminationReasonSchema.optional(),
  cluster_source: z.string().optional(),
  creator_user_name: z.string().optional(),
  default_tags: z.record(z.string(), z.string()).optional(),
  cluster_memory_mb: z.number().optional(),
  cluster_cores: z.number().optional(),
  single_user_name: z.string().optional(),
});

const clusterEventSchema = z.looseObject({
  cluster_id: z.string(),
  timestamp: z.number().optional(),
  type: z.string(),
  details: z
    .looseObject({
      current_num_workers: z.number().optional(),
      target_num_workers: z.number().optional(),
      cause: z.string().optional(),
      reason: terminationReasonSchema.optional(),
      user: z.string().optional(),
    })
    .optional(),
});

const listResponse = z.looseObject({
  clusters: z.array(clusterDetailsSchema).optional(),
  next_page_token: z.string().optional(),
  prev_page_token: z.string().optional(),
});
const eventsResponse = z.looseObject({
  events: z.array(clusterEventSchema).optional(),
  next_page: z.record(z.string(), z.unknown()).optional(),
  next_page_token: z.string().optional(),
  total_count: z.number().optional(),
});
const empty = z.looseObject({});

export type ClusterDetails = z.output<typeof clusterDetailsSchema>;
type ClusterEvent = z.output<typeof clusterEventSchema>;

interface ListClustersParams {
  page_size?: number | undefined;
  filter_by?:
    | {
        cluster_states?: string[] | undefined;
        cluster_sources?: string[] | undefined;
        is_pinned?: boolean | undefined;
        policy_id?: string | undefined;
      }
    | undefined;
  sort_by?: { field?: string | undefined; direction?: 'ASC' | 'DESC' | undefined } | undefined;
}

interface ClusterEventsRequest {
  cluster_id: string;
  start_time?: number | undefined;
  end_time?: number | undefined;
  order?: 'ASC' | 'DESC' | undefined;
  event_types?: string[] | undefined;
  /** ≤ 500. */
  page_size?: number | undefined;
  [extra: string]: unknown;
}

/** A full edit: the cluster's complete spec (`spark_version` is required by Databricks). */
type EditClusterRequest = z.input<typeof clusterSpecSchema> & {
  cluster_id: string;
  spark_version: string;
};

type ResizeClusterRequest =
  | { cluster_id: string; num_workers: number }
  | { cluster_id: string; autoscale: { min_workers: number; max_workers: number } };

/** Clusters API 2.1. Mutating calls return once accepted; poll `getCluster` for the state change. */
export interface ClustersApi {
  listClusters(params?: ListClustersParams): AsyncGenerator<ClusterDetails, void, undefined>;
  listClustersPage(
    params?: ListClustersParams & { page_token?: string | undefined },
  ): Promise<{ clusters: ClusterDetails[]; next_page_token?: string | undefined }>;
  /** A missing cluster answers 400 "does not exist", surfaced as reason NOT_FOUND. */
  getCluster(clusterId: string): Promise<ClusterDetails>;
  /** Every event, following the `next_page` request bodies Databricks hands back. */
  clusterEvents(request: ClusterEventsRequest): AsyncGenerator<ClusterEvent, void, undefined>;
  editCluster(request: EditClusterRequest): Promise<void>;
  resizeCluster(request: ResizeClusterRequest): Promise<void>;
  restartCluster(request: { cluster_id: string; restart_user?: string | undefined }): Promise<void>;
  startCluster(clusterId: string): Promise<void>;
  /** `clusters/delete`: terminates; the configuration is kept for 30 days. */
  terminateCluster(clusterId: string): Promise<void>;
}

/** Builds the Clusters API over a transport. */
export function createClustersApi(transport: HttpTransport): ClustersApi {
  const listClustersPage: ClustersApi['listClustersPage'] = async (params = {}) => {
    const res = await transport.request(
      { method: 'GET', path: `${CLUSTERS}/list`, query: { ...params } as QueryParams },
      listResponse,
    );
    return { clusters: res.clusters ?? [], next_page_token: res.next_page_token };
  };
  const post = async (action: string, body: unknown, idempotent: boolean): Promise<void> => {
    await transport.request({ method: 'POST', path: `${CLUSTERS}/${action}`, body, idempotent }, empty);
  };

  return {
    listClusters(params = {}) {
      return paginate(
        async (page_token) => {
          const page = await listClustersPage({ ...params, page_token });
          return { items: page.clusters, nextPageToken: page.next_page_token };
        },
        { method: 'GET', path: `${CLUSTERS}/list` },
        (cluster) => cluster.cluster_id,
      );
    },
    listClustersPage,

    getCluster(clusterId) {
      return transport.request(
        { method: 'GET', path: `${CLUSTERS}/get`, query: { cluster_id: clusterId } },
        clusterDetailsSchema,
      );
    },

    async *clusterEvents(request) {
      const where = { method: 'POST', path: `${CLUSTERS}/events` };
      const seen = new Set<string>();
      let body: Record<string, unknown> = { ...request };
      for (let pages = 0; ; pages++) {
        if (pages >= MAX_PAGES) throw loopError(where, `more than ${MAX_PAGES} pages`);
        // Listing events changes nothing, so it may be repeated even though it is a POST.
        const res = await transport.request(
          { method: 'POST', path: `${CLUSTERS}/events`, body, idempotent: true },
          eventsResponse,
        );
        yield* res.events ?? [];
        // Prefer the full next request body; fall back to the token form of newer servers.
        const next =
          res.next_page ??
          (res.next_page_token ? { ...request, page_token: res.next_page_token } : undefined);
        if (!next || (res.events ?? []).length === 0) return;
        const key = JSON.stringify(next);
        if (seen.has(key)) throw loopError(where, 'the same next_page twice');
        seen.add(key);
        body = next;
      }
    },

    editCluster: (request) => post('edit', request, true),
    resizeCluster: (request) => post('resize', request, true),
    // A repeated restart restarts twice.
    restartCluster: (request) => post('restart', request, false),
    startCluster: (clusterId) => post('start', { cluster_id: clusterId }, true),
    terminateCluster: (clusterId) => post('delete', { cluster_id: clusterId }, true),
  };
}
