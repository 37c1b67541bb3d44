import { maxAgeText, spanText } from '../../domain/duration.js';
import { utcMinute } from '../../domain/text.js';
import type { DurationBaselines } from './detect-duration-anomaly.js';
import { isInFlight, pipelineHistory } from './detect-pipeline-failures.js';
import { DetectorSink, type DetectorOutput } from './detector-output.js';
import type { PipelineUpdateObservation, RunObservation, TableSla } from './observations.js';
import { stallOf, stallWords } from './pipeline-stall.js';
import { runOutcome } from './run-state.js';
import { lateLimit, usualSeconds } from './running-long.js';
import { valuesBefore } from './sample-window.js';
import { START_GRACE_MS, usualInterval, usualStartBy } from './usual-start.js';
import { deadlinesAround, localClock } from '../../domain/zoned-time.js';

/**
 * How early evidence against a refresh is reported at the latest: two hours before the deadline, the
 * outer band of the default triage (P2 under 2 h, P1 under 30 min), so a hung upstream is told while
 * there is still time to fix it and the incident escalates as the deadline nears. Earlier still when the
 * table is usually refreshed earlier (`warningOpens`). Only evidence raises it, so a wider window pages
 * no healthy night; a deadline kept with less than `SLA_AT_RISK_MINUTES` to spare still counts as at
 * risk in the compliance figures.
 */
const SLA_WARNING_MINUTES = 120;

export interface SlaOptions {
  /** How long before a deadline an unrefreshed table with evidence against it is at risk (default `SLA_WARNING_MINUTES`). */
  readonly atRiskMinutes?: number;
  /**
   * The upstream jobs' and pipelines' usual durations (the duration baselines, pipelines under
   * `pipelineDurationKey`): what "running long" means.
   */
  readonly durations?: DurationBaselines;
  /** Pipeline updates seen this time; those in flight of an SLA's `upstreamPipelineIds` can be evidence. */
  readonly updates?: readonly PipelineUpdateObservation[];
  /** Successful runs a job needs before its usual duration is known (`thresholds.min_history_runs`, default 5). */
  readonly minHistoryRuns?: number;
}

/**
 * Tables not refreshed by their daily deadline (`sla_missed`), and tables whose deadline is near with
 * evidence that the refresh will not come (`sla_at_risk`): an upstream run of this cycle failed, was
 * skipped, or is running past its own usual duration, or an upstream pipeline's update is, or its
 * flows have stopped reporting progress (a hung update, error or not, holds back every table downstream
 * of it), or an upstream job that starts at
 * about the same time every day and writes the table itself has not started this cycle, a quarter of an hour past the time it
 * usually has by (`usual-start.ts`: a paused schedule, a changed cron, a run held at max concurrency,
 * a scheduled run that never happened). An upstream still running within its
 * usual time, or one whose usual time is not known yet, is no evidence: a healthy night pages nobody.
 * The signal names its evidence. A table counts as refreshed for a deadline when it was written after the deadline
 * before it. `runs` are the upstream jobs' recent runs (the latest finished one of each and those in flight).
 * A table held to a maximum age instead of a deadline is judged by `detectMaxAge`.
 */
export function detectSlaBreaches(
  slas: readonly TableSla[],
  runs: readonly RunObservation[],
  now: number,
  options: SlaOptions = {},
): DetectorOutput {
  const atRiskMs = (options.atRiskMinutes ?? SLA_WARNING_MINUTES) * 60_000;
  const sink = new DetectorSink();
  for (const sla of slas) {
    sink.guard(`table:${sla.table}`, () => {
      const upstream = runs.filter(
        (r) => r.workspaceId === sla.workspaceId && sla.upstreamJobIds.includes(r.jobId),
      );
      const deadline = sla.deadline;
      if (deadline === undefined) {
        if (sla.maxAgeMinutes !== undefined)
          detectMaxAge(sink, sla, sla.maxAgeMinutes, upstream, now, options);
        return;
      }
      const { previous, next } = deadlinesAround(now, deadline, sla.timezone);
      const day = next - previous;
      const refreshed = (deadline: number) =>
        sla.lastRefreshedAt !== undefined && sla.lastRefreshedAt > deadline - day;

      if (!refreshed(previous)) {
        const last =
          sla.lastRefreshedAt !== undefined
            ? `; last refresh ${new Date(sla.lastRefreshedAt).toISOString()}`
            : '';
        emitMissed(sink, sla, previous, now, `Not refreshed by ${deadline} ${sla.timezone}${last}`, {});
        return;
      }

      if (refreshed(next) || now < warningOpens(sla.lastRefreshedAt, previous, next, atRiskMs)) return;
      const evidence = evidenceAgainstRefresh(
        sla,
        upstream,
        (u) => u.startTime >= previous - atRiskMs,
        now,
        options,
        (jobId) => notStarted(sla, deadline, jobId, upstream, { previous, next }, now, options),
      );
      emitAtRisk(sink, sla, evidence, next, now, {});
    });
  }
  return sink.output();
}

