import { signalFootprint } from '../../../src/agents/correlator/signal-footprint.js';
import { describe, expect, it } from 'vitest';
import { aclChangeObservationSchema } from '../../../src/agents/collector/acl-change-observation.js';
import { grantChangeObservationSchema } from '../../../src/agents/collector/grant-change-observation.js';
import { correlate, type OpenIncidentView } from '../../../src/agents/correlator/correlate.js';
import { DependencyGraph } from '../../../src/agents/correlator/dependency-graph.js';
import { detectAclChanges } from '../../../src/agents/detector/detect-acl-changes.js';
import { detectGrantChanges } from '../../../src/agents/detector/detect-grant-changes.js';
import type { Signal } from '../../../src/domain/signal.js';
import { failedTaskSignal } from '../../domain/signal-factory.js';

const WS = '1234567890123456';
const HOUR = 3_600_000;
const REVOKED_AT = 1_717_000_000_000;
const SESSIONS = 'main.marketing.sessions';
const OPTIONS = { windowMinutes: 30 };

const revocation: Signal = detectGrantChanges(
  [
    grantChangeObservationSchema.parse({
      workspaceId: WS,
      eventId: 'evt-1',
      at: REVOKED_AT,
      actor: 'frank@acme.example',
      securableType: 'table',
      securable: SESSIONS,
      principal: 'marketing-analysts',
      removed: ['SELECT'],
    }),
  ],
  REVOKED_AT,
).signals[0]!;

/** The campaign rollup (job 7), reading sessions, denied after `hoursLater`. */
function denied(hoursLater: number, message?: string, tablesRead = [SESSIONS, 'main.marketing.campaigns']) {
  return failedTaskSignal({
    dedupKey: `run:${hoursLater}:rollup:failed`,
    occurredAt: REVOKED_AT + hoursLater * HOUR,
    subject: { type: 'task', id: '7/rollup', name: 'mkt_campaign_performance / rollup' },
    refs: { jobId: '7', runId: `r${hoursLater}`, taskKey: 'rollup', tablesRead },
    error: {
      message:
        message ??
        `[INSUFFICIENT_PERMISSIONS] Insufficient privileges:\nUser does not have SELECT on Table '${SESSIONS}'.`,
    },
    classification: { category: 'permission', transient: false, rule: 'uc.insufficient_permissions' },
  });
}

const open = (id: string, ...signals: Signal[]): OpenIncidentView => ({
  id,
  workspaceId: WS,
  rootSignalId: signals[0]!.id,
  signals,
});

describe('correlating a revoked grant with the failures it explains', () => {
  it('joins a permission failure hours after the revocation, far beyond the window, and roots it there', () => {
    const d = correlate(
      signalFootprint(denied(6)),
      [open('inc-grant', revocation)],
      new DependencyGraph(),
      OPTIONS,
      0,
    );
    expect('join' in d && d.join).toBe('inc-grant');
    expect(d.summary.rootSignal.id).toBe(revocation.id);
  });

  it('joins the revocation to the incident its failures opened, when the audit log arrives late', () => {
    const d = correlate(
      signalFootprint(revocation),
      [open('inc-fail', denied(1), denied(3))],
      new DependencyGraph(),
      OPTIONS,
      0,
    );
    expect('join' in d && d.join).toBe('inc-fail');
    expect('join' in d && d.rootCauseChanged?.to).toBe(revocation.id);
  });

  it('prefers the revocation over a graph neighbour closer in time', () => {
    const neighbour = failedTaskSignal({
      dedupKey: 'upstream-slow',
      kind: 'duration_anomaly',
      occurredAt: REVOKED_AT + 6 * HOUR - 60_000,
      subject: { type: 'job', id: '7' },
      refs: { jobId: '7' },
    });
    const d = correlate(
      signalFootprint(denied(6)),
      [open('inc-slow', neighbour), open('inc-grant', revocation)],
      new DependencyGraph(),
      OPTIONS,
      0,
    );
    expect('join' in d && d.join).toBe('inc-grant');
  });

  it('leaves zero-row loads of the revoked table alone, though the table is the same and denials still join', () => {
    const zeroRows = failedTaskSignal({
      dedupKey: 'zero-rows:sessions',
      kind: 'zero_rows',
      severityHint: 'P2',
      occurredAt: REVOKED_AT + 16 * HOUR,
      subject: { type: 'table', id: SESSIONS, name: SESSIONS },
      refs: { jobId: '3', runId: 'load-3', taskKey: 'load', tablesWritten: [SESSIONS] },
      metrics: { deadline: REVOKED_AT + 18 * HOUR },
    });
    const grant = open('inc-grant', revocation, denied(1), denied(10));
    const d = correlate(signalFootprint(zeroRows), [grant], new DependencyGraph(), OPTIONS, 0);
    expect('open' in d).toBe(true);
    const later = correlate(signalFootprint(denied(17)), [grant], new DependencyGraph(), OPTIONS, 0);
    expect('join' in later && later.join).toBe('inc-grant');
  });

  it('leaves a failure from before the revocation alone', () => {
    const d = correlate(
      signalFootprint(denied(-2)),
      [open('inc-grant', revocation)],
      new DependencyGraph(),
      OPTIONS,
      0,
    );
    expect('open' in d).toBe(true);
  });

  it('leaves a permission failure on another table the job reads alone', () => {
    const other = denied(6, "User does not have SELECT on Table 'main.marketing.campaigns'.");
    const d = correlate(
      signalFootprint(other),
      [open('inc-grant', revocation)],
      new DependencyGraph(),
      OPTIONS,
      0,
    );
    expect('open' in d).toBe(true);
  });

  it('leaves a failure that is not about permissions alone', () => {
    const oom = failedTaskSignal({
      ...denied(6),
      dedupKey: 'oom',
      classification: { category: 'resource', transient: true, rule: 'oom' },
    });
    const d = correlate(
      signalFootprint(oom),
      [open('inc-grant', revocation)],
      new DependencyGraph(),
      OPTIONS,
      0,
    );
    expect('open' in d).toBe(true);
  });

  it('leaves a permission failure of a job that does not read the table alone', () => {
    const d = correlate(
      signalFootprint(denied(6, undefined, ['main.marketing.campaigns'])),
      [open('inc-grant', revocation)],
      new DependencyGraph(),
      OPTIONS,
      0,
    );
    expect('open' in d).toBe(true);
  });
});

