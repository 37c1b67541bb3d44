import { describe, expect, it } from 'vitest';
import { decodeButtonValue } from '../../src/cards/button-value.js';
import {
  renderCardSlack,
  renderIncidentCardSlack,
  renderPlanCardSlack,
} from '../../src/cards/slack-cards.js';
import { validateSlackMessage } from '../../src/cards/slack-validate.js';
import {
  cardVariations,
  DRAFTED,
  HOSTILE,
  hostileIncident,
  incidentView,
  NOW,
  planView,
} from './support/views.js';

type Button = { action_id: string; value: string; text: { text: string }; style?: string };
const buttonsOf = (blocks: unknown[]): Button[] =>
  blocks.flatMap((b) =>
    (b as { type: string }).type === 'actions' ? (b as { elements: Button[] }).elements : [],
  );
const json = (x: unknown) => JSON.stringify(x);

describe('Slack Block Kit cards', () => {
  it.each(cardVariations())('renders %s within every Block Kit limit', (_, view) => {
    const message = renderCardSlack(view, NOW);
    expect(validateSlackMessage(message)).toEqual([]);
  });

  it.each(Object.entries(HOSTILE))('never lets a %s string ping, link or break out of mrkdwn', (_, s) => {
    const message = renderIncidentCardSlack(hostileIncident(s), NOW);
    const text = json(message);
    expect(text).not.toMatch(/<!(channel|here|everyone)/);
    expect(text).not.toContain('<@U00FAKEUSER1>');
    expect(text).not.toContain('<https://evil.example/');
    expect(text).not.toMatch(/<[!@]/);
    expect(text).not.toMatch(/@(here|channel|everyone)\b/);
  });

  it('says a classification the rules could not make is the language model’s opinion', () => {
    const byModel = json(
      renderIncidentCardSlack(
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
    );
    expect(byModel).toContain('the language model’s opinion');
    expect(json(renderIncidentCardSlack(incidentView(), NOW))).not.toContain('language model');
  });

  it('says a classification the learned layer made is a guess learned from similar errors', () => {
    const byLearned = json(
      renderIncidentCardSlack(
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
    expect(byLearned).toContain('_(a guess learned from similar errors)_');
    expect(json(renderIncidentCardSlack(incidentView(), NOW))).not.toContain('learned from');
  });

  it('turns <!channel> in an error message into visible, harmless text', () => {
    const message = renderIncidentCardSlack(hostileIncident(HOSTILE.pings), NOW);
    expect(json(message)).toContain('&lt;!channel&gt;');
  });

  it("shows the model's explanation marked as its draft, and nothing of it before there is one", () => {
    expect(json(renderIncidentCardSlack(incidentView(), NOW))).not.toContain('In plain words');
    const text = json(renderIncidentCardSlack(incidentView({ explanation: DRAFTED }), NOW));
    expect(text).toContain('*In plain words*\\nThe orders load ran out of driver memory');
    expect(text).toContain('Draft by gpt-4o-mini, from the evidence above — check before acting');
  });

  it('shows the severity and title in the header and the SLA countdown in the facts', () => {
    const { blocks, text } = renderIncidentCardSlack(incidentView({ severity: 'P1' }), NOW);
    expect(json(blocks[0])).toContain('🔴 P1 · Nightly orders ETL failing since 02:10');
    expect(json(blocks)).toContain('SLA in 42 min');
    expect(text).toContain('SLA in 42 min');
  });

  it('says a maximum-age SLA by its age, on the card and in its notification text', () => {
    const view = incidentView({ slaDeadlineMs: NOW - 40 * 60_000, slaMaxAgeMinutes: 120 });
    const { blocks, text } = renderIncidentCardSlack(view, NOW);
    expect(json(blocks)).toContain('SLA: must be at most 2 h old; 2 h 40 min old now');
    expect(text).toContain('SLA: must be at most 2 h old; 2 h 40 min old now');
  });

  it('offers Acknowledge, Assign to me, Snooze and Resolve on an open incident, plus one Plan button per remediation', () => {
    const buttons = buttonsOf(renderIncidentCardSlack(incidentView(), NOW).blocks);
    expect(buttons.map((b) => b.action_id)).toEqual([
      'dbx:remediate:rem-1',
      'dbx:remediate:rem-2',
      'dbx:ack',
      'dbx:assign_me',
      'dbx:snooze',
      'dbx:resolve',
    ]);
    for (const b of buttons) expect(decodeButtonValue(b.value).ok).toBe(true);
    expect(decodeButtonValue(buttons[0]!.value)).toMatchObject({
      ok: true,
      value: { remediationId: 'rem-1' },
    });
  });

  it('says who acknowledged and drops Acknowledge once acknowledged', () => {
    const { blocks } = renderIncidentCardSlack(
      incidentView({ state: 'acknowledged', acknowledgedBy: 'bob' }),
      NOW,
    );
    expect(json(blocks)).toContain('Acknowledged by bob');
    expect(buttonsOf(blocks).map((b) => b.action_id)).not.toContain('dbx:ack');
  });

  it('offers only Reopen on a resolved incident', () => {
    const buttons = buttonsOf(renderIncidentCardSlack(incidentView({ state: 'resolved' }), NOW).blocks);
    expect(buttons.map((b) => b.text.text)).toEqual(['Reopen']);
  });

  it('offers no second remediation while one is mitigating', () => {
    const buttons = buttonsOf(renderIncidentCardSlack(incidentView({ state: 'mitigating' }), NOW).blocks);
    expect(buttons.map((b) => b.action_id)).toEqual(['dbx:assign_me', 'dbx:resolve']);
  });

  it('shows the first tables of a 500-table blast radius and says how many more', () => {
    const tables = Array.from({ length: 500 }, (_, i) => `main.t${i}`);
    const { blocks } = renderIncidentCardSlack(
      incidentView({ blastRadius: { downstreamJobs: [], tables, dashboards: [], teams: [], total: 500 } }),
      NOW,
    );
    const text = json(blocks);
    expect(text).toContain('Tables (500): main.t0, main.t1');
    expect(text).toMatch(/and 49\d more/);
    expect(text).not.toContain('main.t499');
  });

  it('cuts a 100 KB error excerpt with an ellipsis inside a closed code block', () => {
    const { blocks } = renderIncidentCardSlack(
      incidentView({
        rootCause: {
          summary: 's',
          evidence: { errorExcerpt: HOSTILE.huge, failingJob: null, failingTask: null, runUrl: null },
        },
      }),
      NOW,
    );
    expect(json(blocks)).toMatch(/x…\\n```/);
  });

  it('keeps a ``` in any text from opening or closing a code block in mrkdwn', () => {
    const { blocks } = renderIncidentCardSlack(hostileIncident('a ```*bold*``` b'), NOW);
    const mrkdwnTexts = json(blocks).match(/"type":"mrkdwn","text":"[^"]*"/g) ?? [];
    expect(mrkdwnTexts.length).toBeGreaterThan(5);
    for (const t of mrkdwnTexts) expect(t).not.toContain('a ```');
  });

  it('gives every block a block_id that changes with the version, so chat.update replaces blocks', () => {
    const v3 = renderIncidentCardSlack(incidentView({ version: 3 }), NOW).blocks;
    const v4 = renderIncidentCardSlack(incidentView({ version: 4 }), NOW).blocks;
    expect(v3[0]?.block_id).toBe('inc-42-v3-header');
    expect(v4[0]?.block_id).toBe('inc-42-v4-header');
  });

  it('offers Run (danger when high-risk) and Cancel on a plan, and shows the exact API call', () => {
    const { blocks } = renderPlanCardSlack(planView({ risk: 'high' }), NOW);
    const buttons = buttonsOf(blocks);
    expect(buttons.map((b) => [b.action_id, b.style])).toEqual([
      ['dbx:run_plan', 'danger'],
      ['dbx:cancel_plan', undefined],
    ]);
    expect(json(blocks)).toContain('POST /api/2.2/jobs/runs/repair');
    expect(json(blocks)).toContain('\\"run_id\\": 2');
  });
});
