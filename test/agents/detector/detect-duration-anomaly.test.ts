import { describe, expect, it } from 'vitest';
import { detectDurationAnomalies } from '../../../src/agents/detector/detect-duration-anomaly.js';
import type { RunObservation } from '../../../src/agents/detector/observations.js';
import { DAY, MIN, run, T0, thresholds, WS } from './observation-factory.js';

const JOB_KEY = `${WS}:684914303928317`;

/** `n` daily successful runs of about 30 minutes, with a little jitter. */
function history(n: number): RunObservation[] {
  return Array.from({ length: n }, (_, i) =>
    run({ runId: `h${i}`, startTime: T0 + i * DAY, endTime: T0 + i * DAY + (28 + (i % 5)) * MIN }),
  );
}

const today = T0 + 10 * DAY;
const slow = run({ runId: 'slow', startTime: today, endTime: today + 95 * MIN });

describe('detectDurationAnomalies', () => {
  it('reports a run that took far longer than the job usually takes', () => {
    const out = detectDurationAnomalies([...history(10), slow], {}, thresholds(), today + 2 * 60 * MIN);
    expect(out.signals).toHaveLength(1);
    expect(out.signals[0]).toMatchObject({
      kind: 'duration_anomaly',
      subject: { type: 'job', id: '684914303928317' },
      refs: { runId: 'slow' },
      metrics: { durationSeconds: 95 * 60, medianSeconds: 30 * 60, historyRuns: 10, stillRunning: 0 },
    });
  });

  it('stays quiet for ordinary jitter', () => {
    const normal = run({ runId: 'ok', startTime: today, endTime: today + 33 * MIN });
    expect(detectDurationAnomalies([...history(10), normal], {}, thresholds(), today + DAY).signals).toEqual(
      [],
    );
  });

  it('needs both k·MAD and duration_spike × median: 1.8× is not a spike at the default 2.0', () => {
    const steady = Array.from({ length: 10 }, (_, i) =>
      run({ runId: `s${i}`, startTime: T0 + i * DAY, endTime: T0 + i * DAY + 30 * MIN }),
    );
    const longer = run({ runId: 'l', startTime: today, endTime: today + 54 * MIN });
    expect(detectDurationAnomalies([...steady, longer], {}, thresholds(), today + DAY).signals).toEqual([]);
    expect(
      detectDurationAnomalies([...steady, longer], {}, thresholds({ duration_spike: 1.5 }), today + DAY)
        .signals,
    ).toHaveLength(1);
  });

  it('does not flag a short job that merely doubled (a warehouse cold start), only a real slowdown', () => {
    const short = Array.from({ length: 10 }, (_, i) =>
      run({ runId: `s${i}`, startTime: T0 + i * DAY, endTime: T0 + i * DAY + 3 * MIN + (i % 3) * 5_000 }),
    );
    const coldStart = run({ runId: 'cold', startTime: today, endTime: today + 7 * MIN });
    expect(detectDurationAnomalies([...short, coldStart], {}, thresholds(), today + DAY).signals).toEqual([]);
    const stuck = run({ runId: 'stuck', startTime: today, endTime: today + 25 * MIN });
    expect(detectDurationAnomalies([...short, stuck], {}, thresholds(), today + DAY).signals).toHaveLength(1);
  });

  it('needs a slowdown of at least duration_min_extra_minutes besides the spike', () => {
    const short = Array.from({ length: 10 }, (_, i) =>
      run({ runId: `s${i}`, startTime: T0 + i * DAY, endTime: T0 + i * DAY + 3 * MIN + (i % 3) * 5_000 }),
    );
    const stuck = run({ runId: 'stuck', startTime: today, endTime: today + 25 * MIN });
    const judge = (extra: number) =>
      detectDurationAnomalies(
        [...short, stuck],
        {},
        thresholds({ duration_min_extra_minutes: extra }),
        today + DAY,
      ).signals;
    expect(judge(10)).toHaveLength(1);
    expect(judge(30)).toEqual([]);
  });

  it('judges nothing before the job has min_history_runs successful runs', () => {
    const out = detectDurationAnomalies(
      [...history(4), slow],
      {},
      thresholds({ min_history_runs: 5 }),
      today + DAY,
    );
    expect(out.signals).toEqual([]);
    expect(out.baselines[JOB_KEY]!.samples).toHaveLength(5);
  });

  it('reports a hung run while it is still running, with the same id when polled again', () => {
    const hung = run({
      runId: 'hung',
      lifeCycleState: 'RUNNING',
      resultState: undefined,
      startTime: today,
      endTime: undefined,
    });
    const base = detectDurationAnomalies(history(10), {}, thresholds(), today).baselines;
    expect(detectDurationAnomalies([hung], base, thresholds(), today + 40 * MIN).signals).toEqual([]);
    const first = detectDurationAnomalies([hung], base, thresholds(), today + 70 * MIN);
    const later = detectDurationAnomalies([hung], base, thresholds(), today + 90 * MIN);
    expect(first.signals[0]!.metrics.stillRunning).toBe(1);
    expect(later.signals.map((s) => s.id)).toEqual(first.signals.map((s) => s.id));
  });

  it('keeps a small serialisable baseline that counts a run seen twice once and gives the same answer again', () => {
    const once = detectDurationAnomalies([...history(10), slow], {}, thresholds(), today + DAY);
    const roundTripped = JSON.parse(JSON.stringify(once.baselines));
    const twice = detectDurationAnomalies([...history(10), slow], roundTripped, thresholds(), today + DAY);
    expect(twice.signals.map((s) => s.id)).toEqual(once.signals.map((s) => s.id));
    expect(twice.baselines).toEqual(once.baselines);
    expect(twice.baselines[JOB_KEY]!.samples).toHaveLength(11);
  });

  it('keeps at most maxSamples per job', () => {
    const out = detectDurationAnomalies(history(50), {}, thresholds(), T0 + 60 * DAY, { maxSamples: 30 });
    expect(out.baselines[JOB_KEY]!.samples).toHaveLength(30);
  });

  it('ignores failed runs for the baseline', () => {
    const failed = run({ runId: 'f', resultState: 'FAILED', startTime: today, endTime: today + 200 * MIN });
    const out = detectDurationAnomalies([...history(10), failed], {}, thresholds(), today + DAY);
    expect(out.signals).toEqual([]);
    expect(out.baselines[JOB_KEY]!.samples).toHaveLength(10);
  });

  it('skips a run that ends before it starts and judges the others', () => {
    const broken = run({
      runId: 'b',
      lifeCycleState: 'RUNNING',
      resultState: undefined,
      startTime: today + 5 * DAY,
    });
    const out = detectDurationAnomalies(
      [...history(10), broken, slow],
      {},
      thresholds(),
      today + 2 * 60 * MIN,
    );
    expect(out.skipped.map((s) => s.subject)).toEqual(['job:684914303928317/run:b']);
    expect(out.signals.map((s) => s.refs.runId)).toEqual(['slow']);
  });
});
