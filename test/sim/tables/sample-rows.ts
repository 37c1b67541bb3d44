import type { ColumnType } from '../../../src/sim/tables/column-type.js';
import { columnsOf } from '../../../src/sim/tables/system-table-ddl.js';
import type { SinkTableName } from '../../../src/sim/system-table-sink.js';

/** 2026-11-20T12:00:00.000Z */
export const BASE_MS = Date.UTC(2026, 10, 20, 12, 0, 0);

interface Sample {
  /** In the sink contract's conventions. */
  readonly input: unknown;
  /** As the warehouse's canonical values. */
  readonly expected: unknown;
}

/** A deterministic value for a column type, and what the warehouse should give back for it. */
function sampleFor(type: ColumnType, seed: number, label: string): Sample {
  switch (type.kind) {
    case 'string': {
      // Quotes, a would-be injection and non-ASCII text must come back verbatim.
      const text = seed % 2 === 0 ? `${label}-${seed}` : `${label}'; DROP TABLE x; -- «ü» ${seed}`;
      return { input: text, expected: text };
    }
    case 'boolean':
      return { input: seed % 2 === 0, expected: seed % 2 === 0 };
    case 'int':
      return { input: seed + 7, expected: seed + 7 };
    case 'bigint':
      return { input: 2 ** 40 + seed, expected: 2 ** 40 + seed };
    case 'double':
      return { input: seed + 0.25, expected: seed + 0.25 };
    case 'decimal':
      return { input: 1234.5 + seed, expected: 1234.5 + seed };
    case 'timestamp': {
      const ms = BASE_MS + seed * 1000 + 123;
      return { input: ms, expected: new Date(ms).toISOString() };
    }
    case 'date': {
      const day = new Date(BASE_MS + seed * 86_400_000).toISOString().slice(0, 10);
      return { input: day, expected: day };
    }
    case 'array': {
      const a = sampleFor(type.element, seed, `${label}[0]`);
      const b = sampleFor(type.element, seed + 1, `${label}[1]`);
      return { input: [a.input, b.input], expected: [a.expected, b.expected] };
    }
    case 'map': {
      const v = sampleFor(type.value, seed, `${label}.v`);
      return {
        input: { team: v.input, 'key with space': v.input },
        expected: { team: v.expected, 'key with space': v.expected },
      };
    }
    case 'struct': {
      const input: Record<string, unknown> = {};
      const expected: Record<string, unknown> = {};
      Object.entries(type.fields).forEach(([name, field], index) => {
        // Leave every third field out: a missing struct field is NULL.
        if (index % 3 === 2) {
          expected[name] = null;
          return;
        }
        const sample = sampleFor(field, seed + index, `${label}.${name}`);
        input[name] = sample.input;
        expected[name] = sample.expected;
      });
      return { input, expected };
    }
  }
}

/** A full row for `table` (every column set) and the row the warehouse should return. */
export function sampleRow(
  table: SinkTableName,
  seed: number,
): { input: Record<string, unknown>; expected: Record<string, unknown> } {
  const input: Record<string, unknown> = {};
  const expected: Record<string, unknown> = {};
  columnsOf(table).forEach(([name, type], index) => {
    const sample = sampleFor(type, seed + index, name);
    input[name] = sample.input;
    expected[name] = sample.expected;
  });
  return { input, expected };
}
