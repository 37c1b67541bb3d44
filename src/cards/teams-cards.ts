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
import { type AskButton, askButtons } from './ask-button.js';
import { actionIdFor, encodeButtonValue } from './button-value.js';
import { commandActionId, type CommandButton, encodeCommandValue } from './command-button.js';
import { chartAltText, costFacts, costHeadline, isEmptyCost, costLists, sqlText } from './cost-card-text.js';
import { safeHttpUrl } from './html-escape.js';
import { type CardButton, incidentButtons, planButtons, refreshPayload } from './incident-buttons.js';
import { slaCountdown } from './sla-countdown.js';
import {
  causeText,
  classificationText,
  evidenceFacts,
  failingParts,
  ownerText,
  startedText,
  workspaceLinks,
} from './incident-card-text.js';
import { TEAMS_CARD_BUDGET, TEAMS_LIMITS } from './teams-limits.js';
import { takeWithRest, truncate } from './truncate.js';
import { renderDigestCardTeams } from './teams-digest-card.js';

/** Adaptive Card JSON as sent to Teams (`application/vnd.microsoft.card.adaptive` attachment content). */
export type AdaptiveCardJson = {
  type: 'AdaptiveCard';
  version: '1.5';
  body: AcElement[];
  actions?: AcAction[];
  refresh?: { action: AcAction; userIds?: string[] };
  msteams?: { width: 'Full' };
  fallbackText?: string;
};
type AcElement = { type: string } & Record<string, unknown>;
export type AcAction = {
  type: 'Action.Execute' | 'Action.OpenUrl' | 'Action.ShowCard';
  title: string;
} & Record<string, unknown>;

export interface TeamsRenderOptions {
  /**
   * Users (`29:…` MRIs) whose clients refresh the card automatically when they see it, at most 60.
   * Omitted: everyone in chats of ≤ 60 members refreshes, which is what a small on-call channel wants.
   */
  readonly refreshUserIds?: readonly string[];
}

type Budget = { -readonly [K in keyof typeof TEAMS_CARD_BUDGET]: number };

/** The data of every `Action.Execute`: teams.apps routes `card.action.<data.action>`; `value` is the codec. */
interface TeamsActionData {
  readonly action: string;
  readonly value: string;
}

// Untrusted prose goes into RichTextBlock TextRuns, which Teams shows verbatim (no markdown), so an
// error message with `*`, `[x](url)` or `<at>` renders as typed. FactSet values are markdown, so
// those get backslash escapes for the characters that would format or link.
const run = (text: string, extra: Record<string, unknown> = {}) => ({ type: 'TextRun', text, ...extra });
const para = (runs: Array<ReturnType<typeof run>>, extra: Record<string, unknown> = {}): AcElement => {
  const inlines = runs.filter((r) => r.text.length > 0);
  // An empty RichTextBlock is an invalid card; an empty answer still gets a visible placeholder.
  return { type: 'RichTextBlock', inlines: inlines.length > 0 ? inlines : [run('—')], ...extra };
};
const heading = (text: string): AcElement => ({
  type: 'TextBlock',
  text,
  weight: 'Bolder',
  wrap: true,
  spacing: 'Medium',
});

