import { z } from 'zod';
import { openEnum } from './databricks-json.js';
import type { HttpTransport } from './http-transport.js';
import { paginate } from './paginate.js';

const PIPELINES = '/api/2.0/pipelines';

const pipelineState = openEnum([
  'DEPLOYING',
  'STARTING',
  'RUNNING',
  'STOPPING',
  'DELETED',
  'RECOVERING',
  'FAILED',
  'RESETTING',
  'IDLE',
] as const);

const updateState = openEnum([
  'QUEUED',
  'CREATED',
  'WAITING_FOR_RESOURCES',
  'INITIALIZING',
  'RESETTING',
  'SETTING_UP_TABLES',
  'RUNNING',
  'STOPPING',
  'COMPLETED',
  'FAILED',
  'CANCELED',
] as const);

const latestUpdate = z.looseObject({
  update_id: z.string(),
  state: updateState.optional(),
  creation_time: z.string().optional(),
});

const pipelineStateInfoSchema = z.looseObject({
  pipeline_id: z.string(),
  name: z.string().optional(),
  state: pipelineState.optional(),
  health: z.string().optional(),
  cluster_id: z.string().optional(),
  creator_user_name: z.string().optional(),
  run_as_user_name: z.string().optional(),
  latest_updates: z.array(latestUpdate).optional(),
});

const pipelineSchema = pipelineStateInfoSchema.extend({
  cause: z.string().optional(),
  last_modified: z.number().optional(),
  spec: z.looseObject({}).optional(),
});

const pipelineEventSchema = z.looseObject({
  id: z.string().optional(),
  timestamp: z.string().optional(),
  message: z.string().optional(),
  level: openEnum(['INFO', 'WARN', 'ERROR', 'METRICS'] as const).optional(),
  event_type: z.string().optional(),
  origin: z
    .looseObject({
      pipeline_id: z.string().optional(),
      pipeline_name: z.string().optional(),
      update_id: z.string().optional(),
      flow_name: z.string().optional(),
      dataset_name: z.string().optional(),
      cluster_id: z.string().optional(),
    })
    .optional(),
  error: z
    .looseObject({
      fatal: z.boolean().optional(),
      exceptions: z
        .array(z.looseObject({ class_name: z.string().optional(), message: z.string().optional() }))
        .optional(),
    })
    .optional(),
  details: z.record(z.string(), z.unknown()).optional(),
});

const listResponse = z.looseObject({
  statuses: z.array(pipelineStateInfoSchema).optional(),
  next_page_token: z.string().optional(),
});
const eventsResponse = z.looseObject({
  events: z.array(pipelineEventSchema).optional(),
  next_page_token: z.string().optional(),
});
const startUpdateResponse = z.looseObject({ update_id: z.string() });
const updateInfoSchema = z.looseObject({
  update_id: z.string(),
  state: updateState.optional(),
  cause: z.string().optional(),
  full_refresh: z.boolean().optional(),
});
const getUpdateResponse = z.looseObject({ update: updateInfoSchema });
const empty = z.looseObject({});

type PipelineStateInfo = z.output<typeof pipelineStateInfoSchema>;
export type Pipeline = z.output<typeof pipelineSchema>;
type UpdateInfo = z.output<typeof updateInfoSchema>;
type PipelineEvent = z.output<typeof pipelineEventSchema>;

interface ListPipelinesParams {
  /** ≤ 100, default 25 on the server. */
  max_results?: number | undefined;
  /** e.g. `name LIKE '%orders%'`. */
  filter?: string | undefined;
  order_by?: string[] | undefined;
}

interface PipelineEventsParams {
  max_results?: number | undefined;
  /** e.g. `level='ERROR'`, `level in ('ERROR','WARN')`, `timestamp > '2026-11-01T00:00:00Z'`. */
  filter?: string | undefined;
  /** e.g. `['timestamp desc']` (the default order is newest first). */
  order_by?: string[] | undefined;
}

interface StartUpdateRequest {
  full_refresh?: boolean | undefined;
  refresh_selection?: string[] | undefined;
  full_refresh_selection?: string[] | undefined;
  validate_only?: boolean | undefined;
  cause?: string | undefined;
  [extra: string]: unknown;
}

/** Pipelines (Lakeflow Declarative Pipelines) API 2.0. */
export interface PipelinesApi {
  listPipelines(params?: ListPipelinesParams): AsyncGenerator<PipelineStateInfo, void, undefined>;
  getPipeline(pipelineId: string): Promise<Pipeline>;
  pipelineEvents(
    pipelineId: string,
    params?: PipelineEventsParams,
  ): AsyncGenerator<PipelineEvent, void, undefined>;
  /** Starts an update; fails when one is already active. */
  startUpdate(pipelineId: string, request?: StartUpdateRequest): Promise<{ update_id: string }>;
  /** Cancels the active update; a no-op when idle. */
  stopPipeline(pipelineId: string): Promise<void>;
  /** One update's state (`updates/{update_id}`). */
  getUpdate(pipelineId: string, updateId: string): Promise<UpdateInfo>;
}

const idPath = (id: string) => `${PIPELINES}/${encodeURIComponent(id)}`;

/** Builds the Pipelines API over a transport. */
export function createPipelinesApi(transport: HttpTransport): PipelinesApi {
  return {
    listPipelines(params = {}) {
      return paginate(
        async (page_token) => {
          const res = await transport.request(
            { method: 'GET', path: PIPELINES, query: { ...params, page_token } },
            listResponse,
          );
          return { items: res.statuses ?? [], nextPageToken: res.next_page_token };
        },
        { method: 'GET', path: PIPELINES },
        (pipeline) => pipeline.pipeline_id,
      );
    },
    getPipeline: (id) => transport.request({ method: 'GET', path: idPath(id) }, pipelineSchema),
    pipelineEvents(id, params = {}) {
      const path = `${idPath(id)}/events`;
      return paginate(
        async (page_token) => {
          // Databricks refuses filter/order_by together with a page_token: the token carries them.
          const query = page_token ? { max_results: params.max_results, page_token } : { ...params };
          const res = await transport.request({ method: 'GET', path, query }, eventsResponse);
          return { items: res.events ?? [], nextPageToken: res.next_page_token };
        },
        { method: 'GET', path },
      );
    },
    startUpdate: (id, request = {}) =>
      transport.request(
        { method: 'POST', path: `${idPath(id)}/updates`, body: request },
        startUpdateResponse,
      ),
    async getUpdate(id, updateId) {
      const res = await transport.request(
        { method: 'GET', path: `${idPath(id)}/updates/${encodeURIComponent(updateId)}` },
        getUpdateResponse,
      );
      return res.update;
    },
    async stopPipeline(id) {
      await transport.request(
        { method: 'POST', path: `${idPath(id)}/stop`, body: {}, idempotent: true },
        empty,
      );
    },
  };
}
