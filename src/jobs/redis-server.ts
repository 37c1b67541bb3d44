import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DbxopsError } from '../domain/errors.js';

export interface RedisServerHandle {
  /** `redis://127.0.0.1:<port>` */
  url: string;
  port: number;
  /**
   * Stops Redis and starts a fresh one on the same port, without the data (persistence is off): what a
   * managed Redis failing over looks like to its clients, which reconnect to an empty server.
   */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export interface StartRedisOptions {
  /** The binary; Debian's `redis-server` on PATH by default. */
  binary?: string;
  /** Where Redis may write; a temporary folder removed on stop by default. Persistence is off either way. */
  dir?: string;
  startTimeoutMs?: number;
}

/**
 * Starts a private `redis-server` on a free loopback port: the embedded default's queue, and the
 * tests'. Nothing is persisted; the process ends with `stop()` or with ours, and a Ctrl-C meant for
 * dbxops does not reach it first.
 */
export async function startRedisServer(options: StartRedisOptions = {}): Promise<RedisServerHandle> {
  const binary = options.binary ?? 'redis-server';
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'dbxops-redis-')));
  let lastError: unknown;
  // A free port can be taken between our probe and Redis' bind: try a few.
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const timeoutMs = options.startTimeoutMs ?? 10_000;
    try {
      let child = await spawnRedis(binary, port, dir, timeoutMs);
      return {
        url: `redis://127.0.0.1:${port}`,
        port,
        restart: async () => {
          await stopChild(child);
          child = await spawnRedis(binary, port, dir, timeoutMs);
        },
        stop: async () => {
          await stopChild(child);
          if (ownDir) await rm(dir, { recursive: true, force: true });
        },
      };
    } catch (e) {
      lastError = e;
      if (e instanceof DbxopsError && e.details.reason === 'not_installed') break;
    }
  }
  if (ownDir) await rm(dir, { recursive: true, force: true });
  throw lastError;
}

function spawnRedis(binary: string, port: number, dir: string, timeoutMs: number): Promise<ChildProcess> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  args.push('--dir', dir, '--protected-mode', 'yes', '--loglevel', 'notice', '--daemonize', 'no');
  // BullMQ needs noeviction: evicting a job key would silently drop work.
  args.push('--maxmemory-policy', 'noeviction');
  // Its own process group: Ctrl-C in a terminal signals the whole foreground group, and a Redis that
  // died with it left dbxops' graceful shutdown retrying a dead connection for ever. We stop it ourselves,
  // on stop() or, at the latest, when this process exits.
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new DbxopsError('REDIS_START_FAILED', `redis-server did not start within ${timeoutMs} ms`, {
          output,
        }),
      );
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (/Ready to accept connections/i.test(output)) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.removeAllListeners('exit');
        // Keep draining: a full pipe would stall Redis.
        child.stdout?.resume();
        child.stderr?.resume();
        resolve(child);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (c: Buffer) => {
      output += c.toString();
    });
    child.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const missing = e.code === 'ENOENT';
      reject(
        new DbxopsError(
          'REDIS_START_FAILED',
          missing
            ? `${binary} is not installed: run scripts/setup.sh (apt-get install redis-server) or set REDIS_URL`
            : `${binary} failed to start: ${e.message}`,
          { reason: missing ? 'not_installed' : 'spawn_failed' },
        ),
      );
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(
        new DbxopsError('REDIS_START_FAILED', `redis-server exited with code ${code}: ${output.trim()}`, {
          port,
        }),
      );
    });
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
