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
      // Seven simulated hours in about 20 real seconds. Faster would save little and risk the post's
      // lateness, judged in simulated minutes: at 3600× a busy CI machine's quarter-second stall is 15.
      DBXOPS_SIM_SPEED: '1200',
      SLACK_BOT_TOKEN: 'xoxb-test-token',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      TEAMS_APP_ID: teams.appId,
      TEAMS_APP_PASSWORD: teams.appPassword,
      TEAMS_TENANT_ID: 'fake-tenant',
      TEAMS_OPENID_METADATA_URL: teams.openIdMetadataUrl,
      TEAMS_TOKEN_URL: teams.tokenUrl,
      // #digest has never written to the bot, so no conversation reference names its service URL: a
      // proactive post goes to the configured one (in production Teams' global one, here the fake).
      TEAMS_SERVICE_URL: teams.serviceUrl('teams'),
    });
    running = await startDbxops(env, createLogger({ level: 'silent' }));
  }, 240_000);
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

  it('reaches the console #digest at 07:00 workspace time, on time and not marked late', async () => {
    // About 15 s here; the allowances below are generous, yet a failure no longer eats a CI run's 15 minutes.
    await expect.poll(consoleDigests, { timeout: 180_000, interval: 1_000 }).not.toHaveLength(0);
    const posts = await running.app.repos.scheduledPosts.list('daily:#digest');
    const first = posts.find((p) => p.surface === 'console');
    // The first 07:00 after the bot began watching (a slow start-up may let the 20th's pass).
    expect(new Date(first!.dueAt).toISOString().slice(11)).toBe('07:00:00.000Z');
    expect(first).toMatchObject({ state: 'posted', late: false });
    expect(first!.postedAt).toBeGreaterThanOrEqual(first!.dueAt);
    const reported = new Date(first!.dueAt - 86_400_000).toISOString().slice(0, 10);
    const [html] = await consoleDigests();
    expect(html).toContain(`Daily digest · acme-prod · ${reported}`);
  }, 240_000);

  it('reaches Slack and Teams too, once each, and a day with billing has the spend chart everywhere', async () => {
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
    const withChart = async () => (await consoleDigests()).filter((html) => html.includes('class="dbx-bar"'));
    await expect.poll(withChart, { timeout: 240_000, interval: 1_000 }).not.toHaveLength(0);
    const count = (await consoleDigests()).length;
    await expect.poll(() => slackDigests().length, { timeout: 60_000 }).toBe(count);
    await expect.poll(() => teamsDigests().length, { timeout: 60_000 }).toBe(count);
    const date = /Daily digest · acme-prod · (\d{4}-\d{2}-\d{2})/.exec((await withChart())[0]!)?.[1];
    const [slackNext] = slackDigests().filter((t) => t.includes(`Daily digest · acme-prod · ${date}`));
    const [teamsNext] = teamsDigests().filter((t) => t.includes(`Daily digest · acme-prod · ${date}`));
    // The chart: text bars in Slack and Teams, bars in the console.
    expect(slackNext).toMatch(/data-platform +█+/);
    expect(teamsNext).toMatch(/data-platform +█+/);
  }, 420_000);
});
