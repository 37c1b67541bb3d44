import { describe, expect, it } from 'vitest';
import {
  activitySchema,
  buttonRequest,
  cardActionRefusal,
  classifyText,
  messageRequest,
  oversizedMessageRefusal,
  stripMentions,
} from '../../../src/bot/teams/translate.js';
import {
  CHANNEL_ID,
  cardAction,
  channelMessage,
  personalMessage,
  USER_AAD_ID,
} from '../../fixtures/teams/activities.js';

const NOW = Date.UTC(2026, 0, 5, 9, 0, 0);
const SERVICE = 'https://smba.trafficmanager.net/amer/tenant/';
const parse = (a: unknown) => activitySchema.parse(a);

describe('stripMentions', () => {
  it('removes the leading bot mention and reads entities as text', () => {
    expect(stripMentions('<at>dbxops</at> dbx help')).toBe('dbx help');
    expect(stripMentions('<at>dbxops</at>&nbsp;incidents P1')).toBe('incidents P1');
    expect(stripMentions('<at>dbx ops</at>, <at>other</at>: why &amp; how')).toBe('why & how');
  });

  it('keeps mentions in the middle of a question', () => {
    expect(stripMentions('ask <at>Ana</at> please')).toBe('ask <at>Ana</at> please');
  });
});

describe('classifyText', () => {
  it.each([
    ['dbx help', 'command', 'help'],
    ['/dbx incidents P1', 'command', 'incidents P1'],
    ['DBX status nightly', 'command', 'status nightly'],
    ['dbx', 'command', ''],
    ['', 'command', ''],
    ['incidents', 'command', 'incidents'],
    ['ack inc_42', 'command', 'ack inc_42'],
    ['why did nightly_sales fail?', 'question', 'why did nightly_sales fail?'],
    ['dbxops is great', 'question', 'dbxops is great'],
  ])('reads %j as a %s', (text, kind, rest) => {
    expect(classifyText(text)).toEqual({ kind, text: rest });
  });
});

describe('messageRequest', () => {
  it('turns a channel mention into a command from the Entra user, in the reply chain of the message', () => {
    const activity = parse(channelMessage('dbx help', SERVICE));
    const request = messageRequest(activity, NOW);
    expect(request).toMatchObject({
      kind: 'command',
      text: 'help',
      actor: { surface: 'teams', userId: USER_AAD_ID, displayName: 'Test User' },
      conversation: { surface: 'teams', channelId: CHANNEL_ID, threadId: activity.id, isDirect: false },
      requestId: `${CHANNEL_ID}|${activity.id}`,
    });
  });

  it('marks a 1:1 chat as direct and has no thread there', () => {
    const request = messageRequest(parse(personalMessage('hello there', SERVICE)), NOW);
    expect(request?.kind).toBe('question');
    expect(request?.conversation).toEqual({
      surface: 'teams',
      channelId: 'a:1FakePersonalConversationId',
      isDirect: true,
    });
  });

  it('uses the activity timestamp, or now when it is unreadable', () => {
    expect(
      messageRequest(parse(personalMessage('x', SERVICE, { timestamp: '2026-01-05T08:59:00Z' })), NOW)
        ?.receivedAt,
    ).toBe(NOW - 60_000);
    expect(
      messageRequest(parse(personalMessage('x', SERVICE, { timestamp: 'yesterday' })), NOW)?.receivedAt,
    ).toBe(NOW);
  });

  it('keeps a long message whole up to the limit, and has a refusal ready past it', () => {
    const long = parse(personalMessage(`why ${'a'.repeat(30_000)}`, SERVICE));
    const request = messageRequest(long, NOW);
    expect(request?.kind === 'question' && request.text.length).toBe(30_004);
    expect(oversizedMessageRefusal(long)).toBeUndefined();
    const huge = parse(personalMessage(`dbx help ${'a'.repeat(100_000)}`, SERVICE));
    expect(oversizedMessageRefusal(huge)).toMatch(/too long.*40,000 characters/);
  });

  it('ignores activities without an id', () => {
    const { id: _id, ...rest } = personalMessage('dbx help', SERVICE);
    expect(messageRequest(parse(rest), NOW)).toBeUndefined();
  });
});

describe('activitySchema', () => {
  it.each([
    ['without a conversation', { conversation: undefined }],
    ['with a javascript: serviceUrl', { serviceUrl: 'javascript:alert(1)' }],
    ['with a conversation id containing spaces', { conversation: { id: '19:a b' } }],
    ['with a conversation id of 10k characters', { conversation: { id: `19:${'a'.repeat(10_000)}` } }],
  ])('refuses an activity %s', (_name, override) => {
    expect(activitySchema.safeParse({ ...personalMessage('x', SERVICE), ...override }).success).toBe(false);
  });
});

describe('buttonRequest', () => {
  const click = (overrides: Record<string, unknown> = {}, trigger?: string) =>
    parse(
      cardAction(
        {
          verb: 'dbx:ack',
          action: 'ack',
          value: 'd1|i|ack|inc_abc123|1',
          replyToId: 'card-1',
          serviceUrl: SERVICE,
          ...(trigger === undefined ? {} : { trigger }),
        },
        overrides,
      ),
    );

  it('turns an Action.Execute into a button press on the card message', () => {
    const origin = buttonRequest(click(), NOW);
    expect(origin?.request).toMatchObject({
      kind: 'button',
      actionId: 'dbx:ack',
      value: 'd1|i|ack|inc_abc123|1',
      message: { surface: 'teams', channelId: CHANNEL_ID, messageId: 'card-1' },
      conversation: { channelId: CHANNEL_ID, threadId: 'card-1' },
    });
    expect(origin?.manual).toBe(true);
  });

  it('tells an automatic refresh from a click', () => {
    expect(buttonRequest(click({}, 'automatic'), NOW)?.manual).toBe(false);
  });

  it.each([
    ['no value', { value: undefined }],
    ['an Action.Submit', { value: { action: { type: 'Action.Submit', verb: 'x' } } }],
    ['a verb of 1000 characters', { value: { action: { type: 'Action.Execute', verb: 'v'.repeat(1_000) } } }],
    [
      'a data value that is not a string',
      { value: { action: { type: 'Action.Execute', verb: 'dbx:ack', data: { value: { $gt: '' } } } } },
    ],
  ])('refuses an invoke with %s, without calling it too long', (_name, overrides) => {
    expect(buttonRequest(click(overrides), NOW)).toBeUndefined();
    expect(cardActionRefusal(click(overrides))).toBeUndefined();
  });

  it('refuses an invoke whose value is 2,001 characters, saying it is too long', () => {
    const long = click({
      value: { action: { type: 'Action.Execute', verb: 'dbx:ack', data: { value: 'v'.repeat(2_001) } } },
    });
    expect(buttonRequest(long, NOW)).toBeUndefined();
    expect(cardActionRefusal(long)).toMatch(/over 2,000 characters/);
  });
});
