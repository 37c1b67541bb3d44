import type { Clock } from '../../domain/clock.js';

export interface LoginLimiterOptions {
  /** The wall clock: a simulated workspace clock at 600× would reopen the window every second. */
  readonly clock: Clock;
  /** Attempts per client per window (default 10). */
  readonly maxAttempts?: number;
  /** Window length (default 10 minutes). */
  readonly windowMs?: number;
  /** Clients remembered at once; the oldest is forgotten first (default 10,000). */
  readonly maxClients?: number;
}

/**
 * Login attempts per client in fixed windows, in memory. Guessing is slowed to `maxAttempts` a
 * window per address; scrypt per attempt bounds what a flood of addresses costs.
 */
export class LoginLimiter {
  readonly #clock: Clock;
  readonly #max: number;
  readonly #windowMs: number;
  readonly #maxClients: number;
  readonly #windows = new Map<string, { start: number; count: number }>();

  constructor(options: LoginLimiterOptions) {
    this.#clock = options.clock;
    this.#max = options.maxAttempts ?? 10;
    this.#windowMs = options.windowMs ?? 600_000;
    this.#maxClients = options.maxClients ?? 10_000;
  }

  /** Counts one attempt by `client`; refused with the wait when it is over the limit. */
  take(client: string): { readonly ok: true } | { readonly ok: false; readonly retryAfterMs: number } {
    const now = this.#clock.now();
    let window = this.#windows.get(client);
    if (window === undefined || now - window.start >= this.#windowMs) {
      this.#windows.delete(client);
      window = { start: now, count: 0 };
      this.#windows.set(client, window);
      if (this.#windows.size > this.#maxClients) {
        const oldest = this.#windows.keys().next().value;
        if (oldest !== undefined) this.#windows.delete(oldest);
      }
    }
    if (window.count >= this.#max) return { ok: false, retryAfterMs: window.start + this.#windowMs - now };
    window.count += 1;
    return { ok: true };
  }
}
