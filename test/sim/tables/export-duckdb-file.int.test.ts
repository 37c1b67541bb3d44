import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DuckDbWarehouse } from '../../../src/databricks/duckdb-warehouse.js';
import { ManualClock } from '../../../src/domain/clock.js';
import { finishExport, openExportFile } from '../../../src/sim/tables/export-duckdb-file.js';
import { SinkError } from '../../../src/sim/tables/sink-error.js';
import { BASE_MS, sampleRow } from './sample-rows.js';

let dir: string;
let path: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dbxops-export-'));
  path = join(dir, 'workspace.duckdb');
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function exportSample(): Promise<void> {
  const file = await openExportFile(path);
  file.append('billing.usage', [sampleRow('billing.usage', 0).input]);
  file.append('lakeflow.jobs', [sampleRow('lakeflow.jobs', 0).input]);
  file.append('compute.clusters', [sampleRow('compute.clusters', 0).input]);
  file.append('query.history', [sampleRow('query.history', 0).input, sampleRow('query.history', 1).input]);
  file.append('access.audit', [sampleRow('access.audit', 0).input]);
  file.append('information_schema.table_privileges', [
    sampleRow('information_schema.table_privileges', 0).input,
  ]);
  await finishExport(file, {
    scenario: 'demo',
    seed: 42,
    startedAt: BASE_MS - 86_400_000,
    now: BASE_MS,
    faults: [
      {
        fault_id: 'f1',
        kind: 'cluster_oom',
        target: 'job:123',
        start: BASE_MS - 3_600_000,
        end: null,
        category: 'RESOURCE',
        severity: 'P2',
        action: 'bigger_cluster',
        caused_by: null,
        affected: { jobs: ['123'], tables: ['main.sales.orders'] },
      },
    ],
  });
}

describe('DuckDB export file', () => {
  it('is readable by plain DuckDB with ATTACH … (READ_ONLY) under Databricks schema names', async () => {
    await exportSample();
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      await connection.run(`ATTACH '${path}' AS ws (READ_ONLY)`);
      const counts = await connection.runAndReadAll(`SELECT
          (SELECT count(*) FROM ws.billing.usage), (SELECT count(*) FROM ws.lakeflow.jobs),
          (SELECT count(*) FROM ws.compute.clusters), (SELECT count(*) FROM ws.query.history),
          (SELECT count(*) FROM ws.access.audit), (SELECT count(*) FROM ws.lakeflow.job_run_timeline),
          (SELECT count(*) FROM ws.uc_information_schema.table_privileges)`);
      expect(counts.getRowsJson()).toEqual([['1', '1', '1', '2', '1', '0', '1']]);
      const meta = await connection.runAndReadAll(
        'SELECT scenario, seed, CAST(started_at AS VARCHAR), CAST("now" AS VARCHAR) FROM ws.meta.simulation',
      );
      expect(meta.getRowsJson()).toEqual([['demo', '42', '2026-11-19 12:00:00', '2026-11-20 12:00:00']]);
      const faults = await connection.runAndReadAll(
        `SELECT fault_id, CAST("start" AS VARCHAR), "end", affected->>'$.jobs[0]' FROM ws.meta.faults`,
      );
      expect(faults.getRowsJson()).toEqual([['f1', '2026-11-20 11:00:00', null, '123']]);
      await expect(
        connection.run('INSERT INTO ws.meta.simulation VALUES (1, 1, NULL, NULL)'),
      ).rejects.toThrow(/read-only/i);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });

  it('answers Databricks SQL through DuckDbWarehouse.openFile, with now from the clock', async () => {
    await exportSample();
    const warehouse = await DuckDbWarehouse.openFile(path, { clock: new ManualClock(BASE_MS + 86_400_000) });
    try {
      const result = await warehouse.query(
        'SELECT statement_id, compute.warehouse_id FROM system.query.history WHERE start_time <= current_timestamp() ORDER BY 1',
      );
      expect(result.rows).toHaveLength(2);
      const early = await warehouse.query(
        'SELECT count(*) AS n FROM system.query.history WHERE start_time >= current_timestamp() - INTERVAL 1 HOUR',
      );
      expect(early.rows).toEqual([{ n: 0 }]);
      expect(result.rows).toContainEqual({
        statement_id: sampleRow('query.history', 0).expected.statement_id,
        warehouse_id: (sampleRow('query.history', 0).expected.compute as Record<string, unknown>)
          .warehouse_id,
      });
    } finally {
      await warehouse.close();
    }
  });

  it('refuses to overwrite an existing file unless asked', async () => {
    writeFileSync(path, 'precious');
    await expect(openExportFile(path)).rejects.toBeInstanceOf(SinkError);
    const file = await openExportFile(path, { overwrite: true });
    await finishExport(file, { scenario: 's', seed: 1n, startedAt: BASE_MS, now: BASE_MS });
    const warehouse = await DuckDbWarehouse.openFile(path, { clock: new ManualClock(BASE_MS) });
    await expect(warehouse.query('SELECT count(*) AS n FROM system.billing.usage')).resolves.toMatchObject({
      rows: [{ n: 0 }],
    });
    await warehouse.close();
  });

  it('refuses appends after the export is finished', async () => {
    const file = await openExportFile(path);
    await finishExport(file, { scenario: 's', seed: 1, startedAt: BASE_MS, now: BASE_MS });
    expect(() => file.append('billing.usage', [{}])).toThrow(SinkError);
  });
});

