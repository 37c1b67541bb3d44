import { createSign, generateKeyPairSync, type KeyObject, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Microsoft's side of a Teams bot, on loopback: the Bot Framework OpenID metadata and JWKS (a test RSA
 * key), an OAuth token endpoint for the bot's outbound token, and the Bot Connector REST API
 * (`/v3/conversations/…`) recording every call. It signs inbound activities as the Bot Framework does
 * (RS256, `iss` https://api.botframework.com, `aud` = app id, `serviceurl` claim), and can answer the
 * next N connector calls with a 429 or 500.
 */

const BOT_FRAMEWORK_ISSUER = 'https://api.botframework.com';

export interface ConnectorCall {
  readonly method: string;
  /** The raw path as received (ids may be percent-encoded). */
  readonly path: string;
  readonly operation: 'send' | 'reply' | 'update' | 'create_conversation' | 'unknown';
  /** Decoded conversation id (`19:…;messageid=…` stays as one id). */
  readonly conversationId: string | undefined;
  /** The `{activityId}` of a reply (the activity replied to) or update (the activity replaced). */
  readonly activityId: string | undefined;
  /** Everything in the path before `/v3/` (regional service URLs carry a prefix). */
  readonly prefix: string;
  readonly authorization: string | undefined;
  readonly body: Record<string, unknown>;
  /** What the fake answered. */
  readonly status: number;
}

interface TokenRequest {
  readonly clientId: string | null;
  readonly clientSecret: string | null;
  readonly grantType: string | null;
  readonly scope: string | null;
}

interface SignOptions {
  readonly audience?: string;
  readonly issuer?: string;
  readonly serviceUrl?: string;
  /** Seconds from now; negative for an expired token. */
  readonly expiresInSec?: number;
  /** Leave out the `serviceurl` claim. */
  readonly omitServiceUrl?: boolean;
  /** Sign with a key that is not in the JWKS, under the same `kid` (a forgery). */
  readonly forged?: boolean;
}

interface Failure {
  readonly status: number;
  readonly headers: Record<string, string>;
}

export interface FakeBotConnector {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** A service URL to put into activities: `<url>/<prefix>/` */
  serviceUrl(prefix?: string): string;
  readonly openIdMetadataUrl: string;
  readonly tokenUrl: string;
  readonly appId: string;
  readonly appPassword: string;
  readonly calls: ConnectorCall[];
  readonly tokenRequests: TokenRequest[];
  /** Connector calls that were accepted (2xx). */
  delivered(): ConnectorCall[];
  /** Answers the next `count` connector calls with `status` (and e.g. `Retry-After`). */
  failNext(count: number, status: number, headers?: Record<string, string>): void;
  /** A Bot Framework bearer token for `activity` (its `serviceUrl` becomes the `serviceurl` claim). */
  sign(activity: { serviceUrl?: unknown }, options?: SignOptions): string;
  /** POSTs `activity` to `endpoint`, signed unless `token` is null (or a given string). */
  post(
    endpoint: string,
    activity: Record<string, unknown>,
    token?: string | null,
  ): Promise<{ status: number; body: unknown }>;
  /** Adds a person the member lookup knows, by their `29:` id (and Entra object id). */
  addMember(member: FakeTeamsMember): void;
  /** Member lookups (`GET v3/conversations/{id}/members/{memberId}`): kept apart from `calls`, and never failed by `failNext`. */
  readonly memberLookups: { conversationId: string; memberId: string; status: number }[];
  reset(): void;
  close(): Promise<void>;
}

/** A person as the Bot Connector's member lookup answers them (a TeamsChannelAccount). */
interface FakeTeamsMember {
  readonly id: string;
  readonly aadObjectId: string;
  readonly name: string;
  readonly email?: string;
  readonly userPrincipalName: string;
}

const b64url = (v: Buffer | string) => Buffer.from(v).toString('base64url');

function signJwt(payload: Record<string, unknown>, key: KeyObject, kid: string): string {
  const head = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid }));
  const body = b64url(JSON.stringify(payload));
  const signature = createSign('RSA-SHA256').update(`${head}.${body}`).sign(key);
  return `${head}.${body}.${b64url(signature)}`;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

