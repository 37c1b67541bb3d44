import { setFlagsFromString } from 'node:v8';

/**
 * Has V8 compile WebAssembly with its baseline compiler (Liftoff) only, never with its optimising one
 * (TurboFan). dbxops runs two large WebAssembly modules: PGlite (PostgreSQL, the embedded store) and
 * the SQL translator. Optimising them cost ~500 MB of resident memory at their peak (TurboFan's
 * working memory for PostgreSQL's largest functions) and seconds of CPU on V8's helper threads, and
 * bought nothing: a store query's time is PGlite's JavaScript glue and the protocol, not the compiled
 * code. Measured on this 2-core machine (`bench/README.md`, eval): 15,000 PGlite queries took 6.6 s
 * of CPU on baseline code against 7.1 s with the optimiser (whose compiling is included), and an
 * in-memory store peaked at ~370 MB against ~850 MB.
 *
 * Process-wide, so it belongs to the process's entry point, and must run before either module is
 * compiled (both are imported lazily). `--liftoff-only` alone is not enough after start-up: flag
 * implications are applied only at V8's initialisation, so the tiering flags it implies are set too.
 */
export function useBaselineWasmCompiler(): void {
  setFlagsFromString('--liftoff-only --no-wasm-tier-up --no-wasm-dynamic-tiering');
}
