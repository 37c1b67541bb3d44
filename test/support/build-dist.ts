import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

/**
 * Vitest global setup: tests that run `bin/dbxops.js` run the compiled dist/, so it is built from the
 * sources under test first, once for the run and before any test file starts (a build in a test file
 * would race the others). Costs nothing when dist/ is already up to date.
 */
export function setup(): void {
  const root = resolve(import.meta.dirname, '../..');
  const build = spawnSync(process.execPath, ['scripts/build.js', '--if-stale'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (build.status !== 0) throw new Error(`scripts/build.js failed (exit ${build.status ?? build.signal})`);
}
