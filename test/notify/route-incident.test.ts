import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../src/config/policy.js';
import { costChannelFor, routeIncident } from '../../src/notify/route-incident.js';

const policy = parsePolicy(`
workspaces:
  - { id: '1234567890123456', name: prod }
routing:
  default_channel: '#incidents'
  oncall_mention: '@data-oncall'
  cost_channels: { data-eng: '#data-eng-cost' }
  rules:
    - match: { team: data-eng }
      channel: '#data-eng-alerts'
    - match: { severity: [P1, P2], workspace: prod }
      channel: '#prod-critical'
    - match: { team: [bi, analytics], severity: P3 }
      channel: '#bi-alerts'
`);

describe('routeIncident', () => {
  it("sends a team's incident to its channel and a P1 in prod also to the critical channel, mentioning on-call", () => {
    expect(
      routeIncident({ team: 'data-eng', severity: 'P1', workspaceId: '1234567890123456' }, policy),
    ).toEqual({
      channels: ['#data-eng-alerts', '#prod-critical'],
      mention: '@data-oncall',
    });
  });

  it("matches a rule's workspace by id as well as by the name the workspaces list gives it", () => {
    const byId = parsePolicy(`
routing:
  rules:
    - match: { workspace: '1234567890123456' }
      channel: '#prod-alerts'
`);
    const prod = { team: null, severity: 'P3', workspaceId: '1234567890123456' } as const;
    expect(routeIncident(prod, byId).channels).toEqual(['#prod-alerts']);
    expect(routeIncident(prod, policy).channels).toEqual(['#incidents']);
    expect(routeIncident({ ...prod, severity: 'P2' }, policy).channels).toEqual(['#prod-critical']);
    // Another workspace does not become prod by being called so in a rule only.
    expect(routeIncident({ ...prod, severity: 'P2', workspaceId: '99' }, policy).channels).toEqual([
      '#incidents',
    ]);
  });

  it('does not mention on-call below P1', () => {
    expect(
      routeIncident({ team: 'data-eng', severity: 'P2', workspaceId: 'prod' }, policy).mention,
    ).toBeNull();
  });

  it('needs every key of a rule to match', () => {
    expect(routeIncident({ team: 'bi', severity: 'P2', workspaceId: 'dev' }, policy).channels).toEqual([
      '#incidents',
    ]);
    expect(routeIncident({ team: 'bi', severity: 'P3', workspaceId: 'dev' }, policy).channels).toEqual([
      '#bi-alerts',
    ]);
  });

  it('falls back to the default channel for an incident without a team', () => {
    expect(routeIncident({ team: null, severity: 'P4', workspaceId: 'dev' }, policy)).toEqual({
      channels: ['#incidents'],
      mention: null,
    });
  });

  it("adds the severity level's own channels without duplicates", () => {
    const withLevel = parsePolicy(`
routing: { rules: [ { match: { severity: P1 }, channel: '#sev1' } ] }
triage:
  P1: { response_minutes: 15, escalation_minutes: 30, channels: ['#sev1', '#exec'], mention_oncall: true }
  P2: { response_minutes: 60, escalation_minutes: 120 }
  P3: { response_minutes: 240, escalation_minutes: 1440 }
  P4: { response_minutes: 1440, escalation_minutes: 4320 }
`);
    expect(routeIncident({ team: null, severity: 'P1', workspaceId: 'w' }, withLevel)).toEqual({
      channels: ['#sev1', '#exec'],
      mention: '@oncall',
    });
  });
});

describe('costChannelFor', () => {
  it('gives each team one cost channel, and the default channel to teams without one', () => {
    expect(costChannelFor('data-eng', policy)).toBe('#data-eng-cost');
    expect(costChannelFor('bi', policy)).toBe('#incidents');
  });
});
