import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelFeed } from '../../../src/bot/console/channel-feed.js';
import { createLogger } from '../../../src/config/logger.js';
import { type RedisChannelFeed, redisChannelFeed } from '../../../src/jobs/redis-channel-feed.js';
import { type RedisServerHandle, startRedisServer } from '../../../src/jobs/redis-server.js';
import { openStore, type Store } from '../../../src/store/open-store.js';
import { createTestDatabase, dropTestDatabase } from '../../support/test-database.js';
import { type ConsoleHarness, startConsole } from './console-harness.js';
import { openEventStream } from './sse-client.js';

interface MessageJson {
  id: string;
  author: string;
  html: string;
  replies: { id: string; html: string }[];
}

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
let seq = 0;
const rid = () => `req-${process.pid}-${++seq}-shared`;

async function messages(h: ConsoleHarness, channelId = 'incidents'): Promise<MessageJson[]> {
  const res = await fetch(`${h.baseUrl}/api/channels/${channelId}/messages`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { messages: MessageJson[] }).messages;
}

/** Sends a greeting through `from` until `stream` carries one of its messages: the page is listening. */
async function untilHeard(
  stream: Awaited<ReturnType<typeof openEventStream>>,
  from: ConsoleHarness,
): Promise<void> {
  for (let attempt = 0; attempt < 20; attempt += 1) {
    expect((await send(from, { channelId: 'dm', text: 'hello', requestId: rid() })).status).toBe(200);
    try {
      await stream.next('message', 500);
      return;
    } catch {
      // Not subscribed yet: greet again.
    }
  }
}

/** The next message event whose text holds `words`, skipping the greetings and their answers. */
async function heardSaying(
  stream: Awaited<ReturnType<typeof openEventStream>>,
  words: string,
): Promise<MessageJson> {
  for (;;) {
    const { message } = (await stream.next('message')) as { message: MessageJson };
    if (text(message.html).includes(words)) return message;
  }
}

