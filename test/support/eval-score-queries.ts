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
