import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatabricksSqlWarehouse } from '../../src/databricks/databricks-sql-warehouse.js';
import { patAuth } from '../../src/databricks/auth/auth-provider.js';
import { createHttpTransport } from '../../src/databricks/rest/http-transport.js';
import { StatementExecutionWarehouse } from '../../src/databricks/statement-execution-warehouse.js';
import {
  type QueryOptions,
  type QueryResult,
  type Warehouse,
  WarehouseError,
} from '../../src/databricks/warehouse.js';
import { startWireServer, type WireServerHandle } from '../../src/sim/wire/start-wire-server.js';
import { ensureLocalTls } from '../../src/sim/wire/tls.js';
import { type SimWithTables, simWithTables, TOKEN } from '../sim/wire/wire-fixture.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let sim: SimWithTables;
let wire: WireServerHandle;
let warehouses: Record<'duckdb' | 'statement-execution' | 'thrift', Warehouse>;
let tlsCa = '';
/** A service principal the simulator knows, for OAuth M2M (client credentials). */
const OAUTH = { clientId: 'dbxops-monitoring-sp', clientSecret: 'sp-secret-not-a-token' };

beforeAll(async () => {
  sim = await simWithTables(4);
  const tls = await ensureLocalTls({ dir: mkdtempSync(join(tmpdir(), 'dbxops-tls-')) });
  wire = await startWireServer({
    workspace: sim.workspace,
    warehouse: sim.warehouse,
    tls,
    statements: { chunkRows: 5 },
    sim: { tokens: [TOKEN], oauthClients: [{ clientId: OAUTH.clientId, clientSecret: OAUTH.clientSecret }] },
  });
  tlsCa = tls.caCert;
  const sim443 = new URL(wire.url);
  warehouses = {
    duckdb: sim.direct,
    'statement-execution': new StatementExecutionWarehouse({
      transport: createHttpTransport({ baseUrl: wire.sim.url, auth: patAuth(TOKEN) }),
      warehouseId: sim.warehouseId,
      pollMs: 10,
    }),
    thrift: new DatabricksSqlWarehouse({
      host: sim443.hostname,
      port: wire.port,
      path: wire.warehousePath(sim.warehouseId),
      auth: { kind: 'pat', token: TOKEN },
      caCert: tls.caCert,
    }),
  };
}, 60_000);

afterAll(async () => {
  await warehouses?.thrift.close();
  await warehouses?.['statement-execution'].close();
  await wire?.close();
  await sim?.close();
});

/** Complex column types are compared by their outer kind: Thrift from a real warehouse names only that. */
const normalise = (result: QueryResult) => ({
  columns: result.columns.map((c) => ({
    name: c.name,
    type: c.type.replace(/^(ARRAY|MAP|STRUCT)<.*$/s, '$1'),
  })),
  rows: result.rows,
  truncated: result.truncated,
});

const QUERIES: [string, string, QueryOptions?][] = [
  [
    'an aggregate with decimals and NULLs',
    'SELECT sku_name, sum(usage_quantity) AS q, count(*) AS n, count(usage_quantity) AS non_null FROM system.billing.usage GROUP BY sku_name ORDER BY sku_name',
  ],
  [
    'a map column and a map lookup',
    "SELECT record_id, custom_tags, custom_tags['team'] AS team FROM system.billing.usage WHERE record_id LIKE 'fixed-%' ORDER BY record_id",
  ],
  [
    'a struct column and a struct field',
    "SELECT record_id, usage_metadata, usage_metadata.job_id AS job_id FROM system.billing.usage WHERE record_id LIKE 'fixed-%' ORDER BY record_id",
  ],
  [
    'timestamps and dates',
    "SELECT record_id, usage_start_time, usage_date, date_trunc('DAY', usage_end_time) AS day FROM system.billing.usage WHERE record_id LIKE 'fixed-%' ORDER BY record_id LIMIT 5",
  ],
  [
    'a join between two system tables',
    'SELECT j.name, count(r.run_id) AS runs FROM system.lakeflow.jobs j LEFT JOIN system.lakeflow.job_run_timeline r ON r.job_id = j.job_id GROUP BY j.name ORDER BY j.name',
  ],
  [
    'typed named parameters',
    'SELECT :s AS s, :n AS n, :d AS d, :b AS b, :ts AS ts, :nothing AS nothing',
    {
      params: {
        s: "it's",
        n: 42,
        d: { value: '2026-11-19', type: 'DATE' },
        b: true,
        ts: new Date(Date.UTC(2026, 10, 20, 1, 2, 3)),
        nothing: null,
      },
    },
  ],
  [
    'a parameter in a filter',
    'SELECT count(*) AS n FROM system.billing.usage WHERE usage_quantity > :q',
    { params: { q: { value: '0.5', type: 'DECIMAL(10,3)' } } },
  ],
  // Beyond 2^53 the driver's column-based results turn a BIGINT into Infinity (node-int64 toNumber), so
  // the largest exact integer is the contract here.
  [
    'big integers and doubles',
    'SELECT 9007199254740991 AS big, CAST(1.5 AS DOUBLE) AS dbl, CAST(7 AS SMALLINT) AS small, true AS yes, [1, 2, 3] AS arr',
  ],
  ['a row limit that truncates', 'SELECT range AS i FROM range(20) ORDER BY i', { rowLimit: 12 }],
  ['an empty result', "SELECT record_id FROM system.billing.usage WHERE record_id = 'none'"],
];