/** What an SLA signal refers to: the table, and its team. */
function slaRefs(sla: TableSla): { tablesWritten: string[]; team?: string } {
  return { tablesWritten: [sla.table], ...(sla.team !== undefined ? { team: sla.team } : {}) };
}

/** An SLA's own severity hint: P1 for a financial-critical table, else P2 (triage refines it). */
function slaSeverity(sla: TableSla): 'P1' | 'P2' {
  return sla.criticality?.toLowerCase() === 'financial-critical' ? 'P1' : 'P2';
}

/** An `sla_missed` signal for the table that was due at `due`, with its evidence in words. */
function emitMissed(
  sink: DetectorSink,
  sla: TableSla,
  due: number,
  now: number,
  label: string,
  metrics: Readonly<Record<string, number>>,
): void {
  sink.emit(`table:${sla.table}`, {
    dedupKey: `${sla.workspaceId}:sla-missed:${sla.table}:${due}`,
    workspaceId: sla.workspaceId,
    kind: 'sla_missed',
    severityHint: slaSeverity(sla),
    observedAt: now,
    occurredAt: due,
    subject: { type: 'table', id: sla.table, name: sla.table },
    refs: slaRefs(sla),
    metrics: {
      deadline: due,
      minutesLate: Math.floor((now - due) / 60_000),
      upstreamJobs: sla.upstreamJobIds.length,
      ...metrics,
    },
    evidence: [{ label }],
  });
}

/**
 * Everything said against the table's next refresh, strongest first: each upstream run and pipeline
 * update of this cycle (`ofCycle`) that failed, was skipped, or runs long, and each upstream job
 * `notStartedOf` finds late.
 */
function evidenceAgainstRefresh(
  sla: TableSla,
  upstream: readonly RunObservation[],
  ofCycle: (u: { readonly startTime: number; readonly endTime?: number | undefined }) => boolean,
  now: number,
  options: SlaOptions,
  notStartedOf: (jobId: string) => Evidence | undefined,
): Evidence[] {
  const updates = (options.updates ?? []).filter(
    (u) => u.workspaceId === sla.workspaceId && (sla.upstreamPipelineIds ?? []).includes(u.pipelineId),
  );
  return [
    ...upstream.filter(ofCycle).map((r) => evidenceAgainst(r, now, options)),
    // A continuous update began days ago and never ends: only a stall of it is evidence.
    ...updates.map((u) => updateEvidence(u, now, options, ofCycle(u))),
    ...sla.upstreamJobIds.map(notStartedOf),
  ]
    .filter((e): e is Evidence => e !== undefined)
    .sort((a, b) => a.rank - b.rank);
}

/** An `sla_at_risk` signal for the table due at `due`, when there is evidence; else nothing. */
function emitAtRisk(
  sink: DetectorSink,
  sla: TableSla,
  evidence: readonly Evidence[],
  due: number,
  now: number,
  metrics: Readonly<Record<string, number>>,
): void {
  const first = evidence[0];
  if (first === undefined) return;
  sink.emit(`table:${sla.table}`, {
    dedupKey: `${sla.workspaceId}:sla-at-risk:${sla.table}:${due}`,
    workspaceId: sla.workspaceId,
    kind: 'sla_at_risk',
    severityHint: slaSeverity(sla),
    observedAt: now,
    occurredAt: now,
    subject: { type: 'table', id: sla.table, name: sla.table },
    // The run or update the strongest evidence is about: the incident that already holds it (the
    // failure, the hang) is where this warning belongs, not another one upstream of the table.
    refs: { ...slaRefs(sla), ...first.refs },
    metrics: { deadline: due, minutesLeft: Math.floor((due - now) / 60_000), ...metrics },
    // The card shows the first excerpt: all the evidence, in words.
    evidence: evidence
      .slice(0, 20)
      .map(({ label }, i) =>
        i === 0 ? { label, excerpt: evidence.map((e) => e.label).join('\n') } : { label },
      ),
  });
}

/**
 * A maximum-age SLA ("never more than 2 h old"): the table's age is the time since its last write
 * (`lastRefreshedAt`, on the workspace clock). **Missed** once the age passes `maxAgeMinutes`: one signal
 * per stale spell (keyed by the write it grew old from), its minutes left negative. **At risk** before
 * that only on evidence, by the deadline rule: once the table is `warnAfterMinutes` old (by default two
 * hours before it would be too old, or at once for a maximum age of two hours or less), an upstream run
 * since the last write that failed, was skipped or runs long, an upstream pipeline update that runs long,
 * or a writer that starts at a regular interval and is late for its next start. Minutes left are the
 * maximum age less the age. A table never seen written has no age to judge.
 */
