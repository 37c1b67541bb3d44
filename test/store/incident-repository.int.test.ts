import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprint } from '../../src/domain/fingerprint.js';
import type { NewIncident } from '../../src/domain/incident.js';
import { IncidentRepository } from '../../src/store/incident-repository.js';
import type { Store } from '../../src/store/open-store.js';
import { failedTaskSignal } from '../domain/signal-factory.js';
import { dialects } from './dialects.js';

const T0 = Date.UTC(2024, 4, 1, 2, 0, 0);

describe.each(dialects())('IncidentRepository on $name', (dialect) => {
  let store: Store;
  let incidents: IncidentRepository;

  beforeAll(async () => {
    store = await dialect.open();
    incidents = new IncidentRepository(store.db);
  });
  afterAll(async () => {
    await store?.close();
    await dialect.stop();
  });

  // Each test works in its own workspace, so tests sharing the store cannot see each other's rows.
  const draft = (overrides: Partial<NewIncident> = {}): NewIncident => ({
    id: `inc_${randomUUID().replaceAll('-', '')}`,
    workspaceId: `ws-${randomUUID()}`,
    fingerprint: 'fp_abc',
    title: 'nightly_sales/ingest failed: table main.sales.orders not found',
    severity: 'P2',
    openedAt: T0,
    team: 'sales-data',
    ...overrides,
  });

  async function opened(overrides: Partial<NewIncident> = {}) {
    const result = await incidents.open(draft(overrides));
    if (!result.ok) throw new Error(result.userMessage);
    return result.value.incident;
  }

  it('opens an incident and reads it back unchanged', async () => {
    const input = draft({
      slaDeadline: T0 + 3_600_000,
      costUsd: 12.5,
      blastRadius: { jobs: ['publish'], count: 1 },
    });
    const result = await incidents.open(input);
    expect(result.ok && result.value.created).toBe(true);
    const stored = await incidents.get(input.id);
    expect(stored).toMatchObject({
      id: input.id,
      state: 'open',
      version: 1,
      openedAt: T0,
      slaDeadline: T0 + 3_600_000,
      costUsd: 12.5,
      blastRadius: { jobs: ['publish'], tables: [], count: 1 },
    });
    expect(stored).toEqual(result.ok ? result.value.incident : undefined);
  });

  it('returns the existing unresolved incident when the same root cause opens again', async () => {
    const first = await opened();
    const again = await incidents.open(
      draft({ workspaceId: first.workspaceId, fingerprint: first.fingerprint }),
    );
    expect(again.ok && again.value).toMatchObject({ created: false, incident: { id: first.id } });
  });

  it('opens exactly one incident when ten workers open the same root cause at once', async () => {
    const workspaceId = `ws-${randomUUID()}`;
    const results = await Promise.all(
      Array.from({ length: 10 }, () => incidents.open(draft({ workspaceId, fingerprint: 'fp_race' }))),
    );
    const ids = new Set(results.map((r) => (r.ok ? r.value.incident.id : r.reason)));
    expect(ids.size).toBe(1);
    expect(results.filter((r) => r.ok && r.value.created)).toHaveLength(1);
    expect(await incidents.listOpen({ workspaceId })).toHaveLength(1);
  });

  it('opens a new incident for a root cause whose last incident was resolved', async () => {
    const first = await opened();
    await incidents.applyEvent(first.id, { type: 'resolve', actor: 'U1' }, T0 + 1_000);
    const second = await incidents.open(
      draft({ workspaceId: first.workspaceId, fingerprint: first.fingerprint }),
    );
    expect(second.ok && second.value.created).toBe(true);
    expect(second.ok && second.value.incident.id).not.toBe(first.id);
  });

  it('treats the same incident id opened twice as one', async () => {
    const input = draft();
    await incidents.open(input);
    const again = await incidents.open({ ...input, fingerprint: 'fp_other' });
    expect(again.ok && again.value).toMatchObject({
      created: false,
      incident: { id: input.id, fingerprint: 'fp_abc' },
    });
  });

  it('finds unresolved incidents by correlation key, most severe first', async () => {
    const workspaceId = `ws-${randomUUID()}`;
    const p3 = await opened({
      workspaceId,
      fingerprint: 'a',
      severity: 'P3',
      correlationKey: 'table:main.sales.orders',
    });
    const p1 = await opened({
      workspaceId,
      fingerprint: 'b',
      severity: 'P1',
      correlationKey: 'table:main.sales.orders',
    });
    await opened({ workspaceId, fingerprint: 'c', correlationKey: 'table:other' });
    const found = await incidents.findOpenByCorrelationKey(workspaceId, 'table:main.sales.orders');
    expect(found.map((i) => i.id)).toEqual([p1.id, p3.id]);
  });

  it('lists open incidents by team and severity', async () => {
    const workspaceId = `ws-${randomUUID()}`;
    const a = await opened({ workspaceId, fingerprint: 'a', severity: 'P1', team: 'finance' });
    await opened({ workspaceId, fingerprint: 'b', severity: 'P4', team: 'finance' });
    await opened({ workspaceId, fingerprint: 'c', severity: 'P1', team: 'marketing' });
    const resolved = await opened({ workspaceId, fingerprint: 'd', severity: 'P1', team: 'finance' });
    await incidents.applyEvent(resolved.id, { type: 'resolve', actor: 'U1' }, T0 + 1);
    const list = await incidents.listOpen({ workspaceId, team: 'finance', severities: ['P1', 'P2'] });
    expect(list.map((i) => i.id)).toEqual([a.id]);
    expect(await incidents.listOpen({ workspaceId, severities: [] })).toEqual([]);
  });

  it('updates with the expected version and bumps it', async () => {
    const incident = await opened();
    const result = await incidents.update(incident.id, 1, { severity: 'P1', assignee: 'U7' }, T0 + 5_000);
    expect(result.ok && result.value).toMatchObject({
      severity: 'P1',
      assignee: 'U7',
      version: 2,
      updatedAt: T0 + 5_000,
    });
  });

  it('answers a stale version with version_conflict and leaves the incident alone', async () => {
    const incident = await opened();
    await incidents.update(incident.id, 1, { severity: 'P1' }, T0 + 1);
    const stale = await incidents.update(incident.id, 1, { severity: 'P4' }, T0 + 2);
    expect(stale).toMatchObject({ ok: false, reason: 'version_conflict', details: { currentVersion: 2 } });
    expect((await incidents.get(incident.id))?.severity).toBe('P1');
  });

  it('lets exactly one of two concurrent updates of the same version win', async () => {
    const incident = await opened();
    const results = await Promise.all([
      incidents.update(incident.id, 1, { assignee: 'U1' }, T0 + 1),
      incidents.update(incident.id, 1, { assignee: 'U2' }, T0 + 1),
    ]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok && r.reason === 'version_conflict')).toHaveLength(1);
    expect((await incidents.get(incident.id))?.version).toBe(2);
  });

  it('answers an unknown incident with not_found', async () => {
    expect(await incidents.update('inc_missing0', 1, {}, T0)).toMatchObject({
      ok: false,
      reason: 'not_found',
    });
    expect(await incidents.applyEvent('inc_missing0', { type: 'resolve', actor: 'U1' }, T0)).toMatchObject({
      ok: false,
      reason: 'not_found',
    });
  });

  it('applies state transitions and records each on the timeline', async () => {
    const incident = await opened();
    const acked = await incidents.applyEvent(
      incident.id,
      { type: 'acknowledge', actor: 'U1' },
      T0 + 60_000,
      1,
    );
    expect(acked.ok && acked.value).toMatchObject({
      state: 'acknowledged',
      acknowledgedBy: 'U1',
      version: 2,
    });
    const resolved = await incidents.applyEvent(incident.id, { type: 'resolve', actor: 'U1' }, T0 + 120_000);
    expect(resolved.ok && resolved.value).toMatchObject({
      state: 'resolved',
      resolvedAt: T0 + 120_000,
      version: 3,
    });
    const timeline = await incidents.timeline(incident.id);
    expect(timeline.map((e) => [e.phase, e.summary, e.actor])).toEqual([
      ['ANALYZE', 'Acknowledged by U1', 'U1'],
      ['CLOSE', 'Resolved by U1', 'U1'],
    ]);
  });

  it('refuses a forbidden transition and a double click without writing anything', async () => {
    const incident = await opened();
    await incidents.applyEvent(incident.id, { type: 'resolve', actor: 'U1' }, T0 + 1);
    expect(
      await incidents.applyEvent(incident.id, { type: 'acknowledge', actor: 'U2' }, T0 + 2),
    ).toMatchObject({
      ok: false,
      reason: 'invalid_transition',
    });
    expect(await incidents.applyEvent(incident.id, { type: 'resolve', actor: 'U2' }, T0 + 3)).toMatchObject({
      ok: false,
      reason: 'unchanged',
    });
    expect((await incidents.get(incident.id))?.version).toBe(2);
    expect(await incidents.timeline(incident.id)).toHaveLength(1);
  });

  it('answers a click on an outdated card with version_conflict', async () => {
    const incident = await opened();
    await incidents.applyEvent(incident.id, { type: 'assign', actor: 'U1', assignee: 'U1' }, T0 + 1);
    expect(
      await incidents.applyEvent(incident.id, { type: 'acknowledge', actor: 'U2' }, T0 + 2, 1),
    ).toMatchObject({
      ok: false,
      reason: 'version_conflict',
    });
  });

  it('refuses to reopen when another incident already tracks the root cause', async () => {
    const first = await opened();
    await incidents.applyEvent(first.id, { type: 'resolve', actor: 'U1' }, T0 + 1);
    await opened({ workspaceId: first.workspaceId, fingerprint: first.fingerprint });
    expect(await incidents.applyEvent(first.id, { type: 'reopen', actor: 'U1' }, T0 + 2)).toMatchObject({
      ok: false,
      reason: 'duplicate_active',
    });
  });

  const firstEntries = (signalId: string) => [
    {
      at: T0,
      phase: 'DISCOVER' as const,
      summary: 'Detected: nightly_sales/ingest failed',
      data: { signalId },
      dedupKey: `discover:${signalId}`,
    },
    { at: T0, phase: 'ANALYZE' as const, summary: 'Triage P2: failed job', dedupKey: 'triage:P2' },
  ];

  it('opens an incident with its first signal, link keys and timeline in one call', async () => {
    const input = draft();
    const signal = failedTaskSignal({ workspaceId: input.workspaceId, dedupKey: `run:${randomUUID()}` });
    const result = await incidents.openWithSignal(
      input,
      { signal, linkKeys: ['table:main.sales.orders'], now: T0 },
      firstEntries(signal.id),
    );
    expect(result.ok && result.value).toMatchObject({
      created: true,
      incident: { id: input.id, version: 1 },
    });
    expect(await incidents.get(input.id)).toEqual(result.ok ? result.value.incident : undefined);
    expect(await incidents.listSignals(input.id)).toEqual([signal]);
    expect(await incidents.openIncidentIdsLinkedTo(input.workspaceId, ['table:main.sales.orders'])).toEqual([
      input.id,
    ]);
    const timeline = await incidents.timeline(input.id);
    expect(timeline.map((e) => [e.phase, e.summary, e.actor, e.data])).toEqual([
      ['DISCOVER', 'Detected: nightly_sales/ingest failed', 'system', { signalId: signal.id }],
      ['ANALYZE', 'Triage P2: failed job', 'system', {}],
    ]);
  });

  it('returns the open incident of a taken fingerprint and attaches nothing to it', async () => {
    const first = await opened();
    const signal = failedTaskSignal({ workspaceId: first.workspaceId, dedupKey: `run:${randomUUID()}` });
    const again = await incidents.openWithSignal(
      draft({ workspaceId: first.workspaceId, fingerprint: first.fingerprint }),
      { signal, linkKeys: ['table:x'], now: T0 + 1 },
      firstEntries(signal.id),
    );
    expect(again.ok && again.value).toMatchObject({ created: false, incident: { id: first.id, version: 1 } });
    expect(await incidents.listSignals(first.id)).toEqual([]);
    expect(await incidents.timeline(first.id)).toEqual([]);
    // The signal is stored, unlinked: joining it afterwards links it as usual.
    expect(await incidents.attachSignal(first.id, signal, T0 + 2)).toMatchObject({
      ok: true,
      value: { attached: true },
    });
  });

  it('opens one incident when the same signal opens it twice or ten workers open it at once', async () => {
    const input = draft();
    const signal = failedTaskSignal({ workspaceId: input.workspaceId, dedupKey: `run:${randomUUID()}` });
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        incidents.openWithSignal(input, { signal, linkKeys: ['table:y'], now: T0 }, firstEntries(signal.id)),
      ),
    );
    expect(results.filter((r) => r.ok && r.value.created)).toHaveLength(1);
    expect(await incidents.listOpen({ workspaceId: input.workspaceId })).toHaveLength(1);
    expect(await incidents.listSignals(input.id)).toEqual([signal]);
    expect(await incidents.timeline(input.id)).toHaveLength(2);
  });

  it('refuses a malformed signal or timeline entry and stores nothing', async () => {
    const input = draft();
    const signal = failedTaskSignal({ workspaceId: input.workspaceId, dedupKey: `run:${randomUUID()}` });
    const badSignal = await incidents.openWithSignal(
      input,
      { signal: { ...signal, kind: '<script>' } as unknown as typeof signal, linkKeys: [], now: T0 },
      firstEntries(signal.id),
    );
    expect(badSignal).toMatchObject({ ok: false, reason: 'invalid_signal' });
    const badEntry = await incidents.openWithSignal(input, { signal, linkKeys: [], now: T0 }, [
      { at: T0, phase: 'LUNCH' as 'RCA', summary: 'x' },
    ]);
    expect(badEntry).toMatchObject({ ok: false, reason: 'invalid_timeline_entry' });
    expect(await incidents.get(input.id)).toBeUndefined();
  });

  it('stores hostile text in a first timeline entry as text', async () => {
    const input = draft();
    const signal = failedTaskSignal({ workspaceId: input.workspaceId, dedupKey: `run:${randomUUID()}` });
    const summary = "Detected: '); DROP TABLE incidents; -- \u0000 \ud800 😀";
    const result = await incidents.openWithSignal(input, { signal, linkKeys: [], now: T0 }, [
      { at: T0, phase: 'DISCOVER', summary, data: { note: '$1 $(x) \u0000' } },
    ]);
    expect(result.ok).toBe(true);
    const [entry] = await incidents.timeline(input.id);
    expect(entry?.summary).toBe("Detected: '); DROP TABLE incidents; -- \ufffd \ufffd 😀");
    expect(await incidents.get(input.id)).toBeDefined();
  });

  it('attaches a signal once however often it is attached', async () => {
    const incident = await opened();
    const signal = failedTaskSignal({ workspaceId: incident.workspaceId, dedupKey: `run:${randomUUID()}` });
    const first = await incidents.attachSignal(incident.id, signal, T0 + 1);
    const second = await incidents.attachSignal(incident.id, signal, T0 + 2);
    expect(first).toMatchObject({ ok: true, value: { attached: true, incidentId: incident.id } });
    expect(second).toMatchObject({ ok: true, value: { attached: false, incidentId: incident.id } });
    expect(await incidents.listSignals(incident.id)).toEqual([signal]);
    expect((await incidents.get(incident.id))?.version).toBe(2);
  });

  it('lists the signals of an incident as of the version read, and again once another attach moved it on', async () => {
    const incident = await opened();
    const first = failedTaskSignal({ workspaceId: incident.workspaceId, dedupKey: `run:${randomUUID()}` });
    await incidents.attachSignal(incident.id, first, T0 + 1);
    const v2 = (await incidents.get(incident.id))!;
    expect(await incidents.listSignals(incident.id, { atVersion: v2.version })).toEqual([first]);
    // Another worker (another repository over the same database) attaches a second signal.
    const second = failedTaskSignal({ workspaceId: incident.workspaceId, dedupKey: `run:${randomUUID()}` });
    await new IncidentRepository(store.db).attachSignal(incident.id, second, T0 + 2);
    const v3 = (await incidents.get(incident.id))!;
    expect(v3.version).toBe(v2.version + 1);
    // Both occurred at once: listed by id.
    const both = [first, second].sort((a, b) => (a.id < b.id ? -1 : 1));
    expect(await incidents.listSignals(incident.id, { atVersion: v3.version })).toEqual(both);
    // What a caller does with the list it got does not change the next answer.
    (await incidents.listSignals(incident.id, { atVersion: v3.version })).pop();
    expect(await incidents.listSignals(incident.id, { atVersion: v3.version })).toEqual(both);
  });

  it('attaches a signal to one incident when two workers race to attach it to two', async () => {
    const a = await opened({ fingerprint: 'a' });
    const b = await opened({ workspaceId: a.workspaceId, fingerprint: 'b' });
    const signal = failedTaskSignal({ workspaceId: a.workspaceId, dedupKey: `run:${randomUUID()}` });
    const results = await Promise.all([
      incidents.attachSignal(a.id, signal, T0 + 1),
      incidents.attachSignal(b.id, signal, T0 + 1),
      incidents.attachSignal(a.id, signal, T0 + 1),
    ]);
    const owners = new Set(results.map((r) => r.ok && r.value.incidentId));
    expect(owners.size).toBe(1);
    expect(results.filter((r) => r.ok && r.value.attached)).toHaveLength(1);
    const counts = [(await incidents.listSignals(a.id)).length, (await incidents.listSignals(b.id)).length];
    expect(counts.sort()).toEqual([0, 1]);
  });

  it('answers attaching to an unknown incident with not_found', async () => {
    const signal = failedTaskSignal({ dedupKey: `run:${randomUUID()}` });
    expect(await incidents.attachSignal('inc_missing0', signal, T0)).toMatchObject({
      ok: false,
      reason: 'not_found',
    });
  });

  it('keeps a timeline entry once per dedup key', async () => {
    const incident = await opened();
    const entry = {
      incidentId: incident.id,
      at: T0 + 1,
      phase: 'FETCH' as const,
      summary: 'Fetched run output',
      dedupKey: 'fetch:1',
    };
    expect(await incidents.addTimelineEntry(entry)).toEqual({ ok: true, value: { added: true } });
    expect(await incidents.addTimelineEntry(entry)).toEqual({ ok: true, value: { added: false } });
    expect(await incidents.addTimelineEntry({ ...entry, dedupKey: null })).toEqual({
      ok: true,
      value: { added: true },
    });
    expect(await incidents.timeline(incident.id)).toHaveLength(2);
  });

  it('refuses a timeline entry with an unknown phase or oversized data', async () => {
    const incident = await opened();
    const base = { incidentId: incident.id, at: T0, summary: 'x' };
    expect(await incidents.addTimelineEntry({ ...base, phase: 'PANIC' as 'RCA' })).toMatchObject({
      ok: false,
      reason: 'invalid_timeline_entry',
    });
    expect(
      await incidents.addTimelineEntry({ ...base, phase: 'RCA', data: { blob: 'x'.repeat(100_000) } }),
    ).toMatchObject({
      ok: false,
      reason: 'invalid_timeline_entry',
    });
    expect(
      await incidents.addTimelineEntry({ ...base, incidentId: 'inc_missing0', phase: 'RCA' }),
    ).toMatchObject({
      ok: false,
      reason: 'not_found',
    });
  });

  it('stores hostile strings byte for byte, and NUL as a replacement character', async () => {
    const hostile = `Robert'); DROP TABLE incidents;-- "quoted" \\ back\\slash $1 \u202e RTL 😀 中文 \ud800`;
    const incident = await opened({ title: hostile, owner: "o'brien@example.com", team: '$$; --' });
    const stored = await incidents.get(incident.id);
    expect(stored?.title).toBe(hostile.replace('\ud800', '\ufffd'));
    expect(stored?.owner).toBe("o'brien@example.com");
    await incidents.addTimelineEntry({
      incidentId: incident.id,
      at: T0,
      phase: 'RCA',
      summary: 'nul\u0000byte',
      data: { "k'ey\u0000": ['\u0000', '\udfff', { nested: hostile }] },
    });
    const [entry] = await incidents.timeline(incident.id);
    expect(entry?.summary).toBe('nul\ufffdbyte');
    expect(entry?.data).toEqual({
      "k'ey\ufffd": ['\ufffd', '\ufffd', { nested: hostile.replace('\ud800', '\ufffd') }],
    });
    expect((await incidents.listOpen({ workspaceId: incident.workspaceId })).length).toBe(1);
  });

  it('truncates a 1 MB title and refuses a 1 MB owner with a clear reason', async () => {
    const incident = await opened({ title: 't'.repeat(1_048_576) });
    expect((await incidents.get(incident.id))?.title).toHaveLength(300);
    const refused = await incidents.open(draft({ owner: 'o'.repeat(1_048_576) }));
    expect(refused).toMatchObject({ ok: false, reason: 'invalid_incident' });
    expect(!refused.ok && refused.userMessage).toContain('owner');
  });

  it('stores the signal fingerprint the domain computes', async () => {
    const signal = failedTaskSignal({ dedupKey: `run:${randomUUID()}` });
    const incident = await opened({ workspaceId: signal.workspaceId, fingerprint: fingerprint(signal) });
    await incidents.attachSignal(incident.id, signal, T0);
    const row = await store.db
      .selectFrom('signals')
      .select('fingerprint')
      .where('id', '=', signal.id)
      .executeTakeFirst();
    expect(row?.fingerprint).toBe(incident.fingerprint);
  });

  /** A signal of `workspaceId` stored on `incident` under `keys`, occurring at `at`. */
  async function attached(incident: { id: string; workspaceId: string }, keys: string[], at = T0) {
    const signal = failedTaskSignal({
      workspaceId: incident.workspaceId,
      dedupKey: `run:${randomUUID()}`,
      occurredAt: at,
    });
    const result = await incidents.attachSignal(incident.id, signal, T0, keys);
    if (!result.ok) throw new Error(result.userMessage);
    return signal;
  }

  it('finds the open incidents holding a signal stored under any of the keys', async () => {
    const workspaceId = `ws-${randomUUID()}`;
    const a = await opened({ workspaceId, fingerprint: 'a' });
    const b = await opened({ workspaceId, fingerprint: 'b' });
    const unrelated = await opened({ workspaceId, fingerprint: 'c' });
    await attached(a, ['job:1', 'table:main.sales.orders']);
    await attached(b, ['cluster:0523-101010-abcde123']);
    await attached(unrelated, ['job:2']);
    const found = await incidents.openIncidentIdsLinkedTo(workspaceId, [
      'job:1',
      'cluster:0523-101010-abcde123',
      'table:main.nothing.here',
    ]);
    expect(found).toEqual([a.id, b.id].sort());
    expect(await incidents.openIncidentIdsLinkedTo(workspaceId, ['table:main.sales.orders'])).toEqual([a.id]);
    expect(await incidents.getMany([b.id, 'inc_missing0', a.id])).toEqual(
      [await incidents.get(a.id), await incidents.get(b.id)].sort((x, y) => (x!.id < y!.id ? -1 : 1)),
    );
  });

  it('never finds a resolved incident, nor one of another workspace, by its keys', async () => {
    const resolved = await opened();
    await attached(resolved, ['job:1']);
    await incidents.applyEvent(resolved.id, { type: 'resolve', actor: 'U1' }, T0 + 1);
    const elsewhere = await opened();
    await attached(elsewhere, ['job:1']);
    expect(await incidents.openIncidentIdsLinkedTo(resolved.workspaceId, ['job:1'])).toEqual([]);
    expect(await incidents.openIncidentIdsLinkedTo(elsewhere.workspaceId, ['job:1'])).toEqual([elsewhere.id]);
    const acknowledged = await opened();
    await attached(acknowledged, ['job:1']);
    await incidents.applyEvent(acknowledged.id, { type: 'acknowledge', actor: 'U1' }, T0 + 1);
    expect(await incidents.openIncidentIdsLinkedTo(acknowledged.workspaceId, ['job:1'])).toEqual([
      acknowledged.id,
    ]);
  });

  it('finds by its keys an incident resolved since a given time, and neither an older nor an open one', async () => {
    const workspaceId = `ws-${randomUUID()}`;
    const recent = await opened({ workspaceId, fingerprint: 'a' });
    const older = await opened({ workspaceId, fingerprint: 'b' });
    const open = await opened({ workspaceId, fingerprint: 'c' });
    for (const i of [recent, older, open]) await attached(i, ['warehouse:5981bd61dd04b5cc']);
    await incidents.applyEvent(recent.id, { type: 'resolve', actor: 'U1' }, T0 + 90 * 60_000);
    await incidents.applyEvent(older.id, { type: 'resolve', actor: 'U1' }, T0 + 10 * 60_000);
    const since = T0 + 60 * 60_000;
    expect(
      await incidents.resolvedIncidentIdsLinkedTo(workspaceId, ['warehouse:5981bd61dd04b5cc'], since),
    ).toEqual([recent.id]);
    expect(await incidents.resolvedIncidentIdsLinkedTo(workspaceId, ['job:1'], since)).toEqual([]);
    expect(await incidents.resolvedIncidentIdsLinkedTo(workspaceId, [], since)).toEqual([]);
  });

  it('finds the incident already holding a given signal, with or without keys in common', async () => {
    const workspaceId = `ws-${randomUUID()}`;
    const holder = await opened({ workspaceId, fingerprint: 'a' });
    const other = await opened({ workspaceId, fingerprint: 'b' });
    const signal = await attached(holder, ['job:holder']);
    await attached(other, ['job:9']);
    expect(await incidents.openIncidentIdsLinkedTo(workspaceId, [], { orHoldingSignal: signal.id })).toEqual([
      holder.id,
    ]);
    expect(
      await incidents.openIncidentIdsLinkedTo(workspaceId, ['job:9'], { orHoldingSignal: signal.id }),
    ).toEqual([holder.id, other.id].sort());
    expect(
      await incidents.openIncidentIdsLinkedTo(workspaceId, [], { orHoldingSignal: 'sig_unknown' }),
    ).toEqual([]);
  });

  it('answers an empty key list with no incidents', async () => {
    const incident = await opened();
    await attached(incident, ['job:1']);
    expect(await incidents.openIncidentIdsLinkedTo(incident.workspaceId, [])).toEqual([]);
    expect(await incidents.openIncidentIdsLinkedTo(incident.workspaceId, new Set())).toEqual([]);
  });

  it('looks 5,000 keys up at once and finds the one that matches', async () => {
    const incident = await opened();
    await attached(incident, ['table:main.wide.t4321']);
    const keys = Array.from({ length: 5_000 }, (_, i) => `table:main.wide.t${i}`);
    expect(await incidents.openIncidentIdsLinkedTo(incident.workspaceId, keys)).toEqual([incident.id]);
    expect(await incidents.openIncidentIdsLinkedTo(incident.workspaceId, keys.slice(0, 4_000))).toEqual([]);
  });

  it('stores and finds keys with quotes, newlines, backslashes and unicode as given', async () => {
    const hostile = [
      `table:main."we'ird".t; DROP TABLE incidents;--`,
      'job:line\nbreak\r\ttab',
      'table:C:\\path\\%_like',
      'table:数据.销售.订单 😀 \u202e',
    ];
    const incident = await opened();
    await attached(incident, hostile);
    for (const key of hostile) {
      expect(await incidents.openIncidentIdsLinkedTo(incident.workspaceId, [key])).toEqual([incident.id]);
    }
    // Near misses do not match: no LIKE wildcards, no case folding, no trimming.
    for (const key of ['table:C:\\path\\x_like', 'JOB:line\nbreak\r\ttab', `${hostile[0]} `]) {
      expect(await incidents.openIncidentIdsLinkedTo(incident.workspaceId, [key])).toEqual([]);
    }
  });

  it('ignores empty and overlong keys instead of failing the lookup', async () => {
    const incident = await opened();
    await attached(incident, ['', 'k'.repeat(100_000), 'job:1']);
    expect(
      await incidents.openIncidentIdsLinkedTo(incident.workspaceId, ['', 'k'.repeat(100_000), 'job:1']),
    ).toEqual([incident.id]);
    expect(await incidents.openIncidentIdsLinkedTo(incident.workspaceId, ['k'.repeat(100_000)])).toEqual([]);
  });

  it('lists the signals of several incidents at once, each in occurrence order', async () => {
    const workspaceId = `ws-${randomUUID()}`;
    const a = await opened({ workspaceId, fingerprint: 'a' });
    const b = await opened({ workspaceId, fingerprint: 'b' });
    const empty = await opened({ workspaceId, fingerprint: 'c' });
    const a2 = await attached(a, [], T0 + 2_000);
    const b1 = await attached(b, [], T0 + 1_000);
    const a1 = await attached(a, [], T0);
    const a3 = await attached(a, [], T0 + 3_000);
    const grouped = await incidents.listSignalsOf([a.id, b.id, empty.id]);
    expect(grouped).toEqual(
      new Map([
        [a.id, [a1, a2, a3]],
        [b.id, [b1]],
        [empty.id, []],
      ]),
    );
    expect(grouped.get(a.id)).toEqual(await incidents.listSignals(a.id));
    expect(await incidents.listSignalsOf([])).toEqual(new Map());
  });

  it('stores several timeline entries at once and ignores repeated dedup keys', async () => {
    const incident = await opened();
    const entry = (dedupKey: string | null, summary: string, at = T0 + 1) => ({
      incidentId: incident.id,
      at,
      phase: 'ANALYZE' as const,
      summary,
      dedupKey,
    });
    expect(
      await incidents.addTimelineEntries([
        entry('discover:1', 'Detected', T0 + 1),
        entry('triage:1', 'Triage P2', T0 + 2),
        entry(null, 'A note', T0 + 3),
        entry(null, 'Another note', T0 + 4),
      ]),
    ).toEqual({ ok: true, value: { added: 4 } });
    expect(
      await incidents.addTimelineEntries([
        entry('discover:1', 'Detected again', T0 + 5),
        entry('rca:1', 'Root cause', T0 + 6),
        entry('rca:1', 'Root cause twice in one call', T0 + 7),
      ]),
    ).toEqual({ ok: true, value: { added: 1 } });
    const timeline = await incidents.timeline(incident.id);
    expect(timeline.map((e) => [e.summary, e.actor, e.dedupKey])).toEqual([
      ['Detected', 'system', 'discover:1'],
      ['Triage P2', 'system', 'triage:1'],
      ['A note', 'system', null],
      ['Another note', 'system', null],
      ['Root cause', 'system', 'rca:1'],
    ]);
    expect(await incidents.addTimelineEntries([])).toEqual({ ok: true, value: { added: 0 } });
  });

  it('refuses a batch of timeline entries whole when one is invalid or its incident unknown', async () => {
    const incident = await opened();
    const good = { incidentId: incident.id, at: T0, phase: 'RCA' as const, summary: 'fine' };
    expect(
      await incidents.addTimelineEntries([good, { ...good, phase: 'PANIC' as 'RCA', summary: 'bad' }]),
    ).toMatchObject({ ok: false, reason: 'invalid_timeline_entry' });
    expect(await incidents.addTimelineEntries([good, { ...good, incidentId: 'inc_missing0' }])).toMatchObject(
      { ok: false, reason: 'not_found' },
    );
    expect(await incidents.timeline(incident.id)).toEqual([]);
  });
});
