import type { ClusterSpec } from '../engine/model.js';
import {
  clusterJson,
  decodeOffset,
  encodeOffset,
  pipelineEventJson,
  pipelineJson,
  pipelineUpdateJson,
  queryInfoJson,
  queryStatus,
  warehouseJson,
} from '../engine/rest-views.js';
import { invalidParam } from '../engine/sim-api-error.js';
import type { WarehouseConfig } from '../engine/warehouse-fleet.js';
import { WAREHOUSE_SIZES } from '../scenario/schema.js';
import { boolParam, intParam, objectParam, stringArrayParam, stringParam } from './params.js';
import type { RouteContext, SimRoute } from './route.js';

function offsetFrom(ctx: RouteContext): number {
  const token = stringParam(ctx, 'page_token', true);
  if (token === undefined || token === '') return 0;
  const offset = decodeOffset(token);
  if (offset === undefined) throw invalidParam(`Invalid page_token: ${token.slice(0, 64)}`);
  return offset;
}

function clusterIdOf(ctx: RouteContext): string {
  return stringParam(ctx, 'cluster_id');
}

const C = String.raw`^/api/2\.[01]/clusters`;
const W = String.raw`^/api/2\.0/sql/warehouses`;
const P = String.raw`^/api/2\.0/pipelines`;
const ID = '([A-Za-z0-9-]{1,64})';