describe('the same SQL through all three Warehouse implementations', () => {
  for (const [what, sql, options] of QUERIES) {
    it(`returns the same rows for ${what}`, async () => {
      const expected = normalise(await warehouses.duckdb.query(sql, options));
      expect(normalise(await warehouses['statement-execution'].query(sql, options))).toEqual(expected);
      expect(normalise(await warehouses.thrift.query(sql, options))).toEqual(expected);
    });
  }

  for (const [what, sql] of [
    ['a syntax error', 'SELECT FROM WHERE'],
    ['a missing table', 'SELECT * FROM system.nothing.here'],
    ['a write', 'DELETE FROM system.billing.usage'],
  ] as const) {
    it(`fails the same way for ${what}`, async () => {
      const reasons = [];
      for (const warehouse of Object.values(warehouses)) {
        const error = await warehouse.query(sql).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(WarehouseError);
        reasons.push([(error as WarehouseError).reason, (error as WarehouseError).sqlState]);
      }
      expect(new Set(reasons.map((r) => r.join('/'))).size, JSON.stringify(reasons)).toBe(1);
    });
  }
});

/** fetch that trusts the simulator's local CA, for the OAuth token endpoint on the workspace host. */
function trustingLocalCa(): typeof fetch {
  const dispatcher = new Agent({ connect: { ca: tlsCa } });
  return ((input: string | URL | Request, init?: RequestInit) =>
    undiciFetch(String(input instanceof Request ? input.url : input), {
      ...(init as Record<string, unknown>),
      dispatcher,
    })) as unknown as typeof fetch;
}

describe('@databricks/sql with OAuth M2M', () => {
  it('gets a token for the service principal from the workspace and returns the same rows', async () => {
    const oauth = new DatabricksSqlWarehouse({
      host: new URL(wire.url).hostname,
      port: wire.port,
      path: wire.warehousePath(sim.warehouseId),
      auth: { kind: 'oauth-m2m', ...OAUTH },
      caCert: tlsCa,
      fetch: trustingLocalCa(),
    });
    try {
      const sql =
        'SELECT sku_name, count(*) AS n FROM system.billing.usage GROUP BY sku_name ORDER BY sku_name';
      const [viaOauth, embedded] = await Promise.all([oauth.query(sql), warehouses.duckdb.query(sql)]);
      expect(viaOauth.rows).toEqual(embedded.rows);
    } finally {
      await oauth.close();
    }
  });

  it('is refused with a wrong client secret', async () => {
    const wrong = new DatabricksSqlWarehouse({
      host: new URL(wire.url).hostname,
      port: wire.port,
      path: wire.warehousePath(sim.warehouseId),
      auth: { kind: 'oauth-m2m', clientId: OAUTH.clientId, clientSecret: 'wrong' },
      caCert: tlsCa,
      fetch: trustingLocalCa(),
    });
    try {
      await expect(wrong.query('SELECT 1 AS one')).rejects.toThrow();
    } finally {
      await wrong.close();
    }
  });
});
