import type { Policy } from '../../config/policy.js';
import { type Warehouse, WarehouseError } from '../../databricks/warehouse.js';
import { SEVERITIES } from '../../domain/severity.js';
import type { DigestIncidentRow, DigestRepository } from '../../store/digest-repository.js';
import type { RecurringIssueRepository } from '../../store/recurring-issue-repository.js';
import { readSlaCompliance } from '../sla/read-sla-compliance.js';
import { countSlas } from '../sla/sla-compliance.js';
import {
  allPurposeClusters,
  billingLatest,
  clusterSpend,
  jobsOnAllPurpose,
  jobSpend,
  jobsPriceRatio,
  type HourlySpend,
  SPEND_BY_TEAM_HOUR_SQL,
  shown,
  spendByTeamHour,
  warehouseBusyHours,
  warehouseConfigs,
  warehouseSpendByHour,
  windowParams,
  CLUSTER_SPEND_SQL,
  JOB_SPEND_SQL,
  JOBS_ON_ALL_PURPOSE_SQL,
  WAREHOUSE_SPEND_BY_HOUR_SQL,
} from './digest-queries.js';
import type {
  CostReport,
  DailyDigest,
  DecisionFigures,
  DigestIncident,
  IncidentFigures,
  OpenIssueFigures,
  RealisedSaving,
  Saving,
  SavingsFigures,
  SavingsRealisedFigures,
  Section,
  SlaFigures,
  SlaItem,
  SpendFigures,
  TeamSpend,
  WeekFigures,
  WeeklyDigest,
} from './digest-report.js';
import { daysBefore, lastFullDay, lastFullWeeks, monthOf, type ReportWindow } from './report-period.js';

const DAY_MS = 86_400_000;
/** Days of history yesterday's spend is compared with. */
const AVERAGE_DAYS = 7;
/** A day's avoidable spend becomes a month's at this many days. */
const DAYS_PER_MONTH = 30;
/** Billing this far behind the end of the reported day leaves the day's spend incomplete: late. */
const BILLING_LATE_AFTER_MS = 60 * 60_000;

export interface ReporterDeps {
  readonly warehouse: Warehouse;
  readonly digests: DigestRepository;
  readonly recurringIssues: RecurringIssueRepository;
  readonly workspace: { readonly id: string; readonly name: string };
  readonly budgets: Policy['budgets'];
  /** The policy's `slas:`, judged with the jobs' `sla` tags (`src/agents/sla/`). */
  readonly slas: Policy['slas'];
  /** The workspace's time zone: what "yesterday" and "this month" mean. */
  readonly timeZone: string;
}

/** The daily digest as of `at` (workspace clock): the last full day before it, and what stands open. */
export async function buildDailyDigest(deps: ReporterDeps, at: number): Promise<DailyDigest> {
  const day = lastFullDay(at, deps.timeZone);
  const spend = await spendSection(deps, day, null);
  return {
    kind: 'daily',
    workspace: deps.workspace,
    timeZone: deps.timeZone,
    generatedAt: at,
    day,
    incidents: {
      status: 'ok',
      data: incidentFigures(await deps.digests.openedBetween(deps.workspace.id, day.start, day.end), at),
    },
    sla: await slaSection(deps, day),
    openIssues: { status: 'ok', data: await openIssues(deps, at) },
    approvals: { status: 'ok', data: await pendingApprovals(deps, at) },
    remediations: { status: 'ok', data: await remediationsRun(deps, day) },
    spend,
    savings: await savingsSection(deps, day, null),
  };
}

/** The team's cost report for the last full day before `at`: its spend and its savings. */
export async function buildCostReport(deps: ReporterDeps, at: number, team: string): Promise<CostReport> {
  const day = lastFullDay(at, deps.timeZone);
  return {
    kind: 'cost_report',
    workspace: deps.workspace,
    timeZone: deps.timeZone,
    generatedAt: at,
    team,
    day,
    spend: await spendSection(deps, day, team),
    savings: await savingsSection(deps, day, team),
  };
}

