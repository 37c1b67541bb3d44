import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSlackAdapter, type SlackAdapter } from '../../../src/bot/slack/slack-adapter.js';
import { encodeButtonValue } from '../../../src/cards/button-value.js';
import type { CardView } from '../../../src/cards/card-views.js';
import { incidentButtons } from '../../../src/cards/incident-buttons.js';
import { parsePolicy } from '../../../src/config/policy.js';
import { ManualClock } from '../../../src/domain/clock.js';
import { createChatHandler, loadIncidentCard } from '../../../src/handlers/chat-handler.js';
import type { IncidentRepository } from '../../../src/store/incident-repository.js';
import { openStore, type Store } from '../../../src/store/open-store.js';
import { createRepositories } from '../../../src/store/repositories.js';
import { CONNECTION_RESET, openIncident } from '../../fixtures/slack/incident-fixture.js';
import type { Signal } from '../../../src/domain/signal.js';
import {
  ALICE,
  blockAction,
  CHANNEL,
  eventEnvelope,
  MALLORY,
  SIGNING_SECRET,
  signed,
  slashCommand,
} from '../../fixtures/slack/slack-requests.js';
import { type FakeSlack, startFakeSlack } from '../../support/fake-slack-server.js';
import { type TestNotifier, testNotifier } from '../../support/test-notifier.js';

const NOW = Date.UTC(2026, 0, 1, 4, 0, 0);
const FORM = 'application/x-www-form-urlencoded';

let fake: FakeSlack;
let store: Store;
let incidents: IncidentRepository;
let adapter: SlackAdapter;
let server: Server;
let botUrl: string;
/** The workspace's clock: simulated, weeks behind the wall clock, as in the embedded mode. */
const clock = new ManualClock(NOW);
/** The wall clock Slack signs with. */
const WALL_NOW = NOW + 16 * 24 * 3_600_000;
const wall = new ManualClock(WALL_NOW);
const sleeps: number[] = [];

async function send(body: { body: string; headers: Record<string, string> }): Promise<number> {
  const res = await fetch(`${botUrl}/slack/events`, {
    method: 'POST',
    body: body.body,
    headers: body.headers,
  });
  await res.arrayBuffer();
  return res.status;
}

/** Posts an incident card through the notifier (to the channel routing picks) and returns its ts. */
async function postedCard(classification?: Signal['classification']) {
  const incident = await openIncident(incidents, {
    openedAt: clock.now(),
    ...(classification === undefined ? {} : { classification }),
  });
  const card = await loadIncidentCard({ incidents, clock, policy }, incident.id);
  if (card === undefined) throw new Error('card missing');
  const [ref] = await notifier.post(incident.id);
  if (ref === undefined) throw new Error('card not posted');
  return { incident, card, ts: ref.messageId };
}

// Responders by email: Slack payloads carry only user ids, so this also proves the users.info lookup.
const policy = parsePolicy(
  `access:\n  responders: ['alice@example.com']\nrouting:\n  default_channel: ${CHANNEL}\n`,
);
let notifier: TestNotifier;

