import { DbxopsError } from '../../domain/errors.js';

export type SinkErrorReason =
  | 'UNKNOWN_TABLE'
  | 'UNKNOWN_COLUMN'
  | 'INVALID_VALUE'
  | 'CLOSED'
  | 'EXPORT_FILE'
  /** A bulk load into DuckDB (or writing its batch file) failed: infrastructure, not the row. */
  | 'LOAD_FAILED';

/**
 * The simulator handed the system tables something they cannot store: a table or column Databricks
 * does not have, or a value that does not fit the column's type. Always a bug in the engine or a
 * scenario, so the message names the table, column and the offending value's shape.
 */
export class SinkError extends DbxopsError {
  readonly reason: SinkErrorReason;

  constructor(
    reason: SinkErrorReason,
    message: string,
    details: Record<string, unknown> = {},
    options?: ErrorOptions,
  ) {
    super('SYSTEM_TABLE_SINK', message, { reason, ...details }, options);
    this.reason = reason;
  }
}
