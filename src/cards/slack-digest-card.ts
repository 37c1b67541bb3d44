import type { ContextBlock, KnownBlock, SectionBlock } from '@slack/types';
import type { DigestCardView, DigestSection } from './card-views.js';
import { chartLines } from './digest-chart.js';
import type { SlackMessage } from './slack-cards.js';
import { SLACK_LIMITS } from './slack-limits.js';
import { codeBlock, escapeMrkdwn, mrkdwn, plain, slackLink } from './slack-text.js';
import { takeWithRest, truncate } from './truncate.js';

/** Lines per section before "and N more"; sections are cut further if the message runs long. */
const LINES_PER_SECTION = [8, 4, 2];

const section = (text: string): SectionBlock => ({
  type: 'section',
  text: { type: 'mrkdwn', text: truncate(text, SLACK_LIMITS.sectionText, { mrkdwn: true }) },
});
const context = (text: string): ContextBlock => ({
  type: 'context',
  elements: [{ type: 'mrkdwn', text: truncate(text, SLACK_LIMITS.textObject, { mrkdwn: true }) }],
});

function line(l: DigestSection['lines'][number]): string {
  const body = l.url === null ? escapeMrkdwn(truncate(l.text, 500)) : slackLink(l.url, truncate(l.text, 500));
  return `• ${body}${l.command === null ? '' : ` · \`${escapeMrkdwn(truncate(l.command, 200))}\``}`;
}

function sectionBlocks(s: DigestSection, perSection: number): KnownBlock[] {
  const head = `*${mrkdwn(s.title, 200)}*`;
  if (s.missing !== null) return [section(`${head}\n⚠️ Missing: ${mrkdwn(s.missing, 1000)}`)];
  const { shown, rest } = takeWithRest(s.lines, perSection);
  const lines = [head, ...shown.map(line), ...(rest > 0 ? [`and ${rest} more`] : [])];
  const blocks: KnownBlock[] = [section(lines.join('\n'))];
  if (s.chart !== null && s.chart.bars.length > 0)
    blocks.push(
      section(
        `${mrkdwn(s.chart.title, 200)}\n${codeBlock(chartLines(s.chart, perSection * 2).join('\n'), 2500)}`,
      ),
    );
  return blocks;
}

/**
 * A digest as Block Kit: a header, then each section's figures as lines that link to their incident
 * and name the `/dbx` command with the detail. Cut to fewer lines per section until the message fits
 * Slack's limits; the SQL behind each figure stays in the console and `dbxops digest --json`.
 */
export function renderDigestCardSlack(view: DigestCardView): SlackMessage {
  let message: SlackMessage | undefined;
  for (const perSection of LINES_PER_SECTION) {
    const blocks: KnownBlock[] = [
      {
        type: 'header',
        text: { type: 'plain_text', text: plain(view.title, SLACK_LIMITS.headerText), emoji: true },
      },
    ];
    const notes = [view.late === null ? null : `⏰ ${view.late}`, view.subtitle].filter((x) => x !== null);
    if (notes.length > 0) blocks.push(context(notes.map((n) => escapeMrkdwn(n)).join(' · ')));
    for (const s of view.sections) blocks.push({ type: 'divider' }, ...sectionBlocks(s, perSection));
    message = {
      text: mrkdwn(`${view.late === null ? '' : 'Late: '}${view.title}`, 300),
      blocks: blocks.slice(0, SLACK_LIMITS.blocksPerMessage),
    };
    if (JSON.stringify(message.blocks).length <= SLACK_LIMITS.totalBlocksChars) return message;
  }
  return message!;
}
