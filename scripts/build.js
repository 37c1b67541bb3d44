// Compiles src/ to dist/ for the package and the launcher (bin/dbxops.js), which run no TypeScript loader.
// Every file in src/ that is not TypeScript (the console page, the error-pattern matrix) is an asset the
// code reads next to itself through import.meta.url, so it is copied to the same place under dist/.
//
//   node scripts/build.js             a clean build (prepack, `npm run build`)
//   node scripts/build.js --if-stale  nothing when dist/ was built from the sources as they are now
//                                      (setup.sh, the test suite's global setup)
//
// Plain JavaScript that Node 20 runs: setup.sh may call it before Node 24 is on PATH.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');
const dist = join(root, 'dist');
// Written last, so a build that failed half-way is never taken for a fresh one.
const hashFile = join(dist, '.source-hash');

const sourceHash = () => {
  const files = [
    ...readdirSync(src, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath, e.name)),
    join(root, 'tsconfig.json'),
    join(root, 'tsconfig.build.json'),
    fileURLToPath(import.meta.url),
  ].sort();
  const hash = createHash('sha256');
  for (const file of files)
    hash
      .update(`${relative(root, file)}\0`)
      .update(readFileSync(file))
      .update('\0');
  return hash.digest('hex');
};

const hash = sourceHash();
if (process.argv.includes('--if-stale')) {
  let built = '';
  try {
    built = readFileSync(hashFile, 'utf8').trim();
  } catch {}
  if (built === hash) process.exit(0);
}

// A clean dist/: a source that was deleted or renamed must not live on in the package.
rmSync(dist, { recursive: true, force: true });
const require = createRequire(import.meta.url);
// Through package.json and its `bin`: the package's exports do not name bin/tsc.
const tsPackage = require.resolve('typescript/package.json');
const tsc = join(dirname(tsPackage), JSON.parse(readFileSync(tsPackage, 'utf8')).bin.tsc);
const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], {
  stdio: 'inherit',
});
if (result.status !== 0) {
  console.error('build: tsc failed');
  process.exit(result.status ?? 1);
}
cpSync(src, dist, { recursive: true, filter: (from) => !from.endsWith('.ts') });
writeFileSync(hashFile, `${hash}\n`);
