import type { Clock } from '../domain/clock.js';

/**
 * Tokens a process may spend on the model per UTC day (wall clock). Kept in memory: a restart starts
 * the day's count again, and N web processes may each spend the budget — the bound is per process.
 */
export class TokenBudget {
  readonly #perDay: number;
  readonly #clock: Clock;
  #day = '';
  #used = 0;

  constructor(perDay: number, clock: Clock) {
    this.#perDay = perDay;
    this.#clock = clock;
  }

  #roll(): void {
    const day = new Date(this.#clock.now()).toISOString().slice(0, 10);
    if (day !== this.#day) {
      this.#day = day;
      this.#used = 0;
    }
  }

  /** Whether any budget is left today. */
  available(): boolean {
    this.#roll();
    return this.#used < this.#perDay;
  }

  spend(tokens: number): void {
    this.#roll();
    this.#used += Math.max(0, tokens);
  }
}
