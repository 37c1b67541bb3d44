import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createSlackAdapter } from '../../../src/bot/slack/slack-adapter.js';
import { ManualClock } from '../../../src/domain/clock.js';
import { ConfigError } from '../../../src/domain/errors.js';
import type { ChatHandler } from '../../../src/handlers/chat-request.js';

const base = {
  handler: (async () => ({ ok: true, replies: [] })) satisfies ChatHandler,
  logger: pino({ level: 'silent' }),
  clock: new ManualClock(0),
  wallClock: new ManualClock(0),
};

describe('createSlackAdapter configuration', () => {
  it('refuses to start without a bot token, or over HTTP without a signing secret', () => {
    expect(() =>
      createSlackAdapter({
        ...base,
        env: {
          SLACK_BOT_TOKEN: undefined,
          SLACK_SIGNING_SECRET: 's',
          SLACK_APP_TOKEN: undefined,
          SLACK_API_URL: undefined,
        },
      }),
    ).toThrow(ConfigError);
    expect(() =>
      createSlackAdapter({
        ...base,
        env: {
          SLACK_BOT_TOKEN: 'xoxb-1',
          SLACK_SIGNING_SECRET: undefined,
          SLACK_APP_TOKEN: undefined,
          SLACK_API_URL: undefined,
        },
      }),
    ).toThrow(/SLACK_SIGNING_SECRET/);
  });

  it('uses Socket Mode when SLACK_APP_TOKEN is set and answers HTTP with 404', async () => {
    const adapter = createSlackAdapter({
      ...base,
      env: {
        SLACK_BOT_TOKEN: 'xoxb-1',
        SLACK_SIGNING_SECRET: undefined,
        SLACK_APP_TOKEN: 'xapp-1',
        SLACK_API_URL: 'http://127.0.0.1:9/api/',
      },
    });
    expect(adapter.mode).toBe('socket');
    const server = createServer(adapter.listener);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`, {
        method: 'POST',
        body: '{}',
      });
      expect(res.status).toBe(404);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('answers methods other than POST with 405 over HTTP', async () => {
    const adapter = createSlackAdapter({
      ...base,
      env: {
        SLACK_BOT_TOKEN: 'xoxb-1',
        SLACK_SIGNING_SECRET: 's',
        SLACK_APP_TOKEN: undefined,
        SLACK_API_URL: 'http://127.0.0.1:9/api/',
      },
    });
    const server = createServer(adapter.listener);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`);
      expect(res.status).toBe(405);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
