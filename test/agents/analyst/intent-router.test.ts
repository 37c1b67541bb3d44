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
  warehouses: [
    { id: 'w1', name: 'finance_wh' },
    { id: 'w2', name: 'marketing_bi' },
  ],
  clusters: [{ id: 'c1', name: 'mkt-analysts-shared' }],
  pipelines: [{ id: 'p1', name: 'clickstream_dlt' }],
  users: ['alice@acme.example', 'bob@acme.example', 'carol@acme.example', 'finance-etl-sp@acme.example'],
};

const route = (question: string) => {
  const read = findPeriod(question, { nowMs: Date.UTC(2026, 10, 22), timeZone: 'UTC' });
  const found = read !== undefined && 'period' in read ? read : undefined;
  return routeQuestion(found?.rest ?? question, NAMES, { hasPeriod: found !== undefined });
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
      slots: { jobs: [{ name: 'finance_orders_daily' }] },
    });
  });

  it('accepts a unique prefix', () => {
    expect(route('status of finance_fx')).toMatchObject({ slots: { jobs: [{ name: 'finance_fx_rates' }] } });
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
      slots: { teams: ['finance'] },
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
    expect(route('what about marketing?')).toEqual({ kind: 'follow_up', slots: { teams: ['marketing'] } });
  });

  it('flags a name that matches nothing, with the nearest names of its kind', () => {
    // One word one typo from exactly one word of the names is read as it, and said (below).
    expect(route('what failed for team finanse last night')).toEqual({
      kind: 'intent',
      intent: 'failures',
      slots: { teams: ['finance'] },
      assumed: '"finanse" read as "finance"',
    });
    const table = route('who read main.finance.ordrs');
    expect(table).toMatchObject({ kind: 'unknown_name', what: 'table' });
    expect(table.kind === 'unknown_name' && table.nearest[0]).toBe('main.finance.orders');
    // A word of it misspelt is read as the name (below); a word that is none of the name's is not.
    const job = route('how long does finance_orders_weekly take');
    expect(job).toMatchObject({ kind: 'unknown_name', typed: 'finance_orders_weekly' });
    expect(job.kind === 'unknown_name' && job.nearest[0]).toBe('finance_orders_daily');
    expect(route('and team-x?')).toMatchObject({ kind: 'unknown_name', typed: 'team-x' });
    expect(route('failures of the sales team yesterday')).toMatchObject({
      kind: 'unknown_name',
      what: 'team',
    });
  });

  it('reads a misspelt kind word as the word meant, and a misspelt name still as a name', () => {
    expect(route('dlt pipline status')).toMatchObject({ kind: 'intent', intent: 'pipeline_status' });
    expect(route('which jobs faild')).toMatchObject({ kind: 'intent', intent: 'failures' });
    expect(route('which warehuoses are idle')).toMatchObject({ kind: 'intent', intent: 'idle_warehouses' });
    // One typo from a kind word, but a word of a name in the workspace: the name wins.
    const names = { ...NAMES, jobs: [...NAMES.jobs, job('statue_sync', 'finance')] };
    expect(routeQuestion('how is statue doing', names)).toMatchObject({
      kind: 'intent',
      slots: { jobs: [{ name: 'statue_sync' }] },
    });
  });

  it('does not take words of the question for names', () => {
    expect(route('spend by team week-over-week')).toMatchObject({ kind: 'intent', intent: 'spend_by_team' });
    expect(route('clusters without auto-termination')).toMatchObject({ kind: 'intent' });
    expect(route('which jobs went red yesterday')).toMatchObject({ kind: 'intent', intent: 'failures' });
    expect(route('failures since 2026-11-20')).toMatchObject({ kind: 'intent', intent: 'failures' });
    expect(route('is warehouse bi_serving idle')).toMatchObject({
      kind: 'intent',
      intent: 'idle_warehouses',
    });
    // Column names in a question the router cannot place are the model's to read, not unknown names.
    expect(route('average usage_quantity per sku_name')).toEqual({ kind: 'unknown' });
  });

  it('ranks what a question names first: users by query spend are users, queries per user are queries', () => {
    const intent = (q: string) => {
      const r = route(q);
      return r.kind === 'intent' ? r.intent : r.kind;
    };
    expect(intent('ten engineers with the highest sql spend yesterday')).toBe('expensive_users');
    expect(intent('which people ran the priciest statements this month')).toBe('expensive_users');
    expect(intent('costliest queries per user today')).toBe('expensive_queries');
    expect(intent('who burns the most money on queries')).toBe('expensive_queries');
  });

  it('reads "what happened" in a period, about no job, as what went wrong then', () => {
    expect(route('anything happen while I was asleep last night?')).toMatchObject({
      kind: 'intent',
      intent: 'failures',
    });
    expect(route('what happened to finance_fx_rates')).toMatchObject({
      kind: 'intent',
      intent: 'why_failed',
    });
  });

  it('knows idle warehouses by what they are not doing', () => {
    for (const q of ['warehouses with no queries all day', 'any endpoints left on with no load?'])
      expect(route(q)).toMatchObject({ kind: 'intent', intent: 'idle_warehouses' });
  });

  it('does not read the rest of a sentence after "which team" or "what job" as a name', () => {
    expect(route('which team has the most errors')).toMatchObject({ kind: 'intent', intent: 'failures' });
    expect(route('what job got slower')).not.toMatchObject({ kind: 'unknown_name' });
  });

  it('lets a kind word beside a name say what it names', () => {
    // "orders" is a table's last part, but "the orders job" asks about a job: the one job with the word.
    expect(route('why did the orders job crash')).toMatchObject({
      kind: 'intent',
      intent: 'why_failed',
      slots: { jobs: [{ name: 'finance_orders_daily' }] },
    });
    expect(route('who queried the orders table')).toMatchObject({
      kind: 'intent',
      intent: 'table_access',
      slots: { table: 'main.finance.orders' },
    });
  });

  it('does not guess at what it cannot place', () => {
    expect(route('what is the weather in Berlin')).toEqual({ kind: 'unknown' });
    expect(route('x'.repeat(100_000))).toEqual({ kind: 'unknown' });
  });
});