/** The last full Monday-to-Monday week before `at` against the week before it. */
export async function buildWeeklyDigest(deps: ReporterDeps, at: number): Promise<WeeklyDigest> {
  const { week, previous } = lastFullWeeks(at, deps.timeZone);
  const recurring = (await openIssues(deps, at)).recurring;
  return {
    kind: 'weekly',
    workspace: deps.workspace,
    timeZone: deps.timeZone,
    generatedAt: at,
    week,
    previousWeek: previous,
    thisWeek: await weekSection(deps, week, at),
    lastWeek: await weekSection(deps, previous, at),
    remediations: { status: 'ok', data: await remediationsRun(deps, week) },
    savingsRealised: await savingsRealised(deps, week),
    recurring: { status: 'ok', data: recurring },
  };
}

/**
 * Runs `read`; a system table that fails to answer makes the section missing, saying which and why.
 * It is read once: what is safe to repeat (a reused connection reset before the answer, throttling)
 * the Databricks client already repeated.
 */
async function section<T>(tables: string, read: () => Promise<Section<T>>): Promise<Section<T>> {
  try {
    return await read();
  } catch (error) {
    if (!(error instanceof WarehouseError)) throw error;
    return {
      status: 'missing',
      reason: `${tables} could not be read (${error.reason.toLowerCase().replaceAll('_', ' ')}): ${error.message.slice(0, 300)}`,
    };
  }
}

function digestIncident(row: DigestIncidentRow, at: number): DigestIncident {
  const resolvedAt = row.resolvedAt !== null && row.resolvedAt <= at ? row.resolvedAt : null;
  return {
    id: row.id,
    title: row.title,
    severity: row.severity,
    state: resolvedAt === null && row.state === 'resolved' ? 'open' : row.state,
    team: row.team,
    openedAt: row.openedAt,
    detectSeconds:
      row.firstOccurredAt === null
        ? null
        : Math.max(0, Math.round((row.openedAt - row.firstOccurredAt) / 1000)),
    resolveSeconds: resolvedAt === null ? null : Math.round((resolvedAt - row.openedAt) / 1000),
  };
}

const mean = (values: readonly number[]) =>
  values.length === 0 ? null : Math.round(values.reduce((a, b) => a + b, 0) / values.length);

function incidentFigures(rows: readonly DigestIncidentRow[], at: number): IncidentFigures {
  const items = rows.map((r) => digestIncident(r, at));
  const bySeverity = { P1: 0, P2: 0, P3: 0, P4: 0 };
  for (const i of items)
    if ((SEVERITIES as readonly string[]).includes(i.severity)) bySeverity[i.severity as 'P1']++;
  const resolved = items.flatMap((i) => (i.resolveSeconds === null ? [] : [i.resolveSeconds]));
  return {
    total: items.length,
    bySeverity,
    meanDetectSeconds: mean(items.flatMap((i) => (i.detectSeconds === null ? [] : [i.detectSeconds]))),
    meanResolveSeconds: mean(resolved),
    resolved: resolved.length,
    items,
  };
}

async function openIssues(deps: ReporterDeps, at: number): Promise<OpenIssueFigures> {
  const open = (await deps.digests.unresolvedAt(deps.workspace.id, at)).map((r) => digestIncident(r, at));
  const recurring = (await deps.recurringIssues.listOpen(deps.workspace.id))
    .filter((r) => r.openedAt <= at)
    .map((r) => ({
      id: r.id,
      title: r.title ?? r.fingerprint,
      occurrences: r.occurrences,
      lastSeenAt: r.lastSeenAt,
      recommendation: r.recommendation.text,
    }));
  return { open, recurring };
}

