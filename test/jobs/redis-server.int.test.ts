import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { startRedisServer } from '../../src/jobs/redis-server.js';

describe('startRedisServer', () => {
  it('starts a private Redis on loopback that answers and goes away on stop', async () => {
    const redis = await startRedisServer();
    expect(redis.url).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
    const client = new Redis(redis.url, { maxRetriesPerRequest: 0, lazyConnect: true });
    await client.connect();
    expect(await client.ping()).toBe('PONG');
    expect(await client.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'noeviction']);
    client.disconnect();
    await redis.stop();
    const after = new Redis(redis.url, {
      maxRetriesPerRequest: 0,
      lazyConnect: true,
      retryStrategy: () => null,
    });
    await expect(after.connect()).rejects.toThrow();
    after.disconnect();
  });

  it('restarts on the same port without its data, as a managed Redis failing over does', async () => {
    const redis = await startRedisServer();
    const client = new Redis(redis.url, { maxRetriesPerRequest: null });
    // While Redis is away the client reports its reconnect attempts as errors.
    client.on('error', () => {});
    await client.set('schedule', 'every minute');
    await redis.restart();
    expect(await client.get('schedule')).toBeNull();
    expect(await client.ping()).toBe('PONG');
    client.disconnect();
    await redis.stop();
  });

  it('runs two at once on different ports', async () => {
    const [a, b] = await Promise.all([startRedisServer(), startRedisServer()]);
    expect(a.port).not.toBe(b.port);
    await Promise.all([a.stop(), b.stop()]);
  });

  it('says how to install Redis when the binary is missing', async () => {
    await expect(startRedisServer({ binary: '/nonexistent/redis-server' })).rejects.toThrow(
      /scripts\/setup\.sh/,
    );
  });
});
