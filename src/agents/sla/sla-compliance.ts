import type { Policy } from '../../config/policy.js';
import { MAX_AGE_LIMIT_MINUTES, parseDurationMinutes } from '../../domain/duration.js';
import { deadlinesAround } from '../../domain/zoned-time.js';

/**
 * Which data SLAs exist and whether each daily deadline was kept. One definition for everything that
 * counts SLAs — the detector (`sla_missed`/`sla_at_risk` signals), the digest and weekly summary, and
 * the questions router's "SLA misses" — so a manager's count and an engineer's answer agree.
 *
 * An SLA is a table that must be refreshed every day by `HH:MM` in a zone. Jobs promise one with tags
 * (`sla`, `sla_timezone`, and `sla_table` to name one of the tables the job writes; without it every
 * table the job writes); the policy's `slas:` entries win for the tables they name.
 */

/** How close to its deadline an SLA is at risk: a deadline kept with less to spare was at risk (the detector warns earlier, on evidence). */
export const SLA_AT_RISK_MINUTES = 60;

const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$/;
const DAY_MS = 86_400_000;

/** A job as SLAs need it: its tags and the tables it writes (lineage). */
export interface SlaJob {
  readonly jobId: string;
  readonly name?: string | undefined;
  readonly tags: Readonly<Record<string, string>>;
  readonly tablesWritten: readonly string[];
}

/**
 * What an SLA promises: the table refreshed every day by `deadline` (`HH:MM` in the SLA's zone), or never
 * older than `maxAgeMinutes` since its last successful write ("orders_live is never more than 2 h old",
 * dbt's source freshness `error_after`). `warnAfterMinutes` is the age from which evidence against the
 * next refresh tells the table at risk (default half its maximum age).
 */
type SlaFreshness =
  | { readonly deadline: string; readonly maxAgeMinutes?: undefined; readonly warnAfterMinutes?: undefined }
  | { readonly deadline?: undefined; readonly maxAgeMinutes: number; readonly warnAfterMinutes?: number };

export type SlaPromise = SlaFreshness & {
  readonly table: string;
  readonly timezone: string;
  /** The `team` tag of the job that promises it (a tag SLA) or of the first job writing the table. */
  readonly team: string | undefined;
  readonly criticality: string | undefined;
  /** Where it is promised: a job's tags or the policy. */
  readonly source: 'job_tag' | 'policy';
  /** The jobs that write the table: a successful run of one of them refreshes it. */
  readonly writerJobIds: readonly string[];
};

/**
 * A job's or a policy entry's promise as `SlaFreshness`: `sla` (HH:MM) wins over `max_age` when both are
 * set (a policy entry cannot have both; a job's tags can, and the deadline was the only kind before);
 * undefined when neither parses.
 */
function freshnessOf(
  deadline: string | undefined,
  maxAge: string | undefined,
  warnAfter: string | undefined,
): SlaFreshness | undefined {
  if (deadline !== undefined && HH_MM.test(deadline)) return { deadline };
  const maxAgeMinutes = maxAge === undefined ? undefined : parseDurationMinutes(maxAge);
  if (maxAgeMinutes === undefined || maxAgeMinutes > MAX_AGE_LIMIT_MINUTES) return undefined;
  const warn = warnAfter === undefined ? undefined : parseDurationMinutes(warnAfter);
  return warn !== undefined && warn < maxAgeMinutes
    ? { maxAgeMinutes, warnAfterMinutes: warn }
    : { maxAgeMinutes };
}

/**
 * Every SLA of the workspace, one per table, sorted by table. A tag whose deadline is not `HH:MM` is
 * ignored (the collector logs it); the policy's entries are validated when the policy loads.
 */
