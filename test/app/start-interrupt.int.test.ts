import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

/**
 * Ctrl-C in a terminal signals the whole foreground process group: dbxops and the private Redis it
 * started. dbxops must still shut down gracefully and exit, not wait for ever on a Redis that died first.
 */
describe('dbxops start interrupted with Ctrl-C', () => {
  it('stops its workers, its Redis and itself, and exits 0', async () => {
    // detached: a process group of its own, as a shell gives a foreground job.
    const child = spawn(process.execPath, [resolve(ROOT, 'bin/dbxops.js'), 'start'], {
      cwd: ROOT,
      env: { ...process.env, PORT: '0', LOG_LEVEL: 'silent', DBXOPS_SIM_SPEED: '60' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      output += s;
    });
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      output += s;
    });
    const closed = once(child, 'close') as Promise<[number | null, NodeJS.Signals | null]>;
    await expect.poll(() => output, { timeout: 90_000, interval: 200 }).toContain('dbxops is running');

    process.kill(-(child.pid ?? 0), 'SIGINT');
    const timeout = setTimeout(() => process.kill(-(child.pid ?? 0), 'SIGKILL'), 30_000);
    const [code] = await closed;
    clearTimeout(timeout);
    expect(code, output).toBe(0);
    expect(output).toContain('dbxops: stopping');
  }, 150_000);
});
