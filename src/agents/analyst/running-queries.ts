import type { DatabricksClient } from '../../databricks/rest/databricks-client.js';
import type { Row } from './intent-queries.js';

/**
 * Statements running or queued now. `system.query.history` records a statement once it has finished,
 * so "what is running long right now" is read from the Query History API instead (as the runaway
 * detector does); the answer shows that call where others show their SQL.
 */
export const RUNNING_QUERIES_CALL =
  '-- Running statements are not in system.query.history until they finish; read from the Query History API:\n' +
  'GET /api/2.0/sql/history/queries?filter_by.statuses=RUNNING&filter_by.statuses=QUEUED';

/** Columns in the order the answer shows them, the same as the system-table template's. */
export const RUNNING_QUERY_COLUMNS = [
  'statement_id',
  'executed_by',
  'status',
  'warehouse_id',
  'start_time',
  'minutes',
  'statement',
];

/**
 * The statements running or queued for at least `minMinutes` at `nowMs` (workspace clock), longest first;
 * 0 lists every one ("how many queries are running right now").
 */
export async function runningQueries(
  client: DatabricksClient,
  nowMs: number,
  minMinutes: number,
): Promise<Row[]> {
  const rows: Row[] = [];
  for await (const q of client.queryHistory.listQueries({
    filter_by: {
      statuses: ['RUNNING', 'QUEUED'],
      query_start_time_range: { start_time_ms: nowMs - 7 * 86_400_000, end_time_ms: nowMs },
    },
    max_results: 500,
  })) {
    const start = q.query_start_time_ms ?? nowMs;
    const minutes = Math.round((nowMs - start) / 6_000) / 10;
    if (minutes < minMinutes) continue;
    rows.push({
      statement_id: q.query_id,
      executed_by: q.user_name ?? null,
      status: q.status ?? null,
      warehouse_id: q.warehouse_id ?? q.endpoint_id ?? null,
      start_time: new Date(start).toISOString(),
      minutes,
      statement: (q.query_text ?? '').slice(0, 120),
    });
  }
  return rows.sort((a, b) => Number(b.minutes) - Number(a.minutes));
}
