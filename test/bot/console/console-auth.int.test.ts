import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { incidentButtons } from '../../../src/cards/incident-buttons.js';
import type { ConsoleAuth } from '../../../src/bot/console/console-auth.js';
import { hashConsolePassword, parseConsoleUsers } from '../../../src/bot/console/console-password.js';
import { signSession } from '../../../src/bot/console/session-cookie.js';
import type { Store } from '../../../src/store/open-store.js';
import { type ConsoleHarness, openConsoleStore, startConsole } from './console-harness.js';
import { openEventStream } from './sse-client.js';

const PASSWORD = 'correct horse battery staple';
const SECRET = randomBytes(32);
const TTL_MS = 12 * 3_600_000;

let store: Store;
let users: Extract<ConsoleAuth, { kind: 'login' }>['users'];
const open: ConsoleHarness[] = [];

beforeAll(async () => {
  store = await openConsoleStore();
  const file = `alice:${await hashConsolePassword(PASSWORD)}\nbob:${await hashConsolePassword('bobs password')}\n`;
  const parsed = parseConsoleUsers(file);
  if (!parsed.ok) throw new Error(parsed.message);
  users = parsed.users;
});
afterEach(async () => {
  for (const h of open.splice(0)) await h.close();
});
afterAll(async () => {
  await store?.close();
});

async function loginConsole(
  overrides: Partial<Extract<ConsoleAuth, { kind: 'login' }>> = {},
): Promise<ConsoleHarness> {
  const h = await startConsole(store, {
    auth: {
      kind: 'login',
      users,
      sessionSecret: SECRET,
      sessionTtlMs: TTL_MS,
      secureCookies: false,
      trustedProxies: ['127.0.0.1', '::1'],
      ...overrides,
    },
  });
  open.push(h);
  return h;
}

async function headerConsole(trustedProxies: readonly string[]): Promise<ConsoleHarness> {
  const h = await startConsole(store, {
    auth: { kind: 'header', header: 'x-forwarded-email', trustedProxies },
  });
  open.push(h);
  return h;
}

let seq = 0;
const rid = () => `req-${Date.now()}-${++seq}-abcdef`;

function post(h: ConsoleHarness, path: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${h.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    redirect: 'manual',
  });
}

/** Signs in and returns the `Cookie` header value the browser would send back. */
async function signIn(h: ConsoleHarness, user = 'alice', password = PASSWORD): Promise<string> {
  const res = await post(h, '/api/login', { user, password });
  expect(res.status).toBe(200);
  const set = res.headers.get('set-cookie') ?? '';
  return set.split(';')[0] ?? '';
}