describe('routeQuestion tells a subject no intent computes from the words that merely lead to one', () => {
  it('routes retries, owners, forecasts and percentiles as uncovered, with the intents nearest them', () => {
    expect(route('jobs with the most retries in the last 3 days')).toEqual({
      kind: 'uncovered',
      subject: 'retries and attempts',
      nearest: ['failures', 'job_status'],
    });
    expect(kindOf('who owns main.finance.orders')).toBe('uncovered');
    expect(kindOf('forecast our spend for december')).toBe('uncovered');
    expect(kindOf('p99 runtime of finance_orders_daily')).toBe('uncovered');
  });

  it('reads "list all" as a lead-in when an intent follows, and "compute" as warehouses too', () => {
    expect(kindOf('list all failed jobs yesterday')).toBe('failures');
    expect(kindOf('list all pipelines')).toBe('uncovered');
    expect(kindOf('any idle compute?')).toBe('idle_warehouses');
    expect(kindOf('which clusters are oversized')).toBe('uncovered');
  });

  it('takes product words out of a money question and keeps them as filters', () => {
    expect(route('serverless sql cost by team last 3 days')).toMatchObject({
      kind: 'intent',
      intent: 'spend_by_team',
      slots: { product: 'SQL', serverless: true, byTeam: true },
    });
    expect(route('how much did the warehouses cost this week')).toMatchObject({ slots: { product: 'SQL' } });
    expect(route('what are jobs costing us per team')).toMatchObject({ slots: { product: 'JOBS' } });
    // Every query in the query history ran on a SQL warehouse: no filter to keep.
    expect(route('ten engineers with the highest sql spend yesterday')).toEqual({
      kind: 'intent',
      intent: 'expensive_users',
      slots: {},
    });
    // Without money, "all-purpose" is a kind of cluster, not a product.
    expect(kindOf('all-purpose clusters without auto termination')).toBe('clusters_without_autotermination');
  });

  it('knows all-purpose clusters by name', () => {
    expect(route('what did mkt-analysts-shared cost this week')).toMatchObject({
      intent: 'spend_by_team',
      slots: { cluster: { id: 'c1', name: 'mkt-analysts-shared' } },
    });
    expect(route('does mkt-analysts-shared auto terminate?')).toMatchObject({
      intent: 'clusters_without_autotermination',
      slots: { cluster: { id: 'c1' } },
    });
  });

  it('knows warehouses by name', () => {
    expect(route('who used finance_wh yesterday')).toMatchObject({
      intent: 'expensive_users',
      slots: { warehouse: { id: 'w1', name: 'finance_wh' } },
    });
    expect(route('heaviest queries on marketing_bi')).toMatchObject({
      intent: 'expensive_queries',
      slots: { warehouse: { id: 'w2' } },
    });
  });

  it('reads slow queries beside a period as finished ones, unless the question says now', () => {
    expect(kindOf('slow queries yesterday')).toBe('expensive_queries');
    expect(kindOf('queries stuck since this morning')).toBe('long_queries_now');
    expect(kindOf('slow queries')).toBe('long_queries_now');
  });
});

/** The intent a question is routed to, or what else it is routed as. */
const kindOf = (question: string) => {
  const routed = route(question);
  return routed.kind === 'intent' ? routed.intent : routed.kind;
};

const intentOf = (question: string) => {
  const routed = route(question);
  return routed.kind === 'intent' ? routed : undefined;
};

describe('routeQuestion on people, abbreviations, pipelines and kinds of failure', () => {
  it('reads a first name as the one address it starts, and a name shared by addresses as ambiguous', () => {
    expect(intentOf('queries by alice today')?.slots.user).toBe('alice@acme.example');
    const shared = routeQuestion('queries by sam today', {
      ...NAMES,
      users: ['sam@a.example', 'sam@b.example'],
    });
    expect(shared).toMatchObject({
      kind: 'ambiguous',
      what: 'user',
      candidates: ['sam@a.example', 'sam@b.example'],
    });
  });

  it('never reads a team, job or concept word as a person who shares it', () => {
    const names = { ...NAMES, users: [...NAMES.users, 'finance@acme.example', 'cost@acme.example'] };
    const routed = routeQuestion('finance failures today', names);
    expect(routed).toMatchObject({ kind: 'intent', intent: 'failures', slots: { teams: ['finance'] } });
    expect(routed.kind === 'intent' && routed.slots.user).toBeFalsy();
    expect(routeQuestion('cost by team', names)).toMatchObject({ kind: 'intent', intent: 'spend_by_team' });
  });

  it('reads an abbreviation of one team, and no plain word that shares its letters', () => {
    expect(intentOf('mktg failures')).toMatchObject({
      slots: { teams: ['marketing'] },
      assumed: '"mktg" read as team marketing',
    });
    expect(intentOf('dplat spend')?.slots.teams).toEqual(['data-platform']);
    for (const word of ['main', 'making', 'fine', 'mm', 'mxyzzy']) {
      const routed = route(`${word} failures`);
      expect(routed.kind === 'intent' ? routed.slots.teams : undefined).toBeUndefined();
    }
  });

  it("reads a DLT pipeline's name, its bill, and DLT pipelines without a name", () => {
    expect(intentOf('is clickstream_dlt ok')).toMatchObject({
      intent: 'pipeline_status',
      slots: { pipeline: { name: 'clickstream_dlt' } },
    });
    expect(intentOf('what did the clickstream_dlt pipeline cost')?.intent).toBe('spend_by_team');
    expect(intentOf('any dlt failures today')?.intent).toBe('pipeline_status');
    // "pipelines" alone is what many teams call their jobs.
    expect(intentOf('did the nightly pipelines fail')?.intent).toBe('failures');
  });

  it('keeps timeouts as a filter of failures only, and answers why a named job failed with OOM', () => {
    expect(intentOf('timeouts last night')?.slots.errorKind).toBe('timeout');
    expect(intentOf('why did finance_orders_daily time out')).toMatchObject({ intent: 'why_failed' });
    expect(intentOf('why did finance_orders_daily time out')?.slots.errorKind).toBeUndefined();
    expect(intentOf('why did finance_orders_daily fail with OOM')?.intent).toBe('why_failed');
    expect(route('OOM failures yesterday')).toMatchObject({ kind: 'uncovered' });
  });
});

