import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';
import { z } from 'zod';
import type { Clock } from '../../domain/clock.js';
import { type ConsoleUsers, decoyHash, verifyConsolePassword } from './console-password.js';
import { CONSOLE_USER } from './ids.js';
import { LoginLimiter } from './login-limiter.js';
import { signSession, verifySession } from './session-cookie.js';

/** Who the console believes, as the composition root resolved it from the environment. */
export type ConsoleAuth =
  /** Loopback only; everyone who reaches it is `user`, the local operator. */
  | { readonly kind: 'local'; readonly user: string }
  | {
      readonly kind: 'login';
      readonly users: ConsoleUsers;
      /** HMAC key for session cookies; several web processes must share it. */
      readonly sessionSecret: Buffer;
      readonly sessionTtlMs: number;
      /** Mark cookies Secure on every response (the public URL is https). */
      readonly secureCookies: boolean;
      /** Proxies whose `X-Forwarded-For` / `X-Forwarded-Proto` are believed. */
      readonly trustedProxies: readonly string[];
    }
  | {
      readonly kind: 'header';
      /** Lower-case header name, e.g. `x-forwarded-email`. */
      readonly header: string;
      /** Addresses or CIDRs of the authenticating proxy; the header from anyone else is refused. */
      readonly trustedProxies: readonly string[];
    };

/** The person a console request acts as. */
export interface ConsoleIdentity {
  readonly user: string;
  readonly email?: string | undefined;
}

type ConsoleAuthError =
  | 'unauthenticated'
  | 'invalid_session'
  | 'session_expired'
  | 'untrusted_proxy'
  | 'invalid_identity'
  | 'not_local'
  | 'invalid_credentials'
  | 'too_many_attempts';

/** A request the console will not act on; `status` is what the listener answers with. */
export interface ConsoleAuthRefusal {
  readonly ok: false;
  readonly status: 401 | 403 | 429;
  readonly error: ConsoleAuthError;
  readonly message: string;
  readonly retryAfterSeconds?: number;
}

export const loginPostSchema = z
  .object({
    user: z.string().regex(CONSOLE_USER, { message: 'is not a user name' }),
    password: z.string().min(1).max(1_024),
  })
  .strict();
type LoginPost = z.infer<typeof loginPostSchema>;

export interface ConsoleAuthenticator {
  readonly kind: ConsoleAuth['kind'];
  /** The person behind `req`, or why there is none. Never reads the query string. */
  identify(
    req: IncomingMessage,
  ): { readonly ok: true; readonly identity: ConsoleIdentity } | ConsoleAuthRefusal;
  /** Login mode: checks the password and returns the session cookie to set. */
  login(
    req: IncomingMessage,
    post: LoginPost,
  ): Promise<
    { readonly ok: true; readonly identity: ConsoleIdentity; readonly cookie: string } | ConsoleAuthRefusal
  >;
  /** Ends the request's session (if any) and returns the cookie that clears it. */
  logout(req: IncomingMessage): string;
}

const SESSION_COOKIE = 'dbxops_session';
/** Sessions ended by logout, remembered until they would have expired anyway. */
const MAX_REVOKED = 100_000;

/**
 * Builds the console's authentication. `wallClock` is real time: the embedded workspace's simulated
 * clock runs at 60× or more, and would end a 12-hour session in 12 minutes.
 */
