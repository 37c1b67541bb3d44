import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningDbxops, startDbxops } from '../../src/app/start-command.js';
import { loadEnv } from '../../src/config/env.js';
import { createLogger } from '../../src/config/logger.js';
import { SIGNING_SECRET, signed, slashCommand } from '../fixtures/slack/slack-requests.js';
import { channelMessage } from '../fixtures/teams/activities.js';
import { type FakeBotConnector, startFakeBotConnector } from '../support/fake-bot-connector.js';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack-server.js';

const FORM = 'application/x-www-form-urlencoded';

/**
 * Slack and Teams on the embedded default: the demo's workspace clock sits weeks in the past, yet Slack
 * signs with real time and Teams' tokens expire in real time, so both are accepted exactly as in a real
 * deployment — and refused exactly as there when stale or replayed.
 */
describe('dbxops start on the embedded default with Slack and Teams configured', () => {
  let running: RunningDbxops;
  let slack: FakeSlack;
  let teams: FakeBotConnector;

  beforeAll(async () => {
    slack = await startFakeSlack();
    teams = await startFakeBotConnector();
    const env = loadEnv({
      PORT: '0',
      LOG_LEVEL: 'silent',
      SLACK_BOT_TOKEN: 'xoxb-test-token',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      TEAMS_APP_ID: teams.appId,
      TEAMS_APP_PASSWORD: teams.appPassword,
      TEAMS_TENANT_ID: 'fake-tenant',
      TEAMS_OPENID_METADATA_URL: teams.openIdMetadataUrl,
      TEAMS_TOKEN_URL: teams.tokenUrl,
    });
    running = await startDbxops(env, createLogger({ level: 'silent' }));
  }, 120_000);
  afterAll(async () => {
    await running?.stop();
    await slack?.close();
    await teams?.close();
  });

  async function postSlack(request: { body: string; headers: Record<string, string> }): Promise<number> {
    const res = await fetch(`${running.url}/slack/events`, {
      method: 'POST',
      body: request.body,
      headers: request.headers,
    });
    await res.arrayBuffer();
    return res.status;
  }

  it('runs a workspace whose clock is not the wall clock', () => {
    const simulated = running.embedded?.workspace.now() ?? Date.now();
    expect(Math.abs(Date.now() - simulated)).toBeGreaterThan(24 * 3_600_000);
  });

  it('answers a correctly signed `/dbx help` from Slack', async () => {
    const request = signed(
      slashCommand('help', { responseUrl: slack.responseUrl('help') }),
      FORM,
      Date.now(),
    );
    expect(await postSlack(request)).toBe(200);
    await slack.waitFor((calls) => calls.some((c) => c.method === 'respond:help'), 20_000);
    expect(JSON.stringify(slack.accepted('respond:help')[0]?.args)).toContain('/dbx incidents');
  });

  it('refuses a Slack request signed more than five minutes ago, or sent again, with 401', async () => {
    const stale = signed(
      slashCommand('help', { responseUrl: slack.responseUrl('stale') }),
      FORM,
      Date.now() - 6 * 60_000,
    );
    expect(await postSlack(stale)).toBe(401);
    const once = signed(slashCommand('help', { responseUrl: slack.responseUrl('once') }), FORM, Date.now());
    expect(await postSlack(once)).toBe(200);
    expect(await postSlack(once)).toBe(401);
    await slack.waitFor((calls) => calls.some((c) => c.method === 'respond:once'), 20_000);
    expect(slack.accepted('respond:stale')).toHaveLength(0);
    expect(slack.accepted('respond:once')).toHaveLength(1);
  });

  it('answers a signed Teams `dbx help` in the reply chain', async () => {
    const activity = channelMessage('dbx help', teams.serviceUrl('amer/fake-tenant'));
    const res = await teams.post(`${running.url}/api/messages`, activity);
    expect(res.status).toBe(200);
    await expect
      .poll(() => teams.delivered().filter((c) => c.operation === 'reply').length, { timeout: 20_000 })
      .toBe(1);
    expect(JSON.stringify(teams.delivered()[0]?.body)).toContain('/dbx incidents');
  });

  it('refuses a Teams activity whose token expired, or that is not signed', async () => {
    const activity = channelMessage('dbx help', teams.serviceUrl('amer/fake-tenant'));
    const expired = await teams.post(
      `${running.url}/api/messages`,
      activity,
      teams.sign(activity, { expiresInSec: -600 }),
    );
    expect(expired.status).toBe(401);
    expect((await teams.post(`${running.url}/api/messages`, activity, null)).status).toBe(401);
  });
});
