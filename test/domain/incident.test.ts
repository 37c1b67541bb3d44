import { describe, expect, it } from 'vitest';
import {
  type Incident,
  type IncidentEvent,
  incidentIdFor,
  newIncident,
  transition,
} from '../../src/domain/incident.js';

const T0 = 1_717_000_000_000;

function openIncident(overrides: Partial<Incident> = {}): Incident {
  const built = newIncident({
    id: 'inc_abc123',
    workspaceId: 'ws1',
    fingerprint: 'fp_1',
    title: 'nightly_sales failed: table not found',
    severity: 'P2',
    openedAt: T0,
  });
  if (!built.ok) throw new Error(built.userMessage);
  return { ...built.value, ...overrides };
}

describe('newIncident', () => {
  it('starts open at version 1 with an empty blast radius', () => {
    const incident = openIncident();
    expect(incident).toMatchObject({ state: 'open', version: 1, updatedAt: T0, resolvedAt: null });
    expect(incident.blastRadius).toEqual({ jobs: [], tables: [], dashboards: [], teams: [], count: 0 });
  });

  it('truncates a 1 MB title with an ellipsis instead of refusing the incident', () => {
    const built = newIncident({
      id: 'inc_big000',
      workspaceId: 'w',
      fingerprint: 'f',
      title: 'A'.repeat(1_048_576),
      severity: 'P3',
      openedAt: T0,
    });
    expect(built.ok && built.value.title.length).toBe(300);
    expect(built.ok && built.value.title.endsWith('…')).toBe(true);
  });

  it('refuses a blank title and a malformed id with the field named', () => {
    const built = newIncident({
      id: 'not an id',
      workspaceId: 'w',
      fingerprint: 'f',
      title: '   ',
      severity: 'P3',
      openedAt: T0,
    });
    expect(built.ok).toBe(false);
    if (built.ok) return;
    expect(built.reason).toBe('invalid_incident');
    expect(built.userMessage).toContain('title');
    expect(built.userMessage).toContain('id');
  });

  it('derives the same id for the same root signal', () => {
    expect(incidentIdFor('w', 'fp', 'sig_1')).toBe(incidentIdFor('w', 'fp', 'sig_1'));
    expect(incidentIdFor('w', 'fp', 'sig_1')).not.toBe(incidentIdFor('w', 'fp', 'sig_2'));
    expect(incidentIdFor('w', 'fp', 'sig_1')).toMatch(/^inc_[0-9a-f]{24}$/);
  });
});

describe('transition', () => {
  const allowed: Array<[Incident['state'], IncidentEvent, Incident['state']]> = [
    ['open', { type: 'acknowledge', actor: 'U1' }, 'acknowledged'],
    ['escalated', { type: 'acknowledge', actor: 'U1' }, 'acknowledged'],
    ['open', { type: 'mitigate', actor: 'U1' }, 'mitigating'],
    ['acknowledged', { type: 'mitigate', actor: 'U1' }, 'mitigating'],
    ['acknowledged', { type: 'escalate', actor: 'U1' }, 'escalated'],
    ['mitigating', { type: 'escalate', actor: 'U1' }, 'escalated'],
    ['open', { type: 'resolve', actor: 'U1' }, 'resolved'],
    ['mitigating', { type: 'resolve', actor: 'system' }, 'resolved'],
    ['escalated', { type: 'resolve', actor: 'U1' }, 'resolved'],
    ['resolved', { type: 'reopen', actor: 'U1' }, 'open'],
  ];
  it.each(allowed)('moves %s on %o to %s and bumps the version', (from, event, to) => {
    const result = transition(openIncident({ state: from }), event, T0 + 60_000);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.state).toBe(to);
    expect(result.value.version).toBe(2);
    expect(result.value.updatedAt).toBe(T0 + 60_000);
  });

  const refused: Array<[Incident['state'], IncidentEvent]> = [
    ['resolved', { type: 'acknowledge', actor: 'U1' }],
    ['resolved', { type: 'mitigate', actor: 'U1' }],
    ['resolved', { type: 'escalate', actor: 'U1' }],
    ['mitigating', { type: 'acknowledge', actor: 'U1' }],
    ['acknowledged', { type: 'reopen', actor: 'U1' }],
    ['resolved', { type: 'assign', actor: 'U1', assignee: 'U2' }],
    ['resolved', { type: 'snooze', actor: 'U1', until: T0 + 3_600_000 }],
  ];
  it.each(refused)('refuses %s on %o as invalid_transition', (from, event) => {
    const incident = openIncident({ state: from });
    const result = transition(incident, event, T0 + 1);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toBe('invalid_transition');
  });

  it('answers a second acknowledge with unchanged so a double click is a no-op', () => {
    const acked = transition(openIncident(), { type: 'acknowledge', actor: 'U1' }, T0 + 1);
    if (!acked.ok) throw new Error('ack refused');
    const again = transition(acked.value, { type: 'acknowledge', actor: 'U2' }, T0 + 2);
    expect(again).toMatchObject({ ok: false, reason: 'unchanged' });
  });

  it('records who acknowledged and assigns them when nobody was', () => {
    const result = transition(openIncident(), { type: 'acknowledge', actor: 'U1' }, T0 + 5);
    expect(result.ok && result.value).toMatchObject({
      acknowledgedBy: 'U1',
      acknowledgedAt: T0 + 5,
      assignee: 'U1',
    });
    const kept = transition(openIncident({ assignee: 'U9' }), { type: 'acknowledge', actor: 'U1' }, T0 + 5);
    expect(kept.ok && kept.value.assignee).toBe('U9');
  });

  it('raises severity one step on escalation unless told the severity', () => {
    expect(
      transition(openIncident({ severity: 'P3' }), { type: 'escalate', actor: 'U1' }, T0).ok &&
        transition(openIncident({ severity: 'P3' }), { type: 'escalate', actor: 'U1' }, T0),
    ).toMatchObject({
      value: { severity: 'P2' },
    });
    const told = transition(
      openIncident({ severity: 'P3' }),
      { type: 'escalate', actor: 'U1', severity: 'P1' },
      T0,
    );
    expect(told.ok && told.value.severity).toBe('P1');
  });

  it('sets resolvedAt on resolve and clears it on reopen', () => {
    const resolved = transition(openIncident(), { type: 'resolve', actor: 'U1' }, T0 + 10);
    if (!resolved.ok) throw new Error('resolve refused');
    expect(resolved.value.resolvedAt).toBe(T0 + 10);
    const reopened = transition(resolved.value, { type: 'reopen', actor: 'U1' }, T0 + 20);
    expect(reopened.ok && reopened.value).toMatchObject({ state: 'open', resolvedAt: null, version: 3 });
  });

  it('refuses a snooze that ends in the past', () => {
    expect(transition(openIncident(), { type: 'snooze', actor: 'U1', until: T0 - 1 }, T0)).toMatchObject({
      ok: false,
      reason: 'invalid_transition',
    });
    expect(transition(openIncident(), { type: 'snooze', actor: 'U1', until: T0 + 1 }, T0).ok).toBe(true);
  });

  it('never moves updatedAt backwards when a clock lags', () => {
    const result = transition(openIncident({ updatedAt: T0 + 1_000 }), { type: 'mitigate', actor: 'U1' }, T0);
    expect(result.ok && result.value.updatedAt).toBe(T0 + 1_000);
  });
});
