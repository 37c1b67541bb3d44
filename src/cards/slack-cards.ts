import type { ActionsBlock, Button, ContextBlock, KnownBlock, SectionBlock } from '@slack/types';
import {
  classificationSource,
  draftByline,
  formatCell,
  formatDateTimeUtc,
  formatJson,
  formatTimeUtc,
  formatUsd,
  lastFixLine,
  RISK_LABEL,
  SEVERITY_STYLE,
  STATE_LABEL,
} from './card-format.js';
import type {
  AnswerCardView,
  CardView,
  CostCardView,
  HomeView,
  IncidentCardView,
  MessageCardView,
  PlanCardView,
} from './card-views.js';
import { commandActionId, type CommandButton, encodeCommandValue } from './command-button.js';
import { costFacts, costHeadline, isEmptyCost, showSqlValue, costLists, sqlText } from './cost-card-text.js';
import { type AskButton, askButtons } from './ask-button.js';
import { type CardButton, incidentButtons, planButtons } from './incident-buttons.js';
import {
  causeText,
  classificationText,
  evidenceFacts,
  failingParts,
  ownerText,
  startedText,
  workspaceLinks,
} from './incident-card-text.js';
import { slaCountdown } from './sla-countdown.js';
import { SLACK_CARD_BUDGET, SLACK_LIMITS } from './slack-limits.js';
import { codeBlock, escapeMrkdwn, mrkdwn, plain, slackLink } from './slack-text.js';
import { takeWithRest, truncate } from './truncate.js';
import { renderDigestCardSlack } from './slack-digest-card.js';

/** A Slack message body for `chat.postMessage` / `chat.update` / `respond()`. */
export interface SlackMessage {
  /** Notification and screen-reader fallback; Slack parses it as mrkdwn, so it is escaped too. */
  readonly text: string;
  readonly blocks: KnownBlock[];
}

type Budget = { -readonly [K in keyof typeof SLACK_CARD_BUDGET]: number };

const SLA_EMOJI = { none: '⏱️', on_track: '⏱️', due_soon: '⏳', missed: '🚨' } as const;

/**
 * Renders with the full budget, then with smaller ones until the message fits Slack's limits —
 * including the undocumented ~13k-character ceiling — so a card is cut, never rejected.
 */
function fitToLimits(
  render: (budget: Budget) => SlackMessage,
  maxBlocks: number = SLACK_LIMITS.blocksPerMessage,
) {
  let message: SlackMessage | undefined;
  for (const scale of [1, 0.5, 0.25, 0.1]) {
    message = render(scaled(scale));
    const blocks = message.blocks.slice(0, maxBlocks);
    message = { text: message.text, blocks };
    if (JSON.stringify(blocks).length <= SLACK_LIMITS.totalBlocksChars) return message;
  }
  return message!;
}

function scaled(scale: number): Budget {
  const out = {} as Budget;
  for (const [k, v] of Object.entries(SLACK_CARD_BUDGET)) {
    out[k as keyof Budget] = Math.max(
      k === 'listItems' || k === 'timelineEntries' ? 1 : 8,
      Math.floor(v * scale),
    );
  }
  return out;
}

const section = (text: string, blockId?: string): SectionBlock => ({
  type: 'section',
  ...(blockId === undefined ? {} : { block_id: blockId }),
  text: { type: 'mrkdwn', text: truncate(text, SLACK_LIMITS.sectionText, { mrkdwn: true }) },
});

const context = (texts: readonly string[]): ContextBlock => ({
  type: 'context',
  elements: texts
    .slice(0, SLACK_LIMITS.contextElements)
    .map((t) => ({ type: 'mrkdwn', text: truncate(t, SLACK_LIMITS.textObject, { mrkdwn: true }) })),
});

function slackButton(b: CardButton | AskButton): Button {
  return {
    type: 'button',
    action_id: b.actionId,
    text: { type: 'plain_text', text: plain(b.label, SLACK_LIMITS.buttonText), emoji: true },
    value: b.value,
    ...(b.style === 'default' ? {} : { style: b.style }),
  };
}

function actions(blockId: string, buttons: readonly (CardButton | AskButton)[]): ActionsBlock[] {
  if (buttons.length === 0) return [];
  return [
    {
      type: 'actions',
      block_id: blockId,
      elements: buttons.slice(0, SLACK_LIMITS.actionsElements).map(slackButton),
    },
  ];
}

