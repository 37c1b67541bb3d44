import { z } from 'zod';
import type { HttpTransport } from './http-transport.js';

const empty = z.looseObject({});

/** Statement Execution API 2.0: only cancel here; running SQL lives in the `Warehouse` abstraction. */
export interface StatementsApi {
  /** Best effort: returns once accepted; poll the statement for its final state. */
  cancelStatement(statementId: string): Promise<void>;
}

/** Builds the Statement Execution API (cancel) over a transport. */
export function createStatementsApi(transport: HttpTransport): StatementsApi {
  return {
    async cancelStatement(statementId) {
      await transport.request(
        {
          method: 'POST',
          path: `/api/2.0/sql/statements/${encodeURIComponent(statementId)}/cancel`,
          body: {},
          idempotent: true,
        },
        empty,
      );
    },
  };
}
