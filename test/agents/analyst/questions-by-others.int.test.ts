import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Answer, createAnalyst } from '../../../src/agents/analyst/analyst.js';
import { openScenarioWarehouse, type ScenarioWarehouse } from '../../../src/app/scenario-warehouse.js';
import { DEFAULT_SCENARIO_FILE } from '../../../src/config/default-scenario-file.js';
import { defaultPolicy } from '../../../src/config/policy.js';
import { ManualClock } from '../../../src/domain/clock.js';
import { type ExpectedAnswer, type Half, halfOf, QUESTIONS_BY_OTHERS } from './questions-by-others.js';

// The demo scenario, 48 h, seed 42, as `dbxops ask` answers it with no model configured.
let demo: ScenarioWarehouse;

beforeAll(async () => {
  demo = await openScenarioWarehouse({ scenario: DEFAULT_SCENARIO_FILE, seed: 42 });
}, 120_000);

afterAll(async () => {
  await demo?.close();
});

type Grade = 'right' | 'wrong-confident' | 'missed';

/** The billing product each product word of an expectation names, as `billing_origin_product` spells it. */
const PRODUCTS: Readonly<Record<string, string>> = {
  SQL: "billing_origin_product = 'SQL'",
  jobs: "billing_origin_product = 'JOBS'",
  DLT: "billing_origin_product = 'DLT'",
  'model serving': "billing_origin_product = 'MODEL_SERVING'",
  serverless: 'product_features.is_serverless',
  photon: 'product_features.is_photon',
};

const quoted = (value: string) => `'${value.replaceAll("'", "''")}'`;

/**
 * What a spend answer's first dollar figure must be, worked out here from the billing tables with a
 * plain statement of its own (each record at the list price of its SKU when it started) — never with
 * the intent's SQL — for the filters and period the expectation names; undefined where it names
 * something this statement cannot say (a person, a cluster, no period).
 */
async function expectedSpend(expected: ExpectedAnswer): Promise<number | undefined> {
  if (expected.period === undefined || expected.decline !== undefined) return undefined;
  const { team, product, warehouse, pipeline, ...others } = expected.filters ?? {};
  if (Object.keys(others).length > 0) return undefined;
  const where = [`workspace_id = ${quoted(demo.workspaceId)}`];
  where.push(`usage_start_time >= TIMESTAMP ${quoted(expected.period[0])}`);
  where.push(`usage_start_time < TIMESTAMP ${quoted(expected.period[1])}`);
  if (team !== undefined) where.push(`custom_tags['team'] IN (${[team].flat().map(quoted).join(', ')})`);
  for (const word of [product ?? []].flat()) {
    const clause = PRODUCTS[word];
    if (clause === undefined) return undefined;
    where.push(clause);
  }
  if (warehouse !== undefined) {
    where.push(
      `usage_metadata.warehouse_id IN (SELECT warehouse_id FROM system.compute.warehouses WHERE warehouse_name = ${quoted(warehouse)})`,
    );
  }
  if (pipeline !== undefined) {
    where.push(
      `usage_metadata.dlt_pipeline_id IN (SELECT pipeline_id FROM system.lakeflow.pipelines WHERE name = ${quoted(pipeline)})`,
    );
  }
  const { rows } = await demo.warehouse.query(
    `SELECT coalesce(sum(u.usage_quantity * (
       SELECT max(p.pricing.effective_list.default) FROM system.billing.list_prices p
        WHERE p.sku_name = u.sku_name AND p.price_start_time <= u.usage_start_time
          AND (p.price_end_time IS NULL OR u.usage_start_time < p.price_end_time))), 0) AS usd
     FROM system.billing.usage u WHERE ${where.join(' AND ')}`,
  );
  return Number(rows[0]?.usd ?? 0);
}

