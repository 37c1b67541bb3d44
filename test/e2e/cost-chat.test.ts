import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BotApp, createBotApp } from '../../src/app/bot-app.js';
import { createHttpApp } from '../../src/app/http-app.js';
import { loadEnv } from '../../src/config/env.js';
import { createLogger } from '../../src/config/logger.js';
import { defaultPolicy, type Policy } from '../../src/config/policy.js';
import { patAuth } from '../../src/databricks/auth/auth-provider.js';
import { DuckDbWarehouse } from '../../src/databricks/duckdb-warehouse.js';
import { createDatabricksClient } from '../../src/databricks/rest/databricks-client.js';
import { ManualClock } from '../../src/domain/clock.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { DEMO_END, type DemoExport, exportDemo } from '../agents/analyst/demo-export.js';
import { CHANNEL, SIGNING_SECRET, signed, slashCommand } from '../fixtures/slack/slack-requests.js';
import { channelMessage } from '../fixtures/teams/activities.js';
import { type FakeBotConnector, startFakeBotConnector } from '../support/fake-bot-connector.js';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack-server.js';
import { decodePng } from '../support/png.js';
import { unspacedSends } from '../support/embedded-databricks.js';

/**
 * `/dbx cost` on every surface against what `dbxops sim export` writes for the demo: a signed Slack
 * slash command gets the card with its chart uploaded as a PNG, a signed Teams message gets an
 * Adaptive Card whose Image dbxops serves, the console shows the chart inline — and every one states
 * the figures a hand-written query on the exported tables gives.
 */

let demo: DemoExport;
let warehouse: DuckDbWarehouse;
let slack: FakeSlack;
let teams: FakeBotConnector;
let store: Store;
let app: BotApp;
let server: Server;
let url: string;
/** Team finance over the last 7 days, in dollars, by hand. */
let financeUsd: string;

const policy: Policy = { ...defaultPolicy(), budgets: { finance: 500 } };

