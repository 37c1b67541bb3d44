import type { Clock } from '../../domain/clock.js';

/** The workspace's simulated time: moves only when the workspace advances it. */
export class SimClock implements Clock {
  #now: number;
  constructor(startMs: number) {
    this.#now = startMs;
  }
  now(): number {
    return this.#now;
  }
  /** Moves time forward; never backwards, so rows stay in time order. */
  set(ms: number): void {
    if (ms > this.#now) this.#now = ms;
  }
}
