import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { encodeButtonValue } from '../../src/cards/button-value.js';
import { type BotApp, createBotApp } from '../../src/app/bot-app.js';
import { createHttpApp, listen } from '../../src/app/http-app.js';
import { loadEnv } from '../../src/config/env.js';
import { createLogger } from '../../src/config/logger.js';
import { defaultPolicy, type Policy } from '../../src/config/policy.js';
import { patAuth } from '../../src/databricks/auth/auth-provider.js';
import { createDatabricksClient } from '../../src/databricks/rest/databricks-client.js';
import { type Warehouse, WarehouseError } from '../../src/databricks/warehouse.js';
import { ManualClock } from '../../src/domain/clock.js';
import { isPosted } from '../../src/store/card-post-repository.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { createRepositories } from '../../src/store/repositories.js';
import { ALICE, blockAction, SIGNING_SECRET, signed } from '../fixtures/slack/slack-requests.js';
import { CHANNEL_ID, cardAction } from '../fixtures/teams/activities.js';
import { type FakeBotConnector, startFakeBotConnector } from '../support/fake-bot-connector.js';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack-server.js';
import { createTestDatabase, dropTestDatabase } from '../support/test-database.js';
import { unspacedSends } from '../support/embedded-databricks.js';

/**
 * The one outbound path, end to end: an incident card reaches Slack (fake Web API), Teams (fake Bot
 * Connector) and the console, and a press on any of them brings every copy to the new state, also
 * after the bot restarts (a new app over the same store). The console keeps its history in memory: a
 * restarted app re-creates its copies from card_posts.
 */

const T0 = Date.UTC(2026, 2, 3, 4, 0);
const CHANNEL = '#incidents';
const FORM = 'application/x-www-form-urlencoded';

let fakeSlack: FakeSlack;
let connector: FakeBotConnector;
/** No workspace is watched here: nothing polls, and a query would be refused as Databricks does. */
const warehouse: Warehouse = {
  query: async () => {
    throw new WarehouseError('UNAVAILABLE', 'No workspace in this test.');
  },
  close: async () => {},
};

beforeAll(async () => {
  fakeSlack = await startFakeSlack();
  fakeSlack.addUser(ALICE, { name: 'alice', realName: 'Alice Example', email: 'alice@example.com' });
  connector = await startFakeBotConnector();
});
afterAll(async () => {
  await connector?.close();
  await fakeSlack?.close();
});

interface Running {
  readonly app: BotApp;
  readonly server: Server;
  readonly url: string;
}

const policy: Policy = (() => {
  const base = defaultPolicy();
  return {
    ...base,
    access: { ...base.access, responders: ['*'] },
    routing: {
      ...base.routing,
      default_channel: CHANNEL,
      oncall_teams: { id: 'tag-oncall-e2e', name: 'Data On-call' },
      // Teams posts to conversation ids only: the channel the recorded invokes come from.
      channels: { [CHANNEL]: { teams: CHANNEL_ID } },
    },
  };
})();

