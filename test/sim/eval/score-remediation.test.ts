import { describe, expect, it } from 'vitest';
import type { FaultTruth } from '../../../src/sim/engine/model.js';
import { type RespondedIncident, scoreRemediation } from '../../../src/sim/eval/score-remediation.js';

function fault(id: string, action: FaultTruth['expected']['action'], causedBy?: string): FaultTruth {
  return {
    id,
    kind: 'task_error',
    target: { job: 'nightly_sales' },
    expected: { category: 'unknown', severity: 'P3', action },
    caused_by: causedBy,
    start_ms: 0,
    end_ms: 3_600_000,
    resolved_at_ms: undefined,
    affected_run_ids: [],
    affected_task_run_ids: [],
    affected_statement_ids: [],
    affected_resource_ids: [],
    first_affected_ms: 1000,
    last_affected_ms: 2000,
  };
}

function responded(
  incidentId: string,
  suggested: string[],
  firstOutcome: string | null,
  recoveredAfterMs: number | null = null,
): [string, RespondedIncident] {
  return [incidentId, { incidentId, suggested, firstOutcome, recoveredAfterMs }];
}

describe('scoreRemediation', () => {
  it('counts a plain retry of a permission failure as harmful', () => {
    const score = scoreRemediation({
      faults: [fault('grant-revoked', 'NOTIFY_OWNER')],
      incidentOf: new Map([['grant-revoked', 'inc_1']]),
      responded: new Map([responded('inc_1', ['repair', 'notify_owner'], 'recovered')]),
    });
    expect(score.harmful_suggested).toBe(1);
  });

  it("judges a consequence sharing its root cause's incident by the root cause's fix", () => {
    const score = scoreRemediation({
      faults: [
        fault('extract-timeout', 'RETRY_WITH_NEW_PARAMS'),
        fault('downstream-skipped', 'NOTIFY_OWNER', 'extract-timeout'),
        fault('table-stale', 'ESCALATE', 'extract-timeout'),
      ],
      incidentOf: new Map([
        ['extract-timeout', 'inc_1'],
        ['downstream-skipped', 'inc_1'],
        ['table-stale', 'inc_1'],
      ]),
      responded: new Map([responded('inc_1', ['retry_with_params', 'notify_owner'], 'recovered', 300_000)]),
    });
    expect(score.harmful_suggested).toBe(0);
    expect(score.recovered_first_try).toBe(1);
    expect(score.mttr_p95_s).toBe(300);
  });

  it('counts a restarted pipeline update as a retry: harmful where only a person can fix it, not for a hang', () => {
    const score = scoreRemediation({
      faults: [fault('dlt-bad-schema', 'NOTIFY_OWNER'), fault('dlt-hang', 'RETRY')],
      incidentOf: new Map([
        ['dlt-bad-schema', 'inc_1'],
        ['dlt-hang', 'inc_2'],
      ]),
      responded: new Map([
        responded('inc_1', ['restart_pipeline_update', 'notify_owner'], 'failed'),
        responded('inc_2', ['restart_pipeline_update', 'notify_owner'], 'recovered', 600_000),
      ]),
    });
    expect(score.harmful_suggested).toBe(1);
  });

  it('still counts a retry as harmful for a consequence that has an incident of its own', () => {
    const score = scoreRemediation({
      faults: [
        fault('extract-timeout', 'RETRY_WITH_NEW_PARAMS'),
        fault('downstream-skipped', 'NOTIFY_OWNER', 'extract-timeout'),
      ],
      incidentOf: new Map([
        ['extract-timeout', 'inc_1'],
        ['downstream-skipped', 'inc_2'],
      ]),
      responded: new Map([
        responded('inc_1', ['retry_with_params'], 'recovered', 300_000),
        responded('inc_2', ['rerun'], 'recovered', 60_000),
      ]),
    });
    expect(score.harmful_suggested).toBe(1);
  });

  it('scores first-try recovery over the faults an action can fix only', () => {
    const score = scoreRemediation({
      faults: [
        fault('blip', 'RETRY'),
        fault('oom', 'RETRY_WITH_NEW_PARAMS'),
        fault('syntax', 'NOTIFY_OWNER'),
      ],
      incidentOf: new Map([
        ['blip', 'inc_1'],
        ['oom', 'inc_2'],
        ['syntax', 'inc_3'],
      ]),
      responded: new Map([
        responded('inc_1', ['repair'], 'recovered', 60_000),
        responded('inc_2', ['retry_with_params'], 'failed'),
        responded('inc_3', ['notify_owner'], 'notified'),
      ]),
    });
    expect(score.recovered_first_try).toBe(0.5);
    expect(score.harmful_suggested).toBe(0);
  });

  it('leaves out a fault with nothing in the workspace to act on, such as an API throttling burst', () => {
    const throttle = { ...fault('api-throttle', 'RETRY'), target: {} };
    const score = scoreRemediation({
      faults: [fault('blip', 'RETRY'), throttle],
      incidentOf: new Map([
        ['blip', 'inc_1'],
        ['api-throttle', 'inc_2'],
      ]),
      responded: new Map([
        responded('inc_1', ['repair'], 'recovered', 60_000),
        responded('inc_2', ['notify_owner'], 'notified'),
      ]),
    });
    expect(score.recovered_first_try).toBe(1);
  });

  it('takes MTTR over the incidents a remediation recovered, from opening to verified recovery', () => {
    const score = scoreRemediation({
      faults: [fault('a', 'RETRY'), fault('b', 'RETRY'), fault('c', 'RETRY')],
      incidentOf: new Map([
        ['a', 'inc_1'],
        ['b', 'inc_2'],
        ['c', 'inc_3'],
      ]),
      responded: new Map([
        responded('inc_1', ['repair'], 'recovered', 240_000),
        responded('inc_2', ['repair'], 'recovered', 540_000),
        responded('inc_3', ['repair'], 'failed'),
      ]),
    });
    expect(score.mttr_p50_s).toBe(240);
    expect(score.mttr_p95_s).toBe(540);
    expect(score.recovered_first_try).toBe(0.667);
    expect(score.remediations_run).toBe(3);
  });
});
