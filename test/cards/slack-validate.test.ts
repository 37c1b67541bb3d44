import { describe, expect, it } from 'vitest';
import { validateSlackMessage } from '../../src/cards/slack-validate.js';

const section = (text: string, extra: Record<string, unknown> = {}) => ({
  type: 'section',
  text: { type: 'mrkdwn', text },
  ...extra,
});
const button = (action_id: string, extra: Record<string, unknown> = {}) => ({
  type: 'button',
  action_id,
  text: { type: 'plain_text', text: 'Go' },
  ...extra,
});
const rules = (message: { text?: unknown; blocks?: unknown }) =>
  validateSlackMessage(message).map((p) => p.rule);

describe('validateSlackMessage (one test per limit)', () => {
  it('accepts a small valid message', () => {
    expect(
      validateSlackMessage({ text: 'hi', blocks: [section('*hi* <https://e.com|link> &amp;')] }),
    ).toEqual([]);
  });

  it('requires a fallback text', () => {
    expect(rules({ blocks: [section('x')] })).toContain('text_required');
  });

  it('refuses more than 50 blocks in a message but allows 100 on the Home tab', () => {
    const blocks = Array.from({ length: 51 }, () => section('x'));
    expect(rules({ text: 't', blocks })).toContain('block_count');
    expect(validateSlackMessage({ text: 't', blocks }, { surface: 'home' }).map((p) => p.rule)).not.toContain(
      'block_count',
    );
  });

  it('refuses section text over 3,000 characters and empty text', () => {
    expect(rules({ text: 't', blocks: [section('x'.repeat(3001))] })).toContain('text_length');
    expect(rules({ text: 't', blocks: [section('')] })).toContain('text_empty');
  });

  it('refuses more than 10 fields and fields over 2,000 characters', () => {
    const field = (n: number) => ({ type: 'mrkdwn', text: 'x'.repeat(n) });
    expect(
      rules({ text: 't', blocks: [{ type: 'section', fields: Array.from({ length: 11 }, () => field(1)) }] }),
    ).toContain('fields_count');
    expect(rules({ text: 't', blocks: [{ type: 'section', fields: [field(2001)] }] })).toContain(
      'text_length',
    );
  });

  it('refuses a header over 150 characters or in mrkdwn', () => {
    expect(
      rules({ text: 't', blocks: [{ type: 'header', text: { type: 'plain_text', text: 'x'.repeat(151) } }] }),
    ).toContain('text_length');
    expect(rules({ text: 't', blocks: [{ type: 'header', text: { type: 'mrkdwn', text: 'x' } }] })).toContain(
      'text_type',
    );
  });

  it('refuses button text over 75 characters', () => {
    const b = button('a', { text: { type: 'plain_text', text: 'x'.repeat(76) } });
    expect(rules({ text: 't', blocks: [{ type: 'actions', elements: [b] }] })).toContain('text_length');
  });

  it('refuses a button value over 2,000 characters', () => {
    const b = button('a', { value: 'v'.repeat(2001) });
    expect(rules({ text: 't', blocks: [{ type: 'actions', elements: [b] }] })).toContain(
      'button_value_length',
    );
  });

  it('refuses an action_id over 255 characters', () => {
    expect(
      rules({ text: 't', blocks: [{ type: 'actions', elements: [button('a'.repeat(256))] }] }),
    ).toContain('action_id_length');
  });

  it('refuses more than 25 elements in an actions block', () => {
    const elements = Array.from({ length: 26 }, (_, i) => button(`a${i}`));
    expect(rules({ text: 't', blocks: [{ type: 'actions', elements }] })).toContain('actions_count');
  });

  it('refuses the same action_id twice in one message, even in different blocks', () => {
    const blocks = [
      { type: 'actions', elements: [button('dbx:ack')] },
      { type: 'actions', elements: [button('dbx:ack')] },
    ];
    expect(rules({ text: 't', blocks })).toContain('action_id_unique');
  });

  it('refuses duplicate block_ids', () => {
    expect(
      rules({ text: 't', blocks: [section('a', { block_id: 'b' }), section('c', { block_id: 'b' })] }),
    ).toContain('block_id_unique');
  });

  it('refuses a button style other than primary or danger', () => {
    const b = button('a', { style: 'secondary' });
    expect(rules({ text: 't', blocks: [{ type: 'actions', elements: [b] }] })).toContain('button_style');
  });

  it('refuses more than 10 context elements', () => {
    const elements = Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'x' }));
    expect(rules({ text: 't', blocks: [{ type: 'context', elements }] })).toContain('context_count');
  });

  it('flags blocks near the undocumented ~13k-character ceiling', () => {
    const blocks = Array.from({ length: 6 }, () => section('x'.repeat(2500)));
    expect(rules({ text: 't', blocks })).toContain('total_size');
  });

  it.each([
    ['a raw <', 'a < b', 'mrkdwn_escape'],
    ['a raw >', '> quoted', 'mrkdwn_escape'],
    ['a raw &', 'R&D', 'mrkdwn_escape'],
    ['a channel ping', 'hi <!channel>', 'mention'],
    ['a user mention', 'hi <@U123>', 'mention'],
    ['a bare @here', 'hi @here', 'mention'],
  ])('flags %s in mrkdwn', (_, text, rule) => {
    expect(rules({ text: 't', blocks: [section(text)] })).toContain(rule);
  });

  it('flags an unescaped fallback text', () => {
    expect(rules({ text: '<!here> down', blocks: [section('x')] })).toContain('mention');
  });

  it('flags a block type we never emit', () => {
    expect(rules({ text: 't', blocks: [{ type: 'video' }] })).toContain('block_type');
  });
});
