// @module-tag slow — npm pack and a real npm install (test/suite-sequencer.ts runs it first)
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Issue 11: dbxops installed the way Node tools install — `npm pack`, then `npm install <tarball>
 * --omit=dev` into an empty folder — runs every command, also where the `node` on PATH is the machine's
 * older Node (Debian's 20): the package brings Node 24 and its launcher relaunches on it.
 * Slow (a real install, from the npm cache when it holds the packages), so the install happens once.
 */
const ROOT = resolve(import.meta.dirname, '../..');
// The machine's Node first, and nothing of this checkout's node_modules/.bin (Node 24) on PATH.
const MACHINE_NODE_DIR = '/usr/bin';

interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Like a user's shell: no npm_* variables of the npm that runs the tests, no test-runner settings. */
function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(npm_|VITEST|NODE_ENV$|NODE_OPTIONS$|INIT_CWD$)/i.test(key)) env[key] = value;
  }
  const path = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((dir) => dir && !dir.includes('node_modules'));
  env.PATH = [MACHINE_NODE_DIR, ...path].join(delimiter);
  return { ...env, ...extra };
}

function run(command: string, args: string[], cwd: string, input = ''): Promise<Result> {
  const child = spawn(command, args, { cwd, env: userEnv(), stdio: 'pipe' });
  child.stdin.end(input);
  return collect(child);
}

async function collect(child: ChildProcess): Promise<Result> {
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (s: string) => {
    stdout += s;
  });
  child.stderr?.setEncoding('utf8').on('data', (s: string) => {
    stderr += s;
  });
  const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
  return { code, signal, stdout, stderr };
}

function expectSuccess(r: Result, what: string): void {
  expect(r.code, `${what}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`).toBe(0);
}

let tmp: string;
let app: string;
let bin: string;
let shipped: string[];

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'dbxops-package-'));
  // dist/ was built by the global setup (test/support/build-dist.ts); prepack would rebuild it while
  // other test files run bin/dbxops.js from it.
  const pack = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], ROOT);
  expectSuccess(pack, 'npm pack');
  const [packed] = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[];
  if (!packed) throw new Error(`npm pack printed no package: ${pack.stdout}`);
  shipped = packed.files.map((f) => f.path);

  app = join(tmp, 'app');
  await mkdir(app);
  const install = await run(
    'npm',
    ['install', join(tmp, packed.filename), '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline'],
    app,
  );
  expectSuccess(install, 'npm install');
  bin = join(app, 'node_modules', '.bin', 'dbxops');
}, 600_000);

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('dbxops installed from its npm package', () => {
  it('ships the compiled code with the files it reads, and no sources, tests or benchmarks', () => {
    expect(shipped).toEqual(
      expect.arrayContaining([
        'bin/dbxops.js',
        'dist/cli.js',
        'dist/bot/console/page/index.html',
        'dist/bot/console/page/console.js',
        'dist/agents/classifier/error-patterns.yaml',
        'scenarios/demo.yaml',
      ]),
    );
    expect(shipped.filter((p) => /^(src|test|bench|scripts)\/|\.ts$|^dist\/\.source-hash$/.test(p))).toEqual(
      [],
    );
  });

  it('prints its help through npx', async () => {
    const r = await run('npx', ['dbxops', '--help'], app);
    expectSuccess(r, 'npx dbxops --help');
    expect(r.stdout).toContain('Usage: dbxops');
    expect(r.stdout).toContain('classify');
  });

  it('classifies a JSONL error on stdin', async () => {
    const line = JSON.stringify({ id: '1', message: 'java.lang.OutOfMemoryError: Java heap space' });
    const r = await run(bin, ['classify'], app, `${line}\n`);
    expectSuccess(r, 'dbxops classify');
    expect(JSON.parse(r.stdout.trim())).toMatchObject({ id: '1', category: 'resource' });
  });

  it('answers a wording no pattern knows from the learned layer, whose examples ship in the package', async () => {
    const line = JSON.stringify({
      id: '2',
      message: 'bundle deploy: variable "env" has no value and no default in target prod',
    });
    const r = await run(bin, ['classify'], app, `${line}\n`);
    expectSuccess(r, 'dbxops classify');
    expect(JSON.parse(r.stdout.trim())).toMatchObject({
      id: '2',
      category: 'config',
      rule: expect.stringMatching(/^learned/),
    });
  });

  it('exports the shipped demo scenario to a DuckDB file in the working directory', async () => {
    const r = await run(bin, ['sim', 'export', '--hours', '2', '--out', 'x.duckdb'], app);
    expectSuccess(r, 'dbxops sim export');
    expect(r.stdout).toContain('wrote x.duckdb');
    expect(existsSync(join(app, 'x.duckdb'))).toBe(true);
  });

  it('starts on the embedded workspace, answers /healthz and stops on SIGTERM', async () => {
    // Its own process group, so a failed run can take the relaunched Node and redis-server down too.
    const child = spawn(bin, ['start'], {
      cwd: app,
      env: userEnv({ PORT: '0', LOG_LEVEL: 'warn' }),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const exited = collect(child);
    try {
      const url = await new Promise<string>((resolveUrl, reject) => {
        let seen = '';
        const timer = setTimeout(() => reject(new Error(`no start line in 120 s:\n${seen}`)), 120_000);
        child.stdout.on('data', (s: Buffer) => {
          seen += s.toString('utf8');
          const match = /dbxops is running — open (http:\/\/\S+)/.exec(seen);
          if (match?.[1]) {
            clearTimeout(timer);
            resolveUrl(match[1]);
          }
        });
        void exited.then((r) =>
          reject(new Error(`exited early (${r.code ?? r.signal}):\n${seen}\n${r.stderr}`)),
        );
      });
      const health = await fetch(`${url}/healthz`);
      expect(health.status).toBe(200);

      child.kill('SIGTERM');
      const r = await exited;
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('dbxops: stopping');
    } finally {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // ESRCH: the group is gone, as it should be after a clean stop.
      }
    }
  }, 180_000);
});

/** Whether setup.sh would skip `npm install` here: it reinstalls only when the lock file changed. */
function installIsCurrent(): boolean {
  const read = (file: string) => (existsSync(join(ROOT, file)) ? readFileSync(join(ROOT, file), 'utf8') : '');
  const lockHash = createHash('sha256').update(read('package-lock.json')).digest('hex');
  return (
    existsSync(join(ROOT, 'node_modules/.bin/node')) &&
    read('node_modules/.dbxops-lock-hash').trim() === lockHash
  );
}

describe('scripts/setup.sh', () => {
  // A reinstall is slow and would rewrite node_modules under other test files: only the cheap path runs.
  it.skipIf(!installIsCurrent())('leaves the checkout as it found it', async () => {
    const status = () => run('git', ['status', '--porcelain', '--untracked-files=all'], ROOT);
    const before = await status();
    const setup = await run('bash', ['scripts/setup.sh'], ROOT);
    expectSuccess(setup, 'setup.sh');
    expect((await status()).stdout).toBe(before.stdout);
  });
});
