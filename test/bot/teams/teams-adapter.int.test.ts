import type { Server } from 'node:http';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTeamsAdapter, type TeamsAdapter } from '../../../src/bot/teams/teams-adapter.js';
import { encodeButtonValue } from '../../../src/cards/button-value.js';
import type { CardView } from '../../../src/cards/card-views.js';
import { createHttpApp, listen } from '../../../src/app/http-app.js';
import { defaultPolicy, type Policy } from '../../../src/config/policy.js';
import { ManualClock } from '../../../src/domain/clock.js';
import { createChatHandler, loadIncidentCard } from '../../../src/handlers/chat-handler.js';
import { openStore, type Store } from '../../../src/store/open-store.js';
import { createRepositories, type Repositories } from '../../../src/store/repositories.js';
import { type TestNotifier, testNotifier } from '../../support/test-notifier.js';
import {
  CHANNEL_ID,
  cardAction,
  channelMessage,
  personalMessage,
  USER_AAD_ID,
} from '../../fixtures/teams/activities.js';
import {
  type ConnectorCall,
  type FakeBotConnector,
  startFakeBotConnector,
} from '../../support/fake-bot-connector.js';

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
const logger = pino({ level: 'silent' });

type CardBody = { type: string; body: unknown[]; actions?: unknown[] };
const cardOf = (call: ConnectorCall | undefined): CardBody => {
  const attachments = call?.body.attachments as Array<{ contentType: string; content: CardBody }> | undefined;
  const first = attachments?.[0];
  if (first?.contentType !== 'application/vnd.microsoft.card.adaptive')
    throw new Error('no Adaptive Card in the call');
  return first.content;
};
const textOf = (value: unknown) => JSON.stringify(value);

