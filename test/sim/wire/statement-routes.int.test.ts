// Assertions walk the JSON answers freely; `expect` checks their shape, so a loose type is enough here.
// biome-ignore lint/suspicious/noExplicitAny: test-only view of parsed JSON
type Json = any;

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SimServerHandle, startSimServer } from '../../../src/sim/server/start-sim-server.js';
import { createStatementService, type StatementService } from '../../../src/sim/wire/statement-routes.js';
import { type SimWithTables, simWithTables, TOKEN } from './wire-fixture.js';

let sim: SimWithTables;
let server: SimServerHandle;
let service: StatementService;

beforeAll(async () => {
  sim = await simWithTables();
  service = createStatementService({ warehouse: sim.warehouse, chunkRows: 3, statementTimeoutMs: 20_000 });
  server = await startSimServer({ workspace: sim.workspace, extraRoutes: service.routes });
});

afterAll(async () => {
  await server?.close();
  await service?.close();
  await sim?.close();
});

async function call(method: string, path: string, body?: unknown, token = TOKEN) {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, Json> };
}

const execute = (statement: string, extra: Record<string, unknown> = {}) =>
  call('POST', '/api/2.0/sql/statements', {
    warehouse_id: sim.warehouseId,
    statement,
    wait_timeout: '10s',
    ...extra,
  });

