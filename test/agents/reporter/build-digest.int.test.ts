// @module-tag slow — two days of the demo replayed and exported (test/suite-sequencer.ts runs it first)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDailyDigest } from '../../../src/agents/reporter/build-digest.js';
import type { DailyDigest } from '../../../src/agents/reporter/digest-report.js';
import { type Replay, replayScenario } from '../../../src/app/replay-scenario.js';
import { runSimExport } from '../../../src/app/sim-commands.js';
import { parsePolicy } from '../../../src/config/policy.js';
import { digestCard } from '../../../src/notify/digest-card.js';

/**
 * Scores that can be checked: the digest of the demo's second day, built by the reporter on a replay of
 * the demo, against hand-written queries on what `dbxops sim export` writes for the same scenario, hours
 * and seed, and on the replay's store.
 */
const SCENARIO = 'scenarios/demo.yaml';
const HOURS = 48;
const SEED = 42;
const DAY = { start: '2026-11-21 00:00:00', end: '2026-11-22 00:00:00' };
const dir = mkdtempSync(join(tmpdir(), 'dbxops-digest-'));
const file = join(dir, 'demo.duckdb');
// A promise from the policy besides the demo's `sla` job tag: both are judged the same way.
const policy = parsePolicy(
  'budgets: { finance: 3000 }\nslas: [{ table: main.marketing.audiences, deadline: "06:30" }]',
);

let replay: Replay;
let digest: DailyDigest;
let instance: DuckDBInstance;
let duck: DuckDBConnection;

