/** How hard the transport tries before giving up. Every field has a default; see `DEFAULT_RETRY_POLICY`. */
export interface RetryPolicy {
  /** Attempts in total, the first included. Default 5. */
  maxAttempts: number;
  /** First backoff step; doubles per retry. Default 500 ms. */
  baseDelayMs: number;
  /** Cap for one backoff step (not for a server-requested `Retry-After`). Default 30 s. */
  maxDelayMs: number;
  /** Wall-clock budget for all attempts and waits of one call. Default 120 s. */
  deadlineMs: number;
  /** Wait when a 429/503 carries no usable `Retry-After` (the official SDKs use 1 s). Default 1000 ms. */
  defaultRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({
  maxAttempts: 5,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  deadlineMs: 120_000,
  defaultRetryAfterMs: 1000,
});

// From databricks-sdk-py `_base_client._is_retryable`: messages that mean "the request was turned away,
// try again", whatever the status code.
const TRANSIENT_MESSAGES: readonly string[] = [
  'com.databricks.backend.manager.util.UnknownWorkerEnvironmentException',
  'does not have any associated worker environments',
  'There is no worker environment with id',
  'Unknown worker environment',
  'ClusterNotReadyException',
  'Unexpected error',
  'Please try again later or try a faster operation.',
  'RPC token bucket limit has been exceeded',
];

/** True when the message is one the official SDKs treat as transient. */
function isTransientMessage(message: string): boolean {
  return TRANSIENT_MESSAGES.some((m) => message.includes(m));
}

/** What went wrong with one attempt, as much as the retry decision needs. */
export type AttemptFailure =
  | { kind: 'http'; status: number; message: string }
  | {
      kind: 'network';
      refused: boolean;
      /** A reused keep-alive connection reset before the answer began: the server never saw the call. */
      reusedConnectionReset: boolean;
    }
  | { kind: 'timeout' };

/**
 * Decides whether one failed attempt may be repeated. 429 and 503 mean the server did not act, so any
 * method is retried; so are the SDKs' transient messages, refused connections and a reused keep-alive
 * connection reset before the answer began. Any other 5xx, reset connection or timeout may have
 * happened after the server acted, so only idempotent calls retry.
 */
export function isRetryable(failure: AttemptFailure, idempotent: boolean): boolean {
  switch (failure.kind) {
    case 'http':
      if (failure.status === 429 || failure.status === 503) return true;
      if (failure.status >= 400 && isTransientMessage(failure.message)) return true;
      return idempotent && (failure.status === 500 || failure.status === 502 || failure.status === 504);
    case 'network':
      return failure.refused || failure.reusedConnectionReset || idempotent;
    case 'timeout':
      return idempotent;
  }
}

/** Reads an integer-seconds `Retry-After`; anything else (dates, junk, negatives) counts as absent. */
export function parseRetryAfterMs(header: string | null | undefined): number | undefined {
  if (header == null) return undefined;
  const trimmed = header.trim();
  if (!/^\d{1,7}$/.test(trimmed)) return undefined;
  return Number(trimmed) * 1000;
}

/**
 * The wait before retry number `retry` (1 for the first retry): exponential with "equal jitter" (half
 * fixed, half random, so it never collapses to zero), and never shorter than what the server asked.
 */
export function backoffDelayMs(
  retry: number,
  retryAfterMs: number | undefined,
  policy: RetryPolicy,
  random: () => number,
): number {
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  const jittered = Math.round(step / 2 + random() * (step / 2));
  return Math.max(retryAfterMs ?? 0, jittered);
}
