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
import { escapeHtml as e, safeHttpUrl, sameOriginPath } from './html-escape.js';
import { commandActionId, type CommandButton, encodeCommandValue } from './command-button.js';
import { chartAltText, costFacts, costHeadline, isEmptyCost, costLists, sqlText } from './cost-card-text.js';
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
import { takeWithRest, truncate } from './truncate.js';
import { renderDigestCardHtml } from './html-digest-card.js';

/**
 * Console HTML fragments. The console has no payload limit, but a 100 KB error excerpt still makes a
 * card unreadable, so the budget is roomier than Slack's, not absent. Every interpolated value goes
 * through `e()`; the only raw HTML is the markup written in this file.
 */
const BUDGET = {
  title: 300,
  summary: 5000,
  errorExcerpt: 10_000,
  listItems: 25,
  listItemChars: 200,
  timelineEntries: 10,
  remediations: 10,
  tableRows: 100,
  tableColumns: 20,
  cellChars: 200,
  sql: 10_000,
  apiBody: 5000,
  homeIncidents: 200,
} as const;

const t = (text: string, max: number) => e(truncate(text, max));

function link(url: string | null, label: string): string {
  const safe = safeHttpUrl(url);
  return safe === null
    ? ''
    : `<a href="${e(safe)}" target="_blank" rel="noopener noreferrer">${e(label)}</a>`;
}

function button(b: CardButton | AskButton): string {
  return `<button type="button" class="dbx-btn dbx-btn-${b.style}" data-action-id="${e(b.actionId)}" data-value="${e(b.value)}">${e(b.label)}</button>`;
}

function buttons(list: readonly (CardButton | AskButton)[], cls = 'dbx-actions'): string {
  return list.length === 0 ? '' : `<div class="${cls}">${list.map(button).join('')}</div>`;
}

function listText(items: readonly string[]): string {
  const { shown, rest } = takeWithRest(items, BUDGET.listItems);
  const text = shown.map((i) => t(i, BUDGET.listItemChars)).join(', ');
  return rest > 0 ? `${text} and ${rest} more` : text;
}

const row = (label: string, valueHtml: string) => `<dt>${e(label)}</dt><dd>${valueHtml}</dd>`;

