import { describe, expect, it } from 'vitest';
import { detectRowCountAnomalies, rowCountKey } from '../../../src/agents/detector/detect-row-counts.js';
import {
  type TableLoadObservation,
  tableLoadObservationSchema,
  tableSlaSchema,
} from '../../../src/agents/detector/observations.js';
import { Prng } from '../../../src/sim/engine/prng.js';
import { DAY, HOUR, MIN, T0, thresholds, WS } from './observation-factory.js';

const TABLE = 'main.sales.orders';

function load(day: number, rowsWritten: number, table = TABLE): TableLoadObservation {
  return tableLoadObservationSchema.parse({
    workspaceId: WS,
    table,
    jobId: '42',
    runId: `r${day}`,
    taskKey: 'load',
    rowsWritten,
    loadedAt: T0 + day * DAY,
  });
}

const usual = (days: number, table = TABLE) =>
  Array.from({ length: days }, (_, d) => load(d, 100_000 + (d % 3) * 1_000, table));

/** An hourly feed's loads, the first at T0: `rows[h]` written in hour h. */
const hourly = (rows: readonly number[]) => rows.map((n, h) => atHour(h, n));

/** One load of the hourly feed, in hour `h`. */
const atHour = (h: number, rowsWritten: number) => ({
  ...load(0, rowsWritten),
  runId: `r${h}`,
  loadedAt: T0 + h * HOUR,
});

