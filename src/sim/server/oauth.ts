import { randomBytes } from 'node:crypto';

export interface OAuthClient {
  clientId: string;
  clientSecret: string;
}

/**
 * OAuth M2M (client credentials) as Databricks serves it at `/oidc/v1/token`: client id and secret via
 * HTTP Basic (what the SDKs send) or form fields. Issued tokens last an hour of real time.
 */
export class OAuthIssuer {
  readonly #tokens = new Map<string, { clientId: string; expiresAt: number }>();

  constructor(
    private readonly clients: readonly OAuthClient[],
    private readonly now: () => number = Date.now,
  ) {}

  discovery(baseUrl: string): Record<string, unknown> {
    return {
      issuer: `${baseUrl}/oidc`,
      authorization_endpoint: `${baseUrl}/oidc/v1/authorize`,
      token_endpoint: `${baseUrl}/oidc/v1/token`,
      jwks_uri: `${baseUrl}/oidc/jwks.json`,
      grant_types_supported: ['client_credentials', 'authorization_code', 'refresh_token'],
      response_types_supported: ['code'],
      scopes_supported: ['all-apis', 'offline_access'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    };
  }

  /** Answers a token request: `{status, body}` in OAuth's own error format on failure. */
  token(
    authorization: string | undefined,
    rawBody: string,
  ): { status: number; body: Record<string, unknown> } {
    const form = new URLSearchParams(rawBody);
    if (form.get('grant_type') !== 'client_credentials') {
      return {
        status: 400,
        body: { error: 'unsupported_grant_type', error_description: 'grant_type must be client_credentials' },
      };
    }
    let id = form.get('client_id');
    let secret = form.get('client_secret');
    if (authorization?.startsWith('Basic ')) {
      const decoded = Buffer.from(authorization.slice(6), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) {
        id = decodeURIComponent(decoded.slice(0, colon));
        secret = decodeURIComponent(decoded.slice(colon + 1));
      }
    }
    const client = this.clients.find((c) => c.clientId === id && c.clientSecret === secret);
    if (!client)
      return {
        status: 401,
        body: { error: 'invalid_client', error_description: 'Client authentication failed' },
      };
    const token = `eyJsim.${randomBytes(24).toString('base64url')}`;
    this.#tokens.set(token, { clientId: client.clientId, expiresAt: this.now() + 3_600_000 });
    return {
      status: 200,
      body: {
        access_token: token,
        token_type: 'Bearer',
        expires_in: 3600,
        scope: form.get('scope') ?? 'all-apis',
      },
    };
  }

  /** The client id an access token belongs to, if it is valid and unexpired. */
  principal(token: string): string | undefined {
    const t = this.#tokens.get(token);
    if (!t) return undefined;
    if (t.expiresAt <= this.now()) {
      this.#tokens.delete(token);
      return undefined;
    }
    return t.clientId;
  }
}
