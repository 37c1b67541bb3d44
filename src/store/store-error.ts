import { DbxopsError } from '../domain/errors.js';

export type StoreErrorReason = 'unavailable' | 'migration_failed' | 'invalid_url' | 'schema_mismatch';

/** The store could not be opened or migrated: infrastructure, not an expected outcome. */
export class StoreError extends DbxopsError {
  readonly reason: StoreErrorReason;

  constructor(
    reason: StoreErrorReason,
    message: string,
    details: Record<string, unknown> = {},
    options?: ErrorOptions,
  ) {
    super(`STORE_${reason.toUpperCase()}`, message, details, options);
    this.reason = reason;
  }
}

/** The SQLSTATE of a database error from node-postgres or PGlite, if there is one. */
function sqlState(error: unknown): string | undefined {
  if (error !== null && typeof error === 'object' && 'code' in error && typeof error.code === 'string') {
    return error.code;
  }
  return undefined;
}

/** 23505: a unique constraint or unique index refused the write. */
export const isUniqueViolation = (error: unknown): boolean => sqlState(error) === '23505';
/** 23503: a foreign key points at a row that does not exist. */
export const isForeignKeyViolation = (error: unknown): boolean => sqlState(error) === '23503';