async function channels(h: ConsoleHarness, headers: Record<string, string>) {
  const res = await fetch(`${h.baseUrl}/api/channels`, { headers });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** A GET with a Host header of our choosing (fetch will not let us set one). */
function getWithHost(h: ConsoleHarness, path: string, host: string, headers: Record<string, string> = {}) {
  const url = new URL(h.baseUrl);
  return new Promise<number>((resolve, reject) => {
    httpRequest({ host: url.hostname, port: url.port, path, headers: { ...headers, host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    })
      .on('error', reject)
      .end();
  });
}

describe('the console login', () => {
  it('refuses every API path without a session with 401 and points to the login page', async () => {
    const h = await loginConsole();
    for (const path of ['/api/channels', '/api/channels/incidents/messages', '/api/home', '/api/events']) {
      const res = await fetch(`${h.baseUrl}${path}`);
      expect(res.status, path).toBe(401);
      expect(await res.json()).toMatchObject({ error: 'unauthenticated', login: '/login' });
    }
    for (const path of ['/api/composer', '/api/messages', '/api/actions']) {
      const res = await post(h, path, { channelId: 'incidents', text: '/dbx help', requestId: rid() });
      expect(res.status, path).toBe(401);
    }
  });

  it('sends a signed-out browser to the sign-in form, which has no inline script', async () => {
    const h = await loginConsole();
    const root = await fetch(`${h.baseUrl}/`, { redirect: 'manual' });
    expect(root.status).toBe(303);
    expect(root.headers.get('location')).toBe('/login');
    const form = await fetch(`${h.baseUrl}/login`);
    expect(form.status).toBe(200);
    const html = await form.text();
    expect(html).toContain('<script src="/login.js" defer></script>');
    expect(html).not.toMatch(/<script>(?!<\/script>)/);
    expect(html).not.toMatch(/\son[a-z]+=/);
    expect(form.headers.get('content-security-policy')).toContain("script-src 'self'");
  });

  it('signs in with a HttpOnly, SameSite=Strict session cookie and acts as the person named', async () => {
    const h = await loginConsole();
    const res = await post(h, '/api/login', { user: 'alice', password: PASSWORD });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, user: 'alice' });
    const set = res.headers.get('set-cookie') ?? '';
    expect(set).toMatch(/^dbxops_session=[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+; /);
    expect(set).toContain('HttpOnly');
    expect(set).toContain('SameSite=Strict');
    expect(set).toContain('Path=/');
    expect(set).toContain(`Max-Age=${TTL_MS / 1000}`);
    expect(set).not.toContain('Secure');
    const cookie = set.split(';')[0] ?? '';

    expect(await channels(h, { cookie })).toMatchObject({
      status: 200,
      body: { user: 'alice', auth: 'login' },
    });
    const page = await fetch(`${h.baseUrl}/`, { headers: { cookie }, redirect: 'manual' });
    expect(page.status).toBe(200);
    const form = await fetch(`${h.baseUrl}/login`, { headers: { cookie }, redirect: 'manual' });
    expect(form.status).toBe(303);

    const { view, ref } = await h.postIncident();
    const ack = incidentButtons(view).standard.find((b) => b.payload.action === 'ack');
    if (ack === undefined) throw new Error('no ack button');
    const press = await post(
      h,
      '/api/actions',
      {
        channelId: 'incidents',
        messageId: ref.messageId,
        actionId: ack.actionId,
        value: ack.value,
        requestId: rid(),
      },
      { cookie },
    );
    expect(press.status).toBe(200);
    expect((await h.repos.incidents.get(view.incidentId))?.acknowledgedBy).toBe('alice');
  });

  it('streams events only to a signed-in page', async () => {
    const h = await loginConsole();
    const stranger = await openEventStream(`${h.baseUrl}/api/events`);
    expect(stranger.status).toBe(401);
    stranger.close();
    const cookie = await signIn(h);
    const res = await fetch(`${h.baseUrl}/api/events`, { headers: { cookie } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    await res.body?.cancel();
  });

  it('refuses a wrong password and an unknown name alike, without a cookie', async () => {
    const h = await loginConsole();
    for (const body of [
      { user: 'alice', password: 'wrong' },
      { user: 'mallory', password: PASSWORD },
      { user: 'bob', password: PASSWORD },
    ]) {
      const res = await post(h, '/api/login', body);
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: 'invalid_credentials' });
      expect(res.headers.get('set-cookie')).toBeNull();
    }
  });

  it('refuses forged, tampered, foreign-key and expired session cookies with 401', async () => {
    const h = await loginConsole();
    const cookie = await signIn(h);
    const [body = '', mac = ''] = cookie.slice('dbxops_session='.length).split('.');
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as {
      exp: number;
      sid: string;
    };
    const asBob = Buffer.from(JSON.stringify({ ...claims, user: 'bob' })).toString('base64url');
    const forged = signSession({ user: 'alice', sid: claims.sid, exp: claims.exp }, randomBytes(32));
    for (const bad of [
      `dbxops_session=${asBob}.${mac}`,
      `dbxops_session=${body}.${mac.slice(0, -2)}AA`,
      `dbxops_session=${forged}`,
      'dbxops_session=alice',
      'dbxops_session=',
      `dbxops_session=${'x'.repeat(5_000)}`,
      'dbxops_user=alice',
    ]) {
      const res = await channels(h, { cookie: bad });
      expect(res.status, bad.slice(0, 60)).toBe(401);
      expect(['invalid_session', 'unauthenticated']).toContain(res.body.error);
    }

    // The simulated workspace clock racing ahead does not end a session; real time does.
    h.clock.advance(10 * TTL_MS);
    expect((await channels(h, { cookie })).status).toBe(200);
    h.wallClock.advance(TTL_MS);
    expect(await channels(h, { cookie })).toMatchObject({ status: 401, body: { error: 'session_expired' } });
  });

  it('signs out: the cookie is cleared and the old one no longer works', async () => {
    const h = await loginConsole();
    const cookie = await signIn(h);
    const other = await signIn(h);
    const res = await post(h, '/api/logout', {}, { cookie });
    expect(res.status).toBe(200);
    expect(res.headers.get('set-cookie')).toMatch(/^dbxops_session=; .*Max-Age=0/);
    expect((await channels(h, { cookie })).status).toBe(401);
    // Each sign-in is its own session: the other browser stays signed in.
    expect((await channels(h, { cookie: other })).status).toBe(200);
    // Signing out twice, or signed out, is harmless.
    expect((await post(h, '/api/logout', {}, { cookie })).status).toBe(200);
    expect((await post(h, '/api/logout', {})).status).toBe(200);
  });

  it('takes duplicated and replayed sign-ins as separate sessions, with no other effect', async () => {
    const h = await loginConsole();
    const body = { user: 'alice', password: PASSWORD };
    const [a, b] = await Promise.all([post(h, '/api/login', body), post(h, '/api/login', body)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    const ca = a.headers.get('set-cookie')?.split(';')[0] ?? '';
    const cb = b.headers.get('set-cookie')?.split(';')[0] ?? '';
    expect(ca).not.toBe(cb);
    expect((await channels(h, { cookie: ca })).body.user).toBe('alice');
    expect((await channels(h, { cookie: cb })).body.user).toBe('alice');
  });

  it('limits sign-in attempts per client, by the wall clock', async () => {
    const h = await loginConsole();
    for (let i = 0; i < 10; i++) {
      expect((await post(h, '/api/login', { user: 'alice', password: `guess ${i}` })).status).toBe(401);
    }
    const limited = await post(h, '/api/login', { user: 'alice', password: PASSWORD });
    expect(limited.status).toBe(429);
    expect(await limited.json()).toMatchObject({ error: 'too_many_attempts' });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // Behind the trusted proxy, each client it forwards for has its own allowance.
    const forwarded = await post(
      h,
      '/api/login',
      { user: 'alice', password: PASSWORD },
      { 'x-forwarded-for': '203.0.113.9' },
    );
    expect(forwarded.status).toBe(200);
    h.wallClock.advance(10 * 60_000);
    expect((await post(h, '/api/login', { user: 'alice', password: PASSWORD })).status).toBe(200);
  });

  it('answers oversized, malformed and misshapen sign-in bodies without trying them', async () => {
    const h = await loginConsole();
    const big = await post(h, '/api/login', { user: 'alice', password: 'x'.repeat(5_000) });
    expect(big.status).toBe(413);
    expect((await post(h, '/api/login', '{"user": "alice", ')).status).toBe(400);
    for (const body of [
      null,
      [],
      { user: 'alice' },
      { user: 'alice', password: '' },
      { user: 'alice, bob', password: PASSWORD },
      { user: 'alice', password: PASSWORD, admin: true },
      { user: 42, password: PASSWORD },
    ]) {
      const res = await post(h, '/api/login', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(await res.json()).toMatchObject({ error: 'invalid_request' });
    }
    const form = await fetch(`${h.baseUrl}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `user=alice&password=${encodeURIComponent(PASSWORD)}`,
    });
    expect(form.status).toBe(415);
    expect((await fetch(`${h.baseUrl}/api/login`)).status).toBe(405);
    // None of those counted as an attempt.
    expect((await post(h, '/api/login', { user: 'alice', password: PASSWORD })).status).toBe(200);
  });

  it('refuses sign-ins and signed-in posts from another site, and foreign host names', async () => {
    const h = await loginConsole();
    const cross = await post(
      h,
      '/api/login',
      { user: 'alice', password: PASSWORD },
      { origin: 'https://evil.example' },
    );
    expect(cross.status).toBe(403);
    const cookie = await signIn(h);
    const act = await post(
      h,
      '/api/composer',
      { channelId: 'incidents', text: '/dbx help', requestId: rid() },
      { cookie, origin: 'https://evil.example' },
    );
    expect(act.status).toBe(403);
    expect(await act.json()).toMatchObject({ error: 'forbidden_origin' });
    expect(await getWithHost(h, '/api/channels', 'evil.example', { cookie })).toBe(403);
    expect(await getWithHost(h, '/login', 'evil.example')).toBe(403);
  });

  it('marks the cookie Secure over https: always when configured, or when the trusted proxy says so', async () => {
    const configured = await loginConsole({ secureCookies: true });
    const a = await post(configured, '/api/login', { user: 'alice', password: PASSWORD });
    expect(a.headers.get('set-cookie')).toContain('; Secure');

    const proxied = await loginConsole();
    const b = await post(
      proxied,
      '/api/login',
      { user: 'alice', password: PASSWORD },
      { 'x-forwarded-proto': 'https' },
    );
    expect(b.headers.get('set-cookie')).toContain('; Secure');

    const untrusted = await loginConsole({ trustedProxies: ['10.0.0.1'] });
    const c = await post(
      untrusted,
      '/api/login',
      { user: 'alice', password: PASSWORD },
      { 'x-forwarded-proto': 'https' },
    );
    expect(c.headers.get('set-cookie')).not.toContain('Secure');
  });

  it('ignores identity headers when the console has a login', async () => {
    const h = await loginConsole();
    expect((await channels(h, { 'x-forwarded-email': 'alice' })).status).toBe(401);
  });
});

describe('the local operator', () => {
  it('refuses requests a reverse proxy on this machine forwards: its clients are not the operator', async () => {
    const h = await startConsole(store);
    open.push(h);
    expect((await channels(h, {})).body).toMatchObject({ user: 'you', auth: 'local' });
    const forwarded: Record<string, string>[] = [
      { 'x-forwarded-for': '198.51.100.7' },
      { forwarded: 'for=198.51.100.7' },
    ];
    for (const headers of forwarded) {
      expect(await channels(h, headers)).toMatchObject({ status: 403, body: { error: 'not_local' } });
    }
  });
});

describe('identity from a trusted proxy', () => {
  it('acts as the person the proxy names, with their email', async () => {
    const h = await headerConsole(['127.0.0.1', '::1']);
    const res = await channels(h, { 'x-forwarded-email': 'Maria.K@example.com' });
    expect(res).toMatchObject({ status: 200, body: { user: 'Maria.K@example.com', auth: 'header' } });
    const page = await fetch(`${h.baseUrl}/`, { redirect: 'manual' });
    expect(page.status).toBe(200);
    expect((await fetch(`${h.baseUrl}/login`)).status).toBe(404);
    expect((await post(h, '/api/login', { user: 'alice', password: PASSWORD })).status).toBe(401);
  });

  it('refuses the header from an address that is not the proxy', async () => {
    const h = await headerConsole(['10.0.0.0/8']);
    const spoofed = await channels(h, { 'x-forwarded-email': 'admin@example.com' });
    expect(spoofed).toMatchObject({ status: 403, body: { error: 'untrusted_proxy' } });
    expect((await channels(h, {})).status).toBe(401);
  });

  it('refuses a request the proxy sent without a name, or with two', async () => {
    const h = await headerConsole(['127.0.0.1', '::1']);
    expect(await channels(h, {})).toMatchObject({ status: 401, body: { error: 'unauthenticated' } });
    expect(await channels(h, { 'x-forwarded-email': 'a@example.com, b@example.com' })).toMatchObject({
      status: 401,
      body: { error: 'invalid_identity' },
    });
    expect((await channels(h, { 'x-forwarded-email': '<script>' })).status).toBe(401);
  });
});
