import { verifySlackRequest } from '@slack/bolt';
import { err, ok, type Result } from '../../domain/result.js';

/** Slack's replay window, both directions (Bolt only rejects old timestamps; we also reject future ones). */
const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

export type VerifyRefusal = 'missing_headers' | 'stale' | 'bad_signature' | 'replayed';

export interface SignedRequest {
  readonly rawBody: string;
  readonly signature: string | undefined;
  readonly timestamp: string | undefined;
}

/**
 * Checks a request Slack signed: headers present, timestamp within five minutes of `nowMs` either way,
 * and Bolt's own HMAC check (`v0:{ts}:{body}`, constant-time) on the exact bytes received.
 */
export function verifySlackSignature(
  signingSecret: string,
  request: SignedRequest,
  nowMs: number,
): Result<void, VerifyRefusal> {
  const { signature, timestamp } = request;
  if (signature === undefined || timestamp === undefined || !/^\d{1,12}$/.test(timestamp)) {
    return err('missing_headers', 'The request is not signed by Slack.');
  }
  if (Math.abs(nowMs - Number(timestamp) * 1000) > MAX_CLOCK_SKEW_MS) {
    return err('stale', 'The request timestamp is more than five minutes away from now.', { timestamp });
  }
  try {
    verifySlackRequest({
      signingSecret,
      body: request.rawBody,
      headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': Number(timestamp) },
      nowMilliseconds: nowMs,
    });
  } catch {
    return err('bad_signature', 'The Slack signature does not match the request body.');
  }
  return ok(undefined);
}

/**
 * Remembers the signatures of accepted requests for the replay window, so the very same signed request
 * sent again is refused. Bounded: the oldest entries go first when `capacity` is reached.
 */
export class ReplayGuard {
  readonly #seen = new Map<string, number>();
  readonly #capacity: number;

  constructor(capacity = 50_000) {
    this.#capacity = capacity;
  }

  /** True the first time `signature` is seen within the window; false for a replay. */
  firstSeen(signature: string, nowMs: number): boolean {
    this.#prune(nowMs);
    if (this.#seen.has(signature)) return false;
    if (this.#seen.size >= this.#capacity) {
      const oldest = this.#seen.keys().next().value;
      if (oldest !== undefined) this.#seen.delete(oldest);
    }
    this.#seen.set(signature, nowMs + 2 * MAX_CLOCK_SKEW_MS);
    return true;
  }

  #prune(nowMs: number): void {
    // Map iteration follows insertion order, and expiry grows with insertion time (nearly): stop at the first live one.
    for (const [key, expires] of this.#seen) {
      if (expires > nowMs) break;
      this.#seen.delete(key);
    }
  }
}
