import { expect, it } from 'vitest';
import type { EvalResult } from '../../src/app/eval-command.js';

/**
 * What the eval acceptance tests ask of one scored replay: a fault's score by id, the simulated
 * responder's response to its incident, and a one-line summary of what went wrong, printed beside a
 * failed assertion. `result` is read at call time, so a describe can build these before its replay.
 */
export function evalScoreQueries(result: () => EvalResult) {
  const faultOf = (id: string) => {
    const f = result().per_fault.find((x) => x.id === id);
    if (f === undefined) throw new Error(`no fault ${id} in the score`);
    return f;
  };
  const responseTo = (faultId: string) =>
    result().responses.find((x) => x.incidentId === faultOf(faultId).incidentId);
  const summary = () => {
    const r = result();
    return JSON.stringify({
      missed: r.per_fault.filter((f) => !f.detected).map((f) => f.id),
      late: r.per_fault.filter((f) => (f.timeToDetectS ?? 0) > 600).map((f) => [f.id, f.timeToDetectS]),
      severities: r.per_fault
        .filter((f) => f.rootFault === f.id && f.severity !== f.expectedSeverity)
        .map((f) => [f.id, f.severity, f.expectedSeverity]),
      unmatched: r.unmatched_incidents,
    });
  };
  return { faultOf, responseTo, summary };
}

/**
 * Issue 16's targets for severity, time to detect and noise, each as a test of its own; a target the
 * scenario does not meet yet is skipped by name (reported as skipped, never as passed).
 */
export function itMeetsSeverityDetectionAndNoiseTargets(
  result: () => EvalResult,
  notMetYet: ReadonlySet<string>,
  summary: () => string,
): void {
  it.skipIf(notMetYet.has('severity'))('gives each root cause the severity its ground truth names', () => {
    expect(result().severity_accuracy, summary()).toBeGreaterThanOrEqual(0.9);
  });

  it.skipIf(notMetYet.has('time to detect'))(
    'detects 95 % of the faults within ten simulated minutes of their first effect',
    () => {
      expect(result().mttd_p95_s, summary()).toBeLessThanOrEqual(600);
    },
  );

  it.skipIf(notMetYet.has('noise'))('posts at most one card for every four failed or skipped runs', () => {
    expect(result().noise_ratio).toBeLessThanOrEqual(0.25);
  });
}
