import { describe, expect, it } from 'vitest';
import type { DurationBaselines } from '../../../src/agents/detector/detect-duration-anomaly.js';
import { pipelineDurationKey } from '../../../src/agents/detector/detect-pipeline-failures.js';
import { detectSlaBreaches, type SlaOptions } from '../../../src/agents/detector/detect-sla.js';
import {
  pipelineUpdateObservationSchema,
  type TableSla,
  tableSlaSchema,
} from '../../../src/agents/detector/observations.js';
import { Prng } from '../../../src/sim/engine/prng.js';
import { DAY, HOUR, MIN, run, WS } from './observation-factory.js';

// 06:00 in Berlin on 2026-11-20 is 05:00 UTC (CET, +01:00).
const DEADLINE = Date.UTC(2026, 10, 20, 5, 0);

function sla(overrides: Partial<TableSla> = {}): TableSla {
  return tableSlaSchema.parse({
    workspaceId: WS,
    table: 'main.mart.daily_revenue',
    deadline: '06:00',
    timezone: 'Europe/Berlin',
    upstreamJobIds: ['684914303928317'],
    team: 'finance',
    lastRefreshedAt: DEADLINE - 25 * HOUR,
    ...overrides,
  });
}

describe('detectSlaBreaches', () => {
  it('reports a table not refreshed by its deadline in its own time zone', () => {
    const out = detectSlaBreaches([sla()], [], DEADLINE + 10 * MIN);
    expect(out.signals).toHaveLength(1);
    expect(out.signals[0]).toMatchObject({
      kind: 'sla_missed',
      subject: { type: 'table', id: 'main.mart.daily_revenue' },
      occurredAt: DEADLINE,
      metrics: { deadline: DEADLINE, minutesLate: 10 },
    });
  });

  it('is satisfied by a refresh after the previous deadline', () => {
    expect(
      detectSlaBreaches([sla({ lastRefreshedAt: DEADLINE - HOUR })], [], DEADLINE + 10 * MIN).signals,
    ).toEqual([]);
  });

  it('reports the same miss with the same id on every poll until the next deadline', () => {
    const a = detectSlaBreaches([sla()], [], DEADLINE + 10 * MIN);
    const b = detectSlaBreaches([sla()], [], DEADLINE + 5 * HOUR);
    expect(b.signals.map((s) => s.id)).toEqual(a.signals.map((s) => s.id));
  });

  describe('SLA at risk fires only on evidence, and names it', () => {
    /** The upstream job usually runs 40 minutes (five nights of history). */
    const usual: DurationBaselines = {
      [`${WS}:684914303928317`]: {
        samples: [1, 2, 3, 4, 5].map((d) => [`h${d}`, DEADLINE - d * 24 * HOUR, (38 + d) * 60] as const),
      },
    };
    const withUsual = { durations: usual, minHistoryRuns: 5 };
    /** What an SLA at risk says this long before the deadline, with `upstream` the evidence. */
    const metricsBefore = (table: TableSla, upstream: ReturnType<typeof run>, before: number) =>
      detectSlaBreaches([table], [upstream], DEADLINE - before, withUsual).signals.map((s) => s.metrics);
    const running = (startedAgo: number) =>
      run({
        runId: 'u1',
        jobName: 'Orders ETL',
        lifeCycleState: 'RUNNING',
        resultState: undefined,
        startTime: DEADLINE - 30 * MIN - startedAgo,
        endTime: undefined,
      });

    it('pages nobody while a healthy upstream is still running within its usual time', () => {
      expect(detectSlaBreaches([sla()], [running(20 * MIN)], DEADLINE - 30 * MIN, withUsual).signals).toEqual(
        [],
      );
    });

    it('pages nobody for a running upstream whose usual duration is not known yet', () => {
      expect(detectSlaBreaches([sla()], [running(3 * HOUR)], DEADLINE - 30 * MIN).signals).toEqual([]);
    });

    it('reports SLA at risk when an upstream runs past its own usual duration, and says so', () => {
      expect(detectSlaBreaches([sla()], [running(2 * HOUR)], DEADLINE - 2 * HOUR, withUsual).signals).toEqual(
        [],
      );
      const out = detectSlaBreaches([sla()], [running(90 * MIN)], DEADLINE - 30 * MIN, withUsual);
      expect(out.signals).toHaveLength(1);
      expect(out.signals[0]).toMatchObject({
        kind: 'sla_at_risk',
        metrics: { minutesLeft: 30, deadline: DEADLINE },
      });
      expect(out.signals[0]!.evidence[0]).toEqual({
        label: 'Upstream Orders ETL has been running 90 min, past its usual 41 min (run u1)',
        excerpt: 'Upstream Orders ETL has been running 90 min, past its usual 41 min (run u1)',
      });
    });

    it('warns of a long-running upstream up to two hours before the deadline, while there is time to act', () => {
      const hung = run({
        runId: 'u5',
        jobName: 'Orders ETL',
        lifeCycleState: 'RUNNING',
        resultState: undefined,
        startTime: DEADLINE - 4 * HOUR,
        endTime: undefined,
      });
      const at = (before: number) => metricsBefore(sla(), hung, before);
      expect(at(2 * HOUR + MIN)).toEqual([]);
      expect(at(100 * MIN)).toEqual([{ deadline: DEADLINE, minutesLeft: 100 }]);
    });

    it('warns from the time of day the table is usually refreshed, when that is earlier than two hours before', () => {
      const hung = running(5 * HOUR + 30 * MIN);
      // Refreshed four hours before yesterday's deadline: from then on today's refresh is overdue.
      const early = sla({ lastRefreshedAt: DEADLINE - 28 * HOUR });
      const at = (before: number) => metricsBefore(early, hung, before);
      expect(at(4 * HOUR + MIN)).toEqual([]);
      expect(at(230 * MIN)).toEqual([{ deadline: DEADLINE, minutesLeft: 230 }]);
    });

    it('ties the warning to the run that most explains it: a failed upstream before one running long', () => {
      const failed = run({
        runId: 'u7',
        jobId: '555000111222333',
        jobName: 'Orders ETL',
        resultState: 'FAILED',
        startTime: DEADLINE - 3 * HOUR,
        endTime: DEADLINE - 2 * HOUR,
      });
      const both = sla({ upstreamJobIds: ['684914303928317', '555000111222333'] });
      const [risk] = detectSlaBreaches(
        [both],
        [running(90 * MIN), failed],
        DEADLINE - 30 * MIN,
        withUsual,
      ).signals;
      expect(risk?.refs).toMatchObject({ jobId: '555000111222333', runId: 'u7' });
      expect(risk?.evidence.map((e) => e.label)).toEqual([
        'Upstream Orders ETL failed at 2026-11-20 03:00 UTC (run u7)',
        'Upstream Orders ETL has been running 90 min, past its usual 41 min (run u1)',
      ]);
    });

    describe('an upstream pipeline update running past its usual duration', () => {
      const PIPELINE = 'b3f1c2d4-0000-4000-8000-0000000000e1';
      /** The embeddings pipeline usually updates in 15 minutes (five completed updates). */
      const pipelineUsual: DurationBaselines = {
        [pipelineDurationKey(WS, PIPELINE)]: {
          samples: [1, 2, 3, 4, 5].map(
            (d) => [`p${d}`, DEADLINE - d * 24 * HOUR, (14 + d / 5) * 60] as const,
          ),
        },
      };
      const options = (started: number) => ({
        durations: pipelineUsual,
        minHistoryRuns: 5,
        updates: [
          pipelineUpdateObservationSchema.parse({
            workspaceId: WS,
            pipelineId: PIPELINE,
            pipelineName: 'embeddings_dlt',
            updateId: 'upd-7',
            state: 'RUNNING',
            startTime: started,
          }),
        ],
      });
      const downstream = sla({ upstreamPipelineIds: [PIPELINE] });
      const started = DEADLINE - 2 * HOUR;

      it('reports SLA at risk on the downstream table, naming the pipeline and its update', () => {
        const out = detectSlaBreaches([downstream], [], started + 20 * MIN, options(started));
        expect(out.signals.map((s) => [s.kind, s.evidence[0]?.label])).toEqual([
          [
            'sla_at_risk',
            'Upstream pipeline embeddings_dlt has been updating 20 min, past its usual 15 min (update upd-7)',
          ],
        ]);
        expect(out.signals[0]?.refs.pipelineId).toBe(PIPELINE);
      });

      it('pages nobody while the update is within its usual time, or for a table it does not feed', () => {
        expect(detectSlaBreaches([downstream], [], started + 12 * MIN, options(started)).signals).toEqual([]);
        expect(detectSlaBreaches([sla()], [], started + 40 * MIN, options(started)).signals).toEqual([]);
      });

      it('pages nobody for an update whose pipeline has no usual duration yet', () => {
        const fresh = { ...options(started), durations: {} };
        expect(detectSlaBreaches([downstream], [], started + 90 * MIN, fresh).signals).toEqual([]);
      });
    });

    it('reports SLA at risk when an upstream run failed or was skipped, and not when it succeeded', () => {
      const failed = run({
        runId: 'u2',
        jobName: 'Orders ETL',
        resultState: 'FAILED',
        startTime: DEADLINE - 3 * HOUR,
        endTime: DEADLINE - 2 * HOUR,
      });
      const skipped = run({
        runId: 'u4',
        jobName: 'Orders ETL',
        resultState: 'UPSTREAM_FAILED',
        startTime: DEADLINE - 3 * HOUR,
        endTime: DEADLINE - 3 * HOUR,
      });
      const ok = run({ runId: 'u3', startTime: DEADLINE - 3 * HOUR, endTime: DEADLINE - 2 * HOUR });
      const labels = (r: typeof ok) =>
        detectSlaBreaches([sla()], [r], DEADLINE - 30 * MIN).signals.map((s) => s.evidence[0]?.label);
      expect(labels(failed)).toEqual(['Upstream Orders ETL failed at 2026-11-20 03:00 UTC (run u2)']);
      expect(labels(skipped)).toEqual(['Upstream Orders ETL was skipped (run u4)']);
      expect(labels(ok)).toEqual([]);
    });
  });

  describe("SLA at risk when the table's writer has not started by the time it usually has", () => {
    // 08:00 in Berlin on Wednesday 2026-12-16 is 07:00 UTC; the lab pull is scheduled at 06:00 CET.
    const LAB_DEADLINE = Date.UTC(2026, 11, 16, 7, 0);
    const SIX_CET = LAB_DEADLINE - 2 * HOUR;
    const LAB_JOB = '771100220033';
    const lab = (overrides: Partial<TableSla> = {}) =>
      sla({
        table: 'main.clinical.central_lab_raw',
        deadline: '08:00',
        upstreamJobIds: [LAB_JOB],
        team: 'clinical',
        lastRefreshedAt: SIX_CET - DAY + 9 * MIN,
        ...overrides,
      });
    /**
     * Two weeks of successful runs before the day `judged` after Wednesday, on the days back `runsOn`
     * keeps, each starting `startOf` (seeded) after 06:00 CET.
     */
    const history = (
      startOf: (rng: Prng) => number,
      runsOn: (daysBack: number) => boolean = () => true,
      judged = 0,
    ) => {
      const rng = new Prng(9);
      const samples = Array.from({ length: 14 }, (_, i) => i + 1)
        .filter(runsOn)
        .map((d) => [`lab${d}`, SIX_CET + judged - d * DAY + startOf(rng), 8 * 60] as const)
        .reverse();
      return { durations: { [`${WS}:${LAB_JOB}`]: { samples } }, minHistoryRuns: 5 };
    };
    /** Starts within four minutes of 06:00 every day. */
    const punctual = history((rng) => rng.int(0, 4 * MIN));
    const yesterday = run({
      jobId: LAB_JOB,
      jobName: 'central_lab_transfer',
      runId: 'lab1',
      tablesWritten: ['main.clinical.central_lab_raw'],
      startTime: SIX_CET - DAY + MIN,
      endTime: SIX_CET - DAY + 9 * MIN,
    });
    const atRisk = (at: number, runs = [yesterday], options: SlaOptions = punctual, table = lab()) =>
      detectSlaBreaches([table], runs, at, options).signals;

    it('warns when a writer that usually starts by about 06:00 has not started by 06:20, and names it', () => {
      const [risk] = atRisk(SIX_CET + 20 * MIN);
      expect(risk).toMatchObject({
        kind: 'sla_at_risk',
        refs: { jobId: LAB_JOB },
        metrics: { deadline: LAB_DEADLINE, minutesLeft: 100 },
      });
      expect(risk?.evidence[0]?.label).toMatch(
        /^Upstream central_lab_transfer usually starts by 06:0[0-4] CET and has not started today \(at 06:20 CET; deadline 08:00 CET\)$/,
      );
    });

    it("awaits only the table's own writers, not a job further upstream that writes what they read", () => {
      const further = { ...yesterday, tablesWritten: ['main.clinical.lab_vendor_files'] };
      expect(atRisk(SIX_CET + 20 * MIN, [further])).toEqual([]);
    });

    it('gives the writer a quarter of an hour past its usual start before saying so', () => {
      expect(atRisk(SIX_CET + 10 * MIN)).toEqual([]);
    });

    it('keeps warning, with less time left, as the deadline nears', () => {
      expect(atRisk(LAB_DEADLINE - 20 * MIN).map((s) => s.metrics)).toEqual([
        { deadline: LAB_DEADLINE, minutesLeft: 20 },
      ]);
    });

    it('says nothing once the writer has started today, late but within its usual duration', () => {
      const today = run({
        jobId: LAB_JOB,
        runId: 'lab0',
        lifeCycleState: 'RUNNING',
        resultState: undefined,
        startTime: SIX_CET + 16 * MIN,
        endTime: undefined,
      });
      expect(atRisk(SIX_CET + 20 * MIN, [today])).toEqual([]);
    });

    it('says nothing of a writer that starts at no regular time', () => {
      const irregular = history((rng) => rng.int(-5 * HOUR, 1 * HOUR));
      expect(atRisk(SIX_CET + 90 * MIN, [yesterday], irregular)).toEqual([]);
    });

    it('says nothing of a writer with no history, or too little', () => {
      expect(atRisk(SIX_CET + 90 * MIN, [yesterday], { minHistoryRuns: 5 })).toEqual([]);
      const fourDays = history(
        () => MIN,
        (d) => d <= 4,
      );
      expect(atRisk(SIX_CET + 90 * MIN, [yesterday], fourDays)).toEqual([]);
    });

    it('awaits no writer that skips days, such as a weekday job on Saturday, not even on a Wednesday', () => {
      const saturday = 3 * DAY;
      // Days back from Saturday 1–5 are Friday to Monday, 6 and 7 the weekend before.
      const weekdays = history(
        () => MIN,
        (d) => ![6, 7, 13, 14].includes(d),
        saturday,
      );
      const friday = { ...yesterday, startTime: yesterday.startTime + saturday };
      const table = lab({ lastRefreshedAt: SIX_CET + saturday - DAY + 9 * MIN });
      expect(atRisk(SIX_CET + saturday + 90 * MIN, [friday], weekdays, table)).toEqual([]);
      // Nor on a Wednesday: a missed warning costs less than a page on every weekend.
      const fromWednesday = history(
        () => MIN,
        (d) => ![3, 4, 10, 11].includes(d),
      );
      expect(atRisk(SIX_CET + 90 * MIN, [yesterday], fromWednesday)).toEqual([]);
    });

    describe('a writer started by a file that lands any time within an hour', () => {
      /** The file lands at 06:00 or by 06:58, either on any day; the load starts two minutes later. */
      const landing = (rng: Prng) =>
        (rng.chance(0.5) ? rng.int(0, 3 * MIN) : rng.int(50 * MIN, 58 * MIN)) + 2 * MIN;

      it('is awaited: told at risk once half an hour past its latest usual start, naming it and the deadline', () => {
        const files = history(landing);
        expect(atRisk(SIX_CET + 70 * MIN, [yesterday], files)).toEqual([]);
        const [risk] = atRisk(SIX_CET + 100 * MIN, [yesterday], files);
        expect(risk?.evidence[0]?.label).toMatch(
          /^Upstream central_lab_transfer usually starts by 0[67]:\d\d CET and has not started today \(at 07:40 CET; deadline 08:00 CET\)$/,
        );
      });

      it('is not told at risk on any healthy morning of a month, however late in its hour the file lands', () => {
        const rng = new Prng(23);
        const starts = Array.from({ length: 44 }, () => landing(rng));
        const told: number[] = [];
        for (let day = 14; day < starts.length; day++) {
          const judged = (day - 14) * DAY;
          const samples = starts
            .slice(day - 14, day)
            .map((at, i) => [`f${i}`, SIX_CET + judged - (14 - i) * DAY + at, 8 * 60] as const);
          const options = { durations: { [`${WS}:${LAB_JOB}`]: { samples } }, minHistoryRuns: 5 };
          const last = { ...yesterday, startTime: samples.at(-1)![1], endTime: samples.at(-1)![1] + 8 * MIN };
          const table = lab({ lastRefreshedAt: last.endTime });
          for (let at = SIX_CET + judged; at < SIX_CET + judged + starts[day]!; at += 5 * MIN)
            if (atRisk(at, [last], options, table).length > 0) told.push(day);
        }
        expect(told).toEqual([]);
      });
    });

    it('still awaits a daily writer that had one day without a successful run last week', () => {
      const oneFailed = history(
        () => MIN,
        (d) => d !== 3,
      );
      expect(atRisk(SIX_CET + 90 * MIN, [yesterday], oneFailed)).toHaveLength(1);
    });
  });

  it('computes the deadline across a DST change (New York, 2026-03-08)', () => {
    const s = sla({
      timezone: 'America/New_York',
      deadline: '06:00',
      lastRefreshedAt: Date.UTC(2026, 2, 6, 12),
    });
    // 06:00 EDT on 8 March is 10:00 UTC.
    const out = detectSlaBreaches([s], [], Date.UTC(2026, 2, 8, 10, 5));
    expect(out.signals[0]!.metrics.deadline).toBe(Date.UTC(2026, 2, 8, 10, 0));
  });

  describe('a table held to a maximum age ("never more than 2 h old")', () => {
    const WRITER = '5566778899';
    const NOW = Date.UTC(2026, 10, 20, 14, 0);
    const live = (overrides: Partial<TableSla> = {}) =>
      tableSlaSchema.parse({
        workspaceId: WS,
        table: 'main.sales.orders_live',
        maxAgeMinutes: 120,
        timezone: 'UTC',
        upstreamJobIds: [WRITER],
        team: 'sales',
        lastRefreshedAt: NOW - 2 * HOUR - 40 * MIN,
        ...overrides,
      });
    const writerRun = (overrides: Partial<Parameters<typeof run>[0]> = {}) =>
      run({
        jobId: WRITER,
        jobName: 'orders_live_refresh',
        runId: 'w1',
        tablesWritten: ['main.sales.orders_live'],
        ...overrides,
      });

    it('is missed once older than its maximum age, and says how old it may be and is', () => {
      const [missed] = detectSlaBreaches([live()], [], NOW).signals;
      expect(missed).toMatchObject({
        kind: 'sla_missed',
        occurredAt: NOW - 40 * MIN,
        metrics: { deadline: NOW - 40 * MIN, minutesLate: 40, maxAgeMinutes: 120, ageMinutes: 160 },
      });
      expect(missed?.evidence[0]?.label).toBe(
        'Must be at most 2 h old; 2 h 40 min old now; last refresh 2026-11-20 11:20 UTC',
      );
    });

    it('reports one stale spell once, with the same id on every poll, and a new one after the next write', () => {
      const a = detectSlaBreaches([live()], [], NOW).signals;
      const b = detectSlaBreaches([live()], [], NOW + HOUR).signals;
      expect(b.map((s) => s.id)).toEqual(a.map((s) => s.id));
      const later = detectSlaBreaches([live({ lastRefreshedAt: NOW })], [], NOW + 3 * HOUR).signals;
      expect(later.map((s) => s.id)).not.toEqual(a.map((s) => s.id));
    });

    it('is neither missed nor at risk while younger than its maximum age with no evidence, nor when never written', () => {
      expect(detectSlaBreaches([live({ lastRefreshedAt: NOW - 110 * MIN })], [], NOW).signals).toEqual([]);
      expect(detectSlaBreaches([live({ lastRefreshedAt: undefined })], [], NOW).signals).toEqual([]);
    });

    it('is at risk on a writer run that failed since the last write, with the minutes left its maximum age less its age', () => {
      const failed = writerRun({ resultState: 'FAILED', startTime: NOW - 20 * MIN, endTime: NOW - 10 * MIN });
      const [risk] = detectSlaBreaches([live({ lastRefreshedAt: NOW - 70 * MIN })], [failed], NOW).signals;
      expect(risk).toMatchObject({
        kind: 'sla_at_risk',
        refs: { jobId: WRITER, runId: 'w1' },
        metrics: { deadline: NOW + 50 * MIN, minutesLeft: 50, maxAgeMinutes: 120, ageMinutes: 70 },
      });
      expect(risk?.evidence.map((e) => e.label)).toEqual([
        'Upstream orders_live_refresh failed at 2026-11-20 13:50 UTC (run w1)',
        'Must be at most 2 h old; 1 h 10 min old now',
      ]);
    });

    it('takes no failure from before the last write as evidence', () => {
      const before = writerRun({ resultState: 'FAILED', startTime: NOW - 3 * HOUR, endTime: NOW - 2 * HOUR });
      expect(detectSlaBreaches([live({ lastRefreshedAt: NOW - 70 * MIN })], [before], NOW).signals).toEqual(
        [],
      );
    });

    it('waits for warn_after before evidence counts: by default two hours before the table would be too old', () => {
      const day = live({ maxAgeMinutes: 24 * 60, lastRefreshedAt: NOW - 10 * HOUR });
      const failed = writerRun({ resultState: 'FAILED', startTime: NOW - 20 * MIN, endTime: NOW - 10 * MIN });
      expect(detectSlaBreaches([day], [failed], NOW).signals).toEqual([]);
      expect(
        detectSlaBreaches([{ ...day, lastRefreshedAt: NOW - 23 * HOUR }], [failed], NOW).signals,
      ).toHaveLength(1);
      expect(detectSlaBreaches([{ ...day, warnAfterMinutes: 8 * 60 }], [failed], NOW).signals).toHaveLength(
        1,
      );
    });

    it('is at risk when an hourly writer is late for its next start, and names its cadence', () => {
      const samples = Array.from(
        { length: 10 },
        (_, i) => [`h${i}`, NOW - (10 - i) * HOUR - 2 * HOUR, 300] as const,
      );
      const options = { durations: { [`${WS}:${WRITER}`]: { samples } }, minHistoryRuns: 5 };
      // Last started three hours ago; the table was written then and is 1 h 50 min old.
      const last = writerRun({ startTime: NOW - 3 * HOUR, endTime: NOW - 3 * HOUR + 5 * MIN });
      const [risk] = detectSlaBreaches(
        [live({ lastRefreshedAt: NOW - 110 * MIN })],
        [last],
        NOW,
        options,
      ).signals;
      expect(risk?.evidence[0]?.label).toBe(
        'Upstream orders_live_refresh usually starts every 1 h and has not started for 3 h',
      );
      const irregular = samples.map(([id, at, v], i) => [id, at + (i % 2) * 40 * MIN, v] as const);
      const noCadence = { ...options, durations: { [`${WS}:${WRITER}`]: { samples: irregular } } };
      expect(
        detectSlaBreaches([live({ lastRefreshedAt: NOW - 110 * MIN })], [last], NOW, noCadence).signals,
      ).toEqual([]);
    });

    it('takes either a deadline or a maximum age at the boundary, never both nor neither', () => {
      const base = { workspaceId: WS, table: 't', timezone: 'UTC' };
      expect(tableSlaSchema.safeParse({ ...base, maxAgeMinutes: 120 }).success).toBe(true);
      expect(tableSlaSchema.safeParse({ ...base, maxAgeMinutes: 120, deadline: '06:00' }).success).toBe(
        false,
      );
      expect(tableSlaSchema.safeParse(base).success).toBe(false);
      expect(tableSlaSchema.safeParse({ ...base, maxAgeMinutes: 0 }).success).toBe(false);
      expect(tableSlaSchema.safeParse({ ...base, maxAgeMinutes: 1e9 }).success).toBe(false);
    });
  });

  it('refuses a malformed deadline or time zone at the boundary', () => {
    expect(
      tableSlaSchema.safeParse({ workspaceId: WS, table: 't', deadline: '25:00', timezone: 'UTC' }).success,
    ).toBe(false);
    expect(
      tableSlaSchema.safeParse({ workspaceId: WS, table: 't', deadline: '06:00', timezone: 'Mars/Olympus' })
        .success,
    ).toBe(false);
  });

  it('skips one SLA with odd data and judges the rest', () => {
    const odd = { ...sla({ table: 'main.mart.odd' }), timezone: 'Not/AZone' };
    const out = detectSlaBreaches([odd, sla()], [], DEADLINE + 10 * MIN);
    expect(out.skipped.map((s) => s.subject)).toEqual(['table:main.mart.odd']);
    expect(out.signals.map((s) => s.subject.id)).toEqual(['main.mart.daily_revenue']);
  });
});
