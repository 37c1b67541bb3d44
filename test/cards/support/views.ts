import {
  type AnswerCardView,
  type CardView,
  answerCardViewSchema,
  type HomeView,
  homeViewSchema,
  type IncidentCardView,
  incidentCardViewSchema,
  type MessageCardView,
  messageCardViewSchema,
  type PlanCardView,
  planCardViewSchema,
} from '../../../src/cards/card-views.js';
import type { z } from 'zod';
import { SEVERITIES } from '../../../src/domain/severity.js';

/** 2026-11-22 04:00 UTC: every card in these tests is rendered at this instant. */
export const NOW = Date.UTC(2026, 10, 22, 4, 0, 0);
const MIN = 60_000;

/** Strings an attacker, a broken job or a creative colleague could put into a card. */
export const HOSTILE = {
  script: '<script>alert(1)</script>',
  img: '"><img src=x onerror=alert(1)>',
  mrkdwn: '*bold* _italic_ ~strike~ `code` ```fence``` > quote',
  pings: '<!channel> <!here> <!everyone> <@U00FAKEUSER1> @here @channel @everyone',
  slackLink: '<https://evil.example/|click me> & <javascript:alert(1)|x>',
  emoji: '🔥👩‍👩‍👧‍👦🇺🇸🏳️‍🌈 done',
  rtl: 'مرحبا بالعالم \u202Eevil\u202C שלום',
  entities: '&amp; &lt; &gt; & < > "quotes" \'single\'',
  markdownLink: '[click](javascript:alert(1)) **x** # heading',
  huge: 'x'.repeat(100_000),
  hugeEmoji: '😀'.repeat(60_000),
} as const;

export function incidentView(
  overrides: Partial<z.input<typeof incidentCardViewSchema>> = {},
): IncidentCardView {
  return incidentCardViewSchema.parse({
    kind: 'incident',
    incidentId: 'inc-42',
    version: 3,
    severity: 'P2',
    state: 'open',
    title: 'Nightly orders ETL failing since 02:10',
    workspace: { name: 'prod-emea', url: 'https://adb-123.4.azuredatabricks.net' },
    rootCause: {
      summary: 'Task ingest_orders ran out of driver memory reading a 40 GB partition.',
      evidence: {
        errorExcerpt: 'java.lang.OutOfMemoryError: Java heap space\n  at org.apache.spark.sql.execution...',
        failingJob: 'orders_nightly',
        failingTask: 'ingest_orders',
        runUrl: 'https://adb-123.4.azuredatabricks.net/#job/1/run/2',
      },
    },
    classification: {
      category: 'resource',
      transient: false,
      action: 'resize cluster',
      fixHint: 'Use r5.2xlarge',
    },
    blastRadius: {
      downstreamJobs: ['orders_agg', 'finance_daily'],
      tables: ['main.sales.orders', 'main.sales.orders_agg'],
      dashboards: ['Revenue'],
      teams: ['finance'],
      total: 6,
    },
    slaDeadlineMs: NOW + 42 * MIN,
    costUsd: 12.5,
    owner: 'alice@example.com',
    team: 'data-eng',
    assignee: null,
    acknowledgedBy: null,
    timeline: [
      { atMs: NOW - 110 * MIN, phase: 'detect', text: 'run 2 failed' },
      { atMs: NOW - 100 * MIN, phase: 'correlate', text: 'orders_agg skipped' },
    ],
    remediations: [
      {
        id: 'rem-1',
        label: 'Repair run on a bigger driver',
        risk: 'medium',
        description: 'Repairs the failed task.',
      },
      { id: 'rem-2', label: 'Retry run', risk: 'low', description: 'Retries as is.' },
    ],
    detailsUrl: 'http://127.0.0.1:3000/incidents/inc-42',
    ...overrides,
  });
}

/** The same incident with every free-text field set to one hostile string. */
export function hostileIncident(s: string): IncidentCardView {
  return incidentView({
    title: s,
    workspace: { name: s, url: null },
    rootCause: {
      summary: s,
      evidence: {
        errorExcerpt: s,
        failingJob: s,
        failingTask: s,
        failingObject: { type: s.slice(0, 40), name: s },
        runUrl: null,
        facts: [s, s],
        links: [{ label: s.slice(0, 100), url: 'https://adb-123.4.azuredatabricks.net/?o=123#job/1' }],
      },
    },
    classification: { category: s, transient: true, action: s, fixHint: s, by: 'rules' },
    blastRadius: { downstreamJobs: [s, s], tables: [s], dashboards: [s], teams: [s], total: 5 },
    owner: s,
    team: s,
    assignee: s,
    acknowledgedBy: s,
    timeline: [{ atMs: NOW, phase: s, text: s }],
    lastFix: { text: s, by: s, atMs: NOW, action: null },
    remediations: [{ id: 'rem-1', label: s, risk: 'high', description: s }],
    explanation: { text: s, model: s },
  });
}

