/**
 * The contract between the simulator's engine (which decides what happened) and the system tables
 * (which record it, in DuckDB). The engine appends rows; the sink stores them under Databricks' names.
 *
 * Row conventions (the engine writes these; the DuckDB sink converts):
 * - keys are the Databricks column names exactly (`usage_quantity`, `period_start_time`, …);
 *   a column the engine omits is NULL;
 * - `timestamp` columns: epoch milliseconds (number), UTC;
 * - `date` columns: `'YYYY-MM-DD'` strings;
 * - `map<string,string>` columns: plain objects `{ key: value }`;
 * - `struct<…>` columns: nested plain objects with the struct's field names (missing fields NULL);
 * - `array<…>` columns: arrays;
 * - `decimal` columns: numbers; `bigint`/`int`: numbers; ids that Databricks types as string: strings.
 */
export const SYSTEM_TABLES = [
  'billing.usage',
  'billing.list_prices',
  'lakeflow.jobs',
  'lakeflow.job_tasks',
  'lakeflow.job_run_timeline',
  'lakeflow.job_task_run_timeline',
  'lakeflow.pipelines',
  'lakeflow.pipeline_update_timeline',
  'compute.clusters',
  'compute.node_timeline',
  'compute.node_types',
  'compute.warehouses',
  'compute.warehouse_events',
  'query.history',
  'access.audit',
  'access.table_lineage',
  'access.column_lineage',
  'access.workspaces_latest',
  'information_schema.table_privileges',
] as const;

type SystemTableName = (typeof SYSTEM_TABLES)[number];

/**
 * Tables that are not Databricks system tables but customer tables the simulated teams keep, written
 * by their ETL jobs. Referenced in SQL by their Unity Catalog names (`main.ops.etl_audit`).
 * `ops.etl_audit` columns: table_full_name string, job_id string, run_id string (job run), task_key
 * string, task_run_id string, rows_written bigint, load_time timestamp, status string ('SUCCEEDED'|'FAILED').
 */
export const WORKSPACE_TABLES = ['ops.etl_audit'] as const;

type WorkspaceTableName = (typeof WORKSPACE_TABLES)[number];

export type SinkTableName = SystemTableName | WorkspaceTableName;

export type SystemTableRow = Record<string, unknown>;

export interface SystemTableSink {
  /** Appends rows to one table. Order within a table is preserved. May buffer; `flush` makes rows queryable. */
  append(table: SinkTableName, rows: readonly SystemTableRow[]): void;
  /** Makes the rows of `tables` queryable (of every table when not given; a sink may do more). */
  flush(tables?: readonly SinkTableName[]): Promise<void>;
}
