import { z } from 'zod';
import { DatabricksApiError } from './databricks-api-error.js';
import type { HttpTransport } from './http-transport.js';

const WORKSPACE_ID = /^\d{1,19}$/;

/**
 * The numeric id of the workspace behind `transport`, as the system tables spell it (`workspace_id`).
 * Databricks has no endpoint for it: its SDKs read the `X-Databricks-Org-Id` header of the SCIM `Me`
 * answer, and so do we. Throws `DatabricksApiError` (INVALID_RESPONSE) when the header is missing.
 */
export async function currentWorkspaceId(transport: HttpTransport): Promise<string> {
  let header: string | null = null;
  await transport.request(
    {
      method: 'GET',
      path: '/api/2.0/preview/scim/v2/Me',
      onResponseHeaders: (get) => {
        header = get('x-databricks-org-id');
      },
    },
    z.unknown(),
  );
  const id = (header as string | null)?.trim();
  if (id === undefined || !WORKSPACE_ID.test(id)) {
    throw new DatabricksApiError({
      reason: 'INVALID_RESPONSE',
      message:
        'the answer carries no X-Databricks-Org-Id header naming the workspace id; set DATABRICKS_WORKSPACE_ID',
      status: 200,
      method: 'GET',
      path: '/api/2.0/preview/scim/v2/Me',
    });
  }
  return id;
}
