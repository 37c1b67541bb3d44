import type { Logger } from '../../config/logger.js';
import type { Clock } from '../../domain/clock.js';
import { TeamsConnectorError } from './connector-client.js';

import { ChannelSendQueue, type RetryDecision, type Sleep } from '../channel-send-queue.js';

export interface TeamsSendQueueOptions {
  readonly clock: Clock;
  readonly sleep?: Sleep;
  readonly logger: Logger;
  /** Random in [0, 1) for backoff jitter; inject a seeded one in tests. */
  readonly random?: () => number;
  /** Gap between two sends to one conversation (default 150 ms: Teams allows about 7 per second). */
  readonly minIntervalMs?: number;
  /** Backoff ceiling for 5xx and network errors (default 60 s). */
  readonly maxBackoffMs?: number;
}

const BASE_BACKOFF_MS = 1_000;

/**
 * Microsoft's guidance (bots/how-to/rate-limit.md): retry 429 after `Retry-After`, retry 412, 5xx and
 * network failures with exponential backoff and jitter. A 4xx that is not a throttle is permanent.
 */
export function retryDecision(
  error: unknown,
  attempt: number,
  maxBackoffMs: number,
  random: () => number,
): RetryDecision {
  const exp = Math.min(maxBackoffMs, BASE_BACKOFF_MS * 2 ** Math.min(attempt, 16));
  // Full jitter on the upper half: spreads retries of many conversations without ever retrying instantly.
  const backoff = Math.round(exp / 2 + (random() * exp) / 2);
  if (!(error instanceof TeamsConnectorError)) return { retry: false };
  switch (error.reason) {
    case 'rate_limited':
      return { retry: true, delayMs: error.retryAfterMs ?? backoff, why: 'rate_limited' };
    case 'server_error':
      return {
        retry: true,
        delayMs: error.retryAfterMs ?? backoff,
        why: `http_${error.statusCode ?? 'unknown'}`,
      };
    case 'network':
      return { retry: true, delayMs: backoff, why: 'network' };
    default:
      return { retry: false };
  }
}

/** Teams' send queue: about seven messages per second per conversation, Microsoft's retry rules. */
export class TeamsSendQueue extends ChannelSendQueue {
  constructor(options: TeamsSendQueueOptions) {
    const maxBackoffMs = options.maxBackoffMs ?? 60_000;
    const random = options.random ?? Math.random;
    super({
      clock: options.clock,
      logger: options.logger,
      ...(options.sleep ? { sleep: options.sleep } : {}),
      platform: 'Teams',
      minIntervalMs: options.minIntervalMs ?? 150,
      classify: (error, attempt) => retryDecision(error, attempt, maxBackoffMs, random),
    });
  }
}