beforeAll(async () => {
  fake = await startFakeSlack();
  fake.addUser(ALICE, { name: 'alice', realName: 'Alice Example', email: 'Alice@Example.com' });
  fake.addUser(MALLORY, { name: 'mallory', realName: 'Mallory', email: 'mallory@example.com' });
  store = await openStore({ dataDir: 'memory://' });
  const repos = createRepositories(store.db);
  incidents = repos.incidents;
  notifier = testNotifier({ repos, surfaces: () => [adapter.surface], policy, clock, wallClock: wall });
  const logger = pino({ level: 'silent' });
  const handler = createChatHandler({
    incidents,
    cardPosts: repos.cardPosts,
    notify: notifier.notify,
    processedKeys: repos.processedKeys,
    clock,
    policy,
    logger,
  });
  adapter = createSlackAdapter({
    env: {
      SLACK_BOT_TOKEN: 'xoxb-test-token',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_APP_TOKEN: undefined,
      SLACK_API_URL: fake.apiUrl,
    },
    handler,
    logger,
    clock,
    wallClock: wall,
    // Records the waits instead of sleeping them, so pacing and Retry-After are asserted, not endured.
    sleep: async (ms) => {
      sleeps.push(ms);
      await new Promise((r) => setImmediate(r));
    },
  });
  server = createServer((req, res) => {
    if (req.url === '/slack/events') adapter.listener(req, res);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  botUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await adapter?.stop();
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await store?.close();
  await fake?.close();
});

beforeEach(() => {
  fake.reset();
  sleeps.length = 0;
  clock.set(NOW);
  wall.set(WALL_NOW);
});

describe('Slack end to end', () => {
  it('answers a signed /dbx help with the command list through the response_url', async () => {
    const status = await send(
      signed(slashCommand('help', { responseUrl: fake.responseUrl('help-1') }), FORM, wall.now()),
    );
    expect(status).toBe(200);
    await fake.waitFor((calls) => calls.some((c) => c.method === 'respond:help-1'));
    const reply = fake.accepted('respond:help-1')[0];
    expect(reply?.args.response_type).toBe('ephemeral');
    expect(JSON.stringify(reply?.args.blocks)).toContain('/dbx status');
  });

  it('tells the person why a 100 KB /dbx command was not run, instead of staying silent', async () => {
    const huge = slashCommand(`ack ${'x'.repeat(100_000)}`, { responseUrl: fake.responseUrl('huge') });
    expect(await send(signed(huge, FORM, wall.now()))).toBe(200);
    await fake.waitFor((calls) => calls.some((c) => c.method === 'respond:huge'));
    const reply = fake.accepted('respond:huge')[0];
    expect(reply?.args.response_type).toBe('ephemeral');
    expect(JSON.stringify(reply?.args.blocks)).toContain('too long');
  });

  it('tells the person a button with a 2,001-character value was not acted on', async () => {
    const { card, ts } = await postedCard();
    const ack = incidentButtons(card).standard.find((b) => b.payload.action === 'ack');
    if (ack === undefined) throw new Error('no ack button');
    const body = blockAction({
      actionId: ack.actionId,
      value: 'v'.repeat(2_001),
      messageTs: ts,
      responseUrl: fake.responseUrl('long-value'),
    });
    expect(await send(signed(body, FORM, wall.now()))).toBe(200);
    await fake.waitFor((calls) => calls.some((c) => c.method === 'respond:long-value'));
    expect(JSON.stringify(fake.accepted('respond:long-value')[0]?.args.blocks)).toContain('did not act');
    await adapter.idle();
    expect(fake.accepted('chat.update')).toHaveLength(0);
  });

  it('acknowledges on a signed button press, updates the card in place and notes it in the thread', async () => {
    const { card, ts } = await postedCard();
    const ack = incidentButtons(card).standard.find((b) => b.payload.action === 'ack');
    if (ack === undefined) throw new Error('no ack button');
    const body = blockAction({
      actionId: ack.actionId,
      value: ack.value,
      messageTs: ts,
      responseUrl: fake.responseUrl('btn-1'),
    });
    expect(await send(signed(body, FORM, wall.now()))).toBe(200);
    await fake.waitFor(
      (calls) =>
        calls.some((c) => c.method === 'chat.update') &&
        calls.filter((c) => c.method === 'chat.postMessage').length >= 2,
    );
    await adapter.idle();
    const update = fake.accepted('chat.update')[0];
    expect(update?.args).toMatchObject({ channel: CHANNEL, ts });
    expect(JSON.stringify(update?.args.blocks)).toContain('Acknowledged');
    const note = fake.accepted('chat.postMessage').find((c) => c.args.thread_ts === ts);
    expect(note?.args.text).toContain('Acknowledged by Alice Example');
    expect(update?.auth).toBe('Bearer xoxb-test-token');
  });

  it("refuses a button naming another incident than its card's: neither incident nor card changes", async () => {
    const a = await postedCard();
    const b = await postedCard();
    fake.reset();
    const forB = encodeButtonValue({
      kind: 'incident',
      action: 'ack',
      incidentId: b.incident.id,
      version: 1,
    });
    const body = blockAction({
      actionId: 'dbx:ack',
      value: forB,
      messageTs: a.ts,
      responseUrl: fake.responseUrl('x'),
    });
    expect(await send(signed(body, FORM, wall.now()))).toBe(200);
    await fake.waitFor((calls) => calls.some((c) => c.method === 'chat.postEphemeral'));
    await adapter.idle();
    expect(JSON.stringify(fake.accepted('chat.postEphemeral')[0]?.args.blocks)).toContain(
      'does not belong to the card',
    );
    expect((await incidents.get(b.incident.id))?.state).toBe('open');
    expect(fake.accepted('chat.update')).toEqual([]);
  });

  it('acts once when the same button is clicked twice', async () => {
    const { card, ts } = await postedCard();
    const ack = incidentButtons(card).standard.find((b) => b.payload.action === 'ack');
    if (ack === undefined) throw new Error('no ack button');
    const click = () =>
      send(
        signed(
          blockAction({
            actionId: ack.actionId,
            value: ack.value,
            messageTs: ts,
            responseUrl: fake.responseUrl('dbl'),
          }),
          FORM,
          wall.now(),
        ),
      );
    expect(await click()).toBe(200);
    wall.advance(1_000);
    expect(await click()).toBe(200);
    await fake.waitFor((calls) => calls.some((c) => c.method === 'chat.postEphemeral'));
    await adapter.idle();
    expect(fake.accepted('chat.update')).toHaveLength(1);
    expect(fake.accepted('chat.postMessage').filter((c) => c.args.thread_ts === ts)).toHaveLength(1);
    expect(JSON.stringify(fake.accepted('chat.postEphemeral')[0]?.args.blocks)).toContain(
      'already acknowledged',
    );
  });

  it('explains ephemerally when the incident behind a button no longer exists', async () => {
    const value = encodeButtonValue({
      kind: 'incident',
      action: 'ack',
      incidentId: 'inc_gone000000',
      version: 1,
    });
    const body = blockAction({
      actionId: 'dbx:ack',
      value,
      messageTs: '1700000000.999999',
      responseUrl: fake.responseUrl('gone'),
    });
    expect(await send(signed(body, FORM, wall.now()))).toBe(200);
    await fake.waitFor((calls) => calls.some((c) => c.method === 'chat.postEphemeral'));
    const eph = fake.accepted('chat.postEphemeral')[0];
    expect(eph?.args).toMatchObject({ channel: CHANNEL, user: ALICE });
    expect(JSON.stringify(eph?.args.blocks)).toContain('no longer exists');
    expect(fake.accepted('chat.update')).toHaveLength(0);
  });

  it('tells a user without the responder role to ask an admin, and changes nothing', async () => {
    const { card, ts } = await postedCard();
    const resolve = incidentButtons(card).standard.find((b) => b.payload.action === 'resolve');
    if (resolve === undefined) throw new Error('no resolve button');
    const body = blockAction({
      actionId: resolve.actionId,
      value: resolve.value,
      messageTs: ts,
      responseUrl: fake.responseUrl('f'),
      user: MALLORY,
    });
    expect(await send(signed(body, FORM, wall.now()))).toBe(200);
    await fake.waitFor((calls) => calls.some((c) => c.method === 'chat.postEphemeral'));
    expect(JSON.stringify(fake.accepted('chat.postEphemeral')[0]?.args.blocks)).toContain(
      'access.responders',
    );
    expect(fake.accepted('chat.update')).toHaveLength(0);
    expect((await incidents.get(card.incidentId))?.state).toBe('open');
  });

  it('answers an unknown subcommand with the help text', async () => {
    expect(
      await send(
        signed(slashCommand('frobnicate now', { responseUrl: fake.responseUrl('unk') }), FORM, wall.now()),
      ),
    ).toBe(200);
    await fake.waitFor((calls) => calls.some((c) => c.method === 'respond:unk'));
    const text = JSON.stringify(fake.accepted('respond:unk')[0]?.args.blocks);
    expect(text).toContain('frobnicate');
    expect(text).toContain('/dbx incidents');
  });

  it('answers /dbx cost without a SQL warehouse by saying what it needs', async () => {
    await send(
      signed(slashCommand('cost data-eng', { responseUrl: fake.responseUrl('cost') }), FORM, wall.now()),
    );
    await fake.waitFor((calls) => calls.some((c) => c.method === 'respond:cost'));
    expect(JSON.stringify(fake.accepted('respond:cost')[0]?.args.blocks)).toContain(
      'DATABRICKS_WAREHOUSE_ID',
    );
  });

  it('posts a dry-run plan with the exact API calls in the card thread when a remediation is pressed', async () => {
    const { card, ts } = await postedCard(CONNECTION_RESET);
    const repair = incidentButtons(card).remediations.find((b) => b.payload.remediationId === 'repair');
    if (repair === undefined) throw new Error('no repair button');
    const body = blockAction({
      actionId: repair.actionId,
      value: repair.value,
      messageTs: ts,
      responseUrl: fake.responseUrl('plan'),
    });
    expect(await send(signed(body, FORM, wall.now()))).toBe(200);
    await fake.waitFor((calls) =>
      calls.some((c) => c.method === 'chat.postMessage' && c.args.thread_ts === ts),
    );
    const plan = JSON.stringify(
      fake.accepted('chat.postMessage').find((c) => c.args.thread_ts === ts)?.args.blocks,
    );
    expect(plan).toContain('/api/2.2/jobs/runs/repair');
    expect(plan).toContain('rerun_all_failed_tasks');
  });
});

describe('Slack events', () => {
  it('publishes the open incidents on the Home tab when it is opened', async () => {
    const { incident } = await postedCard();
    const body = eventEnvelope(
      { type: 'app_home_opened', user: ALICE, channel: 'D0ALICE01', tab: 'home', event_ts: '1.1' },
      'Ev0HOME001',
      Math.floor(NOW / 1000),
    );
    expect(await send(signed(body, 'application/json', wall.now()))).toBe(200);
    await fake.waitFor((calls) => calls.some((c) => c.method === 'views.publish'));
    const publish = fake.accepted('views.publish')[0];
    expect(publish?.args.user_id).toBe(ALICE);
    expect(publish?.args.view).toMatchObject({ type: 'home' });
    expect(JSON.stringify(publish?.args.view)).toContain(incident.id);
  });

  it('answers a direct message in the DM, not in a thread', async () => {
    const body = eventEnvelope(
      {
        type: 'message',
        channel_type: 'im',
        user: ALICE,
        text: 'how much did we spend?',
        ts: '1767225601.000200',
        channel: 'D0ALICE01',
      },
      'Ev0DM00001',
      Math.floor(NOW / 1000),
    );
    expect(await send(signed(body, 'application/json', wall.now()))).toBe(200);
    await fake.waitFor((calls) => calls.some((c) => c.method === 'chat.postMessage'));
    const answer = fake.accepted('chat.postMessage')[0];
    expect(answer?.args).toMatchObject({ channel: 'D0ALICE01' });
    expect(answer?.args.thread_ts).toBeUndefined();
    expect(answer?.args.text).toContain('/dbx help');
  });
});

describe('Slack request authenticity', () => {
  const help = () => slashCommand('help', { responseUrl: fake.responseUrl('auth') });

  it('refuses an unsigned request with 401', async () => {
    expect(await send({ body: help(), headers: { 'content-type': FORM } })).toBe(401);
  });

  it('refuses a body changed after signing with 401', async () => {
    const s = signed(help(), FORM, wall.now());
    expect(await send({ body: s.body.replace('help', 'ack'), headers: s.headers })).toBe(401);
  });

  it('refuses a request signed with another secret with 401', async () => {
    expect(await send(signed(help(), FORM, wall.now(), 'not-the-secret'))).toBe(401);
  });

  it('refuses timestamps more than five minutes old or ahead with 401', async () => {
    expect(await send(signed(help(), FORM, wall.now() - 301_000))).toBe(401);
    expect(await send(signed(help(), FORM, wall.now() + 301_000))).toBe(401);
  });

  it('checks the signature against the wall clock, not the workspace clock weeks behind it', async () => {
    expect(await send(signed(help(), FORM, clock.now()))).toBe(401);
    expect(await send(signed(help(), FORM, wall.now()))).toBe(200);
  });

  it('refuses the same signed request sent again, and acts once', async () => {
    const s = signed(slashCommand('help', { responseUrl: fake.responseUrl('replay') }), FORM, wall.now());
    expect(await send(s)).toBe(200);
    expect(await send(s)).toBe(401);
    await fake.waitFor((calls) => calls.some((c) => c.method === 'respond:replay'));
    await adapter.idle();
    expect(fake.accepted('respond:replay')).toHaveLength(1);
  });

  it('acks a byte-identical resend marked as a Slack retry without acting again', async () => {
    const s = signed(slashCommand('help', { responseUrl: fake.responseUrl('retry-same') }), FORM, wall.now());
    expect(await send(s)).toBe(200);
    expect(await send({ body: s.body, headers: { ...s.headers, 'x-slack-retry-num': '1' } })).toBe(200);
    await fake.waitFor((calls) => calls.some((c) => c.method === 'respond:retry-same'));
    await adapter.idle();
    expect(fake.accepted('respond:retry-same')).toHaveLength(1);
  });

  it('handles an event Slack retries with a new signature once (same event_id)', async () => {
    const event = {
      type: 'app_mention',
      user: ALICE,
      text: '<@U0BOT0001> why is the nightly job failing?',
      ts: '1767225600.000100',
      channel: CHANNEL,
    };
    const body = eventEnvelope(event, 'Ev0RETRY01', Math.floor(NOW / 1000));
    expect(await send(signed(body, 'application/json', wall.now()))).toBe(200);
    wall.advance(3_000);
    const retry = signed(body, 'application/json', wall.now());
    expect(
      await send({
        body,
        headers: { ...retry.headers, 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' },
      }),
    ).toBe(200);
    await fake.waitFor((calls) => calls.some((c) => c.method === 'chat.postMessage'));
    await adapter.idle();
    const answers = fake.accepted('chat.postMessage');
    expect(answers).toHaveLength(1);
    expect(answers[0]?.args.thread_ts).toBe('1767225600.000100');
    expect(answers[0]?.args.text).toContain("can't answer questions here");
  });

  it('answers the url_verification challenge when signed', async () => {
    const body = JSON.stringify({ token: 'x', challenge: 'c-123', type: 'url_verification' });
    const res = await fetch(`${botUrl}/slack/events`, {
      method: 'POST',
      ...signed(body, 'application/json', wall.now()),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ challenge: 'c-123' });
  });

  it('refuses a malformed signed body with 400 and an oversized one with 413', async () => {
    expect(await send(signed('{not json', 'application/json', wall.now()))).toBe(400);
    expect(await send(signed(`payload=${'x'.repeat(1_100_000)}`, FORM, wall.now()))).toBe(413);
  });
});

describe('Slack sending under rate limits and outages', () => {
  it('waits Retry-After on 429 and then delivers the post', async () => {
    fake.failNext(2, { status: 429, retryAfterSec: 7 }, 'chat.postMessage');
    const { ts } = await postedCard();
    expect(ts).toMatch(/^1700000000\./);
    expect(fake.calls.filter((c) => c.method === 'chat.postMessage').map((c) => c.status)).toEqual([
      429, 429, 200,
    ]);
    expect(sleeps.filter((ms) => ms === 7_000)).toHaveLength(2);
  });

  it('backs off on 500 and then delivers the update', async () => {
    const { card, ts } = await postedCard();
    fake.failNext(3, { status: 500 }, 'chat.update');
    await adapter.surface.updateCard({ surface: 'slack', channelId: CHANNEL, messageId: ts }, card);
    expect(fake.calls.filter((c) => c.method === 'chat.update').map((c) => c.status)).toEqual([
      500, 500, 500, 200,
    ]);
    expect(sleeps.filter((ms) => ms >= 1_000).length).toBeGreaterThanOrEqual(3);
  });

  it('keeps to about one message per second per channel', async () => {
    const card: CardView = { kind: 'message', tone: 'info', title: null, text: 'hello', fields: [] };
    await Promise.all([1, 2, 3].map(() => adapter.surface.postCard({ channelId: 'C0PACED01' }, card)));
    // The clock does not move in this test, so each send after the first waits a full second.
    expect(sleeps.filter((ms) => ms === 1_000)).toHaveLength(2);
    expect(fake.accepted('chat.postMessage')).toHaveLength(3);
  });

  it('pings the on-call group in a P1 thread note, and never anything smuggled in as a mention', async () => {
    const { ts } = await postedCard();
    const ref = { surface: 'slack' as const, channelId: CHANNEL, messageId: ts };
    const before = fake.accepted('chat.postMessage').length;
    await adapter.surface.postThreadNote(ref, 'P1: nightly orders timed out', {
      mention: '<!subteam^S0ONCALL1|oncall>',
    });
    await adapter.surface.postThreadNote(ref, 'P1: again', { mention: '<!channel> <@U123>' });
    const [pinged, refused] = fake.accepted('chat.postMessage').slice(before);
    expect(String(pinged?.args.text)).toMatch(/^<!subteam\^S0ONCALL1\|oncall> /);
    expect(String(refused?.args.text)).not.toContain('<!channel>');
  });
});