describe('DuckDB export file, loading in the background', () => {
  it('keeps rows appended before and after ready() and faults recorded in between, in order', async () => {
    const file = await openExportFile(path);
    file.append('compute.warehouse_events', [{ warehouse_id: 'a' }, { warehouse_id: 'b' }]);
    await file.ready();
    await file.recordFaults([
      {
        fault_id: 'f1',
        kind: 'oom',
        target: 'job:1',
        start: BASE_MS,
        end: BASE_MS + 1000,
        category: 'RESOURCE',
        severity: 'P2',
        action: null,
        caused_by: null,
        affected: {},
      },
    ]);
    file.append('compute.warehouse_events', [{ warehouse_id: 'c' }]);
    await file.ready();
    await finishExport(file, { scenario: 's', seed: 1, startedAt: BASE_MS, now: BASE_MS });
    const instance = await DuckDBInstance.create(path, { access_mode: 'READ_ONLY' });
    const connection = await instance.connect();
    try {
      const events = await connection.runAndReadAll('SELECT warehouse_id FROM compute.warehouse_events');
      expect(events.getRowsJson().flat()).toEqual(['a', 'b', 'c']);
      const faults = await connection.runAndReadAll('SELECT fault_id FROM meta.faults');
      expect(faults.getRowsJson()).toEqual([['f1']]);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });

  it('stores a value larger than its DuckDB memory limit lets the JSON reader take in one go', async () => {
    // 70 MB needs a ~134 MiB read buffer; the export runs DuckDB with 128 MB.
    const text = `${'x'.repeat(70_000_000)}«ü»`;
    const file = await openExportFile(path);
    file.append('query.history', [{ statement_id: 'big', statement_text: text }, { statement_id: 'small' }]);
    await finishExport(file, { scenario: 's', seed: 1, startedAt: BASE_MS, now: BASE_MS });
    const instance = await DuckDBInstance.create(path, { access_mode: 'READ_ONLY' });
    const connection = await instance.connect();
    try {
      const rows = await connection.runAndReadAll(
        'SELECT statement_id, length(statement_text), right(statement_text, 3) FROM query.history',
      );
      expect(rows.getRowsJson()).toEqual([
        ['big', '70000003', '«ü»'],
        ['small', null, null],
      ]);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });
});
