import type { SqlValue } from '../../databricks/warehouse.js';

/** Readers for canonical warehouse values (`warehouse.ts`): a wrong or missing value reads as undefined. */
export type SqlRow = Readonly<Record<string, SqlValue>>;

export function str(row: SqlRow, key: string): string | undefined {
  const v = row[key];
  if (typeof v === 'string') return v === '' ? undefined : v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

export function num(row: SqlRow, key: string): number | undefined {
  const v = row[key];
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

/** A TIMESTAMP (`YYYY-MM-DDTHH:MM:SS.sssZ`) or epoch-ms number as epoch ms. */
export function ms(row: SqlRow, key: string): number | undefined {
  const v = row[key];
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v !== 'string') return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : t;
}

/** A MAP<STRING,STRING> as a plain record of strings. */
export function stringMap(row: SqlRow, key: string): Record<string, string> {
  const v = row[key];
  const out: Record<string, string> = {};
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return out;
  for (const [k, value] of Object.entries(v as Record<string, SqlValue>)) {
    if (typeof value === 'string') out[k] = value;
  }
  return out;
}

/** A TIMESTAMP parameter bound as Databricks expects it. */
export function tsParam(epochMs: number): { value: string; type: 'TIMESTAMP' } {
  return { value: new Date(epochMs).toISOString(), type: 'TIMESTAMP' };
}

/** A DATE parameter (the UTC day of `epochMs`), for partition pruning on `*_date` columns. */
export function dateParam(epochMs: number): { value: string; type: 'DATE' } {
  return { value: new Date(epochMs).toISOString().slice(0, 10), type: 'DATE' };
}