beforeAll(async () => {
  // Half-hour steps: a thirtieth of the work of the minute `dbxops digest` steps by (minutes, not a
  // quarter of an hour, on a loaded CI machine). Detection times are coarser than a running bot's, but
  // every figure below is checked against this replay's own store and the exported tables.
  replay = await replayScenario({ scenario: SCENARIO, seed: SEED, hours: HOURS, policy, step: 1800 });
  digest = await buildDailyDigest(
    {
      warehouse: replay.embedded.warehouse,
      digests: replay.app.repos.digests,
      recurringIssues: replay.app.repos.recurringIssues,
      workspace: { id: replay.embedded.workspace.workspaceId, name: 'acme-prod' },
      budgets: policy.budgets,
      slas: policy.slas,
      timeZone: 'UTC',
    },
    replay.end,
  );
  const write = process.stdout.write;
  process.stdout.write = () => true;
  try {
    await runSimExport({ scenario: SCENARIO, out: file, hours: HOURS, seed: SEED, force: true });
  } finally {
    process.stdout.write = write;
  }
  instance = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
  duck = await instance.connect();
}, 600_000);
afterAll(async () => {
  duck?.closeSync();
  instance?.closeSync();
  await replay?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function rows(query: string): Promise<Record<string, unknown>[]> {
  return (await duck.runAndReadAll(query)).getRowObjectsJson() as Record<string, unknown>[];
}

const PRICED = `
  FROM billing.usage u JOIN billing.list_prices lp
    ON u.sku_name = lp.sku_name AND u.cloud = lp.cloud AND u.usage_unit = lp.usage_unit
   AND u.usage_start_time >= lp.price_start_time
   AND (lp.price_end_time IS NULL OR u.usage_end_time <= lp.price_end_time)`;
const USD = 'SUM(u.usage_quantity * lp.pricing.effective_list."default")';

/** Spend per team tag ('untagged' for none) of usage that started in [from, to). */
async function spendByTeam(from: string, to: string): Promise<Map<string, number>> {
  const result = await rows(`
    SELECT coalesce(u.custom_tags['team'], 'untagged') AS team, CAST(${USD} AS DOUBLE) AS usd ${PRICED}
    WHERE u.usage_start_time >= TIMESTAMP '${from}' AND u.usage_start_time < TIMESTAMP '${to}'
    GROUP BY 1`);
  return new Map(result.map((r) => [String(r.team), Number(r.usd)]));
}

const cents = (n: number) => Math.round(n * 100) / 100;

describe('the daily digest of the demo', () => {
  it('reports the last full day before the end of the replayed period', () => {
    expect(replay.end).toBe(Date.parse('2026-11-22T00:00:00Z'));
    expect(digest.day.date).toBe('2026-11-21');
  });

  it("counts the day's incidents by severity as the store holds them", async () => {
    const result = await sql<{ severity: string; n: string | number }>`
      SELECT severity, count(*) AS n FROM incidents
      WHERE opened_at >= ${new Date('2026-11-21T00:00:00Z')} AND opened_at < ${new Date('2026-11-22T00:00:00Z')}
      GROUP BY severity`.execute(replay.store.db);
    const expected = { P1: 0, P2: 0, P3: 0, P4: 0 };
    for (const r of result.rows) expected[r.severity as 'P1'] = Number(r.n);
    expect(digest.incidents.status).toBe('ok');
    if (digest.incidents.status !== 'ok') return;
    expect(digest.incidents.data.bySeverity).toEqual(expected);
    expect(digest.incidents.data.total).toBeGreaterThan(0);
  });

  it('gives the mean time to detect and to resolve the store implies', async () => {
    const result = await sql<{ detect: number | null; resolve: number | null }>`
      SELECT avg(extract(epoch FROM i.opened_at - f.first)) AS detect,
             avg(extract(epoch FROM i.resolved_at - i.opened_at)) FILTER (WHERE i.resolved_at <= ${new Date('2026-11-22T00:00:00Z')}) AS resolve
      FROM incidents i
      JOIN (SELECT l.incident_id, min(s.occurred_at) AS first FROM incident_signals l JOIN signals s ON s.id = l.signal_id GROUP BY l.incident_id) f
        ON f.incident_id = i.id
      WHERE i.opened_at >= ${new Date('2026-11-21T00:00:00Z')} AND i.opened_at < ${new Date('2026-11-22T00:00:00Z')}`.execute(
      replay.store.db,
    );
    if (digest.incidents.status !== 'ok') throw new Error('incidents missing');
    const row = result.rows[0]!;
    expect(digest.incidents.data.meanDetectSeconds).toBe(
      row.detect === null ? null : Math.round(Math.max(0, Number(row.detect))),
    );
    expect(digest.incidents.data.meanResolveSeconds).toBe(
      row.resolve === null ? null : Math.round(Number(row.resolve)),
    );
  });

  it('lists as open exactly the incidents unresolved at the end of the period', async () => {
    const result = await sql<{ n: string | number }>`
      SELECT count(*) AS n FROM incidents WHERE resolved_at IS NULL OR resolved_at > ${new Date('2026-11-22T00:00:00Z')}`.execute(
      replay.store.db,
    );
    if (digest.openIssues.status !== 'ok') throw new Error('open issues missing');
    expect(digest.openIssues.data.open).toHaveLength(Number(result.rows[0]!.n));
  });

  it("has each team's spend, 7-day average, month to date and forecast equal to billing × list prices", async () => {
    const day = await spendByTeam(DAY.start, DAY.end);
    const before = await spendByTeam('2026-11-14 00:00:00', DAY.start);
    const month = await spendByTeam('2026-11-01 00:00:00', DAY.end);
    // Billing starts on the 20th: the average rests on that one day.
    const history = await rows(`SELECT min(usage_start_time) AS first FROM billing.usage`);
    expect(String(history[0]!.first).slice(0, 10)).toBe('2026-11-20');
    expect(digest.spend.status).toBe('ok');
    if (digest.spend.status !== 'ok') return;
    expect(digest.spend.data.historyDays).toBe(1);
    expect(digest.spend.data.teams.map((t) => t.team ?? 'untagged').sort()).toEqual([...day.keys()].sort());
    for (const t of digest.spend.data.teams) {
      const team = t.team ?? 'untagged';
      const average = before.get(team) ?? 0;
      expect(t.dayUsd).toBe(cents(day.get(team) ?? 0));
      expect(t.averageUsd).toBe(cents(average));
      expect(t.monthToDateUsd).toBe(cents(month.get(team) ?? 0));
      // November has 30 days: nine are left after the 21st.
      expect(t.forecastUsd).toBe(cents((month.get(team) ?? 0) + average * 9));
    }
    expect(digest.spend.data.teams.find((t) => t.team === 'finance')?.budgetUsd).toBe(3000);
    expect(digest.spend.data.teams.find((t) => t.team === 'marketing')?.budgetUsd).toBeNull();
    expect(digest.spend.data.total.dayUsd).toBe(cents([...day.values()].reduce((a, b) => a + b, 0)));
  });

  it("points each team's spend line at `/dbx cost <team>` and the total and untagged lines at `/dbx cost`", () => {
    const spend = digestCard(digest, {}, null).sections.find((s) => s.title === 'Spend on 2026-11-21');
    const commands = spend?.lines.map((l) => l.command);
    expect(commands?.[0]).toBe('/dbx cost');
    if (digest.spend.status !== 'ok') throw new Error('spend missing');
    expect(commands?.slice(1)).toEqual(
      digest.spend.data.teams.map((t) => (t.team === null ? '/dbx cost' : `/dbx cost ${t.team}`)),
    );
    expect(commands).toContain('/dbx cost finance');
  });

  it('says a missed maximum-age SLA by the age allowed and the oldest it got, not by a deadline', () => {
    if (digest.sla.status !== 'ok') throw new Error('SLA missing');
    const item = {
      table: 'main.sales.orders_live',
      source: 'policy' as const,
      jobId: '9',
      job: 'orders_live_refresh',
      team: 'sales',
      deadlineAt: Date.UTC(2026, 10, 21, 11, 5),
      status: 'missed' as const,
      landedAt: Date.UTC(2026, 10, 21, 13, 15),
      maxAgeMinutes: 120,
      oldestMs: (4 * 60 + 10) * 60_000,
    };
    const stale = { ...digest, sla: { status: 'ok' as const, data: { ...digest.sla.data, items: [item] } } };
    const lines = digestCard(stale, {}, null).sections.flatMap((s) => s.lines.map((l) => l.text));
    expect(lines).toContain(
      'Missed: main.sales.orders_live (orders_live_refresh), must be at most 2 h old; 4 h 10 min old at worst, too old from 2026-11-21 11:05 UTC',
    );
  });

  it('prices the idle warehouse without auto-stop at its billed hours with no query, times 30', async () => {
    const idle = await rows(`
      WITH spend AS (
        SELECT u.usage_metadata.warehouse_id AS w, date_trunc('hour', u.usage_start_time) AS h, ${USD} AS usd ${PRICED}
        WHERE u.usage_start_time >= TIMESTAMP '${DAY.start}' AND u.usage_start_time < TIMESTAMP '${DAY.end}'
          AND u.usage_metadata.warehouse_id IS NOT NULL
        GROUP BY 1, 2),
      busy AS (
        SELECT compute.warehouse_id AS w, date_trunc('hour', start_time) AS h FROM query.history
        WHERE start_time >= TIMESTAMP '${DAY.start}' AND start_time < TIMESTAMP '${DAY.end}'
        UNION
        SELECT compute.warehouse_id, date_trunc('hour', end_time) FROM query.history
        WHERE end_time >= TIMESTAMP '${DAY.start}' AND end_time < TIMESTAMP '${DAY.end}')
      SELECT wh.warehouse_name AS name, CAST(SUM(s.usd) AS DOUBLE) AS usd, count(*) AS hours
      FROM spend s
      JOIN (SELECT * FROM compute.warehouses QUALIFY row_number() OVER (PARTITION BY warehouse_id ORDER BY change_time DESC) = 1) wh
        ON wh.warehouse_id = s.w
      WHERE NOT EXISTS (SELECT 1 FROM busy b WHERE b.w = s.w AND b.h = s.h) AND wh.auto_stop_minutes = 0
      GROUP BY 1`);
    expect(idle.map((r) => r.name)).toEqual(['platform_adhoc']);
    if (digest.savings.status !== 'ok') throw new Error('savings missing');
    const finding = digest.savings.data.items.find((i) => i.kind === 'warehouse_without_auto_stop');
    expect(finding).toMatchObject({ subject: 'platform_adhoc', team: 'data-platform' });
    expect(finding?.monthlyUsd).toBe(cents(Number(idle[0]!.usd) * 30));
    expect(finding?.detail).toContain(`${Number(idle[0]!.hours)} billed hours without a query`);
    // The top saving is the biggest one.
    expect(digest.savings.data.items[0]?.monthlyUsd).toBe(
      Math.max(...digest.savings.data.items.map((i) => i.monthlyUsd)),
    );
  });

  it("judges the job-tagged revenue SLA and the policy's audiences SLA by when a writer's run succeeded", async () => {
    /** The status a hand-written query gives: the first successful run of `job` in the day before `deadline`. */
    async function expected(job: string, deadline: string) {
      const landed = await rows(`
        SELECT min(period_end_time) AS ended FROM lakeflow.job_run_timeline t
        JOIN lakeflow.jobs j ON j.job_id = t.job_id
        WHERE j.name = '${job}' AND t.result_state = 'SUCCEEDED'
          AND t.period_end_time > TIMESTAMP '${deadline}' - INTERVAL 1 DAY AND t.period_end_time <= TIMESTAMP '${deadline}'`);
      const ended = landed[0]?.ended;
      if (ended === null || ended === undefined) return { status: 'missed', landedAt: null };
      const at = Date.parse(`${String(ended).replace(' ', 'T')}Z`);
      const due = Date.parse(`${deadline.replace(' ', 'T')}Z`);
      return { status: due - at < 3_600_000 ? 'at_risk' : 'met', landedAt: at };
    }
    if (digest.sla.status !== 'ok') throw new Error('SLA missing');
    expect(digest.sla.data.items.map((i) => [i.table, i.job, i.source])).toEqual([
      ['main.finance.daily_revenue', 'finance_orders_daily', 'job_tag'],
      ['main.marketing.audiences', 'mkt_audiences', 'policy'],
    ]);
    const [revenue, audiences] = digest.sla.data.items;
    expect(revenue).toMatchObject(await expected('finance_orders_daily', '2026-11-21 06:00:00'));
    expect(audiences).toMatchObject(await expected('mkt_audiences', '2026-11-21 06:30:00'));
    expect(digest.sla.data.byTeam.map((t) => t.team)).toEqual(['finance', 'marketing']);
    expect(digest.sla.data.met + digest.sla.data.atRisk + digest.sla.data.missed).toBe(2);
  });

  it('lists the approvals and remediation runs the store holds: none in a replay nobody pressed in', async () => {
    const approvals = await sql<{ n: string | number }>`SELECT count(*) AS n FROM approvals`.execute(
      replay.store.db,
    );
    const runs = await sql<{ n: string | number }>`
      SELECT count(*) AS n FROM audit_entries WHERE kind = 'execute'`.execute(replay.store.db);
    expect(digest.approvals).toEqual({ status: 'ok', data: { items: [] } });
    expect(Number(approvals.rows[0]!.n)).toBe(0);
    expect(digest.remediations).toEqual({ status: 'ok', data: { items: [] } });
    expect(Number(runs.rows[0]!.n)).toBe(0);
  });
});
