#!/usr/bin/env -S node --max-semi-space-size=16 --heap-growing-percent=100
// The V8 flags keep a long-running bot's memory near what it holds: by default V8 lets the young
// generation reach 128 MB and the old one grow to four times what survived the last full collection
// before collecting again, which on a 100,000-job workspace meant ~750 MB resident for ~120 MB live
// (bench/pipeline.bench.ts; about 2% more CPU per event with the flags). `npm start`, `npm run dbxops`
// and the benchmark pass the same flags.
// Runs the TypeScript sources directly: tsx resolves our `.js` import specifiers to `.ts` files.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
