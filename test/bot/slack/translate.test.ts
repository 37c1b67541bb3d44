import { describe, expect, it } from 'vitest';
import {
  blockActionsSchema,
  buttonRequest,
  commandRequest,
  messageEventSchema,
  questionRequest,
  slashCommandSchema,
  stripMentions,
} from '../../../src/bot/slack/translate.js';

const NOW = Date.UTC(2026, 0, 1);

describe('Slack payload translation', () => {
  it('turns a slash command into a command request keyed by its trigger_id', () => {
    const body = slashCommandSchema.parse({
      command: '/dbx',
      text: 'help',
      user_id: 'U1',
      user_name: 'alice',
      channel_id: 'C1',
      trigger_id: 't-1',
    });
    expect(commandRequest(body, NOW)).toEqual({
      kind: 'command',
      text: 'help',
      actor: { surface: 'slack', userId: 'U1', displayName: 'alice' },
      conversation: { surface: 'slack', channelId: 'C1', isDirect: false },
      requestId: 't-1',
      receivedAt: NOW,
    });
  });

  it('refuses command payloads without a user or with a hostile response_url', () => {
    expect(slashCommandSchema.safeParse({ command: '/dbx', channel_id: 'C1', trigger_id: 't' }).success).toBe(
      false,
    );
    const bad = {
      command: '/dbx',
      user_id: 'U1',
      channel_id: 'C1',
      trigger_id: 't',
      response_url: 'javascript:alert(1)',
    };
    expect(slashCommandSchema.safeParse(bad).success).toBe(false);
  });

  it('turns a block action into a button request on the message it was pressed on', () => {
    const body = blockActionsSchema.parse({
      type: 'block_actions',
      user: { id: 'U1', username: 'alice' },
      trigger_id: 't-2',
      container: { channel_id: 'C1', message_ts: '1.2', thread_ts: '1.0' },
      actions: [{ action_id: 'dbx:ack', value: 'd1|i|ack|inc_x|1', action_ts: '1767326130.5' }],
    });
    const origin = buttonRequest(body, NOW);
    expect(origin?.message).toEqual({ surface: 'slack', channelId: 'C1', messageId: '1.2' });
    expect(origin?.threadTs).toBe('1.0');
    expect(origin?.request).toMatchObject({
      kind: 'button',
      actionId: 'dbx:ack',
      requestId: 't-2',
      receivedAt: 1_767_326_130_500,
    });
  });

  it('refuses block actions with no actions, too many, or oversized values', () => {
    const base = { type: 'block_actions', user: { id: 'U1' }, trigger_id: 't' };
    expect(blockActionsSchema.safeParse({ ...base, actions: [] }).success).toBe(false);
    expect(
      blockActionsSchema.safeParse({ ...base, actions: Array(26).fill({ action_id: 'a' }) }).success,
    ).toBe(false);
    expect(
      blockActionsSchema.safeParse({ ...base, actions: [{ action_id: 'a', value: 'x'.repeat(2_001) }] })
        .success,
    ).toBe(false);
  });

  it('turns mentions and DMs into questions, and ignores bot posts, edits and channel chatter', () => {
    const mention = messageEventSchema.parse({
      type: 'app_mention',
      user: 'U1',
      text: '<@UBOT> what failed?',
      ts: '5.1',
      channel: 'C1',
    });
    expect(questionRequest(mention, 'Ev1', 1_767_225_600, NOW)).toMatchObject({
      kind: 'question',
      text: 'what failed?',
      requestId: 'Ev1',
      conversation: { threadId: '5.1', isDirect: false },
    });
    const dm = messageEventSchema.parse({
      type: 'message',
      channel_type: 'im',
      user: 'U1',
      text: 'hi',
      ts: '6.1',
      channel: 'D1',
    });
    expect(questionRequest(dm, 'Ev2', undefined, NOW)).toMatchObject({ conversation: { isDirect: true } });
    const bot = messageEventSchema.parse({
      type: 'message',
      channel_type: 'im',
      bot_id: 'B1',
      user: 'U9',
      text: 'x',
      ts: '7',
      channel: 'D1',
    });
    expect(questionRequest(bot, 'Ev3', undefined, NOW)).toBeUndefined();
    const edit = messageEventSchema.parse({
      type: 'message',
      channel_type: 'im',
      subtype: 'message_changed',
      ts: '8',
      channel: 'D1',
    });
    expect(questionRequest(edit, 'Ev4', undefined, NOW)).toBeUndefined();
    const chatter = messageEventSchema.parse({
      type: 'message',
      channel_type: 'channel',
      user: 'U1',
      text: 'x',
      ts: '9',
      channel: 'C1',
    });
    expect(questionRequest(chatter, 'Ev5', undefined, NOW)).toBeUndefined();
  });

  it('strips leading mentions only', () => {
    expect(stripMentions('<@UBOT|dbxops>, <@U2> cost for <@U3>?')).toBe('cost for <@U3>?');
  });
});
