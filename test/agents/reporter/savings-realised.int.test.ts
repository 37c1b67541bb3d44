import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWeeklyDigest, type ReporterDeps } from '../../../src/agents/reporter/build-digest.js';
import type { WeeklyDigest } from '../../../src/agents/reporter/digest-report.js';
import { runSimExport } from '../../../src/app/sim-commands.js';
import { DuckDbWarehouse } from '../../../src/databricks/duckdb-warehouse.js';
import { digestCard } from '../../../src/notify/digest-card.js';
import { openStore, type Store } from '../../../src/store/open-store.js';
import { createRepositories, type Repositories } from '../../../src/store/repositories.js';

/**
 * "Savings realised" in the weekly summary, on the demo's first three days with the week after them:
 * a cluster that had no auto-termination on the Sunday before the week gets one during it, and
 * remediations pause a job's schedule (kept), pause and resume another (no lasting saving) and cancel
 * a run (not estimated). Every dollar is checked against a hand-written query on the exported tables.
 */
const at = (iso: string) => Date.parse(iso);
const WORKSPACE = '1234567890123456';
const dir = mkdtempSync(join(tmpdir(), 'dbxops-savings-'));
const file = join(dir, 'demo.duckdb');
let warehouse: DuckDbWarehouse;
let store: Store;
let repos: Repositories;
let weekly: WeeklyDigest;
let jobs: Map<string, string>;