/** Escapes the Markdown subset Teams renders in TextBlock and FactSet values. */
function escapeTeamsMarkdown(text: string): string {
  return text.replace(/[\\`*_[\]~#]/g, (c) => `\\${c}`);
}

const fact = (title: string, value: string) => ({ title, value });

function execute(b: CardButton | AskButton): AcAction {
  const data: TeamsActionData = { action: 'payload' in b ? b.payload.action : 'ask', value: b.value };
  return {
    type: 'Action.Execute',
    title: truncate(b.label, TEAMS_LIMITS.actionTitle),
    verb: b.actionId,
    data,
    ...(b.style === 'primary' ? { style: 'positive' } : b.style === 'danger' ? { style: 'destructive' } : {}),
  };
}

function openUrl(title: string, url: string | null): AcAction[] {
  const safe = safeHttpUrl(url);
  return safe === null ? [] : [{ type: 'Action.OpenUrl', title, url: safe }];
}

function refresh(
  view: IncidentCardView | PlanCardView,
  options: TeamsRenderOptions,
): AdaptiveCardJson['refresh'] {
  const payload = refreshPayload(view);
  const data: TeamsActionData = { action: 'refresh', value: encodeButtonValue(payload) };
  const action: AcAction = { type: 'Action.Execute', title: 'Refresh', verb: actionIdFor(payload), data };
  if (options.refreshUserIds === undefined) return { action };
  // Teams refuses more than 60 ids; the rest still get the card and its "Refresh card" menu item.
  return { action, userIds: options.refreshUserIds.slice(0, TEAMS_LIMITS.refreshUserIds) };
}

/** Renders with smaller budgets until the JSON fits the payload ceiling: cut, never rejected. */
function fitToLimits(render: (budget: Budget) => AdaptiveCardJson): AdaptiveCardJson {
  let card: AdaptiveCardJson | undefined;
  for (const scale of [1, 0.5, 0.25, 0.1]) {
    card = render(scaled(scale));
    if (Buffer.byteLength(JSON.stringify(card)) <= TEAMS_LIMITS.payloadBytes) return card;
  }
  return card!;
}

function scaled(scale: number): Budget {
  const out = {} as Budget;
  for (const [k, v] of Object.entries(TEAMS_CARD_BUDGET)) {
    out[k as keyof Budget] = Math.max(
      k === 'listItems' || k === 'timelineEntries' ? 1 : 8,
      Math.floor(v * scale),
    );
  }
  return out;
}

function card(body: AcElement[], actions: AcAction[], fallbackText: string): AdaptiveCardJson {
  return {
    type: 'AdaptiveCard',
    version: TEAMS_LIMITS.cardVersion,
    body,
    ...(actions.length > 0 ? { actions: actions.slice(0, TEAMS_LIMITS.actionsPerSet) } : {}),
    msteams: { width: 'Full' },
    // Shown by clients that cannot render the card; an empty one is dropped, so there is always a text.
    fallbackText: truncate(fallbackText.trim() === '' ? 'dbxops card' : fallbackText, 300),
  };
}

function list(items: readonly string[], b: Budget): string {
  const { shown, rest } = takeWithRest(items, b.listItems);
  const text = shown.map((i) => truncate(i, b.listItemChars)).join(', ');
  return rest > 0 ? `${text} and ${rest} more` : text;
}

/** An incident card as an Adaptive Card 1.5 with `Action.Execute` buttons and a `refresh`. */
export function renderIncidentCardTeams(
  view: IncidentCardView,
  nowMs: number,
  options: TeamsRenderOptions = {},
): AdaptiveCardJson {
  return fitToLimits((b) => {
    const style = SEVERITY_STYLE[view.severity];
    const sla = slaCountdown(view.slaDeadlineMs, nowMs, view.slaMaxAgeMinutes);
    const ev = view.rootCause.evidence;
    const body: AcElement[] = [
      {
        type: 'Container',
        style: style.teamsContainer,
        bleed: true,
        items: [
          para(
            [run(`${style.emoji} ${view.severity} · `, { weight: 'Bolder', size: 'Large' })].concat(
              run(truncate(view.title, b.title), { weight: 'Bolder', size: 'Large' }),
            ),
          ),
          para([
            run(`${STATE_LABEL[view.state]} · ${truncate(view.workspace.name, 200)} · ${sla.text}`, {
              isSubtle: true,
            }),
          ]),
        ],
      },
    ];
    const owner = ownerText(view);
    const started = startedText(view, nowMs);
    body.push({
      type: 'FactSet',
      facts: [
        fact('Status', STATE_LABEL[view.state]),
        fact('Severity', style.label),
        ...(started === null ? [] : [fact('Started', started)]),
        fact('SLA', sla.text),
        fact('Cost so far', formatUsd(view.costUsd)),
        fact('Owner', owner === null ? 'unknown' : escapeTeamsMarkdown(truncate(owner, 300))),
        fact(
          'Assignee',
          view.assignee === null ? 'nobody yet' : escapeTeamsMarkdown(truncate(view.assignee, 300)),
        ),
        ...(view.acknowledgedBy === null
          ? []
          : [fact('Acknowledged by', escapeTeamsMarkdown(truncate(view.acknowledgedBy, 300)))]),
        ...(view.state === 'snoozed' && view.snoozedUntilMs !== null
          ? [fact('Snoozed until', formatDateTimeUtc(view.snoozedUntilMs))]
          : []),
        fact('Incident', `${escapeTeamsMarkdown(view.incidentId)} · v${view.version}`),
      ],
    });

    if (view.lastFix !== null) {
      body.push(
        para([
          run(truncate(lastFixLine(view.lastFix), 400), { weight: 'Bolder' }),
          run(truncate(view.lastFix.text, b.summary)),
        ]),
      );
    }
    const cause = causeText(view);
    const where = failingParts(view).map(([kind, name]) => `${kind} ${truncate(name, 200)}`);
    const facts = evidenceFacts(view, b.listItems);
    if (cause.summary !== null || where.length > 0 || facts.length > 0 || cause.excerpt !== null)
      body.push(heading('Root cause'));
    if (cause.summary !== null) body.push(para([run(truncate(cause.summary, b.summary))]));
    if (where.length > 0) body.push(para([run(`Failing: ${where.join(' · ')}`, { isSubtle: true })]));
    for (const f of facts) body.push(para([run(`• ${truncate(f, b.listItemChars * 2)}`)]));
    // The workspace links sit by the evidence, not in the top-level row, which the standard buttons fill.
    const links = [
      ...openUrl('Open run', ev.runUrl),
      ...workspaceLinks(view).flatMap((l) => openUrl(`Open ${l.label}`, l.url)),
    ].slice(0, TEAMS_LIMITS.actionsPerSet);
    if (links.length > 0) body.push({ type: 'ActionSet', actions: links });
    if (cause.excerpt !== null) {
      body.push(
        para([run(truncate(cause.excerpt, b.errorExcerpt), { fontType: 'Monospace', size: 'Small' })], {
          separator: true,
        }),
      );
    }

    if (view.classification !== null) {
      const c = view.classification;
      const source = classificationSource(c.by);
      body.push(
        heading(source === null ? 'Classification' : `Classification — ${source}`),
        para([run(truncate(classificationText(c), 400))]),
      );
      if (c.fixHint !== null) body.push(para([run(`💡 ${truncate(c.fixHint, b.summary)}`)]));
    }

    if (view.explanation !== null) {
      body.push(
        heading('In plain words'),
        para([run(truncate(view.explanation.text, b.summary))]),
        para([run(`🤖 ${draftByline(view.explanation.model)}`, { isSubtle: true, size: 'Small' })]),
      );
    }

    const br = view.blastRadius;
    const groups = (
      [
        ['Downstream jobs', br.downstreamJobs],
        ['Tables', br.tables],
        ['Dashboards', br.dashboards],
        ['Teams', br.teams],
      ] as const
    ).filter(([, items]) => items.length > 0);
    if (groups.length > 0 || br.total > 0) {
      body.push(heading(`Blast radius · ${br.total} affected`));
      for (const [label, items] of groups) {
        body.push(para([run(`${label} (${items.length}): `, { weight: 'Bolder' }), run(list(items, b))]));
      }
    }

    if (view.timeline.length > 0) {
      const recent = view.timeline.slice(-b.timelineEntries);
      const older = view.timeline.length - recent.length;
      body.push(heading(older > 0 ? `Timeline (last ${recent.length}, ${older} earlier)` : 'Timeline'));
      for (const t of recent) {
        body.push(
          para([
            run(`${formatTimeUtc(t.atMs)} `, { fontType: 'Monospace' }),
            run(`${truncate(t.phase, 40)} `, { weight: 'Bolder' }),
            run(truncate(t.text, b.listItemChars * 2)),
          ]),
        );
      }
    }

    const buttons = incidentButtons(view);
    if (buttons.remediations.length > 0) {
      const { shown, rest } = takeWithRest(view.remediations, b.remediations);
      body.push(heading('Suggested remediations (each shows a plan first)'));
      for (const r of shown) {
        body.push(
          para([
            run(`${truncate(r.label, 100)} `, { weight: 'Bolder' }),
            run(`(${RISK_LABEL[r.risk]}) `),
            run(truncate(r.description, b.listItemChars * 2)),
          ]),
        );
      }
      if (rest > 0) body.push(para([run(`and ${rest} more`, { isSubtle: true })]));
      const fixes = buttons.remediations.slice(0, Math.min(b.remediations, TEAMS_LIMITS.actionsPerSet));
      body.push({ type: 'ActionSet', actions: fixes.map(execute) });
    }

    const actions = [...buttons.standard.map(execute), ...openUrl('Full incident', view.detailsUrl)];
    return {
      ...card(body, actions, `${view.severity} ${STATE_LABEL[view.state]}: ${view.title} · ${sla.text}`),
      refresh: refresh(view, options),
    };
  });
}

/** An answer: the short answer, a Table (1.5) of the rows, the SQL in monospace, data freshness. */
function renderAnswerCardTeams(view: AnswerCardView, _nowMs: number): AdaptiveCardJson {
  return fitToLimits((b) => {
    const body: AcElement[] = [
      para([run(`❓ ${truncate(view.question, 500)}`, { isSubtle: true })]),
      para([run(truncate(view.answer, b.summary))]),
    ];
    if (view.table !== null && view.table.columns.length > 0) {
      const cols = view.table.columns.slice(0, b.tableColumns);
      const cell = (text: string, bold = false) => ({
        type: 'TableCell',
        items: [para([run(truncate(text, b.cellChars), bold ? { weight: 'Bolder' } : {})])],
      });
      const rows = view.table.rows.slice(0, b.tableRows);
      body.push({
        type: 'Table',
        firstRowAsHeader: true,
        columns: cols.map(() => ({ width: 1 })),
        rows: [
          { type: 'TableRow', cells: cols.map((c) => cell(c, true)) },
          ...rows.map((r) => ({
            type: 'TableRow',
            cells: cols.map((_, i) => cell(formatCell(r[i] ?? null))),
          })),
        ],
      });
      const total = Math.max(view.table.totalRows ?? 0, view.table.rows.length);
      if (total > rows.length)
        body.push(para([run(`Showing ${rows.length} of ${total} rows`, { isSubtle: true })]));
    }
    if (view.freshness !== null)
      body.push(para([run(`🕒 ${truncate(view.freshness, 500)}`, { isSubtle: true })]));
    // The SQL opens under its button (Action.ShowCard), so the answer stays short until asked.
    const showSql: AcAction[] =
      view.sql === null
        ? []
        : [
            {
              type: 'Action.ShowCard',
              title: 'Show SQL',
              card: {
                type: 'AdaptiveCard',
                body: [para([run(truncate(view.sql, b.sql), { fontType: 'Monospace', size: 'Small' })])],
              },
            },
          ];
    return card(
      body,
      [...showSql, ...askButtons(view).map(execute), ...openUrl('Details', view.detailsUrl)],
      view.answer,
    );
  });
}

/** A dry-run plan with Run / Cancel as `Action.Execute`. */
export function renderPlanCardTeams(
  view: PlanCardView,
  _nowMs: number,
  options: TeamsRenderOptions = {},
): AdaptiveCardJson {
  return fitToLimits((b) => {
    const body: AcElement[] = [
      para([run(`🛠️ Plan: ${truncate(view.title, b.title)}`, { weight: 'Bolder', size: 'Large' })]),
      {
        type: 'FactSet',
        facts: [
          fact('Risk', RISK_LABEL[view.risk]),
          fact('Estimated cost', formatUsd(view.estimatedCostUsd)),
          fact('Incident', escapeTeamsMarkdown(view.incidentId)),
          fact('Status', view.status),
        ],
      },
    ];
    const { shown, rest } = takeWithRest(view.calls, 6);
    shown.forEach((c, i) => {
      const json = formatJson(c.body);
      body.push(
        heading(`Call ${i + 1}`),
        para([
          run(truncate(`${c.method} ${c.path}${json === '' ? '' : `\n${json}`}`, b.apiBody), {
            fontType: 'Monospace',
            size: 'Small',
          }),
        ]),
      );
    });
    if (rest > 0) body.push(para([run(`and ${rest} more calls`, { isSubtle: true })]));
    body.push(heading('Rollback'), para([run(truncate(view.rollback, b.summary))]));
    return {
      ...card(body, planButtons(view).map(execute), `Plan: ${view.title}`),
      refresh: refresh(view, options),
    };
  });
}

const TONE_COLOR = { info: 'Default', success: 'Good', warning: 'Warning', error: 'Attention' } as const;

/** Plain text with optional fields: help, confirmations and errors. */
function renderMessageCardTeams(view: MessageCardView, _nowMs: number): AdaptiveCardJson {
  return fitToLimits((b) => {
    const body: AcElement[] = [];
    if (view.title !== null) {
      body.push(
        para([run(truncate(view.title, b.title), { weight: 'Bolder', color: TONE_COLOR[view.tone] })]),
      );
    }
    body.push(para([run(truncate(view.text, b.summary * 2))]));
    if (view.fields.length > 0) {
      const { shown, rest } = takeWithRest(view.fields, b.listItems * 2);
      body.push({
        type: 'FactSet',
        facts: shown.map((f) =>
          fact(
            escapeTeamsMarkdown(truncate(f.label, 100)),
            escapeTeamsMarkdown(truncate(f.value, b.listItemChars * 4)),
          ),
        ),
      });
      if (rest > 0) body.push(para([run(`and ${rest} more`, { isSubtle: true })]));
    }
    return card(body, (view.commands ?? []).map(commandExecute), view.title ?? view.text);
  });
}

function commandExecute(c: CommandButton): AcAction {
  const data: TeamsActionData = { action: c.action, value: encodeCommandValue(c.command) };
  return {
    type: 'Action.Execute',
    title: truncate(c.label, TEAMS_LIMITS.actionTitle),
    verb: commandActionId(c.action),
    data,
  };
}

/**
 * A cost card: the answer, facts, the daily chart as an `Image` loaded from `chartUrl` (a signed URL
 * dbxops serves), top jobs and warehouses, spend per team, freshness, and "Show SQL" as an
 * `Action.ShowCard` that expands in place.
 */
function renderCostCardTeams(view: CostCardView, _nowMs: number): AdaptiveCardJson {
  return fitToLimits((b) => {
    const empty = isEmptyCost(view);
    const sql = para([run(truncate(sqlText(view.sql), b.sql), { fontType: 'Monospace', size: 'Small' })]);
    const body: AcElement[] = [
      para([
        run(`💰 Spend · ${truncate(view.target, 200)} · ${view.periodLabel}`, {
          weight: 'Bolder',
          size: 'Large',
        }),
      ]),
      para([run(truncate(costHeadline(view), b.summary))]),
    ];
    if (!empty) {
      body.push({
        type: 'FactSet',
        facts: costFacts(view).map((f) => fact(f.label, escapeTeamsMarkdown(truncate(f.value, 500)))),
      });
    }
    const image = safeHttpUrl(view.chartUrl);
    if (image !== null && !empty) {
      body.push({ type: 'Image', url: image, altText: chartAltText(view), size: 'Stretch' });
    }
    for (const [title, lines] of costLists(view)) {
      if (lines.length === 0) continue;
      const { shown, rest } = takeWithRest(lines, b.listItems);
      body.push(
        heading(title),
        para([run(shown.map((l) => `• ${truncate(l, b.listItemChars)}`).join('\n'))]),
      );
      if (rest > 0) body.push(para([run(`and ${rest} more`, { isSubtle: true })]));
    }
    if (empty && view.sql.length > 0) body.push(heading('SQL'), sql);
    body.push(para([run(`🕒 ${truncate(view.freshness, 500)}`, { isSubtle: true })]));
    const actions: AcAction[] =
      empty || view.sql.length === 0
        ? []
        : [
            {
              type: 'Action.ShowCard',
              title: 'Show SQL',
              card: { type: 'AdaptiveCard', version: TEAMS_LIMITS.cardVersion, body: [sql] },
            },
          ];
    return card(body, actions, costHeadline(view));
  });
}

/** The team's open incidents. */
function renderHomeTeams(view: HomeView, nowMs: number): AdaptiveCardJson {
  return fitToLimits((b) => {
    const body: AcElement[] = [
      para([run(`Open incidents · ${truncate(view.team, 200)}`, { weight: 'Bolder', size: 'Large' })]),
    ];
    if (view.incidents.length === 0) body.push(para([run('🎉 No open incidents.')]));
    const { shown, rest } = takeWithRest(view.incidents, b.homeIncidents);
    for (const i of shown) {
      const url = safeHttpUrl(i.url);
      body.push({
        type: 'Container',
        separator: true,
        ...(url === null ? {} : { selectAction: { type: 'Action.OpenUrl', title: 'Open', url } }),
        items: [
          para([
            run(`${SEVERITY_STYLE[i.severity].emoji} ${i.severity} `, { weight: 'Bolder' }),
            run(truncate(i.title, 200)),
          ]),
          para([
            run(
              `${STATE_LABEL[i.state]} · ${slaCountdown(i.slaDeadlineMs, nowMs).text} · ${i.assignee === null ? 'unassigned' : truncate(i.assignee, 100)} · ${i.incidentId}`,
              { isSubtle: true },
            ),
          ]),
        ],
      });
    }
    if (rest > 0) body.push(para([run(`and ${rest} more`, { isSubtle: true })]));
    return card(body, [], `${view.incidents.length} open incidents for ${view.team}`);
  });
}

/** Any card view as an Adaptive Card. */
export function renderCardTeams(
  view: CardView,
  nowMs: number,
  options: TeamsRenderOptions = {},
): AdaptiveCardJson {
  switch (view.kind) {
    case 'incident':
      return renderIncidentCardTeams(view, nowMs, options);
    case 'answer':
      return renderAnswerCardTeams(view, nowMs);
    case 'plan':
      return renderPlanCardTeams(view, nowMs, options);
    case 'message':
      return renderMessageCardTeams(view, nowMs);
    case 'home':
      return renderHomeTeams(view, nowMs);
    case 'cost':
      return renderCostCardTeams(view, nowMs);
    case 'digest':
      return renderDigestCardTeams(view);
  }
}
