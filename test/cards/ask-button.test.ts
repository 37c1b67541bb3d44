import { describe, expect, it } from 'vitest';
import { askButtons, decodeAskValue } from '../../src/cards/ask-button.js';
import { answerCardViewSchema } from '../../src/cards/card-views.js';
import { renderCardHtml } from '../../src/cards/html-cards.js';
import { renderCardSlack } from '../../src/cards/slack-cards.js';
import { renderCardTeams } from '../../src/cards/teams-cards.js';

const view = answerCardViewSchema.parse({
  kind: 'answer',
  question: 'status of mkt',
  answer: '"mkt" fits 2 jobs: mkt_sessionize, mkt_audiences. Which one?',
  sql: 'SELECT 1 AS x FROM system.lakeflow.jobs LIMIT 1000',
  buttons: [
    { label: 'mkt_sessionize', question: 'status of mkt_sessionize' },
    { label: 'mkt_audiences', question: 'status of mkt_audiences' },
  ],
});

describe('answer card buttons', () => {
  it('carry their question, with an action id unique in the message', () => {
    const buttons = askButtons(view);
    expect(buttons.map((b) => b.actionId)).toEqual(['dbx:ask:0', 'dbx:ask:1']);
    expect(buttons.map((b) => decodeAskValue(b.value))).toEqual([
      { ok: true, value: 'status of mkt_sessionize' },
      { ok: true, value: 'status of mkt_audiences' },
    ]);
  });

  it('refuse values they did not write: other formats, empty, oversized, not a string', () => {
    for (const raw of ['d1|i|ack|inc-1|3', 'q1|', `q1|${'x'.repeat(501)}`, 42, null, undefined]) {
      expect(decodeAskValue(raw)).toMatchObject({ ok: false, reason: 'malformed' });
    }
  });

  it('render on Slack as an actions block after the SQL', () => {
    const message = renderCardSlack(view, 0);
    const json = JSON.stringify(message.blocks);
    expect(json).toContain('*Show SQL*');
    expect(json).toContain('"action_id":"dbx:ask:1"');
    expect(json).toContain('"value":"q1|status of mkt_audiences"');
  });

  it('render on Teams as Action.Execute, with the SQL behind a Show SQL card', () => {
    const card = JSON.stringify(renderCardTeams(view, 0));
    expect(card).toContain('"type":"Action.ShowCard","title":"Show SQL"');
    expect(card).toContain('"verb":"dbx:ask:0"');
  });

  it('render in the console as buttons, with the SQL in a collapsed section', () => {
    const html = renderCardHtml(view, 0);
    expect(html).toContain('<summary>Show SQL</summary>');
    expect(html).toContain('data-action-id="dbx:ask:1"');
  });
});
