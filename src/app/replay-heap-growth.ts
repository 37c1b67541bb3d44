import { setFlagsFromString } from 'node:v8';

/**
 * Lets V8's old generation grow to 1.25× what survived its last full collection before collecting
 * again, instead of the 2× `bin/dbxops.js` sets for a long-running bot (`--heap-growing-percent`).
 * A replay (`dbxops eval`) is a batch that allocates steadily and holds little — about 65 MB of live
 * heap over the demo's 48 h, barely growing — so the extra headroom was only garbage waiting to be
 * collected: at 1.5× the demo eval's peak dropped by ~20 MB, at 1.25× by ~10 MB more (V8's heap
 * ~158 → ~140 MB), its CPU time moving by less than the noise between runs (bench/README.md).
 * The bot keeps its own setting: its bursts (a topology load) measured worse at 1.5×.
 *
 * Process-wide, so the CLI sets it for the `eval` command only. Unlike the young generation's size,
 * V8 reads this flag each time it sizes the heap, so it takes effect when set after start-up.
 */
export function useReplayHeapGrowth(): void {
  setFlagsFromString('--heap-growing-percent=25');
}
