import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  escalateIfOverdue,
  escalationDue,
  KnownEscalations,
} from '../../../src/agents/triage/escalate-incident.js';
import { defaultPolicy } from '../../../src/config/policy.js';
import { ManualClock } from '../../../src/domain/clock.js';
import { type Incident, incidentIdFor } from '../../../src/domain/incident.js';
import type { Severity } from '../../../src/domain/severity.js';
import { IncidentRepository } from '../../../src/store/incident-repository.js';
import { openStore, type Store } from '../../../src/store/open-store.js';

const T0 = Date.UTC(2026, 10, 20, 3, 0);
const MIN = 60_000;
const policy = defaultPolicy(); // P1 30 min, P2 120 min, P3 1440 min, P4 4320 min
let store: Store;
let incidents: IncidentRepository;
let seq = 0;

beforeAll(async () => {
  store = await openStore({ dataDir: 'memory://' });
  incidents = new IncidentRepository(store.db);
});
afterAll(async () => {
  await store?.close();
});

async function open(severity: Severity): Promise<Incident> {
  const fp = `fp-${++seq}`;
  const r = await incidents.open({
    id: incidentIdFor('ws', fp, `sig-${fp}`),
    workspaceId: 'ws',
    fingerprint: fp,
    title: `Nightly ${fp} failed`,
    severity,
    openedAt: T0,
  });
  if (!r.ok) throw new Error(r.userMessage);
  return r.value.incident;
}

const at = (ms: number) => ({
  incidents,
  policy,
  clock: new ManualClock(ms),
  escalations: new KnownEscalations(),
});
const escalations = async (id: string) =>
  (await incidents.timeline(id)).filter((e) => e.data.kind === 'escalation');

