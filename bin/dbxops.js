#!/usr/bin/env -S node --max-semi-space-size=16 --heap-growing-percent=100
// The V8 flags keep a long-running bot's memory near what it holds: by default V8 lets the young
// generation reach 128 MB and the old one grow to four times what survived the last full collection
// before collecting again, which on a 100,000-job workspace meant ~750 MB resident for ~120 MB live
// (bench/pipeline.bench.ts; about 2% more CPU per event with the flags). `npm start`, `npm run dbxops`
// and the benchmark pass the same flags.
//
// dbxops needs Node 24, but the `node` on a machine's PATH may be older (Debian's is 20), so this file
// stays plain JavaScript that Node 20 parses. When it does not run on Node ≥ 24 with the flags, it runs
// itself again with them, on the Node 24 the `node` dependency installs, and passes on signals and the
// exit status: to a shell or a process manager it is one process. It runs the JavaScript compiled into
// dist/ (`npm run build`): no TypeScript loader at run time.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const FLAGS = ['--max-semi-space-size=16', '--heap-growing-percent=100'];
// A flag the user set to another value (`node --max-semi-space-size=32 bin/dbxops.js`) is theirs to keep.
const missingFlags = FLAGS.filter(
  (flag) => !process.execArgv.some((arg) => arg.startsWith(flag.slice(0, flag.indexOf('=') + 1))),
);
const major = Number(process.versions.node.split('.')[0]);
// Set for the child only, so a child that still does not qualify fails instead of relaunching for ever.
const RELAUNCHED = 'DBXOPS_LAUNCHER_RELAUNCHED';

const fail = (message) => {
  process.stderr.write(`dbxops: ${message}\n`);
  process.exit(1);
};

if (major >= 24 && missingFlags.length === 0) {
  delete process.env[RELAUNCHED];
  const cli = new URL('../dist/cli.js', import.meta.url);
  // Only a checkout lacks it: the package is built when it is packed.
  if (!existsSync(cli)) fail('dist/ is not built: run `npm run build` (or `bash scripts/setup.sh`)');
  await import(cli.href);
} else {
  if (process.env[RELAUNCHED]) fail(`relaunched on Node ${process.versions.node} without ${missingFlags}`);
  let node = process.execPath;
  if (major < 24) {
    try {
      const manifest = createRequire(import.meta.url).resolve('node/package.json');
      node = join(dirname(manifest), JSON.parse(readFileSync(manifest, 'utf8')).bin.node);
    } catch {
      fail(`needs Node 24 or newer (this is ${process.version}) and the \`node\` package is not installed`);
    }
  }
  const child = spawn(
    node,
    [...process.execArgv, ...missingFlags, fileURLToPath(import.meta.url), ...process.argv.slice(2)],
    { stdio: 'inherit', env: { ...process.env, [RELAUNCHED]: '1' } },
  );
  // Not the default (this process dying at once): the child shuts down gracefully, then we exit as it did.
  const forward = (signal) => child.kill(signal);
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, forward);
  child.on('error', (error) => fail(`could not start ${node}: ${error.message}`));
  child.on('exit', (code, signal) => {
    if (signal) {
      // Die of the same signal, so a shell or a process manager sees what happened to dbxops.
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    } else {
      process.exit(code ?? 1);
    }
  });
}
