import {
  type QueryResult,
  type SqlParam,
  type Warehouse,
  WarehouseError,
} from '../../databricks/warehouse.js';
import { err, ok, type Result } from '../../domain/result.js';
import { type GuardedSql, type GuardRefusal, guardSql, type SqlGuardPolicy } from './sql-guard.js';

export type QueryRefusal = GuardRefusal | 'warehouse_error';

export interface GuardedResult {
  readonly guarded: GuardedSql;
  readonly result: QueryResult;
}

/**
 * The one way the analyst runs SQL: through the guard, then on the warehouse with the guard's row
 * limit and timeout. A statement the warehouse rejects comes back as a value carrying Databricks' own
 * message (and the SQL that was sent), never as a stack trace; anything else is a bug and throws.
 */
export async function runGuarded(
  warehouse: Warehouse,
  sql: string,
  params: Readonly<Record<string, SqlParam>>,
  policy: SqlGuardPolicy,
): Promise<Result<GuardedResult, QueryRefusal>> {
  const guarded = guardSql(sql, params, policy);
  if (!guarded.ok) return guarded;
  try {
    const result = await warehouse.query(guarded.value.sql, {
      params: guarded.value.params,
      rowLimit: guarded.value.rowLimit,
      timeoutMs: guarded.value.timeoutMs,
    });
    return ok({ guarded: guarded.value, result });
  } catch (error) {
    if (!(error instanceof WarehouseError)) throw error;
    return err('warehouse_error', error.message, {
      sql: guarded.value.sql,
      warehouseReason: error.reason,
      ...(error.errorCode === undefined ? {} : { errorCode: error.errorCode }),
    });
  }
}
