/**
 * Supplies the `Authorization` header for each Databricks request. A provider that can mint a fresh
 * credential (OAuth) implements `invalidate`; the transport calls it once after a 401 and retries.
 */
export interface AuthProvider {
  readonly kind: 'pat' | 'oauth-m2m' | 'none';
  /** The full header value, e.g. `Bearer dapi…`; undefined sends no header. */
  authorization(signal?: AbortSignal): Promise<string | undefined>;
  /** Drops any cached credential so the next `authorization()` fetches a new one. */
  invalidate?(): void;
}

/** Personal access token (or any static bearer token). */
export function patAuth(token: string): AuthProvider {
  const header = `Bearer ${token}`;
  return { kind: 'pat', authorization: async () => header };
}

/** No credentials: for the OAuth token endpoint itself and for tests. */
export const noAuth: AuthProvider = { kind: 'none', authorization: async () => undefined };
