import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDbWarehouse } from '../databricks/duckdb-warehouse.js';
import { ManualClock } from '../domain/clock.js';
import { exportScenario } from './sim-commands.js';

export interface ScenarioWarehouse {
  readonly warehouse: DuckDbWarehouse;
  /** The workspace clock, stopped at the end of the simulated period: "now" for every answer. */
  readonly clock: ManualClock;
  readonly name: string;
  /** The simulated workspace's id, which its rows carry: what questions about it filter by. */
  readonly workspaceId: string;
  close(): Promise<void>;
}

/**
 * A scenario played flat out into a temporary DuckDB file — exactly what `dbxops sim export` writes
 * for the same arguments — and opened read-only, with the clock at the end of the period.
 */
export async function openScenarioWarehouse(opts: {
  readonly scenario: string;
  readonly jobs?: number;
  readonly hours?: number;
  readonly seed: number;
}): Promise<ScenarioWarehouse> {
  const dir = await mkdtemp(join(tmpdir(), 'dbxops-ask-'));
  try {
    const out = join(dir, 'workspace.duckdb');
    const exported = await exportScenario({ ...opts, out, force: false });
    const clock = new ManualClock(exported.nowMs);
    const warehouse = await DuckDbWarehouse.openFile(out, { clock });
    return {
      warehouse,
      clock,
      name: exported.name,
      workspaceId: exported.workspaceId,
      async close() {
        await warehouse.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