describe('POST /api/2.0/sql/statements', () => {
  it('answers a query with a typed manifest and every value as a string', async () => {
    const { status, body } = await execute(
      "SELECT 1 AS one, CAST(2.5 AS DECIMAL(10,2)) AS price, true AS yes, CAST(NULL AS STRING) AS nothing, TIMESTAMP'2026-11-20 10:00:00' AS at, map('a', 1) AS m",
    );
    expect(status).toBe(200);
    expect(body.status).toEqual({ state: 'SUCCEEDED' });
    expect(body.manifest.schema.columns.map((c: Json) => [c.name, c.type_name])).toEqual([
      ['one', 'INT'],
      ['price', 'DECIMAL'],
      ['yes', 'BOOLEAN'],
      ['nothing', 'STRING'],
      ['at', 'TIMESTAMP'],
      ['m', 'MAP'],
    ]);
    expect(body.manifest.schema.columns[1]).toMatchObject({ type_precision: 10, type_scale: 2 });
    expect(body.result.data_array).toEqual([
      ['1', '2.50', 'true', null, '2026-11-20T10:00:00.000Z', '{"a":1}'],
    ]);
  });

  it('binds named parameters with their declared types', async () => {
    const { body } = await execute('SELECT :n + 1 AS n, :d AS d, :s AS s', {
      parameters: [
        { name: 'n', value: '41', type: 'INT' },
        { name: 'd', value: '2026-11-19', type: 'DATE' },
        { name: 's', value: "it's" },
      ],
    });
    expect(body.status.state).toBe('SUCCEEDED');
    expect(body.result.data_array).toEqual([['42', '2026-11-19', "it's"]]);
  });

  it('cuts results into chunks that link to the next one', async () => {
    const { body } = await execute('SELECT range AS i FROM range(7) ORDER BY i');
    expect(body.manifest).toMatchObject({ total_chunk_count: 3, total_row_count: 7, truncated: false });
    expect(body.result).toMatchObject({ chunk_index: 0, row_count: 3, next_chunk_index: 1 });
    const id = body.statement_id as string;
    const second = await call('GET', `/api/2.0/sql/statements/${id}/result/chunks/1`);
    expect(second.body).toMatchObject({
      chunk_index: 1,
      row_offset: 3,
      data_array: [['3'], ['4'], ['5']],
      next_chunk_internal_link: `/api/2.0/sql/statements/${id}/result/chunks/2`,
    });
    const last = await call('GET', `/api/2.0/sql/statements/${id}/result/chunks/2`);
    expect(last.body.data_array).toEqual([['6']]);
    expect(last.body.next_chunk_index).toBeUndefined();
    const beyond = await call('GET', `/api/2.0/sql/statements/${id}/result/chunks/3`);
    expect(beyond.status).toBe(400);
  });

  it('stops at row_limit and says the result is truncated', async () => {
    const { body } = await execute('SELECT range AS i FROM range(10)', { row_limit: 2 });
    expect(body.manifest).toMatchObject({ total_row_count: 2, truncated: true });
  });

  it('reports a failing statement as HTTP 200 with state FAILED, an error code and SQLSTATE', async () => {
    const syntax = await execute('SELECT FROM WHERE');
    expect(syntax.status).toBe(200);
    expect(syntax.body.status).toMatchObject({
      state: 'FAILED',
      error: { error_code: 'BAD_REQUEST' },
      sql_state: '42601',
    });
    const missing = await execute('SELECT * FROM system.nothing.here');
    expect(missing.body.status).toMatchObject({ state: 'FAILED', error: { error_code: 'NOT_FOUND' } });
    const writes = await execute('DELETE FROM system.billing.usage');
    expect(writes.body.status).toMatchObject({ state: 'FAILED', sql_state: '25006' });
  });

  it('answers wait_timeout 0s at once with PENDING and the statement can be polled to its end', async () => {
    const { body } = await execute('SELECT count(*) AS n FROM system.lakeflow.job_run_timeline', {
      wait_timeout: '0s',
    });
    expect(body.status.state).toBe('PENDING');
    let polled: Record<string, Json> = {};
    for (let i = 0; i < 50; i++) {
      polled = (await call('GET', `/api/2.0/sql/statements/${body.statement_id}`)).body;
      if (polled.status.state === 'SUCCEEDED') break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(polled.status.state).toBe('SUCCEEDED');
    expect(Number(polled.result.data_array[0][0])).toBeGreaterThan(0);
  });

  it('refuses malformed requests with 400 INVALID_PARAMETER_VALUE', async () => {
    const cases: Record<string, unknown>[] = [
      { statement: 'SELECT 1' },
      { warehouse_id: sim.warehouseId },
      { warehouse_id: sim.warehouseId, statement: 'SELECT 1', wait_timeout: '3s' },
      { warehouse_id: sim.warehouseId, statement: 'SELECT 1', wait_timeout: 'soon' },
      { warehouse_id: sim.warehouseId, statement: 'SELECT 1', on_wait_timeout: 'EXPLODE' },
      { warehouse_id: sim.warehouseId, statement: 'SELECT :a', parameters: [{ name: 'a', value: 1 }] },
      { warehouse_id: sim.warehouseId, statement: 'SELECT :a', parameters: [{ name: 'a' }, { name: 'a' }] },
      { warehouse_id: sim.warehouseId, statement: 'SELECT :a', parameters: { a: '1' } },
      { warehouse_id: sim.warehouseId, statement: 'SELECT 1', parameters: [{ name: "x'; DROP" }] },
      { warehouse_id: sim.warehouseId, statement: 'SELECT 1', row_limit: -1 },
      { warehouse_id: 'ffffffffffffffff', statement: 'SELECT 1' },
    ];
    for (const body of cases) {
      const answer = await call('POST', '/api/2.0/sql/statements', body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body.error_code).toBe('INVALID_PARAMETER_VALUE');
    }
  });

  it('answers EXTERNAL_LINKS with 501 NOT_IMPLEMENTED rather than a wrong shape', async () => {
    const answer = await execute('SELECT 1', { disposition: 'EXTERNAL_LINKS', format: 'ARROW_STREAM' });
    expect(answer).toMatchObject({ status: 501, body: { error_code: 'NOT_IMPLEMENTED' } });
  });

  it('answers a bad token with 401 and Databricks error body', async () => {
    const answer = await call(
      'POST',
      '/api/2.0/sql/statements',
      { warehouse_id: sim.warehouseId, statement: 'SELECT 1' },
      'dapi-wrong',
    );
    expect(answer).toMatchObject({ status: 401, body: { error_code: 'UNAUTHENTICATED' } });
  });

  it('answers an unknown statement id with 404', async () => {
    const answer = await call('GET', '/api/2.0/sql/statements/01ef0000-0000-0000-0000-000000000000');
    expect(answer).toMatchObject({ status: 404, body: { error_code: 'RESOURCE_DOES_NOT_EXIST' } });
  });

  it('cancels a long statement, which then reads CANCELED', async () => {
    const { body } = await execute(
      'SELECT count(*) AS n FROM range(100000) a, range(100000) b WHERE (a.range * b.range) % 7 = 3',
      { wait_timeout: '0s' },
    );
    // Give the engine time to start: an interrupt that arrives before DuckDB runs the statement is lost.
    await new Promise((r) => setTimeout(r, 300));
    const cancel = await call('POST', `/api/2.0/sql/statements/${body.statement_id}/cancel`, {});
    expect(cancel).toEqual({ status: 200, body: {} });
    let state = '';
    for (let i = 0; i < 100 && state !== 'CANCELED'; i++) {
      state = (await call('GET', `/api/2.0/sql/statements/${body.statement_id}`)).body.status.state;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(state).toBe('CANCELED');
  });

  it('cancels at wait_timeout when asked to with on_wait_timeout CANCEL', async () => {
    const { body } = await execute(
      'SELECT count(*) AS n FROM range(100000) a, range(100000) b WHERE (a.range * b.range) % 7 = 3',
      { wait_timeout: '5s', on_wait_timeout: 'CANCEL' },
    );
    expect(body.status.state).toBe('CANCELED');
  }, 15_000);

  it('runs the same statement twice as two statements with the same rows', async () => {
    const sql =
      'SELECT job_id, count(*) AS n FROM system.lakeflow.job_run_timeline GROUP BY job_id ORDER BY job_id';
    const [a, b] = await Promise.all([execute(sql), execute(sql)]);
    expect(a.body.statement_id).not.toBe(b.body.statement_id);
    expect(a.body.result.data_array).toEqual(b.body.result.data_array);
  });
});