/** An incident card for the console; `nowMs` drives the SLA countdown. */
export function renderIncidentCardHtml(view: IncidentCardView, nowMs: number): string {
  const style = SEVERITY_STYLE[view.severity];
  const sla = slaCountdown(view.slaDeadlineMs, nowMs, view.slaMaxAgeMinutes);
  const ev = view.rootCause.evidence;
  const parts: string[] = [];
  parts.push(
    `<header class="dbx-card-header"><span class="dbx-sev">${e(style.emoji)} ${e(view.severity)}</span> <h3>${t(view.title, BUDGET.title)}</h3></header>`,
  );
  const owner = ownerText(view);
  const started = startedText(view, nowMs);
  parts.push(
    `<dl class="dbx-facts">${[
      row('Status', e(STATE_LABEL[view.state])),
      row('Severity', e(style.label)),
      started === null ? '' : row('Started', e(started)),
      row('SLA', `<span class="dbx-sla dbx-sla-${sla.status}">${e(sla.text)}</span>`),
      row('Cost so far', e(formatUsd(view.costUsd))),
      row('Workspace', link(view.workspace.url, view.workspace.name) || t(view.workspace.name, 300)),
      row('Owner', owner === null ? 'unknown' : t(owner, 300)),
      row('Assignee', view.assignee === null ? 'nobody yet' : t(view.assignee, 300)),
      view.acknowledgedBy === null ? '' : row('Acknowledged by', t(view.acknowledgedBy, 300)),
      view.state === 'snoozed' && view.snoozedUntilMs !== null
        ? row('Snoozed until', e(formatDateTimeUtc(view.snoozedUntilMs)))
        : '',
      row('Incident', `${e(view.incidentId)} · v${view.version}`),
    ].join('')}</dl>`,
  );
  const where = [
    ...failingParts(view).map(([kind, name]) => `${e(kind)} <b>${t(name, 300)}</b>`),
    link(ev.runUrl, 'open the run'),
    ...workspaceLinks(view).map((l) => link(l.url, l.label)),
  ].filter((x) => x !== '');
  const cause = causeText(view);
  const facts = evidenceFacts(view, BUDGET.listItems);
  if (view.lastFix !== null) {
    parts.push(
      `<p class="dbx-lastfix"><b>${t(lastFixLine(view.lastFix), 400)}</b>${t(view.lastFix.text, BUDGET.summary)}</p>`,
    );
  }
  if (cause.summary !== null || where.length > 0 || facts.length > 0 || cause.excerpt !== null) {
    parts.push(
      `<section class="dbx-cause"><h4>Root cause</h4>${cause.summary === null ? '' : `<p>${t(cause.summary, BUDGET.summary)}</p>`}${
        where.length > 0 ? `<p>Failing: ${where.join(' · ')}</p>` : ''
      }${facts.length > 0 ? `<ul>${facts.map((f) => `<li>${t(f, BUDGET.listItemChars * 2)}</li>`).join('')}</ul>` : ''}${
        cause.excerpt === null
          ? ''
          : `<pre class="dbx-excerpt">${t(cause.excerpt, BUDGET.errorExcerpt)}</pre>`
      }</section>`,
    );
  }
  if (view.classification !== null) {
    const c = view.classification;
    const source = classificationSource(c.by);
    parts.push(
      `<section class="dbx-class"><h4>Classification${source === null ? '' : ` — ${source}`}</h4><p>${t(classificationText(c), 500)}</p>${
        c.fixHint === null ? '' : `<p>💡 ${t(c.fixHint, BUDGET.summary)}</p>`
      }</section>`,
    );
  }
  if (view.explanation !== null) {
    parts.push(
      `<section class="dbx-explain"><h4>In plain words</h4><p>${t(view.explanation.text, BUDGET.summary)}</p><p class="dbx-note">🤖 ${e(draftByline(view.explanation.model))}</p></section>`,
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
    parts.push(
      `<section class="dbx-blast"><h4>Blast radius · ${br.total} affected</h4><ul>${groups
        .map(([label, items]) => `<li><b>${e(label)} (${items.length})</b>: ${listText(items)}</li>`)
        .join('')}</ul></section>`,
    );
  }
  if (view.timeline.length > 0) {
    const recent = view.timeline.slice(-BUDGET.timelineEntries);
    const older = view.timeline.length - recent.length;
    parts.push(
      `<section class="dbx-timeline"><h4>Timeline${older > 0 ? ` (last ${recent.length}, ${older} earlier)` : ''}</h4><ol>${recent
        .map(
          (x) =>
            `<li><time>${e(formatTimeUtc(x.atMs))}</time> <b>${t(x.phase, 60)}</b> ${t(x.text, BUDGET.listItemChars * 2)}</li>`,
        )
        .join('')}</ol></section>`,
    );
  }
  const b = incidentButtons(view);
  if (b.remediations.length > 0) {
    const { shown, rest } = takeWithRest(view.remediations, BUDGET.remediations);
    parts.push(
      `<section class="dbx-fixes"><h4>Suggested remediations</h4><ul>${shown
        .map(
          (r) =>
            `<li class="dbx-risk-${r.risk}"><b>${t(r.label, 200)}</b> (${e(RISK_LABEL[r.risk])}) ${t(r.description, BUDGET.listItemChars * 2)}</li>`,
        )
        .join(
          '',
        )}${rest > 0 ? `<li>and ${rest} more</li>` : ''}</ul>${buttons(b.remediations.slice(0, BUDGET.remediations), 'dbx-actions dbx-fix-actions')}</section>`,
    );
  }
  parts.push(buttons(b.standard));
  const details = link(view.detailsUrl, 'Full incident →');
  if (details !== '') parts.push(`<footer>${details}</footer>`);
  return `<article class="dbx-card dbx-incident dbx-${e(view.severity)} dbx-state-${e(view.state)}" style="border-left-color:${style.hex}" data-incident-id="${e(view.incidentId)}" data-version="${view.version}">${parts.join('')}</article>`;
}

/** An answer card for the console. */
function renderAnswerCardHtml(view: AnswerCardView, _nowMs: number): string {
  const parts = [
    `<p class="dbx-question">❓ ${t(view.question, 1000)}</p>`,
    `<p>${t(view.answer, BUDGET.summary)}</p>`,
  ];
  if (view.table !== null && view.table.columns.length > 0) {
    const cols = view.table.columns.slice(0, BUDGET.tableColumns);
    const rows = view.table.rows.slice(0, BUDGET.tableRows);
    parts.push(
      `<table class="dbx-table"><thead><tr>${cols.map((c) => `<th>${t(c, BUDGET.cellChars)}</th>`).join('')}</tr></thead><tbody>${rows
        .map(
          (r) =>
            `<tr>${cols.map((_, i) => `<td>${t(formatCell(r[i] ?? null), BUDGET.cellChars)}</td>`).join('')}</tr>`,
        )
        .join('')}</tbody></table>`,
    );
    const total = Math.max(view.table.totalRows ?? 0, view.table.rows.length);
    if (total > rows.length) parts.push(`<p class="dbx-note">Showing ${rows.length} of ${total} rows</p>`);
  }
  if (view.sql !== null)
    parts.push(
      `<details><summary>Show SQL</summary><pre><code>${t(view.sql, BUDGET.sql)}</code></pre></details>`,
    );
  if (view.freshness !== null) parts.push(`<p class="dbx-note">🕒 ${t(view.freshness, 1000)}</p>`);
  parts.push(buttons(askButtons(view)));
  const details = link(view.detailsUrl, 'Details');
  if (details !== '') parts.push(`<footer>${details}</footer>`);
  return `<article class="dbx-card dbx-answer">${parts.join('')}</article>`;
}

/** A dry-run plan for the console, with Run / Cancel. */
export function renderPlanCardHtml(view: PlanCardView, _nowMs: number): string {
  const { shown, rest } = takeWithRest(view.calls, 20);
  const calls = shown
    .map((c) => {
      const json = formatJson(c.body);
      return `<li><pre><code>${t(`${c.method} ${c.path}${json === '' ? '' : `\n${json}`}`, BUDGET.apiBody)}</code></pre></li>`;
    })
    .join('');
  return `<article class="dbx-card dbx-plan dbx-risk-${e(view.risk)}" data-incident-id="${e(view.incidentId)}" data-remediation-id="${e(view.remediationId)}"><header><h3>🛠️ Plan: ${t(view.title, BUDGET.title)}</h3></header><dl class="dbx-facts">${[
    row('Risk', e(RISK_LABEL[view.risk])),
    row('Estimated cost', e(formatUsd(view.estimatedCostUsd))),
    row('Incident', e(view.incidentId)),
    row('Status', e(view.status)),
  ].join(
    '',
  )}</dl><h4>API calls</h4><ol>${calls}${rest > 0 ? `<li>and ${rest} more calls</li>` : ''}</ol><h4>Rollback</h4><p>${t(view.rollback, BUDGET.summary)}</p>${buttons(planButtons(view))}</article>`;
}

/** Plain text with optional fields, for the console. */
function renderMessageCardHtml(view: MessageCardView, _nowMs: number): string {
  const title = view.title === null ? '' : `<h3>${t(view.title, BUDGET.title)}</h3>`;
  const fields =
    view.fields.length === 0
      ? ''
      : `<dl class="dbx-facts">${view.fields.map((f) => row(truncate(f.label, 200), t(f.value, BUDGET.summary))).join('')}</dl>`;
  const commands = (view.commands ?? []).map(commandButton).join('');
  return `<article class="dbx-card dbx-message dbx-tone-${e(view.tone)}">${title}<p>${t(view.text, BUDGET.summary * 2)}</p>${fields}${
    commands === '' ? '' : `<div class="dbx-actions">${commands}</div>`
  }</article>`;
}

function commandButton(c: CommandButton): string {
  return `<button type="button" class="dbx-btn dbx-btn-default" data-action-id="${e(commandActionId(c.action))}" data-value="${e(encodeCommandValue(c.command))}">${t(c.label, 200)}</button>`;
}

/** A cost card for the console: the chart inline, the SQL in an expanding section. */
function renderCostCardHtml(view: CostCardView, _nowMs: number): string {
  const empty = isEmptyCost(view);
  const parts = [
    `<header><h3>💰 Spend · ${t(view.target, BUDGET.title)} · ${t(view.periodLabel, 100)}</h3></header>`,
    `<p class="dbx-answer-line">${t(costHeadline(view), BUDGET.summary)}</p>`,
  ];
  if (!empty) {
    parts.push(
      `<dl class="dbx-facts">${costFacts(view)
        .map((f) => row(f.label, t(f.value, 1000)))
        .join('')}</dl>`,
    );
  }
  const chart = sameOriginPath(view.chartUrl);
  if (chart !== null && !empty) {
    parts.push(
      `<figure class="dbx-chart"><img src="${e(chart)}" alt="${t(chartAltText(view), 1000)}" width="800" height="320" loading="lazy"></figure>`,
    );
  }
  for (const [title, lines] of costLists(view)) {
    if (lines.length === 0) continue;
    const { shown, rest } = takeWithRest(lines, BUDGET.listItems);
    parts.push(
      `<h4>${e(title)}</h4><ul>${shown.map((l) => `<li>${t(l, BUDGET.listItemChars)}</li>`).join('')}${rest > 0 ? `<li>and ${rest} more</li>` : ''}</ul>`,
    );
  }
  if (view.sql.length > 0) {
    parts.push(
      `<details${empty ? ' open' : ''}><summary>Show SQL</summary><pre><code>${t(sqlText(view.sql), BUDGET.sql)}</code></pre></details>`,
    );
  }
  parts.push(`<p class="dbx-note">🕒 ${t(view.freshness, 1000)}</p>`);
  return `<article class="dbx-card dbx-cost">${parts.join('')}</article>`;
}

/** The team's open incidents for the console's home page. */
function renderHomeHtml(view: HomeView, nowMs: number): string {
  const { shown, rest } = takeWithRest(view.incidents, BUDGET.homeIncidents);
  const items = shown
    .map((i) => {
      const title = link(i.url, truncate(i.title, 300)) || t(i.title, 300);
      const sla = slaCountdown(i.slaDeadlineMs, nowMs);
      return `<li class="dbx-${e(i.severity)}" data-incident-id="${e(i.incidentId)}">${e(SEVERITY_STYLE[i.severity].emoji)} ${e(i.severity)} ${title} <span class="dbx-note">${e(STATE_LABEL[i.state])} · <span class="dbx-sla dbx-sla-${sla.status}">${e(sla.text)}</span> · ${i.assignee === null ? 'unassigned' : t(i.assignee, 200)}</span></li>`;
    })
    .join('');
  const empty = view.incidents.length === 0 ? '<p>🎉 No open incidents.</p>' : '';
  return `<section class="dbx-home"><h2>Open incidents · ${t(view.team, 300)}</h2>${empty}<ul>${items}${rest > 0 ? `<li>and ${rest} more</li>` : ''}</ul></section>`;
}

/** Any card view as console HTML. */
export function renderCardHtml(view: CardView, nowMs: number): string {
  switch (view.kind) {
    case 'incident':
      return renderIncidentCardHtml(view, nowMs);
    case 'answer':
      return renderAnswerCardHtml(view, nowMs);
    case 'plan':
      return renderPlanCardHtml(view, nowMs);
    case 'message':
      return renderMessageCardHtml(view, nowMs);
    case 'home':
      return renderHomeHtml(view, nowMs);
    case 'cost':
      return renderCostCardHtml(view, nowMs);
    case 'digest':
      return renderDigestCardHtml(view);
  }
}