describe('routeQuestion with several names and people', () => {
  it('keeps every team a question names, joined by "and", "or", "vs" or commas', () => {
    for (const question of [
      'compare cost of finance and marketing',
      'finance vs marketing spend',
      'spend for marketing, finance',
      'how much did the finance team spend vs the marketing team',
    ])
      expect(intentOf(question)?.slots.teams, question).toEqual(
        question.indexOf('finance') < question.indexOf('marketing')
          ? ['finance', 'marketing']
          : ['marketing', 'finance'],
      );
    expect(intentOf('spend for finance, marketing and data-platform')?.slots.teams).toHaveLength(3);
  });

  it("keeps every job a question names, a kind word after the last being every name's", () => {
    expect(intentOf('status of mkt_sessionize and finance_fx_rates')?.slots.jobs?.map((j) => j.name)).toEqual(
      ['mkt_sessionize', 'finance_fx_rates'],
    );
    expect(intentOf('did the orders or payments job fail')?.slots.jobs?.map((j) => j.name)).toEqual([
      'finance_orders_daily',
      'finance_payments_hourly',
    ]);
  });

  it('reads a whole word inside a name only beside its kind word', () => {
    expect(intentOf('how many dbus did the platform team burn')?.slots.teams).toEqual(['data-platform']);
    // "daily" is a word of finance_orders_daily, but nothing says it names a job.
    expect(intentOf('daily spend by team')?.slots.jobs).toBeUndefined();
    // A word shared by several jobs' names is no one job.
    expect(intentOf('what failed for the mkt job')?.slots.jobs).toBeUndefined();
  });

  it('reads the initials of a team named in several words, and says it did', () => {
    expect(intentOf('dp spend yesterday')).toMatchObject({
      slots: { teams: ['data-platform'] },
      assumed: '"dp" read as team data-platform',
    });
    expect(intentOf('fm spend')?.slots.teams).toBeUndefined();
  });

  it('reads a person beside owning words as whose jobs, pipelines or clusters, not as a question about owners', () => {
    expect(intentOf('jobs owned by alice@acme.example that failed')).toMatchObject({
      intent: 'failures',
      slots: { user: 'alice@acme.example' },
    });
    expect(intentOf('most expensive jobs owned by bob')).toMatchObject({
      intent: 'expensive_jobs',
      slots: { user: 'bob@acme.example' },
    });
    expect(route('who owns finance_orders_daily')).toMatchObject({ kind: 'uncovered' });
  });

  it('says a name joined to one it knows is no name, instead of answering for the one it knows', () => {
    expect(route('did team-x or finance fail yesterday')).toMatchObject({
      kind: 'unknown_name',
      what: 'team',
      typed: 'team-x',
    });
    expect(route('spend of finance and sales team')).toMatchObject({
      kind: 'unknown_name',
      typed: 'sales',
    });
    // Plain words beside a name are no names.
    expect(route('finance and all the rest spend')).not.toMatchObject({ kind: 'unknown_name' });
    // A name of another kind beside a team is that name.
    expect(route('spend of finance and marketing_bi')).not.toMatchObject({ kind: 'unknown_name' });
  });

  it("reads a person's pipelines as their DLT pipelines' health, and queries of a period as those queries", () => {
    expect(intentOf('pipelines run by alice@acme.example')).toMatchObject({
      intent: 'pipeline_status',
      slots: { user: 'alice@acme.example' },
    });
    expect(intentOf('queries on 2026-11-20')?.intent).toBe('expensive_queries');
    expect(intentOf('did alice change main.finance.orders')?.intent).toBe('table_access');
  });

  it("reads every word of a name beside its kind word as that kind, not a table's last part", () => {
    // "orders" alone is main.finance.orders' last part; in "orders daily … jobs" it is the job's word.
    expect(intentOf('status of the fx rates and orders daily jobs')).toMatchObject({
      intent: 'job_status',
      slots: { jobs: [{ name: 'finance_fx_rates' }, { name: 'finance_orders_daily' }] },
    });
    expect(intentOf('how is the orders daily job doing')?.slots).toEqual({
      jobs: [expect.objectContaining({ name: 'finance_orders_daily' })],
    });
  });

  it("reads an SLA beside a table as that table's deadline, not what is downstream of it", () => {
    expect(intentOf('did we miss the daily revenue SLA')).toMatchObject({
      intent: 'sla_misses',
      slots: { table: 'main.finance.daily_revenue' },
    });
    expect(intentOf('is main.finance.orders late')?.intent).toBe('sla_misses');
    expect(intentOf('what depends on main.finance.orders')?.intent).toBe('downstream');
  });

  it('answers the first of several questions asked in one', () => {
    expect(kindOf('what failed last night and how much did it cost us')).toBe('failures');
    // The first question's own names only: finance is the second's.
    const both = route('which jobs failed and how much did finance spend?');
    expect(both).toMatchObject({ intent: 'failures', secondAsk: 'how much did finance spend' });
    expect(both.kind === 'intent' && both.slots.teams).toBe(undefined);
    expect(kindOf('how much did marketing spend? which jobs failed')).toBe('spend_by_team');
    // "and why" adds no question of its own: why a named job failed.
    expect(kindOf('did finance_orders_daily fail and why?')).toBe('why_failed');
  });

  it('reads something running long now as the queries running now, unless jobs or clusters are asked', () => {
    expect(kindOf('anything running long rn?')).toBe('long_queries_now');
    expect(kindOf("what's stuck atm")).toBe('long_queries_now');
    expect(kindOf('is mkt_sessionize stuck')).not.toBe('long_queries_now');
    expect(kindOf('any jobs running long right now')).not.toBe('long_queries_now');
  });

  it("reads a prefix of one team's jobs that shortens the team's name as the team, except about one job", () => {
    expect(intentOf('mkt failures yesterday')).toMatchObject({
      intent: 'failures',
      slots: { teams: ['marketing'] },
      assumed: '"mkt" read as team marketing',
    });
    expect(intentOf('platform spend this week')?.slots.teams).toEqual(['data-platform']);
    // A prefix of jobs of several teams, or a question about one job, keeps the choice among the jobs.
    expect(route('how is mkt doing')).toMatchObject({ kind: 'ambiguous', what: 'job' });
  });

  it('declines who is on call, which no system table records', () => {
    expect(route('who is on call for finance')).toMatchObject({
      kind: 'uncovered',
      subject: 'who is on call',
    });
    expect(route("who's on call tonight")).toMatchObject({ kind: 'uncovered' });
    expect(kindOf('did anything fail while i was on call')).toBe('failures');
  });

  it("reads two or more words in a row inside one job's name as that job, without a kind word", () => {
    expect(intentOf('fx rates keeps failing why')).toMatchObject({
      intent: 'why_failed',
      slots: { jobs: [{ name: 'finance_fx_rates' }] },
    });
    expect(intentOf('events ingest status')?.slots.jobs?.map((j) => j.name)).toEqual(['mkt_events_ingest']);
    // One word alone is still no guess.
    expect(intentOf('daily spend by team')?.slots.jobs).toBeUndefined();
  });

  it("reads a table's word as the job holding it when the question is about runs, not the table", () => {
    expect(intentOf('did orders fail yesterday')).toMatchObject({
      intent: 'failures',
      slots: { jobs: [{ name: 'finance_orders_daily' }] },
    });
    expect(intentOf('who read orders')).toMatchObject({
      intent: 'table_access',
      slots: { table: 'main.finance.orders' },
    });
  });

  it("does not read a plain word that only starts a table's last part as the table", () => {
    expect(kindOf('whats our daily burn rate')).toBe('spend_by_team');
    expect(intentOf('what is downstream of the daily table')?.slots.table).toBe('main.finance.daily_revenue');
  });

  it('reads "paying" as money and "queued" as running now', () => {
    expect(intentOf('how much are we paying for marketing_bi')).toMatchObject({
      intent: 'spend_by_team',
      slots: { warehouse: { name: 'marketing_bi' } },
    });
    expect(kindOf('anything queued on the warehouses')).toBe('long_queries_now');
  });

  it('reads a further team abbreviated, as the first may be, and says so', () => {
    expect(intentOf('cost finance vs mktg vs dp')).toMatchObject({
      slots: { teams: ['finance', 'marketing', 'data-platform'] },
      assumed: '"mktg" read as team marketing; "dp" read as team data-platform',
    });
  });

  it("reads a possessive typed without its apostrophe as the person's", () => {
    expect(intentOf('did bobs job fail')).toMatchObject({
      intent: 'failures',
      slots: { user: 'bob@acme.example' },
    });
    expect(intentOf('alices queries yesterday')?.slots.user).toBe('alice@acme.example');
  });

  it("reads what is running on a named warehouse now as that warehouse's running queries", () => {
    expect(intentOf("what's running on finance_wh right now")).toMatchObject({
      intent: 'long_queries_now',
      slots: { warehouse: { name: 'finance_wh' } },
    });
  });

  it("reads an error message asked of a job as why it failed, and who created something as its owner's", () => {
    expect(kindOf("what's the error message for the last fx rates failure")).toBe('why_failed');
    expect(route('who created finance_wh')).toMatchObject({
      kind: 'uncovered',
      subject: 'who owns something',
    });
    expect(kindOf('who wrote to main.finance.orders')).toBe('table_access');
  });

  it("declines budgets, shares of runs and a job's tables, which no intent computes", () => {
    expect(route('are we over budget')).toMatchObject({ kind: 'uncovered' });
    expect(route('cost by cluster this week')).toMatchObject({
      kind: 'uncovered',
      subject: 'spend split by cluster, SKU, warehouse, tag or workspace',
    });
    expect(kindOf('spend by team this week')).toBe('spend_by_team');
    expect(route('what percentage of runs failed yesterday')).toMatchObject({
      kind: 'uncovered',
      subject: 'rates and percentages of runs',
    });
    expect(route('which tables does mkt_sessionize read from')).toMatchObject({
      kind: 'uncovered',
      subject: 'the tables a job reads or writes',
    });
    // Of one job, its status says how many of its runs failed; flaky jobs are failing ones.
    expect(kindOf('failure rate of mkt_events_ingest this week')).toBe('job_status');
    expect(kindOf('which jobs are flaky')).toBe('failures');
  });

  it('reads "blow up" as failing and "what\'s the error" of a named job as why it failed', () => {
    expect(kindOf('anything blowing up in marketing today')).toBe('failures');
    expect(kindOf('did anything go boom overnight')).toBe('failures');
    expect(kindOf('did the fx rates job blow up overnight')).toBe('failures');
    expect(kindOf('finance_fx_rates went red again, what was the error')).toBe('why_failed');
    expect(kindOf("what's the exception in mkt_sessionize")).toBe('why_failed');
    expect(kindOf('what exception did the orders job throw yesterday')).toBe('why_failed');
    expect(kindOf('error msg for mkt_sessionize pls')).toBe('why_failed');
  });

  it('reads queueing on a warehouse as the queries waiting there now', () => {
    expect(intentOf('anything queuing on finance_wh at the moment')).toMatchObject({
      intent: 'long_queries_now',
      slots: { warehouse: { name: 'finance_wh' } },
    });
    expect(kindOf('are queries queueing rn')).toBe('long_queries_now');
  });

  it('reads spenders as people and the damage as money', () => {
    expect(kindOf('biggest spenders this week')).toBe('expensive_users');
    // "Spender" is no typo of "spend".
    expect(kindOf('biggest spender yesterday')).toBe('expensive_users');
    expect(kindOf('spendr by team yesterday')).toBe('spend_by_team');
    expect(intentOf('top spenders on marketing_bi')).toMatchObject({
      intent: 'expensive_users',
      slots: { warehouse: { name: 'marketing_bi' } },
    });
    expect(intentOf("what was finance's damage last month")).toMatchObject({
      intent: 'spend_by_team',
      slots: { teams: ['finance'] },
    });
  });

  it('ranks the jobs of the one team named with its kind word, and splits by teams asked so', () => {
    expect(intentOf('costliest jobs of the marketing team')).toMatchObject({
      intent: 'expensive_jobs',
      slots: { teams: ['marketing'] },
    });
    expect(kindOf('what are jobs costing us per team')).toBe('spend_by_team');
    expect(kindOf("which team's jobs cost the most")).toBe('spend_by_team');
  });

  it('reads who changed a table in the words people use for writes', () => {
    expect(kindOf('who edited main.finance.orders yesterday')).toBe('table_access');
    expect(kindOf('did anyone overwrite main.marketing.sessions')).toBe('table_access');
    expect(kindOf('who deleted rows from main.finance.raw_orders')).toBe('table_access');
  });

  it('declines who holds a privilege, but answers who granted or revoked one', () => {
    for (const question of [
      'who can query main.finance.orders',
      'who has access to main.marketing.sessions',
      'what privileges does the analysts group have on main.finance.orders',
    ])
      expect(route(question)).toMatchObject({
        kind: 'uncovered',
        subject: 'privileges: who may read or change something',
      });
    expect(route('which groups can read main.marketing.sessions')).toMatchObject({ kind: 'uncovered' });
    expect(route('show me the grants on main.finance.daily_revenue')).toMatchObject({ kind: 'uncovered' });
    expect(kindOf('who changed the grants on main.finance.daily_revenue')).toBe('table_access');
    expect(kindOf('who revoked access on main.finance.orders')).toBe('table_access');
    expect(kindOf('who changed the permissions on main.finance.orders')).toBe('table_access');
  });

  it('answers who changed a grant in loose words ("messed with", "fiddled with") from the audit log', () => {
    expect(route('who fiddled with the permissions on main.finance.orders yesterday')).toMatchObject({
      kind: 'intent',
      intent: 'table_access',
      slots: { table: 'main.finance.orders' },
    });
    expect(kindOf('somebody tampered with the grants for the raw_orders table?')).toBe('table_access');
    expect(kindOf('who has been mucking about with privileges on main.marketing.sessions')).toBe(
      'table_access',
    );
    // Who holds a privilege now is still declined.
    expect(route('who still has grants on main.finance.orders')).toMatchObject({ kind: 'uncovered' });
  });

  it('reads a job falling over, keeling over or tanking as its failures', () => {
    expect(route('how often has finance_fx_rates fallen over this week')).toMatchObject({
      kind: 'intent',
      intent: 'failures',
      slots: { jobs: [{ name: 'finance_fx_rates' }] },
    });
    expect(kindOf('did the orders daily job keel over last night')).toBe('failures');
    expect(kindOf('what fell over for marketing yesterday')).toBe('failures');
    expect(kindOf('count of times mkt_sessionize tanked on sat')).toBe('failures');
    // "Over" of a period or of a cost is no falling over.
    expect(kindOf('finance_fx_rates runs over the past week')).toBe('job_status');
  });

  it('reads warehouses that never stop on their own as having no auto-stop, not as who owns them', () => {
    for (const question of [
      'which warehouses never turn themselves off',
      "any sql warehouse that doesn't shut down by itself",
      'warehouses that wont spin down when idle',
    ])
      expect(kindOf(question)).toBe('warehouses_without_autostop');
    expect(kindOf('clusters that never shut down on their own')).toBe('clusters_without_autotermination');
    expect(route('who owns finance_wh')).toMatchObject({ kind: 'uncovered', subject: 'who owns something' });
  });

  it('declines a budget overrun, a projection at the current rate and a share of runs by its sign', () => {
    expect(route('are we burning through the finance budget')).toMatchObject({ kind: 'uncovered' });
    expect(route('did marketing exceed its budget')).toMatchObject({ kind: 'uncovered' });
    expect(route('how much budget does finance have left')).toMatchObject({ kind: 'uncovered' });
    expect(kindOf("what's eating our budget")).toBe('spend_by_team');
    expect(route('at the current burn rate what does december cost')).toMatchObject({
      kind: 'uncovered',
      subject: 'forecasts',
    });
    expect(route('project the month end bill')).toMatchObject({ kind: 'uncovered', subject: 'forecasts' });
    expect(route('projecting end of quarter spend')).toMatchObject({
      kind: 'uncovered',
      subject: 'forecasts',
    });
    expect(route('what % of runs errored yesterday')).toMatchObject({
      kind: 'uncovered',
      subject: 'rates and percentages of runs',
    });
    expect(intentOf('what % of spend is photon')?.slots.byPhoton).toBe(true);
    for (const question of ['what fraction of runs failed yesterday', 'what share of jobs failed this week'])
      expect(route(question)).toMatchObject({ kind: 'uncovered', subject: 'rates and percentages of runs' });
    expect(intentOf('what fraction of spend is photon')?.slots.byPhoton).toBe(true);
  });

  it('reads a product word asked "how much … did we use" as money, as Photon is', () => {
    expect(intentOf('how much serverless did marketing use this week')).toMatchObject({
      intent: 'spend_by_team',
      slots: { teams: ['marketing'], serverless: true },
    });
    expect(intentOf('how much dlt did we use yesterday')).toMatchObject({
      intent: 'spend_by_team',
      slots: { product: 'DLT' },
    });
    expect(intentOf('serverless usage by team')?.slots.serverless).toBe(true);
  });

  it('reads no team in chat shorthand that keeps its letters', () => {
    expect(intentOf('spend this week, need it for the mtg')?.slots.teams).toBeUndefined();
    expect(intentOf('cost for mktg this week')?.slots.teams).toEqual(['marketing']);
  });

  it("reads whether a table is up to date as that table's deadline", () => {
    expect(intentOf('is main.finance.daily_revenue up to date')?.intent).toBe('sla_misses');
  });

  it('reads a kind of failure asked of one named job as why it failed, failure word or not', () => {
    expect(intentOf('mkt_sessionize got OOMed last night?')).toMatchObject({
      intent: 'why_failed',
      slots: { jobs: [{ name: 'mkt_sessionize' }] },
    });
    expect(kindOf('was it a permission denied that took out the fx rates job')).toBe('why_failed');
    expect(kindOf('finance_payments_hourly hitting concurrent append again?')).toBe('why_failed');
    expect(kindOf('did finance_fx_rates get a 403 last night')).toBe('why_failed');
    expect(kindOf('mkt_events_ingest lost its workers again?')).toBe('why_failed');
    // Of every job the kind is still no filter the run timeline keeps, and memory use is no failure.
    expect(route('which jobs died with out of memory yesterday')).toMatchObject({ kind: 'uncovered' });
    expect(route('how much memory does mkt_sessionize use')).toMatchObject({ kind: 'uncovered' });
  });

  it('reads "whos" as "who\'s", and hogging or hammering a warehouse as its heaviest users', () => {
    expect(intentOf('whos using finance_wh the most')).toMatchObject({
      intent: 'expensive_users',
      slots: { warehouse: { name: 'finance_wh' } },
    });
    expect(intentOf('who keeps hammering marketing_bi this week')).toMatchObject({
      intent: 'expensive_users',
      slots: { warehouse: { name: 'marketing_bi' } },
    });
    expect(kindOf('which users hog finance_wh')).toBe('expensive_users');
  });

  it("reads a service principal's hyphenated address part whole, not its parts' concepts", () => {
    expect(intentOf('runs of jobs run as finance-etl-sp yesterday')).toMatchObject({
      slots: { user: 'finance-etl-sp@acme.example' },
    });
    expect(intentOf('did anything finance-etl-sp owns fail today')).toMatchObject({
      intent: 'failures',
      slots: { user: 'finance-etl-sp@acme.example' },
    });
    // What a person owns, asked with no kind of thing, is the jobs they own.
    expect(intentOf('what does finance-etl-sp own')).toMatchObject({
      intent: 'job_status',
      slots: { user: 'finance-etl-sp@acme.example' },
    });
  });

  it('joins names with "+" or "&" as with "and", leaving a "+" inside an address alone', () => {
    expect(intentOf('how are the sessionize & events ingest jobs')).toMatchObject({
      intent: 'job_status',
      slots: { jobs: [{ name: 'mkt_sessionize' }, { name: 'mkt_events_ingest' }] },
    });
    expect(intentOf('spend finance+marketing yesterday')).toMatchObject({
      intent: 'spend_by_team',
      slots: { teams: ['finance', 'marketing'] },
    });
    expect(route('queries by alice+test@acme.example')).toMatchObject({ kind: 'unknown_name' });
  });

  it('reads a word repeated around "by" or "to" as English, not a name', () => {
    expect(kindOf('job-by-job spend for finance this week')).toBe('expensive_jobs');
    expect(kindOf('team-by-team failures yesterday')).toBe('failures');
  });

  it('declines incidents by severity, which only /dbx incidents lists, and never reads "p1s" as a name', () => {
    expect(route('how many P2s did we get last week')).toMatchObject({
      kind: 'uncovered',
      subject: expect.stringContaining('severity'),
    });
    expect(route('any sev1 since monday')).toMatchObject({ kind: 'uncovered' });
  });

  it('reads querying a table as reading it', () => {
    expect(intentOf('did anyone query main.finance.orders last night')).toMatchObject({
      intent: 'table_access',
      slots: { table: 'main.finance.orders' },
    });
  });

  it('reads "idling" as idle', () => {
    expect(kindOf('any warehouses idling at the moment')).toBe('idle_warehouses');
    expect(intentOf('is marketing_bi idling')).toMatchObject({
      intent: 'idle_warehouses',
      slots: { warehouse: { name: 'marketing_bi' } },
    });
  });

  it('declines data volumes, which no answer measures', () => {
    expect(route('how many terabytes did mkt_events_ingest write yesterday')).toMatchObject({
      kind: 'uncovered',
      subject: expect.stringContaining('data volumes'),
    });
    expect(route('dollars per GB scanned on finance_wh')).toMatchObject({ kind: 'uncovered' });
    // Of queries, the answer shows the gigabytes each read.
    expect(kindOf('which queries scanned the most bytes yesterday')).toBe('expensive_queries');
  });

  it('reads a name quoted in backticks as the name, part by part or whole', () => {
    expect(intentOf('who wrote to `main`.`finance`.`orders` last night')).toMatchObject({
      intent: 'table_access',
      slots: { table: 'main.finance.orders' },
    });
    expect(intentOf('what feeds off `main.finance.raw_orders`')).toMatchObject({
      intent: 'downstream',
      slots: { table: 'main.finance.raw_orders' },
    });
  });

  it('reads service levels spelt out or as SLOs as SLAs', () => {
    expect(kindOf('were any service-level agreements breached')).toBe('sla_misses');
    expect(kindOf('slo misses for finance')).toBe('sla_misses');
  });

  it('reads a share of the bill without a team tag as the untagged spend, not as a rate of runs', () => {
    expect(kindOf('what percentage of the bill has no team tag')).toBe('untagged_spend');
    expect(route('what percentage of runs failed')).toMatchObject({ kind: 'uncovered' });
  });

  it('reads "updates" beside "pipeline" as a word, not as a pipeline\'s name', () => {
    expect(kindOf('list the failed dlt pipeline updates')).toBe('pipeline_status');
  });

  it('declines "data" as the ask\'s own word when a data volume is asked, and keeps it a team otherwise', () => {
    expect(route('how much data did we read last week')).toMatchObject({
      kind: 'uncovered',
      subject: expect.stringContaining('data volumes'),
    });
    expect(intentOf('data spend')).toMatchObject({
      intent: 'spend_by_team',
      slots: { teams: ['data-platform'] },
    });
  });

  it('reads a fragment naming any kind of thing after "and" or "what about" as a follow-up', () => {
    expect(route('and marketing_bi?')).toMatchObject({
      kind: 'follow_up',
      slots: { warehouse: { name: 'marketing_bi' } },
    });
    expect(route('what about `main.finance.orders`')).toMatchObject({
      kind: 'follow_up',
      slots: { table: 'main.finance.orders' },
    });
    // A name alone, with no word saying it follows anything, is still asked about.
    expect(kindOf('marketing_bi?')).toBe('idle_warehouses');
  });

  it('ranks who runs the heaviest work on a warehouse, rather than reading what runs now', () => {
    expect(intentOf('who is running the most stuff on marketing_bi')).toMatchObject({
      intent: 'expensive_users',
      slots: { warehouse: { name: 'marketing_bi' } },
    });
    expect(kindOf("what's running on finance_wh right now")).toBe('long_queries_now');
  });

  it('reads who ran something on a table as who read it', () => {
    expect(intentOf('who ran queries against main.finance.orders')).toMatchObject({
      intent: 'table_access',
      slots: { table: 'main.finance.orders' },
    });
  });

  it('declines which warehouse or cluster cost the most: spend is split by team, not by them', () => {
    expect(route('which cluster was billed the most last week')).toMatchObject({
      kind: 'uncovered',
      subject: expect.stringContaining('spend split by cluster'),
    });
    expect(kindOf('which warehouses are wasting money')).toBe('idle_warehouses');
  });

  it('reads whether a person is running anything now as their running queries', () => {
    expect(intentOf('is carol running anything right now')).toMatchObject({
      intent: 'long_queries_now',
      slots: { user: 'carol@acme.example' },
    });
    expect(kindOf('what did carol run yesterday')).toBe('expensive_queries');
  });

  it('reads expenditure and expenses as money', () => {
    expect(kindOf('total expenditure for marketing')).toBe('spend_by_team');
    expect(kindOf('what were our databricks expenses')).toBe('spend_by_team');
  });

  it('ranks jobs by failing when failures are the measure, by cost otherwise', () => {
    expect(kindOf('top 5 jobs by number of failures')).toBe('failures');
    expect(kindOf('top 5 jobs by cost')).toBe('expensive_jobs');
  });

  it('declines two warehouses or two clusters named at once, rather than answering for the first', () => {
    expect(route('queries on marketing_bi and finance_wh')).toMatchObject({
      kind: 'uncovered',
      subject: expect.stringContaining('several warehouses'),
    });
    expect(kindOf('queries on marketing_bi')).toBe('expensive_queries');
  });

  it('reads a word whose second letter is a vowel as a word, not as an abbreviated team', () => {
    expect(kindOf('were the service level objectives met on friday')).toBe('sla_misses');
    expect(intentOf('were the service level objectives met on friday')?.slots.teams).toBeUndefined();
    expect(intentOf('mktg spend')).toMatchObject({ slots: { teams: ['marketing'] } });
  });

  it('ranks the largest queries someone is running, unless "now" is said', () => {
    expect(kindOf("who's running the largest queries on finance_wh")).not.toBe('long_queries_now');
    expect(kindOf('biggest queries running right now')).toBe('long_queries_now');
  });

  it('reads a whole word of one cluster\'s name beside "cluster" as that cluster', () => {
    expect(route('is the analysts cluster down')).toMatchObject({ kind: 'uncovered' });
    expect(intentOf('spend on the analysts cluster')).toMatchObject({
      intent: 'spend_by_team',
      slots: { cluster: { name: 'mkt-analysts-shared' } },
    });
  });

  it("declines a cluster's health, which no answer reads, with what is known of clusters", () => {
    expect(route('is the analysts cluster down')).toMatchObject({
      kind: 'uncovered',
      subject: expect.stringContaining("a cluster's health"),
      nearest: expect.arrayContaining(['clusters_without_autotermination']),
    });
    expect(kindOf('which clusters keep running forever')).toBe('clusters_without_autotermination');
  });
});

