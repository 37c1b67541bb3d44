import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbWarehouse } from '../../../src/databricks/duckdb-warehouse.js';
import {
  DEFAULT_ROW_LIMIT,
  WarehouseError,
  type WarehouseErrorReason,
} from '../../../src/databricks/warehouse.js';
import { ManualClock } from '../../../src/domain/clock.js';
import { DuckDbSink } from '../../../src/sim/tables/duckdb-sink.js';

const NOW = Date.UTC(2026, 10, 20, 12);
const clock = new ManualClock(NOW);

let instance: DuckDBInstance;
let sinkConnection: DuckDBConnection;
let warehouse: DuckDbWarehouse;

beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  sinkConnection = await instance.connect();
  const sink = await DuckDbSink.create(sinkConnection);
  sink.append(
    'compute.warehouse_events',
    Array.from({ length: 50 }, (_, i) => ({
      warehouse_id: i % 2 === 0 ? 'wh-even' : 'wh-odd',
      event_type: 'RUNNING',
      cluster_count: i,
      event_time: NOW - i * 60_000,
    })),
  );
  sink.append('billing.usage', [
    { record_id: "it's", usage_quantity: 1.25, usage_date: '2026-11-19', custom_tags: { team: 'data' } },
  ]);
  await sink.close();
  warehouse = await DuckDbWarehouse.open(await instance.connect(), { clock });
});

afterAll(async () => {
  await warehouse.close();
  sinkConnection.closeSync();
  instance.closeSync();
});

async function failure(promise: Promise<unknown>): Promise<WarehouseError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof WarehouseError) return error;
    throw error;
  }
  throw new Error('expected the query to fail');
}

const reasonOf = async (promise: Promise<unknown>): Promise<WarehouseErrorReason> =>
  (await failure(promise)).reason;

/** A statement that runs for many seconds on two cores unless interrupted. */
const SLOW_SQL =
  'SELECT count(*) AS n FROM range(100000) a, range(100000) b WHERE (a.range * b.range) % 7 = 3';

