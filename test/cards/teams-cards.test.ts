import { describe, expect, it } from 'vitest';
import { decodeButtonValue } from '../../src/cards/button-value.js';
import {
  type AcAction,
  type AdaptiveCardJson,
  renderCardTeams,
  renderIncidentCardTeams,
  renderPlanCardTeams,
} from '../../src/cards/teams-cards.js';
import { TEAMS_LIMITS } from '../../src/cards/teams-limits.js';
import { cardProblems, droppedProperties } from './support/adaptive-card.js';
import { cardVariations, DRAFTED, HOSTILE, incidentView, NOW, planView } from './support/views.js';

const titles = (actions: readonly AcAction[] | undefined) => (actions ?? []).map((a) => a.title);
const allText = (card: AdaptiveCardJson) => JSON.stringify(card);

describe('Teams Adaptive Cards', () => {
  it.each(cardVariations())(
    'renders %s as a 1.5 card the adaptivecards parser accepts within the size budget',
    (_, view) => {
      const card = renderCardTeams(view, NOW);
      expect(cardProblems(card)).toEqual([]);
      expect(droppedProperties(card)).toEqual([]);
      expect(card.version).toBe('1.5');
      expect(Buffer.byteLength(JSON.stringify(card))).toBeLessThanOrEqual(TEAMS_LIMITS.payloadBytes);
      expect(card.actions?.length ?? 0).toBeLessThanOrEqual(TEAMS_LIMITS.actionsPerSet);
    },
  );

  it('says a classification the rules could not make is the language model’s opinion', () => {
    expect(
      allText(
        renderIncidentCardTeams(
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
        ),
      ),
    ).toContain('the language model’s opinion');
    expect(allText(renderIncidentCardTeams(incidentView(), NOW))).not.toContain('language model');
  });

  it('says a classification the learned layer made is a guess learned from similar errors', () => {
    const text = allText(
      renderIncidentCardTeams(
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
      ),
    );
    expect(text).toContain('Classification — a guess learned from similar errors');
    expect(allText(renderIncidentCardTeams(incidentView(), NOW))).not.toContain('learned from');
  });

  it('puts Acknowledge, Assign to me, Snooze and Resolve on an open incident as Action.Execute with a decodable value', () => {
    const card = renderIncidentCardTeams(incidentView(), NOW);
    const execs = (card.actions ?? []).filter((a) => a.type === 'Action.Execute');
    expect(titles(execs)).toEqual(['Acknowledge', 'Assign to me', 'Snooze 1 h', 'Resolve']);
    const ack = execs[0]!;
    expect(ack.verb).toBe('dbx:ack');
    const data = ack.data as { action: string; value: string };
    expect(data.action).toBe('ack');
    expect(decodeButtonValue(data.value)).toEqual({
      ok: true,
      value: { kind: 'incident', action: 'ack', incidentId: 'inc-42', version: 3 },
    });
  });

  it("shows the model's explanation as verbatim text runs, marked as its draft", () => {
    expect(allText(renderIncidentCardTeams(incidentView(), NOW))).not.toContain('In plain words');
    const card = renderIncidentCardTeams(incidentView({ explanation: DRAFTED }), NOW);
    expect(allText(card)).toContain('"type":"TextRun","text":"The orders load ran out of driver memory');
    expect(allText(card)).toContain('Draft by gpt-4o-mini, from the evidence above — check before acting');
    const hostile = renderIncidentCardTeams(
      incidentView({ explanation: { text: HOSTILE.markdownLink, model: '<at>everyone</at>' } }),
      NOW,
    );
    expect(cardProblems(hostile)).toEqual([]);
    // Text runs show markdown and <at> tags literally: no link, no mention entity.
    expect(allText(hostile)).not.toContain('"entities"');
    expect(allText(hostile)).toContain('Draft by <at>everyone</at>');
  });

  it('says a maximum-age SLA by its age in the SLA fact', () => {
    const view = incidentView({ slaDeadlineMs: NOW - 40 * 60_000, slaMaxAgeMinutes: 120 });
    expect(JSON.stringify(renderIncidentCardTeams(view, NOW))).toContain(
      'SLA: must be at most 2 h old; 2 h 40 min old now',
    );
  });

  it('shows who acknowledged and drops the Acknowledge button once acknowledged', () => {
    const card = renderIncidentCardTeams(incidentView({ state: 'acknowledged', acknowledgedBy: 'bob' }), NOW);
    expect(titles(card.actions)).not.toContain('Acknowledge');
    expect(allText(card)).toContain('"title":"Acknowledged by","value":"bob"');
  });

  it('offers only Reopen on a resolved incident, and no remediation buttons', () => {
    const card = renderIncidentCardTeams(incidentView({ state: 'resolved' }), NOW);
    const execs = (card.actions ?? []).filter((a) => a.type === 'Action.Execute');
    expect(titles(execs)).toEqual(['Reopen']);
    expect(allText(card)).not.toContain('dbx:remediate');
  });

  it('carries a refresh action so each viewer sees the current version', () => {
    const card = renderIncidentCardTeams(incidentView(), NOW);
    expect(card.refresh?.action.verb).toBe('dbx:refresh');
    expect(card.refresh?.userIds).toBeUndefined();
    const value = (card.refresh!.action.data as { value: string }).value;
    expect(decodeButtonValue(value)).toMatchObject({ ok: true, value: { action: 'refresh', version: 3 } });
  });

  it('caps refresh userIds at the 60 Teams accepts', () => {
    const ids = Array.from({ length: 100 }, (_, i) => `29:user-${i}`);
    const card = renderIncidentCardTeams(incidentView(), NOW, { refreshUserIds: ids });
    expect(card.refresh?.userIds).toHaveLength(60);
  });

  it('shows the first ten of 500 tables and says how many more', () => {
    const tables = Array.from({ length: 500 }, (_, i) => `main.t${i}`);
    const card = renderIncidentCardTeams(
      incidentView({ blastRadius: { downstreamJobs: [], tables, dashboards: [], teams: [], total: 500 } }),
      NOW,
    );
    const text = allText(card);
    expect(text).toContain('main.t9');
    expect(text).not.toContain('main.t10,');
    expect(text).toContain('and 490 more');
    expect(text).toContain('Blast radius · 500 affected');
  });

  it('cuts a 100 KB error excerpt with an ellipsis', () => {
    const card = renderIncidentCardTeams(
      incidentView({
        rootCause: {
          summary: 's',
          evidence: { errorExcerpt: HOSTILE.huge, failingJob: null, failingTask: null, runUrl: null },
        },
      }),
      NOW,
    );
    expect(allText(card)).toMatch(/x…/);
    expect(allText(card).length).toBeLessThan(TEAMS_LIMITS.payloadBytes);
  });

  it('keeps untrusted text out of markdown: prose goes into TextRuns, facts are escaped', () => {
    const card = renderIncidentCardTeams(
      incidentView({ title: HOSTILE.markdownLink, assignee: '*boss* [x](y)' }),
      NOW,
    );
    const text = allText(card);
    expect(text).toContain('{"type":"TextRun","text":"[click](javascript:alert(1)) **x** # heading"');
    expect(text).toContain('"value":"\\\\*boss\\\\* \\\\[x\\\\](y)"');
  });

  it('offers Run (destructive when high-risk) and Cancel on a plan, and no button once it was cancelled', () => {
    const high = renderPlanCardTeams(planView({ risk: 'high' }), NOW);
    expect(high.actions?.map((a) => [a.title, a.style ?? 'default'])).toEqual([
      ['Run', 'destructive'],
      ['Cancel', 'default'],
    ]);
    expect(high.actions?.map((a) => a.type)).toEqual(['Action.Execute', 'Action.Execute']);
    expect(renderPlanCardTeams(planView({ status: 'cancelled' }), NOW).actions).toBeUndefined();
  });

  it('never links a javascript: URL, even when a view skipped validation', () => {
    const view = { ...incidentView(), detailsUrl: 'javascript:alert(1)' };
    expect(allText(renderIncidentCardTeams(view, NOW))).not.toContain('javascript:alert(1)');
  });
});