/** Clusters API 2.0/2.1 (docs/databricks.md, REST calls). */
export const clusterRoutes: SimRoute[] = [
  {
    method: 'GET',
    pattern: new RegExp(`${C}/list$`),
    handle(ctx) {
      const size = intParam(ctx, 'page_size', 0, 0, 10_000);
      const states = ctx.query.getAll('filter_by.cluster_states');
      const sources = ctx.query.getAll('filter_by.cluster_sources');
      let clusters = [...ctx.workspace.clusters.byId.values()];
      if (states.length > 0) clusters = clusters.filter((c) => states.includes(c.state));
      if (sources.length > 0) clusters = clusters.filter((c) => sources.includes(c.source));
      if (size === 0)
        return { body: { clusters: clusters.map((c) => clusterJson(c, ctx.workspace.clusters.cloud)) } };
      const offset = offsetFrom(ctx);
      const body: Record<string, unknown> = {
        clusters: clusters
          .slice(offset, offset + size)
          .map((c) => clusterJson(c, ctx.workspace.clusters.cloud)),
      };
      if (offset + size < clusters.length) body.next_page_token = encodeOffset(offset + size);
      if (offset > 0) body.prev_page_token = encodeOffset(Math.max(0, offset - size));
      return { body };
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`${C}/get$`),
    handle(ctx) {
      return {
        body: clusterJson(ctx.workspace.clusters.get(clusterIdOf(ctx)), ctx.workspace.clusters.cloud),
      };
    },
  },
  {
    method: 'POST',
    pattern: new RegExp(`${C}/events$`),
    handle(ctx) {
      const c = ctx.workspace.clusters.get(clusterIdOf(ctx));
      const now = ctx.workspace.now();
      const order = stringParam(ctx, 'order', true) ?? 'DESC';
      if (order !== 'ASC' && order !== 'DESC') throw invalidParam('order must be ASC or DESC');
      const types = stringArrayParam(ctx, 'event_types');
      const from = intParam(ctx, 'start_time', 0, 0, Number.MAX_SAFE_INTEGER);
      const to = intParam(ctx, 'end_time', now, 0, Number.MAX_SAFE_INTEGER);
      const pageSize =
        ctx.body.page_size !== undefined
          ? intParam(ctx, 'page_size', 50, 1, 500)
          : intParam(ctx, 'limit', 50, 1, 500);
      const token = stringParam(ctx, 'page_token', true);
      const offset = token
        ? (decodeOffset(token) ?? invalidOffset(token))
        : intParam(ctx, 'offset', 0, 0, 1_000_000);
      let events = c.events.filter((e) => e.timestamp <= now && e.timestamp >= from && e.timestamp <= to);
      if (types) events = events.filter((e) => types.includes(e.type));
      events = [...events].sort((a, b) =>
        order === 'ASC' ? a.timestamp - b.timestamp : b.timestamp - a.timestamp,
      );
      const page = events.slice(offset, offset + pageSize);
      const body: Record<string, unknown> = { events: page, total_count: events.length };
      if (offset + pageSize < events.length) {
        body.next_page_token = encodeOffset(offset + pageSize);
        // Legacy pagination: the whole request body for the next call.
        body.next_page = { ...ctx.body, cluster_id: c.clusterId, offset: offset + pageSize, limit: pageSize };
      }
      if (offset > 0) body.prev_page_token = encodeOffset(Math.max(0, offset - pageSize));
      return { body };
    },
  },
  {
    method: 'POST',
    pattern: new RegExp(`${C}/edit$`),
    handle(ctx) {
      const id = clusterIdOf(ctx);
      const sparkVersion = stringParam(ctx, 'spark_version');
      const nodeType = stringParam(ctx, 'node_type_id', true);
      const current = ctx.workspace.clusters.get(id);
      const workers =
        ctx.body.num_workers === undefined ? undefined : intParam(ctx, 'num_workers', 0, 0, 100_000);
      const autoterm =
        ctx.body.autotermination_minutes === undefined
          ? undefined
          : intParam(ctx, 'autotermination_minutes', 0, 0, 43_200);
      const spec: ClusterSpec & { autotermination_minutes?: number; cluster_name?: string } = {
        spark_version: sparkVersion,
        node_type_id: nodeType ?? current.spec.node_type_id,
        driver_node_type_id:
          stringParam(ctx, 'driver_node_type_id', true) ?? nodeType ?? current.spec.node_type_id,
        custom_tags: (objectParam(ctx, 'custom_tags') as Record<string, string> | undefined) ?? {},
      };
      // An autoscaling spec sizes the cluster by its range: a worker count beside it (what clusters/get
      // reads back as the workers of the moment) does not pin it.
      const autoscale = objectParam(ctx, 'autoscale');
      if (autoscale) spec.autoscale = autoscale as { min_workers: number; max_workers: number };
      else spec.num_workers = workers ?? 0;
      // Spot or on-demand: kept as sent, and read back by the cluster (a spot loss spares on-demand nodes).
      for (const key of ['aws_attributes', 'azure_attributes', 'gcp_attributes'] as const) {
        const attributes = objectParam(ctx, key);
        if (attributes === undefined) continue;
        const { availability, first_on_demand: first } = attributes;
        if (
          availability !== undefined &&
          (typeof availability !== 'string' || !/^[A-Z_]{1,40}$/.test(availability))
        )
          throw invalidParam(`Invalid value for ${key}.availability`);
        if (
          first !== undefined &&
          (!Number.isInteger(first) || (first as number) < 0 || (first as number) > 100_000)
        )
          throw invalidParam(`Invalid value for ${key}.first_on_demand: expected a whole number ≥ 0`);
        spec[key] = attributes;
      }
      if (autoterm !== undefined) spec.autotermination_minutes = autoterm;
      const name = stringParam(ctx, 'cluster_name', true);
      if (name !== undefined) spec.cluster_name = name;
      ctx.workspace.clusters.edit(id, spec, ctx.user);
      return { body: {} };
    },
  },
  {
    method: 'POST',
    pattern: new RegExp(`${C}/resize$`),
    handle(ctx) {
      const id = clusterIdOf(ctx);
      const autoscale = objectParam(ctx, 'autoscale');
      const workers = autoscale
        ? Number(autoscale.min_workers)
        : intParam(ctx, 'num_workers', -1, 0, 100_000);
      if (!Number.isInteger(workers) || workers < 0)
        throw invalidParam('Either num_workers or autoscale must be set');
      ctx.workspace.clusters.resize(id, workers, ctx.user);
      return { body: {} };
    },
  },
  {
    method: 'POST',
    pattern: new RegExp(`${C}/restart$`),
    handle(ctx) {
      ctx.workspace.clusters.restart(clusterIdOf(ctx), ctx.user);
      return { body: {} };
    },
  },
  {
    method: 'POST',
    pattern: new RegExp(`${C}/start$`),
    handle(ctx) {
      ctx.workspace.clusters.start(clusterIdOf(ctx), ctx.user);
      return { body: {} };
    },
  },
  {
    method: 'POST',
    pattern: new RegExp(`${C}/delete$`),
    handle(ctx) {
      ctx.workspace.clusters.terminate(clusterIdOf(ctx), ctx.user);
      return { body: {} };
    },
  },
];