describe('Teams adapter against a fake Bot Connector', () => {
  let fake: FakeBotConnector;
  let store: Store;
  let repos: Repositories;
  let server: Server;
  let endpoint: string;
  let adapter: TeamsAdapter;
  let clock: ManualClock;
  let sleeps: number[];
  let policy: Policy;
  let incidentSeq = 0;
  let post: TestNotifier['post'];

  /** An incident whose card the notifier posted to the channel: the activity id its buttons sit on. */
  async function postedIncident(): Promise<{ id: string; activityId: string }> {
    const id = await openIncident();
    const [ref] = await post(id);
    if (ref === undefined) throw new Error('card not posted');
    await adapter.idle();
    fake.reset();
    return { id, activityId: ref.messageId };
  }

  beforeAll(async () => {
    fake = await startFakeBotConnector();
    store = await openStore({ dataDir: 'memory://' });
    repos = createRepositories(store.db);
  });
  afterAll(async () => {
    await store?.close();
    await fake?.close();
  });

  async function start(access: string[] = ['*']): Promise<void> {
    clock = new ManualClock(T0);
    sleeps = [];
    const base = defaultPolicy();
    policy = {
      ...base,
      access: { ...base.access, responders: access },
      routing: { ...base.routing, default_channel: CHANNEL_ID },
    };
    const notifier = testNotifier({
      repos,
      surfaces: () => [adapter.surface],
      policy,
      clock,
      wallClock: clock,
    });
    post = notifier.post;
    const deps = {
      incidents: repos.incidents,
      cardPosts: repos.cardPosts,
      notify: notifier.notify,
      processedKeys: repos.processedKeys,
      clock,
      policy,
      logger,
    };
    adapter = createTeamsAdapter({
      env: {
        appId: fake.appId,
        appPassword: fake.appPassword,
        tenantId: 'fake-tenant',
        serviceUrl: fake.serviceUrl('teams'),
      },
      handler: createChatHandler(deps),
      incidentCard: (id) => loadIncidentCard(deps, id),
      // One manual clock for both: the token's expiry and the send pacing are asserted against it.
      clock,
      wallClock: clock,
      logger,
      openIdMetadataUrl: fake.openIdMetadataUrl,
      tokenUrl: fake.tokenUrl,
      minIntervalMs: 0,
      random: () => 0.5,
      oncall: { id: 'tag-oncall-0001', name: 'On-call' },
      sleep: async (ms) => {
        sleeps.push(ms);
        clock.advance(ms);
      },
    });
    server = createHttpApp({ routes: [{ path: '/api/messages', listener: adapter.listener }] });
    const address = await listen(server, 0, '127.0.0.1');
    endpoint = `http://127.0.0.1:${address.port}/api/messages`;
  }

  beforeEach(async () => {
    fake.reset();
    await start();
  });
  afterEach(async () => {
    await adapter.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  async function openIncident(): Promise<string> {
    const id = `inc_teams${String(++incidentSeq).padStart(4, '0')}${Math.random().toString(36).slice(2, 8)}`;
    const result = await repos.incidents.open({
      id,
      workspaceId: 'ws-teams',
      fingerprint: `fp-${id}`,
      title: 'nightly_sales/ingest failed: table main.sales.orders not found',
      severity: 'P2',
      openedAt: T0 - 60_000,
      team: 'sales-data',
    });
    if (!result.ok) throw new Error(result.userMessage);
    return id;
  }

  const ack = (incidentId: string, replyToId = 'card-msg-1', version = 1) =>
    cardAction({
      verb: 'dbx:ack',
      action: 'ack',
      value: encodeButtonValue({ kind: 'incident', action: 'ack', incidentId, version }),
      replyToId,
      serviceUrl: fake.serviceUrl('amer/fake-tenant'),
    });

  describe('messages', () => {
    it('answers a signed `dbx help` mention with the help card in the reply chain', async () => {
      const activity = channelMessage('dbx help', fake.serviceUrl('amer/fake-tenant'));
      const res = await fake.post(endpoint, activity);
      expect(res.status).toBe(200);
      await adapter.idle();
      const replies = fake.delivered().filter((c) => c.operation === 'reply');
      expect(replies).toHaveLength(1);
      expect(replies[0]?.prefix).toBe('/amer/fake-tenant');
      expect(replies[0]?.conversationId).toBe(`${CHANNEL_ID};messageid=${activity.id}`);
      expect(replies[0]?.activityId).toBe(activity.id);
      expect(textOf(cardOf(replies[0]))).toContain('/dbx incidents');
      expect(replies[0]?.authorization).toMatch(/^Bearer ey/);
      expect(fake.tokenRequests.at(-1)).toMatchObject({
        grantType: 'client_credentials',
        scope: 'https://api.botframework.com/.default',
      });
    });

    it('treats `@dbxops incidents` without `dbx` as a command and lists open incidents', async () => {
      const id = await openIncident();
      await fake.post(endpoint, channelMessage('incidents', fake.serviceUrl()));
      await adapter.idle();
      const reply = fake.delivered().find((c) => c.operation === 'reply');
      expect(textOf(cardOf(reply))).toContain(id);
    });

    it('answers a plain question in a 1:1 chat instead of treating it as a command', async () => {
      await fake.post(endpoint, personalMessage('why did nightly_sales fail?', fake.serviceUrl()));
      await adapter.idle();
      const reply = fake.delivered().find((c) => c.operation === 'reply');
      expect(reply?.conversationId).toBe('a:1FakePersonalConversationId');
      expect(textOf(cardOf(reply))).toContain("can't answer questions yet");
    });

    it('answers an unknown command with the help text', async () => {
      await fake.post(endpoint, channelMessage('dbx frobnicate', fake.serviceUrl()));
      await adapter.idle();
      expect(textOf(cardOf(fake.delivered().find((c) => c.operation === 'reply')))).toContain('frobnicate');
    });

    it('replies once to an activity delivered twice', async () => {
      const activity = channelMessage('dbx help', fake.serviceUrl());
      expect((await fake.post(endpoint, activity)).status).toBe(200);
      expect((await fake.post(endpoint, activity)).status).toBe(200);
      await adapter.idle();
      expect(fake.delivered().filter((c) => c.operation === 'reply')).toHaveLength(1);
    });

    it('stores the conversation reference so a later proactive post uses that regional serviceUrl', async () => {
      await fake.post(endpoint, personalMessage('dbx help', fake.serviceUrl('emea/tenant-x')));
      await adapter.idle();
      await adapter.surface.postCard(
        { channelId: 'a:1FakePersonalConversationId' },
        { kind: 'message', tone: 'info', title: null, text: 'hi', fields: [] },
      );
      expect(fake.delivered().find((c) => c.operation === 'send')?.prefix).toBe('/emea/tenant-x');
    });
  });

  describe('card actions (Action.Execute)', () => {
    it('acknowledges on a click: the invoke answers with the updated card, the store and every copy follow', async () => {
      const { id, activityId } = await postedIncident();
      const res = await fake.post(endpoint, ack(id, activityId));
      expect(res.status).toBe(200);
      const body = res.body as { statusCode: number; type: string; value: CardBody };
      expect(body.statusCode).toBe(200);
      expect(body.type).toBe('application/vnd.microsoft.card.adaptive');
      expect(body.value.type).toBe('AdaptiveCard');
      expect(textOf(body.value)).toContain('Acknowledged');
      expect((await repos.incidents.get(id))?.state).toBe('acknowledged');
      await adapter.idle();
      const put = fake.delivered().find((c) => c.operation === 'update');
      expect(put).toMatchObject({ method: 'PUT', conversationId: CHANNEL_ID, activityId });
      expect(textOf(cardOf(put))).toContain('Acknowledged');
      const note = fake.delivered().find((c) => c.operation === 'send');
      expect(note?.conversationId).toBe(`${CHANNEL_ID};messageid=${activityId}`);
      expect(textOf(cardOf(note))).toContain('Acknowledged by Test User');
    });

    it('has one effect when the same invoke is delivered twice, and answers the retry with the current card', async () => {
      const { id, activityId } = await postedIncident();
      const activity = ack(id, activityId);
      await fake.post(endpoint, activity);
      const again = await fake.post(endpoint, activity);
      expect((again.body as { type: string }).type).toBe('application/vnd.microsoft.card.adaptive');
      await adapter.idle();
      expect((await repos.incidents.get(id))?.version).toBe(2);
      expect(fake.delivered().filter((c) => c.operation === 'update')).toHaveLength(1);
    });

    it('changes nothing on a double click and tells the second click why', async () => {
      const id = await openIncident();
      await fake.post(endpoint, ack(id));
      const second = await fake.post(endpoint, ack(id));
      expect(second.body).toMatchObject({
        type: 'application/vnd.microsoft.activity.message',
        value: 'The incident is already acknowledged.',
      });
      expect((await repos.incidents.get(id))?.version).toBe(2);
    });

    it('explains a button on an incident that no longer exists', async () => {
      const res = await fake.post(endpoint, ack('inc_gone000'));
      expect(res.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.activity.message' });
      expect(String((res.body as { value: string }).value)).toContain('no longer exists');
    });

    it('tells a user without the responder role so, and changes nothing', async () => {
      await adapter.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await start(['someone-else@example.com']);
      const id = await openIncident();
      const res = await fake.post(endpoint, ack(id));
      expect(String((res.body as { value: string }).value)).toContain("don't have the responder role");
      expect((await repos.incidents.get(id))?.state).toBe('open');
    });

    it('lets a responder named by Entra object id act', async () => {
      await adapter.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await start([USER_AAD_ID]);
      const id = await openIncident();
      await fake.post(endpoint, ack(id));
      expect((await repos.incidents.get(id))?.state).toBe('acknowledged');
    });

    it("lets a responder named by e-mail act: the Bot Connector's member lookup gives Entra ID's address", async () => {
      await adapter.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await start(['test.user@contoso.example']);
      fake.addMember({
        id: '29:1xXxFakeUserId',
        aadObjectId: USER_AAD_ID,
        name: 'Test User',
        email: 'Test.User@contoso.example',
        userPrincipalName: 'tuser@contoso.onmicrosoft.example',
      });
      const id = await openIncident();
      await fake.post(endpoint, ack(id));
      expect((await repos.incidents.get(id))?.state).toBe('acknowledged');
      expect(fake.memberLookups).toEqual([
        { conversationId: CHANNEL_ID, memberId: '29:1xXxFakeUserId', status: 200 },
      ]);
    });

    it("refuses a button naming another incident than its card's, and changes neither", async () => {
      const a = await postedIncident();
      const b = await postedIncident();
      const res = await fake.post(endpoint, ack(b.id, a.activityId));
      expect(String((res.body as { value: string }).value)).toContain('does not belong to the card');
      expect((await repos.incidents.get(b.id))?.state).toBe('open');
      await adapter.idle();
      expect(fake.delivered().filter((c) => c.operation === 'update')).toHaveLength(0);
    });

    it('answers a refresh with the current card and does not PUT copies that are current', async () => {
      const id = await openIncident();
      const refresh = cardAction({
        verb: 'dbx:refresh',
        action: 'refresh',
        value: encodeButtonValue({ kind: 'incident', action: 'refresh', incidentId: id, version: 1 }),
        replyToId: 'card-msg-9',
        serviceUrl: fake.serviceUrl(),
        trigger: 'automatic',
      });
      const res = await fake.post(endpoint, refresh);
      expect((res.body as { type: string }).type).toBe('application/vnd.microsoft.card.adaptive');
      await adapter.idle();
      expect(fake.delivered().filter((c) => c.operation === 'update')).toHaveLength(0);
    });

    it.each([
      ['garbled', 'not-a-button-value', /Refresh the card/i],
      ['oversized', `d1|i|ack|${'x'.repeat(5_000)}|1`, /over 2,000 characters/],
      ['hostile', 'd1|i|ack|inc-1/../../etc|1', /Refresh the card/i],
    ])('answers a %s button value with what was wrong, never a 500', async (_name, value, answer) => {
      const res = await fake.post(
        endpoint,
        cardAction({
          verb: 'dbx:ack',
          action: 'ack',
          value,
          replyToId: 'card-msg-1',
          serviceUrl: fake.serviceUrl(),
        }),
      );
      expect(res.status).toBe(200);
      expect(textOf(res.body)).toMatch(answer);
    });

    it('refuses an invoke whose value is not an Action.Execute with a 400 card error', async () => {
      const activity = { ...ack('inc-1'), value: { action: { type: 'Action.Submit' } } };
      const res = await fake.post(endpoint, activity);
      expect(res.body).toMatchObject({ statusCode: 400, type: 'application/vnd.microsoft.error' });
    });
  });

  describe('inbound authentication and bad input', () => {
    it('refuses an unsigned activity with 401 and does nothing', async () => {
      const res = await fake.post(endpoint, channelMessage('dbx help', fake.serviceUrl()), null);
      expect(res.status).toBe(401);
      await adapter.idle();
      expect(fake.calls).toHaveLength(0);
    });

    it.each([
      ['signed with a key not in the JWKS', { forged: true }],
      ['for another bot', { audience: 'another-app-id' }],
      ['from another issuer', { issuer: 'https://evil.example.com' }],
      ['for another serviceUrl', { serviceUrl: 'https://evil.example.com/teams/' }],
      ['expired', { expiresInSec: -600 }],
      ['without a serviceurl claim', { omitServiceUrl: true }],
    ])('refuses an activity %s with 401', async (_name, sign) => {
      const activity = channelMessage('dbx help', fake.serviceUrl());
      const res = await fake.post(endpoint, activity, fake.sign(activity, sign));
      expect(res.status).toBe(401);
      await adapter.idle();
      expect(fake.calls).toHaveLength(0);
    });

    it('refuses a garbage bearer token with 401', async () => {
      const res = await fake.post(endpoint, channelMessage('dbx help', fake.serviceUrl()), 'not.a.jwt');
      expect(res.status).toBe(401);
    });

    it('answers malformed JSON with 400, a non-JSON type with 415, a huge body with 413 and GET with 405', async () => {
      const post = (body: string, type = 'application/json') =>
        fetch(endpoint, { method: 'POST', headers: { 'content-type': type }, body }).then((r) => r.status);
      expect(await post('{"type":')).toBe(400);
      expect(await post('[1,2]')).toBe(400);
      expect(await post('type=message', 'application/x-www-form-urlencoded')).toBe(415);
      expect(await post(JSON.stringify({ type: 'message', text: 'x'.repeat(1_100_000) }))).toBe(413);
      expect((await fetch(endpoint)).status).toBe(405);
    });

    it('tells the person why a 100 KB /dbx command was not run, once per delivery, and runs nothing', async () => {
      const id = await openIncident();
      const activity = channelMessage(`dbx ack ${id} ${'x'.repeat(100_000)}`, fake.serviceUrl());
      expect((await fake.post(endpoint, activity)).status).toBe(200);
      await adapter.idle();
      const replies = fake.delivered().filter((c) => c.operation === 'reply');
      expect(replies).toHaveLength(1);
      expect(textOf(cardOf(replies[0]))).toContain('too long');
      expect(textOf(cardOf(replies[0]))).toContain('40,000 characters');
      expect((await repos.incidents.get(id))?.state).toBe('open');
    });

    it('runs a long command that is still under the limit instead of cutting it', async () => {
      const id = await openIncident();
      await fake.post(endpoint, channelMessage(`dbx incidents ${' '.repeat(39_000)}`, fake.serviceUrl()));
      await adapter.idle();
      expect(textOf(cardOf(fake.delivered().find((c) => c.operation === 'reply')))).toContain(id);
    });

    it('says a 2,001-character button value is too long, echoes none of it, and changes nothing', async () => {
      const { id, activityId } = await postedIncident();
      const hostile = `<script>alert(1)</script>${'v'.repeat(2_001)}`;
      const activity = cardAction({
        verb: 'dbx:ack',
        action: 'ack',
        value: hostile,
        replyToId: activityId,
        serviceUrl: fake.serviceUrl(),
      });
      for (const delivery of [1, 2]) {
        const res = await fake.post(endpoint, activity);
        expect(res.body, `delivery ${delivery}`).toMatchObject({
          statusCode: 400,
          type: 'application/vnd.microsoft.error',
        });
        expect(textOf(res.body)).toContain('over 2,000 characters');
        expect(textOf(res.body)).not.toContain('<script>');
      }
      await adapter.idle();
      expect((await repos.incidents.get(id))?.state).toBe('open');
      expect(fake.delivered().filter((c) => c.operation === 'update')).toHaveLength(0);
    });

    it('answers a signed activity it cannot read with 400', async () => {
      const activity = { type: 'message', id: '1', serviceUrl: fake.serviceUrl(), text: 'dbx help' };
      const res = await fake.post(endpoint, activity);
      expect(res.status).toBe(400);
    });

    it('ignores lifecycle activities but answers them 200', async () => {
      const activity = {
        ...personalMessage('', fake.serviceUrl()),
        type: 'conversationUpdate',
        membersAdded: [{ id: '28:bot' }],
      };
      const res = await fake.post(endpoint, activity);
      expect(res.status).toBe(200);
      await adapter.idle();
      expect(fake.calls).toHaveLength(0);
    });
  });

  describe('proactive posts (ChatSurface)', () => {
    it('posts a card to a configured channel, then updates it in place with a PUT', async () => {
      const id = await openIncident();
      const deps = { incidents: repos.incidents, clock, policy, detailsUrl: undefined };
      const card = await loadIncidentCard(deps, id);
      if (card === undefined) throw new Error('no card');
      const ref = await adapter.surface.postCard({ channelId: CHANNEL_ID }, card);
      expect(ref).toMatchObject({ surface: 'teams', channelId: CHANNEL_ID });
      await adapter.surface.updateCard(ref, { ...card, state: 'acknowledged' });
      const [post, put] = fake.delivered();
      expect(post).toMatchObject({
        method: 'POST',
        operation: 'send',
        conversationId: CHANNEL_ID,
        prefix: '/teams',
      });
      expect(put).toMatchObject({
        method: 'PUT',
        operation: 'update',
        conversationId: CHANNEL_ID,
        activityId: ref.messageId,
      });
      expect(textOf(cardOf(put))).toContain('Acknowledged');
    });

    it('pings the configured on-call group with a mention entity in a P1 thread note', async () => {
      const id = await openIncident();
      const card = await loadIncidentCard(
        { incidents: repos.incidents, clock, policy, detailsUrl: undefined },
        id,
      );
      if (card === undefined) throw new Error('no card');
      const ref = await adapter.surface.postCard({ channelId: CHANNEL_ID }, card);
      await adapter.surface.postThreadNote(ref, 'P1: <b>orders</b> timed out', { mention: '@oncall' });
      const note = fake.delivered().at(-1)!;
      expect(note.body).toMatchObject({
        type: 'message',
        text: '<at>On-call</at> P1: &lt;b&gt;orders&lt;/b&gt; timed out',
        entities: [
          {
            type: 'mention',
            text: '<at>On-call</at>',
            mentioned: { id: 'tag-oncall-0001', name: 'On-call' },
          },
        ],
      });
    });

    it('delays a post on 429 by Retry-After and delivers it, never dropping it', async () => {
      fake.failNext(1, 429, { 'retry-after': '3' });
      const ref = await adapter.surface.postCard(
        { channelId: CHANNEL_ID },
        { kind: 'message', tone: 'info', title: null, text: 'hi', fields: [] },
      );
      expect(ref.messageId).toMatch(/^fake-activity-/);
      expect(sleeps).toContain(3_000);
      expect(fake.calls.map((c) => c.status)).toEqual([429, 200]);
    });

    it('retries 500s with backoff until the connector accepts the post', async () => {
      fake.failNext(3, 500);
      await adapter.surface.postCard(
        { channelId: CHANNEL_ID },
        { kind: 'message', tone: 'info', title: null, text: 'hi', fields: [] },
      );
      expect(fake.calls.map((c) => c.status)).toEqual([500, 500, 500, 200]);
      expect(sleeps).toEqual([750, 1_500, 3_000]);
    });

    it('gives up on a post the connector refuses for good (bot not in the conversation) and says why', async () => {
      fake.failNext(1, 403);
      const post = adapter.surface.postCard(
        { channelId: CHANNEL_ID },
        { kind: 'message', tone: 'info', title: null, text: 'hi', fields: [] },
      );
      await expect(post).rejects.toMatchObject({ code: 'TEAMS_CONNECTOR_UNAUTHORIZED', statusCode: 403 });
      expect(fake.calls).toHaveLength(1);
    });

    it('posts a thread note into the reply chain of a card', async () => {
      await adapter.surface.postThreadNote(
        { surface: 'teams', channelId: CHANNEL_ID, messageId: 'root-1' },
        'Resolved by Ana.',
      );
      expect(fake.delivered()[0]?.conversationId).toBe(`${CHANNEL_ID};messageid=root-1`);
    });

    it('fetches the outbound token once and reuses it until it nears expiry', async () => {
      const before = fake.tokenRequests.length;
      const msg: CardView = { kind: 'message', tone: 'info', title: null, text: 'hi', fields: [] };
      await adapter.surface.postCard({ channelId: CHANNEL_ID }, msg);
      await adapter.surface.postCard({ channelId: CHANNEL_ID }, msg);
      expect(fake.tokenRequests.length - before).toBe(1);
      clock.advance(56 * 60_000);
      await adapter.surface.postCard({ channelId: CHANNEL_ID }, msg);
      expect(fake.tokenRequests.length - before).toBe(2);
    });
  });
});
