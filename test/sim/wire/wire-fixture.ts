import { DuckDBInstance } from '@duckdb/node-api';
import { DuckDbWarehouse } from '../../../src/databricks/duckdb-warehouse.js';
import { SimWorkspace } from '../../../src/sim/engine/sim-workspace.js';
import type { ScenarioInput } from '../../../src/sim/scenario/schema.js';
import { DuckDbSink } from '../../../src/sim/tables/duckdb-sink.js';
import { scenarioWith } from '../fixtures.js';

export const TOKEN = 'dapi-sim-0000';
const BASE = Date.UTC(2026, 10, 20, 0);

/** A simulated workspace that has run a few hours, its system tables in DuckDB, and a warehouse on them. */
export interface SimWithTables {
  readonly workspace: SimWorkspace;
  /** What the wire servers execute on. */
  readonly warehouse: DuckDbWarehouse;
  /** A second warehouse on the same tables: the embedded implementation the contract compares with. */
  readonly direct: DuckDbWarehouse;
  readonly warehouseId: string;
  close(): Promise<void>;
}

/** Fixed rows with every shape the contract compares: maps, structs, decimals, NULLs, timestamps, quotes. */
function fixedRows(sink: DuckDbSink): void {
  sink.append(
    'billing.usage',
    Array.from({ length: 12 }, (_, i) => ({
      record_id: `fixed-${i}`,
      account_id: 'acc',
      workspace_id: '1234567890123456',
      sku_name:
        i % 3 === 0 ? 'PREMIUM_JOBS_COMPUTE' : i % 3 === 1 ? 'PREMIUM_SQL_PRO_COMPUTE' : "it's «special»",
      cloud: 'AWS',
      usage_start_time: BASE + i * 3_600_000,
      usage_end_time: BASE + (i + 1) * 3_600_000,
      usage_date: '2026-11-20',
      custom_tags:
        i % 4 === 0 ? {} : { team: i % 2 === 0 ? 'finance' : 'data', cost_center: `CC-${100 + i}` },
      usage_unit: 'DBU',
      usage_quantity: i === 5 ? null : 0.125 * (i + 1),
      usage_metadata: { job_id: i % 2 === 0 ? `${900 + i}` : null, warehouse_id: null, cluster_id: null },
      record_type: 'ORIGINAL',
    })),
  );
}

/** Builds the workspace from the shared unit scenario plus one SQL warehouse, and runs it `hours`. */
export async function simWithTables(
  hours = 4,
  change: (s: ScenarioInput) => void = () => {},
): Promise<SimWithTables> {
  const instance = await DuckDBInstance.create(':memory:');
  const sinkConnection = await instance.connect();
  const duckSink = await DuckDbSink.create(sinkConnection);
  const scenario = scenarioWith((s) => {
    s.warehouses = [
      {
        name: 'bi',
        team: 'finance',
        owner: 'alice@example.com',
        size: 'Small',
        type: 'PRO',
        queries_per_hour: 20,
        business_hours: [0, 24],
      },
    ];
    change(s);
  });
  const workspace = new SimWorkspace({ scenario, seed: 7, sink: duckSink });
  for (let h = 1; h <= hours; h++) workspace.advanceTo(workspace.startMs + h * 3_600_000);
  fixedRows(duckSink);
  await duckSink.flush();
  const warehouse = await DuckDbWarehouse.open(await instance.connect(), { clock: workspace.clock });
  const direct = await DuckDbWarehouse.open(await instance.connect(), { clock: workspace.clock });
  const warehouseId = [...workspace.warehouses.byId.keys()][0] ?? '';
  return {
    workspace,
    warehouse,
    direct,
    warehouseId,
    async close() {
      await warehouse.close();
      await direct.close();
      await duckSink.close();
      sinkConnection.closeSync();
      instance.closeSync();
    },
  };
}
