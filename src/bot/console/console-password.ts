import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';
import { CONSOLE_USER } from './ids.js';

/**
 * Console passwords are stored as `scrypt$N$r$p$salt$hash` (base64url), one `name:hash` line per
 * person in `DBXOPS_CONSOLE_USERS_FILE`: the file never holds a password, and a stolen copy costs an
 * attacker scrypt per guess.
 */
const COST = { N: 32_768, r: 8, p: 1 } as const;
const KEY_BYTES = 32;
/** scrypt needs 128·N·r bytes; the default ceiling (32 MB) is exactly too small for N=2^15. */
const MAX_MEMORY = 256 * 1024 * 1024;

function derive(password: string, salt: Buffer, cost: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFC'), salt, KEY_BYTES, { ...cost, maxmem: MAX_MEMORY }, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

/** The stored form of a password (what `dbxops console-user` prints after the name). */
export async function hashConsolePassword(password: string, salt: Buffer = randomBytes(16)): Promise<string> {
  const key = await derive(password, salt, COST);
  return ['scrypt', COST.N, COST.r, COST.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

interface StoredHash {
  readonly cost: { N: number; r: number; p: number };
  readonly salt: Buffer;
  readonly key: Buffer;
}

function parseHash(encoded: string): StoredHash | undefined {
  const m = /^scrypt\$([0-9]{1,7})\$([0-9]{1,2})\$([0-9])\$([A-Za-z0-9_-]{16,64})\$([A-Za-z0-9_-]{43})$/.exec(
    encoded,
  );
  if (m === null) return undefined;
  const [N, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // Bounded so a mistyped file cannot make every login take minutes or gigabytes.
  if (N < 1024 || N > 1_048_576 || (N & (N - 1)) !== 0 || r < 1 || r > 16 || p < 1 || p > 4) return undefined;
  return {
    cost: { N, r, p },
    salt: Buffer.from(m[4] ?? '', 'base64url'),
    key: Buffer.from(m[5] ?? '', 'base64url'),
  };
}

/** True when `password` matches; the derived keys are compared in constant time. */
export async function verifyConsolePassword(password: string, stored: StoredHash): Promise<boolean> {
  const key = await derive(password, stored.salt, stored.cost);
  return key.length === stored.key.length && timingSafeEqual(key, stored.key);
}

/** The people who may log in to the console, by name. */
export type ConsoleUsers = ReadonlyMap<string, StoredHash>;

/**
 * Parses a users file: `name:scrypt$…` lines, `#` comments and blank lines ignored. Refuses the whole
 * file on the first bad line (naming the line, never echoing it: it may hold a pasted password).
 */
export function parseConsoleUsers(
  text: string,
):
  | { readonly ok: true; readonly users: ConsoleUsers }
  | { readonly ok: false; readonly line: number; readonly message: string } {
  const users = new Map<string, StoredHash>();
  const lines = text.split(/\r?\n/);
  for (const [index, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    const name = line.slice(0, colon);
    const hash = colon > 0 ? parseHash(line.slice(colon + 1)) : undefined;
    if (colon <= 0 || !CONSOLE_USER.test(name))
      return {
        ok: false,
        line: index + 1,
        message: 'expected `name:scrypt$…` with a name of letters, digits, . _ @ + -',
      };
    if (hash === undefined)
      return { ok: false, line: index + 1, message: 'the hash is not one `dbxops console-user` writes' };
    if (users.has(name)) return { ok: false, line: index + 1, message: `${name} is listed twice` };
    users.set(name, hash);
  }
  if (users.size === 0) return { ok: false, line: 0, message: 'the file lists nobody' };
  return { ok: true, users };
}

let decoy: Promise<StoredHash> | undefined;

/**
 * A hash no password matches, checked when the name is unknown so that a wrong name takes as long as a
 * wrong password and login answers do not reveal who has an account.
 */
export function decoyHash(): Promise<StoredHash> {
  decoy ??= hashConsolePassword(randomBytes(18).toString('base64url')).then((h) => {
    const parsed = parseHash(h);
    if (parsed === undefined) throw new Error('decoy hash does not parse');
    return parsed;
  });
  return decoy;
}