const CLUSTER = '0101-020000-abcd1234';
const aclChange: Signal = detectAclChanges(
  [
    aclChangeObservationSchema.parse({
      workspaceId: WS,
      eventId: 'evt-acl',
      at: REVOKED_AT,
      actor: 'bob@acme.example',
      objectType: 'cluster',
      objectId: CLUSTER,
      principal: '1000004215',
      level: 'None',
    }),
  ],
  REVOKED_AT,
).signals[0]!;

/** The nightly load (job 9), denied the all-purpose cluster it runs on, `hoursLater`. */
function detached(hoursLater: number, clusterId = CLUSTER, message?: string) {
  return failedTaskSignal({
    dedupKey: `run:${hoursLater}:${clusterId}:load:failed`,
    occurredAt: REVOKED_AT + hoursLater * HOUR,
    subject: { type: 'task', id: '9/load', name: 'nightly_load / load' },
    refs: { jobId: '9', runId: `r${hoursLater}`, taskKey: 'load', clusterId },
    error: {
      message:
        message ??
        `etl-sp@acme.example does not have Attach permissions on shared-etl. Please contact the owner or an administrator for access.`,
    },
    classification: { category: 'permission', transient: false, rule: 'rest.permission_denied' },
  });
}

describe('correlating an ACL change with the failures it explains', () => {
  it('joins a run denied the cluster hours after its ACL changed, and roots the incident at the change', () => {
    const d = correlate(
      signalFootprint(detached(5)),
      [open('inc-acl', aclChange)],
      new DependencyGraph(),
      OPTIONS,
      REVOKED_AT + 5 * HOUR,
    );
    expect(d).toMatchObject({ join: 'inc-acl', link: 'explained_by_revocation' });
    if (!('join' in d)) throw new Error('expected a join');
    expect(d.summary.rootSignal.id).toBe(aclChange.id);
    expect(d.summary.title).toBe(`1000004215's permission on cluster ${CLUSTER} removed`);
  });

  it('is joined by the change when the audit log arrives after the failure', () => {
    const failure = detached(1);
    const d = correlate(
      signalFootprint(aclChange),
      [open('inc-run', failure)],
      new DependencyGraph(),
      OPTIONS,
      REVOKED_AT + 2 * HOUR,
    );
    expect(d).toMatchObject({ join: 'inc-run', link: 'explained_by_revocation' });
  });

  it('explains nothing on another cluster, before the change, or a table denied on the same cluster', () => {
    for (const failure of [
      detached(2, '0202-030000-other999'),
      detached(-1),
      detached(2, CLUSTER, `[INSUFFICIENT_PERMISSIONS] User does not have SELECT on Table '${SESSIONS}'.`),
    ]) {
      const d = correlate(
        signalFootprint(failure),
        [open('inc-acl', aclChange)],
        new DependencyGraph(),
        OPTIONS,
        failure.occurredAt,
      );
      expect('open' in d).toBe(true);
    }
  });
});