async function startApp(store: Store, clock: ManualClock): Promise<Running> {
  const app = await createBotApp({
    env: loadEnv({
      LOG_LEVEL: 'silent',
      SLACK_BOT_TOKEN: 'xoxb-one-notifier',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: fakeSlack.apiUrl,
      TEAMS_APP_ID: connector.appId,
      TEAMS_APP_PASSWORD: connector.appPassword,
      TEAMS_TENANT_ID: 'fake-tenant',
      TEAMS_OPENID_METADATA_URL: connector.openIdMetadataUrl,
      TEAMS_TOKEN_URL: connector.tokenUrl,
      TEAMS_SERVICE_URL: connector.serviceUrl('teams'),
    }),
    policy,
    clock,
    logger: createLogger({ level: 'silent' }),
    databricks: {
      client: createDatabricksClient({ host: 'http://127.0.0.1:9', auth: patAuth('dapi-unused') }),
      warehouse,
      workspaceId: 'ws-one',
    },
    store,
    queue: { kind: 'inline' },
    sendSleep: unspacedSends,
    webhookCredentials: null,
    workspaceStatus: () => ({
      mode: 'workspace',
      name: 'ws-one',
      host: 'ws-one',
      now: clock.now(),
      speed: 1,
    }),
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

/** Runs queued notify work and waits until Slack and Teams sent everything it asked for. */
async function settle(running: Running): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await running.app.slack?.idle();
    await running.app.teams?.idle();
    await running.app.drain?.();
  }
  await running.app.slack?.idle();
  await running.app.teams?.idle();
}

async function openIncident(store: Store, clock: ManualClock, severity: 'P1' | 'P2' = 'P2'): Promise<string> {
  const id = `inc_one${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const opened = await createRepositories(store.db).incidents.open({
    id,
    workspaceId: 'ws-one',
    fingerprint: `fp-${id}`,
    title: 'nightly_orders failed: table main.sales.orders not found',
    severity,
    team: 'sales-data',
    openedAt: clock.now(),
  });
  if (!opened.ok) throw new Error(opened.userMessage);
  return id;
}

/** What each surface shows of the incident's card now (its latest rendering, as text), and where it is. */
async function copies(running: Running, store: Store, incidentId: string) {
  const posts = (await createRepositories(store.db).cardPosts.list(incidentId)).filter(isPosted);
  const idOn = (surface: string) => posts.find((p) => p.surface === surface)?.messageId ?? '';
  const mentions = (value: unknown) => JSON.stringify(value).includes(incidentId);
  const slackCards = fakeSlack
    .accepted()
    .filter(
      (c) =>
        (c.method === 'chat.update' || (c.method === 'chat.postMessage' && c.args.thread_ts === undefined)) &&
        mentions(c.args.blocks),
    );
  const teamsCards = connector
    .delivered()
    .filter(
      (c) =>
        (c.operation === 'update' ||
          (c.operation === 'send' && !String(c.conversationId).includes(';messageid='))) &&
        mentions(c.body),
    );
  const res = await fetch(`${running.url}/api/channels/incidents/messages`);
  const { messages } = (await res.json()) as { messages: { id: string; html: string }[] };
  const consoleCards = messages.filter((m) => m.html.includes(incidentId));
  return {
    slackPosts: slackCards.filter((c) => c.method === 'chat.postMessage').length,
    teamsPosts: teamsCards.filter((c) => c.operation === 'send').length,
    consoleCount: consoleCards.length,
    slackTs: idOn('slack'),
    teamsActivityId: idOn('teams'),
    consoleMessageId: idOn('console'),
    slack: JSON.stringify(slackCards.at(-1)?.args.blocks ?? ''),
    teams: JSON.stringify(teamsCards.at(-1)?.body ?? ''),
    console: consoleCards.at(-1)?.html ?? '',
  };
}

const buttonValue = (action: 'ack' | 'resolve', incidentId: string, version: number) =>
  encodeButtonValue({ kind: 'incident', action, incidentId, version });

type Surface = 'slack' | 'teams' | 'console';
type Copies = Awaited<ReturnType<typeof copies>>;

/** Presses a button of the incident's card on one surface the way that surface does; returns who pressed. */
async function press(
  surface: Surface,
  running: Running,
  id: string,
  action: 'ack' | 'resolve',
  version: number,
  seen: Copies,
): Promise<string> {
  const value = buttonValue(action, id, version);
  if (surface === 'slack') {
    // A signed block_actions request, as Slack sends it to the app's request URL.
    const body = signed(
      blockAction({
        actionId: `dbx:${action}`,
        value,
        messageTs: seen.slackTs,
        responseUrl: fakeSlack.responseUrl(`${action}-${version}`),
      }),
      FORM,
      Date.now(),
    );
    const res = await fetch(`${running.url}/slack/events`, {
      method: 'POST',
      body: body.body,
      headers: body.headers,
    });
    expect(res.status).toBe(200);
    return 'Alice Example';
  }
  if (surface === 'teams') {
    // An Action.Execute invoke with a token the fake Bot Connector signed.
    const invoke = cardAction({
      verb: `dbx:${action}`,
      action,
      value,
      replyToId: seen.teamsActivityId,
      serviceUrl: connector.serviceUrl('teams'),
    });
    expect((await connector.post(`${running.url}/api/messages`, invoke)).status).toBe(200);
    return 'Test User';
  }
  // The console page's own call.
  const res = await fetch(`${running.url}/api/actions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      channelId: 'incidents',
      messageId: seen.consoleMessageId,
      actionId: `dbx:${action}`,
      value,
      requestId: randomUUID(),
    }),
  });
  expect(((await res.json()) as { ok: boolean }).ok).toBe(true);
  const channels = await fetch(`${running.url}/api/channels`);
  return ((await channels.json()) as { user: string }).user;
}

/** Every copy of the card on every surface. */
const everyCopy = (seen: Copies) => [seen.slack, seen.teams, seen.console];

// The key scenario once per surface (kysely's dialect loop): the press comes from a different surface
// each time, and every copy follows it, across two restarts of the bot.
describe.each<Surface>(['slack', 'teams', 'console'])('a press on %s', (surface) => {
  let store: Store;
  const clock = new ManualClock(T0);

  beforeEach(async () => {
    store = await openStore({ dataDir: 'memory://' });
    fakeSlack.reset();
    connector.reset();
  });
  afterEach(async () => {
    await store?.close();
  });

  it('updates the copies on Slack, Teams and the console, also after the bot restarts', async () => {
    let running = await startApp(store, clock);
    const id = await openIncident(store, clock);
    await running.app.dispatcher.dispatch('notify', { incidentId: id });
    await settle(running);
    let seen = await copies(running, store, id);
    expect(seen).toMatchObject({ slackPosts: 1, teamsPosts: 1, consoleCount: 1 });
    for (const copy of everyCopy(seen)) expect(copy).not.toContain('Acknowledged by');

    const presser = await press(surface, running, id, 'ack', 1, seen);
    await settle(running);
    seen = await copies(running, store, id);
    for (const copy of everyCopy(seen)) {
      expect(copy).toContain('Acknowledged by');
      expect(copy).toContain(presser);
    }

    // A restart: a new app over the same store. The console's copy comes back, current.
    await stopApp(running);
    running = await startApp(store, clock);
    seen = await copies(running, store, id);
    expect(seen.consoleCount).toBe(1);
    expect(seen.console).toContain(presser);

    // The same surface resolves it through the new process.
    await press(surface, running, id, 'resolve', 2, seen);
    await settle(running);
    seen = await copies(running, store, id);
    for (const copy of everyCopy(seen)) expect(copy).toContain('Resolved');
    // Never a second post of the card anywhere, only updates in place.
    expect(seen).toMatchObject({ slackPosts: 1, teamsPosts: 1, consoleCount: 1 });
    await stopApp(running);
  }, 60_000);
});