function invalidOffset(token: string): never {
  throw invalidParam(`Invalid page_token: ${token.slice(0, 64)}`);
}

/** SQL Warehouses API 2.0 (docs/databricks.md, REST calls). */
export const warehouseRoutes: SimRoute[] = [
  {
    method: 'GET',
    pattern: new RegExp(`${W}$`),
    handle(ctx) {
      const all = [...ctx.workspace.warehouses.byId.values()].filter((w) => w.state !== 'DELETED');
      return { body: { warehouses: all.map((w) => warehouseJson(ctx.workspace, w)) } };
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`${W}/${ID}$`),
    handle(ctx) {
      return { body: warehouseJson(ctx.workspace, ctx.workspace.warehouses.get(ctx.params[0] ?? '')) };
    },
  },
  {
    method: 'POST',
    pattern: new RegExp(`${W}/${ID}/start$`),
    handle(ctx) {
      ctx.workspace.warehouses.start(ctx.params[0] ?? '', ctx.user);
      return { body: {} };
    },
  },
  {
    method: 'POST',
    pattern: new RegExp(`${W}/${ID}/stop$`),
    handle(ctx) {
      ctx.workspace.warehouses.stop(ctx.params[0] ?? '', ctx.user);
      return { body: {} };
    },
  },
  {
    method: 'POST',
    pattern: new RegExp(`${W}/${ID}/edit$`),
    handle(ctx) {
      const patch: Partial<WarehouseConfig> = {};
      const size = stringParam(ctx, 'cluster_size', true);
      if (size !== undefined) {
        if (!(WAREHOUSE_SIZES as readonly string[]).includes(size)) {
          throw invalidParam(`Invalid cluster_size ${size}: must be one of ${WAREHOUSE_SIZES.join(', ')}`);
        }
        patch.cluster_size = size;
      }
      if (ctx.body.min_num_clusters !== undefined)
        patch.min_num_clusters = intParam(ctx, 'min_num_clusters', 1, 1, 30);
      if (ctx.body.max_num_clusters !== undefined)
        patch.max_num_clusters = intParam(ctx, 'max_num_clusters', 1, 1, 40);
      if (ctx.body.auto_stop_mins !== undefined)
        patch.auto_stop_mins = intParam(ctx, 'auto_stop_mins', 0, 0, 100_000);
      const name = stringParam(ctx, 'name', true);
      if (name !== undefined) patch.name = name;
      if (ctx.body.enable_photon !== undefined) patch.enable_photon = boolParam(ctx, 'enable_photon');
      const tags = objectParam(ctx, 'tags');
      if (tags && Array.isArray(tags.custom_tags)) {
        patch.tags = Object.fromEntries(
          (tags.custom_tags as { key?: unknown; value?: unknown }[]).map((t) => [
            String(t.key),
            String(t.value),
          ]),
        );
      }
      ctx.workspace.warehouses.edit(ctx.params[0] ?? '', patch, ctx.user);
      return { body: {} };
    },
  },
];

