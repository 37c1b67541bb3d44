import { describe, expect, it } from 'vitest';
import {
  codeBlock,
  escapeMrkdwn,
  mrkdwn,
  neutraliseMentions,
  plain,
  slackLink,
} from '../../src/cards/slack-text.js';

describe('Slack text escaping', () => {
  it('escapes the three characters Slack reserves', () => {
    expect(escapeMrkdwn('a & b < c > d')).toBe('a &amp; b &lt; c &gt; d');
  });

  it('disarms channel pings and user mentions written as entities', () => {
    expect(escapeMrkdwn('<!channel> <@U123>')).toBe('&lt;!channel&gt; &lt;@U123&gt;');
  });

  it('disarms bare @here, @channel and @everyone but leaves email addresses alone', () => {
    const out = neutraliseMentions('@here @Channel @everyone alice@example.com');
    expect(out).not.toMatch(/@(here|channel|everyone)\b/i);
    expect(out).toContain('alice@example.com');
  });

  it('disarms entity look-alikes in plain text without hiding them', () => {
    expect(plain('<!here> <https://x.y|z>', 100)).toBe('<\u2060!here> <\u2060https://x.y|z>');
  });

  it('never returns empty text, which Slack refuses', () => {
    expect(mrkdwn('', 10)).toBe('—');
    expect(plain('   ', 10)).toBe('—');
  });

  it('keeps a link entity whole even when its URL carries | and >', () => {
    expect(slackLink('https://e.com/a|b>c?x=1&y=2', 'run <1>')).toBe(
      '<https://e.com/a%7Cb%3Ec?x=1&amp;y=2|run &lt;1&gt;>',
    );
  });

  it('keeps fenced code closed when the text itself contains a fence', () => {
    const out = codeBlock('before ``` after', 100);
    expect(out.startsWith('```\n')).toBe(true);
    expect(out.endsWith('\n```')).toBe(true);
    expect(out.slice(4, -4)).not.toContain('```');
  });

  it('cuts code to its budget including the fences', () => {
    expect(codeBlock('x'.repeat(10_000), 500).length).toBeLessThanOrEqual(500);
  });
});
