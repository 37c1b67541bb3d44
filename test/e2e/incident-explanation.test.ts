import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type BotApp, createBotApp } from '../../src/app/bot-app.js';
import { createHttpApp, listen } from '../../src/app/http-app.js';
import { loadEnv } from '../../src/config/env.js';
import { createLogger } from '../../src/config/logger.js';
import { defaultPolicy, type Policy } from '../../src/config/policy.js';
import { patAuth } from '../../src/databricks/auth/auth-provider.js';
import { createDatabricksClient } from '../../src/databricks/rest/databricks-client.js';
import { type Warehouse, WarehouseError } from '../../src/databricks/warehouse.js';
import { ManualClock } from '../../src/domain/clock.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { createRepositories } from '../../src/store/repositories.js';
import { SIGNING_SECRET } from '../fixtures/slack/slack-requests.js';
import { CHANNEL_ID } from '../fixtures/teams/activities.js';
import { type FakeBotConnector, startFakeBotConnector } from '../support/fake-bot-connector.js';
import { type FakeChatCompletions, startFakeChatCompletions } from '../support/fake-chat-completions.js';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack-server.js';
import { unspacedSends } from '../support/embedded-databricks.js';

/**
 * With a model configured, a new incident's card is posted at once on Slack, Teams and the console,
 * then updated in place with the model's plain-words draft, marked as the model's. When the model
 * fails, the card stays as it was posted: never delayed, never missing.
 */

const T0 = Date.UTC(2026, 2, 3, 4, 0);
const CHANNEL = '#incidents';
const DRAFT =
  'The nightly orders load could not find main.sales.orders, so nothing downstream was refreshed. Check whether the table was renamed or dropped.';
const BYLINE = 'Draft by gpt-explainer, from the evidence above — check before acting';

let fakeSlack: FakeSlack;
let connector: FakeBotConnector;
let model: FakeChatCompletions;
const warehouse: Warehouse = {
  query: async () => {
    throw new WarehouseError('UNAVAILABLE', 'No workspace in this test.');
  },
  close: async () => {},
};

beforeAll(async () => {
  fakeSlack = await startFakeSlack();
  connector = await startFakeBotConnector();
  model = await startFakeChatCompletions();
});
afterAll(async () => {
  await model?.close();
  await connector?.close();
  await fakeSlack?.close();
});

const policy: Policy = (() => {
  const base = defaultPolicy();
  // Teams posts to conversation ids only: map the channel to one.
  return {
    ...base,
    routing: { ...base.routing, default_channel: CHANNEL, channels: { [CHANNEL]: { teams: CHANNEL_ID } } },
  };
})();

interface Running {
  readonly app: BotApp;
  readonly server: Server;
  readonly url: string;
}

async function startApp(store: Store, clock: ManualClock): Promise<Running> {
  const app = await createBotApp({
    env: loadEnv({
      LOG_LEVEL: 'silent',
      SLACK_BOT_TOKEN: 'xoxb-explain',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: fakeSlack.apiUrl,
      TEAMS_APP_ID: connector.appId,
      TEAMS_APP_PASSWORD: connector.appPassword,
      TEAMS_TENANT_ID: 'fake-tenant',
      TEAMS_OPENID_METADATA_URL: connector.openIdMetadataUrl,
      TEAMS_TOKEN_URL: connector.tokenUrl,
      TEAMS_SERVICE_URL: connector.serviceUrl('teams'),
      OPENAI_API_KEY: 'sk-explain-test-key',
      OPENAI_BASE_URL: model.baseURL,
      DBXOPS_LLM_MODEL: 'gpt-explainer',
    }),
    policy,
    clock,
    logger: createLogger({ level: 'silent' }),
    databricks: {
      client: createDatabricksClient({ host: 'http://127.0.0.1:9', auth: patAuth('dapi-unused') }),
      warehouse,
      workspaceId: 'ws-explain',
    },
    store,
    queue: { kind: 'inline' },
    sendSleep: unspacedSends,
    webhookCredentials: null,
    workspaceStatus: () => ({ mode: 'workspace', name: 'ws', host: 'ws', now: clock.now(), speed: 1 }),
  });
  const server = createHttpApp({ routes: app.routes });
  const address = await listen(server, 0, '127.0.0.1');
  return { app, server, url: `http://127.0.0.1:${address.port}` };
}

async function stopApp(running: Running): Promise<void> {
  await running.app.close();
  running.server.closeAllConnections();
  await new Promise<void>((resolve) => running.server.close(() => resolve()));
}

async function settle(running: Running): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await running.app.slack?.idle();
    await running.app.teams?.idle();
    await running.app.drain?.();
  }
  await running.app.slack?.idle();
  await running.app.teams?.idle();
}