describe('routeQuestion reads a job from the words people remember it by', () => {
  const withTasksTables: WorkspaceNames = {
    ...NAMES,
    tables: [
      ...NAMES.tables,
      'main.marketing.campaign_performance',
      'main.finance.payments_reconciled',
      'main.platform.usage_rollup',
    ],
  };
  const routed = (question: string) => {
    const r = routeQuestion(question, withTasksTables);
    return r.kind === 'intent' ? r : r.kind;
  };

  it("reads a table's shortened name, in a question about runs, as the one job holding the table's name", () => {
    expect(routed('why does campaign perf keep breaking')).toMatchObject({
      intent: 'why_failed',
      slots: { jobs: [{ name: 'mkt_campaign_performance' }] },
    });
    expect(routed('is campaign perf ok')).toMatchObject({
      intent: 'job_status',
      slots: { jobs: [{ name: 'mkt_campaign_performance' }] },
    });
  });

  it("reads a job's one telling word, in a question about its runs, as that job — not a cadence word", () => {
    expect(routed('why did rollup break')).toMatchObject({
      intent: 'why_failed',
      slots: { jobs: [{ name: 'platform_usage_rollup' }] },
    });
    expect(routed('sessionize taking longer these days?')).toMatchObject({
      intent: 'job_duration',
      slots: { jobs: [{ name: 'mkt_sessionize' }] },
    });
    // Tables do not run: the word the job shares with the table it writes is still the job's.
    expect(routed('is rollup slow')).toMatchObject({
      intent: 'job_duration',
      slots: { jobs: [{ name: 'platform_usage_rollup' }] },
    });
    // Beside a kind word the word is what that kind says, read so already.
    expect(routed('how is the sessionize pipeline')).not.toMatchObject({ intent: 'job_status' });
    const hourly = routed('hourly failures');
    expect(hourly).toMatchObject({ intent: 'failures' });
    expect(typeof hourly === 'string' ? undefined : hourly.slots.jobs).toBeUndefined();
  });

  it("reads initials in a job's name spelt out as the words they stand for", () => {
    expect(routed('has the foreign exchange rates job finished today')).toMatchObject({
      slots: { jobs: [{ name: 'finance_fx_rates' }] },
    });
  });

  it('reads a task named by its words as its job', () => {
    expect(routed('did the payments reconciliation task blow up')).toMatchObject({
      intent: 'failures',
      slots: { jobs: [{ name: 'finance_payments_hourly' }] },
    });
    expect(routed('how long does the sessionize task take')).toMatchObject({
      intent: 'job_duration',
      slots: { jobs: [{ name: 'mkt_sessionize' }] },
    });
  });
});

