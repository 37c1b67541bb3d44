import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';

/** A seeded source of randomness: the same seed gives the same sequence, run after run. */
export class Prng {
  readonly #rng: RandomGenerator;

  constructor(seed: number) {
    this.#rng = xoroshiro128plus(seed | 0);
  }

  /** A float in [0, 1). */
  next(): number {
    return (this.#rng.next() >>> 0) / 4_294_967_296;
  }

  /** An integer in [from, to], both included. */
  int(from: number, to: number): number {
    return from + Math.floor(this.next() * (to - from + 1));
  }

  /** `mean` varied uniformly by ±`jitter` (a fraction). */
  jitter(mean: number, jitter: number): number {
    return mean * (1 + (this.next() * 2 - 1) * jitter);
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return p > 0 && this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new RangeError('pick from an empty list');
    return item;
  }

  /** Lower-case base-36 characters. */
  chars(n: number, alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789'): string {
    let out = '';
    for (let i = 0; i < n; i++) out += alphabet[Math.floor(this.next() * alphabet.length)];
    return out;
  }

  uuid(): string {
    const h = this.chars(32, '0123456789abcdef');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }
}
