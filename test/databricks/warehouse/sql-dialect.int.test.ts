import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbWarehouse } from '../../../src/databricks/duckdb-warehouse.js';
import { assertReadOnly, translateDatabricksSql } from '../../../src/databricks/sql-dialect.js';
import { WarehouseError } from '../../../src/databricks/warehouse.js';
import { ManualClock } from '../../../src/domain/clock.js';
import { DuckDbSink } from '../../../src/sim/tables/duckdb-sink.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** 2026-11-20T12:00:00Z — the simulated clock's now. */
const NOW = Date.UTC(2026, 10, 20, 12);

let instance: DuckDBInstance;
let sinkConnection: DuckDBConnection;
let warehouse: DuckDbWarehouse;

const run = (job_id: string, run_id: string, start: number, end: number, result_state: string | null) => ({
  workspace_id: 'w1',
  job_id,
  run_id,
  period_start_time: start,
  period_end_time: end,
  result_state,
  termination_code:
    result_state === 'SUCCEEDED' ? 'SUCCESS' : result_state === null ? null : 'RUN_EXECUTION_ERROR',
});

beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  sinkConnection = await instance.connect();
  const sink = await DuckDbSink.create(sinkConnection);
  sink.append('lakeflow.jobs', [
    { workspace_id: 'w1', job_id: '1', name: 'etl_old', change_time: NOW - 10 * DAY, tags: { team: 'data' } },
    { workspace_id: 'w1', job_id: '1', name: 'etl_orders', change_time: NOW - DAY, tags: { team: 'data' } },
    {
      workspace_id: 'w1',
      job_id: '2',
      name: 'dash_refresh',
      change_time: NOW - 20 * DAY,
      tags: { team: 'bi' },
    },
  ]);
  sink.append('lakeflow.job_run_timeline', [
    // Failures: 101 and 202 are inside the last 24 h, 201 is not.
    run('1', '101', NOW - 3 * HOUR, NOW - 2 * HOUR, 'FAILED'),
    run('2', '201', NOW - 31 * HOUR, NOW - 30 * HOUR, 'TIMED_OUT'),
    run('2', '202', NOW - 2 * HOUR, NOW - HOUR, 'ERROR'),
    // Job 3: ten 600 s successes over the past weeks, then one run of 3000 s in two hourly slices.
    ...Array.from({ length: 10 }, (_, i) =>
      run('3', `30${i}`, NOW - (i + 2) * DAY, NOW - (i + 2) * DAY + 600_000, 'SUCCEEDED'),
    ),
    run('3', '399', NOW - 5 * HOUR, NOW - 5 * HOUR + 1_800_000, null),
    run('3', '399', NOW - 5 * HOUR + 1_800_000, NOW - 5 * HOUR + 3_000_000, 'FAILED'),
  ]);
  const usage = (record_id: string, team: string, sku: string, day: number, dbus: number) => ({
    record_id,
    cloud: 'AWS',
    sku_name: sku,
    usage_unit: 'DBU',
    usage_start_time: NOW - day * DAY,
    usage_end_time: NOW - day * DAY + HOUR,
    usage_date: new Date(NOW - day * DAY).toISOString().slice(0, 10),
    custom_tags: { team },
    usage_quantity: dbus,
    usage_metadata: { job_id: team === 'data' ? '1' : null, warehouse_id: team === 'bi' ? 'wh1' : null },
  });
  sink.append('billing.usage', [
    usage('u1', 'data', 'PREMIUM_JOBS_COMPUTE', 1, 60),
    usage('u2', 'data', 'PREMIUM_JOBS_COMPUTE', 2, 40),
    usage('u3', 'bi', 'PREMIUM_SQL_PRO_COMPUTE', 1, 1000),
    usage('u4', 'bi', 'PREMIUM_SQL_PRO_COMPUTE', 60, 5000), // older than 30 days
  ]);
  const price = (sku: string, start: string, end: string | null, usd: number) => ({
    sku_name: sku,
    cloud: 'AWS',
    usage_unit: 'DBU',
    currency_code: 'USD',
    price_start_time: Date.parse(start),
    price_end_time: end === null ? null : Date.parse(end),
    pricing: { default: usd, effective_list: { default: usd } },
  });
  sink.append('billing.list_prices', [
    price('PREMIUM_JOBS_COMPUTE', '2025-01-01T00:00:00Z', '2026-01-01T00:00:00Z', 0.1),
    price('PREMIUM_JOBS_COMPUTE', '2026-01-01T00:00:00Z', null, 0.15),
    price('PREMIUM_SQL_PRO_COMPUTE', '2025-01-01T00:00:00Z', null, 0.55),
  ]);
  sink.append('ops.etl_audit', [
    {
      table_full_name: 'main.sales.orders',
      job_id: '1',
      rows_written: 10,
      load_time: NOW - HOUR,
      status: 'SUCCEEDED',
    },
  ]);
  sink.append('information_schema.table_privileges', [
    {
      grantee: 'analysts',
      table_catalog: 'main',
      table_schema: 'sales',
      table_name: 'orders',
      privilege_type: 'SELECT',
    },
  ]);
  await sink.close();
  warehouse = await DuckDbWarehouse.open(await instance.connect(), { clock: new ManualClock(NOW) });
});

