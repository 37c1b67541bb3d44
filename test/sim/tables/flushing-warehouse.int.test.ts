import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbWarehouse } from '../../../src/databricks/duckdb-warehouse.js';
import type { Warehouse } from '../../../src/databricks/warehouse.js';
import { SimWorkspace } from '../../../src/sim/engine/sim-workspace.js';
import { DuckDbSink } from '../../../src/sim/tables/duckdb-sink.js';
import { flushingWarehouse } from '../../../src/sim/tables/flushing-warehouse.js';
import { scenarioWith } from '../fixtures.js';

const START = Date.parse('2026-11-20T00:00:00Z');
const HOUR = 3_600_000;

let instance: DuckDBInstance;
let sink: DuckDbSink;
let workspace: SimWorkspace;
let warehouse: Warehouse;
beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  sink = await DuckDbSink.create(await instance.connect());
  workspace = new SimWorkspace({ scenario: scenarioWith(() => {}), seed: 3, sink });
  warehouse = flushingWarehouse(
    await DuckDbWarehouse.open(await instance.connect(), { clock: workspace.clock }),
    workspace,
  );
});
afterAll(async () => {
  await warehouse.close();
  await sink.close();
  instance.closeSync();
});

const count = async (table: string) =>
  Number((await warehouse.query(`SELECT count(*) AS n FROM ${table}`)).rows[0]?.n);

describe('the embedded warehouse over the simulated workspace', () => {
  it('answers every statement with every row written to the tables it reads, up to the simulated now', async () => {
    workspace.advanceTo(START + 3 * HOUR);
    const loads = await count('main.ops.etl_audit');
    expect(loads).toBe(workspace.rowsWritten('ops.etl_audit'));
    expect(loads).toBeGreaterThan(0);
    // Tables the first statement did not read are as complete when a later one reads them.
    expect(await count('system.lakeflow.job_run_timeline')).toBe(
      workspace.rowsWritten('lakeflow.job_run_timeline'),
    );
    expect(
      Number(
        (
          await warehouse.query(
            'SELECT count(*) AS n FROM system.lakeflow.job_task_run_timeline t JOIN main.ops.etl_audit a ON a.task_run_id = t.run_id',
          )
        ).rows[0]?.n,
      ),
    ).toBe(loads);
  });

  it('tells that a table is unchanged until the workspace writes to it again', async () => {
    const tables = ['main.ops.etl_audit', 'system.lakeflow.job_run_timeline'];
    const before = warehouse.contentVersion?.(tables);
    await count('main.ops.etl_audit');
    expect(warehouse.contentVersion?.(tables)).toBe(before);
    workspace.advanceTo(START + 5 * HOUR);
    expect(warehouse.contentVersion?.(tables)).not.toBe(before);
    // A table the workspace does not write has no version to compare: it is read every time.
    expect(warehouse.contentVersion?.(['system.meta.faults'])).toBeUndefined();
    expect(warehouse.contentVersion?.(['ops.etl_audit'])).toBeUndefined();
  });
});
