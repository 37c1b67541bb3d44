import type { SlaPromise } from '../sla/sla-compliance.js';
import { SLA_AT_RISK_MINUTES } from '../sla/sla-compliance.js';
import { localClock, localDate, zonedTime } from '../../domain/zoned-time.js';
import { median } from '../detector/sample-window.js';

/**
 * "Is the 6am SLA going to be met?": each daily deadline of today, in its SLA's zone, told as it stands
 * now — **on time** (a writer of the table already succeeded in the day before it), **missed** (the
 * deadline passed without one), **at risk** (not yet refreshed, with the evidence against it: a writer
 * or a job upstream of it failed, runs longer than usual, or has not started when it usually has) or
 * **on track** (not yet refreshed, nothing against it). Pure: the runs come from `SLA_FORECAST_RUNS`.
 */

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
/** A run this much longer than its usual duration is running long. */
const LONG_FACTOR = 1.5;

/** The slices of the writers' and their upstream jobs' runs of the past 8 days, newest first. */
export const SLA_FORECAST_RUNS = (
  jobs: number,
) => `SELECT job_id, run_id, period_start_time, period_end_time, result_state
FROM system.lakeflow.job_run_timeline
WHERE workspace_id = :workspace_id AND period_start_time >= :since
  AND job_id IN (${Array.from({ length: jobs }, (_, i) => `:j${i}`).join(', ')})
ORDER BY period_end_time DESC`;

/** The jobs writing the tables a writer reads (one hop of lineage): its upstream. */
export const SLA_UPSTREAM = (
  writers: number,
) => `SELECT DISTINCT coalesce(d.entity_metadata.job_info.job_id, d.entity_id) AS writer,
       coalesce(u.entity_metadata.job_info.job_id, u.entity_id) AS upstream
FROM system.access.table_lineage d
JOIN system.access.table_lineage u ON u.target_table_full_name = d.source_table_full_name
WHERE d.workspace_id = :workspace_id AND u.workspace_id = :workspace_id
  AND d.entity_type = 'JOB' AND u.entity_type = 'JOB' AND d.source_table_full_name IS NOT NULL
  AND d.event_date >= :lineage_since AND u.event_date >= :lineage_since
  AND coalesce(d.entity_metadata.job_info.job_id, d.entity_id) IN (${Array.from({ length: writers }, (_, i) => `:w${i}`).join(', ')})`;

/** One run of a job, from its slices: when it started, when it ended and how (null while it runs). */
export interface ForecastRun {
  readonly jobId: string;
  readonly started: number;
  readonly ended: number | null;
  readonly result: string | null;
}

/** Slices of the run timeline (one row per slice) as runs: a run's result is on its last slice. */
export function runsOfSlices(
  slices: readonly { job_id: string; run_id: string; start: number; end: number; result: string | null }[],
): ForecastRun[] {
  const byRun = new Map<string, { jobId: string; started: number; end: number; result: string | null }>();
  for (const s of slices) {
    const key = `${s.job_id}/${s.run_id}`;
    const run = byRun.get(key);
    if (run === undefined)
      byRun.set(key, { jobId: s.job_id, started: s.start, end: s.end, result: s.result });
    else {
      run.started = Math.min(run.started, s.start);
      if (s.end >= run.end) {
        run.end = s.end;
        run.result = s.result ?? run.result;
      }
    }
  }
  return [...byRun.values()].map((r) => ({
    jobId: r.jobId,
    started: r.started,
    ended: r.result === null ? null : r.end,
    result: r.result,
  }));
}

export type ForecastStatus = 'on_time' | 'missed' | 'at_risk' | 'on_track';

export interface SlaForecast {
  readonly table: string;
  readonly team: string | null;
  readonly deadline: string;
  readonly timezone: string;
  readonly deadlineAt: number;
  readonly status: ForecastStatus;
  /** What the status rests on, said as a person would: "finance_orders_daily failed at 03:12 UTC". */
  readonly evidence: string;
  /** The writer the evidence is about, or the table's first writer. */
  readonly job: string | null;
}

const minutes = (ms: number) => {
  const total = Math.round(ms / MINUTE_MS);
  if (total < 120) return `${total} min`;
  const rest = total % 60;
  return `${Math.floor(total / 60)} h${rest === 0 ? '' : ` ${rest} min`}`;
};

/**
 * Today's deadline (in each SLA's zone) of each daily-deadline SLA in `promises`, told at `nowMs`:
 * `clock` ("06:00") keeps only the SLAs due at that time of day. `upstreamOf` maps a writer to the jobs
 * writing the tables it reads; `name` gives a job's name.
 */