afterAll(async () => {
  await warehouse.close();
  sinkConnection.closeSync();
  instance.closeSync();
});

const value = async (expression: string): Promise<unknown> =>
  (await warehouse.query(`SELECT ${expression} AS v`)).rows[0]?.v;

describe('Databricks → DuckDB translation, run on real rows', () => {
  it('answers "failed runs in the last 24 h with job name" (docs/databricks.md) with the latest job name', async () => {
    const { rows } = await warehouse.query(`WITH j AS (SELECT * FROM system.lakeflow.jobs
           QUALIFY ROW_NUMBER() OVER (PARTITION BY workspace_id, job_id ORDER BY change_time DESC) = 1)
SELECT r.workspace_id, r.job_id, j.name, r.run_id, r.period_end_time, r.result_state, r.termination_code
FROM system.lakeflow.job_run_timeline r
LEFT JOIN j ON r.workspace_id = j.workspace_id AND r.job_id = j.job_id
WHERE r.result_state IN ('FAILED','ERROR','TIMED_OUT')
  AND r.period_end_time >= current_timestamp() - INTERVAL 24 HOURS
ORDER BY r.period_end_time DESC;`);
    expect(rows.map((r) => [r.run_id, r.name, r.result_state, r.period_end_time])).toEqual(
      [
        ['202', 'dash_refresh', 'ERROR', '2026-11-20T11:00:00.000Z'],
        ['399', null, 'FAILED', '2026-11-20T07:50:00.000Z'],
        ['101', 'etl_orders', 'FAILED', '2026-11-20T10:00:00.000Z'],
      ].sort((a, b) => String(b[3]).localeCompare(String(a[3]))),
    );
  });

  it('answers "duration anomaly" (docs/databricks.md) with the one run over twice its p90', async () => {
    const { rows } = await warehouse.query(`WITH runs AS (
  SELECT workspace_id, job_id, run_id,
         MIN(period_start_time) AS started, MAX(period_end_time) AS ended,
         SUM(timestampdiff(SECOND, period_start_time, period_end_time)) AS secs,
         MAX(result_state) AS result_state
  FROM system.lakeflow.job_run_timeline
  WHERE period_start_time >= current_date() - INTERVAL 30 DAYS
  GROUP BY ALL),
base AS (SELECT workspace_id, job_id, percentile_approx(secs, 0.9) AS p90
         FROM runs WHERE result_state = 'SUCCEEDED' GROUP BY ALL)
SELECT r.*, b.p90 FROM runs r JOIN base b USING (workspace_id, job_id)
WHERE r.secs > 2 * b.p90 AND r.started >= current_date() - INTERVAL 1 DAY;`);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      job_id: '3',
      run_id: '399',
      secs: 3000,
      p90: 600,
      result_state: 'FAILED',
    });
  });

  it('answers the per-team cost join (docs/databricks.md) at the price valid at the time, last 30 days only', async () => {
    const { rows, columns } = await warehouse.query(`SELECT u.custom_tags['team'] AS team,
       SUM(u.usage_quantity * lp.pricing.effective_list.\`default\`) AS list_cost_usd
FROM system.billing.usage u
JOIN system.billing.list_prices lp
  ON u.sku_name = lp.sku_name AND u.cloud = lp.cloud AND u.usage_unit = lp.usage_unit
 AND u.usage_start_time >= lp.price_start_time
 AND (lp.price_end_time IS NULL OR u.usage_end_time <= lp.price_end_time)
WHERE u.usage_date >= current_date() - INTERVAL 30 DAYS
GROUP BY 1 ORDER BY 2 DESC;`);
    expect(rows).toEqual([
      { team: 'bi', list_cost_usd: 550 },
      { team: 'data', list_cost_usd: 15 },
    ]);
    expect(columns.map((c) => c.type)).toEqual(['STRING', expect.stringMatching(/^DECIMAL/)]);
  });

  it('maps main.ops.etl_audit and information_schema to their stored names', async () => {
    expect((await warehouse.query('SELECT job_id FROM main.ops.etl_audit')).rows).toEqual([{ job_id: '1' }]);
    expect(
      (await warehouse.query('SELECT grantee FROM system.information_schema.table_privileges')).rows,
    ).toEqual([{ grantee: 'analysts' }]);
    expect(
      (await warehouse.query('SELECT grantee FROM main.information_schema.table_privileges')).rows,
    ).toHaveLength(1);
    expect((await warehouse.query('SELECT count(*) AS n FROM `system`.`billing`.`usage`')).rows).toEqual([
      { n: 4 },
    ]);
    expect((await warehouse.query('SELECT count(*) AS n FROM SYSTEM.Billing.Usage')).rows).toEqual([
      { n: 4 },
    ]);
  });

  it('reads map keys and struct fields, including backticked reserved words', async () => {
    const { rows } = await warehouse.query(
      "SELECT usage_metadata.job_id AS job, custom_tags['team'] AS team FROM system.billing.usage WHERE record_id = 'u1'",
    );
    expect(rows).toEqual([{ job: '1', team: 'data' }]);
    expect(
      await value(
        "(SELECT max(lp.pricing.`default`) FROM system.billing.list_prices lp WHERE sku_name ILIKE '%sql%')",
      ),
    ).toBe(0.55);
  });

  it('answers current_timestamp(), now() and current_date() from the injected clock', async () => {
    expect(await value('current_timestamp()')).toBe('2026-11-20T12:00:00.000Z');
    expect(await value('current_timestamp')).toBe('2026-11-20T12:00:00.000Z');
    expect(await value('now()')).toBe('2026-11-20T12:00:00.000Z');
    expect(await value('current_date()')).toBe('2026-11-20');
    expect(await value('current_timestamp() - INTERVAL 30 DAYS')).toBe('2026-10-21T12:00:00.000Z');
    expect(await value('unix_timestamp()')).toBe(NOW / 1000);
  });

  it.each([
    ["timestampdiff(SECOND, TIMESTAMP '2026-01-01 00:00:00', TIMESTAMP '2026-01-01 00:01:30')", 90],
    ["timestampdiff(HOUR, TIMESTAMP '2026-01-01 00:00:00', TIMESTAMP '2026-01-02 00:00:00')", 24],
    ["date_sub(DATE '2026-03-01', 1)", '2026-02-28'],
    ["date_add(DATE '2026-02-28', 2)", '2026-03-02'],
    ["dateadd(DATE '2026-02-28', 1)", '2026-03-01'],
    ["dateadd(DAY, 1, TIMESTAMP '2026-02-28 10:00:00')", '2026-03-01T10:00:00.000Z'],
    ["datediff(DATE '2026-03-01', DATE '2026-02-01')", 28],
    ['nvl(NULL, 7)', 7],
    ['get_json_object(\'{"a":{"b":"x"}}\', \'$.a.b\')', 'x'],
    ['size(array(1, 2, 3))', 3],
    ["to_date('2026-11-20')", '2026-11-20'],
    ["to_date(TIMESTAMP '2026-11-20 23:59:00')", '2026-11-20'],
    ["unix_timestamp(TIMESTAMP '2026-01-01 00:00:00')", 1_767_225_600],
    ['from_unixtime(0)', '1970-01-01 00:00:00'],
    ['timestamp_millis(1500)', '1970-01-01T00:00:01.500Z'],
    ["named_struct('a', 1, 'b', 'x')", { a: 1, b: 'x' }],
    ["map('k', 'v')['k']", 'v'],
    ["'Etl_Orders' ILIKE 'etl%'", true],
    ['CAST(42 AS STRING)', '42'],
  ])('translates %s', async (expression, expected) => {
    expect(await value(expression)).toEqual(expected);
  });

  it('translates aggregates: percentile, percentile_approx, count_if, max_by', async () => {
    const { rows } = await warehouse.query(`SELECT percentile(x, 0.5) AS p, percentile_approx(x, 0.5) AS pa,
      count_if(x > 2) AS c, max_by(name, x) AS m
      FROM (VALUES (1, 'a'), (2, 'b'), (3, 'c'), (4, 'd')) AS t(x, name)`);
    expect(rows[0]).toMatchObject({ p: 2.5, c: 2, m: 'd' });
    expect([2, 3]).toContain(rows[0]?.pa);
  });

  it('translates explode and LATERAL VIEW explode to one row per element', async () => {
    expect((await warehouse.query("SELECT explode(array('a', 'b', 'c')) AS v")).rows).toEqual([
      { v: 'a' },
      { v: 'b' },
      { v: 'c' },
    ]);
    const { rows } = await warehouse.query(
      "SELECT t.id, e.v FROM (SELECT 1 AS id, array('x', 'y') AS arr) t LATERAL VIEW explode(t.arr) e AS v ORDER BY e.v",
    );
    expect(rows).toEqual([
      { id: 1, v: 'x' },
      { id: 1, v: 'y' },
    ]);
  });

  it('answers DESCRIBE and SHOW TABLES on system tables', async () => {
    const describe = await warehouse.query('DESCRIBE system.billing.list_prices');
    expect(describe.rows.map((r) => r.column_name)).toContain('pricing');
    const show = await warehouse.query('SHOW TABLES IN system.billing');
    expect(show.rows).toEqual([
      { database: 'billing', tableName: 'list_prices', isTemporary: false },
      { database: 'billing', tableName: 'usage', isTemporary: false },
    ]);
  });

  it('turns :name markers into bound $name parameters', () => {
    const translated = translateDatabricksSql(
      'SELECT * FROM system.lakeflow.job_run_timeline WHERE result_state = :state AND job_id = :job OR run_id = :state',
    );
    expect(translated.sql).toContain('$state');
    expect(translated.sql).not.toContain(':state');
    expect(translated.params).toEqual(['state', 'job']);
  });

  it('names the tables a statement reads, and none when it names one without its catalog', () => {
    const joined = translateDatabricksSql(`
      WITH recent AS (SELECT * FROM System.Billing.Usage WHERE usage_date >= :since)
      SELECT * FROM recent r JOIN system.billing.list_prices p ON r.sku_name = p.sku_name
      WHERE EXISTS (SELECT 1 FROM main.ops.etl_audit a WHERE a.job_id = r.usage_metadata.job_id)`);
    expect([...(joined.tables ?? [])].sort()).toEqual([
      'main.ops.etl_audit',
      'system.billing.list_prices',
      'system.billing.usage',
    ]);
    expect(translateDatabricksSql('SELECT * FROM billing.usage').tables).toBeUndefined();
    expect(translateDatabricksSql('SHOW TABLES IN system.billing').tables).toBeUndefined();
  });

  it('reports a system table or schema the simulator lacks as NOT_FOUND', async () => {
    expect(() => translateDatabricksSql('SELECT * FROM system.marketplace.listings')).toThrow(
      expect.objectContaining({ reason: 'NOT_FOUND' }),
    );
    await expect(warehouse.query('SELECT * FROM system.billing.account_prices')).rejects.toMatchObject({
      reason: 'NOT_FOUND',
    });
  });

  it("never lets SQL reach the simulation's ground truth or DuckDB's own catalogs by another name", () => {
    for (const sql of [
      'SELECT * FROM meta.faults',
      'SELECT * FROM system.meta.simulation',
      'SELECT * FROM ws.meta.faults',
      'SELECT * FROM uc_information_schema.table_privileges',
      'SELECT * FROM other_catalog.sales.orders',
    ]) {
      expect(() => translateDatabricksSql(sql), sql).toThrow(
        expect.objectContaining({ reason: 'NOT_FOUND' }),
      );
    }
  });
});

