import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ManualClock } from '../../../src/domain/clock.js';
import { oauthM2MAuth } from '../../../src/databricks/auth/oauth-m2m.js';
import { DatabricksApiError } from '../../../src/databricks/rest/databricks-api-error.js';
import { createHttpTransport } from '../../../src/databricks/rest/http-transport.js';
import { ScriptedServer } from '../rest/scripted-server.js';

let server: ScriptedServer;
let issued = 0;

beforeAll(async () => {
  server = await new ScriptedServer().start();
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  server.reset();
  issued = 0;
  server.otherwise((req) => {
    if (req.path === '/oidc/v1/token') {
      const expected = `Basic ${Buffer.from('sp-id:sp-secret').toString('base64')}`;
      if (req.headers.authorization !== expected)
        return { status: 401, body: { error: 'invalid_client', error_description: 'bad client' } };
      issued += 1;
      return { status: 200, body: { access_token: `at-${issued}`, token_type: 'Bearer', expires_in: 3600 } };
    }
    return { status: 200, body: { seen: req.headers.authorization } };
  });
});

function setup(secret = 'sp-secret') {
  const clock = new ManualClock(1_763_712_000_000);
  const sleep = async (ms: number) => clock.advance(ms);
  const auth = oauthM2MAuth({ host: server.url, clientId: 'sp-id', clientSecret: secret, clock, sleep });
  const transport = createHttpTransport({ baseUrl: server.url, auth, clock, sleep, random: () => 0.5 });
  return { auth, transport, clock };
}

const seen = z.object({ seen: z.string() });

describe('oauthM2MAuth', () => {
  it('posts client_credentials with scope all-apis and HTTP Basic client auth', async () => {
    const { transport } = setup();
    const out = await transport.request({ method: 'GET', path: '/api/2.2/jobs/list' }, seen);
    expect(out.seen).toBe('Bearer at-1');
    const tokenCall = server.requests.find((r) => r.path === '/oidc/v1/token');
    expect(tokenCall?.method).toBe('POST');
    expect(tokenCall?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(tokenCall?.body))).toEqual({
      grant_type: 'client_credentials',
      scope: 'all-apis',
    });
  });

  it('reuses the cached token until shortly before it expires', async () => {
    const { transport, clock } = setup();
    await transport.request({ method: 'GET', path: '/a' }, seen);
    clock.advance(3_000_000);
    expect((await transport.request({ method: 'GET', path: '/b' }, seen)).seen).toBe('Bearer at-1');
    clock.advance(550_000); // 3550 s: inside the 60 s refresh window
    expect((await transport.request({ method: 'GET', path: '/c' }, seen)).seen).toBe('Bearer at-2');
    expect(issued).toBe(2);
  });

  it('shares one token fetch between concurrent calls', async () => {
    const { transport } = setup();
    await Promise.all([1, 2, 3, 4].map((i) => transport.request({ method: 'GET', path: `/p${i}` }, seen)));
    expect(issued).toBe(1);
  });

  it('fetches a new token once when the workspace answers 401', async () => {
    const { transport } = setup();
    await transport.request({ method: 'GET', path: '/a' }, seen);
    server.reply({ status: 401, body: { error_code: 'UNAUTHENTICATED', message: 'Token expired' } });
    expect((await transport.request({ method: 'GET', path: '/b' }, seen)).seen).toBe('Bearer at-2');
  });

  it('retries the token endpoint when it is throttled', async () => {
    const { transport } = setup();
    server.reply({ status: 429, headers: { 'retry-after': '1' } });
    expect((await transport.request({ method: 'GET', path: '/a' }, seen)).seen).toBe('Bearer at-1');
  });

  it('reports a rejected client as UNAUTHENTICATED without leaking the secret', async () => {
    const { transport } = setup('wrong-secret');
    let error: unknown;
    try {
      await transport.request({ method: 'GET', path: '/a' }, seen);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DatabricksApiError);
    const apiError = error as DatabricksApiError;
    expect(apiError.reason).toBe('UNAUTHENTICATED');
    expect(apiError.errorCode).toBe('invalid_client');
    expect(apiError.path).toBe('/oidc/v1/token');
    const text = JSON.stringify({ m: apiError.message, d: apiError.details });
    expect(text).not.toContain('wrong-secret');
    expect(text).not.toContain(Buffer.from('sp-id:wrong-secret').toString('base64'));
  });

  it('refuses a token response without an access_token', async () => {
    const { transport } = setup();
    server.reply({ status: 200, body: { token_type: 'Bearer' } });
    await expect(transport.request({ method: 'GET', path: '/a' }, seen)).rejects.toMatchObject({
      reason: 'INVALID_RESPONSE',
    });
  });
});