export function createConsoleAuthenticator(
  auth: ConsoleAuth,
  options: { readonly wallClock: Clock; readonly loginLimiter?: LoginLimiter | undefined },
): ConsoleAuthenticator {
  const clock = options.wallClock;
  const proxies = addressList(auth.kind === 'local' ? [] : auth.trustedProxies);
  const loopback = addressList(['127.0.0.0/8', '::1']);
  const limiter = options.loginLimiter ?? new LoginLimiter({ clock });
  const revoked = new Map<string, number>();

  const unauthenticated = (message: string): ConsoleAuthRefusal => ({
    ok: false,
    status: 401,
    error: 'unauthenticated',
    message,
  });

  return {
    kind: auth.kind,

    identify(req) {
      const remote = remoteAddress(req);
      if (auth.kind === 'local') {
        // HOST is loopback in this mode; this holds even if a forwarder is put in front by mistake.
        // A reverse proxy on this machine is loopback too, but says so: its clients are not the operator.
        const proxied = req.headers['x-forwarded-for'] !== undefined || req.headers.forwarded !== undefined;
        if (!loopback(remote) || proxied)
          return {
            ok: false,
            status: 403,
            error: 'not_local',
            message:
              'This console answers only this machine; behind a proxy, set DBXOPS_CONSOLE_USERS_FILE or DBXOPS_CONSOLE_TRUSTED_HEADER.',
          };
        return { ok: true, identity: { user: auth.user } };
      }
      if (auth.kind === 'header') {
        const raw = req.headers[auth.header];
        if (!proxies(remote)) {
          return raw === undefined
            ? unauthenticated('Open the console through its sign-in proxy.')
            : {
                ok: false,
                status: 403,
                error: 'untrusted_proxy',
                message: 'Identity headers are only believed from the sign-in proxy.',
              };
        }
        if (raw === undefined || raw === '') return unauthenticated('The sign-in proxy named nobody.');
        // Node joins a repeated header with ", ", which CONSOLE_USER refuses: two names are no one.
        const value = Array.isArray(raw) ? raw.join(', ') : raw;
        if (!CONSOLE_USER.test(value))
          return {
            ok: false,
            status: 401,
            error: 'invalid_identity',
            message: 'The sign-in proxy sent a name the console cannot use.',
          };
        return {
          ok: true,
          identity: { user: value, ...(value.includes('@') ? { email: value.toLowerCase() } : {}) },
        };
      }
      const token = cookieValue(req, SESSION_COOKIE);
      if (token === undefined) return unauthenticated('Sign in to use the console.');
      const verified = verifySession(token, auth.sessionSecret, clock.now());
      if (!verified.ok)
        return verified.reason === 'expired'
          ? {
              ok: false,
              status: 401,
              error: 'session_expired',
              message: 'Your session ended; sign in again.',
            }
          : { ok: false, status: 401, error: 'invalid_session', message: 'Sign in to use the console.' };
      const { user, sid } = verified.claims;
      if (revoked.has(sid) || !auth.users.has(user))
        return {
          ok: false,
          status: 401,
          error: 'session_expired',
          message: 'Your session ended; sign in again.',
        };
      return { ok: true, identity: { user } };
    },

    async login(req, post) {
      if (auth.kind !== 'login') return unauthenticated('This console has no login.');
      const allowed = limiter.take(clientKey(req, proxies));
      if (!allowed.ok)
        return {
          ok: false,
          status: 429,
          error: 'too_many_attempts',
          message: 'Too many sign-in attempts; wait and try again.',
          retryAfterSeconds: Math.max(1, Math.ceil(allowed.retryAfterMs / 1000)),
        };
      const stored = auth.users.get(post.user);
      // An unknown name costs the same scrypt as a wrong password, so answers do not reveal who exists.
      const matches = await verifyConsolePassword(post.password, stored ?? (await decoyHash()));
      if (stored === undefined || !matches)
        return { ok: false, status: 401, error: 'invalid_credentials', message: 'Wrong name or password.' };
      const now = clock.now();
      const claims = {
        user: post.user,
        sid: randomBytes(18).toString('base64url'),
        exp: now + auth.sessionTtlMs,
      };
      const attributes = cookieAttributes(req, auth.secureCookies, proxies);
      return {
        ok: true,
        identity: { user: post.user },
        cookie: `${SESSION_COOKIE}=${signSession(claims, auth.sessionSecret)}; ${attributes}; Max-Age=${Math.floor(auth.sessionTtlMs / 1000)}`,
      };
    },

    logout(req) {
      const secure = auth.kind === 'login' && auth.secureCookies;
      if (auth.kind === 'login') {
        const token = cookieValue(req, SESSION_COOKIE);
        const verified =
          token === undefined ? undefined : verifySession(token, auth.sessionSecret, clock.now());
        if (verified?.ok) revoke(verified.claims.sid, verified.claims.exp);
      }
      return `${SESSION_COOKIE}=; ${cookieAttributes(req, secure, proxies)}; Max-Age=0`;
    },
  };

  function revoke(sid: string, exp: number): void {
    revoked.set(sid, exp);
    if (revoked.size <= MAX_REVOKED) return;
    const now = clock.now();
    for (const [id, until] of revoked) if (until <= now) revoked.delete(id);
    // Still full of live sessions: forget the oldest logouts rather than grow without bound.
    while (revoked.size > MAX_REVOKED) {
      const oldest = revoked.keys().next().value;
      if (oldest === undefined) break;
      revoked.delete(oldest);
    }
  }
}

/** Membership test over IP addresses and CIDRs (`10.0.0.0/8`, `::1`); IPv4-mapped IPv6 counts as IPv4. */
function addressList(entries: readonly string[]): (address: string) => boolean {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', bits] = entry.split('/');
    const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(bits), type);
  }
  return (address) => {
    const family = isIP(address);
    return family !== 0 && list.check(address, family === 4 ? 'ipv4' : 'ipv6');
  };
}

function remoteAddress(req: IncomingMessage): string {
  const address = req.socket.remoteAddress ?? '';
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

/**
 * Whom a login attempt counts against: the socket's address, or behind a trusted proxy the address
 * that proxy saw (the last `X-Forwarded-For` entry, the only one it vouches for).
 */
function clientKey(req: IncomingMessage, trusted: (address: string) => boolean): string {
  const remote = remoteAddress(req);
  if (!trusted(remote)) return remote;
  const forwarded = String(req.headers['x-forwarded-for'] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => isIP(s) !== 0)
    .at(-1);
  return forwarded ?? remote;
}

function cookieAttributes(
  req: IncomingMessage,
  alwaysSecure: boolean,
  trusted: (address: string) => boolean,
): string {
  const proto = String(req.headers['x-forwarded-proto'] ?? '')
    .split(',')[0]
    ?.trim()
    .toLowerCase();
  const secure = alwaysSecure || (proto === 'https' && trusted(remoteAddress(req)));
  return `Path=/; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

function cookieValue(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}