describe('a surface answering 429 or 500 while the others succeed', () => {
  it('retries it until every copy shows the current state, and posts no card twice', async () => {
    const store = await openStore({ dataDir: 'memory://' });
    const clock = new ManualClock(T0);
    fakeSlack.reset();
    connector.reset();
    const running = await startApp(store, clock);
    const id = await openIncident(store, clock);

    // Slack throttles the post with a Retry-After longer than one send waits: the notifier is told to
    // come back later and does; Teams fails twice with 500 and the send queue retries it.
    fakeSlack.failNext(1, { status: 429, retryAfterSec: 200 }, 'chat.postMessage');
    connector.failNext(2, 500);
    await running.app.dispatcher.dispatch('notify', { incidentId: id });
    await settle(running);
    let seen = await copies(running, store, id);
    expect(seen).toMatchObject({ slackPosts: 1, teamsPosts: 1, consoleCount: 1 });
    expect(fakeSlack.calls.filter((c) => c.status === 429)).toHaveLength(1);
    expect(connector.calls.length).toBeGreaterThan(connector.delivered().length);

    // Acknowledged in the console while Slack answers 500 and Teams 429 for a while.
    fakeSlack.failNext(2, { status: 500 }, 'chat.update');
    connector.failNext(1, 429, { 'retry-after': '1' });
    const presser = await press('console', running, id, 'ack', 1, seen);
    await settle(running);
    seen = await copies(running, store, id);
    for (const copy of everyCopy(seen)) expect(copy).toContain(`Acknowledged by`);
    expect(seen.slack).toContain(presser);
    expect(seen.teams).toContain(presser);
    expect(seen).toMatchObject({ slackPosts: 1, teamsPosts: 1, consoleCount: 1 });
    await stopApp(running);
    await store.close();
  }, 90_000);
});

describe('the on-call group of routing.oncall_teams', () => {
  it('is mentioned in the Teams thread of a P1 card', async () => {
    const store = await openStore({ dataDir: 'memory://' });
    const clock = new ManualClock(T0);
    fakeSlack.reset();
    connector.reset();
    const running = await startApp(store, clock);
    const id = await openIncident(store, clock, 'P1');
    await running.app.dispatcher.dispatch('notify', { incidentId: id });
    await settle(running);
    const mentions = connector
      .delivered()
      .filter((c) => JSON.stringify(c.body).includes('tag-oncall-e2e'))
      .map((c) => JSON.stringify(c.body));
    expect(mentions.length).toBeGreaterThan(0);
    expect(mentions.join()).toContain('Data On-call');
    await stopApp(running);
    await store.close();
  }, 60_000);
});

describe('two bot processes sharing one PostgreSQL', () => {
  let url: string;
  let store: Store;
  let other: Store;
  const clock = new ManualClock(T0);

  beforeAll(async () => {
    url = await createTestDatabase();
    store = await openStore({ databaseUrl: url });
    // A second pool on the same database: what a second process opens.
    other = await openStore({ databaseUrl: url });
  }, 120_000);
  afterAll(async () => {
    await other?.close();
    await store?.close();
    if (url !== undefined) await dropTestDatabase(url);
  });

  it('posts each card once per surface when both notify the same incident at once', async () => {
    fakeSlack.reset();
    connector.reset();
    const [a, b] = await Promise.all([startApp(store, clock), startApp(other, clock)]);
    const id = await openIncident(store, clock);
    await Promise.all([
      a.app.dispatcher.dispatch('notify', { incidentId: id }),
      b.app.dispatcher.dispatch('notify', { incidentId: id }),
    ]);
    await Promise.all([settle(a), settle(b)]);
    const seen = await copies(a, store, id);
    expect(seen.slackPosts).toBe(1);
    expect(seen.teamsPosts).toBe(1);
    const posts = await createRepositories(store.db).cardPosts.list(id);
    expect(posts.map((p) => p.surface).sort()).toEqual(['console', 'slack', 'teams']);
    expect(posts.every(isPosted)).toBe(true);
    await Promise.all([stopApp(a), stopApp(b)]);
  }, 60_000);
});