/** Starts the fake on 127.0.0.1 and a free port. */
export async function startFakeBotConnector(
  options: { appId?: string; appPassword?: string } = {},
): Promise<FakeBotConnector> {
  const appId = options.appId ?? '11111111-2222-3333-4444-555555555555';
  const appPassword = options.appPassword ?? 'test-app-password';
  const kid = 'test-kid';
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const forger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' };
  const calls: ConnectorCall[] = [];
  const members = new Map<string, FakeTeamsMember>();
  const memberLookups: FakeBotConnector['memberLookups'] = [];
  const tokenRequests: TokenRequest[] = [];
  const issuedTokens = new Set<string>();
  let failures: Failure[] = [];
  let activitySeq = 0;
  let base = '';

  async function connector(req: IncomingMessage, res: ServerResponse, rawPath: string): Promise<void> {
    const at = rawPath.indexOf('/v3/');
    const prefix = rawPath.slice(0, at);
    const segments = rawPath
      .slice(at + 1)
      .split('/')
      .map((s) => decodeURIComponent(s));
    const text = await readBody(req);
    let body: Record<string, unknown> = {};
    try {
      body = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
    } catch {
      body = { unparsable: text };
    }
    const [, conversations, conversationId, activities, activityId] = segments;
    let operation: ConnectorCall['operation'] = 'unknown';
    if (conversations === 'conversations' && segments.length === 2 && req.method === 'POST')
      operation = 'create_conversation';
    else if (activities === 'activities' && segments.length === 4 && req.method === 'POST')
      operation = 'send';
    else if (activities === 'activities' && segments.length === 5 && req.method === 'POST')
      operation = 'reply';
    else if (activities === 'activities' && segments.length === 5 && req.method === 'PUT')
      operation = 'update';
    const authorization = req.headers.authorization;
    const bearer = authorization?.startsWith('Bearer ') ? authorization.slice(7) : undefined;
    let status = 200;
    let answer: unknown;
    let headers: Record<string, string> = {};
    const failure = failures.shift();
    if (bearer === undefined || !issuedTokens.has(bearer)) {
      status = 401;
      answer = {
        error: { code: 'Unauthorized', message: 'Authorization has been denied for this request.' },
      };
    } else if (failure !== undefined) {
      status = failure.status;
      headers = failure.headers;
      answer = { error: { code: status === 429 ? 'Throttled' : 'ServiceError', message: `fake ${status}` } };
    } else if (operation === 'unknown') {
      status = 404;
      answer = { error: { code: 'NotFound', message: 'no such operation' } };
    } else if (operation === 'create_conversation') {
      answer = { id: `a:fake-conversation-${++activitySeq}` };
    } else if (operation === 'update') {
      answer = { id: activityId };
    } else {
      answer = { id: `fake-activity-${++activitySeq}` };
    }
    calls.push({
      method: req.method ?? '',
      path: rawPath,
      operation,
      conversationId: operation === 'create_conversation' ? undefined : conversationId,
      activityId: operation === 'reply' || operation === 'update' ? activityId : undefined,
      prefix,
      authorization,
      body,
      status,
    });
    send(res, status, answer, headers);
  }

  /** `GET v3/conversations/{id}/members/{memberId}`, by `29:` id or Entra object id, as Teams answers it. */
  function member(req: IncomingMessage, res: ServerResponse, segments: string[]): void {
    const [, , conversationId = '', , memberId = ''] = segments;
    const authorization = req.headers.authorization;
    const bearer = authorization?.startsWith('Bearer ') ? authorization.slice(7) : undefined;
    const known = [...members.values()].find((m) => m.id === memberId || m.aadObjectId === memberId);
    const status = bearer === undefined || !issuedTokens.has(bearer) ? 401 : known === undefined ? 404 : 200;
    memberLookups.push({ conversationId, memberId, status });
    if (status === 401) {
      send(res, 401, {
        error: { code: 'Unauthorized', message: 'Authorization has been denied for this request.' },
      });
      return;
    }
    if (known === undefined) {
      send(res, 404, {
        error: {
          code: 'MemberNotFoundInConversation',
          message: 'The member was not found in the conversation.',
        },
      });
      return;
    }
    const [givenName, ...rest] = known.name.split(' ');
    send(res, 200, {
      id: known.id,
      name: known.name,
      aadObjectId: known.aadObjectId,
      givenName,
      surname: rest.join(' '),
      ...(known.email === undefined ? {} : { email: known.email }),
      userPrincipalName: known.userPrincipalName,
      tenantId: 'fake-tenant',
      userRole: 'user',
    });
  }

  async function token(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const form = new URLSearchParams(await readBody(req));
    const request: TokenRequest = {
      clientId: form.get('client_id'),
      clientSecret: form.get('client_secret'),
      grantType: form.get('grant_type'),
      scope: form.get('scope'),
    };
    tokenRequests.push(request);
    if (
      request.grantType !== 'client_credentials' ||
      request.clientId !== appId ||
      request.clientSecret !== appPassword
    ) {
      send(res, 401, {
        error: 'invalid_client',
        error_description: 'AADSTS7000215: Invalid client secret provided.',
      });
      return;
    }
    const now = Math.floor(Date.now() / 1000);
    const accessToken = signJwt(
      {
        aud: BOT_FRAMEWORK_ISSUER,
        iss: `${base}/fake-tenant/`,
        appid: appId,
        iat: now,
        nbf: now,
        exp: now + 3600,
        jti: randomUUID(),
      },
      privateKey,
      kid,
    );
    issuedTokens.add(accessToken);
    send(res, 200, {
      token_type: 'Bearer',
      expires_in: 3600,
      ext_expires_in: 3600,
      access_token: accessToken,
    });
  }

  const server: Server = createServer((req, res) => {
    const rawPath = (req.url ?? '/').split('?')[0] ?? '/';
    const route = async () => {
      if (req.method === 'GET' && rawPath === '/v1/.well-known/openidconfiguration') {
        return send(res, 200, {
          issuer: BOT_FRAMEWORK_ISSUER,
          authorization_endpoint: `${base}/v1/.well-known/authorize`,
          jwks_uri: `${base}/v1/.well-known/keys`,
          id_token_signing_alg_values_supported: ['RS256'],
          token_endpoint_auth_methods_supported: ['private_key_jwt'],
        });
      }
      if (req.method === 'GET' && rawPath === '/v1/.well-known/keys') return send(res, 200, { keys: [jwk] });
      if (req.method === 'POST' && rawPath.endsWith('/oauth2/v2.0/token')) return token(req, res);
      if (rawPath.includes('/v3/')) {
        const segments = rawPath
          .slice(rawPath.indexOf('/v3/') + 1)
          .split('/')
          .map((p) => decodeURIComponent(p));
        if (
          req.method === 'GET' &&
          segments[1] === 'conversations' &&
          segments[3] === 'members' &&
          segments.length === 5
        )
          return member(req, res, segments);
        return connector(req, res, rawPath);
      }
      send(res, 404, { error: 'not found' });
    };
    route().catch(() => send(res, 500, { error: 'fake failed' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const sign = (activity: { serviceUrl?: unknown }, o: SignOptions = {}) => {
    const now = Math.floor(Date.now() / 1000);
    const serviceurl =
      o.serviceUrl ?? (typeof activity.serviceUrl === 'string' ? activity.serviceUrl : undefined);
    return signJwt(
      {
        iss: o.issuer ?? BOT_FRAMEWORK_ISSUER,
        aud: o.audience ?? appId,
        ...(serviceurl === undefined || o.omitServiceUrl === true ? {} : { serviceurl }),
        iat: now - 10,
        nbf: now - 10,
        exp: now + (o.expiresInSec ?? 300),
      },
      o.forged === true ? forger : privateKey,
      kid,
    );
  };

  return {
    url: base,
    serviceUrl: (prefix = 'teams') => `${base}/${prefix}/`,
    openIdMetadataUrl: `${base}/v1/.well-known/openidconfiguration`,
    tokenUrl: `${base}/fake-tenant/oauth2/v2.0/token`,
    appId,
    appPassword,
    calls,
    tokenRequests,
    delivered: () => calls.filter((c) => c.status >= 200 && c.status < 300),
    failNext(count, status, headers = {}) {
      for (let i = 0; i < count; i++) failures.push({ status, headers });
    },
    sign,
    async post(endpoint, activity, token) {
      const bearer = token === undefined ? sign(activity) : token;
      const res = await fetch(endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(bearer === null ? {} : { authorization: `Bearer ${bearer}` }),
        },
        body: JSON.stringify(activity),
      });
      const text = await res.text();
      let body: unknown = text;
      try {
        body = text === '' ? undefined : JSON.parse(text);
      } catch {
        // keep the text
      }
      return { status: res.status, body };
    },
    addMember: (m) => {
      members.set(m.id, m);
    },
    memberLookups,
    reset() {
      calls.length = 0;
      memberLookups.length = 0;
      failures = [];
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
