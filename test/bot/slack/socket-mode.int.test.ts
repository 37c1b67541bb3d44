import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlackAdapter, type SlackAdapter } from '../../../src/bot/slack/slack-adapter.js';
import { parsePolicy } from '../../../src/config/policy.js';
import { ManualClock } from '../../../src/domain/clock.js';
import { createChatHandler } from '../../../src/handlers/chat-handler.js';
import { openStore, type Store } from '../../../src/store/open-store.js';
import { createRepositories } from '../../../src/store/repositories.js';
import { type FakeSlack, startFakeSlack } from '../../support/fake-slack-server.js';
import { testNotifier } from '../../support/test-notifier.js';

/** Socket Mode as Slack runs it: apps.connections.open, a WebSocket, `hello`, envelopes, acks. */
describe('Slack over Socket Mode', () => {
  let fake: FakeSlack;
  let store: Store;
  let adapter: SlackAdapter;
  const clock = new ManualClock(Date.UTC(2026, 10, 20, 3, 0));

  beforeAll(async () => {
    fake = await startFakeSlack();
    store = await openStore({ dataDir: 'memory://' });
    const repos = createRepositories(store.db);
    const policy = parsePolicy('');
    const logger = pino({ level: 'silent' });
    const notifier = testNotifier({
      repos,
      surfaces: () => [adapter.surface],
      policy,
      clock,
      wallClock: clock,
    });
    const handler = createChatHandler({
      incidents: repos.incidents,
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
        SLACK_SIGNING_SECRET: undefined,
        SLACK_APP_TOKEN: 'xapp-1-A0APP0001-test',
        SLACK_API_URL: fake.apiUrl,
      },
      handler,
      logger,
      clock,
      wallClock: clock,
      sleep: async () => {},
    });
    await adapter.start();
  });
  afterAll(async () => {
    await adapter?.stop();
    await store?.close();
    await fake?.close();
  });

  it('opens the socket through the configured Web API and answers /dbx help sent over it', async () => {
    expect(adapter.mode).toBe('socket');
    await fake.socket.connected();
    expect(fake.accepted('apps.connections.open')[0]?.auth).toBe('Bearer xapp-1-A0APP0001-test');

    fake.socket.send({
      envelope_id: 'env-help-1',
      type: 'slash_commands',
      accepts_response_payload: true,
      payload: {
        token: 'legacy',
        team_id: 'T0TEAM001',
        channel_id: 'C0INCIDENTS',
        channel_name: 'incidents',
        user_id: 'U0ALICE01',
        user_name: 'alice',
        command: '/dbx',
        text: 'help',
        api_app_id: 'A0APP0001',
        response_url: fake.responseUrl('help-1'),
        trigger_id: 'trigger-help-1',
      },
    });
    // Slack needs the ack within three seconds; the help itself arrives through response_url.
    const deadline = Date.now() + 5_000;
    while (!fake.socket.acks.some((a) => a.envelope_id === 'env-help-1') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(fake.socket.acks.map((a) => a.envelope_id)).toContain('env-help-1');
    await fake.waitFor((calls) => calls.some((c) => c.method === 'respond:help-1'));
    const reply = fake.accepted('respond:help-1')[0]!;
    expect(JSON.stringify(reply.args)).toMatch(/\/dbx incidents/);
    expect(reply.args.response_type).toBe('ephemeral');
  });

  it('says there is no HTTP endpoint in Socket Mode', async () => {
    let status = 0;
    adapter.listener(
      {} as never,
      {
        writeHead: (s: number) => {
          status = s;
          return { end: () => {} };
        },
      } as never,
    );
    expect(status).toBe(404);
  });
});