/** The model's drafted explanation, as the incident card carries it once drafted. */
export const DRAFTED = {
  text: 'The orders load ran out of driver memory, so main.sales.orders is stale. Retry on bigger nodes.',
  model: 'gpt-4o-mini',
} as const;

function answerView(overrides: Partial<AnswerCardView> = {}): AnswerCardView {
  return answerCardViewSchema.parse({
    kind: 'answer',
    question: 'What did team-x spend yesterday?',
    answer: 'team-x spent $1,234.50 yesterday, 12 % more than the day before.',
    table: {
      columns: ['sku', 'usd'],
      rows: [
        ['JOBS_COMPUTE', 1000.5],
        ['SQL', 234],
        ['DLT', null],
      ],
    },
    sql: 'SELECT sku_name, SUM(usage_quantity) FROM system.billing.usage GROUP BY 1',
    freshness: 'system.billing.usage is about 2 h behind',
    buttons: [
      { label: 'Most expensive jobs', question: 'most expensive jobs of team team-x' },
      { label: 'Untagged spend', question: 'untagged spend' },
    ],
    ...overrides,
  });
}

export function planView(overrides: Partial<PlanCardView> = {}): PlanCardView {
  return planCardViewSchema.parse({
    kind: 'plan',
    incidentId: 'inc-42',
    version: 3,
    remediationId: 'rem-1',
    title: 'Repair run 2 on a bigger driver',
    calls: [
      {
        method: 'POST',
        path: '/api/2.2/jobs/runs/repair',
        body: { run_id: 2, rerun_tasks: ['ingest_orders'] },
      },
    ],
    estimatedCostUsd: 3.2,
    rollback: 'Nothing to roll back: a repair only reruns the failed task.',
    risk: 'medium',
    ...overrides,
  });
}

function messageView(overrides: Partial<MessageCardView> = {}): MessageCardView {
  return messageCardViewSchema.parse({
    kind: 'message',
    tone: 'info',
    title: 'dbxops help',
    text: 'Try /dbx status, /dbx cost <team> or ask a question.',
    fields: [{ label: 'status', value: 'open incidents' }],
    ...overrides,
  });
}

function homeView(overrides: Partial<HomeView> = {}): HomeView {
  return homeViewSchema.parse({
    kind: 'home',
    team: 'data-eng',
    incidents: [
      {
        incidentId: 'inc-42',
        severity: 'P1',
        state: 'open',
        title: 'Orders ETL down',
        slaDeadlineMs: NOW + 5 * MIN,
      },
      {
        incidentId: 'inc-43',
        severity: 'P3',
        state: 'acknowledged',
        title: 'Slow warehouse',
        assignee: 'bob',
      },
    ],
    ...overrides,
  });
}

