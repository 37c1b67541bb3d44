import { describe, expect, it } from 'vitest';
import { decodeButtonValue } from '../../src/cards/button-value.js';
import { renderCardHtml, renderIncidentCardHtml, renderPlanCardHtml } from '../../src/cards/html-cards.js';
import { escapeHtml } from '../../src/cards/html-escape.js';
import {
  cardVariations,
  DRAFTED,
  HOSTILE,
  hostileIncident,
  incidentView,
  NOW,
  planView,
} from './support/views.js';

/** Every tag name in the fragment: only markup written by the renderer may appear. */
const ALLOWED_TAGS = new Set([
  'article',
  'header',
  'footer',
  'section',
  'h2',
  'h3',
  'h4',
  'p',
  'span',
  'b',
  'dl',
  'dt',
  'dd',
  'ul',
  'ol',
  'li',
  'pre',
  'code',
  'time',
  'a',
  'button',
  'div',
  'table',
  'thead',
  'tbody',
  'tr',
  'th',
  'td',
  'details',
  'summary',
]);
const ALLOWED_ATTRS = /^(class|style|href|target|rel|type|data-[a-z-]+)$/;
const TAG = /^<(\/?)([a-z0-9]+)((?:\s+[a-z-]+="[^"<>]*")*)>/;

/**
 * Walks every `<` in the fragment. Since all untrusted text is escaped, each must open a well-formed
 * tag the renderer wrote, with only our attributes and http(s) links.
 */
function markupProblems(html: string): string[] {
  const problems: string[] = [];
  for (let i = html.indexOf('<'); i !== -1; i = html.indexOf('<', i + 1)) {
    const m = TAG.exec(html.slice(i));
    if (m === null) {
      problems.push(`stray < at ${i}: ${html.slice(i, i + 40)}`);
      continue;
    }
    if (!ALLOWED_TAGS.has(m[2]!)) problems.push(`tag ${m[2]}`);
    for (const [, name, value] of (m[3] ?? '').matchAll(/\s+([a-z-]+)="([^"]*)"/g)) {
      if (!ALLOWED_ATTRS.test(name!)) problems.push(`attribute ${name}`);
      if (name === 'href' && !/^https?:\/\//.test(value!)) problems.push(`href ${value}`);
    }
  }
  return problems;
}

describe('console HTML cards', () => {
  it.each(cardVariations())(
    'renders %s with only the renderer’s own tags, attributes and http(s) links',
    (_, view) => {
      expect(markupProblems(renderCardHtml(view, NOW))).toEqual([]);
    },
  );

  it('has a markup check that would catch an unescaped payload', () => {
    expect(markupProblems('<p><img src=x onerror=alert(1)></p>')).not.toEqual([]);
    expect(markupProblems('<a href="javascript:alert(1)">x</a>')).toEqual(['href javascript:alert(1)']);
    expect(markupProblems('<p onclick="x">y</p>')).toEqual(['attribute onclick']);
  });

  it('escapes an <img onerror> payload in every field', () => {
    const html = renderIncidentCardHtml(hostileIncident(HOSTILE.img), NOW);
    expect(html).not.toContain('<img');
    expect(html).toContain('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;');
  });

  it("shows the model's explanation marked as its draft", () => {
    expect(renderIncidentCardHtml(incidentView(), NOW)).not.toContain('In plain words');
    const html = renderIncidentCardHtml(incidentView({ explanation: DRAFTED }), NOW);
    expect(html).toContain('<h4>In plain words</h4><p>The orders load ran out of driver memory');
    expect(html).toContain('Draft by gpt-4o-mini, from the evidence above — check before acting');
  });

  it('says a classification the rules could not make is the language model’s opinion', () => {
    const byModel = renderIncidentCardHtml(
      incidentView({
        classification: {
          category: 'config',
          transient: false,
          action: 'NOTIFY_OWNER',
          fixHint: 'Set the missing bundle variable.',
          by: 'model',
        },
      }),
      NOW,
    );
    expect(byModel).toContain('the language model’s opinion');
    expect(renderIncidentCardHtml(incidentView(), NOW)).not.toContain('language model');
  });

  it('says a classification the learned layer made is a guess learned from similar errors', () => {
    const html = renderIncidentCardHtml(
      incidentView({
        classification: {
          category: 'config',
          transient: false,
          action: 'NOTIFY_OWNER',
          fixHint: 'Check the setting the message names.',
          by: 'learned',
        },
      }),
      NOW,
    );
    expect(html).toContain('Classification — a guess learned from similar errors');
    expect(renderIncidentCardHtml(incidentView(), NOW)).not.toContain('learned from');
  });

  it('escapes a <script> payload', () => {
    const html = renderIncidentCardHtml(hostileIncident(HOSTILE.script), NOW);
    expect(html).not.toContain('<script');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('renders buttons with data-action-id and a decodable data-value', () => {
    const html = renderIncidentCardHtml(incidentView(), NOW);
    const buttons = [...html.matchAll(/<button [^>]*data-action-id="([^"]+)" data-value="([^"]+)"/g)];
    expect(buttons.map((m) => m[1])).toEqual([
      'dbx:remediate:rem-1',
      'dbx:remediate:rem-2',
      'dbx:ack',
      'dbx:assign_me',
      'dbx:snooze',
      'dbx:resolve',
    ]);
    const value = buttons[2]![2]!
      .replace(/&#39;/g, "'")
      .replace(/&quot;/g, '"')
      .replace(/&amp;/g, '&');
    expect(decodeButtonValue(value)).toMatchObject({
      ok: true,
      value: { action: 'ack', incidentId: 'inc-42' },
    });
  });

  it('shows only Reopen on a resolved incident', () => {
    const html = renderIncidentCardHtml(incidentView({ state: 'resolved' }), NOW);
    expect([...html.matchAll(/data-action-id="([^"]+)"/g)].map((m) => m[1])).toEqual(['dbx:reopen']);
  });

  it('links the run page with rel=noopener and never a javascript: URL that skipped validation', () => {
    const html = renderIncidentCardHtml(incidentView(), NOW);
    expect(html).toContain(
      'href="https://adb-123.4.azuredatabricks.net/#job/1/run/2" target="_blank" rel="noopener noreferrer"',
    );
    const hostile = { ...incidentView(), detailsUrl: 'javascript:alert(1)' };
    expect(renderIncidentCardHtml(hostile, NOW)).not.toContain('javascript:');
  });

  it('shows the SLA countdown with its status as a class', () => {
    const html = renderIncidentCardHtml(incidentView({ slaDeadlineMs: NOW - 12 * 60_000 }), NOW);
    expect(html).toContain('<span class="dbx-sla dbx-sla-missed">SLA missed 12 min ago</span>');
  });

  it('shows a maximum-age SLA by the age allowed and the age now', () => {
    const view = incidentView({ slaDeadlineMs: NOW - 40 * 60_000, slaMaxAgeMinutes: 120 });
    expect(renderIncidentCardHtml(view, NOW)).toContain(
      '<span class="dbx-sla dbx-sla-missed">SLA: must be at most 2 h old; 2 h 40 min old now</span>',
    );
  });

  it('shows Run and Cancel on a proposed plan, and the API body as escaped JSON', () => {
    const html = renderPlanCardHtml(
      planView({ calls: [{ method: 'POST', path: '/x', body: { s: '</code><b>' } }] }),
      NOW,
    );
    expect(html).toContain('data-action-id="dbx:run_plan"');
    expect(html).toContain('data-action-id="dbx:cancel_plan"');
    expect(html).toContain('&quot;s&quot;: &quot;&lt;/code&gt;&lt;b&gt;&quot;');
  });

  it('escapes all five HTML-significant characters and backticks', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&\`</a>`)).toBe(
      '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&#96;&lt;/a&gt;',
    );
  });
});
