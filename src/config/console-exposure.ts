import { BlockList, isIP } from 'node:net';
import { ConfigError } from '../domain/errors.js';
import type { Env } from './env.js';

/** How the console knows who is at the other end. */
type ConsoleAuthSettings =
  /** Loopback only: whoever reaches it is the local operator (the OS user running dbxops). */
  | { readonly kind: 'local' }
  /** A login page checked against `DBXOPS_CONSOLE_USERS_FILE`, then a signed session cookie. */
  | {
      readonly kind: 'login';
      readonly usersFile: string;
      readonly sessionSecret: string | undefined;
      readonly sessionTtlMs: number;
      /** Always mark the cookie Secure (the public URL is https). */
      readonly secureCookies: boolean;
      readonly trustedProxies: readonly string[];
    }
  /** An authenticating proxy names the person in a header; believed only from `trustedProxies`. */
  | { readonly kind: 'header'; readonly header: string; readonly trustedProxies: readonly string[] };

export interface ConsoleExposure {
  readonly auth: ConsoleAuthSettings;
  /** Host names the console answers to (the DNS-rebinding check; never authentication). */
  readonly allowedHosts: readonly string[];
  /** HOST is reachable from other machines. */
  readonly publicBind: boolean;
  /** Bound publicly with neither DBXOPS_CONSOLE_HOSTS nor DBXOPS_PUBLIC_URL: only loopback names pass. */
  readonly hostsUnconfigured: boolean;
}

export type ConsoleExposureRefusal =
  | 'unauthenticated_public_bind'
  | 'conflicting_console_authentication'
  | 'invalid_trusted_proxy';

const LOOPBACK_HOST_NAMES: readonly string[] = ['localhost', '127.0.0.1', '::1'];
const DEFAULT_TRUSTED_PROXIES: readonly string[] = ['127.0.0.1', '::1'];

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

/** `127.x.x.x`, `::1`, `::ffff:127.x.x.x` and `localhost`; anything else can be reached from elsewhere. */
export function isLoopbackAddress(address: string): boolean {
  const host = unmapped(address.replace(/^\[|\]$/g, '').toLowerCase());
  if (host === 'localhost') return true;
  const family = isIP(host);
  if (family === 0) return false;
  return loopback.check(host, family === 4 ? 'ipv4' : 'ipv6');
}

/** `::ffff:10.0.0.1` (an IPv4 client of a dual-stack socket) → `10.0.0.1`. */
function unmapped(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

/**
 * Decides who the console believes, from the environment alone (no I/O). Without configuration it is
 * the local operator on loopback; bound anywhere else it needs a login or a trusted proxy, because
 * its buttons change incidents and whoever reaches the port would otherwise act as the operator.
 */
export function consoleExposure(
  env: Pick<
    Env,
    | 'HOST'
    | 'DBXOPS_PUBLIC_URL'
    | 'DBXOPS_CONSOLE_HOSTS'
    | 'DBXOPS_CONSOLE_USERS_FILE'
    | 'DBXOPS_CONSOLE_SESSION_SECRET'
    | 'DBXOPS_CONSOLE_SESSION_HOURS'
    | 'DBXOPS_CONSOLE_TRUSTED_HEADER'
    | 'DBXOPS_CONSOLE_TRUSTED_PROXIES'
  >,
):
  | { readonly ok: true; readonly value: ConsoleExposure }
  | { readonly ok: false; readonly reason: ConsoleExposureRefusal; readonly message: string } {
  const publicBind = !isLoopbackAddress(env.HOST);
  const trustedProxies = env.DBXOPS_CONSOLE_TRUSTED_PROXIES ?? DEFAULT_TRUSTED_PROXIES;
  const badProxy = trustedProxies.find((entry) => !validProxyEntry(entry));
  if (badProxy !== undefined) {
    return {
      ok: false,
      reason: 'invalid_trusted_proxy',
      message: `DBXOPS_CONSOLE_TRUSTED_PROXIES: "${badProxy.slice(0, 60)}" is not an IP address or CIDR (e.g. 10.0.0.0/8)`,
    };
  }
  if (env.DBXOPS_CONSOLE_USERS_FILE !== undefined && env.DBXOPS_CONSOLE_TRUSTED_HEADER !== undefined) {
    return {
      ok: false,
      reason: 'conflicting_console_authentication',
      message:
        'Set one console authentication: DBXOPS_CONSOLE_USERS_FILE (a login page) or DBXOPS_CONSOLE_TRUSTED_HEADER (an authenticating proxy), not both',
    };
  }
  let auth: ConsoleAuthSettings;
  if (env.DBXOPS_CONSOLE_USERS_FILE !== undefined) {
    auth = {
      kind: 'login',
      usersFile: env.DBXOPS_CONSOLE_USERS_FILE,
      sessionSecret: env.DBXOPS_CONSOLE_SESSION_SECRET,
      sessionTtlMs: env.DBXOPS_CONSOLE_SESSION_HOURS * 3_600_000,
      secureCookies: env.DBXOPS_PUBLIC_URL?.startsWith('https:') ?? false,
      trustedProxies,
    };
  } else if (env.DBXOPS_CONSOLE_TRUSTED_HEADER !== undefined) {
    auth = { kind: 'header', header: env.DBXOPS_CONSOLE_TRUSTED_HEADER.toLowerCase(), trustedProxies };
  } else if (publicBind) {
    return {
      ok: false,
      reason: 'unauthenticated_public_bind',
      message:
        `HOST=${env.HOST} lets other machines reach the console, whose buttons change incidents, and no console authentication is configured. ` +
        'Set DBXOPS_CONSOLE_USERS_FILE (a login page; add people with `dbxops console-user <name>`), ' +
        'or DBXOPS_CONSOLE_TRUSTED_HEADER (e.g. X-Forwarded-Email) with DBXOPS_CONSOLE_TRUSTED_PROXIES behind an authenticating proxy; ' +
        'or bind HOST=127.0.0.1.',
    };
  } else {
    auth = { kind: 'local' };
  }

  const publicHost = env.DBXOPS_PUBLIC_URL === undefined ? [] : [hostName(env.DBXOPS_PUBLIC_URL)];
  // A specific address (a LAN IP) is a name people type; a wildcard (0.0.0.0, ::) is not.
  const boundHost = publicBind && !isWildcard(env.HOST) ? [env.HOST.replace(/^\[|\]$/g, '')] : [];
  const allowedHosts = env.DBXOPS_CONSOLE_HOSTS ?? [...LOOPBACK_HOST_NAMES, ...publicHost, ...boundHost];
  return {
    ok: true,
    value: {
      auth,
      allowedHosts: allowedHosts.map((h) => h.toLowerCase()),
      publicBind,
      hostsUnconfigured:
        publicBind && env.DBXOPS_CONSOLE_HOSTS === undefined && env.DBXOPS_PUBLIC_URL === undefined,
    },
  };
}

/** `consoleExposure`, thrown: what `dbxops start` calls before it starts anything. */
export function assertConsoleExposure(env: Parameters<typeof consoleExposure>[0]): ConsoleExposure {
  const exposure = consoleExposure(env);
  if (!exposure.ok) throw new ConfigError(exposure.message, { reason: exposure.reason });
  return exposure.value;
}

function validProxyEntry(entry: string): boolean {
  const [address = '', bits, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (bits === undefined) return true;
  const n = Number(bits);
  return /^[0-9]{1,3}$/.test(bits) && n <= (family === 4 ? 32 : 128);
}

function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '[::]' || host === '';
}

function hostName(url: string): string {
  return new URL(url).hostname.replace(/^\[|\]$/g, '');
}
