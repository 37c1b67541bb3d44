import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localChannelFeed } from '../../../src/bot/console/channel-feed.js';
import { ChannelLog, type ChannelLogOptions } from '../../../src/bot/console/channel-log.js';
import { consoleChannelId, consoleTarget } from '../../../src/bot/console/ids.js';
import { ConsoleSender } from '../../../src/bot/console/send.js';
import { ManualClock } from '../../../src/domain/clock.js';
import type { Store } from '../../../src/store/open-store.js';
import { createRepositories } from '../../../src/store/repositories.js';
import { dialects } from '../../store/dialects.js';

const text = (t: string) => ({ kind: 'text' as const, text: t });
const card = { kind: 'message' as const, tone: 'info' as const, title: null, text: 'x', fields: [] };
const texts = (replies: readonly { body: { kind: string; text?: string } }[]) =>
  replies.map((r) => (r.body.kind === 'text' ? r.body.text : ''));

describe.each(dialects())('ChannelLog on $name', (dialect) => {
  let store: Store;
  beforeAll(async () => {
    store = await dialect.open();
  });
  afterAll(async () => {
    await store?.close();
    await dialect.stop();
  });

  /** A log on the shared store, its history emptied first so each test starts with none. */
  async function freshLog(options: Partial<ChannelLogOptions> = {}): Promise<ChannelLog> {
    await store.db.deleteFrom('console_messages').execute();
    await store.db.deleteFrom('console_channels').execute();
    return sameHistory(options);
  }
  /** Another log on the same history: another web process, or this one after a restart. */
  const sameHistory = (options: Partial<ChannelLogOptions> = {}) =>
    new ChannelLog({
      clock: new ManualClock(0),
      history: createRepositories(store.db).consoleHistory,
      ...options,
    });

  it('keeps a bounded thread and counts the replies it dropped', async () => {
    const log = await freshLog({ maxRepliesPerMessage: 3 });
    const parent = await log.post('incidents', 'dbxops', text('card'));
    const replies = [];
    for (let i = 0; i < 5; i++) replies.push(await log.reply(parent, 'dbxops', text(`note ${i}`)));
    const [kept] = await log.messages('incidents');
    expect(texts(kept!.replies)).toEqual(['note 2', 'note 3', 'note 4']);
    expect(kept!.repliesDropped).toBe(2);
    // A dropped reply no longer leads anywhere; a kept one leads to its thread.
    expect(await log.find('incidents', replies[0]!.id)).toBeUndefined();
    expect((await log.find('incidents', replies[4]!.id))?.id).toBe(parent.id);
  });

  it('keeps the newest messages of a channel, with their threads, and drops only that channel’s oldest', async () => {
    const log = await freshLog({ maxMessagesPerChannel: 3 });
    const other = await log.post('finops', 'dbxops', text('cost'));
    const first = await log.post('incidents', 'dbxops', text('m0'));
    await log.reply(first, 'dbxops', text('note under m0'));
    for (let i = 1; i < 5; i++) await log.post('incidents', 'dbxops', text(`m${i}`));
    expect((await log.messages('incidents')).map((m) => (m.body.kind === 'text' ? m.body.text : ''))).toEqual(
      ['m2', 'm3', 'm4'],
    );
    expect(await log.find('incidents', first.id)).toBeUndefined();
    expect(await log.reply(first, 'dbxops', text('late note'))).toBeUndefined();
    expect((await log.messages('finops')).map((m) => m.id)).toEqual([other.id]);
    expect(Object.fromEntries(await log.counts())).toEqual({ incidents: 3, finops: 1 });
  });

  it('does not find a message through another channel, nor by an id that is not one of its own', async () => {
    const log = await freshLog();
    const m = await log.post('incidents', 'dbxops', text('card'));
    expect(await log.find('finops', m.id)).toBeUndefined();
    for (const hostile of ['', 'm', 'x1', `m${'9'.repeat(30)}`, "m1' or '1'='1", m.id.slice(1)]) {
      expect(await log.find('incidents', hostile), hostile).toBeUndefined();
    }
  });

  it('creates channels a router names, up to a limit, and refuses names that cannot be channels', async () => {
    const log = await freshLog({ maxChannels: 5 });
    expect((await log.ensureChannel('#Data-Eng'))?.id).toBe('data-eng');
    expect(await log.ensureChannel('#more')).toBeUndefined();
    expect((await log.ensureChannel('#incidents'))?.id).toBe('incidents');
    for (const bad of ['', '#', '../x', '#a b', `#${'x'.repeat(81)}`, '<script>']) {
      expect(consoleChannelId(bad), bad).toBeUndefined();
      expect(await log.ensureChannel(bad), bad).toBeUndefined();
    }
    // Another process sees the added channel, and the limit holds across processes.
    const other = sameHistory({ maxChannels: 5 });
    expect((await other.channels()).map((c) => c.id)).toContain('data-eng');
    expect(await other.ensureChannel('#yet-another')).toBeUndefined();
  });

  it('keeps its history for the next process on the store, threads and updates included', async () => {
    const log = await freshLog();
    const m = await log.post('incidents', 'dbxops', { kind: 'card', view: card });
    await log.replace(m, { kind: 'card', view: { ...card, text: 'updated' } });
    await log.reply(m, 'dbxops', text('note'));
    const restarted = sameHistory();
    const [kept] = await restarted.messages('incidents');
    expect(kept).toMatchObject({ id: m.id, body: { kind: 'card', view: { text: 'updated' } } });
    expect(texts(kept!.replies)).toEqual(['note']);
  });

  it('shows a message sent twice with one request id once, from whichever process took each send', async () => {
    const log = await freshLog();
    const first = await log.post('dm', 'alice', text('why did it fail?'), { requestKey: 'req-12345678' });
    const again = await sameHistory().post('dm', 'alice', text('why did it fail?'), {
      requestKey: 'req-12345678',
    });
    expect(again.id).toBe(first.id);
    // Another person's request id, or the same one in another channel, is their own message.
    const bob = await log.post('dm', 'bob', text('mine'), { requestKey: 'req-12345678' });
    expect(bob.id).not.toBe(first.id);
    expect(await log.messages('dm')).toHaveLength(2);
  });

  it('keeps a hostile body as text, and reads a body it cannot parse as a note instead of failing', async () => {
    const log = await freshLog();
    const hostile = `<img src=x onerror=alert(1)> '); drop table console_messages; --`;
    const m = await log.post('incidents', 'mallory', text(hostile));
    // jsonb cannot hold NUL: the message is kept, the character shown as U+FFFD.
    const nul = await log.post('incidents', 'mallory', text('a\u0000b'));
    await store.db
      .insertInto('console_messages')
      .values({
        channel_id: 'incidents',
        at: new Date(0),
        author: 'dbxops',
        body: JSON.stringify({ kind: 'video' }),
      })
      .execute();
    const [kept, withNul, unknown] = await log.messages('incidents');
    expect(kept).toMatchObject({ id: m.id, body: { kind: 'text', text: hostile } });
    expect(withNul).toMatchObject({ id: nul.id, body: { kind: 'text', text: 'a\uFFFDb' } });
    expect(unknown?.body).toMatchObject({
      kind: 'text',
      text: expect.stringContaining('another dbxops version'),
    });
  });

  it('tells subscribers about messages, updates and replies in order, until they leave', async () => {
    const log = await freshLog();
    const seen: string[] = [];
    const leave = log.subscribe((e) => seen.push(e.type));
    const m = await log.post('incidents', 'dbxops', text('a'));
    await log.replace(m, text('b'));
    await log.reply(m, 'dbxops', text('c'));
    await expect.poll(() => seen).toEqual(['message', 'update', 'reply']);
    leave();
    await log.post('incidents', 'dbxops', text('d'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(seen).toEqual(['message', 'update', 'reply']);
  });

  it('hears the changes another process announces on a shared feed, and ignores what is not a notice', async () => {
    const feed = localChannelFeed();
    const writer = await freshLog({ feed });
    const reader = sameHistory({ feed });
    const seen: string[] = [];
    reader.subscribe((e) =>
      seen.push(e.type === 'message' && e.message.body.kind === 'text' ? e.message.body.text : e.type),
    );
    for (const junk of [
      '',
      'null',
      '{"type":"message"}',
      'x'.repeat(5_000),
      '{"type":"message","channelId":"incidents","id":"1 or 1=1"}',
    ])
      feed.publish(junk);
    await writer.post('incidents', 'dbxops', text('from the other process'));
    await expect.poll(() => seen).toEqual(['from the other process']);
  });
});

describe('ConsoleSender', () => {
  const postgresFree = dialects().find((d) => d.name === 'pglite')!;
  let store: Store;
  let log: ChannelLog;
  beforeAll(async () => {
    store = await postgresFree.open();
    log = new ChannelLog({ clock: new ManualClock(0), history: createRepositories(store.db).consoleHistory });
  });
  afterAll(() => store?.close());

  it('refuses to update a message of another surface', async () => {
    const sender = new ConsoleSender(log);
    await expect(
      sender.updateCard({ surface: 'slack', channelId: 'C1', messageId: '1.2' }, card),
    ).rejects.toThrow(/slack message cannot be updated through the console/);
    expect(() => consoleTarget({ surface: 'teams', channelId: 'x', messageId: 'y' })).toThrow();
  });

  it('threads a card under another card', async () => {
    const sender = new ConsoleSender(log);
    const root = await sender.postCard({ channelId: '#digest' }, card);
    const child = await sender.postCard({ channelId: '#digest', threadOf: root }, card);
    expect(await log.messages('digest')).toHaveLength(1);
    expect((await log.find('digest', child.messageId))?.id).toBe(root.messageId);
  });

  it('finds a card gone when its ref names a message it does not hold (an earlier version kept it in memory)', async () => {
    const sender = new ConsoleSender(log);
    expect(
      await sender.updateCard(
        { surface: 'console', channelId: '#incidents', messageId: 'm178000000000000' },
        card,
      ),
    ).toBe('gone');
  });

  it('fails clearly when a card is routed to a name that cannot be a channel', async () => {
    const sender = new ConsoleSender(log);
    await expect(sender.postCard({ channelId: '#not a channel' }, card)).rejects.toMatchObject({
      code: 'CONSOLE_UNKNOWN_CHANNEL',
    });
  });
});
