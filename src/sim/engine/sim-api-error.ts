import { DbxopsError } from '../../domain/errors.js';

/**
 * A REST-level refusal from the simulated workspace, carrying the HTTP status and the Databricks
 * `error_code` the real API answers with (e.g. 400 `INVALID_PARAMETER_VALUE` for a missing job).
 */
export class SimApiError extends DbxopsError {
  readonly status: number;
  readonly errorCode: string;

  constructor(status: number, errorCode: string, message: string) {
    super('SIM_API_ERROR', message, { status, errorCode });
    this.status = status;
    this.errorCode = errorCode;
  }
}

export const invalidParam = (message: string) => new SimApiError(400, 'INVALID_PARAMETER_VALUE', message);
export const invalidState = (message: string) => new SimApiError(400, 'INVALID_STATE', message);
export const notFound = (message: string) => new SimApiError(404, 'RESOURCE_DOES_NOT_EXIST', message);