describe('escalating what nobody acknowledged', () => {
  it('escalates a P2 nobody acknowledged once its 120 minutes are up, and says so on the timeline', async () => {
    const incident = await open('P2');
    expect(await escalateIfOverdue(at(T0 + 119 * MIN), incident)).toBeNull();

    const escalated = await escalateIfOverdue(at(T0 + 120 * MIN), incident);
    expect(escalated).toMatchObject({ state: 'escalated', severity: 'P2', version: incident.version + 1 });
    expect(await escalations(incident.id)).toEqual([
      expect.objectContaining({
        actor: 'system',
        summary: 'Escalated: P2 not acknowledged within 2 h',
        at: T0 + 120 * MIN,
      }),
    ]);
  });

  it('escalates once per level: a later poll, a stale copy and a second worker change nothing', async () => {
    const incident = await open('P1');
    const later = at(T0 + 31 * MIN);
    const [a, b] = await Promise.all([
      escalateIfOverdue(later, incident),
      escalateIfOverdue(later, incident),
    ]);
    expect([a, b].filter((i) => i !== null)).toHaveLength(1);
    const after = await incidents.get(incident.id);
    expect(await escalateIfOverdue(at(T0 + 90 * MIN), after as Incident)).toBeNull();
    expect(await escalateIfOverdue(at(T0 + 90 * MIN), incident)).toBeNull();
    expect(await escalations(incident.id)).toHaveLength(1);
    expect((await incidents.get(incident.id))?.version).toBe(incident.version + 1);
  });

  it('leaves acknowledged, mitigating and resolved incidents alone', async () => {
    for (const type of ['acknowledge', 'mitigate', 'resolve'] as const) {
      const incident = await open('P1');
      const acted = await incidents.applyEvent(incident.id, { type, actor: 'alice' }, T0 + MIN);
      if (!acted.ok) throw new Error(acted.userMessage);
      expect(await escalateIfOverdue(at(T0 + 10 * 24 * 60 * MIN), acted.value)).toBeNull();
      expect(await escalations(incident.id)).toEqual([]);
    }
  });

  it('waits while an incident is snoozed and escalates once the snooze ran out', async () => {
    const incident = await open('P1');
    const snoozed = await incidents.applyEvent(
      incident.id,
      { type: 'snooze', actor: 'alice', until: T0 + 60 * MIN },
      T0 + MIN,
    );
    if (!snoozed.ok) throw new Error(snoozed.userMessage);
    expect(await escalateIfOverdue(at(T0 + 45 * MIN), snoozed.value)).toBeNull();
    expect(await escalateIfOverdue(at(T0 + 61 * MIN), snoozed.value)).toMatchObject({ state: 'escalated' });
  });

  it('does not escalate an incident acknowledged after the poll read it', async () => {
    const incident = await open('P1');
    await incidents.applyEvent(incident.id, { type: 'acknowledge', actor: 'alice' }, T0 + 40 * MIN);
    expect(await escalateIfOverdue(at(T0 + 41 * MIN), incident)).toBeNull();
    expect(await incidents.get(incident.id)).toMatchObject({ state: 'acknowledged' });
    expect(await escalations(incident.id)).toEqual([]);
  });

  it("counts a raised level's time from when it was raised, and escalates again at the new level", async () => {
    const incident = await open('P3');
    const first = await escalateIfOverdue(at(T0 + 24 * 60 * MIN), incident);
    if (first === null) throw new Error('not escalated at P3');
    // Triage raises it to P1 an hour later (its SLA nears) and records the raise.
    const raisedAt = T0 + 25 * 60 * MIN;
    const raised = await incidents.update(first.id, first.version, { severity: 'P1' }, raisedAt);
    if (!raised.ok) throw new Error(raised.userMessage);
    await incidents.addTimelineEntry({
      incidentId: first.id,
      at: raisedAt,
      phase: 'ANALYZE',
      summary: 'Severity raised to P1: SLA in 20 min (< 30)',
      data: { from: 'P3', to: 'P1' },
    });
    expect(await escalateIfOverdue(at(raisedAt + 29 * MIN), raised.value)).toBeNull();
    expect(await escalateIfOverdue(at(raisedAt + 30 * MIN), raised.value)).toMatchObject({
      state: 'escalated',
      severity: 'P1',
    });
    expect((await escalations(incident.id)).map((e) => e.summary)).toEqual([
      'Escalated: P3 not acknowledged within 24 h',
      'Escalated: P1 not acknowledged within 30 min',
    ]);
  });

  it('escalates once per level over review after review in one process, and again at a raised level', async () => {
    const known = new KnownEscalations();
    const review = (ms: number) => ({ incidents, policy, clock: new ManualClock(ms), escalations: known });
    const incident = await open('P2');
    const first = await escalateIfOverdue(review(T0 + 120 * MIN), incident);
    if (first === null) throw new Error('not escalated at P2');
    for (const minutes of [125, 130, 135])
      expect(await escalateIfOverdue(review(T0 + minutes * MIN), first)).toBeNull();
    const raised = await incidents.update(first.id, first.version, { severity: 'P1' }, T0 + 140 * MIN);
    if (!raised.ok) throw new Error(raised.userMessage);
    await incidents.addTimelineEntry({
      incidentId: first.id,
      at: T0 + 140 * MIN,
      phase: 'ANALYZE',
      summary: 'Severity raised to P1: SLA in 20 min (< 30)',
      data: { from: 'P2', to: 'P1' },
    });
    expect(await escalateIfOverdue(review(T0 + 170 * MIN), raised.value)).toMatchObject({ severity: 'P1' });
    expect((await escalations(incident.id)).map((e) => e.data.severity)).toEqual(['P2', 'P1']);
  });
});

describe('escalationDue', () => {
  const incident = { state: 'open', severity: 'P4', snoozedUntil: null } as const;

  it("uses the level's own escalation_minutes from the policy", () => {
    const custom = { ...policy.triage, P4: { ...policy.triage.P4, escalation_minutes: 5 } };
    expect(escalationDue(incident, T0, custom, T0 + 4 * MIN)).toBeNull();
    expect(escalationDue(incident, T0, custom, T0 + 5 * MIN)).toEqual({
      severity: 'P4',
      minutes: 5,
      deadline: T0 + 5 * MIN,
    });
    expect(escalationDue(incident, T0, policy.triage, T0 + 5 * MIN)).toBeNull();
  });
});