async function send(h: ConsoleHarness, body: unknown): Promise<Response> {
  return fetch(`${h.baseUrl}/api/composer`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/**
 * Two `dbxops web` processes' consoles behind one load balancer: one PostgreSQL store, one Redis. Each
 * console is its own adapter, HTTP server and Redis connections, as in two processes.
 */
describe('two web processes’ consoles on one store and one Redis', () => {
  let redis: RedisServerHandle;
  let databaseUrl: string;
  let stores: Store[] = [];
  const feeds: RedisChannelFeed[] = [];
  const consoles: ConsoleHarness[] = [];

  /** A web process: its own store connections and Redis feed on the shared ones. */
  async function webProcess(): Promise<ConsoleHarness> {
    const store = await openStore({ databaseUrl });
    stores.push(store);
    const feed = redisChannelFeed({
      url: redis.url,
      channel: `test-${process.pid}:console`,
      logger: createLogger({ level: 'silent' }),
    });
    feeds.push(feed);
    const h = await startConsole(store, { feed, keepHistory: true });
    consoles.push(h);
    return h;
  }

  beforeAll(async () => {
    [redis, databaseUrl] = await Promise.all([startRedisServer(), createTestDatabase()]);
  }, 60_000);
  afterAll(async () => {
    for (const h of consoles) await h.close();
    for (const feed of feeds) await feed.close();
    for (const store of stores) await store.close();
    stores = [];
    await redis?.stop();
    if (databaseUrl) await dropTestDatabase(databaseUrl);
  });

  it('shows a card posted and updated through one in the other’s history and live stream', async () => {
    const [a, b] = [await webProcess(), await webProcess()];
    const stream = await openEventStream(`${b.baseUrl}/api/events`);
    try {
      expect(stream.status).toBe(200);
      const { view, ref } = await a.postIncident({ title: 'Orders ETL failing on process A' });
      const posted = (await stream.next('message')) as { message: MessageJson };
      expect(posted.message.id).toBe(ref.messageId);
      expect(text(posted.message.html)).toContain('Orders ETL failing on process A');
      expect((await messages(b)).map((m) => m.id)).toContain(ref.messageId);

      expect(await a.adapter.surface.updateCard(ref, { ...view, state: 'acknowledged' })).toBe('updated');
      const updated = (await stream.next('update')) as { message: MessageJson };
      expect(updated.message.id).toBe(ref.messageId);
      expect(text(updated.message.html)).toMatch(/acknowledged/i);
      // The other process updates the same copy: the notifier may run on either.
      expect(await b.adapter.surface.updateCard(ref, { ...view, state: 'resolved' })).toBe('updated');
      const [shown] = (await messages(a)).filter((m) => m.id === ref.messageId);
      expect(text(shown!.html)).toMatch(/resolved/i);

      const note = await a.adapter.surface.postThreadNote(ref, 'Retried task ingest');
      const reply = (await stream.next('reply')) as { parentId: string; reply: { id: string; html: string } };
      expect(reply).toMatchObject({ parentId: ref.messageId, reply: { id: note.messageId } });
    } finally {
      stream.close();
    }
  });

  it('shows a person’s question sent to one on the other, once even when it is resent to the other', async () => {
    const [a, b] = consoles.length >= 2 ? consoles : [await webProcess(), await webProcess()];
    const stream = await openEventStream(`${a!.baseUrl}/api/events`);
    try {
      // The page listens from its first page open on; a busy machine can take a moment to subscribe, so
      // wait until it hears the other process at all before the question whose echo is checked.
      await untilHeard(stream, b!);
      const question = { channelId: 'dm', text: 'why did the nightly orders job fail?', requestId: rid() };
      expect((await send(b!, question)).status).toBe(200);
      const heard = { message: await heardSaying(stream, 'why did the nightly orders job fail?') };
      expect(heard.message.author).toBe('you');
      // The browser retried on the other process (a timeout at the load balancer): shown once.
      expect((await send(a!, question)).status).toBe(200);
      const asked = (await messages(a!, 'dm')).filter((m) => text(m.html).includes('nightly orders job'));
      expect(asked).toHaveLength(1);
      expect(asked[0]!.id).toBe(heard.message.id);
    } finally {
      stream.close();
    }
  });

  it('refuses oversized and malformed sends on either process and loses nothing already shown', async () => {
    const [a, b] = consoles;
    const before = await messages(a!, 'dm');
    const oversized = await send(b!, { channelId: 'dm', text: 'x'.repeat(70_000), requestId: rid() });
    expect(oversized.status).toBe(413);
    const tooLong = await send(b!, { channelId: 'dm', text: 'x'.repeat(50_000), requestId: rid() });
    expect(tooLong.status).toBe(400);
    expect((await send(a!, '{"channelId":"dm","text":')).status).toBe(400);
    expect((await send(a!, { channelId: '../../etc', text: 'hi', requestId: rid() })).status).toBe(400);
    const hostile = { channelId: 'dm', text: '<script>alert(1)</script>', requestId: rid() };
    expect((await send(a!, hostile)).status).toBe(200);
    const nul = { channelId: 'dm', text: 'null \u0000 byte', requestId: rid() };
    expect((await send(b!, nul)).status).toBe(200);
    const after = await messages(b!, 'dm');
    expect(after.slice(0, before.length).map((m) => m.id)).toEqual(before.map((m) => m.id));
    const shown = after.find((m) => m.html.includes('alert(1)'));
    expect(shown?.html).not.toContain('<script>');
  });

  it('tells the other process’ pages to read again after Redis restarts, and carries changes again after', async () => {
    const [a, b] = consoles;
    const before = await openEventStream(`${b!.baseUrl}/api/events`);
    try {
      // A managed Redis failing over: a fresh server on the same address, nothing published kept.
      await redis.restart();
      await before.ended;
    } finally {
      before.close();
    }
    const after = await openEventStream(`${b!.baseUrl}/api/events`);
    try {
      // Each process reconnects on its own schedule: a change made before the writer is back is in the
      // store (the page read it on reconnecting), and the next one is heard.
      let heard: { message: MessageJson } | undefined;
      for (let attempt = 0; heard === undefined && attempt < 20; attempt++) {
        await a!.postIncident({ title: `After the Redis restart ${attempt}` });
        heard = (await after.next('message', 1_000).catch(() => undefined)) as typeof heard;
      }
      expect(text(heard!.message.html)).toContain('After the Redis restart');
    } finally {
      after.close();
    }
  }, 60_000);

  it('keeps the history when a web process restarts, and a new one shows it all', async () => {
    const [a] = consoles;
    const { ref } = await a!.postIncident({ title: 'Warehouse queueing before the restart' });
    const shownBefore = (await messages(a!)).map((m) => m.id);
    await a!.close();
    consoles.splice(consoles.indexOf(a!), 1);
    const restarted = await webProcess();
    expect((await messages(restarted)).map((m) => m.id)).toEqual(shownBefore);
    expect(shownBefore).toContain(ref.messageId);
  });
});

describe('a console whose feed between processes was interrupted', () => {
  it('ends its pages’ streams, so each reconnects and reads its channel again', async () => {
    const store = await openStore({ dataDir: 'memory://' });
    const gaps: (() => void)[] = [];
    const feed: ChannelFeed = {
      publish: () => {},
      subscribe: (_onPayload, onGap) => {
        gaps.push(onGap);
        return () => {};
      },
    };
    const h = await startConsole(store, { feed });
    const stream = await openEventStream(`${h.baseUrl}/api/events`);
    try {
      expect(stream.status).toBe(200);
      await expect.poll(() => gaps.length).toBe(1);
      for (const gap of gaps) gap();
      await stream.ended;
    } finally {
      stream.close();
      await h.close();
      await store.close();
    }
  });
});
