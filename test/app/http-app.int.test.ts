import type { Server } from 'node:http';
import { connect } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createServer as createNetServer } from 'node:net';
import {
  createHttpApp,
  listen,
  loopbackReachableUrl,
  readBody,
  reservePort,
} from '../../src/app/http-app.js';
import { createMetrics } from '../../src/jobs/metrics.js';

let server: Server | undefined;
afterEach(async () => {
  // A test without a server would otherwise wait here for a close callback that never comes.
  if (server !== undefined) await new Promise((r) => server?.close(r));
  server = undefined;
});

async function start(app: Server): Promise<string> {
  server = app;
  const { port } = await listen(app, 0, '127.0.0.1');
  return `http://127.0.0.1:${port}`;
}

describe('createHttpApp', () => {
  it('serves health, readiness and metrics beside the mounted routes', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.signals.inc({ kind: 'job_failed' });
    const url = await start(
      createHttpApp({
        routes: [{ path: '/slack/events', listener: (_q, s) => void s.end('slack') }],
        metrics: metrics.registry,
        ready: async () => ({ ok: false, checks: { redis: 'down' } }),
      }),
    );
    expect(await (await fetch(`${url}/healthz`)).text()).toBe('ok\n');
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ ok: false, checks: { redis: 'down' } });
    expect(await (await fetch(`${url}/metrics`)).text()).toContain(
      'dbxops_signals_total{kind="job_failed"} 1',
    );
    expect(await (await fetch(`${url}/slack/events`, { method: 'POST' })).text()).toBe('slack');
  });

  it('routes a prefix to its listener and answers unknown paths with 404 JSON', async () => {
    const url = await start(
      createHttpApp({ routes: [{ path: '/console/', listener: (q, s) => void s.end(q.url) }] }),
    );
    expect(await (await fetch(`${url}/console/channels/x?y=1`)).text()).toBe('/console/channels/x?y=1');
    const missing = await fetch(`${url}/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: 'not_found' });
  });

  it('answers a throwing listener with 500 and no stack trace', async () => {
    const errors: unknown[] = [];
    const url = await start(
      createHttpApp({
        routes: [
          {
            path: '/boom',
            listener: async () => {
              throw new Error('secret internals');
            },
          },
        ],
        onError: (e) => errors.push(e),
      }),
    );
    const res = await fetch(`${url}/boom`);
    expect(res.status).toBe(500);
    expect(await res.text()).not.toContain('secret internals');
    expect(errors).toHaveLength(1);
  });

  it('reads a body up to a limit and reports a larger one', async () => {
    const sizes: (number | null)[] = [];
    const url = await start(
      createHttpApp({
        routes: [
          {
            path: '/in',
            listener: async (q, s) => {
              const body = await readBody(q, 1000);
              sizes.push(body?.length ?? null);
              s.writeHead(body ? 200 : 413).end();
            },
          },
        ],
      }),
    );
    expect((await fetch(`${url}/in`, { method: 'POST', body: 'x'.repeat(10) })).status).toBe(200);
    expect((await fetch(`${url}/in`, { method: 'POST', body: 'x'.repeat(5000) })).status).toBe(413);
    expect(sizes).toEqual([10, null]);
  });

  it('gives up on a body whose client goes away half-way, and goes on serving', async () => {
    const outcomes: string[] = [];
    const url = await start(
      createHttpApp({
        routes: [
          {
            path: '/in',
            listener: async (q, s) => {
              const body = await readBody(q, 1000).then(
                (b) => `read ${b?.length}`,
                (e: Error) => `failed: ${e.message}`,
              );
              outcomes.push(body);
              s.end();
            },
          },
        ],
      }),
    );
    const { port } = new URL(url);
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    socket.write('POST /in HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\n0123456789');
    await new Promise((r) => setTimeout(r, 50));
    socket.destroy();
    await vi.waitFor(() => expect(outcomes).toHaveLength(1));
    expect(outcomes[0]).toMatch(/^failed: /);
    expect((await fetch(`${url}/in`, { method: 'POST', body: 'x'.repeat(10) })).status).toBe(200);
    expect(outcomes[1]).toBe('read 10');
  });
});

/** What binding `port` on loopback gives another server: its error code, or 'bound'. */
function bindAgain(port: number): Promise<string> {
  return new Promise((resolve) => {
    const other = createNetServer();
    other.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    other.listen(port, '127.0.0.1', () => other.close(() => resolve('bound')));
  });
}

describe('reservePort', () => {
  it('holds its port from the start, so nothing else binds it before the server serves on it', async () => {
    const reserved = await reservePort('127.0.0.1');
    expect(await bindAgain(reserved.port)).toBe('EADDRINUSE');
    // A webhook sent before dbxops serves waits for it instead of being refused.
    const early = fetch(`http://127.0.0.1:${reserved.port}/slack/events`, { method: 'POST' });
    const app = createHttpApp({
      routes: [{ path: '/slack/events', listener: (_q, s) => void s.end('slack') }],
    });
    server = app;
    expect((await reserved.serve(app)).port).toBe(reserved.port);
    expect(await (await early).text()).toBe('slack');
    expect(await bindAgain(reserved.port)).toBe('EADDRINUSE');
    // Released after serving, it stays the server's.
    await reserved.release();
    expect(await (await fetch(`http://127.0.0.1:${reserved.port}/healthz`)).text()).toBe('ok\n');
  });

  it('gives its port up when released unserved, and cannot then serve', async () => {
    const reserved = await reservePort('127.0.0.1');
    await reserved.release();
    await reserved.release();
    expect(await bindAgain(reserved.port)).toBe('bound');
    await expect(reserved.serve(createHttpApp({ routes: [] }))).rejects.toThrow(/already released/);
  });
});

describe('loopbackReachableUrl', () => {
  it('reaches a wildcard bind on loopback and brackets IPv6 addresses', () => {
    expect(loopbackReachableUrl('0.0.0.0', 3000)).toBe('http://127.0.0.1:3000');
    expect(loopbackReachableUrl('::', 3000)).toBe('http://[::1]:3000');
    expect(loopbackReachableUrl('::1', 3000)).toBe('http://[::1]:3000');
    expect(loopbackReachableUrl('127.0.0.1', 8080)).toBe('http://127.0.0.1:8080');
    expect(loopbackReachableUrl('192.168.1.20', 80)).toBe('http://192.168.1.20:80');
  });
});
