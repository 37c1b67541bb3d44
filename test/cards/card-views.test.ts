import { describe, expect, expectTypeOf, it } from 'vitest';
import type { ButtonAction, ButtonPayload } from '../../src/cards/button-value.js';
import {
  type AnswerCardView,
  type CardView,
  type CostCardView,
  type DigestCardView,
  cardViewSchema,
  type HomeView,
  type IncidentCardView,
  type IncidentState,
  incidentCardViewSchema,
  type MessageCardView,
  type PlanCardView,
} from '../../src/cards/card-views.js';
import type { SlackMessage } from '../../src/cards/slack-cards.js';
import type { AdaptiveCardJson } from '../../src/cards/teams-cards.js';
import type { Severity } from '../../src/domain/severity.js';
import { incidentView } from './support/views.js';

describe('card view models', () => {
  it('narrows the CardView union on kind', () => {
    expectTypeOf<Extract<CardView, { kind: 'incident' }>>().toEqualTypeOf<IncidentCardView>();
    expectTypeOf<Extract<CardView, { kind: 'answer' }>>().toEqualTypeOf<AnswerCardView>();
    expectTypeOf<Extract<CardView, { kind: 'plan' }>>().toEqualTypeOf<PlanCardView>();
    expectTypeOf<Extract<CardView, { kind: 'message' }>>().toEqualTypeOf<MessageCardView>();
    expectTypeOf<Extract<CardView, { kind: 'home' }>>().toEqualTypeOf<HomeView>();
    expectTypeOf<Extract<CardView, { kind: 'cost' }>>().toEqualTypeOf<CostCardView>();
    expectTypeOf<Extract<CardView, { kind: 'digest' }>>().toEqualTypeOf<DigestCardView>();
    expectTypeOf<CardView['kind']>().toEqualTypeOf<
      'incident' | 'answer' | 'plan' | 'message' | 'home' | 'cost' | 'digest'
    >();
  });

  it('types severity, state, SLA and buttons precisely', () => {
    expectTypeOf<IncidentCardView['severity']>().toEqualTypeOf<Severity>();
    expectTypeOf<IncidentCardView['state']>().toEqualTypeOf<IncidentState>();
    expectTypeOf<IncidentCardView['slaDeadlineMs']>().toEqualTypeOf<number | null>();
    expectTypeOf<ButtonPayload['action']>().toEqualTypeOf<ButtonAction>();
    expectTypeOf<ButtonPayload['remediationId']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<SlackMessage['text']>().toBeString();
    expectTypeOf<AdaptiveCardJson['version']>().toEqualTypeOf<'1.5'>();
  });

  it('fills defaults so a handler can leave optional parts out', () => {
    const view = incidentCardViewSchema.parse({
      kind: 'incident',
      incidentId: 'inc-1',
      version: 0,
      severity: 'P3',
      state: 'open',
      title: 't',
      workspace: { name: 'w' },
      rootCause: { summary: 's', evidence: {} },
      blastRadius: { total: 0 },
      slaDeadlineMs: null,
    });
    expect(view.blastRadius.tables).toEqual([]);
    expect(view.remediations).toEqual([]);
    expect(view.rootCause.evidence.runUrl).toBeNull();
  });

  it.each([
    ['a javascript: run link', { rootCause: { summary: 's', evidence: { runUrl: 'javascript:alert(1)' } } }],
    ['a data: details link', { detailsUrl: 'data:text/html,<script>' }],
    ['an incident id with a separator', { incidentId: 'inc|42' }],
    ['a P5 severity', { severity: 'P5' }],
    ['an unknown state', { state: 'closed' }],
    ['a negative version', { version: -1 }],
    ['a 300 KB title', { title: 'x'.repeat(300_000) }],
  ])('rejects %s', (_, patch) => {
    expect(cardViewSchema.safeParse({ ...incidentView(), ...patch }).success).toBe(false);
  });

  it('accepts a 100 KB error excerpt: renderers cut it, the handler does not fail', () => {
    const view = incidentView();
    view.rootCause.evidence.errorExcerpt = 'x'.repeat(100_000);
    expect(cardViewSchema.safeParse(view).success).toBe(true);
  });

  it('accepts a console link on loopback', () => {
    expect(
      cardViewSchema.safeParse({ ...incidentView(), detailsUrl: 'http://127.0.0.1:3000/i/1' }).success,
    ).toBe(true);
  });
});
