import { describe, expect, it } from 'vitest';
import type { SinkTableName } from '../../../src/sim/system-table-sink.js';
import { compileCanonicalCheck } from '../../../src/sim/tables/canonical-row-check.js';
import { columnsOf } from '../../../src/sim/tables/system-table-ddl.js';
import { BASE_MS } from './sample-rows.js';

const checkFor = (table: SinkTableName) => compileCanonicalCheck(columnsOf(table));

class Row {
  warehouse_id = 'x';
}

describe('compileCanonicalCheck', () => {
  it.each<[string, SinkTableName, unknown]>([
    [
      'strings, an int and whole epoch ms',
      'compute.warehouse_events',
      { warehouse_id: 'w', cluster_count: 3, event_time: BASE_MS },
    ],
    ['NULL and absent columns', 'compute.warehouse_events', { warehouse_id: null, event_type: undefined }],
    ['finite doubles and safe integers', 'compute.node_types', { core_count: 0.25, memory_mb: 2 ** 53 - 1 }],
    [
      'a valid date, a map of strings and nested structs',
      'billing.usage',
      {
        usage_date: '2026-11-20',
        custom_tags: { a: 'b', c: null },
        usage_metadata: { genie: { agent_id: 'g' } },
      },
    ],
    [
      'arrays of strings and of structs, holes included',
      'lakeflow.job_run_timeline',
      { compute_ids: ['a', null], compute: [{ type: 'CLASSIC' }] },
    ],
  ])('passes a row of %s as it is', (_label, table, row) => {
    expect(checkFor(table)(row)).toBe(true);
  });

  it.each<[string, SinkTableName, unknown]>([
    ['a decimal (always rewritten as exact text)', 'billing.usage', { usage_quantity: 1.5 }],
    ['a numeric id', 'compute.warehouse_events', { warehouse_id: 42 }],
    ['a bigint value', 'compute.node_types', { memory_mb: 5n }],
    ['fractional milliseconds', 'compute.warehouse_events', { event_time: BASE_MS + 0.5 }],
    ['a Date', 'compute.warehouse_events', { event_time: new Date(BASE_MS) }],
    ['a timestamp beyond the Date range', 'compute.warehouse_events', { event_time: 8.64e15 + 1 }],
    ['-2^31 in an int column', 'compute.warehouse_events', { cluster_count: -(2 ** 31) }],
    ['negative zero in a double column', 'compute.node_types', { core_count: -0 }],
    ['NaN in a double column', 'compute.node_types', { core_count: Number.NaN }],
    ['an impossible date', 'billing.usage', { usage_date: '2026-02-31' }],
    ['an undefined map entry', 'billing.usage', { custom_tags: { a: undefined } }],
    ['a Map', 'billing.usage', { custom_tags: new Map([['a', 'b']]) }],
    ['an unknown struct field', 'billing.usage', { identity_metadata: { hacker: 'x' } }],
    [
      'a class instance as a struct',
      'billing.usage',
      {
        identity_metadata: new (class {
          run_as = 'a';
        })(),
      },
    ],
    ['an unknown column', 'compute.warehouse_events', { clusters: 1 }],
    ['a class instance as the row', 'compute.warehouse_events', new Row()],
    ['a row with a null prototype', 'compute.warehouse_events', Object.create(null)],
    ['a row that is null', 'compute.warehouse_events', null],
    ['a row that is an array', 'compute.warehouse_events', []],
  ])('sends a row with %s the general way', (_label, table, row) => {
    expect(checkFor(table)(row)).toBe(false);
  });
});