beforeAll(async () => {
  demo = await exportDemo();
  warehouse = await DuckDbWarehouse.openFile(demo.path, { clock: new ManualClock(DEMO_END) });
  const [row] = await demo.hand(`
    SELECT SUM(CAST(u.usage_quantity AS DOUBLE) * CAST(lp.pricing.effective_list."default" AS DOUBLE)) AS usd
    FROM billing.usage u JOIN billing.list_prices lp
      ON u.sku_name = lp.sku_name AND u.cloud = lp.cloud AND u.usage_unit = lp.usage_unit
     AND u.usage_start_time >= lp.price_start_time
     AND (lp.price_end_time IS NULL OR u.usage_end_time <= lp.price_end_time)
    WHERE u.custom_tags['team'] = 'finance' AND u.usage_start_time >= TIMESTAMP '2026-11-15 00:00:00'`);
  financeUsd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' }).format(
    Number(row?.usd),
  );
  slack = await startFakeSlack();
  teams = await startFakeBotConnector();
  store = await openStore({ dataDir: 'memory://' });
  // The chart URL names the server, so the port is taken before the app is built.
  let listener: (req: Parameters<Server['emit']>[1], res: unknown) => void = () => {};
  server = createServer((req, res) => listener(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  app = await createBotApp({
    env: loadEnv({
      LOG_LEVEL: 'silent',
      SLACK_BOT_TOKEN: 'xoxb-cost-test',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      TEAMS_APP_ID: teams.appId,
      TEAMS_APP_PASSWORD: teams.appPassword,
      TEAMS_TENANT_ID: 'fake-tenant',
      TEAMS_OPENID_METADATA_URL: teams.openIdMetadataUrl,
      TEAMS_TOKEN_URL: teams.tokenUrl,
    }),
    policy,
    clock: new ManualClock(DEMO_END),
    logger: createLogger({ level: 'silent' }),
    databricks: {
      client: createDatabricksClient({ host: 'http://127.0.0.1:9', auth: patAuth('dapi-unused') }),
      warehouse,
      workspaceId: demo.workspaceId,
    },
    store,
    queue: { kind: 'inline' },
    sendSleep: unspacedSends,
    webhookCredentials: null,
    consoleUrl: url,
    workspaceStatus: () => ({ mode: 'workspace', name: 'demo', host: 'demo', now: DEMO_END, speed: 1 }),
  });
  const http = createHttpApp({ routes: app.routes });
  listener = (req, res) => http.emit('request', req, res);
}, 180_000);

afterAll(async () => {
  await app?.close();
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await store?.close();
  await slack?.close();
  await teams?.close();
  await warehouse?.close();
  await demo?.close();
});

async function fetchPng(address: string): Promise<{ width: number; height: number }> {
  const res = await fetch(address);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('image/png');
  return decodePng(Buffer.from(await res.arrayBuffer()));
}

let seq = 0;
const requestId = () => `cost-${++seq}-${Date.now()}`;

async function consoleSend(text: string): Promise<{ ok: boolean; ephemeral: { html: string }[] }> {
  const res = await fetch(`${url}/api/composer`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ channelId: 'finops', text, requestId: requestId() }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { ok: boolean; ephemeral: { html: string }[] };
}

async function consoleCards(): Promise<string[]> {
  const res = await fetch(`${url}/api/channels/finops/messages`);
  return ((await res.json()) as { messages: { html: string }[] }).messages.map((m) => m.html);
}

describe('/dbx cost for a team of the demo scenario', () => {
  it('answers a signed Slack slash command with the card and its chart uploaded as a PNG', async () => {
    const request = signed(
      slashCommand('cost finance', { responseUrl: slack.responseUrl('cost') }),
      'application/x-www-form-urlencoded',
      Date.now(),
    );
    const res = await fetch(`${url}/slack/events`, { method: 'POST', ...request });
    expect(res.status).toBe(200);
    await slack.waitFor((calls) => calls.some((c) => c.method === 'files.completeUploadExternal'), 60_000);
    const methods = slack.accepted().map((c) => c.method.replace(/:F0FILE\d+$/, ''));
    expect(methods.filter((m) => m.startsWith('files.') || m === 'upload')).toEqual([
      'files.getUploadURLExternal',
      'upload',
      'files.completeUploadExternal',
    ]);
    const [upload] = slack.uploads;
    expect(upload?.completed?.channelId).toBe(CHANNEL);
    expect(upload?.bytes?.length).toBe(upload?.declaredLength);
    expect(decodePng(upload?.bytes ?? Buffer.alloc(0))).toEqual({ width: 1600, height: 640 });
    const blocks = JSON.stringify(upload?.completed?.blocks);
    expect(blocks).toContain('team finance');
    expect(blocks).toContain(financeUsd);
    expect(blocks).toContain('Billing data up to 2026-11-22 00:00 UTC');
    expect(blocks).toContain('Show SQL');
    expect(blocks).toContain('of $500.00 in 2026-11');
  });

  it('still answers the person who asked when Slack refuses the upload', async () => {
    slack.refuseNext('files.getUploadURLExternal', 'missing_scope');
    const request = signed(
      slashCommand('cost finance', { responseUrl: slack.responseUrl('refused') }),
      'application/x-www-form-urlencoded',
      Date.now(),
    );
    expect((await fetch(`${url}/slack/events`, { method: 'POST', ...request })).status).toBe(200);
    await slack.waitFor((calls) => calls.filter((c) => c.method === 'respond:refused').length === 2, 60_000);
    const [answer, note] = slack.accepted('respond:refused').map((c) => JSON.stringify(c.args));
    expect(answer).toContain(financeUsd);
    expect(note).toContain('Slack said missing_scope');
    expect(note).toContain('without its chart');
  });

  it('answers a signed Teams message with an Adaptive Card whose chart dbxops serves', async () => {
    const res = await teams.post(
      `${url}/api/messages`,
      channelMessage('dbx cost finance', teams.serviceUrl('amer')),
    );
    expect(res.status).toBe(200);
    await expect
      .poll(() => teams.delivered().filter((c) => c.operation === 'reply').length, { timeout: 60_000 })
      .toBe(1);
    const body = JSON.stringify(teams.delivered().find((c) => c.operation === 'reply')?.body);
    expect(body).toContain(financeUsd);
    expect(body).toContain('Action.ShowCard');
    const image = /"type":"Image","url":"([^"]+)"/.exec(body)?.[1];
    expect(image?.startsWith(`${url}/charts/cost.png?`)).toBe(true);
    expect(await fetchPng(image ?? '')).toEqual({ width: 1600, height: 640 });
  });

  it('shows the console the card with the chart inline and the SQL one click away', async () => {
    const outcome = await consoleSend('/dbx cost Finance');
    expect(outcome.ok).toBe(true);
    const html = (await consoleCards()).find((h) => h.includes('dbx-cost')) ?? '';
    expect(html).toContain(financeUsd);
    expect(html).toContain('<summary>Show SQL</summary>');
    expect(html).toContain('system.billing.usage');
    const src = /<img src="([^"]+)"/.exec(html)?.[1]?.replaceAll('&amp;', '&');
    expect(src?.startsWith('/charts/cost.png?')).toBe(true);
    expect(await fetchPng(`${url}${src}`)).toEqual({ width: 1600, height: 640 });
  });

  it('refuses a chart link whose figures were changed', async () => {
    const html = (await consoleCards()).find((h) => h.includes('dbx-cost')) ?? '';
    const src = /<img src="([^"]+)"/.exec(html)?.[1]?.replaceAll('&amp;', '&') ?? '';
    const forged = src.replace(/c=([A-Za-z0-9_-]{4})/, 'c=AAAA');
    expect((await fetch(`${url}${forged}`)).status).toBe(403);
    expect((await fetch(`${url}/charts/cost.png`)).status).toBe(400);
  });
});

