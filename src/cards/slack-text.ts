import { truncate } from './truncate.js';

// Slack parses `<!channel>`, `<!here>`, `<@U123>`, `<#C1>` and `<url|label>` only when they arrive as
// real angle brackets, so escaping &, < and > (Slack's own three escapes) disarms every entity. Bare
// `@here`/`@channel` ping only with `link_names`, which a client may turn on; a WORD JOINER (U+2060)
// after the `@` keeps the text readable while no longer matching a mention.
const BARE_MENTION = /@(here|channel|everyone)\b/gi;
const WORD_JOINER = '\u2060';

/**
 * Escapes untrusted text for a Slack `mrkdwn` text object: no entity, link or mention survives, and
 * runs of backticks are broken with a zero-width space so user text cannot open a code block that
 * swallows the rest of our section. `*bold*` and `_italic_` may still format — harmless, and
 * Slack offers no escape for them.
 */
export function escapeMrkdwn(text: string): string {
  const escaped = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return breakBacktickRuns(neutraliseMentions(escaped));
}

/**
 * For `plain_text` objects. Slack shows them literally, but a client or a later copy into mrkdwn
 * might not, so bare mentions and anything that looks like an entity (`<!channel>`, `<@U1>`,
 * `<https://…|x>`) get a WORD JOINER after the `<`: still readable, never parsed.
 */
export function neutraliseMentions(text: string): string {
  return text
    .replace(BARE_MENTION, `@${WORD_JOINER}$1`)
    .replace(/<(?=[!@#]|https?:|mailto:)/gi, `<${WORD_JOINER}`);
}

function breakBacktickRuns(text: string): string {
  return text.replace(/`(?=`)/g, '`\u200b');
}

/** Escaped and cut to `max`, never splitting an `&amp;` escape; never empty (Slack refuses that). */
export function mrkdwn(text: string, max: number): string {
  const out = truncate(escapeMrkdwn(text), max, { mrkdwn: true });
  return out.trim().length === 0 ? '—' : out;
}

/** Plain text cut to `max`, mentions disarmed; never empty (Slack refuses empty text objects). */
export function plain(text: string, max: number): string {
  const out = truncate(neutraliseMentions(text), max);
  return out.trim().length === 0 ? '—' : out;
}

/**
 * A fenced code block of untrusted text. A ``` inside the text would close the fence early and let
 * the rest render as mrkdwn, so runs of backticks get a zero-width space between them.
 */
export function codeBlock(text: string, max: number): string {
  return `\`\`\`\n${truncate(escapeMrkdwn(text), Math.max(1, max - 8), { mrkdwn: true })}\n\`\`\``;
}

/** `<url|label>`; the URL's own `|` and `>` are percent-encoded so it cannot end the entity early. */
export function slackLink(url: string, label: string): string {
  const safeUrl = url.replace(/&/g, '&amp;').replace(/</g, '%3C').replace(/>/g, '%3E').replace(/\|/g, '%7C');
  return `<${safeUrl}|${escapeMrkdwn(label).replace(/\|/g, '¦')}>`;
}