export function forecastSlas(input: {
  readonly promises: readonly SlaPromise[];
  readonly runs: readonly ForecastRun[];
  readonly upstreamOf: ReadonlyMap<string, readonly string[]>;
  readonly name: (jobId: string) => string;
  readonly nowMs: number;
  readonly clock?: string | undefined;
}): SlaForecast[] {
  const { runs, nowMs, name } = input;
  const runsOf = (jobId: string) => runs.filter((r) => r.jobId === jobId && r.started <= nowMs);
  const usualMs = (jobId: string) =>
    median(
      runsOf(jobId)
        .filter((r) => r.result === 'SUCCEEDED' && r.ended !== null)
        .map((r) => (r.ended ?? 0) - r.started),
    );
  const at = (ms: number, timezone: string) => localClock(ms, timezone);
  /** Evidence against a job's next success before `deadlineAt`, from its runs since `from`. */
  const against = (jobId: string, from: number, deadlineAt: number, tz: string, upstream: boolean) => {
    const recent = runsOf(jobId).filter((r) => r.started > from || (r.ended ?? nowMs) > from);
    const latest = [...recent].sort((a, b) => b.started - a.started)[0];
    const who = upstream ? `upstream ${name(jobId)}` : name(jobId);
    if (latest === undefined) return undefined;
    if (latest.ended === null) {
      const usual = usualMs(jobId);
      const elapsed = nowMs - latest.started;
      if (!Number.isNaN(usual) && (elapsed > usual * LONG_FACTOR || latest.started + usual > deadlineAt))
        return `${who} has been running ${minutes(elapsed)} (usually ${minutes(usual)})`;
      return undefined;
    }
    if (latest.result !== 'SUCCEEDED')
      return `${who} ${latest.result === 'TIMED_OUT' ? 'timed out' : 'failed'} at ${at(latest.ended, tz)}`;
    return undefined;
  };
  const out: SlaForecast[] = [];
  for (const p of input.promises) {
    if (p.deadline === undefined) continue;
    if (input.clock !== undefined && p.deadline !== input.clock) continue;
    const deadlineAt = zonedTime(localDate(nowMs, p.timezone), p.deadline, p.timezone);
    const from = deadlineAt - DAY_MS;
    const landed = p.writerJobIds
      .flatMap((id) => runsOf(id))
      .filter(
        (r) =>
          r.result === 'SUCCEEDED' &&
          r.ended !== null &&
          r.ended > from &&
          r.ended <= Math.min(deadlineAt, nowMs),
      )
      .sort((a, b) => (a.ended ?? 0) - (b.ended ?? 0))[0];
    const base = {
      table: p.table,
      team: p.team ?? null,
      deadline: p.deadline,
      timezone: p.timezone,
      deadlineAt,
      job:
        landed !== undefined
          ? name(landed.jobId)
          : p.writerJobIds[0] === undefined
            ? null
            : name(p.writerJobIds[0]),
    };
    if (landed !== undefined) {
      const spare = deadlineAt - (landed.ended ?? 0);
      out.push({
        ...base,
        status: 'on_time',
        evidence: `refreshed at ${at(landed.ended ?? 0, p.timezone)} by ${name(landed.jobId)}${
          spare < SLA_AT_RISK_MINUTES * MINUTE_MS ? `, ${minutes(spare)} before the deadline` : ''
        }`,
      });
      continue;
    }
    if (deadlineAt <= nowMs) {
      const evidence = p.writerJobIds
        .map((id) => against(id, from, deadlineAt, p.timezone, false))
        .find((e) => e);
      out.push({
        ...base,
        status: 'missed',
        evidence: `not refreshed by ${p.deadline} ${p.timezone}${evidence === undefined ? '' : `: ${evidence}`}`,
      });
      continue;
    }
    const upstream = p.writerJobIds.flatMap((id) => input.upstreamOf.get(id) ?? []);
    const evidence =
      p.writerJobIds.map((id) => against(id, from, deadlineAt, p.timezone, false)).find((e) => e) ??
      upstream.map((id) => against(id, from, deadlineAt, p.timezone, true)).find((e) => e) ??
      notStarted(p.writerJobIds, runsOf, from, nowMs, name, (ms) => at(ms, p.timezone));
    const left = `${minutes(deadlineAt - nowMs)} before ${p.deadline} ${p.timezone}`;
    out.push(
      evidence === undefined
        ? { ...base, status: 'on_track', evidence: `not refreshed yet, nothing against it; ${left}` }
        : { ...base, status: 'at_risk', evidence: `${evidence}; ${left}` },
    );
  }
  return out.sort((a, b) => a.deadlineAt - b.deadlineAt || a.table.localeCompare(b.table));
}

/** A writer that started by this time the day before and has not started today: not started when it usually has. */
function notStarted(
  writers: readonly string[],
  runsOf: (jobId: string) => ForecastRun[],
  from: number,
  nowMs: number,
  name: (jobId: string) => string,
  at: (ms: number) => string,
): string | undefined {
  for (const id of writers) {
    const runs = runsOf(id);
    if (runs.some((r) => r.started > from)) continue;
    const yesterday = runs
      .filter((r) => r.started > from - DAY_MS && r.started <= from)
      .map((r) => r.started);
    const usualStart = yesterday.length === 0 ? undefined : Math.min(...yesterday) + DAY_MS;
    if (usualStart !== undefined && usualStart < nowMs)
      return `${name(id)} has not started (it started at ${at(usualStart)} the day before)`;
  }
  return undefined;
}