/** "a, b, c and 490 more", each item escaped and cut. */
function list(items: readonly string[], b: Budget): string {
  const { shown, rest } = takeWithRest(items, b.listItems);
  const text = shown.map((i) => mrkdwn(i, b.listItemChars)).join(', ');
  return rest > 0 ? `${text} and ${rest} more` : text;
}

/** Where a cut text continues: the details link when there is one. */
function more(url: string | null): string {
  return url === null ? '' : ` ${slackLink(url, 'see more')}`;
}

/** An incident card as Block Kit. `nowMs` drives the SLA countdown. */
export function renderIncidentCardSlack(view: IncidentCardView, nowMs: number): SlackMessage {
  return fitToLimits((b) => incidentMessage(view, nowMs, b));
}

function incidentMessage(view: IncidentCardView, nowMs: number, b: Budget): SlackMessage {
  const style = SEVERITY_STYLE[view.severity];
  const sla = slaCountdown(view.slaDeadlineMs, nowMs, view.slaMaxAgeMinutes);
  const id = `${view.incidentId}-v${view.version}`.slice(0, 200);
  const blocks: KnownBlock[] = [];

  blocks.push({
    type: 'header',
    block_id: `${id}-header`,
    text: {
      type: 'plain_text',
      text: plain(
        `${style.emoji} ${view.severity} · ${view.title}`,
        Math.min(b.title, SLACK_LIMITS.headerText),
      ),
      emoji: true,
    },
  });

  const owner = ownerText(view);
  const started = startedText(view, nowMs);
  const fields = [
    `*Status*\n${STATE_LABEL[view.state]}`,
    `*Severity*\n${style.label}`,
    ...(started === null ? [] : [`*Started*\n${started}`]),
    `*SLA*\n${SLA_EMOJI[sla.status]} ${sla.text}`,
    `*Cost so far*\n${formatUsd(view.costUsd)}`,
    `*Workspace*\n${view.workspace.url === null ? mrkdwn(view.workspace.name, 200) : slackLink(view.workspace.url, truncate(view.workspace.name, 200))}`,
    `*Owner*\n${owner === null ? 'unknown' : mrkdwn(owner, 300)}`,
    `*Assignee*\n${view.assignee === null ? 'nobody yet' : mrkdwn(view.assignee, 300)}`,
  ];
  blocks.push({
    type: 'section',
    block_id: `${id}-facts`,
    fields: fields.map((text) => ({
      type: 'mrkdwn',
      text: truncate(text, SLACK_LIMITS.sectionFieldText, { mrkdwn: true }),
    })),
  });

  const status: string[] = [];
  if (view.acknowledgedBy !== null) status.push(`👀 Acknowledged by ${mrkdwn(view.acknowledgedBy, 200)}`);
  if (view.state === 'snoozed' && view.snoozedUntilMs !== null) {
    status.push(`💤 Snoozed until ${formatDateTimeUtc(view.snoozedUntilMs)}`);
  }
  status.push(`Incident ${escapeMrkdwn(view.incidentId)} · v${view.version}`);
  blocks.push(context(status));

  if (view.lastFix !== null) {
    blocks.push(
      section(
        `*${mrkdwn(lastFixLine(view.lastFix), 400)}*${mrkdwn(view.lastFix.text, b.summary)}`,
        `${id}-lastfix`,
      ),
    );
  }

  const ev = view.rootCause.evidence;
  const cause = causeText(view);
  const where = [
    ...failingParts(view).map(([kind, name]) => `${escapeMrkdwn(kind)} *${mrkdwn(name, 200)}*`),
    ...(ev.runUrl === null ? [] : [slackLink(ev.runUrl, 'open the run')]),
    ...workspaceLinks(view).map((l) => slackLink(l.url, l.label)),
  ];
  const facts = evidenceFacts(view, b.listItems).map((f) => `• ${mrkdwn(f, b.listItemChars * 2)}`);
  const summaryCut = cause.summary !== null && cause.summary.length > b.summary;
  const causeLines = [
    ...(cause.summary === null
      ? []
      : [`${mrkdwn(cause.summary, b.summary)}${summaryCut ? more(view.detailsUrl) : ''}`]),
    ...(where.length > 0 ? [`Failing: ${where.join(' · ')}`] : []),
    ...facts,
  ];
  if (causeLines.length > 0 || cause.excerpt !== null) {
    blocks.push(section(['*Root cause*', ...causeLines].join('\n'), `${id}-cause`));
  }
  if (cause.excerpt !== null) {
    blocks.push(section(codeBlock(cause.excerpt, b.errorExcerpt), `${id}-excerpt`));
  }

  if (view.classification !== null) {
    const c = view.classification;
    const source = classificationSource(c.by);
    blocks.push(
      section(
        `*Classification*${source === null ? '' : ` _(${source})_`} ${mrkdwn(classificationText(c), 400)}` +
          (c.fixHint === null ? '' : `\n💡 ${mrkdwn(c.fixHint, b.summary)}`),
        `${id}-class`,
      ),
    );
  }

  if (view.explanation !== null) {
    blocks.push(
      section(`*In plain words*\n${mrkdwn(view.explanation.text, b.summary)}`, `${id}-explain`),
      context([`🤖 ${escapeMrkdwn(draftByline(view.explanation.model))}`]),
    );
  }

  const br = view.blastRadius;
  const lines = (
    [
      ['Downstream jobs', br.downstreamJobs],
      ['Tables', br.tables],
      ['Dashboards', br.dashboards],
      ['Teams', br.teams],
    ] as const
  )
    .filter(([, items]) => items.length > 0)
    .map(([label, items]) => `• ${label} (${items.length}): ${list(items, b)}`);
  if (lines.length > 0 || br.total > 0) {
    blocks.push(section([`*Blast radius* · ${br.total} affected`, ...lines].join('\n'), `${id}-blast`));
  }

  if (view.timeline.length > 0) {
    const recent = view.timeline.slice(-b.timelineEntries);
    const older = view.timeline.length - recent.length;
    const rows = recent.map(
      (t) => `\`${formatTimeUtc(t.atMs)}\` *${mrkdwn(t.phase, 40)}* ${mrkdwn(t.text, b.listItemChars * 2)}`,
    );
    const head =
      older > 0
        ? `*Timeline* (last ${recent.length}, ${older} earlier${more(view.detailsUrl)})`
        : '*Timeline*';
    blocks.push(section([head, ...rows].join('\n'), `${id}-timeline`));
  }

  const buttons = incidentButtons(view);
  if (buttons.remediations.length > 0) {
    const { shown, rest } = takeWithRest(view.remediations, b.remediations);
    const rows = shown.map(
      (r) =>
        `• *${mrkdwn(r.label, 100)}* (${RISK_LABEL[r.risk]}) ${mrkdwn(r.description, b.listItemChars * 2)}`,
    );
    if (rest > 0) rows.push(`and ${rest} more`);
    blocks.push(
      section(['*Suggested remediations* (each shows a plan first)', ...rows].join('\n'), `${id}-fixes`),
    );
    blocks.push(...actions(`${id}-fix-actions`, buttons.remediations.slice(0, b.remediations)));
  }
  blocks.push(...actions(`${id}-actions`, buttons.standard));
  if (view.detailsUrl !== null) blocks.push(context([slackLink(view.detailsUrl, 'Full incident →')]));

  const text = mrkdwn(
    `${style.emoji} ${view.severity} ${STATE_LABEL[view.state]}: ${view.title} (${view.workspace.name}) · ${sla.text}`,
    300,
  );
  return { text, blocks };
}

