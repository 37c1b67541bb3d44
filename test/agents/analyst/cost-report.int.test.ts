import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCostPeriod } from '../../../src/agents/analyst/cost-period.js';
import {
  budgetFor,
  type CostAnalyst,
  type CostReport,
  type CostTarget,
  createCostAnalyst,
} from '../../../src/agents/analyst/cost-report.js';
import { DuckDbWarehouse } from '../../../src/databricks/duckdb-warehouse.js';
import { ManualClock } from '../../../src/domain/clock.js';
import { DEMO_END, type DemoExport, exportDemo } from './demo-export.js';

let demo: DemoExport;
let analyst: CostAnalyst;
let warehouse: DuckDbWarehouse;

beforeAll(async () => {
  demo = await exportDemo();
  warehouse = await DuckDbWarehouse.openFile(demo.path, { clock: new ManualClock(DEMO_END) });
  analyst = createCostAnalyst({ warehouse, workspaceId: demo.workspaceId });
}, 120_000);
afterAll(async () => {
  await warehouse?.close();
  await demo?.close();
});

async function costReport(
  target: CostTarget,
  period: Parameters<CostAnalyst['report']>[1],
  options: Parameters<CostAnalyst['report']>[2],
): Promise<CostReport> {
  const read = await analyst.report(target, period, options);
  if (!read.ok) throw new Error(read.userMessage);
  return read.value;
}

async function resolveCostTarget(typed: string) {
  const read = await analyst.resolveTarget(typed, DEMO_END);
  if (!read.ok) throw new Error(read.userMessage);
  return read.value;
}

function period(words: string, timeZone = 'UTC') {
  const parsed = parseCostPeriod(words, DEMO_END, timeZone);
  if (!parsed.ok) throw new Error(parsed.userMessage);
  return parsed.value;
}

/** The priced usage, written by hand in DuckDB's own SQL on the exported tables. */
const PRICED = `
  FROM billing.usage u
  JOIN billing.list_prices lp
    ON u.sku_name = lp.sku_name AND u.cloud = lp.cloud AND u.usage_unit = lp.usage_unit
   AND u.usage_start_time >= lp.price_start_time
   AND (lp.price_end_time IS NULL OR u.usage_end_time <= lp.price_end_time)`;
const PRICE = 'CAST(u.usage_quantity AS DOUBLE) * CAST(lp.pricing.effective_list."default" AS DOUBLE)';

const cents = (n: unknown) => Math.round(Number(n) * 100);

describe("a team's spend from the billing tables `dbxops sim export` writes", () => {
  it('matches a hand-written query: dollars, DBUs, days and top jobs of team finance over the last 7 days', async () => {
    const report = await costReport({ kind: 'team', team: 'finance' }, period('7d'), {
      nowMs: DEMO_END,
    });
    const [total] = await demo.hand(`
      SELECT SUM(${PRICE}) AS usd, SUM(CAST(u.usage_quantity AS DOUBLE)) AS dbus ${PRICED}
      WHERE u.custom_tags['team'] = 'finance'
        AND u.usage_start_time >= TIMESTAMP '2026-11-15 00:00:00' AND u.usage_start_time < TIMESTAMP '2026-11-22 00:00:00'`);
    expect(cents(report.usd)).toBe(cents(total?.usd));
    expect(Math.round(report.dbus)).toBe(Math.round(Number(total?.dbus)));
    expect(report.usd).toBeGreaterThan(100);

    const days = await demo.hand(`
      SELECT strftime(u.usage_start_time, '%Y-%m-%d') AS day, SUM(${PRICE}) AS usd ${PRICED}
      WHERE u.custom_tags['team'] = 'finance' GROUP BY 1 ORDER BY 1`);
    const charted = report.daily.filter((d) => d.usd > 0).map((d) => [d.day, cents(d.usd)]);
    expect(charted).toEqual(days.map((d) => [d.day, cents(d.usd)]));
    expect(report.daily.map((d) => d.day)).toEqual([
      '2026-11-15',
      '2026-11-16',
      '2026-11-17',
      '2026-11-18',
      '2026-11-19',
      '2026-11-20',
      '2026-11-21',
    ]);

    const jobs = await demo.hand(`
      SELECT u.usage_metadata.job_id AS job_id, SUM(${PRICE}) AS usd ${PRICED}
      WHERE u.custom_tags['team'] = 'finance' AND u.usage_metadata.job_id IS NOT NULL
      GROUP BY 1 ORDER BY usd DESC, job_id LIMIT 5`);
    expect(report.topJobs.map((j) => [j.id, cents(j.usd)])).toEqual(
      jobs.map((j) => [j.job_id, cents(j.usd)]),
    );
    expect(report.topJobs[0]?.name).toMatch(/^finance_/);
    expect(report.topWarehouses.map((w) => w.name)).toEqual(['finance_wh']);
  });

  it('compares yesterday with the day before, both whole days', async () => {
    const report = await costReport({ kind: 'team', team: 'finance' }, period('yesterday'), {
      nowMs: DEMO_END,
    });
    const [day] = await demo.hand(`
      SELECT SUM(${PRICE}) AS usd ${PRICED}
      WHERE u.custom_tags['team'] = 'finance' AND u.usage_date = DATE '2026-11-20'`);
    expect(cents(report.previousUsd)).toBe(cents(day?.usd));
    expect(report.daily.map((d) => d.day)).toEqual(['2026-11-21']);
  });

  it('counts days in the workspace time zone', async () => {
    const report = await costReport({ kind: 'team', team: 'finance' }, period('7d', 'America/New_York'), {
      nowMs: DEMO_END,
    });
    // 00:00 UTC on the 22nd is 19:00 on the 21st in New York: the 21st is the last day shown.
    expect(report.daily.at(-1)?.day).toBe('2026-11-21');
    expect(report.daily[0]?.day).toBe('2026-11-14');
  });

  it('shows the whole workspace per team, and says how fresh billing is', async () => {
    const report = await costReport({ kind: 'workspace' }, period('7d'), { nowMs: DEMO_END });
    expect(report.byTeam.map((t) => t.team).sort()).toEqual(['data-platform', 'finance', 'marketing']);
    expect(cents(report.byTeam.reduce((s, t) => s + t.usd, 0))).toBe(cents(report.usd));
    const [newest] = await demo.hand('SELECT MAX(usage_end_time) AS newest FROM billing.usage');
    expect(report.newestRecordMs).toBe(Date.parse(`${String(newest?.newest).replace(' ', 'T')}Z`));
  });

  it('holds month-to-date spend against a budget from `budgets:`', async () => {
    const budget = budgetFor({ finance: 100 }, { kind: 'team', team: 'finance' });
    expect(budget).toEqual({ key: 'finance', monthlyUsd: 100 });
    const report = await costReport({ kind: 'team', team: 'finance' }, period('yesterday'), {
      nowMs: DEMO_END,
      budget,
    });
    const [month] = await demo.hand(`
      SELECT SUM(${PRICE}) AS usd ${PRICED}
      WHERE u.custom_tags['team'] = 'finance' AND u.usage_start_time >= TIMESTAMP '2026-11-01 00:00:00'
        AND u.usage_start_time < TIMESTAMP '2026-11-22 00:00:00'`);
    expect(cents(report.budget?.monthToDateUsd)).toBe(cents(month?.usd));
    expect(report.budget?.month).toBe('2026-11');
    expect(report.budget?.projectedUsd).toBeGreaterThan(report.budget?.monthToDateUsd ?? 0);
  });

  it('reads a custom tag and binds a hostile tag value as a value, never as SQL', async () => {
    const center = await costReport({ kind: 'tag', key: 'cost_center', value: 'CC-100' }, period('7d'), {
      nowMs: DEMO_END,
    });
    expect(center.usd).toBeGreaterThan(0);
    const hostile = "finance' OR '1'='1";
    const report = await costReport({ kind: 'tag', key: 'team', value: hostile }, period('7d'), {
      nowMs: DEMO_END,
    });
    expect(report.usd).toBe(0);
    expect(report.statements.every((s) => !s.sql.includes(hostile))).toBe(true);
    expect(report.statements[0]?.params.tag_value).toBe(hostile);
  });

  it('reports an empty period as zero, with the SQL it ran', async () => {
    const early = parseCostPeriod('last month', DEMO_END, 'UTC');
    if (!early.ok) throw new Error(early.userMessage);
    const report = await costReport({ kind: 'team', team: 'finance' }, early.value, {
      nowMs: DEMO_END,
    });
    expect(report.usd).toBe(0);
    expect(report.statements.map((s) => s.label)).toContain('spend per hour');
  });
});