describe('assertReadOnly', () => {
  it.each([
    'SELECT 1',
    'WITH x AS (SELECT 1 AS a) SELECT a FROM x',
    'SELECT 1 UNION ALL SELECT 2',
    'DESCRIBE system.billing.usage',
    'SHOW TABLES IN system.billing',
    'SELECT 1; ',
    "SELECT 'DROP TABLE x; DELETE FROM y' AS text",
    'SELECT 1 -- ; DROP TABLE x',
    'SELECT update_time, delete_time FROM system.lakeflow.jobs',
  ])('accepts the read statement %j', (sql) => {
    expect(() => assertReadOnly(sql)).not.toThrow();
  });

  it.each([
    'DROP TABLE system.billing.usage',
    'INSERT INTO system.billing.usage (record_id) VALUES (1)',
    "UPDATE jobs SET name = 'x'",
    'DELETE FROM system.lakeflow.jobs',
    'MERGE INTO t USING s ON t.a = s.a WHEN MATCHED THEN DELETE',
    'CREATE TABLE x AS SELECT 1',
    'ALTER TABLE t ADD COLUMN c INT',
    'TRUNCATE TABLE t',
    'SELECT 1; DROP TABLE x',
    'SELECT 1; SELECT 2',
    'SELECT 1 /* harmless */; /* ; */ DROP TABLE x',
    'WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x',
    'SELECT * INTO copy_of_usage FROM system.billing.usage',
    "COPY t TO '/tmp/x.csv'",
    "ATTACH '/tmp/evil.duckdb' AS evil",
    'SET enable_external_access = true',
    'PRAGMA version',
    'GRANT SELECT ON t TO `someone`',
    'USE system.billing',
    'VACUUM t',
  ])('rejects %j with READ_ONLY', (sql) => {
    let error: unknown;
    try {
      assertReadOnly(sql);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(WarehouseError);
    expect((error as WarehouseError).reason).toBe('READ_ONLY');
  });

  it('rejects a write on a system table even where the parser stops first', () => {
    expect(() => assertReadOnly("UPDATE system.lakeflow.jobs SET name = 'x'")).toThrow(WarehouseError);
  });

  it.each(['', '   ', ';', 'SELEKT 1', 'SELECT FROM WHERE (', "SELECT 'unterminated"])(
    'rejects malformed SQL %j with SYNTAX',
    (sql) => {
      expect(() => assertReadOnly(sql)).toThrow(expect.objectContaining({ reason: 'SYNTAX' }));
    },
  );
});
