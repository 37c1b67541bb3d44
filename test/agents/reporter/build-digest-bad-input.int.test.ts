import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDailyDigest, type ReporterDeps } from '../../../src/agents/reporter/build-digest.js';
import { DuckDbWarehouse } from '../../../src/databricks/duckdb-warehouse.js';
import { type Warehouse, warehouseError } from '../../../src/databricks/warehouse.js';
import { ManualClock } from '../../../src/domain/clock.js';
import { renderDigestCardText } from '../../../src/cards/text-digest-card.js';
import { digestCard } from '../../../src/notify/digest-card.js';
import { openStore, type Store } from '../../../src/store/open-store.js';
import { createRepositories } from '../../../src/store/repositories.js';
import { DEMO_END, type DemoExport, exportDemo } from '../analyst/demo-export.js';

/**
 * Issue 15's bad input: a system table that cannot be reached gives a digest that says which section
 * is missing and why — not no digest — after one read (the Databricks client repeats a reset
 * connection, test/databricks/rest/http-transport.int.test.ts); a team without a budget or without
 * tags is shown as such.
 */
let demo: DemoExport;
let warehouse: DuckDbWarehouse;
let store: Store;

beforeAll(async () => {
  demo = await exportDemo();
  warehouse = await DuckDbWarehouse.openFile(demo.path, { clock: new ManualClock(DEMO_END) });
  store = await openStore({ dataDir: 'memory://' });
}, 300_000);
afterAll(async () => {
  await store?.close();
  await warehouse?.close();
  await demo?.close();
});

/** The demo's warehouse, except that statements reading billing fail `times` times, as a reset does. */
function billingFails(times: number): Warehouse & { readonly failures: () => number } {
  let failed = 0;
  return {
    async query(sql, options) {
      if (/system\.billing\./.test(sql) && failed < times) {
        failed++;
        throw warehouseError(
          'UNAVAILABLE',
          'POST /api/2.0/sql/statements failed: could not reach the workspace (ECONNRESET)',
        );
      }
      return warehouse.query(sql, options);
    },
    close: async () => {},
    failures: () => failed,
  };
}

function deps(w: Warehouse, budgets: ReporterDeps['budgets'] = {}): ReporterDeps {
  const repos = createRepositories(store.db);
  return {
    warehouse: w,
    digests: repos.digests,
    recurringIssues: repos.recurringIssues,
    workspace: { id: demo.workspaceId, name: 'acme-prod' },
    budgets,
    slas: [],
    timeZone: 'UTC',
  };
}

describe('the daily digest when a system table cannot be reached', () => {
  it('names the sections billing feeds as missing, with the reason, and still reports the rest', async () => {
    const digest = await buildDailyDigest(deps(billingFails(Number.POSITIVE_INFINITY)), DEMO_END);
    expect(digest.spend).toEqual({
      status: 'missing',
      reason:
        'system.billing.usage, system.billing.list_prices could not be read (unavailable): POST /api/2.0/sql/statements failed: could not reach the workspace (ECONNRESET)',
    });
    expect(digest.savings.status).toBe('missing');
    expect(digest.sla.status).toBe('ok');
    expect(digest.incidents.status).toBe('ok');
    const text = renderDigestCardText(digestCard(digest));
    expect(text).toMatch(
      /Spend on 2026-11-21\n-+\n {2}Missing: system\.billing\.usage, system\.billing\.list_prices could not be read \(unavailable\)/,
    );
  }, 120_000);

  it('reads a failing section once, leaving repeats to the Databricks client, and reports the next whole', async () => {
    const flaky = billingFails(1);
    const digest = await buildDailyDigest(deps(flaky), DEMO_END);
    expect(flaky.failures()).toBe(1);
    expect(digest.spend.status).toBe('missing');
    const next = await buildDailyDigest(deps(flaky), DEMO_END);
    expect(next.spend.status).toBe('ok');
    expect(next.savings.status).toBe('ok');
  }, 120_000);
});

describe('the daily digest for teams without a budget or without tags', () => {
  it('says "no budget set" for a team the policy gives none, and "no team tag" for untagged spend', async () => {
    const digest = await buildDailyDigest(deps(warehouse, { finance: 3000 }), DEMO_END);
    if (digest.spend.status !== 'ok') throw new Error(digest.spend.reason);
    // The demo tags every dollar; an untagged line is added as the reporter would build one.
    const untagged = { ...digest.spend.data.teams[0]!, team: null, budgetUsd: null };
    const text = renderDigestCardText(
      digestCard({
        ...digest,
        spend: {
          status: 'ok',
          data: { ...digest.spend.data, teams: [...digest.spend.data.teams, untagged] },
        },
      }),
    );
    expect(text).toMatch(/finance: \$[\d,.]+ .*, \d+ % of its \$3,000\.00 budget/);
    expect(text).toMatch(/marketing: \$[\d,.]+ .*, no budget set/);
    expect(text).toMatch(/no team tag/);
  }, 120_000);
});
