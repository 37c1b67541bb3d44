import { describe, expect, it } from 'vitest';
import {
  type GrantChangeObservation,
  grantChangeObservationSchema,
} from '../../../src/agents/collector/grant-change-observation.js';
import { detectGrantChanges } from '../../../src/agents/detector/detect-grant-changes.js';
import { runDetectors, emptyDetectorState } from '../../../src/agents/detector/run-detectors.js';
import { incidentTitle } from '../../../src/agents/correlator/incident-title.js';
import { defaultPolicy } from '../../../src/config/policy.js';
import { T0, WS } from './observation-factory.js';

const NOW = T0 + 60 * 60_000;
const REVOKED_AT = Date.UTC(2026, 10, 20, 5, 2);

function change(overrides: Partial<GrantChangeObservation> = {}): GrantChangeObservation {
  return grantChangeObservationSchema.parse({
    workspaceId: WS,
    eventId: 'evt-1',
    at: REVOKED_AT,
    actor: 'frank@acme.example',
    securableType: 'table',
    securable: 'main.marketing.sessions',
    principal: 'marketing-analysts',
    removed: ['SELECT'],
    added: [],
    ...overrides,
  });
}

describe('detectGrantChanges', () => {
  it('turns a revoked privilege into one grant_revoked signal saying who revoked what and when', () => {
    const out = detectGrantChanges([change()], NOW);
    expect(out.skipped).toEqual([]);
    expect(out.signals).toHaveLength(1);
    const [s] = out.signals;
    expect(s).toMatchObject({
      kind: 'grant_revoked',
      severityHint: 'P4',
      occurredAt: REVOKED_AT,
      subject: { type: 'table', id: 'main.marketing.sessions' },
      refs: { principal: 'marketing-analysts', privileges: ['SELECT'], changedBy: 'frank@acme.example' },
      classification: { category: 'permission', transient: false },
    });
    expect(s!.evidence.map((e) => e.excerpt)).toContain(
      'SELECT on main.marketing.sessions revoked from marketing-analysts by frank@acme.example at 2026-11-20 05:02 UTC',
    );
    expect(incidentTitle(s!)).toBe('SELECT on main.marketing.sessions revoked from marketing-analysts');
  });

  it('reports nothing for a change that only grants', () => {
    const out = detectGrantChanges([change({ removed: [], added: ['SELECT'] })], NOW);
    expect(out.signals).toEqual([]);
  });

  it('reports nothing for a privilege removed and granted back in the same change', () => {
    const out = detectGrantChanges([change({ removed: ['select'], added: ['SELECT'] })], NOW);
    expect(out.signals).toEqual([]);
  });

  it('reports the same audit event seen twice once, with the same id on every poll', () => {
    const first = detectGrantChanges([change(), change()], NOW);
    const later = detectGrantChanges([change()], NOW + 5 * 60_000);
    expect(first.signals).toHaveLength(1);
    expect(later.signals.map((s) => s.id)).toEqual(first.signals.map((s) => s.id));
  });

  it('reports each principal of one event apart', () => {
    const out = detectGrantChanges([change(), change({ principal: 'bob@acme.example' })], NOW);
    expect(out.signals.map((s) => s.refs.principal).sort()).toEqual([
      'bob@acme.example',
      'marketing-analysts',
    ]);
  });

  it('keeps a hostile, very long principal name within the signal limits', () => {
    const principal = `${'x'.repeat(500)}\u0000`;
    const out = detectGrantChanges([change({ principal, eventId: 'e'.repeat(256) })], NOW);
    expect(out.skipped).toEqual([]);
    expect(out.signals).toHaveLength(1);
    expect(out.signals[0]!.refs.principal).toContain('\ufffd');
  });

  it('names a schema-level revocation without pretending the schema is a table', () => {
    const out = detectGrantChanges([change({ securableType: 'schema', securable: 'main.marketing' })], NOW);
    expect(out.signals[0]!.subject).toMatchObject({ type: 'workspace', name: 'schema main.marketing' });
    expect(out.signals[0]!.classification?.fixHint).toContain('GRANT SELECT ON SCHEMA main.marketing');
  });

  it('runs with the other detectors on a poll', () => {
    const out = runDetectors({ grantChanges: [change()] }, emptyDetectorState(), defaultPolicy(), NOW);
    expect(out.signals.map((s) => s.kind)).toEqual(['grant_revoked']);
  });
});
