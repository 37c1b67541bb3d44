import { describe, expect, it } from 'vitest';
import {
  baseConversationId,
  isChannelConversation,
  teamsMessageRef,
  teamsTarget,
  threadConversationId,
  threadRootOf,
} from '../../../src/bot/teams/ids.js';

const CHANNEL = '19:d441d38c655c47a085215b2726e76927@thread.tacv2';

describe('Teams ids', () => {
  it('splits a reply-chain conversation id into channel and root', () => {
    expect(baseConversationId(`${CHANNEL};messageid=123`)).toBe(CHANNEL);
    expect(threadRootOf(`${CHANNEL};messageid=123`)).toBe('123');
    expect(threadRootOf(CHANNEL)).toBeUndefined();
    expect(threadRootOf(`${CHANNEL};messageid=`)).toBeUndefined();
  });

  it('threads only in channels; chats get the chat itself', () => {
    expect(threadConversationId(CHANNEL, '42')).toBe(`${CHANNEL};messageid=42`);
    expect(threadConversationId(`${CHANNEL};messageid=1`, '42')).toBe(`${CHANNEL};messageid=42`);
    expect(threadConversationId('a:1personal', '42')).toBe('a:1personal');
    expect(threadConversationId('19:abc@thread.v2', '42')).toBe('19:abc@thread.v2');
    expect(isChannelConversation('19:abc@thread.skype')).toBe(true);
  });

  it('keeps the channel spelling in message refs and refuses refs from Slack', () => {
    expect(teamsMessageRef(`${CHANNEL};messageid=9`, '10')).toEqual({
      surface: 'teams',
      channelId: CHANNEL,
      messageId: '10',
    });
    expect(() => teamsTarget({ surface: 'slack', channelId: 'C1', messageId: '1.2' })).toThrow(/slack/);
  });
});
