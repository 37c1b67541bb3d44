import type { ContextBlock, KnownBlock, SectionBlock } from '@slack/types';
import type { DigestCardView, DigestSection } from './card-views.js';
import { safeHttpUrl } from './html-escape.js';
import type { SlackMessage } from './slack-cards.js';
import { SLACK_LIMITS } from './slack-limits.js';
import { escapeMrkdwn, mrkdwn, plain, slackLink } from './slack-text.js';
import { takeWithRest, truncate } from './truncate.js';

/**
 * How much of each section is shown, largest first: lines before "and N more", characters per line.
 * Each budget is tried in turn until the message fits Slack's limits.
 */
const BUDGETS = [
  { lines: 8, chars: 500 },
  { lines: 4, chars: 200 },
  { lines: 2, chars: 100 },
  { lines: 1, chars: 60 },
] as const;
type Budget = (typeof BUDGETS)[number];

const section = (text: string): SectionBlock => ({
  type: 'section',
  text: { type: 'mrkdwn', text: truncate(text, SLACK_LIMITS.sectionText, { mrkdwn: true }) },
});
const context = (text: string): ContextBlock => ({
  type: 'context',
  elements: [{ type: 'mrkdwn', text: truncate(text, SLACK_LIMITS.textObject, { mrkdwn: true }) }],
});

function line(l: DigestSection['lines'][number], b: Budget): string {
  const url = safeHttpUrl(l.url);
  const text = truncate(l.text, b.chars);
  const body = url === null ? escapeMrkdwn(text) : slackLink(url, text);
  return `• ${body}${l.command === null ? '' : ` · \`${escapeMrkdwn(truncate(l.command, 100))}\``}`;
}

function sectionBlocks(s: DigestSection, b: Budget): KnownBlock[] {
  const head = `*${mrkdwn(s.title, Math.min(200, b.chars))}*`;
  if (s.missing !== null) return [section(`${head}\n⚠️ Missing: ${mrkdwn(s.missing, b.chars * 2)}`)];
  const { shown, rest } = takeWithRest(s.lines, b.lines);
  const lines = [head, ...shown.map((l) => line(l, b)), ...(rest > 0 ? [`and ${rest} more`] : [])];
  return [section(lines.join('\n'))];
}

/**
 * A digest as Block Kit: a header, then each section's figures as lines that link to their incident
 * and name the `/dbx` command with the detail. The spend chart is not a block: the sender uploads it
 * as a PNG with the message (`src/bot/slack/send.ts`). Cut to fewer lines per section until the
 * message fits Slack's limits; the SQL behind each figure stays in the console and `dbxops digest --json`.
 */
export function renderDigestCardSlack(view: DigestCardView): SlackMessage {
  let message: SlackMessage | undefined;
  for (const budget of BUDGETS) {
    const blocks: KnownBlock[] = [
      {
        type: 'header',
        text: { type: 'plain_text', text: plain(view.title, SLACK_LIMITS.headerText), emoji: true },
      },
    ];
    const notes = [view.late === null ? null : `⏰ ${view.late}`, view.subtitle].filter((x) => x !== null);
    if (notes.length > 0) blocks.push(context(notes.map((n) => escapeMrkdwn(n)).join(' · ')));
    for (const s of view.sections) blocks.push({ type: 'divider' }, ...sectionBlocks(s, budget));
    message = {
      text: mrkdwn(`${view.late === null ? '' : 'Late: '}${view.title}`, 300),
      blocks: blocks.slice(0, SLACK_LIMITS.blocksPerMessage),
    };
    if (JSON.stringify(message.blocks).length <= SLACK_LIMITS.totalBlocksChars) return message;
  }
  return message!;
}