describe('/dbx cost with bad input', () => {
  it('offers the teams that exist, as buttons, for an unknown team', async () => {
    const outcome = await consoleSend('/dbx cost team-x');
    const html = outcome.ephemeral.map((e) => e.html).join('');
    expect(html).toContain('No team, job or warehouse named');
    expect(html).toContain('data-action-id="dbx:run"');
    expect(html).toContain('team finance');
    // Pressed as the console page presses a button on an answer only you see: it names message m0.
    const value = /data-action-id="dbx:run" data-value="([^"]+)">team finance</
      .exec(html)?.[1]
      ?.replaceAll('&#124;', '|');
    const before = (await consoleCards()).length;
    const res = await fetch(`${url}/api/actions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        channelId: 'finops',
        messageId: 'm0',
        actionId: 'dbx:run',
        value,
        requestId: requestId(),
      }),
    });
    expect(res.status).toBe(200);
    const cards = await consoleCards();
    expect(cards.length).toBe(before + 1);
    expect(cards.at(-1)).toContain(financeUsd);
  });

  it('refuses a 100 KB argument from Slack with a reason, and the console turns the body away', async () => {
    const request = signed(
      slashCommand(`cost ${'a'.repeat(100_000)}`, { responseUrl: slack.responseUrl('huge') }),
      'application/x-www-form-urlencoded',
      Date.now(),
    );
    expect((await fetch(`${url}/slack/events`, { method: 'POST', ...request })).status).toBe(200);
    await slack.waitFor((calls) => calls.some((c) => c.method === 'respond:huge'), 20_000);
    expect(JSON.stringify(slack.accepted('respond:huge')[0]?.args)).toContain('too long');
    const res = await fetch(`${url}/api/composer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        channelId: 'finops',
        text: `/dbx cost ${'a'.repeat(100_000)}`,
        requestId: requestId(),
      }),
    });
    expect(res.status).toBe(413);
  });

  it('reads a hostile tag value as a value: no spend, and the SQL shown', async () => {
    const outcome = await consoleSend(`/dbx cost team=finance' OR '1'='1; DROP TABLE x --`);
    expect(outcome.ok).toBe(true);
    const html = (await consoleCards()).at(-1) ?? '';
    expect(html).toContain('No billing records for tag team=finance&#39; OR');
    expect(html).toContain('<details open><summary>Show SQL</summary>');
  });

  it('says an empty period is empty and shows its SQL', async () => {
    await consoleSend('/dbx cost finance last month');
    const html = (await consoleCards()).at(-1) ?? '';
    expect(html).toContain('No billing records for team finance last month.');
    expect(html).toContain(':team = &#39;finance&#39;');
    expect(html).not.toContain('<img');
  });

  it('names the periods it knows for one it does not', async () => {
    const outcome = await consoleSend('/dbx cost finance 9999d');
    expect(outcome.ephemeral.map((e) => e.html).join('')).toContain('this week');
  });
});