/** Pipelines (DLT) API 2.0 (docs/databricks.md, REST calls). */
export const pipelineRoutes: SimRoute[] = [
  {
    method: 'GET',
    pattern: new RegExp(`${P}$`),
    handle(ctx) {
      const max = intParam(ctx, 'max_results', 25, 1, 100);
      const filter = stringParam(ctx, 'filter', true);
      const now = ctx.workspace.now();
      const fleet = ctx.workspace.pipelines;
      let all = [...fleet.byId.values()];
      const like = filter ? /name\s+LIKE\s+'([^']*)'/i.exec(filter) : null;
      if (filter && !like) throw invalidParam(`Unsupported filter: ${filter.slice(0, 100)}`);
      if (like?.[1] !== undefined) {
        const re = new RegExp(
          `^${like[1]
            .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
            .replace(/%/g, '.*')
            .replace(/_/g, '.')}$`,
          'i',
        );
        all = all.filter((p) => re.test(p.spec.name));
      }
      const offset = offsetFrom(ctx);
      const body: Record<string, unknown> = {
        statuses: all.slice(offset, offset + max).map((p) => pipelineJson(fleet, p, now, false)),
      };
      if (offset + max < all.length) body.next_page_token = encodeOffset(offset + max);
      return { body };
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`${P}/${ID}$`),
    handle(ctx) {
      const fleet = ctx.workspace.pipelines;
      return { body: pipelineJson(fleet, fleet.get(ctx.params[0] ?? ''), ctx.workspace.now(), true) };
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`${P}/${ID}/events$`),
    handle(ctx) {
      const fleet = ctx.workspace.pipelines;
      const p = fleet.get(ctx.params[0] ?? '');
      const max = intParam(ctx, 'max_results', 25, 1, 250);
      const now = ctx.workspace.now();
      let events = p.events.filter((e) => e.timestampMs <= now);
      const filter = stringParam(ctx, 'filter', true);
      if (filter) {
        const level = /level\s*=\s*'(\w+)'/i.exec(filter);
        const levels = /level\s+in\s*\(([^)]*)\)/i.exec(filter);
        const after = /timestamp\s*>\s*'([^']+)'/i.exec(filter);
        if (!level && !levels && !after) throw invalidParam(`Unsupported filter: ${filter.slice(0, 100)}`);
        if (level?.[1]) events = events.filter((e) => e.level === level[1]?.toUpperCase());
        if (levels?.[1]) {
          const set = new Set(levels[1].split(',').map((s) => s.trim().replace(/'/g, '').toUpperCase()));
          events = events.filter((e) => set.has(e.level));
        }
        if (after?.[1]) {
          const t = Date.parse(after[1]);
          events = events.filter((e) => e.timestampMs > t);
        }
      }
      const asc = (ctx.query.get('order_by') ?? '').toLowerCase().includes('asc');
      events = [...events].sort((a, b) =>
        asc ? a.timestampMs - b.timestampMs : b.timestampMs - a.timestampMs,
      );
      const offset = offsetFrom(ctx);
      const body: Record<string, unknown> = {
        events: events.slice(offset, offset + max).map(pipelineEventJson),
      };
      if (offset + max < events.length) body.next_page_token = encodeOffset(offset + max);
      if (offset > 0) body.prev_page_token = encodeOffset(Math.max(0, offset - max));
      return { body };
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`${P}/${ID}/updates$`),
    handle(ctx) {
      const fleet = ctx.workspace.pipelines;
      const p = fleet.get(ctx.params[0] ?? '');
      const now = ctx.workspace.now();
      const max = intParam(ctx, 'max_results', 25, 1, 100);
      const all = [...p.updates].reverse().filter((u) => u.createdAt <= now);
      const offset = offsetFrom(ctx);
      const body: Record<string, unknown> = {
        updates: all.slice(offset, offset + max).map((u) => pipelineUpdateJson(fleet, u, now)),
      };
      if (offset + max < all.length) body.next_page_token = encodeOffset(offset + max);
      return { body };
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`${P}/${ID}/updates/${ID}$`),
    handle(ctx) {
      const fleet = ctx.workspace.pipelines;
      const p = fleet.get(ctx.params[0] ?? '');
      const u = p.updates.find((x) => x.updateId === ctx.params[1]);
      if (!u) throw invalidParam(`Update ${ctx.params[1]} does not exist in pipeline ${p.pipelineId}.`);
      return { body: { update: pipelineUpdateJson(fleet, u, ctx.workspace.now()) } };
    },
  },
  {
    method: 'POST',
    pattern: new RegExp(`${P}/${ID}/updates$`),
    handle(ctx) {
      const u = ctx.workspace.pipelines.startUpdate(ctx.params[0] ?? '', {
        cause: 'API_CALL',
        user: ctx.user,
        fullRefresh: boolParam(ctx, 'full_refresh'),
      });
      return { body: { update_id: u.updateId } };
    },
  },
  {
    method: 'POST',
    pattern: new RegExp(`${P}/${ID}/stop$`),
    handle(ctx) {
      ctx.workspace.pipelines.stop(ctx.params[0] ?? '', ctx.user);
      return { body: {} };
    },
  },
];