export function slaPromises(jobs: readonly SlaJob[], policySlas: Policy['slas']): SlaPromise[] {
  const writers = new Map<string, SlaJob[]>();
  for (const job of jobs)
    for (const table of job.tablesWritten) {
      const list = writers.get(table);
      if (list === undefined) writers.set(table, [job]);
      else list.push(job);
    }
  const writerIds = (table: string) => (writers.get(table) ?? []).map((j) => j.jobId).sort();
  const byTable = new Map<string, SlaPromise>();
  for (const job of jobs) {
    const freshness = freshnessOf(
      job.tags.sla?.trim(),
      job.tags.sla_max_age?.trim(),
      job.tags.sla_warn_after?.trim(),
    );
    if (freshness === undefined) continue;
    // `sla_table` narrows the promise to one of the tables the job writes.
    const only = job.tags.sla_table?.trim();
    for (const table of job.tablesWritten.filter((t) => !only || t === only)) {
      byTable.set(table, {
        table,
        ...freshness,
        timezone: job.tags.sla_timezone?.trim() || 'UTC',
        team: job.tags.team,
        criticality: job.tags.criticality,
        source: 'job_tag',
        writerJobIds: writerIds(table),
      });
    }
  }
  // Policy entries win for the tables they name: the operator's word over a tag someone set on a job.
  for (const sla of policySlas) {
    // The policy was validated when it loaded: one of the two parses.
    const freshness = freshnessOf(sla.deadline, sla.max_age, sla.warn_after);
    if (freshness === undefined) continue;
    byTable.set(sla.table, {
      table: sla.table,
      ...freshness,
      timezone: sla.timezone,
      team: (writers.get(sla.table) ?? []).find((j) => j.tags.team)?.tags.team,
      criticality: sla.criticality ?? byTable.get(sla.table)?.criticality,
      source: 'policy',
      writerJobIds: writerIds(sla.table),
    });
  }
  return [...byTable.values()].sort((a, b) => a.table.localeCompare(b.table));
}

/** A finished run of a job: when it ended and whether it succeeded. */
export interface SlaRun {
  readonly jobId: string;
  readonly ended: number;
  readonly succeeded: boolean;
}

export type SlaStatus = 'met' | 'at_risk' | 'missed';

/** One deadline of one SLA, judged. */
export interface SlaVerdict {
  readonly table: string;
  readonly team: string | null;
  readonly deadlineAt: number;
  readonly status: SlaStatus;
  /** When the first successful run of a writer ended in the day before the deadline; null: none did. */
  readonly landedAt: number | null;
  /** The writer whose run landed it, or the table's first writer when none did (for "why did it fail?"). */
  readonly jobId: string | null;
  /** A maximum-age SLA's age in minutes (null for a daily deadline): how the verdict is said. */
  readonly maxAgeMinutes: number | null;
  /** A maximum-age SLA's oldest age in the day judged, in ms (null for a daily deadline). */
  readonly oldestMs: number | null;
}

/**
 * Each deadline of each SLA that fell in `[from, to)`, judged: **met** when a writer of the table
 * finished a successful run in the 24 hours before the deadline, **at risk** when the first such run
 * ended less than `SLA_AT_RISK_MINUTES` before it, **missed** when none did. A deadline before which no
 * run of any job finished in those 24 hours is not judged: the run history does not reach back that far
 * (a young workspace, a late table), and calling it missed would be a guess. Oldest first.
 */
export function judgeSlas(
  promises: readonly SlaPromise[],
  runs: readonly SlaRun[],
  from: number,
  to: number,
): SlaVerdict[] {
  const succeeded = new Map<string, number[]>();
  for (const r of runs) {
    if (!r.succeeded) continue;
    const list = succeeded.get(r.jobId);
    if (list === undefined) succeeded.set(r.jobId, [r.ended]);
    else list.push(r.ended);
  }
  const ends = runs.map((r) => r.ended).sort((a, b) => a - b);
  const hasHistory = (deadlineAt: number) => {
    // The first run that ended after the window opened: is it at or before the deadline?
    let lo = 0;
    let hi = ends.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ends[mid]! > deadlineAt - DAY_MS) hi = mid;
      else lo = mid + 1;
    }
    return lo < ends.length && ends[lo]! <= deadlineAt;
  };
  const out: SlaVerdict[] = [];
  for (const p of promises) {
    if (p.maxAgeMinutes !== undefined) {
      out.push(...judgeMaxAge(p, p.maxAgeMinutes, succeeded, from, to));
      continue;
    }
    for (const deadlineAt of deadlinesIn(p.deadline, p.timezone, from, to)) {
      if (!hasHistory(deadlineAt)) continue;
      let landedAt: number | null = null;
      let jobId: string | null = p.writerJobIds[0] ?? null;
      for (const writer of p.writerJobIds) {
        for (const ended of succeeded.get(writer) ?? []) {
          if (ended > deadlineAt - DAY_MS && ended <= deadlineAt && (landedAt === null || ended < landedAt)) {
            landedAt = ended;
            jobId = writer;
          }
        }
      }
      const status: SlaStatus =
        landedAt === null
          ? 'missed'
          : deadlineAt - landedAt < SLA_AT_RISK_MINUTES * 60_000
            ? 'at_risk'
            : 'met';
      out.push({
        table: p.table,
        team: p.team ?? null,
        deadlineAt,
        status,
        landedAt,
        jobId,
        maxAgeMinutes: null,
        oldestMs: null,
      });
    }
  }
  return out.sort((a, b) => a.deadlineAt - b.deadlineAt || a.table.localeCompare(b.table));
}

