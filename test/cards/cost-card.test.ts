import { describe, expect, it } from 'vitest';
import { type CostCardView, costCardViewSchema } from '../../src/cards/card-views.js';
import { renderCardHtml } from '../../src/cards/html-cards.js';
import { renderCardSlack } from '../../src/cards/slack-cards.js';
import { SLACK_LIMITS } from '../../src/cards/slack-limits.js';
import { validateSlackMessage } from '../../src/cards/slack-validate.js';
import { renderCardTeams } from '../../src/cards/teams-cards.js';
import { TEAMS_LIMITS } from '../../src/cards/teams-limits.js';

const NOW = Date.parse('2026-11-22T00:00:00Z');

function view(overrides: Partial<CostCardView> = {}): CostCardView {
  return costCardViewSchema.parse({
    kind: 'cost',
    target: 'team finance',
    periodLabel: 'the past 7 days',
    fromMs: NOW - 7 * 86_400_000,
    toMs: NOW,
    timeZone: 'UTC',
    usd: 219.91,
    dbus: 439.66,
    previousUsd: 180,
    daily: [
      { day: '2026-11-20', usd: 100.17 },
      { day: '2026-11-21', usd: 119.74 },
    ],
    topJobs: [{ name: 'finance_fx_rates', usd: 4.98, dbus: 14.2 }],
    topWarehouses: [{ name: 'finance_wh', usd: 200, dbus: 400 }],
    budget: { key: 'finance', monthlyUsd: 200, monthToDateUsd: 219.91, month: '2026-11', projectedUsd: 300 },
    freshness: 'Billing data up to 2026-11-22 00:00 UTC, 0 min behind the workspace clock.',
    sql: [
      { label: 'spend per hour', sql: 'SELECT 1 FROM system.billing.usage u', params: { team: 'finance' } },
    ],
    chartUrl: 'https://dbxops.example.com/charts/cost.png?c=abc&s=def',
    command: 'cost team:finance 7d',
    ...overrides,
  });
}

/** A card as hostile and large as a workspace can make one: 100 KB names, SQL and tag values. */
const huge = () =>
  view({
    target: `tag team=<script>${'x'.repeat(100_000)}`,
    topJobs: Array.from({ length: 50 }, (_, i) => ({
      name: `*job* <@U1> ${'j'.repeat(2_000)}${i}`,
      usd: i,
      dbus: i,
    })),
    sql: Array.from({ length: 20 }, () => ({ label: 'q', sql: 'SELECT '.repeat(5_000), params: {} })),
  });

describe('the cost card', () => {
  it('says the spend, the change, the budget and how fresh billing is, on every surface', () => {
    const slack = JSON.stringify(renderCardSlack(view(), NOW));
    const teams = JSON.stringify(renderCardTeams(view(), NOW));
    const html = renderCardHtml(view(), NOW);
    for (const out of [slack, teams, html]) {
      expect(out).toContain('$219.91');
      expect(out).toContain('▲ 22% vs the period before ($180.00)');
      expect(out).toContain('over budget');
      expect(out).toContain('finance_fx_rates');
      expect(out).toContain('Billing data up to 2026-11-22 00:00 UTC');
    }
    expect(slack).toContain('"action_id":"dbx:show_sql"');
    expect(teams).toContain('"type":"Image","url":"https://dbxops.example.com/charts/cost.png?c=abc&s=def"');
    expect(html).toContain('<img src="/charts/cost.png?c=abc&amp;s=def"');
  });

  it('names untagged spend as such', () => {
    const workspace = view({
      target: 'the workspace',
      byTeam: [
        { name: 'finance', usd: 150 },
        { name: null, usd: 69.91 },
      ],
    });
    for (const out of [
      JSON.stringify(renderCardSlack(workspace, NOW)),
      JSON.stringify(renderCardTeams(workspace, NOW)),
      renderCardHtml(workspace, NOW),
    ]) {
      expect(out).toContain('(untagged) — $69.91');
    }
  });

  it('stays within Slack and Teams limits however large and hostile its text', () => {
    const slack = renderCardSlack(huge(), NOW);
    expect(validateSlackMessage(slack)).toEqual([]);
    expect(JSON.stringify(slack.blocks).length).toBeLessThanOrEqual(SLACK_LIMITS.totalBlocksChars);
    const teams = renderCardTeams(huge(), NOW);
    expect(Buffer.byteLength(JSON.stringify(teams))).toBeLessThanOrEqual(TEAMS_LIMITS.payloadBytes);
    const html = renderCardHtml(huge(), NOW);
    expect(html).not.toContain('<script>');
    expect(html.length).toBeLessThan(200_000);
  });

  it('shows an empty period without a chart, its SQL in view', () => {
    const empty = view({
      usd: 0,
      dbus: 0,
      previousUsd: 0,
      daily: [],
      chartUrl: null,
      topJobs: [],
      topWarehouses: [],
    });
    const slack = JSON.stringify(renderCardSlack(empty, NOW));
    expect(slack).toContain('No billing records for team finance in the past 7 days.');
    expect(slack).toContain('SELECT 1 FROM system.billing.usage u');
    const html = renderCardHtml(empty, NOW);
    expect(html).toContain('<details open><summary>Show SQL</summary>');
    expect(html).not.toContain('<img');
    expect(JSON.stringify(renderCardTeams(empty, NOW))).not.toContain('"Image"');
  });
});
