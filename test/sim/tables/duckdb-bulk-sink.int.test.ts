import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SinkTableName, SystemTableRow, SystemTableSink } from '../../../src/sim/system-table-sink.js';
import { DuckDbBulkSink } from '../../../src/sim/tables/duckdb-bulk-sink.js';
import { DuckDbSink } from '../../../src/sim/tables/duckdb-sink.js';
import { SinkError } from '../../../src/sim/tables/sink-error.js';
import { quotedStorageName } from '../../../src/sim/tables/system-table-ddl.js';
import { BASE_MS } from './sample-rows.js';
import { describeSinkContract } from './sink-contract.js';

describeSinkContract('DuckDbBulkSink', (connection) => DuckDbBulkSink.create(connection), {
  sinkReadsFiles: true,
});

/** One in-memory database with a sink on its own connection and a second connection to read with. */
interface Database {
  readonly instance: DuckDBInstance;
  readonly sinkConnection: DuckDBConnection;
  readonly reader: DuckDBConnection;
}

async function openDatabase(): Promise<Database> {
  const instance = await DuckDBInstance.create(':memory:');
  return { instance, sinkConnection: await instance.connect(), reader: await instance.connect() };
}

function closeDatabase(db: Database): void {
  db.reader.closeSync();
  db.sinkConnection.closeSync();
  db.instance.closeSync();
}

/** Every row of a table in storage order, as DuckDB's JSON-friendly values. */
async function tableRows(db: Database, table: SinkTableName): Promise<unknown[]> {
  const reader = await db.reader.runAndReadAll(`SELECT * FROM ${quotedStorageName(table)}`);
  return reader.getRowObjectsJson();
}

/** Values that have broken serialisers before: quoting, escapes, unicode, NUL, lone surrogates. */
const HOSTILE_STRINGS = [
  'plain',
  `quotes ' and " and \`backticks\``,
  'back\\slash and a literal \\u0000 and \\ud800 escape',
  'new\nline, carriage\rreturn, tab\t, form\ffeed, bell\u0007',
  'NUL \u0000 inside',
  'unicode «ü» 日本語 and an emoji 😀 and a combining é',
  'a lone high surrogate \ud800 and a lone low one \udc00, then a pair 😀',
  '\u2028 line and paragraph \u2029 separators',
  '{"looks":"like json"}',
  "'); DROP TABLE billing.usage; --",
  '',
];

/** The same rows through both sinks: what the appender stores, the bulk loader must store. */
const EQUIVALENCE_ROWS: readonly [SinkTableName, SystemTableRow[]][] = [
  [
    'compute.warehouse_events',
    [
      ...HOSTILE_STRINGS.map((text, i) => ({
        account_id: text,
        warehouse_id: `wh-${i}`,
        event_type: text,
        cluster_count: i,
        event_time: BASE_MS + i,
      })),
      // Numeric ids, fractional and Date timestamps, the int range's edges.
      { warehouse_id: 298_120_471_834_650, cluster_count: 2_147_483_647, event_time: BASE_MS + 0.5 },
      { warehouse_id: 7n, cluster_count: -2_147_483_647, event_time: new Date(BASE_MS) },
      { warehouse_id: 'ms', cluster_count: 5n, event_time: -1.5 },
      { warehouse_id: 'far', event_time: 8.64e15 },
      { warehouse_id: 'past', event_time: -8.64e15 },
      { warehouse_id: 'nulls', account_id: null, event_type: undefined, cluster_count: null },
    ],
  ],
  [
    'compute.node_types',
    [
      0.1 + 0.2,
      -0,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      5e-324,
      1.7976931348623157e308,
      1e21,
      123456789012345680000,
      -1.5e-7,
      3,
    ].map((core_count, i) => ({
      node_type: `n${i}`,
      core_count,
      memory_mb: 2 ** 53 - 1 - i,
      gpu_count: -(2 ** 53) + 1,
    })),
  ],
  [
    'ops.etl_audit',
    [
      { table_full_name: 'max', rows_written: 2n ** 63n - 1n, load_time: BASE_MS },
      { table_full_name: 'min', rows_written: -(2n ** 63n), load_time: BASE_MS },
      { table_full_name: 'safe', rows_written: Number.MAX_SAFE_INTEGER },
      { table_full_name: 'zero', rows_written: -0 },
    ],
  ],
  [
    'billing.usage',
    [
      ...[
        0.1,
        '0.2',
        1e-10,
        -0.0000000001,
        0.1234567899,
        '99999999999999999999999999999.999999999',
        '-12.5',
        ' 7 ',
        12345678.123456789,
        1e20,
        5n,
        1e-7,
      ].map((usage_quantity, i) => ({
        record_id: `d${i}`,
        usage_quantity,
        usage_date: '2026-11-20',
        custom_tags: { team: 'finance', 'key with "quotes"': HOSTILE_STRINGS[i % HOSTILE_STRINGS.length] },
        usage_metadata: { job_id: String(i), genie: { agent_id: 'a', channel: null } },
        product_features: { is_serverless: i % 2 === 0, networking: {} },
      })),
      // Dates from epoch ms and Date objects, far from today on both sides of year 1.
      { record_id: 'date-ms', usage_date: BASE_MS, ingestion_date: new Date(BASE_MS) },
      { record_id: 'date-far', usage_date: 1e15, ingestion_date: -1e14 },
      // Maps: a Map, an undefined entry, a __proto__ key, an empty map; a struct with every field absent.
      { record_id: 'map', custom_tags: new Map([['k', 'v']]), identity_metadata: {} },
      { record_id: 'map-undefined', custom_tags: { a: undefined, b: 'x' } },
      { record_id: 'map-proto', custom_tags: JSON.parse('{"__proto__":"x","constructor":"y"}') },
      { record_id: 'map-empty', custom_tags: {} },
    ],
  ],
  [
    'lakeflow.job_run_timeline',
    [
      {
        run_id: '1',
        compute_ids: ['a', null, undefined, 'b'],
        compute: [{ type: 'CLASSIC', cluster_id: 'c1' }, { warehouse_id: 'w1', type: null }, {}],
        job_parameters: { env: 'prod', quote: '"' },
      },
      // biome-ignore lint/suspicious/noSparseArray: a hole in an array is a NULL element.
      { run_id: '2', compute_ids: [, 'x'], compute: [], job_parameters: new Map() },
    ],
  ],
  [
    'compute.node_timeline',
    [
      {
        instance_id: 'i',
        cpu_user_percent: 12.5,
        disk_free_bytes_per_mount_point: { '/': 2 ** 40, '/local_disk0': 7n, '/ü': null },
      },
    ],
  ],
  [
    'query.history',
    [
      {
        statement_id: 's',
        statement_text: HOSTILE_STRINGS.join('\n'),
        query_parameters: { named_parameters: { p: 'v' }, pos_parameters: ['1', '2'], is_truncated: false },
        query_source: { job_info: { job_id: '1' }, pipeline_info: null },
      },
    ],
  ],
];