describe('naming what to cost, forgivingly', () => {
  it('finds a team whatever its case, and a warehouse with _ typed as -', async () => {
    expect(await resolveCostTarget('FINANCE')).toMatchObject({
      ok: true,
      target: { kind: 'team', team: 'finance' },
    });
    expect(await resolveCostTarget('finance-wh')).toMatchObject({
      ok: true,
      target: { kind: 'warehouse', name: 'finance_wh' },
    });
    expect(await resolveCostTarget('job:finance fx rates')).toMatchObject({
      ok: true,
      target: { kind: 'job', name: 'finance_fx_rates' },
    });
  });

  it('reads a prefix of one team as that team, and a prefix of several jobs as a choice', async () => {
    expect(await resolveCostTarget('fin')).toMatchObject({
      ok: true,
      target: { kind: 'team', team: 'finance' },
    });
    const mkt = await resolveCostTarget('mkt');
    expect(mkt.ok).toBe(false);
    if (mkt.ok) return;
    expect(mkt.reason).toBe('ambiguous');
    expect(mkt.candidates.length).toBeGreaterThan(1);
    expect(mkt.candidates.every((c) => c.kind === 'job' && c.name.startsWith('mkt_'))).toBe(true);
  });

  it('answers a misspelt name with the nearest names', async () => {
    const unknown = await resolveCostTarget('finanse');
    expect(unknown).toMatchObject({ ok: false, reason: 'unknown' });
    if (unknown.ok) return;
    expect(unknown.userMessage).toBe(
      'No team, job or warehouse named "finanse" in this workspace\'s billing records, jobs or warehouses. The nearest names are below.',
    );
    expect(unknown.candidates[0]).toEqual({ kind: 'team', team: 'finance' });
    expect(unknown.candidates.length).toBeLessThanOrEqual(5);
  });

  it('answers a name with nothing near it with the teams that exist', async () => {
    const unknown = await resolveCostTarget('team-x');
    expect(unknown).toMatchObject({ ok: false, reason: 'unknown' });
    if (unknown.ok) return;
    expect(unknown.candidates).toEqual([
      { kind: 'team', team: 'data-platform' },
      { kind: 'team', team: 'finance' },
      { kind: 'team', team: 'marketing' },
    ]);
  });

  it('takes tags as key=value and refuses a tag longer than Databricks allows', async () => {
    expect(await resolveCostTarget('cost_center=CC-100')).toMatchObject({
      ok: true,
      target: { kind: 'tag', key: 'cost_center', value: 'CC-100' },
    });
    expect(await resolveCostTarget(`team=${'x'.repeat(300)}`)).toMatchObject({
      ok: false,
      reason: 'invalid',
    });
    expect(await resolveCostTarget('workspace')).toMatchObject({
      ok: true,
      target: { kind: 'workspace' },
    });
  });
});