/** An answer to a question: the short answer, a small table, the SQL and how fresh the data is. */
function renderAnswerCardSlack(view: AnswerCardView, _nowMs: number): SlackMessage {
  return fitToLimits((b) => {
    const blocks: KnownBlock[] = [
      context([`❓ ${mrkdwn(view.question, 500)}`]),
      section(
        `${mrkdwn(view.answer, b.summary)}${view.answer.length > b.summary ? more(view.detailsUrl) : ''}`,
      ),
    ];
    if (view.table !== null && view.table.columns.length > 0) {
      blocks.push(section(tableText(view.table, b)));
      const total = Math.max(view.table.totalRows ?? 0, view.table.rows.length);
      if (total > b.tableRows)
        blocks.push(context([`Showing ${b.tableRows} of ${total} rows${more(view.detailsUrl)}`]));
    }
    // Slack has no collapsible block: the SQL is shown under its own heading, after the rows.
    if (view.sql !== null) blocks.push(section(`*Show SQL*\n${codeBlock(view.sql, b.sql)}`));
    if (view.freshness !== null) blocks.push(context([`🕒 ${mrkdwn(view.freshness, 500)}`]));
    blocks.push(...actions('dbx-answer-actions', askButtons(view)));
    return { text: mrkdwn(view.answer, 300), blocks };
  });
}