const utcMinute = (ms: number) => `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

async function pendingApprovals(deps: ReporterDeps, at: number): Promise<DecisionFigures> {
  const rows = await deps.digests.pendingApprovals(deps.workspace.id, at);
  return {
    items: rows.map((a) => ({
      incidentId: a.incidentId,
      title: `${a.actionKind.replaceAll('_', ' ')}, requested ${utcMinute(a.requestedAt)}`,
      outcome: `waiting for a second person until ${utcMinute(a.expiresAt)}`,
    })),
  };
}

async function remediationsRun(deps: ReporterDeps, window: ReportWindow): Promise<DecisionFigures> {
  const rows = await deps.digests.remediationsRun(deps.workspace.id, window.start, window.end);
  return {
    items: rows.map((r) => ({
      incidentId: r.incidentId,
      title: `${r.action.replaceAll('_', ' ')} at ${utcMinute(r.at)}`,
      outcome: r.verified === null ? r.outcome : `${r.outcome}, verified ${r.verified}`,
    })),
  };
}

async function slaSection(deps: ReporterDeps, day: ReportWindow): Promise<Section<SlaFigures>> {
  return section(
    'system.lakeflow.jobs, system.access.table_lineage, system.lakeflow.job_run_timeline',
    async () => {
      const read = await readSlaCompliance(deps.warehouse, {
        workspaceId: deps.workspace.id,
        policySlas: deps.slas,
        from: day.start,
        to: day.end,
      });
      // No run of any job finished that day: the timeline is late or the day predates its history, and
      // every promise would read as missed.
      if (read.runsFinished === 0) {
        return {
          status: 'missing',
          reason: `system.lakeflow.job_run_timeline holds no finished runs for ${day.date}: it is late, or the day is before its history.`,
        };
      }
      const promised = new Map(read.promises.map((p) => [p.table, p]));
      const items: SlaItem[] = read.verdicts.map((v) => ({
        table: v.table,
        source: promised.get(v.table)?.source ?? 'policy',
        jobId: v.jobId,
        job: v.jobId === null ? null : (read.jobNames.get(v.jobId) ?? null),
        team: v.team,
        deadlineAt: v.deadlineAt,
        status: v.status,
        landedAt: v.landedAt,
        maxAgeMinutes: v.maxAgeMinutes,
        oldestMs: v.oldestMs,
      }));
      return {
        status: 'ok',
        data: { ...countSlas(read.verdicts), items, sql: read.statements },
      };
    },
  );
}

/** Named teams alphabetically, untagged last. */
function byTeam(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a.localeCompare(b);
}

const round2 = (n: number) => Math.round(n * 100) / 100;

async function spendSection(
  deps: ReporterDeps,
  day: ReportWindow,
  onlyTeam: string | null,
): Promise<Section<SpendFigures>> {
  return section('system.billing.usage, system.billing.list_prices', async () => {
    const history = daysBefore(day, AVERAGE_DAYS, deps.timeZone);
    const month = monthOf(day, deps.timeZone);
    const from = Math.min(history[0]!.start, month.start);
    const params = windowParams(deps.workspace.id, from, day.end);
    const latest = await billingLatest(deps.warehouse, params);
    if (latest === null || latest < day.end - BILLING_LATE_AFTER_MS) {
      return {
        status: 'missing',
        reason:
          latest === null
            ? 'system.billing.usage holds no usage for this period yet: billing is late or the workspace is new.'
            : `system.billing.usage is late: it holds usage up to ${new Date(latest).toISOString()}, before the end of ${day.date}.`,
      };
    }
    const all = await spendByTeamHour(deps.warehouse, params);
    if (!all.some((r) => r.hour >= day.start && r.hour < day.end)) return noUsage(day);
    const rows = all.filter((r) => onlyTeam === null || r.team === onlyTeam);
    // The average rests on the days billing has data for: a workspace two days old has one day of history.
    const firstHour = Math.min(...rows.map((r) => r.hour));
    const historyDays = history.filter((d) => d.end > firstHour);
    const teams = [...new Set(rows.map((r) => r.team))].sort(byTeam);
    if (onlyTeam !== null && !teams.includes(onlyTeam)) teams.push(onlyTeam);
    const left = month.days - dayOfMonth(day);
    const figures = (of: readonly HourlySpend[]) => {
      const sum = (from: number, to: number) =>
        of.filter((r) => r.hour >= from && r.hour < to).reduce((a, r) => a + r.usd, 0);
      const dayUsd = sum(day.start, day.end);
      const averageUsd =
        historyDays.length === 0
          ? 0
          : historyDays.reduce((a, d) => a + sum(d.start, d.end), 0) / historyDays.length;
      const monthToDateUsd = sum(month.start, day.end);
      return {
        dayUsd: round2(dayUsd),
        averageUsd: round2(averageUsd),
        monthToDateUsd: round2(monthToDateUsd),
        forecastUsd: round2(monthToDateUsd + averageUsd * left),
      };
    };
    const perTeam: TeamSpend[] = teams.map((team) => ({
      team,
      budgetUsd: team === null ? null : (deps.budgets[team] ?? null),
      ...figures(rows.filter((r) => r.team === team)),
    }));
    return {
      status: 'ok',
      data: {
        teams: perTeam,
        total: figures(rows),
        historyDays: historyDays.length,
        month: day.date.slice(0, 7),
        sql: shown(SPEND_BY_TEAM_HOUR_SQL, params),
      },
    };
  });
}

/** Billing has nothing for the day: a day without any spend is not a workspace that exists. */
function noUsage(day: ReportWindow): { status: 'missing'; reason: string } {
  return {
    status: 'missing',
    reason: `system.billing.usage holds no usage for ${day.date}: it is late, or the day is before its history.`,
  };
}

function dayOfMonth(day: ReportWindow): number {
  return Number(day.date.slice(8, 10));
}

async function savingsSection(
  deps: ReporterDeps,
  day: ReportWindow,
  onlyTeam: string | null,
): Promise<Section<SavingsFigures>> {
  return section('system.billing.usage, system.compute.*, system.query.history', async () => {
    const params = windowParams(deps.workspace.id, day.start, day.end);
    const spent = await spendByTeamHour(deps.warehouse, params);
    if (spent.length === 0) return noUsage(day);
    const items: Saving[] = [];
    const monthly = (usd: number) => round2(usd * DAYS_PER_MONTH);

    const configs = await warehouseConfigs(deps.warehouse, params);
    const busy = await warehouseBusyHours(deps.warehouse, params);
    const idle = new Map<string, { usd: number; hours: number }>();
    for (const r of await warehouseSpendByHour(deps.warehouse, params)) {
      if (busy.has(`${r.warehouseId}\u0000${r.hour}`)) continue;
      const sum = idle.get(r.warehouseId) ?? { usd: 0, hours: 0 };
      idle.set(r.warehouseId, { usd: sum.usd + r.usd, hours: sum.hours + 1 });
    }
    for (const w of configs) {
      const spent = idle.get(w.warehouseId);
      if (w.deleted || spent === undefined || spent.usd <= 0) continue;
      const noAutoStop = w.autoStopMinutes === 0;
      items.push({
        kind: noAutoStop ? 'warehouse_without_auto_stop' : 'idle_warehouse',
        id: w.warehouseId,
        subject: w.name,
        team: w.team,
        monthlyUsd: monthly(spent.usd),
        detail: `${spent.hours} billed ${spent.hours === 1 ? 'hour' : 'hours'} without a query on ${day.date}${noAutoStop ? '; auto-stop is off' : ''}`,
        sql: shown(WAREHOUSE_SPEND_BY_HOUR_SQL, params),
      });
    }

    const clusterUsd = await clusterSpend(deps.warehouse, params);
    for (const c of await allPurposeClusters(deps.warehouse, params)) {
      if (c.deleted || (c.autoTerminationMinutes ?? 0) > 0) continue;
      const usd = clusterUsd.get(c.clusterId) ?? 0;
      if (usd <= 0) continue;
      items.push({
        kind: 'cluster_without_auto_termination',
        id: c.clusterId,
        subject: c.name,
        team: c.team,
        monthlyUsd: monthly(usd),
        detail: `all-purpose cluster with no auto-termination; spent $${round2(usd)} on ${day.date}`,
        sql: shown(CLUSTER_SPEND_SQL, params),
      });
    }

    const jobs = await jobsOnAllPurpose(deps.warehouse, params);
    if (jobs.length > 0) {
      const ratio = (await jobsPriceRatio(deps.warehouse)) ?? 0.3;
      for (const j of jobs) {
        items.push({
          kind: 'job_on_all_purpose',
          id: j.jobId,
          subject: j.jobName,
          team: j.team,
          monthlyUsd: monthly(j.usd * (1 - ratio)),
          detail: `runs on an all-purpose cluster ($${round2(j.usd)} on ${day.date}); a job cluster bills ${Math.round(ratio * 100)} % of that`,
          sql: shown(JOBS_ON_ALL_PURPOSE_SQL, params),
        });
      }
    }

    const untagged = spent.filter((r) => r.team === null).reduce((a, r) => a + r.usd, 0);
    if (untagged > 0)
      items.push({
        kind: 'untagged_spend',
        id: null,
        subject: 'spend without a team tag',
        team: null,
        monthlyUsd: monthly(untagged),
        detail: `$${round2(untagged)} on ${day.date} carries no team tag: no team answers for it`,
        sql: shown(SPEND_BY_TEAM_HOUR_SQL, params),
      });

    const mine = items
      .filter((i) => onlyTeam === null || i.team === onlyTeam)
      .sort((a, b) => b.monthlyUsd - a.monthlyUsd);
    return {
      status: 'ok',
      data: { items: mine, totalMonthlyUsd: round2(mine.reduce((a, i) => a + i.monthlyUsd, 0)) },
    };
  });
}

/** Verified outcomes of an execution that mean its change is in place. */
const APPLIED = new Set(['applied', 'recovered']);

/**
 * What the week's changes save from now on, each an estimate at list price like the savings section's:
 * a finding of the day before the week (a warehouse without auto-stop, a cluster without
 * auto-termination, an idle warehouse) whose cause is gone at the end of the week — auto-stop or
 * auto-termination set, or the warehouse or cluster deleted — keeps that finding's $/month; a job schedule
 * paused by a remediation that stays paused saves its spend of the 24 hours before the pause, × 30. A
 * cancelled run or killed query saved something nobody can put a figure on, and is listed as such.
 */
async function savingsRealised(
  deps: ReporterDeps,
  week: ReportWindow,
): Promise<Section<SavingsRealisedFigures>> {
  return section('system.billing.usage, system.compute.*, system.query.history', async () => {
    const items: RealisedSaving[] = [];
    const notEstimated: string[] = [];
    const before = lastFullDay(week.start, deps.timeZone);
    const lastDay = lastFullDay(week.end, deps.timeZone).date;
    const was = await savingsSection(deps, before, null);
    if (was.status === 'missing') notEstimated.push(`Fixed findings not compared: ${was.reason}`);
    else {
      const params = windowParams(deps.workspace.id, week.start, week.end);
      const warehouses = new Map(
        (await warehouseConfigs(deps.warehouse, params)).map((w) => [w.warehouseId, w]),
      );
      const clusters = new Map(
        (await allPurposeClusters(deps.warehouse, params)).map((c) => [c.clusterId, c]),
      );
      const kept = (f: Saving, kind: RealisedSaving['kind'], what: string): void => {
        items.push({
          kind,
          subject: f.subject,
          team: f.team,
          monthlyUsd: f.monthlyUsd,
          detail: `${what} by the end of ${lastDay}; on ${before.date} it was ${f.detail}`,
          sql: f.sql,
        });
      };
      for (const f of was.data.items) {
        if (f.id === null) continue;
        if (f.kind === 'warehouse_without_auto_stop' || f.kind === 'idle_warehouse') {
          const now = warehouses.get(f.id);
          if (now?.deleted) kept(f, 'warehouse_deleted', 'deleted');
          else if (f.kind === 'warehouse_without_auto_stop' && (now?.autoStopMinutes ?? 0) > 0)
            kept(f, 'auto_stop_set', `auto-stop set to ${now?.autoStopMinutes} min`);
        } else if (f.kind === 'cluster_without_auto_termination') {
          const now = clusters.get(f.id);
          if (now?.deleted) kept(f, 'cluster_deleted', 'deleted');
          else if ((now?.autoTerminationMinutes ?? 0) > 0)
            kept(f, 'auto_termination_set', `auto-termination set to ${now?.autoTerminationMinutes} min`);
        }
      }
    }

    const runs = await deps.digests.remediationsRun(deps.workspace.id, week.start, week.end);
    for (const r of runs) {
      if (r.verified === null || !APPLIED.has(r.verified)) continue;
      if (r.action === 'cancel_run' || r.action === 'kill_query') {
        notEstimated.push(
          `${r.action === 'cancel_run' ? 'A run cancelled' : 'A query killed'} at ${utcMinute(r.at)}: what it saved depends on how long it would have gone on, which nobody can know.`,
        );
        continue;
      }
      if (r.action !== 'pause_schedule' || r.resource === null || !r.resource.startsWith('job:')) continue;
      const jobId = r.resource.slice('job:'.length);
      const resumed = runs.find(
        (x) =>
          x.action === 'resume_schedule' &&
          x.resource === r.resource &&
          x.at > r.at &&
          x.verified !== null &&
          APPLIED.has(x.verified),
      );
      const params = windowParams(deps.workspace.id, r.at - DAY_MS, r.at);
      const spent = (await jobSpend(deps.warehouse, params)).get(jobId);
      const name = spent?.name ?? `job ${jobId}`;
      if (resumed !== undefined) {
        notEstimated.push(
          `The schedule of ${name}, paused at ${utcMinute(r.at)}, was resumed at ${utcMinute(resumed.at)}: no lasting saving.`,
        );
        continue;
      }
      const usd = spent?.usd ?? 0;
      items.push({
        kind: 'schedule_paused',
        subject: name,
        team: spent?.team ?? null,
        monthlyUsd: round2(usd * DAYS_PER_MONTH),
        detail: `schedule paused at ${utcMinute(r.at)}; it spent $${round2(usd)} in the 24 hours before, at list price, saved each day it stays paused`,
        sql: shown(JOB_SPEND_SQL, params),
      });
    }
    items.sort((a, b) => b.monthlyUsd - a.monthlyUsd);
    return {
      status: 'ok',
      data: { items, totalMonthlyUsd: round2(items.reduce((a, i) => a + i.monthlyUsd, 0)), notEstimated },
    };
  });
}

async function weekSection(
  deps: ReporterDeps,
  week: ReportWindow,
  at: number,
): Promise<Section<WeekFigures>> {
  const incidents = incidentFigures(
    await deps.digests.openedBetween(deps.workspace.id, week.start, week.end),
    at,
  );
  let sla: WeekFigures['sla'] = null;
  const days = Array.from({ length: 7 }, (_, i) =>
    lastFullDay(week.start + (i + 1) * DAY_MS + DAY_MS / 2, deps.timeZone),
  );
  const slaDays = await Promise.all(days.map((d) => slaSection(deps, d)));
  // Days without run history are left out; a week with none has no SLA figure.
  const judged = slaDays.flatMap((s) => (s.status === 'ok' ? [s.data.items] : []));
  if (judged.length > 0) {
    const { met, atRisk, missed, byTeam } = countSlas(judged.flat());
    sla = { met, atRisk, missed, byTeam };
  }
  return section('system.billing.usage, system.billing.list_prices', async () => {
    const params = windowParams(deps.workspace.id, week.start, week.end);
    const usdByTeam = new Map<string | null, number>();
    for (const r of await spendByTeamHour(deps.warehouse, params))
      usdByTeam.set(r.team, (usdByTeam.get(r.team) ?? 0) + r.usd);
    return {
      status: 'ok',
      data: {
        incidents: incidents.total,
        meanDetectSeconds: incidents.meanDetectSeconds,
        meanResolveSeconds: incidents.meanResolveSeconds,
        sla,
        spendByTeam: [...usdByTeam.entries()]
          .sort((a, b) => byTeam(a[0], b[0]))
          .map(([team, usd]) => ({ team, usd: round2(usd) })),
      },
    };
  });
}