describe('DuckDbWarehouse', () => {
  describe('parameters', () => {
    it('binds :name parameters', async () => {
      const { rows } = await warehouse.query(
        'SELECT count(*) AS n FROM system.compute.warehouse_events WHERE warehouse_id = :wh AND cluster_count >= :min',
        { params: { wh: 'wh-even', min: 10 } },
      );
      expect(rows).toEqual([{ n: 20 }]);
    });

    it('keeps an injection attempt in a parameter a literal', async () => {
      const { rows } = await warehouse.query(
        'SELECT count(*) AS n FROM system.compute.warehouse_events WHERE warehouse_id = :wh',
        { params: { wh: "wh-even' OR '1'='1" } },
      );
      expect(rows).toEqual([{ n: 0 }]);
      const quoted = await warehouse.query(
        'SELECT record_id FROM system.billing.usage WHERE record_id = :id',
        {
          params: { id: "it's" },
        },
      );
      expect(quoted.rows).toEqual([{ record_id: "it's" }]);
    });

    it('binds typed parameters the way Statement Execution states them', async () => {
      const { rows } = await warehouse.query(
        'SELECT count(*) AS n FROM system.billing.usage WHERE usage_date >= :since AND usage_quantity > :q',
        {
          params: {
            since: { value: '2026-11-01', type: 'DATE' },
            q: { value: '1.0', type: 'DECIMAL(10,2)' },
          },
        },
      );
      expect(rows).toEqual([{ n: 1 }]);
      const at = await warehouse.query('SELECT :t AS t, :d AS d, :n AS n, :b AS b', {
        params: { t: new Date(NOW), d: { value: '2026-01-31', type: 'DATE' }, n: null, b: true },
      });
      expect(at.rows).toEqual([{ t: '2026-11-20T12:00:00.000Z', d: '2026-01-31', n: null, b: true }]);
    });

    it('rejects a missing parameter, a malformed typed value and ? markers with INVALID_PARAMETER', async () => {
      expect(await reasonOf(warehouse.query('SELECT :x AS x'))).toBe('INVALID_PARAMETER');
      expect(
        await reasonOf(
          warehouse.query('SELECT :d AS d', { params: { d: { value: '2026-13-45', type: 'DATE' } } }),
        ),
      ).toBe('INVALID_PARAMETER');
      expect(
        await reasonOf(
          warehouse.query('SELECT :n AS n', { params: { n: { value: '1; DROP', type: 'BIGINT' } } }),
        ),
      ).toBe('INVALID_PARAMETER');
      expect(await reasonOf(warehouse.query('SELECT ? AS x'))).toBe('INVALID_PARAMETER');
    });

    it('ignores parameters the statement does not use', async () => {
      await expect(warehouse.query('SELECT 1 AS one', { params: { unused: 'x' } })).resolves.toMatchObject({
        rows: [{ one: 1 }],
      });
    });
  });

  describe('limits', () => {
    it('returns at most rowLimit rows and says it truncated', async () => {
      const result = await warehouse.query('SELECT cluster_count FROM system.compute.warehouse_events', {
        rowLimit: 10,
      });
      expect(result.rows).toHaveLength(10);
      expect(result.truncated).toBe(true);
    });

    it('does not flag truncation when the rows fit exactly', async () => {
      const result = await warehouse.query('SELECT cluster_count FROM system.compute.warehouse_events', {
        rowLimit: 50,
      });
      expect(result.rows).toHaveLength(50);
      expect(result.truncated).toBe(false);
    });

    it('applies the default row limit when none is given', async () => {
      const result = await warehouse.query(`SELECT range AS n FROM range(${DEFAULT_ROW_LIMIT + 5})`);
      expect(result.rows).toHaveLength(DEFAULT_ROW_LIMIT);
      expect(result.truncated).toBe(true);
    });

    it('interrupts a statement that outlives its timeout, and keeps serving queries afterwards', async () => {
      const started = performance.now();
      const error = await failure(warehouse.query(SLOW_SQL, { timeoutMs: 200 }));
      expect(error.reason).toBe('TIMEOUT');
      expect(error.errorCode).toBe('DEADLINE_EXCEEDED');
      expect(performance.now() - started).toBeLessThan(5_000);
      await expect(warehouse.query('SELECT 1 AS one')).resolves.toMatchObject({ rows: [{ one: 1 }] });
    });

    it('cancels a running statement when its signal aborts', async () => {
      const controller = new AbortController();
      const pending = warehouse.query(SLOW_SQL, { signal: controller.signal });
      setTimeout(() => controller.abort(), 100);
      expect(await reasonOf(pending)).toBe('CANCELLED');
    });

    it('runs concurrent queries one after another with the right answers', async () => {
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) => warehouse.query('SELECT :i * 2 AS v', { params: { i } })),
      );
      expect(results.map((r) => r.rows[0]?.v)).toEqual([0, 2, 4, 6, 8, 10, 12, 14]);
    });
  });

  describe('errors', () => {
    it('answers malformed SQL with SYNTAX and the position of the problem', async () => {
      const error = await failure(warehouse.query('SELECT FROM WHERE ('));
      expect(error.reason).toBe('SYNTAX');
      expect(error.sqlState).toBe('42601');
      expect(error.message).toMatch(/line 1, column \d+/);
      expect(error.details).toMatchObject({ line: 1 });
    });

    it('answers an unknown table or column with NOT_FOUND', async () => {
      expect(await reasonOf(warehouse.query('SELECT * FROM system.billing.nope'))).toBe('NOT_FOUND');
      expect(await reasonOf(warehouse.query('SELECT * FROM main.sales.orders'))).toBe('NOT_FOUND');
      expect(await reasonOf(warehouse.query('SELECT no_such_column FROM system.billing.usage'))).toBe(
        'NOT_FOUND',
      );
    });

    it('refuses writes with READ_ONLY and leaves the tables unchanged', async () => {
      expect(await reasonOf(warehouse.query('DELETE FROM system.billing.usage'))).toBe('READ_ONLY');
      expect(await reasonOf(warehouse.query('SELECT 1; DROP TABLE billing.usage'))).toBe('READ_ONLY');
      const { rows } = await warehouse.query('SELECT count(*) AS n FROM system.billing.usage');
      expect(rows).toEqual([{ n: 1 }]);
    });

    it('refuses to read files from SQL', async () => {
      const reason = await reasonOf(warehouse.query("SELECT * FROM read_csv('/etc/passwd')"));
      expect(['PERMISSION', 'NOT_FOUND']).toContain(reason);
    });

    it('survives an oversized statement with a clear answer', async () => {
      const list = Array.from({ length: 20_000 }, (_, i) => `'id-${i}'`).join(', ');
      const result = await warehouse.query(
        `SELECT count(*) AS n FROM system.compute.warehouse_events WHERE warehouse_id IN (${list}, 'wh-odd')`,
      );
      expect(result.rows).toEqual([{ n: 25 }]);
    });
  });

  describe('canonical values', () => {
    it('normalises scalars as documented in warehouse.ts', async () => {
      const { rows, columns } = await warehouse.query(`SELECT
        CAST(1 AS TINYINT) AS tiny, CAST(2 AS INT) AS i, CAST(9007199254740993 AS BIGINT) AS big,
        CAST(12.5 AS DECIMAL(38,18)) AS dec, CAST(1.5 AS DOUBLE) AS dbl, CAST('NaN' AS DOUBLE) AS nan,
        TIMESTAMP '2026-11-20 12:34:56.789' AS ts, DATE '2026-11-20' AS d, true AS b, CAST(NULL AS STRING) AS nul,
        'text' AS s`);
      expect(rows[0]).toEqual({
        tiny: 1,
        i: 2,
        big: '9007199254740993',
        dec: 12.5,
        dbl: 1.5,
        nan: 'NaN',
        ts: '2026-11-20T12:34:56.789Z',
        d: '2026-11-20',
        b: true,
        nul: null,
        s: 'text',
      });
      expect(columns.map((c) => c.type)).toEqual([
        'TINYINT',
        'INT',
        'BIGINT',
        'DECIMAL(38,18)',
        'DOUBLE',
        'DOUBLE',
        'TIMESTAMP',
        'DATE',
        'BOOLEAN',
        'STRING',
        'STRING',
      ]);
    });

    it('normalises arrays, maps and structs to JSON-like values with Databricks type names', async () => {
      const { rows, columns } = await warehouse.query(
        "SELECT array('a', 'b') AS arr, map('k', 1) AS m, named_struct('x', 1, 'y', array(DATE '2026-01-02')) AS st",
      );
      expect(rows[0]).toEqual({ arr: ['a', 'b'], m: { k: 1 }, st: { x: 1, y: ['2026-01-02'] } });
      expect(columns[0]?.type).toBe('ARRAY<STRING>');
      expect(columns[1]?.type).toMatch(/^MAP<STRING,/);
      expect(columns[2]?.type).toMatch(/^STRUCT<x: INT/);
    });
  });

  it('answers a statement asked again with other parameters, or after a failure, with its own rows', async () => {
    const sql = `SELECT count(*) AS n FROM system.compute.warehouse_events WHERE warehouse_id = :id
                 AND cluster_count < :below`;
    const count = async (id: string, below: number) =>
      (await warehouse.query(sql, { params: { id, below } })).rows[0]?.n;
    expect(await count('wh-even', 10)).toBe(5);
    expect(await count('wh-odd', 50)).toBe(25);
    expect(await reasonOf(warehouse.query(sql, { params: { id: 'wh-even' } }))).toBe('INVALID_PARAMETER');
    expect(await count('wh-even', 10)).toBe(5);
    // Many different statements, then the first again.
    for (let i = 0; i < 100; i++) await warehouse.query(`SELECT ${i} AS n`);
    expect(await count('wh-odd', 9)).toBe(4);
  });

  it('follows the injected clock as it moves', async () => {
    const moving = new ManualClock(NOW);
    const own = await DuckDbWarehouse.open(await instance.connect(), { clock: moving });
    try {
      moving.advance(90_000);
      expect((await own.query('SELECT current_timestamp() AS t')).rows).toEqual([
        { t: '2026-11-20T12:01:30.000Z' },
      ]);
    } finally {
      await own.close();
    }
  });

  it('answers on its second connection while a long statement holds the first, and cancels only that one', async () => {
    const own = await DuckDbWarehouse.open([await instance.connect(), await instance.connect()], { clock });
    try {
      const controller = new AbortController();
      let slowSettled = false;
      const slow = own.query(SLOW_SQL, { signal: controller.signal }).finally(() => {
        slowSettled = true;
      });
      const quick = await own.query('SELECT count(*) AS n FROM system.compute.warehouse_events');
      expect(quick.rows).toEqual([{ n: 50 }]);
      expect(slowSettled).toBe(false);
      controller.abort();
      expect(await reasonOf(slow)).toBe('CANCELLED');
      await expect(own.query('SELECT 1 AS one')).resolves.toMatchObject({ rows: [{ one: 1 }] });
    } finally {
      await own.close();
    }
  });

  it('refuses queries after close with UNAVAILABLE', async () => {
    const own = await DuckDbWarehouse.open(await instance.connect(), { clock });
    await own.close();
    expect(await reasonOf(own.query('SELECT 1'))).toBe('UNAVAILABLE');
  });
});
