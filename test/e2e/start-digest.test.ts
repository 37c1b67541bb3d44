import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningDbxops, startDbxops } from '../../src/app/start-command.js';
import { loadEnv } from '../../src/config/env.js';
import { createLogger } from '../../src/config/logger.js';
import { SIGNING_SECRET } from '../fixtures/slack/slack-requests.js';
import { type FakeBotConnector, startFakeBotConnector } from '../support/fake-bot-connector.js';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack-server.js';

/**
 * `dbxops start` on the embedded demo with Slack and Teams configured: when the workspace clock reaches
 * 07:00 the daily digest reaches the console's #digest, Slack and Teams — once each, on time, with the
 * spend chart.
 */
describe('dbxops start posts the daily digest at 07:00 workspace time', () => {
  let running: RunningDbxops;
  let slack: FakeSlack;
  let teams: FakeBotConnector;

  beforeAll(async () => {
    slack = await startFakeSlack();
    teams = await startFakeBotConnector();
    const env = loadEnv({
      PORT: '0',
      LOG_LEVEL: 'silent',
      // Seven simulated hours in about 20 real seconds.
      DBXOPS_SIM_SPEED: '1200',
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

  async function consoleDigests(): Promise<string[]> {
    const res = await fetch(`${running.url}/api/channels/digest/messages`);
    const { messages } = (await res.json()) as { messages: { html: string }[] };
    return messages.map((m) => m.html).filter((html) => html.includes('dbx-digest'));
  }

  it('reaches the console #digest once, on time, not marked late', async () => {
    await expect.poll(consoleDigests, { timeout: 600_000, interval: 1_000 }).toHaveLength(1);
    const [html] = await consoleDigests();
    expect(html).toContain('Daily digest · acme-prod · 2026-11-19');
    const posts = await running.app.repos.scheduledPosts.list('daily:#digest');
    const onConsole = posts.filter((p) => p.surface === 'console');
    expect(onConsole).toHaveLength(1);
    expect(onConsole[0]).toMatchObject({
      dueAt: Date.parse('2026-11-20T07:00:00Z'),
      state: 'posted',
      late: false,
    });
    expect(onConsole[0]!.postedAt).toBeGreaterThanOrEqual(Date.parse('2026-11-20T07:00:00Z'));
  }, 660_000);

  it("reaches Slack and Teams too, and the next morning's has the spend chart on every surface", async () => {
    const isDigestFor = (date: string) => (text: string) =>
      text.includes(`Daily digest · acme-prod · ${date}`);
    const slackDigests = () =>
      slack
        .accepted('chat.postMessage')
        .filter((c) => c.args.channel === '#digest')
        .map((c) => JSON.stringify(c.args.blocks));
    const teamsDigests = () =>
      teams
        .delivered()
        .filter((c) => c.operation === 'send' && c.conversationId === '#digest')
        .map((c) => JSON.stringify(c.body));
    // 2026-11-21 07:00 reports the 20th, the demo's first full day of billing.
    await expect.poll(consoleDigests, { timeout: 600_000, interval: 1_000 }).toHaveLength(2);
    await expect.poll(() => slackDigests().length, { timeout: 60_000 }).toBe(2);
    await expect.poll(() => teamsDigests().length, { timeout: 60_000 }).toBe(2);
    expect(slackDigests().filter(isDigestFor('2026-11-19'))).toHaveLength(1);
    expect(teamsDigests().filter(isDigestFor('2026-11-19'))).toHaveLength(1);
    const [slackNext] = slackDigests().filter(isDigestFor('2026-11-20'));
    const [teamsNext] = teamsDigests().filter(isDigestFor('2026-11-20'));
    const [consoleNext] = (await consoleDigests()).filter(isDigestFor('2026-11-20'));
    // The chart: text bars in Slack and Teams, bars in the console.
    expect(slackNext).toMatch(/data-platform +█+/);
    expect(teamsNext).toMatch(/data-platform +█+/);
    expect(consoleNext).toContain('class="dbx-bar"');
  }, 900_000);
});
