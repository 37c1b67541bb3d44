import type { Clock } from '../domain/clock.js';
import { ConfigError } from '../domain/errors.js';
import type { DatabricksSqlAuth } from './databricks-sql-warehouse.js';
import type { HttpTransport } from './rest/http-transport.js';
import { StatementExecutionWarehouse } from './statement-execution-warehouse.js';
import type { Warehouse } from './warehouse.js';

/** Which `Warehouse` runs the bot's SQL, and what it needs. */
export type WarehouseConfig =
  /** The embedded workspace's DuckDB file (the default without configuration). */
  | { readonly kind: 'duckdb'; readonly path: string; readonly clock: Clock }
  /** `@databricks/sql` over Thrift: the default for a real workspace. */
  | {
      readonly kind: 'thrift';
      readonly host: string;
      readonly port?: number;
      readonly warehouseId: string;
      /** Overrides `/sql/1.0/warehouses/<warehouseId>`. */
      readonly httpPath?: string;
      readonly auth: DatabricksSqlAuth;
      readonly caCert?: string | Buffer;
    }
  /** The Statement Execution REST API, where the Thrift endpoint is not reachable. */
  | { readonly kind: 'statement-execution'; readonly transport: HttpTransport; readonly warehouseId: string };

const WAREHOUSE_ID = /^[A-Za-z0-9]{1,64}$/;

/**
 * Builds the `Warehouse` the configuration names. Refuses a malformed warehouse id with `ConfigError`.
 * DuckDB and the Thrift driver are loaded only by the configuration that uses them.
 */
export async function createWarehouse(config: WarehouseConfig): Promise<Warehouse> {
  if (config.kind === 'duckdb') {
    const { DuckDbWarehouse } = await import('./duckdb-warehouse.js');
    return DuckDbWarehouse.openFile(config.path, { clock: config.clock });
  }
  if (!WAREHOUSE_ID.test(config.warehouseId)) {
    throw new ConfigError(
      `The SQL warehouse id ${JSON.stringify(config.warehouseId)} is not valid; copy it from the warehouse's Connection details (16 hex characters).`,
      { warehouseId: config.warehouseId },
    );
  }
  if (config.kind === 'statement-execution') {
    return new StatementExecutionWarehouse({ transport: config.transport, warehouseId: config.warehouseId });
  }
  const { DatabricksSqlWarehouse } = await import('./databricks-sql-warehouse.js');
  return new DatabricksSqlWarehouse({
    host: config.host,
    ...(config.port === undefined ? {} : { port: config.port }),
    path: config.httpPath ?? `/sql/1.0/warehouses/${config.warehouseId}`,
    auth: config.auth,
    ...(config.caCert === undefined ? {} : { caCert: config.caCert }),
  });
}