async function query(sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
  const connection = await instance.connect();
  try {
    return (await connection.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** A remediation as the runner records it: the execution, then its verified outcome. */
async function ran(action: string, resource: string, iso: string, verified = 'applied'): Promise<void> {
  const entry = (kind: 'execute' | 'verify', outcome: string, now: number) =>
    repos.audit.append(
      {
        kind,
        who: { chat: { surface: 'console', userId: 'alice' }, principal: 'alice@acme.example' },
        what: { action },
        where: { workspaceId: WORKSPACE, resource },
        why: { incidentId: null },
        result: { outcome },
      },
      now,
    );
  await entry('execute', 'started', at(iso));
  await entry('verify', verified, at(iso) + 60_000);
}

beforeAll(async () => {
  const write = process.stdout.write;
  process.stdout.write = () => true;
  try {
    await runSimExport({ scenario: 'scenarios/demo.yaml', out: file, hours: 72, seed: 42, force: true });
  } finally {
    process.stdout.write = write;
  }
  // mkt-analysts-shared had no auto-termination from the 21st; someone sets one on the 24th.
  const instance = await DuckDBInstance.create(file);
  const connection = await instance.connect();
  for (const [minutes, when] of [
    [0, '2026-11-21 00:00:00'],
    [60, '2026-11-24 09:00:00'],
  ] as const)
    await connection.run(`
      INSERT INTO compute.clusters
      SELECT * REPLACE (${minutes} AS auto_termination_minutes, TIMESTAMP '${when}' AS change_time)
      FROM compute.clusters WHERE cluster_name = 'mkt-analysts-shared'
      QUALIFY row_number() OVER (ORDER BY change_time DESC) = 1`);
  connection.closeSync();
  instance.closeSync();
  jobs = new Map(
    (await query('SELECT DISTINCT name, job_id FROM lakeflow.jobs')).map((r) => [
      String(r.name),
      String(r.job_id),
    ]),
  );

  store = await openStore({ dataDir: 'memory://' });
  await store.migrate();
  repos = createRepositories(store.db);
  await ran('pause_schedule', `job:${jobs.get('finance_payments_hourly')}`, '2026-11-23T00:30:00Z');
  await ran('pause_schedule', `job:${jobs.get('mkt_events_ingest')}`, '2026-11-23T01:00:00Z');
  await ran('resume_schedule', `job:${jobs.get('mkt_events_ingest')}`, '2026-11-23T05:00:00Z');
  await ran('pause_schedule', `job:${jobs.get('platform_audit_export')}`, '2026-11-23T02:00:00Z', 'failed');
  await ran('cancel_run', `job:${jobs.get('mkt_sessionize')}`, '2026-11-23T03:00:00Z');

  warehouse = await DuckDbWarehouse.openFile(file, { clock: { now: () => at('2026-11-30T07:00:00Z') } });
  const deps: ReporterDeps = {
    warehouse,
    digests: repos.digests,
    recurringIssues: repos.recurringIssues,
    workspace: { id: WORKSPACE, name: 'acme-prod' },
    budgets: {},
    slas: [],
    timeZone: 'UTC',
  };
  // The week of the 23rd against the one before; the Sunday before it is the 22nd.
  weekly = await buildWeeklyDigest({ ...deps }, at('2026-11-30T07:00:00Z'));
}, 300_000);
afterAll(async () => {
  await warehouse?.close();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

const PRICED = `
  FROM billing.usage u JOIN billing.list_prices lp
    ON u.sku_name = lp.sku_name AND u.cloud = lp.cloud AND u.usage_unit = lp.usage_unit
   AND u.usage_start_time >= lp.price_start_time
   AND (lp.price_end_time IS NULL OR u.usage_end_time <= lp.price_end_time)`;
const USD = 'CAST(SUM(u.usage_quantity * lp.pricing.effective_list."default") AS DOUBLE)';
const cents = (n: number) => Math.round(n * 100) / 100;

describe('savings realised in the weekly summary', () => {
  it("keeps a fixed finding's estimate: auto-termination set on a cluster that had none", async () => {
    if (weekly.savingsRealised.status !== 'ok') throw new Error(weekly.savingsRealised.reason);
    const [spent] = await query(`
      SELECT ${USD} AS usd ${PRICED}
      JOIN compute.clusters c ON c.cluster_id = u.usage_metadata.cluster_id AND c.cluster_name = 'mkt-analysts-shared'
      WHERE u.usage_start_time >= TIMESTAMP '2026-11-22 00:00:00' AND u.usage_start_time < TIMESTAMP '2026-11-23 00:00:00'
        AND c.change_time = (SELECT max(change_time) FROM compute.clusters WHERE cluster_name = 'mkt-analysts-shared')`);
    const item = weekly.savingsRealised.data.items.find((i) => i.kind === 'auto_termination_set');
    expect(item?.subject).toBe('mkt-analysts-shared');
    expect(item?.monthlyUsd).toBeGreaterThan(0);
    expect(item?.monthlyUsd).toBeCloseTo(cents(Number(spent?.usd) * 30), 1);
    expect(item?.detail).toMatch(
      /^auto-termination set to 60 min by the end of 2026-11-29; on 2026-11-22 it was/,
    );
  });

  it('counts a paused schedule that stays paused: its spend of the 24 hours before × 30', async () => {
    if (weekly.savingsRealised.status !== 'ok') throw new Error(weekly.savingsRealised.reason);
    const [spent] = await query(`
      SELECT ${USD} AS usd ${PRICED}
      WHERE u.usage_metadata.job_id = '${jobs.get('finance_payments_hourly')}'
        AND u.usage_start_time >= TIMESTAMP '2026-11-22 00:30:00' AND u.usage_start_time < TIMESTAMP '2026-11-23 00:30:00'`);
    const paused = weekly.savingsRealised.data.items.filter((i) => i.kind === 'schedule_paused');
    expect(paused.map((i) => [i.subject, i.team])).toEqual([['finance_payments_hourly', 'finance']]);
    expect(paused[0]?.monthlyUsd).toBeGreaterThan(0);
    expect(paused[0]?.monthlyUsd).toBeCloseTo(cents(Number(spent?.usd) * 30), 1);
    expect(weekly.savingsRealised.data.totalMonthlyUsd).toBeCloseTo(
      weekly.savingsRealised.data.items.reduce((a, i) => a + i.monthlyUsd, 0),
      2,
    );
  });

  it('lists what it cannot put a figure on, counts nothing for a resumed or failed pause, and labels estimates', () => {
    if (weekly.savingsRealised.status !== 'ok') throw new Error(weekly.savingsRealised.reason);
    expect(weekly.savingsRealised.data.notEstimated).toEqual([
      'The schedule of mkt_events_ingest, paused at 2026-11-23 01:00 UTC, was resumed at 2026-11-23 05:00 UTC: no lasting saving.',
      'A run cancelled at 2026-11-23 03:00 UTC: what it saved depends on how long it would have gone on, which nobody can know.',
    ]);
    const section = digestCard(weekly).sections.find((s) => s.title === 'Savings realised (estimates)');
    expect(section?.lines[0]?.text).toMatch(
      /^About \$[\d,.]+\/month from 2 changes this week — estimates at list price: the spend each change removes, per 30 days$/,
    );
    expect(section?.sql).toContain('usage_metadata.job_id');
  });
});
