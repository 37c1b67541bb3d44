import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Answer, createAnalyst } from '../../../src/agents/analyst/analyst.js';
import { exportScenario } from '../../../src/app/sim-commands.js';
import { DEFAULT_SCENARIO_FILE } from '../../../src/config/default-scenario-file.js';
import { defaultPolicy } from '../../../src/config/policy.js';
import { DuckDbWarehouse } from '../../../src/databricks/duckdb-warehouse.js';
import { ManualClock } from '../../../src/domain/clock.js';

/**
 * On a real account the system tables hold every workspace's rows. Here the demo scenario's export (seed
 * 42, 48 h) is workspace A, alone in one file and, in another, beside a copy of every one of its rows
 * under workspace B's id, with B's own ids, its job, warehouse and cluster names prefixed `other_` and
 * its queries run by someone else. A question about A answers exactly as if B were not there; the same question about B
 * answers B's.
 */

const OTHER_ID = '9000000000000009';
const OTHER_USER = 'someone@other.example';
const wallClock = new ManualClock(Date.UTC(2026, 0, 1));
let dir: string;
let alone: DuckDbWarehouse;
let shared: DuckDbWarehouse;
let clock: ManualClock;
let workspaceA: string;

/**
 * B's copy of one table's rows: B's id, B's own names where the table has them, and B's own job, run
 * and statement ids (ids are the workspace's: B's never meet A's in a join).
 */
const OTHER_VALUES: Readonly<Record<string, string>> = {
  name: `'other_' || name`,
  warehouse_name: `'other_' || warehouse_name`,
  cluster_name: `'other_' || cluster_name`,
  executed_by: `'${OTHER_USER}'`,
  job_id: `'9' || job_id`,
  run_id: `'9' || run_id`,
  job_run_id: `'9' || job_run_id`,
  statement_id: `'9' || statement_id`,
  entity_id: `'9' || entity_id`,
  usage_metadata: `struct_update(usage_metadata, job_id := '9' || usage_metadata.job_id)`,
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dbxops-two-workspaces-'));
  const onlyA = join(dir, 'a.duckdb');
  const both = join(dir, 'both.duckdb');
  const exported = await exportScenario({
    scenario: DEFAULT_SCENARIO_FILE,
    out: onlyA,
    seed: 42,
    force: false,
  });
  workspaceA = exported.workspaceId;
  clock = new ManualClock(exported.nowMs);

  const instance = await DuckDBInstance.create(':memory:');
  const db = await instance.connect();
  await db.run(`ATTACH '${onlyA}' AS a (READ_ONLY)`);
  await db.run(`ATTACH '${both}' AS b`);
  await db.run('COPY FROM DATABASE a TO b');
  const columns = (
    await db.runAndReadAll(
      `SELECT table_schema, table_name, column_name FROM information_schema.columns
       WHERE table_catalog = 'b' ORDER BY table_schema, table_name, ordinal_position`,
    )
  ).getRowObjectsJson() as { table_schema: string; table_name: string; column_name: string }[];
  const tables = new Map<string, string[]>();
  for (const c of columns) {
    const key = `b.${c.table_schema}.${c.table_name}`;
    tables.set(key, [...(tables.get(key) ?? []), c.column_name]);
  }
  for (const [table, names] of tables) {
    if (!names.includes('workspace_id')) continue;
    const replaced = [
      `'${OTHER_ID}' AS workspace_id`,
      ...names.filter((n) => OTHER_VALUES[n] !== undefined).map((n) => `${OTHER_VALUES[n]} AS ${n}`),
    ];
    await db.run(
      `INSERT INTO ${table} SELECT * REPLACE (${replaced.join(', ')}) FROM ${table} WHERE workspace_id = '${workspaceA}'`,
    );
  }
  db.closeSync();
  instance.closeSync();

  alone = await DuckDbWarehouse.openFile(onlyA, { clock });
  shared = await DuckDbWarehouse.openFile(both, { clock });
}, 180_000);

afterAll(async () => {
  await alone?.close();
  await shared?.close();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

const ask = (warehouse: DuckDbWarehouse, workspaceId: string, text: string): Promise<Answer> =>
  createAnalyst({ warehouse, workspaceId, clock, wallClock, policy: defaultPolicy() }).ask({ text });

const QUESTIONS = [
  'what failed this week?',
  'failures by team this week',
  'most expensive jobs this week',
  'spend by team week over week',
  'most expensive queries this week',
  'who spends the most warehouse time this week?',
  'idle warehouses',
  'warehouses without auto-stop',
  'clusters without auto-termination',
  'which SLAs did we miss this week?',
  'why did finance_orders_daily fail?',
  'how is finance_orders_daily doing?',
  'is finance_orders_daily getting slower?',
  'who read or changed main.finance.orders?',
  'what is downstream of main.finance.orders?',
];

describe("a question about one workspace reads none of the account's other workspaces", () => {
  it.each(QUESTIONS)('"%s" about A answers as if B were not in the tables', async (question) => {
    const without = await ask(alone, workspaceA, question);
    const beside = await ask(shared, workspaceA, question);
    expect(without.outcome).toBe('answered');
    expect(beside.summary).toBe(without.summary);
    expect(beside.rows).toEqual(without.rows);
    expect(JSON.stringify(beside.rows)).not.toMatch(/other_|someone@other/);
  });

  it("answers the same questions about B with B's jobs, queries and warehouses", async () => {
    const failures = await ask(shared, OTHER_ID, 'what failed this week?');
    const jobs = failures.rows.map((r) => String(r[0]));
    expect(jobs.length).toBeGreaterThan(0);
    expect(jobs.every((j) => j.startsWith('other_'))).toBe(true);

    const cost = await ask(shared, OTHER_ID, 'most expensive jobs this week');
    const fromA = await ask(alone, workspaceA, 'most expensive jobs this week');
    expect(cost.rows.every((r) => String(r[0]).startsWith('other_'))).toBe(true);
    // B's rows are a copy of A's: the same spend, under B's names.
    expect(cost.rows.map((r) => r[2])).toEqual(fromA.rows.map((r) => r[2]));

    const slowest = await ask(shared, OTHER_ID, 'most expensive queries this week');
    expect(slowest.rows.length).toBeGreaterThan(0);
    expect(slowest.summary).toContain(OTHER_USER);
    expect(slowest.rows.every((r) => r[1] === OTHER_USER)).toBe(true);
  });

  it("matches a job's name only among the workspace's own jobs", async () => {
    const answer = await ask(shared, workspaceA, 'why did other_finance_orders_daily fail?');
    expect(answer.outcome).not.toBe('answered');
    expect(answer.summary).not.toMatch(/other_finance_orders_daily (last failed|did not fail)/);
  });
});
