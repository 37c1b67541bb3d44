/** Conversions between domain values (epoch ms, objects) and column values (Date, jsonb text). */

export const toDate = (ms: number): Date => new Date(ms);
export const toDateOrNull = (ms: number | null | undefined): Date | null =>
  ms == null ? null : new Date(ms);
export const fromDate = (value: Date | string): number =>
  (value instanceof Date ? value : new Date(value)).getTime();
export const fromDateOrNull = (value: Date | string | null): number | null =>
  value === null ? null : fromDate(value);

/** jsonb parameters go in as text so node-postgres and PGlite treat arrays and objects alike. */
export const toJson = (value: unknown): string => JSON.stringify(value);

/** count(*) is a string in node-postgres and a number in PGlite. */
export const toCount = (value: unknown): number => Number(value ?? 0);
