import { webApi } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlackSender } from '../../../src/bot/slack/send.js';
import { SendQueue } from '../../../src/bot/slack/send-queue.js';
import { type DigestCardView, digestCardViewSchema } from '../../../src/cards/card-views.js';
import { createLogger } from '../../../src/config/logger.js';
import { ManualClock } from '../../../src/domain/clock.js';
import { decodePng } from '../../support/png.js';
import { type FakeSlack, startFakeSlack } from '../../support/fake-slack-server.js';

/** A digest whose spend section has a chart to draw. */
const digest: DigestCardView = digestCardViewSchema.parse({
  kind: 'digest',
  title: 'Daily digest · acme-prod · 2026-11-21',
  sections: [
    {
      title: 'Spend on 2026-11-21',
      lines: [{ text: 'finance: $117.57 against the 7-day average of $102.34' }],
      chart: {
        title: '2026-11-21 against the 7-day average, per team',
        unit: 'usd',
        bars: [{ label: 'finance', value: 117.57, baseline: 102.34 }],
      },
    },
  ],
});

describe("the digest's chart on Slack", () => {
  let slack: FakeSlack;
  let sender: SlackSender;
  beforeAll(async () => {
    slack = await startFakeSlack();
    const clock = new ManualClock(Date.UTC(2026, 10, 22, 7));
    sender = new SlackSender({
      client: new webApi.WebClient('xoxb-test', { slackApiUrl: slack.apiUrl }),
      queue: new SendQueue({ clock, logger: createLogger({ level: 'silent' }), minIntervalMs: 0 }),
      clock,
    });
  });
  afterAll(async () => {
    await sender?.close();
    await slack?.close();
  });

  it('is uploaded as a PNG with the digest as one message in a channel given by id', async () => {
    await sender.postCard({ channelId: 'C0DIGEST01' }, digest);
    const [upload] = slack.uploads;
    expect(upload?.completed?.channelId).toBe('C0DIGEST01');
    expect(upload?.filename).toBe('spend-by-team.png');
    expect(upload?.altText).toContain('finance $117.57 (avg $102.34)');
    expect(decodePng(upload?.bytes ?? Buffer.alloc(0))).toEqual({ width: 1600, height: 640 });
    expect(JSON.stringify(upload?.completed?.blocks)).toContain('Daily digest · acme-prod · 2026-11-21');
  });

  it('leaves the chart out for a channel given by #name, which an upload cannot take, and still posts', async () => {
    const uploads = slack.uploads.length;
    await sender.postCard({ channelId: '#digest' }, digest);
    expect(slack.uploads).toHaveLength(uploads);
    const [posted] = slack.accepted('chat.postMessage').filter((c) => c.args.channel === '#digest');
    expect(JSON.stringify(posted?.args.blocks)).toContain('Daily digest · acme-prod · 2026-11-21');
  });
});