/** The instants of a daily `HH:MM` deadline in `timeZone` within `[from, to)`. */
function deadlinesIn(deadline: string, timeZone: string, from: number, to: number): number[] {
  const out: number[] = [];
  let t = deadlinesAround(to - 1, deadline, timeZone).previous;
  while (t >= from) {
    out.push(t);
    t = deadlinesAround(t - 1, deadline, timeZone).previous;
  }
  return out.reverse();
}

/**
 * A maximum-age SLA judged once per day of its zone in `[from, to)` (the last day up to `to`), so it
 * counts beside the daily deadlines: **missed** when the table was older than its maximum age at any
 * moment of the day (`deadlineAt` when it passed it, `landedAt` the write that ended it, null while it
 * goes on), **at risk** when it came within `SLA_AT_RISK_MINUTES` of it (a quarter of its maximum age,
 * when that is less: a table allowed 1 h is not at risk at every half-hour refresh), **met** otherwise.
 * Its age is the time since the latest successful run of one of its writers; a day before whose start
 * no writer had succeeded (the runs read do not reach back far enough) is judged from its first success,
 * and a day without any is not judged.
 */
function judgeMaxAge(
  p: SlaPromise,
  maxAgeMinutes: number,
  succeeded: ReadonlyMap<string, readonly number[]>,
  from: number,
  to: number,
): SlaVerdict[] {
  const maxAgeMs = maxAgeMinutes * 60_000;
  const spareMs = Math.min(SLA_AT_RISK_MINUTES, maxAgeMinutes / 4) * 60_000;
  const writes = p.writerJobIds
    .flatMap((jobId) => (succeeded.get(jobId) ?? []).map((ended) => ({ jobId, ended })))
    .sort((a, b) => a.ended - b.ended);
  const out: SlaVerdict[] = [];
  let start = from;
  while (start < to) {
    const end = Math.min(to, deadlinesAround(start, '00:00', p.timezone).next);
    // The write the day starts from: the last before it, else (history begins within the day) its first.
    let prev = writes.findLast((w) => w.ended <= start) ?? writes.find((w) => w.ended <= end);
    if (prev !== undefined) {
      let oldest = 0;
      let missed: { at: number; landedAt: number | null; jobId: string } | undefined;
      const gap = (until: number, landedAt: number | null, last: { jobId: string; ended: number }) => {
        oldest = Math.max(oldest, until - last.ended);
        if (missed === undefined && until - last.ended > maxAgeMs)
          missed = { at: last.ended + maxAgeMs, landedAt, jobId: last.jobId };
      };
      for (const w of writes) {
        if (w.ended <= Math.max(start, prev.ended) || w.ended > end) continue;
        gap(w.ended, w.ended, prev);
        prev = w;
      }
      gap(end, null, prev);
      out.push({
        table: p.table,
        team: p.team ?? null,
        deadlineAt: missed?.at ?? end,
        status: missed !== undefined ? 'missed' : oldest > maxAgeMs - spareMs ? 'at_risk' : 'met',
        landedAt: missed === undefined ? prev.ended : missed.landedAt,
        jobId: missed?.jobId ?? prev.jobId,
        maxAgeMinutes,
        oldestMs: oldest,
      });
    }
    start = end;
  }
  return out;
}

export interface SlaCounts {
  readonly met: number;
  readonly atRisk: number;
  readonly missed: number;
}

/** Met, at-risk and missed deadlines in all, and per team (named teams alphabetically, no team last). */
export function countSlas(verdicts: readonly Pick<SlaVerdict, 'status' | 'team'>[]): SlaCounts & {
  readonly byTeam: readonly (SlaCounts & { readonly team: string | null })[];
} {
  const count = (list: readonly Pick<SlaVerdict, 'status'>[]): SlaCounts => ({
    met: list.filter((v) => v.status === 'met').length,
    atRisk: list.filter((v) => v.status === 'at_risk').length,
    missed: list.filter((v) => v.status === 'missed').length,
  });
  const teams = [...new Set(verdicts.map((v) => v.team))].sort((a, b) =>
    a === b ? 0 : a === null ? 1 : b === null ? -1 : a.localeCompare(b),
  );
  return {
    ...count(verdicts),
    byTeam: teams.map((team) => ({ team, ...count(verdicts.filter((v) => v.team === team)) })),
  };
}
