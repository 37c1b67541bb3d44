import { describe, expect, it } from 'vitest';
import {
  type AclChangeObservation,
  aclChangeObservationSchema,
} from '../../../src/agents/collector/acl-change-observation.js';
import { incidentTitle } from '../../../src/agents/correlator/incident-title.js';
import { detectAclChanges } from '../../../src/agents/detector/detect-acl-changes.js';
import { T0, WS } from './observation-factory.js';

const NOW = T0 + 60 * 60_000;
const CHANGED_AT = Date.UTC(2026, 10, 20, 1, 30);

function change(overrides: Partial<AclChangeObservation> = {}): AclChangeObservation {
  return aclChangeObservationSchema.parse({
    workspaceId: WS,
    eventId: 'evt-1',
    at: CHANGED_AT,
    actor: 'bob@acme.example',
    objectType: 'cluster',
    objectId: '0101-020000-abcd1234',
    principal: 'etl-sp',
    level: 'None',
    ...overrides,
  });
}

describe('detectAclChanges', () => {
  it('turns a permission taken off a cluster into one acl_changed signal saying who changed what and when', () => {
    const out = detectAclChanges([change()], NOW);
    expect(out.skipped).toEqual([]);
    const [s] = out.signals;
    expect(out.signals).toHaveLength(1);
    expect(s).toMatchObject({
      kind: 'acl_changed',
      severityHint: 'P4',
      occurredAt: CHANGED_AT,
      subject: { type: 'cluster', id: '0101-020000-abcd1234' },
      refs: { principal: 'etl-sp', changedBy: 'bob@acme.example' },
      classification: { category: 'permission', transient: false, action: 'NOTIFY_OWNER' },
    });
    expect(s!.evidence[0]).toEqual({
      label: 'Permission change (audit log, clusters changeClusterAcl)',
      excerpt:
        "etl-sp's permission on cluster 0101-020000-abcd1234 removed by bob@acme.example at 2026-11-20 01:30 UTC",
    });
    expect(incidentTitle(s!)).toBe("etl-sp's permission on cluster 0101-020000-abcd1234 removed");
  });

  it('names the cluster, job or pipeline by its name where the workspace gave one, keeping its id beside', () => {
    const out = detectAclChanges(
      [change({ objectType: 'job', objectId: '42', objectName: 'nightly_orders', level: 'None' })],
      NOW,
    );
    const [s] = out.signals;
    expect(s!.subject).toEqual({ type: 'job', id: '42', name: 'nightly_orders' });
    expect(s!.evidence[0]!.excerpt).toBe(
      "etl-sp's permission on job nightly_orders (42) removed by bob@acme.example at 2026-11-20 01:30 UTC",
    );
    expect(s!.classification?.fixHint).toBe(
      'If the change was not intended: give etl-sp CAN_MANAGE_RUN on job nightly_orders (42) again (PATCH /api/2.0/permissions/jobs/42)',
    );
    expect(incidentTitle(s!)).toBe("etl-sp's permission on job nightly_orders removed");
  });

  it('reports a job or pipeline left only to view, in the words of the change', () => {
    const out = detectAclChanges([change({ objectType: 'job', objectId: '42', level: 'View' })], NOW);
    expect(out.signals.map((s) => incidentTitle(s))).toEqual(["etl-sp's permission on job 42 set to View"]);
  });

  it('reports nothing for a change that leaves a level to use the object by', () => {
    const out = detectAclChanges(
      [
        change({ level: 'Attach' }),
        change({ eventId: 'evt-2', objectType: 'job', level: 'Manage Run' }),
        change({ eventId: 'evt-3', objectType: 'pipeline', level: 'CAN_RUN' }),
      ],
      NOW,
    );
    expect(out.signals).toEqual([]);
  });

  it('keeps a hostile, very long principal within the signal limits', () => {
    const out = detectAclChanges([change({ principal: 'x'.repeat(512), eventId: 'e'.repeat(256) })], NOW);
    expect(out.skipped).toEqual([]);
    expect(out.signals).toHaveLength(1);
    expect(out.signals[0]!.dedupKey.length).toBeLessThanOrEqual(1_024);
  });
});
