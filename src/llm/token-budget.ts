import type { Clock } from '../domain/clock.js';

/** Where the day's spending is kept: the store's `llm_token_usage` table, shared by every process. */
export interface TokenLedger {
  used(day: string): Promise<number>;
  add(day: string, tokens: number, now: number): Promise<number>;
}

/**
 * Tokens the deployment may spend on the model per UTC day of the wall clock (a cost limit, so real
 * days, also in the embedded mode). The count lives in the ledger, so every web and worker process
 * shares one budget and a restart does not reset it. A call starts only while budget is left and is
 * counted when it ends, so the day may end one call's worth over.
 */
export class TokenBudget {
  readonly #perDay: number;
  readonly #wallClock: Clock;
  readonly #ledger: TokenLedger;

  constructor(perDay: number, wallClock: Clock, ledger: TokenLedger) {
    this.#perDay = perDay;
    this.#wallClock = wallClock;
    this.#ledger = ledger;
  }

  #day(): string {
    return new Date(this.#wallClock.now()).toISOString().slice(0, 10);
  }

  /** Whether any budget is left today. */
  async available(): Promise<boolean> {
    if (this.#perDay <= 0) return false;
    return (await this.#ledger.used(this.#day())) < this.#perDay;
  }

  async spend(tokens: number): Promise<void> {
    const spent = Math.max(0, Math.ceil(tokens));
    if (spent > 0) await this.#ledger.add(this.#day(), spent, this.#wallClock.now());
  }
}
