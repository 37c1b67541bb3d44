import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DuckDbWarehouse } from '../../../src/databricks/duckdb-warehouse.js';
import { ManualClock } from '../../../src/domain/clock.js';
import type { SinkTableName, SystemTableSink } from '../../../src/sim/system-table-sink.js';
import { SinkError } from '../../../src/sim/tables/sink-error.js';
import { SINK_TABLES } from '../../../src/sim/tables/system-table-ddl.js';
import { BASE_MS, sampleRow } from './sample-rows.js';

/** A sink as the contract tests drive it: made on a connection of its own, closed after each test. */
export interface SinkUnderTest extends SystemTableSink {
  close(): Promise<void>;
}

/** How the bot names each table in Databricks SQL. */
const databricksName = (table: SinkTableName): string =>
  table === 'ops.etl_audit' ? 'main.ops.etl_audit' : `system.${table}`;

/**
 * The behaviour every DuckDB-backed `SystemTableSink` shares, run against each implementation
 * (kysely's one-suite-per-dialect): rows read back in Databricks SQL, NULLs, visibility after
 * `flush`, and the `SinkError`s for input that does not fit.
 */
export function describeSinkContract(
  name: string,
  create: (connection: DuckDBConnection) => Promise<SinkUnderTest>,
  options: { readonly sinkReadsFiles?: boolean } = {},
): void {
  describe(`${name}: the system-table sink contract`, () => {
    let instance: DuckDBInstance;
    let sinkConnection: DuckDBConnection;
    let sink: SinkUnderTest;
    let warehouse: DuckDbWarehouse;

    beforeEach(async () => {
      instance = await DuckDBInstance.create(':memory:');
      sinkConnection = await instance.connect();
      sink = await create(sinkConnection);
      warehouse = await DuckDbWarehouse.open(await instance.connect(), {
        clock: new ManualClock(BASE_MS),
        // The warehouse locks the instance out of the file system unless told not to; a sink that
        // loads from files needs it.
        restrictExternalAccess: !options.sinkReadsFiles,
      });
    });

    afterEach(async () => {
      await warehouse.close();
      await sink.close();
      sinkConnection.closeSync();
      instance.closeSync();
    });

    const count = async (table: SinkTableName): Promise<unknown> =>
      (await warehouse.query(`SELECT count(*) AS n FROM ${databricksName(table)}`)).rows[0]?.n;

    it.each(SINK_TABLES)('round-trips rows of %s read back in Databricks SQL', async (table) => {
      const rows = [sampleRow(table, 0), sampleRow(table, 1)];
      sink.append(
        table,
        rows.map((r) => r.input),
      );
      await sink.flush();
      const result = await warehouse.query(`SELECT * FROM ${databricksName(table)}`);
      expect(result.rows).toEqual(rows.map((r) => r.expected));
    });

    it('stores a column the engine omits as NULL', async () => {
      sink.append('compute.warehouse_events', [{ warehouse_id: 'wh1', event_type: 'RUNNING' }]);
      await sink.flush();
      const { rows } = await warehouse.query(
        'SELECT warehouse_id, cluster_count, event_time FROM system.compute.warehouse_events',
      );
      expect(rows).toEqual([{ warehouse_id: 'wh1', cluster_count: null, event_time: null }]);
    });

    it('keeps rows unseen by queries until flush, then shows all of them', async () => {
      sink.append('compute.warehouse_events', [{ warehouse_id: 'wh1' }]);
      expect(await count('compute.warehouse_events')).toBe(0);
      await sink.flush();
      expect(await count('compute.warehouse_events')).toBe(1);
    });

    it('keeps duplicated rows, as an append-only system table does', async () => {
      const row = { warehouse_id: 'wh1', event_type: 'RUNNING', cluster_count: 1, event_time: BASE_MS };
      sink.append('compute.warehouse_events', [row, row]);
      sink.append('compute.warehouse_events', [row]);
      await sink.flush();
      expect(await count('compute.warehouse_events')).toBe(3);
    });

    it('writes more rows than one chunk in order', async () => {
      const rows = Array.from({ length: 5000 }, (_, i) => ({
        warehouse_id: `wh${i}`,
        cluster_count: i,
        event_time: BASE_MS + i,
      }));
      sink.append('compute.warehouse_events', rows);
      await sink.flush();
      const { rows: out } = await warehouse.query(
        'SELECT count(*) AS n, sum(cluster_count) AS s, max_by(warehouse_id, event_time) AS last FROM system.compute.warehouse_events',
      );
      expect(out[0]).toEqual({ n: 5000, s: (4999 * 5000) / 2, last: 'wh4999' });
    });

    it('rejects an unknown table with a SinkError naming it', () => {
      const attempt = () => sink.append('billing.usages' as SinkTableName, [{}]);
      expect(attempt).toThrow(SinkError);
      expect(attempt).toThrow(/billing\.usages/);
    });

    it('rejects an unknown column and keeps none of the rows of that call', async () => {
      const good = { warehouse_id: 'ok' };
      let error: unknown;
      try {
        sink.append('compute.warehouse_events', [good, { warehouse_id: 'x', clusters: 2 }]);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(SinkError);
      expect((error as SinkError).reason).toBe('UNKNOWN_COLUMN');
      expect((error as SinkError).details.column).toBe('clusters');
      await sink.flush();
      expect(await count('compute.warehouse_events')).toBe(0);
    });

    it.each([
      [
        'a string in a timestamp column',
        { event_time: '2026-11-20T12:00:00Z' },
        /event_time.*epoch milliseconds/,
      ],
      ['an impossible date', { usage_date: '2026-02-31' }, /usage_date.*YYYY-MM-DD/],
      ['a malformed date', { usage_date: '20-11-2026' }, /usage_date/],
      ['text in a decimal column', { usage_quantity: '12abc' }, /usage_quantity.*decimal/],
      ['an oversized decimal', { usage_quantity: 1e30 }, /usage_quantity.*fits/],
      ['a non-integer in a bigint column', { cluster_count: 1.5 }, /cluster_count.*int/],
      ['an int beyond 32 bits', { cluster_count: 2 ** 33 }, /cluster_count.*32 bits/],
      ['an object in a string column', { warehouse_id: { id: 1 } }, /warehouse_id.*string/],
      [
        'an unknown struct field',
        { identity_metadata: { run_as: 'a', hacker: 'b' } },
        /identity_metadata.*hacker/,
      ],
      ['an array in a map column', { custom_tags: ['a'] }, /custom_tags/],
      ['a NaN timestamp', { usage_start_time: Number.NaN }, /usage_start_time/],
    ])('rejects %s with INVALID_VALUE naming the column', (_label, row, message) => {
      const table: SinkTableName =
        'event_time' in row || 'cluster_count' in row || 'warehouse_id' in row
          ? 'compute.warehouse_events'
          : 'billing.usage';
      let error: unknown;
      try {
        sink.append(table, [row]);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(SinkError);
      expect((error as SinkError).reason).toBe('INVALID_VALUE');
      expect((error as SinkError).message).toMatch(message);
    });

    it('rejects a row that is not an object', () => {
      expect(() =>
        sink.append('compute.warehouse_events', [null as unknown as Record<string, unknown>]),
      ).toThrow(/not an object/);
    });

    it('ignores prototype tricks in rows: __proto__ keys are unknown columns, not struct fields', () => {
      const row = JSON.parse('{"warehouse_id":"a","__proto__":{"x":1}}') as Record<string, unknown>;
      expect(() => sink.append('compute.warehouse_events', [row])).toThrow(/no column '__proto__'/);
    });

    it('stores decimals exactly (no binary floating-point noise)', async () => {
      sink.append('billing.usage', [
        { record_id: 'a', usage_quantity: 0.1 },
        { record_id: 'b', usage_quantity: '0.2' },
      ]);
      await sink.flush();
      const { rows } = await warehouse.query(
        'SELECT CAST(SUM(usage_quantity) AS STRING) AS total FROM system.billing.usage',
      );
      expect(rows[0]?.total).toBe('0.300000000');
    });

    it('refuses to append after close', async () => {
      await sink.close();
      expect(() => sink.append('compute.warehouse_events', [{}])).toThrow(SinkError);
    });
  });
}
