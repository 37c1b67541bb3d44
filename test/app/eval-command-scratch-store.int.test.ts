import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
let tmp: string;

afterEach(() => rmSync(tmp, { recursive: true, force: true }));

/** `dbxops eval` with the system's temporary directory at a fresh `tmp`; resolves with how it ended. */
function evaluate(args: readonly string[], onStarted?: (child: ReturnType<typeof spawn>) => void) {
  tmp = mkdtempSync(join(tmpdir(), 'dbxops-eval-tmp-'));
  const child = spawn(process.execPath, [resolve(ROOT, 'bin/dbxops.js'), 'eval', '--json', ...args], {
    cwd: ROOT,
    env: { ...process.env, TMPDIR: tmp },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  for (const stream of [child.stdout, child.stderr])
    stream.setEncoding('utf8').on('data', (s: string) => {
      output += s;
    });
  onStarted?.(child);
  return (once(child, 'close') as Promise<[number | null, NodeJS.Signals | null]>).then(([code, signal]) => ({
    code,
    signal,
    output,
  }));
}

const storeDirs = () => readdirSync(tmp).filter((name) => name.startsWith('dbxops-store-'));

/** The eval's store lives in a temporary directory (its pages in the page cache, not the process). */
describe('dbxops eval', () => {
  it('removes its store directory when the replay ends', async () => {
    const ended = await evaluate(['--hours', '1']);
    expect(ended.code, ended.output).toBe(0);
    expect(JSON.parse(ended.output)).toMatchObject({ seed: 42 });
    expect(storeDirs()).toEqual([]);
  }, 180_000);

  it('removes its store directory when the scenario cannot be replayed', async () => {
    const scenario = join(tmpdir(), `dbxops-bad-scenario-${process.pid}.yaml`);
    writeFileSync(scenario, 'name: broken\njobs: not a list\n');
    try {
      const ended = await evaluate(['--scenario', scenario]);
      expect(ended.code, ended.output).not.toBe(0);
      expect(storeDirs()).toEqual([]);
    } finally {
      rmSync(scenario, { force: true });
    }
  }, 120_000);

  it('removes its store directory when interrupted with Ctrl-C, and ends as interrupted', async () => {
    const ended = await evaluate([], (child) => {
      const watch = setInterval(() => {
        if (storeDirs().length > 0) {
          clearInterval(watch);
          child.kill('SIGINT');
        }
      }, 100);
      child.on('close', () => clearInterval(watch));
    });
    expect(ended.signal, ended.output).toBe('SIGINT');
    expect(storeDirs()).toEqual([]);
  }, 180_000);
});
