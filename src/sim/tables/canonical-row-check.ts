import type { ColumnType } from './column-type.js';
import type { TableColumns } from './system-table-columns.js';
import { isDateText, MAX_EPOCH_MS } from './value-checks.js';

/**
 * Answers, for one table, whether a row can go to `JSON.stringify` exactly as it is: every key a
 * column, every value already in the form the bulk sink writes (a string for a string column, a
 * whole number of milliseconds for a timestamp, …). Most of the engine's rows are; the few that are
 * not (decimals, numeric ids, anything wrong) take the general path, which converts or throws.
 */
export type CanonicalRowCheck = (row: unknown) => boolean;

/** What the generated code refers to besides its row. */
interface CheckContext {
  readonly sets: ReadonlySet<string>[];
  readonly isDateText: (value: string) => boolean;
}

/**
 * Compiles the check for a table's columns. Generated code rather than a walk over the column list:
 * each column becomes one property read with a constant name and an inline `typeof` test, which V8
 * turns into a few machine instructions; a generic walk costs microseconds a row (checked at
 * millions of rows per export). Column and field names come from our own schema and are embedded as
 * JSON string literals, never as code.
 */
export function compileCanonicalCheck(columns: TableColumns): CanonicalRowCheck {
  const context: CheckContext = { sets: [], isDateText };
  let counter = 0;
  const fresh = (prefix: string): string => `${prefix}${counter++}`;

  const knownSet = (names: readonly string[]): string => {
    context.sets.push(new Set(names));
    return `sets[${context.sets.length - 1}]`;
  };

  /** Statements that `return false` unless `v` (neither null nor undefined) is canonical for `type`. */
  const check = (type: ColumnType, v: string): string => {
    switch (type.kind) {
      case 'string':
        return `if (typeof ${v} !== 'string') return false;`;
      case 'boolean':
        return `if (typeof ${v} !== 'boolean') return false;`;
      case 'int':
        // toInt32 accepts |n| ≤ 2^31 - 1, so -2^31 (a valid int32) goes the general way and is refused.
        return `if (typeof ${v} !== 'number' || (${v} | 0) !== ${v} || ${v} === -2147483648) return false;`;
      case 'bigint':
        return `if (typeof ${v} !== 'number' || !Number.isSafeInteger(${v})) return false;`;
      case 'double':
        return `if (typeof ${v} !== 'number' || !Number.isFinite(${v}) || (${v} === 0 && 1 / ${v} < 0)) return false;`;
      case 'decimal':
        return 'return false;';
      case 'timestamp':
        return `if (typeof ${v} !== 'number' || !Number.isInteger(${v}) || ${v} > ${MAX_EPOCH_MS} || ${v} < -${MAX_EPOCH_MS}) return false;`;
      case 'date':
        return `if (typeof ${v} !== 'string' || !isDateText(${v})) return false;`;
      case 'array': {
        const i = fresh('i');
        const e = fresh('e');
        return `if (!Array.isArray(${v}) || Object.getPrototypeOf(${v}) !== Array.prototype) return false;
          for (let ${i} = 0; ${i} < ${v}.length; ${i}++) {
            const ${e} = ${v}[${i}];
            if (${e} !== undefined && ${e} !== null) { ${check(type.element, e)} }
          }`;
      }
      case 'map': {
        const k = fresh('k');
        const e = fresh('e');
        // An undefined entry must become null (JSON.stringify would drop the key): general path.
        return `if (typeof ${v} !== 'object' || ${v} === null || Object.getPrototypeOf(${v}) !== Object.prototype) return false;
          for (const ${k} in ${v}) {
            const ${e} = ${v}[${k}];
            if (${e} === undefined) return false;
            if (${e} !== null) { ${check(type.value, e)} }
          }`;
      }
      case 'struct': {
        const k = fresh('k');
        const known = knownSet(Object.keys(type.fields));
        const fields = Object.entries(type.fields).map(([name, field]) => {
          const f = fresh('f');
          return `const ${f} = ${v}[${JSON.stringify(name)}];
            if (${f} !== undefined && ${f} !== null) { ${check(field, f)} }`;
        });
        const keyCheck = `for (const ${k} in ${v}) if (!${known}.has(${k})) return false;`;
        return `if (typeof ${v} !== 'object' || ${v} === null || Object.getPrototypeOf(${v}) !== Object.prototype) return false;
          ${keyCheck}
          ${fields.join('\n')}`;
      }
    }
  };

  const body = check(
    { kind: 'struct', fields: Object.fromEntries(columns.map(([name, type]) => [name, type])) },
    'row',
  );
  const factory = new Function(
    'sets',
    'isDateText',
    `return function canonicalRow(row) {\n${body}\nreturn true;\n};`,
  );
  return factory(context.sets, context.isDateText) as CanonicalRowCheck;
}
