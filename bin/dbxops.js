#!/usr/bin/env node
// Runs the TypeScript sources directly: tsx resolves our `.js` import specifiers to `.ts` files.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
