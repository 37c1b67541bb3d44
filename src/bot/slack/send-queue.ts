import type { Logger } from '../../config/logger.js';
import type { Clock } from '../../domain/clock.js';

import { ChannelSendQueue, type RetryDecision, type Sleep } from '../channel-send-queue.js';

export interface SendQueueOptions {
  readonly clock: Clock;
  readonly sleep?: Sleep;
  readonly logger: Logger;
  /** Minimum gap between two sends to one channel; Slack allows about one message per second. */
  readonly minIntervalMs?: number;
  /** Backoff ceiling for 5xx and network errors. */
  readonly maxBackoffMs?: number;
}

const BASE_BACKOFF_MS = 1_000;

/**
 * Classifies Slack failures: 429 waits exactly `Retry-After`; HTTP 5xx and network errors back off
 * exponentially; anything else (an `ok: false` platform error, a bad request) is permanent.
 * Understands `@slack/web-api` errors (`rejectRateLimitedCalls: true`, `retries: 0`) and our `response_url` errors.
 */
export function retryDecision(error: unknown, attempt: number, maxBackoffMs: number): RetryDecision {
  const e = error as { code?: unknown; retryAfter?: unknown; statusCode?: unknown };
  const backoff = Math.min(maxBackoffMs, BASE_BACKOFF_MS * 2 ** Math.min(attempt, 16));
  if (e?.code === 'slack_webapi_rate_limited_error' && typeof e.retryAfter === 'number') {
    return { retry: true, delayMs: Math.max(0, e.retryAfter * 1000), why: 'rate_limited' };
  }
  if (typeof e?.statusCode === 'number') {
    if (e.statusCode === 429) {
      const after = typeof e.retryAfter === 'number' ? e.retryAfter * 1000 : backoff;
      return { retry: true, delayMs: after, why: 'rate_limited' };
    }
    if (e.statusCode >= 500) return { retry: true, delayMs: backoff, why: `http_${e.statusCode}` };
    return { retry: false };
  }
  if (e?.code === 'slack_webapi_request_error' || e?.code === 'slack_response_url_network') {
    return { retry: true, delayMs: backoff, why: 'network' };
  }
  return { retry: false };
}

/** Slack's send queue: about one message per second per channel, Slack's retry rules. */
export class SendQueue extends ChannelSendQueue {
  constructor(options: SendQueueOptions) {
    const maxBackoffMs = options.maxBackoffMs ?? 60_000;
    super({
      clock: options.clock,
      logger: options.logger,
      ...(options.sleep ? { sleep: options.sleep } : {}),
      platform: 'Slack',
      minIntervalMs: options.minIntervalMs ?? 1_000,
      classify: (error, attempt) => retryDecision(error, attempt, maxBackoffMs),
    });
  }
}