/** A fixed-width table in a code block: reads everywhere, unlike the newer table block. */
function tableText(table: NonNullable<AnswerCardView['table']>, b: Budget): string {
  const cols = table.columns.slice(0, b.tableColumns);
  const rows = table.rows.slice(0, b.tableRows).map((r) => cols.map((_, i) => formatCell(r[i] ?? null)));
  const cut = (s: string) => truncate(s.replace(/\s+/g, ' '), b.cellChars);
  const all = [cols.map(cut), ...rows.map((r) => r.map(cut))];
  const widths = cols.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  const text = [
    line(all[0] ?? []),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...all.slice(1).map(line),
  ].join('\n');
  return codeBlock(text, SLACK_LIMITS.sectionText - 100);
}

/** A dry-run plan: the exact API calls, cost, rollback and risk, with Run / Cancel. */
export function renderPlanCardSlack(view: PlanCardView, _nowMs: number): SlackMessage {
  return fitToLimits((b) => {
    const id = `plan-${view.incidentId}-${view.remediationId}-v${view.version}`.slice(0, 200);
    const blocks: KnownBlock[] = [
      {
        type: 'header',
        block_id: `${id}-header`,
        text: {
          type: 'plain_text',
          text: plain(`🛠️ Plan: ${view.title}`, SLACK_LIMITS.headerText),
          emoji: true,
        },
      },
      {
        type: 'section',
        block_id: `${id}-facts`,
        fields: [
          `*Risk*\n${RISK_LABEL[view.risk]}`,
          `*Estimated cost*\n${formatUsd(view.estimatedCostUsd)}`,
          `*Incident*\n${escapeMrkdwn(view.incidentId)}`,
          `*Status*\n${view.status}`,
        ].map((text) => ({ type: 'mrkdwn', text })),
      },
    ];
    const { shown, rest } = takeWithRest(view.calls, 6);
    shown.forEach((c, i) => {
      const body = formatJson(c.body);
      const call = `${c.method} ${c.path}${body === '' ? '' : `\n${body}`}`;
      blocks.push(section(`*Call ${i + 1}*\n${codeBlock(call, b.apiBody)}`, `${id}-call-${i}`));
    });
    if (rest > 0) blocks.push(context([`and ${rest} more calls`]));
    blocks.push(section(`*Rollback*\n${mrkdwn(view.rollback, b.summary)}`, `${id}-rollback`));
    blocks.push(...actions(`${id}-actions`, planButtons(view)));
    return { text: mrkdwn(`Plan: ${view.title} (${view.risk} risk)`, 300), blocks };
  });
}

const TONE_EMOJI = { info: 'ℹ️', success: '✅', warning: '⚠️', error: '❌' } as const;

/** Plain text with optional fields: help, confirmations and errors. */
function renderMessageCardSlack(view: MessageCardView, _nowMs: number): SlackMessage {
  return fitToLimits((b) => {
    const head = view.title === null ? '' : `${TONE_EMOJI[view.tone]} *${mrkdwn(view.title, 200)}*\n`;
    const blocks: KnownBlock[] = [section(`${head}${mrkdwn(view.text, b.summary * 2)}`)];
    const fields = view.fields.slice(0, SLACK_LIMITS.sectionFields);
    if (fields.length > 0) {
      blocks.push({
        type: 'section',
        fields: fields.map((f) => ({
          type: 'mrkdwn',
          text: truncate(
            `*${mrkdwn(f.label, 100)}*\n${mrkdwn(f.value, b.listItemChars * 4)}`,
            SLACK_LIMITS.sectionFieldText,
            {
              mrkdwn: true,
            },
          ),
        })),
      });
    }
    if (view.fields.length > fields.length)
      blocks.push(context([`and ${view.fields.length - fields.length} more`]));
    const commands = view.commands ?? [];
    if (commands.length > 0) {
      blocks.push({
        type: 'actions',
        elements: commands.slice(0, SLACK_LIMITS.actionsElements).map(commandButton),
      });
    }
    return { text: mrkdwn(view.title ?? view.text, 300), blocks };
  });
}

function commandButton(c: CommandButton, index: number): Button {
  return {
    type: 'button',
    // Slack wants action ids unique within a message; the handler routes on the `dbx:run` prefix.
    action_id: `${commandActionId(c.action)}:${index}`,
    text: { type: 'plain_text', text: plain(c.label, SLACK_LIMITS.buttonText), emoji: true },
    value: encodeCommandValue(c.command),
  };
}