function detectMaxAge(
  sink: DetectorSink,
  sla: TableSla,
  maxAgeMinutes: number,
  upstream: readonly RunObservation[],
  now: number,
  options: SlaOptions,
): void {
  const written = sla.lastRefreshedAt;
  if (written === undefined) return;
  const due = written + maxAgeMinutes * 60_000;
  const age = now - written;
  const metrics = { maxAgeMinutes, ageMinutes: Math.floor(age / 60_000), lastRefreshedAt: written };
  const words = maxAgeText(maxAgeMinutes, age);
  if (now >= due) {
    emitMissed(sink, sla, due, now, `${sentence(words)}; last refresh ${utcMinute(written)}`, metrics);
    return;
  }
  const warnAfterMinutes =
    sla.warnAfterMinutes ?? Math.max(0, maxAgeMinutes - (options.atRiskMinutes ?? SLA_WARNING_MINUTES));
  if (age < warnAfterMinutes * 60_000) return;
  const evidence = evidenceAgainstRefresh(
    sla,
    upstream,
    // What ran since the last write: a failure before it did not stop that refresh.
    (u) => (u.endTime ?? now) > written,
    now,
    options,
    (jobId) => lateForCadence(sla, jobId, upstream, now, options),
  );
  if (evidence.length === 0) return;
  emitAtRisk(sink, sla, [...evidence, { label: sentence(words), refs: {}, rank: 9 }], due, now, metrics);
}

const sentence = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/**
 * When a table not yet refreshed for its `next` deadline is told at risk, given evidence: two hours
 * (`atRiskMs`) before the deadline, or from the time of day it was refreshed for the `previous` one, when
 * that was earlier. A table usually in place at 01:00 for a 04:00 deadline, whose upstream hangs at
 * 00:40, is late from 01:00 on: waiting until 02:00 only takes an hour from whoever must fix it. Before
 * that time of day a failed upstream has its usual time left to be run again.
 */
function warningOpens(
  lastRefreshedAt: number | undefined,
  previous: number,
  next: number,
  atRiskMs: number,
): number {
  const usualLead = lastRefreshedAt === undefined ? 0 : previous - lastRefreshedAt;
  return next - Math.max(atRiskMs, usualLead);
}

/** One piece of evidence against a refresh: in words for the card, what it is about, how strong it is. */
interface Evidence {
  readonly label: string;
  readonly refs: { readonly jobId?: string; readonly runId?: string; readonly pipelineId?: string };
  /**
   * 0 failed, 1 skipped, 2 running long, 3 not started: a failure explains a skip, and both explain more
   * than a delay; a job not started is often one of the others' consequences (a trigger that never fired).
   * 9: no evidence but the promise itself in words (a maximum-age table's age), listed last.
   */
  readonly rank: number;
}

/** What an upstream run says against the next refresh; undefined when nothing. */
function evidenceAgainst(run: RunObservation, now: number, options: SlaOptions): Evidence | undefined {
  const name = run.jobName ?? `job ${run.jobId}`;
  const refs = { jobId: run.jobId, runId: run.runId };
  const outcome = runOutcome(run.lifeCycleState, run.resultState);
  switch (outcome) {
    case 'failed':
    case 'internal_error':
    case 'timed_out':
    case 'waiting_for_retry': {
      const words = outcome === 'timed_out' ? 'timed out' : 'failed';
      const at = run.endTime !== undefined ? ` at ${utcMinute(run.endTime)}` : '';
      return { label: `Upstream ${name} ${words}${at} (run ${run.runId})`, refs, rank: 0 };
    }
    case 'skipped':
    case 'upstream_failed':
      return { label: `Upstream ${name} was skipped (run ${run.runId})`, refs, rank: 1 };
    case 'running': {
      const history = valuesBefore(
        options.durations?.[`${run.workspaceId}:${run.jobId}`],
        run.runId,
        run.startTime,
      );
      const past = pastUsual(history, now - run.startTime, options);
      return past === undefined
        ? undefined
        : {
            label: `Upstream ${name} has been running ${past.ran} min, past its usual ${past.usual} min (run ${run.runId})`,
            refs,
            rank: 2,
          };
    }
    default:
      return undefined;
  }
}

/**
 * What an upstream pipeline's update in flight says against the next refresh: its flows stopped
 * reporting progress (`pipeline-stall.ts`), or, for one started this cycle (`ofThisCycle`), it runs past
 * its usual time — all that is left to go by where its event log cannot be read.
 */
