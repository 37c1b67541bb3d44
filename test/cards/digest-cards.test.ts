import { describe, expect, it } from 'vitest';
import { type DigestCardView, digestCardViewSchema } from '../../src/cards/card-views.js';
import { renderCardHtml } from '../../src/cards/html-cards.js';
import { renderCardSlack } from '../../src/cards/slack-cards.js';
import { SLACK_LIMITS } from '../../src/cards/slack-limits.js';
import { validateSlackMessage } from '../../src/cards/slack-validate.js';
import { renderCardTeams } from '../../src/cards/teams-cards.js';
import { TEAMS_LIMITS } from '../../src/cards/teams-limits.js';
import { renderDigestCardText } from '../../src/cards/text-digest-card.js';
import { cardProblems } from './support/adaptive-card.js';
import { HOSTILE, NOW } from './support/views.js';

function digest(overrides: Partial<DigestCardView> = {}): DigestCardView {
  return digestCardViewSchema.parse({
    kind: 'digest',
    title: 'Daily digest · acme-prod · 2026-11-21',
    subtitle: 'How the platform did (UTC)',
    sections: [
      {
        title: 'Incidents on 2026-11-21',
        lines: [
          { text: '2 incidents (1 P1, 1 P2)', command: '/dbx incidents' },
          { text: 'P1 finance_orders_daily failed', url: 'https://dbxops.example/#incident/inc_1' },
        ],
      },
      {
        title: 'SLAs on 2026-11-21',
        missing: 'system.lakeflow.job_run_timeline could not be read (unavailable)',
      },
      {
        title: 'Spend on 2026-11-21',
        lines: [{ text: 'finance: $117.57 vs $102.34' }],
        chart: {
          title: 'per team',
          unit: 'usd',
          bars: [
            { label: 'finance', value: 117.57, baseline: 102.34 },
            { label: 'untagged', value: 0, baseline: null },
          ],
        },
        sql: 'SELECT 1',
      },
    ],
    ...overrides,
  });
}

/** A digest as large as a bad day gets: hundreds of incidents with hostile titles in every section. */
function hugeHostileDigest(): DigestCardView {
  const hostile = Object.values(HOSTILE).join(' ');
  // Built without the schema: a renderer must not trust that every view was parsed.
  return {
    ...digest(),
    title: `${hostile} ${'x'.repeat(5_000)}`,
    late: hostile,
    sections: Array.from({ length: 12 }, (_, s) => ({
      title: `${hostile} ${s}`,
      missing: null,
      lines: Array.from({ length: 200 }, (_, i) => ({
        text: `${hostile} ${i} ${'y'.repeat(500)}`,
        url: i % 2 === 0 ? 'javascript:alert(1)' : 'https://dbxops.example/#incident/inc_x',
        command: `/dbx status ${hostile}`,
      })),
      chart: {
        title: hostile,
        unit: 'usd' as const,
        bars: Array.from({ length: 300 }, (_, i) => ({ label: `${hostile}${i}`, value: i, baseline: i / 2 })),
        url: 'javascript:alert(1)',
      },
      sql: hostile.repeat(100),
    })),
  };
}

