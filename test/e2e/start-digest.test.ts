// @module-tag slow — a day and a half of workspace clock at 1200× (test/suite-sequencer.ts runs it first)
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningDbxops, startDbxops } from '../../src/app/start-command.js';
import { loadEnv } from '../../src/config/env.js';
import { createLogger } from '../../src/config/logger.js';
import { SIGNING_SECRET } from '../fixtures/slack/slack-requests.js';
import { type FakeBotConnector, startFakeBotConnector } from '../support/fake-bot-connector.js';
import { CHANNEL_ID } from '../fixtures/teams/activities.js';
import { decodePng } from '../support/png.js';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack-server.js';

/** The #digest channel on Slack, as routing.channels maps it (a file upload needs a channel id). */
const SLACK_DIGEST = 'C0DIGEST01';

/**
 * `dbxops start` on the embedded demo with Slack and Teams configured: when the workspace clock reaches
 * 07:00 the daily digest reaches the console's #digest, Slack and Teams — once each, on time, with the
 * spend chart.
 */
describe('dbxops start posts the daily digest at 07:00 workspace time', () => {
  let running: RunningDbxops;
  let slack: FakeSlack;
  let teams: FakeBotConnector;
  const dir = mkdtempSync(join(tmpdir(), 'dbxops-start-digest-'));
  const policyBefore = process.env.DBXOPS_POLICY;

  beforeAll(async () => {
    // Teams posts only to conversation ids: the policy maps #digest to one on each surface.
    const policyFile = join(dir, 'dbxops.yaml');
    writeFileSync(
      policyFile,
      `routing:\n  channels:\n    "#digest": { teams: "${CHANNEL_ID}", slack: ${SLACK_DIGEST} }\n`,
    );
    process.env.DBXOPS_POLICY = policyFile;
    slack = await startFakeSlack();
    teams = await startFakeBotConnector();
    const env = loadEnv({
      PORT: '0',
      LOG_LEVEL: 'silent',
      // Seven simulated hours in about 20 real seconds. A post is late only past ten real seconds at
      // this speed (lateAfterAtSpeed): a busy CI machine's stall of a second is 20 simulated minutes.
      DBXOPS_SIM_SPEED: '1200',
      SLACK_BOT_TOKEN: 'xoxb-test-token',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      TEAMS_APP_ID: teams.appId,
      TEAMS_APP_PASSWORD: teams.appPassword,
      TEAMS_TENANT_ID: 'fake-tenant',
      TEAMS_OPENID_METADATA_URL: teams.openIdMetadataUrl,
      TEAMS_TOKEN_URL: teams.tokenUrl,
      // The #digest conversation has never written to the bot, so no conversation reference names its
      // service URL: a proactive post goes to the configured one (in production Teams' global one).
      TEAMS_SERVICE_URL: teams.serviceUrl('teams'),
    });
    running = await startDbxops(env, createLogger({ level: 'silent' }));
  }, 240_000);
  afterAll(async () => {
    await running?.stop();
    await slack?.close();
    await teams?.close();
    if (policyBefore === undefined) delete process.env.DBXOPS_POLICY;
    else process.env.DBXOPS_POLICY = policyBefore;
    rmSync(dir, { recursive: true, force: true });
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

  it('says at start-up, in the console, that #incidents reaches no Teams conversation: the policy maps only #digest', async () => {
    const res = await fetch(`${running.url}/api/channels/incidents/messages`);
    const { messages } = (await res.json()) as { messages: { html: string }[] };
    const notes = messages.map((m) => m.html).filter((html) => html.includes('Not posted on teams'));
    expect(notes).toHaveLength(1);
    expect(notes[0]).toContain('#incidents has no Teams conversation');
  });

  it('reaches Slack and Teams too, once each, and a day with billing has the spend chart as a PNG everywhere', async () => {
    // Slack: a digest without a chart is a message; one with a chart is the PNG uploaded with its blocks.
    const slackDigests = () => [
      ...slack
        .accepted('chat.postMessage')
        .filter((c) => c.args.channel === SLACK_DIGEST)
        .map((c) => ({ blocks: JSON.stringify(c.args.blocks), png: undefined })),
      ...slack.uploads
        .filter((u) => u.completed?.channelId === SLACK_DIGEST)
        .map((u) => ({ blocks: JSON.stringify(u.completed?.blocks), png: u.bytes })),
    ];
    const teamsDigests = () =>
      teams
        .delivered()
        .filter((c) => c.operation === 'send' && c.conversationId === CHANNEL_ID)
        .map((c) => JSON.stringify(c.body));
    // 2026-11-21 07:00 reports the 20th, the demo's first full day of billing.
    const withChart = async () =>
      (await consoleDigests()).filter((html) => html.includes('<img src="/charts/cost.png?c='));
    await expect.poll(withChart, { timeout: 240_000, interval: 1_000 }).not.toHaveLength(0);
    const count = (await consoleDigests()).length;
    await expect.poll(() => slackDigests().length, { timeout: 60_000 }).toBe(count);
    await expect.poll(() => teamsDigests().length, { timeout: 60_000 }).toBe(count);
    const date = /Daily digest · acme-prod · (\d{4}-\d{2}-\d{2})/.exec((await withChart())[0]!)?.[1];
    const [slackNext] = slackDigests().filter((d) => d.blocks.includes(`Daily digest · acme-prod · ${date}`));
    const [teamsNext] = teamsDigests().filter((t) => t.includes(`Daily digest · acme-prod · ${date}`));
    expect(decodePng(slackNext?.png ?? Buffer.alloc(0))).toEqual({ width: 1600, height: 640 });
    const image = /"type":"Image","url":"([^"]+)"/.exec(teamsNext ?? '')?.[1];
    expect(image).toMatch(/\/charts\/cost\.png\?c=/);
    // The URL Teams was given is one dbxops serves: the same PNG for anyone who loads it.
    const png = await fetch(image!);
    expect(png.headers.get('content-type')).toBe('image/png');
    expect(decodePng(Buffer.from(await png.arrayBuffer()))).toEqual({ width: 1600, height: 640 });
  }, 420_000);
});
