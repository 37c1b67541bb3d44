import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const manifest = parse(readFileSync(new URL('../../../manifest/slack.yaml', import.meta.url), 'utf8')) as {
  display_information: { name: string; description: string };
  features: {
    app_home: { home_tab_enabled: boolean };
    bot_user: { display_name: string };
    slash_commands: { command: string; url: string; description: string }[];
  };
  oauth_config: { scopes: { bot: string[] } };
  settings: {
    event_subscriptions: { request_url: string; bot_events: string[] };
    interactivity: { is_enabled: boolean; request_url: string };
    socket_mode_enabled: boolean;
  };
};

describe('manifest/slack.yaml', () => {
  it('declares /dbx, interactivity and events at /slack/events', () => {
    expect(manifest.features.slash_commands.map((c) => c.command)).toEqual(['/dbx']);
    expect(manifest.features.slash_commands[0]?.url).toMatch(/^https:\/\/.+\/slack\/events$/);
    expect(manifest.settings.interactivity).toMatchObject({ is_enabled: true });
    expect(manifest.settings.interactivity.request_url).toMatch(/\/slack\/events$/);
    expect(manifest.settings.event_subscriptions.request_url).toMatch(/\/slack\/events$/);
    expect(manifest.settings.socket_mode_enabled).toBe(false);
  });

  it('grants every scope the code needs', () => {
    expect(new Set(manifest.oauth_config.scopes.bot)).toEqual(
      new Set([
        'commands',
        'chat:write',
        'chat:write.public',
        'app_mentions:read',
        'im:history',
        'im:read',
        'im:write',
        'users:read',
        'users:read.email',
        'files:write',
      ]),
    );
  });

  it('subscribes exactly to the events the adapter listens for and enables the Home tab', () => {
    expect(manifest.settings.event_subscriptions.bot_events.sort()).toEqual([
      'app_home_opened',
      'app_mention',
      'message.im',
    ]);
    expect(manifest.features.app_home.home_tab_enabled).toBe(true);
  });

  it('stays within Slack field limits', () => {
    expect(manifest.display_information.name.length).toBeLessThanOrEqual(35);
    expect(manifest.display_information.description.length).toBeLessThanOrEqual(140);
    expect(manifest.features.bot_user.display_name).toMatch(/^[a-z0-9_.-]{1,80}$/);
    expect(manifest.features.slash_commands[0]?.command.length).toBeLessThanOrEqual(32);
  });
});