/**
 * A cost card: the answer, its facts, top jobs and warehouses, spend per team, how fresh billing is
 * and a "Show SQL" button. The daily chart is not a block: the sender uploads it as a PNG with the
 * message (`files.completeUploadExternal` with these blocks).
 */
function renderCostCardSlack(view: CostCardView, _nowMs: number): SlackMessage {
  return fitToLimits((b) => {
    const blocks: KnownBlock[] = [
      {
        type: 'header',
        text: {
          type: 'plain_text',
          text: plain(`💰 Spend · ${view.target} · ${view.periodLabel}`, SLACK_LIMITS.headerText),
          emoji: true,
        },
      },
      section(`*${mrkdwn(costHeadline(view), b.summary)}*`),
    ];
    if (!isEmptyCost(view)) {
      blocks.push({
        type: 'section',
        fields: costFacts(view)
          .slice(0, SLACK_LIMITS.sectionFields)
          .map((f) => ({
            type: 'mrkdwn',
            text: truncate(`*${f.label}*\n${mrkdwn(f.value, 500)}`, SLACK_LIMITS.sectionFieldText, {
              mrkdwn: true,
            }),
          })),
      });
    }
    for (const [title, lines] of costLists(view)) {
      if (lines.length === 0) continue;
      const { shown, rest } = takeWithRest(lines, b.listItems);
      const body = shown.map((l) => `• ${mrkdwn(l, b.listItemChars)}`);
      if (rest > 0) body.push(`and ${rest} more`);
      blocks.push(section([`*${title}*`, ...body].join('\n')));
    }
    // An empty answer shows its SQL at once: "nothing" is only believable with the query beside it.
    if (isEmptyCost(view) && view.sql.length > 0) {
      blocks.push(section(`*SQL*\n${codeBlock(sqlText(view.sql), b.sql)}`));
    }
    blocks.push(context([`🕒 ${mrkdwn(view.freshness, 500)}`]));
    if (view.sql.length > 0 && !isEmptyCost(view)) {
      blocks.push({
        type: 'actions',
        elements: [
          {
            type: 'button',
            action_id: commandActionId('show_sql'),
            text: { type: 'plain_text', text: 'Show SQL', emoji: true },
            value: showSqlValue(view),
          },
        ],
      });
    }
    return { text: mrkdwn(costHeadline(view), 300), blocks };
  });
}

/** The team's open incidents, most severe first as given, for the Home tab or a `/dbx status` reply. */
function renderHomeSlack(view: HomeView, nowMs: number): SlackMessage {
  return fitToLimits((b) => {
    const blocks: KnownBlock[] = [
      {
        type: 'header',
        text: {
          type: 'plain_text',
          text: plain(`Open incidents · ${view.team}`, SLACK_LIMITS.headerText),
          emoji: true,
        },
      },
    ];
    if (view.incidents.length === 0) blocks.push(section('🎉 No open incidents.'));
    // Two blocks are kept back for the header and the "and N more" line.
    const { shown, rest } = takeWithRest(
      view.incidents,
      Math.min(b.homeIncidents, SLACK_LIMITS.blocksPerMessage - 2),
    );
    for (const i of shown) {
      const title = i.url === null ? `*${mrkdwn(i.title, 200)}*` : slackLink(i.url, truncate(i.title, 200));
      const who = i.assignee === null ? 'unassigned' : mrkdwn(i.assignee, 100);
      blocks.push(
        section(
          `${SEVERITY_STYLE[i.severity].emoji} ${i.severity} ${title}\n${STATE_LABEL[i.state]} · ${slaCountdown(i.slaDeadlineMs, nowMs).text} · ${who} · ${escapeMrkdwn(i.incidentId)}`,
        ),
      );
    }
    if (rest > 0) blocks.push(context([`and ${rest} more`]));
    return { text: mrkdwn(`${view.incidents.length} open incidents for ${view.team}`, 300), blocks };
  });
}

/** Any card view as Block Kit. */
export function renderCardSlack(view: CardView, nowMs: number): SlackMessage {
  switch (view.kind) {
    case 'incident':
      return renderIncidentCardSlack(view, nowMs);
    case 'answer':
      return renderAnswerCardSlack(view, nowMs);
    case 'plan':
      return renderPlanCardSlack(view, nowMs);
    case 'message':
      return renderMessageCardSlack(view, nowMs);
    case 'home':
      return renderHomeSlack(view, nowMs);
    case 'cost':
      return renderCostCardSlack(view, nowMs);
    case 'digest':
      return renderDigestCardSlack(view);
  }
}