/** Rows that are not plain data: class instances, null prototypes, frozen objects, inherited fields. */
class RowWithToJson {
  warehouse_id = 'class-row';
  event_type = 'RUNNING';
  toJSON(): unknown {
    return { warehouse_id: 'what JSON.stringify would have written' };
  }
}

function unusualObjectRows(): SystemTableRow[] {
  const nullPrototype = Object.assign(Object.create(null) as SystemTableRow, { warehouse_id: 'null-proto' });
  const inherited = Object.create({
    warehouse_id: 'inherited',
    event_type: 'FROM_PROTOTYPE',
  }) as SystemTableRow;
  return [
    new RowWithToJson() as unknown as SystemTableRow,
    nullPrototype,
    inherited,
    Object.freeze({ warehouse_id: 'frozen' }),
  ];
}

describe('DuckDbBulkSink', () => {
  let appenderDb: Database;
  let bulkDb: Database;
  let appender: DuckDbSink;
  let bulk: DuckDbBulkSink;
  let dir: string;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dbxops-bulk-test-'));
    appenderDb = await openDatabase();
    bulkDb = await openDatabase();
    appender = await DuckDbSink.create(appenderDb.sinkConnection);
    bulk = await DuckDbBulkSink.create(bulkDb.sinkConnection, { tempDirectory: dir });
  });

  afterEach(async () => {
    await appender.close();
    await bulk.close().catch(() => {});
    closeDatabase(appenderDb);
    closeDatabase(bulkDb);
    rmSync(dir, { recursive: true, force: true });
  });

  const both = (table: SinkTableName, rows: readonly SystemTableRow[]): void => {
    appender.append(table, rows);
    bulk.append(table, rows);
  };

  const expectSameTables = async (tables: readonly SinkTableName[]): Promise<void> => {
    await appender.flush();
    await bulk.flush();
    for (const table of tables) {
      const expected = await tableRows(appenderDb, table);
      expect(expected.length, table).toBeGreaterThan(0);
      expect(await tableRows(bulkDb, table), table).toEqual(expected);
    }
  };

  it.each(EQUIVALENCE_ROWS)(
    'stores %s rows with hostile values exactly as the appender sink does',
    async (table, rows) => {
      both(table, rows);
      await expectSameTables([table]);
    },
  );

  it('stores negative zero, NaN and the infinities as DOUBLEs, not as NULL or zero', async () => {
    bulk.append(
      'compute.node_types',
      [-0, Number.NaN, Number.POSITIVE_INFINITY].map((core_count) => ({ core_count })),
    );
    await bulk.flush();
    const reader = await bulkDb.reader.runAndReadAll(
      'SELECT CAST(core_count AS VARCHAR), 1 / core_count < 0 FROM compute.node_types',
    );
    expect(reader.getRowsJson()).toEqual([
      ['-0.0', true],
      ['nan', false],
      ['inf', false],
    ]);
  });

  it('stores a lone surrogate as U+FFFD, as the appender does, instead of failing the whole load', async () => {
    bulk.append('compute.warehouse_events', [{ warehouse_id: 'a\ud800b', event_type: 'ok' }]);
    await bulk.flush();
    const reader = await bulkDb.reader.runAndReadAll(
      'SELECT warehouse_id, event_type FROM compute.warehouse_events',
    );
    expect(reader.getRowsJson()).toEqual([['a\ufffdb', 'ok']]);
  });

  it('reads class instances, null-prototype, frozen and inherited-field rows by their properties, as the appender does', async () => {
    both('compute.warehouse_events', unusualObjectRows());
    await expectSameTables(['compute.warehouse_events']);
    const reader = await bulkDb.reader.runAndReadAll('SELECT warehouse_id FROM compute.warehouse_events');
    expect(reader.getRowsJson().flat()).toEqual(['class-row', 'null-proto', 'inherited', 'frozen']);
  });

  it('reads a polluted Object.prototype field into rows that lack it, as the appender does', async () => {
    const prototype = Object.prototype as Record<string, unknown>;
    prototype.event_type = 'POLLUTED';
    try {
      both('compute.warehouse_events', [{ warehouse_id: 'a' }, { warehouse_id: 'b', event_type: 'OWN' }]);
    } finally {
      delete prototype.event_type;
    }
    await expectSameTables(['compute.warehouse_events']);
    const reader = await bulkDb.reader.runAndReadAll('SELECT event_type FROM compute.warehouse_events');
    expect(reader.getRowsJson().flat()).toEqual(['POLLUTED', 'OWN']);
  });

  it('stores a string far larger than DuckDB reads in one JSON object by default (16 MB)', async () => {
    const huge = `${'x'.repeat(20_000_000)}«ü»`;
    bulk.append('query.history', [{ statement_id: 'big', statement_text: huge }]);
    bulk.append('query.history', [{ statement_id: 'small', statement_text: 'SELECT 1' }]);
    await bulk.flush();
    const reader = await bulkDb.reader.runAndReadAll(
      'SELECT statement_id, length(statement_text), right(statement_text, 3) FROM query.history',
    );
    expect(reader.getRowsJson()).toEqual([
      ['big', '20000003', '«ü»'],
      ['small', '8', 'T 1'],
    ]);
  });

  it('keeps the order of rows across many appends and background loads', async () => {
    const rows = Array.from({ length: 7000 }, (_, i) => ({ warehouse_id: `wh${i}`, cluster_count: i }));
    for (let start = 0; start < rows.length; start += 1000) {
      bulk.append('compute.warehouse_events', rows.slice(start, start + 1000));
      if (start % 2000 === 0) await bulk.ready();
    }
    await bulk.flush();
    const reader = await bulkDb.reader.runAndReadAll('SELECT cluster_count FROM compute.warehouse_events');
    expect(reader.getRowsJson().map(([n]) => n)).toEqual(rows.map((r) => r.cluster_count));
  });

  it('keeps rows loaded in the background unseen by other connections until flush commits them', async () => {
    bulk.append('compute.warehouse_events', [{ warehouse_id: 'wh1' }]);
    await bulk.ready();
    await bulk.ready();
    const before = await bulkDb.reader.runAndReadAll('SELECT count(*) FROM compute.warehouse_events');
    expect(before.getRowsJson()).toEqual([['0']]);
    await bulk.flush();
    const after = await bulkDb.reader.runAndReadAll('SELECT count(*) FROM compute.warehouse_events');
    expect(after.getRowsJson()).toEqual([['1']]);
  });

  it.each<[string, SinkTableName, SystemTableRow]>([
    ['a string in a timestamp column', 'compute.warehouse_events', { event_time: '2026-11-20T12:00:00Z' }],
    ['a timestamp beyond the Date range', 'compute.warehouse_events', { event_time: 8.64e15 + 1 }],
    ['an Invalid Date', 'compute.warehouse_events', { event_time: new Date(Number.NaN) }],
    ['an impossible date', 'billing.usage', { usage_date: '2026-02-31' }],
    ['text in a decimal column', 'billing.usage', { usage_quantity: '12abc' }],
    ['an oversized decimal', 'billing.usage', { usage_quantity: 1e30 }],
    ['Infinity in a decimal column', 'billing.usage', { usage_quantity: Number.POSITIVE_INFINITY }],
    ['a non-integer in a bigint column', 'ops.etl_audit', { rows_written: 1.5 }],
    ['a bigint beyond 64 bits', 'ops.etl_audit', { rows_written: 2n ** 63n }],
    ['an unsafe integer as a number', 'ops.etl_audit', { rows_written: 2 ** 53 }],
    ['an int beyond 32 bits', 'compute.warehouse_events', { cluster_count: 2 ** 31 }],
    ['an object in a string column', 'compute.warehouse_events', { warehouse_id: { id: 1 } }],
    ['a symbol in a string column', 'compute.warehouse_events', { warehouse_id: Symbol('x') }],
    ['a string in a double column', 'compute.node_types', { core_count: '1.5' }],
    ['a number in a boolean column', 'compute.clusters', { enable_elastic_disk: 1 }],
    ['an unknown struct field', 'billing.usage', { identity_metadata: { run_as: 'a', hacker: 'b' } }],
    ['a bad value deep in a struct', 'billing.usage', { usage_metadata: { genie: { agent_id: 42.5 } } }],
    ['an array in a map column', 'billing.usage', { custom_tags: ['a'] }],
    ['a number in a map of strings', 'billing.usage', { custom_tags: { a: 1.5 } }],
    [
      'two map keys that are the same text',
      'billing.usage',
      {
        custom_tags: new Map<unknown, string>([
          [1, 'a'],
          ['1', 'b'],
        ]),
      },
    ],
    ['an object in an array of strings', 'lakeflow.job_tasks', { depends_on_keys: [{}] }],
    ['an unknown column', 'compute.warehouse_events', { warehouse_id: 'x', clusters: 2 }],
    ['a __proto__ key', 'compute.warehouse_events', JSON.parse('{"warehouse_id":"a","__proto__":{"x":1}}')],
  ])(
    'rejects %s with the same SinkError as the appender and keeps none of the rows of that call',
    async (_label, table, row) => {
      const attempt = (sink: SystemTableSink): SinkError => {
        try {
          sink.append(table, [{}, row]);
        } catch (error) {
          if (error instanceof SinkError) return error;
          throw error;
        }
        throw new Error('expected a SinkError');
      };
      const fromAppender = attempt(appender);
      const fromBulk = attempt(bulk);
      expect({ reason: fromBulk.reason, message: fromBulk.message, details: fromBulk.details }).toEqual({
        reason: fromAppender.reason,
        message: fromAppender.message,
        details: fromAppender.details,
      });
      await bulk.flush();
      expect(await tableRows(bulkDb, table)).toEqual([]);
      // The sink goes on working after a refused call.
      bulk.append(table, [{}]);
      await bulk.flush();
      expect(await tableRows(bulkDb, table)).toHaveLength(1);
    },
  );

  it('rejects rows that are not objects and tables it does not know', () => {
    expect(() => bulk.append('compute.warehouse_events', ['row' as unknown as SystemTableRow])).toThrow(
      /not an object/,
    );
    expect(() => bulk.append('compute.warehouse_events', [[] as unknown as SystemTableRow])).toThrow(
      /not an object/,
    );
    const unknown = () => bulk.append('billing.usages' as SinkTableName, [{}]);
    expect(unknown).toThrow(SinkError);
    expect(unknown).toThrow(/billing\.usages/);
  });

  it('writes its batch files under its own directory and removes them once loaded, and the directory on close', async () => {
    const [own] = readdirSync(dir);
    expect(own).toMatch(/^dbxops-bulk-sink-/);
    const sinkDir = join(dir, own ?? '');
    bulk.append('compute.warehouse_events', [{ warehouse_id: 'wh1' }]);
    expect(readdirSync(sinkDir)).toHaveLength(1);
    await bulk.flush();
    expect(readdirSync(sinkDir)).toEqual([]);
    await bulk.close();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('fails the flush with LOAD_FAILED when DuckDB cannot load a batch, and refuses appends from then on', async () => {
    const db = await openDatabase();
    const before = readdirSync(dir);
    // No tables: rows pass the checks, but the INSERT fails inside DuckDB.
    const broken = await DuckDbBulkSink.create(db.sinkConnection, {
      createTables: false,
      tempDirectory: dir,
    });
    try {
      broken.append('compute.warehouse_events', [{ warehouse_id: 'wh1' }]);
      await expect(broken.flush()).rejects.toMatchObject({ reason: 'LOAD_FAILED' });
      expect(() => broken.append('compute.warehouse_events', [{}])).toThrow(/could not load/);
    } finally {
      await broken.close().catch(() => {});
      closeDatabase(db);
    }
    // Its batch files went with its directory, failure or not.
    expect(readdirSync(dir)).toEqual(before);
  });
});