const dollars = (usd: number) =>
  `$${usd.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

/**
 * How many runs failed, worked out here from the run timeline (a run's result is on its last slice;
 * it failed, errored or timed out) for the teams or jobs and period the expectation names; undefined
 * where it names something else.
 */
async function expectedFailures(expected: ExpectedAnswer): Promise<number | undefined> {
  if (expected.period === undefined || expected.decline !== undefined) return undefined;
  const { team, job, ...others } = expected.filters ?? {};
  if (Object.keys(others).length > 0) return undefined;
  const names = (column: string, values: string | readonly string[]) =>
    `job_id IN (SELECT job_id FROM system.lakeflow.jobs WHERE workspace_id = ${quoted(demo.workspaceId)}
       AND ${column} IN (${[values].flat().map(quoted).join(', ')}))`;
  const where = [
    `workspace_id = ${quoted(demo.workspaceId)}`,
    "result_state IN ('FAILED', 'ERROR', 'TIMED_OUT')",
    `period_end_time >= TIMESTAMP ${quoted(expected.period[0])}`,
    `period_end_time < TIMESTAMP ${quoted(expected.period[1])}`,
    ...(team === undefined ? [] : [names("tags['team']", team)]),
    ...(job === undefined ? [] : [names('name', job)]),
  ];
  const { rows } = await demo.warehouse.query(
    `SELECT count(DISTINCT run_id) AS runs FROM system.lakeflow.job_run_timeline WHERE ${where.join(' AND ')}`,
  );
  return Number(rows[0]?.runs ?? 0);
}

/** Why a failures answer's count is not the one the run timeline holds, or undefined when it is. */
async function wrongFailures(expected: ExpectedAnswer, summary: string): Promise<string | undefined> {
  const count = await expectedFailures(expected);
  if (count === undefined) return undefined;
  const said = /^No failed runs/.test(summary) ? 0 : Number(summary.match(/^(\d+) failed runs?\b/)?.[1]);
  // Two periods compared say one count each; the first is the period asked.
  return said === count
    ? undefined
    : `${Number.isNaN(said) ? 'no count' : said} failed runs said, expected ${count}`;
}

/** Why a spend answer's amount is not the one the billing tables hold, or undefined when it is. */
async function wrongSpend(expected: ExpectedAnswer, summary: string): Promise<string | undefined> {
  const amount = await expectedSpend(expected);
  if (amount === undefined) return undefined;
  const said = summary.match(/\$([\d,]+\.\d{2})/)?.[1];
  // No spend, or a period the billing data does not cover, is said with no figure: right when the tables hold none.
  if (said === undefined)
    return amount === 0 && /^No spend|not cover/.test(summary)
      ? undefined
      : `no spend said, expected ${dollars(amount)}`;
  // The answer adds up its rows, each rounded to the cent: a cent or two of rounding is no wrong figure.
  return Math.abs(Number(said.replaceAll(',', '')) - amount) <= 0.02
    ? undefined
    : `spend $${said}, expected ${dollars(amount)}`;
}

/** Why an answer is not the expected one, or undefined when it is. */
async function mismatch(expected: ExpectedAnswer, answer: Answer): Promise<string | undefined> {
  if (answer.outcome !== 'answered') {
    if (
      expected.decline !== undefined &&
      (answer.outcome === 'unanswerable' || answer.outcome === 'refused')
    ) {
      return answer.outcome === 'refused' || answer.followUps.length > 0
        ? undefined
        : 'declined with no suggestions';
    }
    // A name the workspace does not have ("team-x"), said so: the honest decline for it.
    if (expected.decline === 'must' && answer.outcome === 'unknown_name') return undefined;
    // The right one among the nearest names, whatever kind of name was misspelt.
    const { team, job, table, warehouse, pipeline, cluster, user } = expected.filters ?? {};
    const nearest = [team ?? job ?? table ?? warehouse ?? pipeline ?? cluster ?? user ?? []].flat()[0];
    if (expected.nearest && answer.outcome === 'unknown_name' && nearest !== undefined) {
      return answer.followUps.some((f) => f.label.includes(nearest))
        ? undefined
        : 'nearest names miss the right one';
    }
    return `${answer.outcome}: ${answer.summary}`;
  }
  if (expected.decline === 'must') return `answered ${answer.intent} for a question no intent covers`;
  if (answer.intent === null || answer.intent === 'model' || !expected.intents.includes(answer.intent)) {
    return `intent ${answer.intent}, expected ${expected.intents.join(' or ')}`;
  }
  const said = answer.summary.toLowerCase();
  // A team is said as what the answer is narrowed to, before its figures — not merely listed among
  // every team's ("Spend yesterday: …; the most: data-platform …" is no answer for data-platform).
  const narrowed = said.replace(/;?\s*(?:the )?most:.*$/, '');
  for (const [kind, values] of Object.entries(expected.filters ?? {})) {
    for (const value of [values].flat()) {
      const where = kind === 'team' ? narrowed : said;
      if (!where.includes(value.toLowerCase())) return `${kind} ${value} not in "${answer.summary}"`;
    }
  }
  if (expected.period !== undefined) {
    const [start, end] = expected.period.map((iso) => Date.parse(iso));
    if (answer.period?.startMs !== start || answer.period?.endMs !== end) {
      const got = answer.period
        ? `${new Date(answer.period.startMs).toISOString()}..${new Date(answer.period.endMs).toISOString()}`
        : 'none';
      return `period ${got}, expected ${expected.period.join('..')}`;
    }
  }
  if (answer.intent === 'spend_by_team') {
    const wrong = await wrongSpend(expected, answer.summary);
    if (wrong !== undefined) return wrong;
  }
  if (answer.intent === 'failures') {
    const wrong = await wrongFailures(expected, answer.summary);
    if (wrong !== undefined) return wrong;
  }
  if (expected.earlierUncovered && /\(new\)|against \$0\.00|\$0\.00 the period before/.test(answer.summary)) {
    return `compares against a period the data does not cover: "${answer.summary}"`;
  }
  return undefined;
}

describe('questions phrased by others, on the demo scenario', () => {
  it('places them, keeps their filters and periods, and declines what no intent answers', async () => {
    const analyst = createAnalyst({
      warehouse: demo.warehouse,
      workspaceId: demo.workspaceId,
      clock: demo.clock,
      wallClock: new ManualClock(Date.UTC(2026, 0, 1)),
      policy: defaultPolicy(),
    });
    const tally: Record<Half, Map<Grade, number>> = {
      tune: new Map(),
      'held-out': new Map(),
      fresh: new Map(),
      third: new Map(),
      fourth: new Map(),
      fifth: new Map(),
      sixth: new Map(),
      seventh: new Map(),
      eighth: new Map(),
      ninth: new Map(),
      tenth: new Map(),
      eleventh: new Map(),
    };
    const sizes: Record<Half, number> = {
      tune: 0,
      'held-out': 0,
      fresh: 0,
      third: 0,
      fourth: 0,
      fifth: 0,
      sixth: 0,
      seventh: 0,
      eighth: 0,
      ninth: 0,
      tenth: 0,
      eleventh: 0,
    };
    const lines: string[] = [];
    for (const [index, question] of QUESTIONS_BY_OTHERS.entries()) {
      const answer = await analyst.ask({ text: question.text });
      const why = await mismatch(question.expect, answer);
      const grade: Grade =
        why === undefined ? 'right' : answer.outcome === 'answered' ? 'wrong-confident' : 'missed';
      sizes[halfOf(index)] += 1;
      const half = tally[halfOf(index)];
      half.set(grade, (half.get(grade) ?? 0) + 1);
      if (why !== undefined) lines.push(`  ${halfOf(index)} #${index} [${grade}] ${question.text} — ${why}`);
    }
    for (const [name, half] of Object.entries(tally)) {
      console.log(
        `questions by others, ${name}: ${half.get('right') ?? 0}/${sizes[name as Half]} right, ` +
          `${half.get('wrong-confident') ?? 0} wrong and confident, ${half.get('missed') ?? 0} missed`,
      );
    }
    console.log(lines.join('\n'));
    // Floors: the last measurement's count of right answers (40, 40 and 46 questions).
    expect(tally.tune.get('right') ?? 0).toBeGreaterThanOrEqual(40);
    expect(tally['held-out'].get('right') ?? 0).toBeGreaterThanOrEqual(40);
    // Measured at 29 before this round's fixes, which were then made against it.
    expect(tally.fresh.get('right') ?? 0).toBeGreaterThanOrEqual(46);
    // Measured at 13 before the third round's fixes, which were then made against it.
    expect(tally.third.get('right') ?? 0).toBeGreaterThanOrEqual(40);
    // Written after the third round and measured before any fix: 32 of 41; then tuned on.
    expect(tally.fourth.get('right') ?? 0).toBeGreaterThanOrEqual(41);
    // Written blind after the fourth round and measured before any fix: 31 of 40; then tuned on.
    expect(tally.fifth.get('right') ?? 0).toBeGreaterThanOrEqual(40);
    // Written blind after the fifth round and measured before any fix made against it: 34 of 40; then tuned on.
    expect(tally.sixth.get('right') ?? 0).toBeGreaterThanOrEqual(40);
    // Written blind after the sixth round and measured before any fix made against it: 25 of 40; then tuned on.
    expect(tally.seventh.get('right') ?? 0).toBeGreaterThanOrEqual(40);
    // Written blind after the seventh round and measured before any fix made against it: 32 of 40; then tuned on.
    expect(tally.eighth.get('right') ?? 0).toBeGreaterThanOrEqual(40);
    // Written blind after the eighth round and measured before any fix made against it: 30 of 40; then tuned on.
    expect(tally.ninth.get('right') ?? 0).toBeGreaterThanOrEqual(40);
    // Written blind after the ninth round and measured before any fix made against it: 31 of 40; then tuned on.
    expect(tally.tenth.get('right') ?? 0).toBeGreaterThanOrEqual(40);
    // Written blind after the tenth round and measured once, before any fix made against it, on the code as
    // of main 35cc416: 33 of 40 (5 wrong and confident, 2 missed); then 40 after the fixes of its seven kinds.
    expect(tally.eleventh.get('right') ?? 0).toBeGreaterThanOrEqual(40);
  }, 120_000);
});
