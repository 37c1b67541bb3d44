import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zonedMidnight } from '../../src/agents/analyst/cost-period.js';
import { runAsk } from '../../src/app/ask-command.js';
import { buildDigestOutput } from '../../src/app/digest-command.js';
import type { EmbeddedWorkspace } from '../../src/app/embedded-workspace.js';
import { type RunningDbxops, startDbxops } from '../../src/app/start-command.js';
import { type Env, loadEnv } from '../../src/config/env.js';
import { createLogger } from '../../src/config/logger.js';
import { decodePng } from '../support/png.js';
import { serveDemoOverTls, servedWorkspaceEnv } from '../support/served-simulator.js';

/**
 * The questions, `/dbx cost` and the digest with dbxops configured for a real workspace: the demo
 * served by `dbxops sim serve --tls --wall-clock --at-hour 48`, reached only over HTTPS, its system
 * tables read through the SQL warehouse API. Each figure is checked against a hand-written query on
 * the simulator's own tables.
 */
let sim: EmbeddedWorkspace;
let running: RunningDbxops;
let env: Env;
let dataDir: string;
const usd = (n: number) => new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' }).format(n);

/** A team's spend at list price in `[from, to)`, written by hand on the simulator's tables. */
async function handSpend(team: string, from: number, to: number): Promise<number> {
  const result = await sim.warehouse.query(
    `SELECT SUM(u.usage_quantity * lp.pricing.effective_list.default) AS usd
       FROM system.billing.usage u JOIN system.billing.list_prices lp
         ON u.sku_name = lp.sku_name AND u.cloud = lp.cloud AND u.usage_unit = lp.usage_unit
        AND u.usage_start_time >= lp.price_start_time
        AND (lp.price_end_time IS NULL OR u.usage_end_time <= lp.price_end_time)
      WHERE u.custom_tags['team'] = :team
        AND u.usage_start_time >= :day_start AND u.usage_start_time < :day_end`,
    {
      params: {
        team,
        day_start: new Date(from).toISOString(),
        day_end: new Date(to).toISOString(),
      },
    },
  );
  return Number(result.rows[0]?.usd ?? 0);
}

beforeAll(async () => {
  sim = await serveDemoOverTls({ atHour: 48 });
  dataDir = mkdtempSync(join(tmpdir(), 'dbxops-answers-'));
  env = loadEnv({
    PORT: '0',
    LOG_LEVEL: 'silent',
    DBXOPS_DATA_DIR: dataDir,
    ...servedWorkspaceEnv(sim),
  });
  running = await startDbxops(env, createLogger({ level: 'silent' }));
}, 180_000);

afterAll(async () => {
  await running?.stop();
  await sim?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

let seq = 0;
async function consoleSend(text: string): Promise<{ ok: boolean; ephemeral: { html: string }[] }> {
  const res = await fetch(`${running.url}/api/composer`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ channelId: 'finops', text, requestId: `answers-${++seq}-${Date.now()}` }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { ok: boolean; ephemeral: { html: string }[] };
}

async function cards(): Promise<string[]> {
  const res = await fetch(`${running.url}/api/channels/finops/messages`);
  return ((await res.json()) as { messages: { html: string }[] }).messages.map((m) => m.html);
}

/** The newest card containing `text`, once the bot has posted it. */
async function cardWith(text: string): Promise<string> {
  await expect
    .poll(async () => (await cards()).some((h) => h.includes(text)), { timeout: 60_000 })
    .toBe(true);
  return (await cards()).findLast((h) => h.includes(text)) ?? '';
}

describe('dbxops configured for a workspace served over HTTPS', () => {
  it("answers `/dbx cost finance yesterday` in the console with the hand-written query's dollars and a PNG chart", async () => {
    expect(running.embedded).toBeNull();
    const now = Date.now();
    const expected = await handSpend('finance', zonedMidnight(now, -1, 'UTC'), zonedMidnight(now, 0, 'UTC'));
    expect(expected).toBeGreaterThan(0);
    const outcome = await consoleSend('/dbx cost finance yesterday');
    expect(outcome.ok).toBe(true);
    const html = await cardWith('dbx-cost');
    expect(html).toContain(usd(expected));
    expect(html).toContain('Billing data up to');
    expect(html).toContain('<summary>Show SQL</summary>');
    const src = /<img src="([^"]+)"/.exec(html)?.[1]?.replaceAll('&amp;', '&') ?? '';
    const png = await fetch(`${running.url}${src}`);
    expect(png.headers.get('content-type')).toBe('image/png');
    expect(decodePng(Buffer.from(await png.arrayBuffer()))).toEqual({ width: 1600, height: 640 });
  }, 120_000);

  it('answers `/dbx ask` in the console from the served tables, with its SQL, to the person who asked', async () => {
    const outcome = await consoleSend('/dbx ask which warehouses have no auto-stop?');
    const html = outcome.ephemeral.map((e) => e.html).join('');
    expect(html).toContain('1 warehouse never stops on its own: platform_adhoc.');
    expect(html).toContain('Show SQL');
  }, 120_000);

  it('prints `dbxops ask --json` against the configured workspace, not the embedded one', async () => {
    let out = '';
    await runAsk(
      { question: 'which warehouses have no auto-stop?', json: true, seed: 42 },
      { env, write: (t) => (out += t) },
    );
    const answer = JSON.parse(out) as { rows: unknown[][]; summary: string; sql: string };
    expect(answer.summary).toBe('1 warehouse never stops on its own: platform_adhoc.');
    expect(answer.rows.map((r) => r[0])).toEqual(['platform_adhoc']);
    expect(answer.sql).toMatch(/^SELECT warehouse_name/);
  }, 120_000);

  it("prints `dbxops digest --print --json` from the served tables: yesterday's spend per team as a hand-written query gives it", async () => {
    const at = new Date(zonedMidnight(Date.now(), 0, 'UTC') + 7 * 3_600_000).toISOString();
    const digest = JSON.parse(
      await buildDigestOutput({ print: true, weekly: false, json: true, at }, env),
    ) as {
      spend: { status: string; reason?: string; data?: { teams: { team: string | null; dayUsd: number }[] } };
    };
    expect(digest.spend.reason ?? 'ok').toBe('ok');
    const day = zonedMidnight(Date.parse(at), -1, 'UTC');
    const finance = digest.spend.data?.teams.find((t) => t.team === 'finance');
    expect(finance?.dayUsd).toBeCloseTo(await handSpend('finance', day, day + 86_400_000), 2);
  }, 180_000);
});
