import { describe, expect, it } from 'vitest';
import { routeQuestion } from '../../../src/agents/analyst/intent-router.js';
import { findPeriod } from '../../../src/agents/analyst/time-words.js';
import type { WorkspaceNames } from '../../../src/agents/analyst/workspace-names.js';
import { PARAPHRASES } from './paraphrases.js';

const job = (name: string, team: string) => ({ id: String(name.length), name, team });
const NAMES: WorkspaceNames = {
  jobs: [
    job('finance_orders_daily', 'finance'),
    job('finance_payments_hourly', 'finance'),
    job('finance_fx_rates', 'finance'),
    job('mkt_sessionize', 'marketing'),
    job('mkt_campaign_performance', 'marketing'),
    job('mkt_events_ingest', 'marketing'),
    job('platform_usage_rollup', 'data-platform'),
    job('platform_cost_report', 'data-platform'),
  ],
  teams: ['data-platform', 'finance', 'marketing'],
  tables: [
    'main.finance.orders',
    'main.finance.raw_orders',
    'main.marketing.sessions',
    'main.finance.daily_revenue',
  ],
};

const route = (question: string) => {
  const found = findPeriod(question, { nowMs: Date.UTC(2026, 10, 22), timeZone: 'UTC' });
  return routeQuestion(found?.rest ?? question, NAMES);
};

describe('routeQuestion on phrasings it was not written from', () => {
  for (const [question, intent] of PARAPHRASES) {
    it(`reads "${question}" as ${intent}`, () => {
      const routed = route(question);
      expect(routed.kind === 'intent' ? routed.intent : routed.kind).toBe(intent);
    });
  }

  it('routes at least 90 % of the held-out list (and prints the figure)', () => {
    const hits = PARAPHRASES.filter(([q, intent]) => {
      const r = route(q);
      return r.kind === 'intent' && r.intent === intent;
    }).length;
    console.log(`router: ${hits}/${PARAPHRASES.length} held-out paraphrases`);
    expect(hits / PARAPHRASES.length).toBeGreaterThanOrEqual(0.9);
  });
});

describe('routeQuestion matches names forgivingly', () => {
  it('ignores case and treats - and _ alike', () => {
    const routed = route('status of Finance-Orders-Daily');
    expect(routed).toMatchObject({
      kind: 'intent',
      intent: 'job_status',
      slots: { job: { name: 'finance_orders_daily' } },
    });
  });

  it('accepts a unique prefix', () => {
    expect(route('status of finance_fx')).toMatchObject({ slots: { job: { name: 'finance_fx_rates' } } });
  });

  it('offers the candidates when a prefix fits several jobs', () => {
    expect(route('how is mkt doing')).toEqual({
      kind: 'ambiguous',
      what: 'job',
      typed: 'mkt',
      candidates: ['mkt_sessionize', 'mkt_campaign_performance', 'mkt_events_ingest'],
      intent: 'job_status',
    });
  });

  it('reads a name that is exactly a team as the team, not as a prefix of its jobs', () => {
    expect(route('what failed in finance yesterday')).toMatchObject({
      kind: 'intent',
      intent: 'failures',
      slots: { team: 'finance' },
    });
  });

  it('finds a table by its last part', () => {
    expect(route('what is downstream of raw_orders')).toMatchObject({
      intent: 'downstream',
      slots: { table: 'main.finance.raw_orders' },
    });
  });

  it('treats a bare period or a bare name as a follow-up of the conversation', () => {
    expect(route('and last week?')).toEqual({ kind: 'follow_up', slots: {} });
    expect(route('what about marketing?')).toEqual({ kind: 'follow_up', slots: { team: 'marketing' } });
  });

  it('does not guess at what it cannot place', () => {
    expect(route('what is the weather in Berlin')).toEqual({ kind: 'unknown' });
    expect(route('x'.repeat(100_000))).toEqual({ kind: 'unknown' });
  });
});
