import { beforeAll, describe, expect, it } from 'vitest';
import { type EvalResult, evaluateScenario } from '../../src/app/eval-command.js';

/**
 * Issue 16's second shipped scenario: a video-streaming company's workspace (scenarios/streaming.yaml),
 * written apart from the detection code, replayed through the production pipeline and scored against
 * its ground truth. Replayed once for every assertion below; slow, so it runs on its own like the
 * demo's eval.
 */
/**
 * Issue 16's targets this scenario does not meet yet, skipped by name (reported as skipped, never as
 * passed). Measured on 2026-12-07 (seed 42): recall 11 of 12 (0.917); precision 1, severity 1,
 * correlation 1, time to detect p95 60 s (the hung embeddings update is SLA evidence for the candidates
 * table 20 minutes before its refresh was due, and the update, the run waiting on it and the missed SLA
 * are one incident), must-not-page and recurring met, noise 0.243 (9 cards for 37 naive alerts).
 *
 * Recall: the recs team's cost spike (`recs-cost-spike`) is not found, because nothing about the spend
 * can be seen. Its four hours overlap the revoked grant, so the features runs on the fourfold clusters
 * fail within six minutes: the team's hours from 19:00 bill $0.37, $0.31, $0.30 and $0.86 against its
 * usual $0.25 ($0.84 more in all; only the 22:40 run, after the grant came back, is 3.5× its hour), far
 * under `cost_anomaly_min_usd`. It used to count as found through the failures of those runs, which
 * say nothing about spend; the eval now credits a cost fault only to a cost signal. Finding it would
 * take a detector of widened cluster configuration rather than of spend.
 *
 * The 9 cards are nine different root causes whose ground truth asks for P1–P3 (the hung update, the
 * spot loss, the revoked grant, the runaway query, the idle warehouse, the out-of-memory, the code error,
 * the zero-row streak, the storm), one card each: the query storm's spend and its queue coming back after
 * the scale-up reopen its incident rather than post again, and the three nightly conflicts stay P4 (no
 * card). The 37 include the training run its owner cancelled (its run and task), which Databricks
 * notifies by default and dbxops rightly stays quiet about. Noise has little room: a cost anomaly for the
 * recs spike, were it ever seen, would be a tenth card (0.27). Put a name back here if its target stops
 * holding.
 */
const NOT_MET_YET: ReadonlySet<string> = new Set<string>(['recall']);

describe('dbxops eval on scenarios/streaming.yaml', () => {
  let r: EvalResult;
  const faultOf = (id: string) => {
    const f = r.per_fault.find((x) => x.id === id);
    if (f === undefined) throw new Error(`no fault ${id} in the score`);
    return f;
  };
  const responseTo = (faultId: string) =>
    r.responses.find((x) => x.incidentId === faultOf(faultId).incidentId);
  const summary = () =>
    JSON.stringify({
      missed: r.per_fault.filter((f) => !f.detected).map((f) => f.id),
      late: r.per_fault.filter((f) => (f.timeToDetectS ?? 0) > 600).map((f) => [f.id, f.timeToDetectS]),
      severities: r.per_fault
        .filter((f) => f.rootFault === f.id && f.severity !== f.expectedSeverity)
        .map((f) => [f.id, f.severity, f.expectedSeverity]),
      unmatched: r.unmatched_incidents,
    });

  beforeAll(async () => {
    r = await evaluateScenario({ scenario: 'scenarios/streaming.yaml', seed: 42, json: true });
  }, 1_800_000);

  it.skipIf(NOT_MET_YET.has('precision'))('opens almost no incident that stands for no fault', () => {
    expect(r.precision, summary()).toBeGreaterThanOrEqual(0.95);
  });

  it.skipIf(NOT_MET_YET.has('recall'))('finds every fault', () => {
    expect(r.recall, summary()).toBe(1);
  });

  it('pages nobody for the conflict its own task retry recovered', () => {
    expect(r.must_not_page).toBe(1);
    expect(r.must_not_page_violations).toBe(0);
  });

  it('counts the recs cost spike as found only where a cost signal found it, not the failures of the runs it widened', () => {
    const spike = faultOf('recs-cost-spike');
    const bySpend = spike.evidenceKinds.some((k) => k === 'cost_anomaly' || k === 'budget_exceeded');
    expect(spike.detected, summary()).toBe(bySpend);
  });

  it('opens a recurring issue for the nightly write conflict by its third night', () => {
    expect(r.recurring_expected).toBe(1);
    expect(r.recurring_detected).toBe(1);
  });

  it('keeps each cascade in one incident and unrelated faults apart', () => {
    expect(r.correlation_accuracy, summary()).toBeGreaterThanOrEqual(0.9);
  });

  it.skipIf(NOT_MET_YET.has('severity'))('gives each root cause the severity its ground truth names', () => {
    expect(r.severity_accuracy, summary()).toBeGreaterThanOrEqual(0.9);
  });

  it.skipIf(NOT_MET_YET.has('time to detect'))(
    'detects 95 % of the faults within ten simulated minutes of their first effect',
    () => {
      expect(r.mttd_p95_s, summary()).toBeLessThanOrEqual(600);
    },
  );

  it.skipIf(NOT_MET_YET.has('noise'))('posts at most one card for every four failed or skipped runs', () => {
    expect(r.noise_ratio).toBeLessThanOrEqual(0.25);
  });

  it('keeps the query storm, the spend it caused and its queue coming back after the scale-up in one incident', () => {
    // The queueing at one cluster, the platform team's spend for that hour (billed after the scale-up
    // resolved the incident, so it reopens it) and the queueing again at two clusters.
    expect(faultOf('bi-query-storm').matchedSignals, summary()).toBe(3);
  });

  it('keeps two unrelated failures in the same minute as two incidents', () => {
    const oom = faultOf('invoicing-oom');
    const code = faultOf('artwork-code-error');
    expect(oom.detected && code.detected).toBe(true);
    expect(oom.incidentId).not.toBe(code.incidentId);
  });

  it('suggests on-demand nodes or a retry for the shared cluster whose spot nodes were reclaimed', () => {
    const suggested = responseTo('playback-shared-spot-loss')?.suggested ?? [];
    expect(suggested.some((a) => ['retry_with_params', 'repair', 'rerun'].includes(a))).toBe(true);
  });

  it('raises nothing for the training run its owner cancelled', () => {
    const about = r.unmatched_incidents.filter((i) =>
      i.subjects.some((x) => x.includes('recs_train_ranker')),
    );
    expect(about).toEqual([]);
  });

  it('offers to kill the runaway query', () => {
    expect(responseTo('adhoc-runaway-query')?.suggested).toContain('kill_query');
  });

  it('runs its pipeline without a failed job or a rejected signal', () => {
    expect(r.pipeline_failure_examples).toEqual([]);
    expect(r.rejected_signal_examples).toEqual([]);
  });
});
