import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../src/config/policy.js';
import { surfaceChannel, unroutedChannels } from '../../src/notify/channel-map.js';

const TEAMS_ID = '19:d441d38c655c47a085215b2726e76927@thread.tacv2';
const policy = parsePolicy(
  `routing:\n  channels:\n    "#digest": { teams: "${TEAMS_ID}", slack: C0DIGEST01 }\n    "#incidents": { slack: C0INCIDENT }\n`,
);

describe('the channel a post goes to on each surface', () => {
  it('is the id routing.channels maps the name to, per surface', () => {
    expect(surfaceChannel(policy, 'teams', '#digest')).toEqual({ ok: true, channelId: TEAMS_ID });
    expect(surfaceChannel(policy, 'slack', '#digest')).toEqual({ ok: true, channelId: 'C0DIGEST01' });
    expect(surfaceChannel(policy, 'console', '#digest')).toEqual({ ok: true, channelId: '#digest' });
  });

  it('is the name itself on Slack and the console without a mapping, and a conversation id as given on Teams', () => {
    expect(surfaceChannel(policy, 'slack', '#finance')).toEqual({ ok: true, channelId: '#finance' });
    expect(surfaceChannel(policy, 'teams', TEAMS_ID)).toEqual({ ok: true, channelId: TEAMS_ID });
  });

  it('is refused on Teams for a name without a conversation id, saying which key to set', () => {
    expect(surfaceChannel(policy, 'teams', '#incidents')).toEqual({
      ok: false,
      reason: 'no_teams_conversation',
      message:
        "#incidents has no Teams conversation: set routing.channels['#incidents'].teams in dbxops.yaml to its conversation id (19:…@thread.tacv2) for Teams to get its posts.",
    });
  });

  it('lists at start-up every policy channel a configured surface cannot reach, once each', () => {
    const routed = parsePolicy(
      `routing:\n  rules:\n    - { match: { team: finance }, channel: "#finance" }\n    - { match: { team: ops }, channel: "#finance" }\n  cost_channels: { finance: "#finance" }\n  channels:\n    "#digest": { teams: "${TEAMS_ID}" }\n`,
    );
    expect(
      unroutedChannels(routed, ['console', 'slack', 'teams']).map((u) => [u.surface, u.channel]),
    ).toEqual([
      ['teams', '#finance'],
      ['teams', '#incidents'],
    ]);
    expect(unroutedChannels(routed, ['console', 'slack'])).toEqual([]);
  });
});

describe('routing.channels in dbxops.yaml', () => {
  it('refuses an id that is not a Teams conversation or a Slack channel id', () => {
    for (const bad of ['#digest', 'javascript:alert(1) x', `19:${'x'.repeat(400)}`, '19:a;messageid=1'])
      expect(() =>
        parsePolicy(`routing:\n  channels:\n    "#d": { teams: ${JSON.stringify(bad)} }\n`),
      ).toThrow(/routing\.channels\.#d\.teams: must be a Teams conversation id/);
    for (const bad of ['#digest', 'c0123', '<!channel>'])
      expect(() =>
        parsePolicy(`routing:\n  channels:\n    "#d": { slack: ${JSON.stringify(bad)} }\n`),
      ).toThrow(/routing\.channels\.#d\.slack: must be a Slack channel id/);
    expect(() => parsePolicy('routing:\n  channels:\n    "#d": { discord: "1" }\n')).toThrow(
      /routing\.channels/,
    );
    expect(() => parsePolicy(`routing:\n  channels:\n    "${'x'.repeat(201)}": { slack: C0123 }\n`)).toThrow(
      /routing\.channels/,
    );
  });

  it('refuses a channel listed twice: YAML does not allow a duplicated key', () => {
    expect(() =>
      parsePolicy('routing:\n  channels:\n    "#d": { slack: C0AAA }\n    "#d": { slack: C0BBB }\n'),
    ).toThrow(/not valid YAML/);
  });
});