describe('detectRowCountAnomalies', () => {
  it('reports a drop of more than row_count_drop below the usual load', () => {
    const out = detectRowCountAnomalies([...usual(10), load(10, 60_000)], {}, thresholds(), T0 + 11 * DAY);
    expect(out.signals.map((s) => [s.kind, s.subject.id, s.metrics.rowsWritten])).toEqual([
      ['row_count_drop', TABLE, 60_000],
    ]);
  });

  it('reports a spike at row_count_spike × the usual load', () => {
    const out = detectRowCountAnomalies([...usual(10), load(10, 350_000)], {}, thresholds(), T0 + 11 * DAY);
    expect(out.signals.map((s) => s.kind)).toEqual(['row_count_spike']);
  });

  it('stays quiet within the usual range', () => {
    const out = detectRowCountAnomalies([...usual(10), load(10, 85_000)], {}, thresholds(), T0 + 11 * DAY);
    expect(out.signals).toEqual([]);
  });

  it('does not call a dip within a noisy table own jitter a drop, but still sees a real one', () => {
    const noisy = [118_000, 84_000, 102_000, 91_000, 115_000, 87_000, 109_000, 95_000].map((rows, d) =>
      load(d, rows),
    );
    const dip = detectRowCountAnomalies([...noisy, load(8, 78_000)], {}, thresholds(), T0 + 9 * DAY);
    expect(dip.signals).toEqual([]);
    const real = detectRowCountAnomalies([...noisy, load(8, 30_000)], {}, thresholds(), T0 + 9 * DAY);
    expect(real.signals.map((s) => s.kind)).toEqual(['row_count_drop']);
  });

  it('does not call an ordinary dip a drop when the baseline holds only a handful of loads, but still sees a real one', () => {
    // An hourly feed with ±20 % jitter on its first morning (the demo's payments ingest): six loads measure
    // its spread too small (MAD 2,292 rows), and the seventh, 22 % under the median, is an ordinary one.
    const morning = hourly([45_336, 44_761, 39_585, 33_203, 42_969, 42_544]);
    const next = (rows: number) => atHour(6, rows);
    const dip = detectRowCountAnomalies([...morning, next(33_178)], {}, thresholds(), T0 + 7 * HOUR);
    expect(dip.signals).toEqual([]);
    const real = detectRowCountAnomalies([...morning, next(12_000)], {}, thresholds(), T0 + 7 * HOUR);
    expect(real.signals.map((s) => s.kind)).toEqual(['row_count_drop']);
  });

  it('does not call a load a drop when the handful of loads before it already went as low', () => {
    // A late start's baseline of an hourly reconcile whose conflicted hours failed: five loads, three alike,
    // so the MAD is 765 rows; the load after one of 32,236 rows is no drop at 34,728.
    const few = hourly([45_442, 45_159, 44_677, 40_670, 32_236]);
    const next = (rows: number) => atHour(5, rows);
    expect(detectRowCountAnomalies([...few, next(34_728)], {}, thresholds(), T0 + 6 * HOUR).signals).toEqual(
      [],
    );
    const real = detectRowCountAnomalies([...few, next(9_000)], {}, thresholds(), T0 + 6 * HOUR);
    expect(real.signals.map((s) => s.kind)).toEqual(['row_count_drop']);
  });

  it('does not call an ordinary load a drop because the loads before it happened to run high', () => {
    // The demo's payments ingest (40,000 rows ± 20 %) as a late start at 14:57 UTC met it: its first
    // eleven loads ran high (median 45,282), and the twelfth, 32,192, is still inside the feed's range.
    const morning = hourly([
      46_127, 46_795, 47_602, 45_282, 46_705, 40_599, 41_305, 39_927, 40_822, 46_883, 38_982,
    ]);
    const next = (rows: number) => atHour(11, rows);
    expect(
      detectRowCountAnomalies([...morning, next(32_192)], {}, thresholds(), T0 + 12 * HOUR).signals,
    ).toEqual([]);
    const halved = detectRowCountAnomalies([...morning, next(21_000)], {}, thresholds(), T0 + 12 * HOUR);
    expect(halved.signals.map((s) => [s.kind, s.metrics.rowsWritten])).toEqual([['row_count_drop', 21_000]]);
  });

  it("does not call a load within the feed's own jitter a drop when the handful of loads before happened to bunch", () => {
    // A nightly stage of 500,000 rows ± 15 % whose first six loads bunched near the top (MAD 10,000
    // rows, 2 % of the median): 445,000 is 21 % under their median and past their nine-MAD bound, yet
    // inside the feed's spread. Half the usual is a drop all the same.
    const bunched = [571_000, 569_000, 570_000, 507_000, 552_000, 523_000].map((rows, d) => load(d, rows));
    const ordinary = detectRowCountAnomalies([...bunched, load(6, 445_000)], {}, thresholds(), T0 + 7 * DAY);
    expect(ordinary.signals).toEqual([]);
    const real = detectRowCountAnomalies([...bunched, load(6, 250_000)], {}, thresholds(), T0 + 7 * DAY);
    expect(real.signals.map((s) => s.kind)).toEqual(['row_count_drop']);
  });

  it('calls a load far under the fewest rows the job ever wrote a drop while its spread is still uncertain', () => {
    // Six loads of a feed with ±20 % jitter: what so few loads cannot rule out as its spread reaches down
    // to about 19,600 rows, so a third of the usual is a drop; under the fewest by more than the
    // threshold is not enough on its own.
    const noisy = hourly([44_000, 36_000, 41_000, 47_000, 35_000, 42_000]);
    const next = (rows: number) => atHour(6, rows);
    const third = detectRowCountAnomalies([...noisy, next(13_000)], {}, thresholds(), T0 + 7 * HOUR);
    expect(third.signals.map((s) => s.kind)).toEqual(['row_count_drop']);
    const low = detectRowCountAnomalies([...noisy, next(27_000)], {}, thresholds(), T0 + 7 * HOUR);
    expect(low.signals).toEqual([]);
  });

  it('does not call an ordinary load of a ±30 % feed a drop because its week of loads all ran high', () => {
    // Nightly fraud flags, 2,600 rows ± 30 %: seven loads between 2,395 and 3,254, then 1,821 — under
    // the fewest by more than the threshold, yet inside the feed's spread. A fifth of the usual is a drop.
    const week = [2_395, 3_254, 2_980, 3_105, 2_710, 3_190, 2_860].map((rows, d) => load(d, rows));
    const ordinary = detectRowCountAnomalies([...week, load(7, 1_821)], {}, thresholds(), T0 + 8 * DAY);
    expect(ordinary.signals).toEqual([]);
    const real = detectRowCountAnomalies([...week, load(7, 520)], {}, thresholds(), T0 + 8 * DAY);
    expect(real.signals.map((s) => [s.kind, s.metrics.rowsWritten])).toEqual([['row_count_drop', 520]]);
  });

  it('pages for almost none of the young writers of noisy feeds, and finds a real drop in nearly all', () => {
    // Two thousand nightly writers of 2,600 rows ± 30 %, each judged on its loads 6 to 10 (five to nine
    // before them), as when dbxops first watches a workspace with a week of history.
    const prng = new Prng(21);
    const writers = 2_000;
    let paged = 0;
    let found = 0;
    for (let w = 0; w < writers; w += 1) {
      const rows = Array.from({ length: 10 }, () => Math.round(prng.jitter(2_600, 0.3)));
      const loads = rows.map((n, d) => ({ ...load(d, n), jobId: `${w}` }));
      if (detectRowCountAnomalies(loads, {}, thresholds(), T0 + 10 * DAY).signals.length > 0) paged += 1;
      // The same writer's tenth load at a tenth of its usual: a feed that broke.
      const broken = [...loads.slice(0, 9), { ...loads[9]!, rowsWritten: Math.round(prng.jitter(260, 0.3)) }];
      const judged = detectRowCountAnomalies(broken, {}, thresholds(), T0 + 10 * DAY).signals;
      if (judged.some((s) => s.refs.runId === 'r9' && s.kind === 'row_count_drop')) found += 1;
    }
    expect(paged / writers).toBeLessThan(0.01);
    expect(found / writers).toBeGreaterThan(0.99);
  });

  it('leaves alone the oldest loads a first poll reads of a frequent writer: their predecessors fell out of the window', () => {
    // Outage candidates every 15 minutes, ±60 %: the window keeps the newest 60 loads, so a poll that
    // reads a day back meets loads with only six before them in the window.
    const candidates = (rows: number, i: number) => ({
      ...load(0, rows),
      runId: `q${i}`,
      loadedAt: T0 + i * 15 * MIN,
    });
    const alike = [340, 420, 380, 300, 460, 390];
    const rows = (i: number) =>
      i === 42 ? 90 : i >= 36 && i < 42 ? alike[i - 36]! : [150, 460, 320, 200, 410, 280][i % 6]!;
    const firstPoll = Array.from({ length: 96 }, (_, i) => candidates(rows(i), i));
    expect(detectRowCountAnomalies(firstPoll, {}, thresholds(), T0 + DAY).signals).toEqual([]);
    // The same seven loads from a writer that is seven loads old: its range is all it has.
    const young = alike.map((n, h) => atHour(h, n));
    const low = detectRowCountAnomalies([...young, atHour(6, 90)], {}, thresholds(), T0 + 7 * HOUR);
    expect(low.signals.map((s) => s.kind)).toEqual(['row_count_drop']);
  });

  it('does not call a small feed a drop for a few rows: counts vary at least as a Poisson count does', () => {
    // Large-loss notices: about six an hour. Five hours of 6 and a handful of 5s and 7s; then 2.
    const notices = hourly([6, 6, 7, 6, 5, 6, 6, 7, 6, 6, 5, 6]);
    const two = detectRowCountAnomalies([...notices, atHour(12, 2)], {}, thresholds(), T0 + 13 * HOUR);
    expect(two.signals).toEqual([]);
    // A feed of thousands is held to its own tighter spread.
    const orders = hourly([
      6_000, 6_010, 6_020, 6_000, 5_990, 6_005, 6_015, 6_000, 5_995, 6_010, 6_000, 6_005,
    ]);
    const third = detectRowCountAnomalies([...orders, atHour(12, 4_000)], {}, thresholds(), T0 + 13 * HOUR);
    expect(third.signals.map((s) => s.kind)).toEqual(['row_count_drop']);
  });

  it('raises no zero-row streak for a writer whose loads are usually empty', () => {
    // A nightly OPTIMIZE logs its commits with no rows written, a week of them in its baseline; so does
    // a corrections feed most nights.
    const week = Array.from({ length: 7 }, (_, d) => load(d, 0));
    const baseline = {
      [rowCountKey(week[0]!)]: { samples: week.map((l) => [`${l.runId}/load`, l.loadedAt, 0] as const) },
    };
    const nights = [7, 8, 9].map((d) => load(d, 0));
    expect(detectRowCountAnomalies(nights, baseline, thresholds(), T0 + 10 * DAY).signals).toEqual([]);
    const corrections = [0, 12, 0, 0, 0, 4, 0, 0, 0, 0, 0].map((rows, d) => load(d, rows));
    expect(detectRowCountAnomalies(corrections, {}, thresholds(), T0 + 11 * DAY).signals).toEqual([]);
    // A feed that wrote rows every night before goes quiet: that is the streak worth a card.
    const quiet = [...usual(6), load(6, 0), load(7, 0), load(8, 0)];
    expect(detectRowCountAnomalies(quiet, {}, thresholds(), T0 + 9 * DAY).signals.map((s) => s.kind)).toEqual(
      ['zero_rows'],
    );
  });

  it('judges each writer of a table against its own loads, so a small delete beside a full rewrite is no spike', () => {
    const writer = (jobId: string, day: number, rowsWritten: number) =>
      tableLoadObservationSchema.parse({
        workspaceId: WS,
        table: TABLE,
        jobId,
        runId: `${jobId}-r${day}`,
        taskKey: 'write',
        rowsWritten,
        loadedAt: T0 + day * DAY + Number(jobId) * HOUR,
      });
    // The delete runs every night; the rewrite every other night, so most of the table's loads are small.
    const nights = Array.from({ length: 12 }, (_, d) => [
      writer('1', d, 4_000 + (d % 3) * 500),
      ...(d % 2 === 0 ? [writer('2', d, 100_000 + (d % 3) * 5_000)] : []),
    ]).flat();
    const quiet = detectRowCountAnomalies(
      [...nights, writer('1', 12, 4_600), writer('2', 12, 97_000)],
      {},
      thresholds(),
      T0 + 13 * DAY,
    );
    expect(quiet.signals).toEqual([]);
    const drop = detectRowCountAnomalies(
      [...nights, writer('2', 12, 30_000)],
      {},
      thresholds(),
      T0 + 13 * DAY,
    );
    expect(drop.signals.map((s) => [s.kind, s.metrics.medianRows])).toEqual([['row_count_drop', 105_000]]);
  });

  it('judges nothing before min_history_runs non-empty loads', () => {
    const out = detectRowCountAnomalies([...usual(3), load(3, 10)], {}, thresholds(), T0 + 4 * DAY);
    expect(out.signals).toEqual([]);
  });

  it('reports zero_rows_consecutive empty loads once, not a single empty load', () => {
    const one = detectRowCountAnomalies([...usual(10), load(10, 0)], {}, thresholds(), T0 + 11 * DAY);
    expect(one.signals).toEqual([]);
    const streak = [...usual(10), load(10, 0), load(11, 0), load(12, 0), load(13, 0)];
    const out = detectRowCountAnomalies(streak, {}, thresholds({ zero_rows_consecutive: 3 }), T0 + 14 * DAY);
    expect(out.signals).toHaveLength(1);
    expect(out.signals[0]).toMatchObject({ kind: 'zero_rows', metrics: { consecutiveZeroLoads: 3 } });
  });

  it('gives a zero-row streak the nearest deadline of an SLA downstream of it, and none without one', () => {
    const streak = [...usual(10), load(10, 0), load(11, 0), load(12, 0)];
    // The mart's 06:00 UTC SLA depends on job 42, which loads the empty table at 02:00.
    const mart = tableSlaSchema.parse({
      workspaceId: WS,
      table: 'main.mart.daily_revenue',
      deadline: '06:00',
      timezone: 'UTC',
      upstreamJobIds: ['42'],
    });
    const elsewhere = tableSlaSchema.parse({ ...mart, table: 'main.web.sessions', upstreamJobIds: ['7'] });
    const out = detectRowCountAnomalies(streak, {}, thresholds(), T0 + 12 * DAY + HOUR, [elsewhere, mart]);
    expect(out.signals[0]!.metrics).toEqual({ consecutiveZeroLoads: 3, deadline: T0 + 12 * DAY + 4 * HOUR });
    expect(out.signals[0]!.evidence[0]!.label).toBe(
      '3 loads in a row wrote no rows; main.mart.daily_revenue has a freshness SLA downstream',
    );
    const alone = detectRowCountAnomalies(streak, {}, thresholds(), T0 + 12 * DAY + HOUR, [elsewhere]);
    expect(alone.signals[0]!.metrics).toEqual({ consecutiveZeroLoads: 3 });
  });

  it('finds a streak that spans passes through the stored baseline, with the same id each pass', () => {
    const t = thresholds({ zero_rows_consecutive: 3 });
    let state = detectRowCountAnomalies(
      [...usual(10), load(10, 0), load(11, 0)],
      {},
      t,
      T0 + 12 * DAY,
    ).baselines;
    const third = detectRowCountAnomalies([load(12, 0)], JSON.parse(JSON.stringify(state)), t, T0 + 13 * DAY);
    expect(third.signals.map((s) => s.kind)).toEqual(['zero_rows']);
    state = third.baselines;
    const fourth = detectRowCountAnomalies([load(13, 0)], state, t, T0 + 14 * DAY);
    expect(fourth.signals.map((s) => s.id)).toEqual(third.signals.map((s) => s.id));
  });

  it('gives the same answer when the same loads arrive twice', () => {
    const input = [...usual(10), load(10, 60_000)];
    const first = detectRowCountAnomalies(input, {}, thresholds(), T0 + 11 * DAY);
    const again = detectRowCountAnomalies([...input, ...input], first.baselines, thresholds(), T0 + 11 * DAY);
    expect(again.signals.map((s) => s.id)).toEqual(first.signals.map((s) => s.id));
    expect(again.baselines).toEqual(first.baselines);
  });

  it('skips a load with an impossible row count and judges the other tables', () => {
    const bad = { ...load(10, 5, 'main.sales.returns'), rowsWritten: Number.NaN };
    const out = detectRowCountAnomalies(
      [...usual(10), load(10, 60_000), ...usual(10, 'main.sales.returns'), bad],
      {},
      thresholds(),
      T0 + 11 * DAY,
    );
    expect(out.skipped.map((s) => s.subject)).toEqual(['table:main.sales.returns']);
    expect(out.signals.map((s) => s.subject.id)).toEqual([TABLE]);
  });

  it('refuses malformed loads at the boundary', () => {
    expect(
      tableLoadObservationSchema.safeParse({
        workspaceId: WS,
        table: '',
        runId: '1',
        rowsWritten: -1,
        loadedAt: 0,
      }).success,
    ).toBe(false);
  });
});
