import pino from 'pino';
import { webApi } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlackUserDirectory } from '../../../src/bot/slack/users.js';
import { ManualClock } from '../../../src/domain/clock.js';
import { type FakeSlack, startFakeSlack } from '../../support/fake-slack-server.js';

describe('SlackUserDirectory against a fake Slack Web API', () => {
  let fake: FakeSlack;
  let directory: SlackUserDirectory;

  beforeAll(async () => {
    fake = await startFakeSlack();
    const client = new webApi.WebClient('xoxb-test-token', {
      slackApiUrl: fake.apiUrl,
      retryConfig: { retries: 0 },
    });
    directory = new SlackUserDirectory(
      client,
      new ManualClock(Date.UTC(2026, 0, 1)),
      pino({ level: 'silent' }),
    );
  });
  afterAll(async () => {
    await fake?.close();
  });

  it('marks an e-mail Slack has confirmed as verified', async () => {
    fake.addUser('U0ALICE01', { name: 'alice', realName: 'Alice Chen', email: 'alice@acme.example' });
    expect(await directory.lookup('U0ALICE01')).toEqual({
      displayName: 'Alice Chen',
      email: 'alice@acme.example',
      emailVerified: true,
    });
  });

  it('passes an unconfirmed e-mail on without vouching for it', async () => {
    fake.addUser('U0MALLORY', {
      name: 'mallory',
      realName: 'Mallory',
      email: 'alice@acme.example',
      emailConfirmed: false,
    });
    expect(await directory.lookup('U0MALLORY')).toMatchObject({
      email: 'alice@acme.example',
      emailVerified: false,
    });
  });

  it('gives nothing for a user Slack does not know', async () => {
    expect(await directory.lookup('U0NOBODY0')).toEqual({});
  });
});