/** Query History API 2.0 (docs/databricks.md, REST calls): query string or (older clients) a JSON body on GET. */
export const queryHistoryRoutes: SimRoute[] = [
  {
    method: 'GET',
    pattern: /^\/api\/2\.0\/sql\/history\/queries$/,
    handle(ctx) {
      const max = intParam(ctx, 'max_results', 100, 1, 999);
      const filter = (objectParam(ctx, 'filter_by') ?? {}) as Record<string, unknown>;
      const list = (name: string): string[] => {
        const fromBody = filter[name];
        if (Array.isArray(fromBody)) return fromBody.map(String);
        return ctx.query.getAll(`filter_by.${name}`);
      };
      const range = (filter.query_start_time_range ?? {}) as Record<string, unknown>;
      const fromMs = Number(
        range.start_time_ms ?? ctx.query.get('filter_by.query_start_time_range.start_time_ms') ?? 0,
      );
      const toMs = Number(
        range.end_time_ms ??
          ctx.query.get('filter_by.query_start_time_range.end_time_ms') ??
          Number.MAX_SAFE_INTEGER,
      );
      if (!Number.isFinite(fromMs) || !Number.isFinite(toMs))
        throw invalidParam('query_start_time_range must be epoch milliseconds');
      const statuses = list('statuses');
      const warehouses = list('warehouse_ids');
      const users = list('user_ids');
      const statements = list('statement_ids');
      const now = ctx.workspace.now();
      const metrics = boolParam(ctx, 'include_metrics');
      // Filtered by status before each statement becomes JSON: a poll for the running ones would
      // otherwise build the JSON of every statement of the period, a cost that grew with the hours.
      let all = ctx.workspace.warehouses
        .allQueries()
        .filter(
          (q) =>
            q.startMs <= now &&
            q.startMs >= fromMs &&
            q.startMs <= toMs &&
            (statuses.length === 0 || statuses.includes(queryStatus(q, now))),
        )
        .map((q) => queryInfoJson(q, now, metrics));
      if (warehouses.length > 0) all = all.filter((q) => warehouses.includes(String(q.warehouse_id)));
      if (users.length > 0)
        all = all.filter((q) => users.includes(String(q.user_id)) || users.includes(String(q.user_name)));
      if (statements.length > 0) all = all.filter((q) => statements.includes(String(q.query_id)));
      all.sort(
        (a, b) =>
          Number(b.query_start_time_ms) - Number(a.query_start_time_ms) ||
          String(a.query_id).localeCompare(String(b.query_id)),
      );
      const offset = offsetFrom(ctx);
      const page = all.slice(offset, offset + max);
      const more = offset + max < all.length;
      const body: Record<string, unknown> = { res: page, has_next_page: more };
      if (more) body.next_page_token = encodeOffset(offset + max);
      return { body };
    },
  },
];