function updateEvidence(
  u: PipelineUpdateObservation,
  now: number,
  options: SlaOptions,
  ofThisCycle: boolean,
): Evidence | undefined {
  if (!isInFlight(u)) return undefined;
  const name = u.pipelineName ?? `pipeline ${u.pipelineId}`;
  const refs = { pipelineId: u.pipelineId };
  const stall = stallOf(u, options.durations, now);
  if (stall !== undefined)
    return {
      label: `Upstream pipeline ${name} has had ${stallWords(stall)} (update ${u.updateId})`,
      refs,
      rank: 2,
    };
  if (!ofThisCycle) return undefined;
  const past = pastUsual(pipelineHistory(options.durations, u), now - u.startTime, options);
  if (past === undefined) return undefined;
  return {
    label: `Upstream pipeline ${name} has been updating ${past.ran} min, past its usual ${past.usual} min (update ${u.updateId})`,
    refs,
    rank: 2,
  };
}

/** Minutes run and usual, when `ranMs` is past the bar of lateness of `history`; else undefined. */
function pastUsual(
  history: readonly number[],
  ranMs: number,
  options: SlaOptions,
): { readonly ran: number; readonly usual: number } | undefined {
  const usual = usualSeconds(history, options.minHistoryRuns ?? 5);
  if (usual === undefined || ranMs / 1000 <= lateLimit(history, usual)) return undefined;
  return { ran: Math.round(ranMs / 60_000), usual: Math.round(usual / 60) };
}

/**
 * What an upstream job that has not started this cycle says against the refresh: that it usually has by
 * now (`usualStartBy`, from its successful runs' starts: scheduled, or started by a file that lands at
 * about the same time every day), its grace ago. Undefined when it has started (any run of it since the
 * previous deadline), or starts at no regular time.
 */
function notStarted(
  sla: TableSla,
  deadline: string,
  jobId: string,
  upstream: readonly RunObservation[],
  cycle: { readonly previous: number; readonly next: number },
  now: number,
  options: SlaOptions,
): Evidence | undefined {
  const starts = options.durations?.[`${sla.workspaceId}:${jobId}`];
  const runs = upstream.filter((r) => r.jobId === jobId);
  // Only a job seen writing the table itself: one further upstream is awaited by its own tables, and
  // holding a later deadline to it would file that table's trouble under this one's.
  if (!runs.some((r) => r.tablesWritten.includes(sla.table))) return undefined;
  if (runs.some((r) => r.startTime > cycle.previous)) return undefined;
  if ((starts?.samples ?? []).some(([, at]) => at > cycle.previous)) return undefined;
  const usual = usualStartBy(starts, cycle.previous, cycle.next, deadline, sla.timezone);
  if (usual === undefined || now < usual.by + usual.graceMs) return undefined;
  const name = runs.find((r) => r.jobName !== undefined)?.jobName ?? `job ${jobId}`;
  const clock = (at: number) => localClock(at, sla.timezone);
  return {
    label: `Upstream ${name} usually starts by ${clock(usual.by)} and has not started today (at ${clock(now)}; deadline ${clock(cycle.next)})`,
    refs: { jobId },
    rank: 3,
  };
}

/**
 * What a writer of a maximum-age table that starts at a regular interval (`usualInterval`) says against
 * the next refresh: that its next start is late, a grace of a quarter of the interval (`START_GRACE_MS` at
 * least) past when it was due. Undefined when it is running, starts at no regular interval, or is not
 * seen writing the table itself.
 */
function lateForCadence(
  sla: TableSla,
  jobId: string,
  upstream: readonly RunObservation[],
  now: number,
  options: SlaOptions,
): Evidence | undefined {
  const runs = upstream.filter((r) => r.jobId === jobId);
  if (!runs.some((r) => r.tablesWritten.includes(sla.table))) return undefined;
  if (runs.some((r) => runOutcome(r.lifeCycleState, r.resultState) === 'running')) return undefined;
  const starts = options.durations?.[`${sla.workspaceId}:${jobId}`];
  const every = usualInterval(starts, options.minHistoryRuns ?? 5);
  if (every === undefined) return undefined;
  const last = Math.max(...runs.map((r) => r.startTime), ...(starts?.samples ?? []).map(([, at]) => at));
  if (now < last + every + Math.max(START_GRACE_MS, every / 4)) return undefined;
  const name = runs.find((r) => r.jobName !== undefined)?.jobName ?? `job ${jobId}`;
  return {
    label: `Upstream ${name} usually starts every ${spanText(every)} and has not started for ${spanText(now - last)}`,
    refs: { jobId },
    rank: 3,
  };
}
