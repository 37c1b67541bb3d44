/**
 * A set that forgets its oldest entries beyond `capacity`: enough memory to drop a repeat within the
 * overlap a poller re-reads, never unbounded growth in a process that runs for months.
 */
export class BoundedSet {
  readonly #items = new Set<string>();
  readonly #capacity: number;

  constructor(capacity: number) {
    this.#capacity = Math.max(1, Math.floor(capacity));
  }

  has(key: string): boolean {
    return this.#items.has(key);
  }

  /** Adds `key`; true when it was new. The oldest key is evicted once the set is full. */
  add(key: string): boolean {
    if (this.#items.has(key)) return false;
    this.#items.add(key);
    if (this.#items.size > this.#capacity) {
      const oldest = this.#items.values().next();
      if (!oldest.done) this.#items.delete(oldest.value);
    }
    return true;
  }

  get size(): number {
    return this.#items.size;
  }
}