async function openIncident(store: Store, clock: ManualClock): Promise<string> {
  const id = `inc_exp${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const opened = await createRepositories(store.db).incidents.open({
    id,
    workspaceId: 'ws-explain',
    fingerprint: `fp-${id}`,
    title: 'nightly_orders failed: table main.sales.orders not found',
    severity: 'P2',
    team: 'sales-data',
    openedAt: clock.now(),
  });
  if (!opened.ok) throw new Error(opened.userMessage);
  return id;
}

/** Each surface's renderings of the card, oldest first, as text. */
async function renderings(running: Running, incidentId: string) {
  const slack = fakeSlack
    .accepted()
    .filter(
      (c) =>
        (c.method === 'chat.update' || (c.method === 'chat.postMessage' && c.args.thread_ts === undefined)) &&
        JSON.stringify(c.args.blocks ?? '').includes(incidentId),
    )
    .map((c) => ({
      op: c.method === 'chat.update' ? 'update' : 'post',
      text: JSON.stringify(c.args.blocks),
    }));
  const teams = connector
    .delivered()
    .filter(
      (c) =>
        (c.operation === 'update' ||
          (c.operation === 'send' && !String(c.conversationId).includes(';messageid='))) &&
        JSON.stringify(c.body).includes(incidentId),
    )
    .map((c) => ({ op: c.operation === 'update' ? 'update' : 'post', text: JSON.stringify(c.body) }));
  const res = await fetch(`${running.url}/api/channels/incidents/messages`);
  const { messages } = (await res.json()) as { messages: { html: string }[] };
  const console = messages.filter((m) => m.html.includes(incidentId)).map((m) => m.html);
  return { slack, teams, console };
}

describe('the model’s explanation on a new incident card', () => {
  let store: Store;
  const clock = new ManualClock(T0);

  beforeEach(async () => {
    store = await openStore({ dataDir: 'memory://' });
    fakeSlack.reset();
    connector.reset();
    model.script.length = 0;
    model.requests.length = 0;
  });
  afterEach(async () => {
    await store?.close();
  });

  it('posts the card first, then updates every copy in place with the marked draft', async () => {
    const running = await startApp(store, clock);
    const id = await openIncident(store, clock);
    model.script.push({ content: DRAFT });
    await running.app.dispatcher.dispatch('notify', { incidentId: id });
    await settle(running);

    const seen = await renderings(running, id);
    for (const copies of [seen.slack, seen.teams]) {
      expect(copies.map((c) => c.op)).toEqual(['post', 'update']);
      expect(copies[0]?.text).not.toContain('In plain words');
      expect(copies[1]?.text).toContain('In plain words');
      expect(copies[1]?.text).toContain('could not find main.sales.orders');
      expect(copies[1]?.text).toContain(BYLINE);
    }
    // The console shows one card, current: updated in place.
    expect(seen.console).toHaveLength(1);
    expect(seen.console[0]).toContain('could not find main.sales.orders');
    expect(seen.console[0]).toContain(BYLINE);
    // Asked once, with the incident's evidence.
    expect(model.requests).toHaveLength(1);
    expect(JSON.stringify(model.requests[0])).toContain('main.sales.orders not found');
    await stopApp(running);
  }, 60_000);

  it('leaves the posted card as it is when the model fails', async () => {
    const running = await startApp(store, clock);
    const id = await openIncident(store, clock);
    model.script.push({ status: 500 });
    await running.app.dispatcher.dispatch('notify', { incidentId: id });
    await settle(running);

    const seen = await renderings(running, id);
    expect(seen.slack.map((c) => c.op)).toEqual(['post']);
    expect(seen.teams.map((c) => c.op)).toEqual(['post']);
    expect(seen.console).toHaveLength(1);
    for (const copy of [...seen.slack, ...seen.teams].map((c) => c.text).concat(seen.console))
      expect(copy).not.toContain('In plain words');
    expect(running.app.failures()).toEqual([]);
    await stopApp(running);
  }, 60_000);

  it('shows a hostile draft as harmless text on every surface', async () => {
    const running = await startApp(store, clock);
    const id = await openIncident(store, clock);
    model.script.push({
      content:
        'Tell <!channel> and @here to open https://evil.example/fix <script>alert(1)</script> right now please.',
    });
    await running.app.dispatcher.dispatch('notify', { incidentId: id });
    await settle(running);

    const seen = await renderings(running, id);
    const slack = seen.slack.at(-1)?.text ?? '';
    expect(slack).toContain('In plain words');
    expect(slack).not.toMatch(/<!channel>|<!here>|@here\b/);
    for (const copy of [slack, seen.teams.at(-1)?.text ?? '', seen.console[0] ?? '']) {
      expect(copy).not.toContain('evil.example');
      expect(copy).toContain('[link removed]');
    }
    expect(seen.console[0]).not.toContain('<script>');
    expect(seen.console[0]).toContain('&lt;script&gt;');
    await stopApp(running);
  }, 60_000);
});
