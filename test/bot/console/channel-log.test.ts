import { describe, expect, it } from 'vitest';
import { ChannelLog } from '../../../src/bot/console/channel-log.js';
import { consoleChannelId, consoleTarget } from '../../../src/bot/console/ids.js';
import { ConsoleSender } from '../../../src/bot/console/send.js';
import { ManualClock } from '../../../src/domain/clock.js';

const text = (t: string) => ({ kind: 'text' as const, text: t });

describe('ChannelLog', () => {
  it('keeps a bounded thread and counts the replies it dropped', () => {
    const log = new ChannelLog({ clock: new ManualClock(0), maxRepliesPerMessage: 3 });
    const parent = log.post('incidents', 'dbxops', text('card'));
    const replies = Array.from({ length: 5 }, (_, i) => log.reply(parent, 'dbxops', text(`note ${i}`)));
    expect(parent.replies.map((r) => (r.body.kind === 'text' ? r.body.text : ''))).toEqual([
      'note 2',
      'note 3',
      'note 4',
    ]);
    expect(parent.repliesDropped).toBe(2);
    // A dropped reply no longer leads anywhere; a kept one leads to its thread.
    expect(log.find('incidents', replies[0]!.id)).toBeUndefined();
    expect(log.find('incidents', replies[4]!.id)).toBe(parent);
  });

  it('does not find a message through another channel', () => {
    const log = new ChannelLog({ clock: new ManualClock(0) });
    const m = log.post('incidents', 'dbxops', text('card'));
    expect(log.find('finops', m.id)).toBeUndefined();
  });

  it('creates channels a router names, up to a limit, and refuses names that cannot be channels', () => {
    const log = new ChannelLog({ clock: new ManualClock(0), maxChannels: 5 });
    expect(log.ensureChannel('#Data-Eng')?.id).toBe('data-eng');
    expect(log.ensureChannel('#more')).toBeUndefined();
    expect(log.ensureChannel('#incidents')?.id).toBe('incidents');
    for (const bad of ['', '#', '../x', '#a b', `#${'x'.repeat(81)}`, '<script>']) {
      expect(consoleChannelId(bad), bad).toBeUndefined();
    }
  });

  it('tells subscribers about messages, updates and replies, until they leave', () => {
    const log = new ChannelLog({ clock: new ManualClock(0) });
    const seen: string[] = [];
    const leave = log.subscribe((e) => seen.push(e.type));
    const m = log.post('incidents', 'dbxops', text('a'));
    log.replace(m, text('b'));
    log.reply(m, 'dbxops', text('c'));
    leave();
    log.post('incidents', 'dbxops', text('d'));
    expect(seen).toEqual(['message', 'update', 'reply']);
  });
});

describe('ConsoleSender', () => {
  it('refuses to update a message of another surface', async () => {
    const sender = new ConsoleSender(new ChannelLog({ clock: new ManualClock(0) }));
    await expect(
      sender.updateCard(
        { surface: 'slack', channelId: 'C1', messageId: '1.2' },
        { kind: 'message', tone: 'info', title: null, text: 'x', fields: [] },
      ),
    ).rejects.toThrow(/slack message cannot be updated through the console/);
    expect(() => consoleTarget({ surface: 'teams', channelId: 'x', messageId: 'y' })).toThrow();
  });

  it('threads a card under another card', async () => {
    const log = new ChannelLog({ clock: new ManualClock(0) });
    const sender = new ConsoleSender(log);
    const card = { kind: 'message' as const, tone: 'info' as const, title: null, text: 'x', fields: [] };
    const root = await sender.postCard({ channelId: '#incidents' }, card);
    const child = await sender.postCard({ channelId: '#incidents', threadOf: root }, card);
    expect(log.messages('incidents')).toHaveLength(1);
    expect(log.find('incidents', child.messageId)?.id).toBe(root.messageId);
  });

  it('fails clearly when a card is routed to a name that cannot be a channel', async () => {
    const sender = new ConsoleSender(new ChannelLog({ clock: new ManualClock(0) }));
    const card = { kind: 'message' as const, tone: 'info' as const, title: null, text: 'x', fields: [] };
    await expect(sender.postCard({ channelId: '#not a channel' }, card)).rejects.toMatchObject({
      code: 'CONSOLE_UNKNOWN_CHANNEL',
    });
  });
});
