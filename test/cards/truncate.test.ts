import { describe, expect, it } from 'vitest';
import { ELLIPSIS, takeWithRest, truncate } from '../../src/cards/truncate.js';

describe('truncate', () => {
  it('returns text that fits unchanged', () => {
    expect(truncate('hello', 5)).toBe('hello');
  });

  it('cuts to exactly max UTF-16 units including the ellipsis', () => {
    const out = truncate('x'.repeat(100_000), 3000);
    expect(out).toHaveLength(3000);
    expect(out.endsWith(ELLIPSIS)).toBe(true);
  });

  it('never splits a surrogate pair', () => {
    const out = truncate('😀'.repeat(10), 6);
    expect(out).toBe(`😀😀${ELLIPSIS}`);
    expect(out).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
  });

  it('never splits a ZWJ family emoji or a flag', () => {
    expect(truncate('ab👩‍👩‍👧‍👦cd', 5)).toBe(`ab${ELLIPSIS}`);
    expect(truncate('🇺🇸🇺🇸🇺🇸', 5)).toBe(`🇺🇸${ELLIPSIS}`);
  });

  it('backs off before a Slack link entity rather than cutting inside it', () => {
    const text = 'see <https://example.com/a/long/path|the run page> now';
    const out = truncate(text, 20, { mrkdwn: true });
    expect(out).toBe(`see ${ELLIPSIS}`);
  });

  it('backs off before an &amp; escape rather than leaving half of it', () => {
    expect(truncate('a &amp; b and more', 5, { mrkdwn: true })).toBe(`a ${ELLIPSIS}`);
  });

  it('keeps a complete entity that ends before the cut', () => {
    expect(truncate('<https://e.com|x> and a lot more text', 22, { mrkdwn: true })).toBe(
      `<https://e.com|x> and${ELLIPSIS}`,
    );
  });

  it('appends a suffix within the limit', () => {
    const out = truncate('x'.repeat(50), 20, { suffix: ' (more)' });
    expect(out).toHaveLength(20);
    expect(out.endsWith(`${ELLIPSIS} (more)`)).toBe(true);
  });

  it('handles a limit smaller than the ellipsis', () => {
    expect(truncate('hello', 0)).toBe('');
    expect(truncate('hello', 1)).toBe(ELLIPSIS);
  });

  it('keeps RTL text and direction marks intact when cutting', () => {
    const out = truncate('مرحبا\u202Eevil', 4);
    expect(out).toBe(`مرح${ELLIPSIS}`);
  });
});

describe('takeWithRest', () => {
  it('shows the first N of 500 and counts the other 490', () => {
    const items = Array.from({ length: 500 }, (_, i) => i);
    const { shown, rest } = takeWithRest(items, 10);
    expect(shown).toHaveLength(10);
    expect(rest).toBe(490);
  });

  it('counts a larger total than the list it was given', () => {
    expect(takeWithRest(['a', 'b'], 1, 1000).rest).toBe(999);
  });

  it('has nothing left over for a short list', () => {
    expect(takeWithRest([], 10)).toEqual({ shown: [], rest: 0 });
  });
});
