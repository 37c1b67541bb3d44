import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBotTokenProvider } from '../../../src/bot/teams/bot-token.js';
import { ManualClock } from '../../../src/domain/clock.js';
import { type FakeBotConnector, startFakeBotConnector } from '../../support/fake-bot-connector.js';

describe('the bot token provider', () => {
  let fake: FakeBotConnector;
  beforeAll(async () => {
    fake = await startFakeBotConnector();
  });
  afterAll(async () => {
    await fake?.close();
  });

  it('asks once for concurrent callers and sends the client credentials for the Bot Framework scope', async () => {
    const before = fake.tokenRequests.length;
    const token = createBotTokenProvider({
      appId: fake.appId,
      appPassword: fake.appPassword,
      tokenUrl: fake.tokenUrl,
      clock: new ManualClock(0),
    });
    const [a, b] = await Promise.all([token(), token()]);
    expect(a).toBe(b);
    expect(fake.tokenRequests.length - before).toBe(1);
    expect(fake.tokenRequests.at(-1)).toEqual({
      clientId: fake.appId,
      clientSecret: fake.appPassword,
      grantType: 'client_credentials',
      scope: 'https://api.botframework.com/.default',
    });
  });

  it('names the settings to check when the password is wrong, without echoing it', async () => {
    const token = createBotTokenProvider({
      appId: fake.appId,
      appPassword: 'wrong-secret',
      tokenUrl: fake.tokenUrl,
      clock: new ManualClock(0),
    });
    const failure = (await token().then(
      () => new Error('no failure'),
      (e: unknown) => e as Error,
    )) as Error & { code?: string };
    expect(failure).toMatchObject({ code: 'TEAMS_CONNECTOR_UNAUTHORIZED' });
    expect(failure.message).toContain('TEAMS_APP_PASSWORD');
    expect(failure.message).not.toContain('wrong-secret');
  });

  it('reports an unreachable endpoint as a network failure the queue retries', async () => {
    const token = createBotTokenProvider({
      appId: 'a',
      appPassword: 'b',
      tokenUrl: 'http://127.0.0.1:1/token',
      clock: new ManualClock(0),
    });
    await expect(token()).rejects.toMatchObject({ reason: 'network' });
  });
});
