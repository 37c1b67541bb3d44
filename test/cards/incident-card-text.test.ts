import { describe, expect, it } from 'vitest';
import { renderIncidentCardHtml } from '../../src/cards/html-cards.js';
import { renderIncidentCardSlack } from '../../src/cards/slack-cards.js';
import { renderIncidentCardTeams } from '../../src/cards/teams-cards.js';
import type { IncidentCardView } from '../../src/cards/card-views.js';
import { incidentView, NOW } from './support/views.js';

const MIN = 60_000;

/** The incident as each surface shows it, as text to search: Slack blocks, Teams body and actions, HTML. */
function surfaces(view: IncidentCardView): Array<[string, string]> {
  return [
    ['Slack', JSON.stringify(renderIncidentCardSlack(view, NOW).blocks)],
    ['Teams', JSON.stringify(renderIncidentCardTeams(view, NOW))],
    ['console', renderIncidentCardHtml(view, NOW)],
  ];
}

const count = (text: string, part: string) => text.split(part).length - 1;

const evidence = (overrides: Partial<IncidentCardView['rootCause']['evidence']>) => ({
  errorExcerpt: null,
  failingJob: null,
  failingTask: null,
  failingObject: null,
  runUrl: null,
  facts: [],
  links: [],
  ...overrides,
});

describe('incident cards an on-call engineer can act on', () => {
  it('calls a table that broke a table, not a job', () => {
    const view = incidentView({
      rootCause: {
        summary: 'Three empty loads',
        evidence: evidence({ failingObject: { type: 'table', name: 'main.content.catalog' } }),
      },
    });
    for (const [surface, text] of surfaces(view)) {
      expect(text, surface).toMatch(/Failing: table (\*|<b>)?main\.content\.catalog/);
      expect(text, surface).not.toMatch(/job (\*|<b>)?main\.content\.catalog/);
    }
  });

  it('says when the problem started, in UTC and how long ago', () => {
    const view = incidentView({ startedAtMs: NOW - 125 * MIN });
    for (const [surface, text] of surfaces(view))
      expect(text, surface).toContain('01:55 UTC (2 h 5 min ago)');
  });

  it('says the suggested action in words, not the classifier’s code', () => {
    const view = incidentView({
      classification: {
        category: 'resource',
        transient: false,
        action: 'RETRY_WITH_NEW_PARAMS',
        fixHint: null,
      },
    });
    for (const [surface, text] of surfaces(view)) {
      expect(text, surface).toContain('suggested: retry with new settings');
      expect(text, surface).not.toContain('RETRY_WITH_NEW_PARAMS');
    }
  });

  it('names the team when no person owns the incident', () => {
    const view = incidentView({ owner: null, team: 'billing' });
    for (const [surface, text] of surfaces(view)) {
      expect(text, surface).toContain('team billing');
      expect(text, surface).not.toContain('(billing)');
    }
    const both = incidentView({ owner: 'mei@example.com', team: 'analytics' });
    for (const [surface, text] of surfaces(both))
      expect(text, surface).toContain('mei@example.com · team analytics');
  });

  it('shows what the detectors measured, with its numbers, once', () => {
    const fact = 'Running for 20 s on warehouse adhoc, read 2.8 TiB';
    const view = incidentView({
      rootCause: { summary: 'A cross join left running', evidence: evidence({ facts: [fact, fact] }) },
    });
    for (const [surface, text] of surfaces(view)) expect(count(text, fact), surface).toBe(1);
  });

  it('does not repeat the title as the root cause, nor the error as its summary', () => {
    const title = 'tracking_dlt is running 2.0× longer than usual';
    const repeatsTitle = incidentView({
      title,
      rootCause: { summary: title, evidence: evidence({ facts: ['Running 84 min, usual 41 min'] }) },
    });
    expect(count(JSON.stringify(renderIncidentCardSlack(repeatsTitle, NOW).blocks), title)).toBe(1);
    expect(count(renderIncidentCardHtml(repeatsTitle, NOW), title)).toBe(1);

    const error = 'java.lang.OutOfMemoryError: Java heap space';
    const repeatsError = incidentView({
      rootCause: { summary: error, evidence: evidence({ errorExcerpt: `${error}\n  at Foo.bar` }) },
    });
    for (const [surface, text] of surfaces(repeatsError)) expect(count(text, error), surface).toBe(1);
  });

  it('leaves out an empty root cause section rather than showing a bare heading', () => {
    const title = 'Warehouse bi is queueing 14 queries';
    const view = incidentView({ title, rootCause: { summary: title, evidence: evidence({}) } });
    for (const [surface, text] of surfaces(view)) expect(text, surface).not.toContain('Root cause');
  });

  it('links the objects behind the incident in the workspace', () => {
    const view = incidentView({
      rootCause: {
        summary: 'A cross join left running',
        evidence: evidence({
          failingObject: { type: 'query', name: '01ef8a7c' },
          links: [
            { label: 'Warehouse', url: 'https://adb-1.azuredatabricks.net/sql/warehouses/w1?o=1' },
            { label: 'Query', url: 'https://adb-1.azuredatabricks.net/sql/history?o=1&queryId=01ef8a7c' },
          ],
        }),
      },
    });
    for (const [surface, text] of surfaces(view)) {
      expect(text, surface).toContain('https://adb-1.azuredatabricks.net/sql/warehouses/w1?o=1');
      expect(text, surface).toMatch(/queryId=01ef8a7c/);
    }
  });
});
