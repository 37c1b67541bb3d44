import { z } from 'zod';
import { openEnum } from './databricks-json.js';
import type { HttpTransport } from './http-transport.js';
import { paginate } from './paginate.js';

const HISTORY = '/api/2.0/sql/history/queries';

const queryStatus = openEnum([
  'QUEUED',
  'RUNNING',
  'CANCELED',
  'FAILED',
  'FINISHED',
  'COMPILING',
  'COMPILED',
  'STARTED',
] as const);

const queryInfoSchema = z.looseObject({
  query_id: z.string(),
  status: queryStatus.optional(),
  query_text: z.string().optional(),
  statement_type: z.string().optional(),
  warehouse_id: z.string().optional(),
  endpoint_id: z.string().optional(),
  user_id: z.union([z.number(), z.string()]).optional(),
  user_name: z.string().optional(),
  executed_as_user_name: z.string().optional(),
  query_start_time_ms: z.number().optional(),
  execution_end_time_ms: z.number().optional(),
  query_end_time_ms: z.number().optional(),
  duration: z.number().optional(),
  rows_produced: z.number().optional(),
  error_message: z.string().optional(),
  is_final: z.boolean().optional(),
  metrics: z
    .looseObject({
      total_time_ms: z.number().optional(),
      execution_time_ms: z.number().optional(),
      read_bytes: z.number().optional(),
      rows_read_count: z.number().optional(),
      spill_to_disk_bytes: z.number().optional(),
      result_from_cache: z.boolean().optional(),
      /** Set only when the statement waited for a cluster to be provisioned (the warehouse starting). */
      provisioning_queue_start_timestamp: z.number().optional(),
      /** Set only when the statement waited because the warehouse was at its maximum load. */
      overloading_queue_start_timestamp: z.number().optional(),
    })
    .optional(),
});

const listResponse = z.looseObject({
  res: z.array(queryInfoSchema).optional(),
  has_next_page: z.boolean().optional(),
  next_page_token: z.string().optional(),
});

type QueryInfo = z.output<typeof queryInfoSchema>;

type QueryHistoryFilter = {
  /** Epoch ms; the range may span at most 30 days. */
  query_start_time_range?:
    | { start_time_ms?: number | undefined; end_time_ms?: number | undefined }
    | undefined;
  statuses?: string[] | undefined;
  user_ids?: (number | string)[] | undefined;
  warehouse_ids?: string[] | undefined;
  statement_ids?: string[] | undefined;
};

interface ListQueriesParams {
  filter_by?: QueryHistoryFilter | undefined;
  /** < 1000, default 100 on the server. */
  max_results?: number | undefined;
  include_metrics?: boolean | undefined;
}

/** Query History API 2.0, most recent first. */
export interface QueryHistoryApi {
  listQueries(params?: ListQueriesParams): AsyncGenerator<QueryInfo, void, undefined>;
}

/** Builds the Query History API over a transport. */
export function createQueryHistoryApi(transport: HttpTransport): QueryHistoryApi {
  return {
    listQueries(params = {}) {
      return paginate(
        async (page_token) => {
          // Filters are sent as dotted query parameters (`filter_by.statuses=FAILED`); the token is
          // percent-encoded by URLSearchParams, which matters because tokens contain `+`.
          const res = await transport.request(
            { method: 'GET', path: HISTORY, query: { ...params, page_token } },
            listResponse,
          );
          const next = res.has_next_page === false ? undefined : res.next_page_token;
          return { items: res.res ?? [], nextPageToken: next };
        },
        { method: 'GET', path: HISTORY },
        (query) => query.query_id,
      );
    },
  };
}
