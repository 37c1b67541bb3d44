import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NewIncident } from '../../src/domain/incident.js';
import { type IncidentFix, IncidentFixRepository } from '../../src/store/incident-fix-repository.js';
import { IncidentRepository } from '../../src/store/incident-repository.js';
import type { Store } from '../../src/store/open-store.js';
import { RemediationSwitchRepository } from '../../src/store/remediation-switch-repository.js';
import { dialects } from './dialects.js';

const T0 = Date.UTC(2026, 11, 6, 4, 0);

describe.each(dialects())('IncidentFixRepository on $name', (dialect) => {
  let store: Store;
  let incidents: IncidentRepository;
  let fixes: IncidentFixRepository;

  beforeAll(async () => {
    store = await dialect.open();
    incidents = new IncidentRepository(store.db);
    fixes = new IncidentFixRepository(store.db);
  });
  afterAll(async () => {
    await store?.close();
    await dialect.stop();
  });

  async function opened(workspaceId: string, fingerprint = 'fp_orders'): Promise<string> {
    const draft: NewIncident = {
      id: `inc_${randomUUID().replaceAll('-', '')}`,
      workspaceId,
      fingerprint,
      title: 'orders_etl failed',
      severity: 'P2',
      openedAt: T0,
    };
    const result = await incidents.open(draft);
    if (!result.ok) throw new Error(result.userMessage);
    // One unresolved incident per fingerprint: each is resolved, as the incidents a fix is recorded for are.
    await incidents.applyEvent(draft.id, { type: 'resolve', actor: 'Alice' }, T0);
    return draft.id;
  }

  const fixOf = (incidentId: string, workspaceId: string, over: Partial<IncidentFix> = {}): IncidentFix => ({
    incidentId,
    workspaceId,
    fingerprint: 'fp_orders',
    action: 'repair',
    text: 'Repair failed tasks',
    recordedBy: 'Alice',
    recordedAt: T0,
    ...over,
  });

  it('finds the newest fix of another incident with the same fingerprint, never the incident itself', async () => {
    const ws = `ws-${randomUUID()}`;
    const [first, second, current] = [await opened(ws), await opened(ws), await opened(ws)];
    expect(await fixes.record(fixOf(first, ws))).toBe('recorded');
    expect(
      await fixes.record(
        fixOf(second, ws, { action: null, text: 'restarted the gateway', recordedAt: T0 + 60_000 }),
      ),
    ).toBe('recorded');
    expect(await fixes.lastFor(ws, 'fp_orders', current)).toMatchObject({
      incidentId: second,
      action: null,
      text: 'restarted the gateway',
      recordedAt: T0 + 60_000,
    });
    expect(await fixes.lastFor(ws, 'fp_orders', second)).toMatchObject({
      incidentId: first,
      action: 'repair',
    });
    expect(await fixes.lastFor(ws, 'fp_other', current)).toBeUndefined();
    expect(await fixes.lastFor(`ws-${randomUUID()}`, 'fp_orders', current)).toBeUndefined();
  });

  it('records the same fix twice once, and a different one as a correction', async () => {
    const ws = `ws-${randomUUID()}`;
    const id = await opened(ws);
    expect(await fixes.record(fixOf(id, ws))).toBe('recorded');
    expect(await fixes.record(fixOf(id, ws, { recordedAt: T0 + 1 }))).toBe('unchanged');
    expect(await fixes.record(fixOf(id, ws, { action: null, text: 'scaled the gateway' }))).toBe('replaced');
    expect(await fixes.lastFor(ws, 'fp_orders', 'another')).toMatchObject({ text: 'scaled the gateway' });
  });

  it('keeps what dbxops verified only where nobody recorded a fix, and never over what a person said', async () => {
    const ws = `ws-${randomUUID()}`;
    const [person, verified] = [await opened(ws), await opened(ws)];
    await fixes.record(fixOf(person, ws, { action: null, text: 'bounced the gateway' }));
    const byDbxops = { recordedBy: 'dbxops (verified)', recordedAt: T0 + 60_000 };
    expect(await fixes.recordUnlessRecorded(fixOf(person, ws, byDbxops))).toBe(false);
    expect(await fixes.recordUnlessRecorded(fixOf(verified, ws, byDbxops))).toBe(true);
    expect(await fixes.lastFor(ws, 'fp_orders', verified)).toMatchObject({ text: 'bounced the gateway' });
    expect(await fixes.lastFor(ws, 'fp_orders', person)).toMatchObject({
      action: 'repair',
      recordedBy: 'dbxops (verified)',
    });
  });

  it('stores hostile text as given', async () => {
    const ws = `ws-${randomUUID()}`;
    const id = await opened(ws);
    const text = `'; DROP TABLE incident_fixes; -- <!channel> 😀 \\ "`;
    await fixes.record(fixOf(id, ws, { action: null, text }));
    expect((await fixes.lastFor(ws, 'fp_orders', 'another'))?.text).toBe(text);
  });
});

describe.each(dialects())('RemediationSwitchRepository on $name', (dialect) => {
  let store: Store;
  let switches: RemediationSwitchRepository;

  beforeAll(async () => {
    store = await dialect.open();
    switches = new RemediationSwitchRepository(store.db);
  });
  afterAll(async () => {
    await store?.close();
    await dialect.stop();
  });

  it('is off until someone turns it on, and says who did, when and why', async () => {
    expect(await switches.killSwitch()).toBeUndefined();
    expect(await switches.setKillSwitch(false, 'cli:ops', null, T0)).toBe(false);
    expect(await switches.setKillSwitch(true, 'slack:U0LEAD', 'bad deploy', T0)).toBe(true);
    expect(await switches.setKillSwitch(true, 'teams:someone', null, T0 + 1)).toBe(false);
    expect(await switches.killSwitch()).toEqual({
      on: true,
      changedBy: 'slack:U0LEAD',
      reason: 'bad deploy',
      changedAt: T0,
    });
    expect(await switches.setKillSwitch(false, 'cli:ops', null, T0 + 2)).toBe(true);
    expect(await switches.killSwitch()).toMatchObject({ on: false, changedBy: 'cli:ops' });
  });

  it('changes once when several flip it at the same moment', async () => {
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => switches.setKillSwitch(true, `cli:op${i}`, null, T0)),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
  });
});
