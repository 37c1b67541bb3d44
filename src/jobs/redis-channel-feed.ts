import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { redisConnection } from './dispatcher.js';

/** A feed of notices shared by every process on one Redis; `close` ends its connections. */
export interface RedisChannelFeed {
  publish(payload: string): void;
  subscribe(onPayload: (payload: string) => void, onGap: () => void): () => void;
  close(): Promise<void>;
}

export interface RedisChannelFeedOptions {
  /** `REDIS_URL`. */
  readonly url: string;
  /** The pub/sub channel; the deployment's key prefix keeps deployments on one Redis apart. */
  readonly channel: string;
  readonly logger: Logger;
}

/**
 * Notices between processes over Redis pub/sub (the console's changes, from the web process that made
 * them to every other one). This process' subscribers hear its own notices at once, without Redis, so
 * a Redis outage costs only the other processes' pages; their subscriber connection drops too, and on
 * reconnecting they are told (`onGap`) that notices may have been missed. Pub/sub keeps nothing, so a
 * notice is a pointer into the store, never the data.
 */
export function redisChannelFeed(options: RedisChannelFeedOptions): RedisChannelFeed {
  const origin = randomUUID();
  const connection = redisConnection(options.url);
  // A publish while Redis is down fails at once rather than waiting in ioredis' offline queue: the
  // change is in the store, and the pages that missed it are resynchronised when the feed is back.
  const publisher = new Redis({ ...connection, enableOfflineQueue: false, lazyConnect: true });
  publisher.on('error', () => {});
  const subscribers = new Map<(payload: string) => void, () => void>();
  let subscriber: Redis | undefined;

  const deliver = (payload: string) => {
    for (const onPayload of subscribers.keys()) onPayload(payload);
  };

  const listen = (): Redis => {
    const redis = new Redis(connection);
    let connectedBefore = false;
    redis.on('error', () => {});
    redis.on('ready', () => {
      // ioredis subscribes again by itself; what was published meanwhile is gone for good.
      if (connectedBefore) {
        options.logger.info(
          { channel: options.channel },
          'console feed reconnected; pages re-read their channels',
        );
        for (const onGap of subscribers.values()) onGap();
      }
      connectedBefore = true;
    });
    redis.on('message', (channel: string, message: string) => {
      if (channel !== options.channel) return;
      const space = message.indexOf(' ');
      if (space < 0 || message.slice(0, space) === origin) return;
      deliver(message.slice(space + 1));
    });
    redis.subscribe(options.channel).catch((error: unknown) => {
      options.logger.warn(
        { err: error, channel: options.channel },
        'could not subscribe to the console feed',
      );
    });
    return redis;
  };

  return {
    publish(payload) {
      deliver(payload);
      const send = async () => {
        if (publisher.status === 'wait') await publisher.connect();
        await publisher.publish(options.channel, `${origin} ${payload}`);
      };
      send().catch((error: unknown) => {
        options.logger.warn(
          { err: error instanceof Error ? error.message : String(error) },
          'console change not announced to the other web processes',
        );
      });
    },
    subscribe(onPayload, onGap) {
      subscriber ??= listen();
      subscribers.set(onPayload, onGap);
      return () => subscribers.delete(onPayload);
    },
    async close() {
      subscribers.clear();
      await Promise.allSettled([
        subscriber?.quit(),
        publisher.status === 'wait' ? undefined : publisher.quit(),
      ]);
      subscriber?.disconnect();
      publisher.disconnect();
    },
  };
}