describe('the digest card', () => {
  it('says a missing section is missing, and why, on every surface', () => {
    const view = digest();
    const why = 'system.lakeflow.job_run_timeline could not be read (unavailable)';
    expect(JSON.stringify(renderCardSlack(view, NOW))).toContain(`Missing: ${why}`);
    expect(JSON.stringify(renderCardTeams(view, NOW))).toContain(`Missing: ${why}`);
    expect(renderCardHtml(view, NOW)).toContain(`Missing: ${why}`);
    expect(renderDigestCardText(view)).toContain(`Missing: ${why}`);
  });

  it('links a figure to its incident and names the command with its detail', () => {
    const slack = JSON.stringify(renderCardSlack(digest(), NOW));
    expect(slack).toContain('<https://dbxops.example/#incident/inc_1|P1 finance_orders_daily failed>');
    expect(slack).toContain('`/dbx incidents`');
    const teams = JSON.stringify(renderCardTeams(digest(), NOW));
    expect(teams).toContain('"url":"https://dbxops.example/#incident/inc_1"');
    const html = renderCardHtml(digest(), NOW);
    expect(html).toContain('<a href="https://dbxops.example/#incident/inc_1"');
    expect(html).toContain('<code class="dbx-command">/dbx incidents</code>');
  });

  it('folds the SQL behind a section under Show SQL in the console', () => {
    expect(renderCardHtml(digest(), NOW)).toContain(
      '<details class="dbx-sql"><summary>Show SQL</summary><pre>SELECT 1</pre>',
    );
  });

  it('shows the spend chart as the PNG dbxops serves in Teams and the console, and not as Slack blocks', () => {
    const url = 'https://dbxops.example/charts/cost.png?c=abc&s=def';
    const view = digest();
    const withUrl = {
      ...view,
      sections: view.sections.map((s) => (s.chart === null ? s : { ...s, chart: { ...s.chart, url } })),
    };
    const card = renderCardTeams(withUrl, NOW);
    expect(cardProblems(card)).toEqual([]);
    const teams = JSON.stringify(card);
    expect(teams).toContain(`"type":"Image","url":"${url}"`);
    expect(teams).toContain('finance $117.57 (avg $102.34)');
    // The console loads it from its own origin: its Content-Security-Policy allows images from 'self'.
    expect(renderCardHtml(withUrl, NOW)).toContain('<img src="/charts/cost.png?c=abc&amp;s=def"');
    // Slack gets the PNG uploaded with the message (the sender), so the blocks hold no bars.
    expect(JSON.stringify(renderCardSlack(withUrl, NOW))).not.toContain('█');
  });

  it('falls back to text bars where no image can be shown: no chart URL, and the terminal', () => {
    expect(renderCardHtml(digest(), NOW)).toContain('class="dbx-bar" style="width:100%"');
    const bars = 'finance          ████████████████████ $117.57 (avg $102.34)';
    expect(JSON.stringify(renderCardTeams(digest(), NOW))).toContain(bars);
    expect(renderDigestCardText(digest())).toContain(bars);
  });

  it('marks a post sent late at the top', () => {
    const late = digest({ late: 'Sent late: due 2026-11-21 07:00 UTC, sent 2026-11-21 09:30 UTC' });
    expect(renderCardSlack(late, NOW).text).toMatch(/^Late: /);
    expect(renderDigestCardText(late).split('\n')[2]).toBe(
      'Sent late: due 2026-11-21 07:00 UTC, sent 2026-11-21 09:30 UTC',
    );
  });

  it('fits Slack limits, pings nobody and shows no script, however large and hostile the digest', () => {
    const message = renderCardSlack(hugeHostileDigest(), NOW);
    expect(validateSlackMessage(message)).toEqual([]);
    expect(message.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocksPerMessage);
    expect(JSON.stringify(message)).not.toMatch(/<!channel>|<!here>|<@U00FAKEUSER1>|<javascript:/);
  });

  it('fits the Teams payload ceiling as a card the Adaptive Cards parser accepts', () => {
    const card = renderCardTeams(hugeHostileDigest(), NOW);
    expect(Buffer.byteLength(JSON.stringify(card))).toBeLessThanOrEqual(TEAMS_LIMITS.payloadBytes);
    expect(cardProblems(card)).toEqual([]);
    expect(JSON.stringify(card)).not.toContain('"url":"javascript:');
  });

  it('escapes hostile text in the console and never links a javascript: URL', () => {
    const html = renderCardHtml(hugeHostileDigest(), NOW);
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('href="javascript:');
  });

  it('refuses a view whose link is not http(s)', () => {
    const parsed = digestCardViewSchema.safeParse({
      kind: 'digest',
      title: 't',
      sections: [{ title: 's', lines: [{ text: 'x', url: 'javascript:alert(1)' }] }],
    });
    expect(parsed.success).toBe(false);
  });
});
