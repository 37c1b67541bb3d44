/** The character appended to cut text. One UTF-16 unit, so a cut to `max` stays within `max`. */
export const ELLIPSIS = '…';

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

export interface TruncateOptions {
  /**
   * Treat the text as Slack mrkdwn: never cut inside a `<…>` entity (link, mention, date) or an
   * `&amp;`-style escape, because a half entity renders as garbage or breaks the block. Default false.
   */
  readonly mrkdwn?: boolean;
  /** Appended after the ellipsis when the text was cut, e.g. " (see more)". Counted within `max`. */
  readonly suffix?: string;
}

/**
 * Cuts `text` to at most `max` UTF-16 units (the unit Slack and Teams count in), ending with an
 * ellipsis. Never splits a grapheme (so never a surrogate pair, a ZWJ emoji or a flag) and, with
 * `mrkdwn`, never a Slack entity. Text that fits is returned unchanged.
 */
export function truncate(text: string, max: number, options: TruncateOptions = {}): string {
  if (text.length <= max) return text;
  const tail = `${ELLIPSIS}${options.suffix ?? ''}`;
  if (max < tail.length) return ELLIPSIS.slice(0, Math.max(0, max));
  const budget = max - tail.length;
  let end = 0;
  for (const { segment, index } of graphemes.segment(text)) {
    if (index + segment.length > budget) break;
    end = index + segment.length;
  }
  if (options.mrkdwn) end = backOffEntity(text, end);
  return `${text.slice(0, end)}${tail}`;
}

/** Moves `end` back to the start of an unterminated `<…` or `&…` that the cut would split. */
function backOffEntity(text: string, end: number): number {
  const head = text.slice(0, end);
  const open = head.lastIndexOf('<');
  if (open > head.lastIndexOf('>')) return backOffEntity(text, open);
  const amp = head.lastIndexOf('&');
  // Slack's escapes are &amp; &lt; &gt; — at most 5 characters after the ampersand.
  if (amp !== -1 && amp > head.lastIndexOf(';') && end - amp <= 5 && /^&[a-z]*$/.test(head.slice(amp))) {
    return amp;
  }
  return end;
}

/**
 * Shows at most `max` items of a list and says how many were left out, so a reader sees the scale of
 * a 500-table blast radius without a 500-line card. `total` defaults to the list's length.
 */
export function takeWithRest<T>(
  items: readonly T[],
  max: number,
  total: number = items.length,
): { shown: readonly T[]; rest: number } {
  const shown = items.slice(0, Math.max(0, max));
  return { shown, rest: Math.max(0, Math.max(total, items.length) - shown.length) };
}