describe('routeQuestion, the tenth round: names typed loosely, counts, remarks and asks no intent computes', () => {
  it("reads a name's words shortened or misspelt as the name when one name fits, and says so", () => {
    const warehouse = route('whos hammering mktg bi');
    expect(warehouse).toMatchObject({ kind: 'intent', slots: { warehouse: { name: 'marketing_bi' } } });
    expect(warehouse.kind === 'intent' && warehouse.assumed).toContain('read as marketing_bi');
    expect(route('fin wh spend yesterday')).toMatchObject({
      kind: 'intent',
      intent: 'spend_by_team',
      slots: { warehouse: { name: 'finance_wh' } },
    });
    expect(route('is camp perf still red')).toMatchObject({
      slots: { jobs: [{ name: 'mkt_campaign_performance' }] },
    });
    expect(route('how long does finance_paymnts_hourly take')).toMatchObject({
      kind: 'intent',
      intent: 'job_duration',
      slots: { jobs: [{ name: 'finance_payments_hourly' }] },
    });
    expect(route('did the events ingst job fail')).toMatchObject({
      slots: { jobs: [{ name: 'mkt_events_ingest' }] },
    });
  });

  it('counts queries when a count is asked, instead of listing the heaviest', () => {
    expect(route('number of statements on finance_wh yesterday')).toMatchObject({
      kind: 'intent',
      intent: 'expensive_users',
      slots: { counted: true, warehouse: { name: 'finance_wh' } },
    });
    expect(route('total queries this week')).toMatchObject({
      intent: 'expensive_users',
      slots: { counted: true },
    });
    // A person's count is theirs, as before; the heaviest queries are still ranked.
    expect(route('how many queries did bob run')).not.toMatchObject({ slots: { counted: true } });
    expect(route('heaviest queries yesterday')).toMatchObject({ intent: 'expensive_queries' });
  });

  it('answers the question before a remark, not the remark', () => {
    expect(route('did mkt_sessionize fail today? the shared cluster seems stuck')).toMatchObject({
      kind: 'intent',
      intent: 'failures',
      slots: { jobs: [{ name: 'mkt_sessionize' }] },
    });
  });

  it('reads "who" among the teams named as which team, an error of a named job as why it failed', () => {
    expect(route("finance vs marketing costs this week, who's highest")).toMatchObject({
      intent: 'spend_by_team',
      slots: { teams: ['finance', 'marketing'] },
    });
    expect(route('mkt_sessionize: was it the driver not responding again?')).toMatchObject({
      intent: 'why_failed',
    });
  });

  it('declines a ranking of warehouses by money, and who is on call typed without an apostrophe', () => {
    expect(route('sort our sql warehouses by spend')).toMatchObject({ kind: 'uncovered' });
    expect(route('whos on call for finance tonight')).toMatchObject({
      kind: 'uncovered',
      subject: 'who is on call',
    });
  });
});
