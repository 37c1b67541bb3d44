import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DatabricksSqlWarehouse } from '../../../src/databricks/databricks-sql-warehouse.js';
import { startWireServer } from '../../../src/sim/wire/start-wire-server.js';
import { ensureLocalTls } from '../../../src/sim/wire/tls.js';
import { type SimWithTables, simWithTables, TOKEN } from '../../sim/wire/wire-fixture.js';

let sim: SimWithTables | undefined;

afterAll(async () => {
  await sim?.close();
});

describe('closing a @databricks/sql warehouse', () => {
  it('gives up within seconds when the warehouse has gone away, so shutdown never hangs', async () => {
    sim = await simWithTables(1);
    const tls = await ensureLocalTls({ dir: mkdtempSync(join(tmpdir(), 'dbxops-tls-')) });
    const wire = await startWireServer({ workspace: sim.workspace, warehouse: sim.warehouse, tls });
    const warehouse = new DatabricksSqlWarehouse({
      host: new URL(wire.url).hostname,
      port: wire.port,
      path: wire.warehousePath(sim.warehouseId),
      auth: { kind: 'pat', token: TOKEN },
      caCert: tls.caCert,
    });
    expect((await warehouse.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    await wire.close();

    // Without a bound the driver retries the dead session for minutes, past this test's minute.
    await expect(warehouse.close()).resolves.toBeUndefined();
  }, 60_000);
});