const many = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}_${i}`);

/**
 * Every card the renderers must handle without a platform refusing it: each state and severity,
 * empty and huge lists, and every hostile string in every free-text field of every card.
 */
export function cardVariations(): Array<[string, CardView]> {
  const out: Array<[string, CardView]> = [];
  for (const state of ['open', 'acknowledged', 'mitigating', 'resolved', 'escalated', 'snoozed'] as const) {
    for (const severity of SEVERITIES) {
      out.push([
        `incident ${state} ${severity}`,
        incidentView({
          state,
          severity,
          acknowledgedBy: state === 'acknowledged' ? 'bob' : null,
          snoozedUntilMs: state === 'snoozed' ? NOW + 3_600_000 : null,
        }),
      ]);
    }
  }
  out.push([
    'incident with nothing optional',
    incidentView({
      workspace: { name: 'w', url: null },
      rootCause: {
        summary: '',
        evidence: { errorExcerpt: null, failingJob: null, failingTask: null, runUrl: null },
      },
      classification: null,
      blastRadius: { downstreamJobs: [], tables: [], dashboards: [], teams: [], total: 0 },
      slaDeadlineMs: null,
      costUsd: null,
      owner: null,
      team: null,
      timeline: [],
      remediations: [],
      detailsUrl: null,
    }),
  ]);
  out.push([
    'incident with huge lists',
    incidentView({
      startedAtMs: NOW - 30 * 24 * 3_600_000,
      rootCause: {
        summary: 's'.repeat(20_000),
        evidence: {
          errorExcerpt: `Traceback (most recent call last):\n${'  File "x.py", line 1\n'.repeat(5_000)}`,
          failingJob: 'j'.repeat(5_000),
          failingTask: 't'.repeat(5_000),
          failingObject: { type: 'table', name: 'n'.repeat(5_000) },
          runUrl: `https://adb-123.4.azuredatabricks.net/#job/1/run/${'9'.repeat(1_900)}`,
          facts: Array.from({ length: 20 }, (_, i) => `fact ${i} ${'f'.repeat(3_000)}`),
          links: Array.from({ length: 12 }, (_, i) => ({
            label: `Link ${i}`,
            url: `https://adb-123.4.azuredatabricks.net/${'p'.repeat(1_900)}/${i}`,
          })),
        },
      },
      blastRadius: {
        downstreamJobs: many('job', 300),
        tables: many('main.sales.table', 500),
        dashboards: many('dash', 200),
        teams: many('team', 100),
        total: 1100,
      },
      timeline: Array.from({ length: 400 }, (_, i) => ({
        atMs: NOW - i * 60_000,
        phase: 'detect',
        text: `event ${i}`,
      })),
      remediations: Array.from({ length: 40 }, (_, i) => ({
        id: `rem-${i}`,
        label: `Remediation ${i}`,
        risk: 'low' as const,
        description: 'd'.repeat(2000),
      })),
    }),
  ]);
  for (const [name, s] of Object.entries(HOSTILE)) {
    out.push([`incident hostile ${name}`, hostileIncident(s)]);
    out.push([
      `answer hostile ${name}`,
      answerView({
        question: s,
        answer: s,
        table: { columns: [s, s], rows: Array.from({ length: 50 }, () => [s, s]), totalRows: 5000 },
        sql: s,
        freshness: s,
      }),
    ]);
    out.push([
      `plan hostile ${name}`,
      planView({ title: s, rollback: s, calls: [{ method: 'POST', path: s, body: { note: s } }] }),
    ]);
    out.push([
      `message hostile ${name}`,
      messageView({ title: s, text: s, fields: [{ label: s, value: s }] }),
    ]);
    out.push([
      `home hostile ${name}`,
      homeView({
        team: s,
        incidents: [
          {
            incidentId: 'inc-1',
            severity: 'P1',
            state: 'open',
            title: s,
            slaDeadlineMs: null,
            assignee: s,
            url: null,
          },
        ],
      }),
    ]);
  }
  out.push([
    'answer with ten long hostile buttons',
    answerView({
      buttons: Array.from({ length: 10 }, (_, i) => ({
        label: `${i} <@U1> *bold* ${'x'.repeat(180)}`,
        question: `why did <script>alert(${i})</script> fail? ${'y'.repeat(450)}`,
      })),
    }),
  ]);
  out.push([
    'answer without table or sql',
    answerView({ table: null, sql: null, freshness: null, answer: '' }),
  ]);
  out.push([
    'answer with a wide, long table',
    answerView({
      table: {
        columns: many('col', 40),
        rows: Array.from({ length: 1000 }, (_, r) => Array.from({ length: 40 }, (_, c) => r * c)),
        totalRows: null,
      },
    }),
  ]);
  out.push(['plan cancelled', planView({ status: 'cancelled' })]);
  out.push([
    'plan with many calls',
    planView({
      risk: 'high',
      calls: Array.from({ length: 30 }, (_, i) => ({
        method: 'POST' as const,
        path: `/api/x/${i}`,
        body: { big: 'y'.repeat(5000) },
      })),
    }),
  ]);
  out.push(['message without title or fields', messageView({ title: null, fields: [], tone: 'error' })]);
  out.push([
    'message with 30 fields',
    messageView({
      fields: Array.from({ length: 30 }, (_, i) => ({ label: `f${i}`, value: 'v'.repeat(3000) })),
    }),
  ]);
  out.push(['home empty', homeView({ incidents: [] })]);
  out.push([
    'home with 300 incidents',
    homeView({
      incidents: Array.from({ length: 300 }, (_, i) => ({
        incidentId: `inc-${i}`,
        severity: 'P2' as const,
        state: 'open' as const,
        title: `Incident ${i} ${'t'.repeat(300)}`,
        slaDeadlineMs: NOW - i * 60_000,
        assignee: null,
        url: `https://example.com/i/${i}`,
      })),
    }),
  ]);
  return out;
}
