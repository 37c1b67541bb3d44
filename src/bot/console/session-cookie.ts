import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { CONSOLE_USER } from './ids.js';

/** What a console session cookie says: who, which session (for logout), until when (wall clock, ms). */
export interface SessionClaims {
  readonly user: string;
  readonly sid: string;
  readonly exp: number;
}

const claimsSchema = z
  .object({
    user: z.string().regex(CONSOLE_USER),
    sid: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/),
    exp: z.number().int().positive(),
  })
  .strict();

/** Cookie values longer than this are not ours; they are refused before any work. */
const MAX_TOKEN_CHARS = 1_024;

/** `base64url(JSON claims).base64url(HMAC-SHA256(secret, that))`: nothing secret inside, nothing forgeable. */
export function signSession(claims: SessionClaims, secret: Buffer): string {
  const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${body}.${mac(body, secret).toString('base64url')}`;
}

/**
 * The claims of a token this process (or one sharing its secret) signed and that has not expired at
 * `nowMs`, the wall clock. The signature is checked in constant time before the body is parsed.
 */
export function verifySession(
  token: string,
  secret: Buffer,
  nowMs: number,
):
  | { readonly ok: true; readonly claims: SessionClaims }
  | { readonly ok: false; readonly reason: 'malformed' | 'bad_signature' | 'expired' } {
  if (token.length > MAX_TOKEN_CHARS) return { ok: false, reason: 'malformed' };
  const parts = token.split('.');
  const [body, signature] = parts;
  if (parts.length !== 2 || body === undefined || signature === undefined)
    return { ok: false, reason: 'malformed' };
  const given = Buffer.from(signature, 'base64url');
  const expected = mac(body, secret);
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, reason: 'bad_signature' };
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const claims = claimsSchema.safeParse(json);
  if (!claims.success) return { ok: false, reason: 'malformed' };
  if (claims.data.exp <= nowMs) return { ok: false, reason: 'expired' };
  return { ok: true, claims: claims.data };
}

function mac(body: string, secret: Buffer): Buffer {
  return createHmac('sha256', secret).update(body).digest();
}
