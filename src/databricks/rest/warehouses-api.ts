import { z } from 'zod';
import { openEnum } from './databricks-json.js';
import type { HttpTransport } from './http-transport.js';
import { paginate } from './paginate.js';

const WAREHOUSES = '/api/2.0/sql/warehouses';

const warehouseState = openEnum([
  'STARTING',
  'RUNNING',
  'STOPPING',
  'STOPPED',
  'DELETING',
  'DELETED',
] as const);

const customTags = z.looseObject({
  custom_tags: z.array(z.looseObject({ key: z.string(), value: z.string().optional() })).optional(),
});

/** Fields an edit sends (the full desired config); unknown fields pass through. */
const warehouseConfigSchema = z.looseObject({
  name: z.string().optional(),
  cluster_size: z.string().optional(),
  min_num_clusters: z.number().int().optional(),
  max_num_clusters: z.number().int().optional(),
  auto_stop_mins: z.number().int().optional(),
  enable_photon: z.boolean().optional(),
  enable_serverless_compute: z.boolean().optional(),
  warehouse_type: z.string().optional(),
  spot_instance_policy: z.string().optional(),
  channel: z.looseObject({ name: z.string().optional(), dbsql_version: z.string().optional() }).optional(),
  tags: customTags.optional(),
});

const warehouseSchema = warehouseConfigSchema.extend({
  id: z.string(),
  state: warehouseState.optional(),
  creator_name: z.string().optional(),
  num_clusters: z.number().optional(),
  num_active_sessions: z.number().optional(),
  health: z
    .looseObject({
      status: z.string().optional(),
      summary: z.string().optional(),
      details: z.string().optional(),
      failure_reason: z.looseObject({ code: z.string().optional(), type: z.string().optional() }).optional(),
    })
    .optional(),
  jdbc_url: z.string().optional(),
});

const listResponse = z.looseObject({
  warehouses: z.array(warehouseSchema).optional(),
  next_page_token: z.string().optional(),
});
const empty = z.looseObject({});

export type Warehouse = z.output<typeof warehouseSchema>;
type WarehouseConfig = z.input<typeof warehouseConfigSchema>;

/** SQL Warehouses API 2.0. */
export interface WarehousesApi {
  listWarehouses(params?: { page_size?: number | undefined }): AsyncGenerator<Warehouse, void, undefined>;
  getWarehouse(warehouseId: string): Promise<Warehouse>;
  /** Send the full desired config (GET, modify, POST): omitted fields may be reset by Databricks. */
  editWarehouse(warehouseId: string, config: WarehouseConfig): Promise<void>;
  startWarehouse(warehouseId: string): Promise<void>;
  stopWarehouse(warehouseId: string): Promise<void>;
}

const idPath = (id: string) => `${WAREHOUSES}/${encodeURIComponent(id)}`;

/** Builds the SQL Warehouses API over a transport. */
export function createWarehousesApi(transport: HttpTransport): WarehousesApi {
  const post = async (path: string, body: unknown): Promise<void> => {
    // Edit, start and stop converge on a target state: repeating them is harmless.
    await transport.request({ method: 'POST', path, body, idempotent: true }, empty);
  };
  return {
    listWarehouses(params = {}) {
      return paginate(
        async (page_token) => {
          const res = await transport.request(
            { method: 'GET', path: WAREHOUSES, query: { ...params, page_token } },
            listResponse,
          );
          return { items: res.warehouses ?? [], nextPageToken: res.next_page_token };
        },
        { method: 'GET', path: WAREHOUSES },
        (warehouse) => warehouse.id,
      );
    },
    getWarehouse: (id) => transport.request({ method: 'GET', path: idPath(id) }, warehouseSchema),
    editWarehouse: (id, config) => post(`${idPath(id)}/edit`, config),
    startWarehouse: (id) => post(`${idPath(id)}/start`, {}),
    stopWarehouse: (id) => post(`${idPath(id)}/stop`, {}),
  };
}
