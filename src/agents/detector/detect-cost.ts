import type { Thresholds } from '../../config/policy.js';
import { utcMinute } from '../../domain/text.js';
import { DetectorSink, type DetectorOutput } from './detector-output.js';
import type { Budget, CostObservation, CostResource } from './observations.js';
import { median } from './sample-window.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/**
 * How far back whole periods are judged. Not only the newest: a dbxops started on a workspace with a
 * past reports yesterday afternoon's spike, and a period that was still running at the last poll is
 * judged once it is whole. Each period's signal has its own dedup key, so a repeat changes nothing.
 */
const JUDGED_WITHIN_MS = { hour: DAY_MS, day: 7 * DAY_MS } as const;

export interface CostOptions {
  /** Earlier periods the baseline is the median of. Default 14 (two weeks of days). */
  readonly trailingPeriods?: number;
}

/**
 * Spend per team: each period of the last day of hours or week of days against the median of the
 * trailing whole periods before it, of the same granularity (an hour against the same hour of earlier
 * days once there are enough of them) — the period still running on what it
 * billed so far, so a spike is reported within the billing lag and one poll (`cost_anomaly`, once
 * `min_history_runs` periods exist, when both `cost_anomaly_ratio` and `cost_anomaly_min_usd` are
 * exceeded), and month-to-date spend against the team's monthly budget (`budget_exceeded`, once per
 * team and month).
 */
export function detectCostProblems(
  costs: readonly CostObservation[],
  budgets: readonly Budget[],
  thresholds: Thresholds,
  now: number,
  options: CostOptions = {},
): DetectorOutput {
  const trailing = options.trailingPeriods ?? 14;
  const sink = new DetectorSink();
  const groups = new Map<string, CostObservation[]>();
  for (const c of costs) {
    const key = `${c.workspaceId}\u0000${c.team}\u0000${c.granularity}`;
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }

  // Each team's hourly spend, in all and per resource: what a day still running is compared by, hour for hour.
  const hourly = new Map<string, Map<number, number>>();
  const hourlyByResource = new Map<string, Map<number, Map<string, CostResource>>>();
  for (const c of costs) {
    if (c.granularity !== 'hour') continue;
    const key = `${c.workspaceId}\u0000${c.team}`;
    const hours = hourly.get(key) ?? new Map<number, number>();
    hours.set(c.periodStart, (hours.get(c.periodStart) ?? 0) + c.usd);
    hourly.set(key, hours);
    const parts = hourlyByResource.get(key) ?? new Map<number, Map<string, CostResource>>();
    addResources(parts, c);
    hourlyByResource.set(key, parts);
  }

  for (const group of groups.values()) {
    const first = group[0]!;
    sink.guard(`team:${first.team}`, () => {
      // Several rows for one period (several SKUs) add up.
      const byPeriod = new Map<number, number>();
      const resourcesByPeriod = new Map<number, Map<string, CostResource>>();
      for (const c of group) {
        byPeriod.set(c.periodStart, (byPeriod.get(c.periodStart) ?? 0) + c.usd);
        addResources(resourcesByPeriod, c);
      }
      // The baseline is whole periods only: the hour or day still running has billed a fraction of what
      // it will (warehouses bill at the hour, clusters when they stop). The running period is judged
      // too: a day against the same hours of earlier days (`dayToDate`) where hourly rows cover them,
      // otherwise what it billed so far against a whole usual period. Waiting for it to end (a day's
      // spike reported at midnight) only makes the report hours late.
      const step = first.granularity === 'hour' ? HOUR_MS : DAY_MS;
      const periods = [...byPeriod.entries()].filter(([start]) => start <= now).sort((a, b) => a[0] - b[0]);
      const whole = periods.filter(([start]) => start + step <= now);
      const judgedFrom = now - JUDGED_WITHIN_MS[first.granularity];
      periods.forEach(([periodStart, billed], index) => {
        if (periodStart + step <= judgedFrom) return;
        const running = periodStart + step > now;
        const sameHours =
          running && first.granularity === 'day'
            ? dayToDate(hourly.get(`${first.workspaceId}\u0000${first.team}`), periodStart, now, {
                trailing,
                minDays: thresholds.min_history_runs,
              })
            : undefined;
        const sameHour =
          first.granularity === 'hour'
            ? hourOfDay(byPeriod, periods[0]![0], periodStart, {
                trailing,
                minDays: thresholds.min_history_runs,
              })
            : undefined;
        const trailingWhole = whole.slice(Math.max(0, index - trailing), index);
        const history = sameHours?.history ?? sameHour?.history ?? trailingWhole.map((p) => p[1]);
        const usd = sameHours?.usd ?? billed;
        if (history.length < thresholds.min_history_runs) return;
        const baseline = median(history);
        if (!(baseline > 0)) return;
        const ratio = usd / baseline;
        if (ratio < thresholds.cost_anomaly_ratio || usd - baseline < thresholds.cost_anomaly_min_usd) return;
        const teamKey = `${first.workspaceId}\u0000${first.team}`;
        const carrier =
          sameHours !== undefined
            ? carrierOf(hourlyByResource.get(teamKey) ?? new Map(), {
                start: periodStart,
                usual: sameHours.history.map((_, k) => periodStart - (k + 1) * DAY_MS),
                length: sameHours.until - periodStart,
                rise: usd - baseline,
              })
            : carrierOf(resourcesByPeriod, {
                start: periodStart,
                usual: sameHour?.starts ?? trailingWhole.map((p) => p[0]),
                length: step,
                rise: usd - baseline,
              });
        sink.emit(`team:${first.team}`, {
          dedupKey: `${first.workspaceId}:cost:${first.team}:${first.granularity}:${periodStart}`,
          workspaceId: first.workspaceId,
          kind: 'cost_anomaly',
          severityHint: 'P3',
          observedAt: now,
          occurredAt: periodStart,
          subject: { type: 'team', id: first.team, name: first.team },
          refs: {
            team: first.team,
            ...(carrier === undefined ? {} : RESOURCE_REF[carrier.type](carrier.id)),
          },
          metrics: {
            usd: round2(usd),
            baselineUsd: round2(baseline),
            ratio: round2(ratio),
            periods: history.length,
            periodHours: step / HOUR_MS,
            ...(carrier === undefined
              ? {}
              : { resourceUsd: round2(carrier.usd), resourceBaselineUsd: round2(carrier.usual) }),
          },
          evidence: [
            {
              label:
                sameHours !== undefined
                  ? `Spent $${round2(usd)} by ${utcMinute(sameHours.until)} in the day from ${utcMinute(periodStart)}, ${ratio.toFixed(1)}× the usual $${round2(baseline)} by that hour`
                  : `Spent $${round2(usd)} in the ${first.granularity} from ${utcMinute(periodStart)}, ${ratio.toFixed(1)}× the usual $${round2(baseline)}`,
            },
            ...(carrier === undefined
              ? []
              : [
                  {
                    label: `Most of the rise is on ${carrier.type} ${carrier.id}: $${round2(carrier.usd)} against its usual $${round2(carrier.usual)}`,
                  },
                ]),
          ],
          costUsd: round2(Math.max(0, usd - baseline)),
        });
      });
    });
  }

  const month = new Date(now).toISOString().slice(0, 7);
  for (const budget of budgets) {
    sink.guard(`team:${budget.team}`, () => {
      const mine = costs.filter(
        (c) => c.team === budget.team && new Date(c.periodStart).toISOString().startsWith(month),
      );
      // Daily and hourly rows of one team overlap; days win when both are present.
      const rows = mine.some((c) => c.granularity === 'day')
        ? mine.filter((c) => c.granularity === 'day')
        : mine;
      const spent = rows.reduce((sum, c) => sum + c.usd, 0);
      if (spent < budget.monthlyUsd || rows.length === 0) return;
      const workspaceId = rows[0]!.workspaceId;
      sink.emit(`team:${budget.team}`, {
        dedupKey: `${workspaceId}:budget:${budget.team}:${month}`,
        workspaceId,
        kind: 'budget_exceeded',
        severityHint: 'P3',
        observedAt: now,
        occurredAt: now,
        subject: { type: 'team', id: budget.team, name: budget.team },
        refs: { team: budget.team },
        metrics: {
          spentUsd: round2(spent),
          budgetUsd: budget.monthlyUsd,
          ratio: budget.monthlyUsd > 0 ? round2(spent / budget.monthlyUsd) : 0,
        },
        evidence: [{ label: `Spent $${round2(spent)} of a $${budget.monthlyUsd} budget in ${month}` }],
      });
    });
  }
  return sink.output();
}

/** The share of a team's rise one resource must carry to be named as where the money went. */
const CARRIER_SHARE = 0.5;

/** Where a resource goes in a signal's refs: the warehouse, pipeline, job or cluster the spend is on. */
const RESOURCE_REF: Readonly<
  Record<
    CostResource['type'],
    (id: string) => { warehouseId?: string; pipelineId?: string; jobId?: string; clusterId?: string }
  >
> = {
  warehouse: (id) => ({ warehouseId: id }),
  pipeline: (id) => ({ pipelineId: id }),
  job: (id) => ({ jobId: id }),
  cluster: (id) => ({ clusterId: id }),
};

/** Adds an observation's resources to the spend per period and resource (`type:id`). */
function addResources(into: Map<number, Map<string, CostResource>>, c: CostObservation): void {
  const parts = into.get(c.periodStart) ?? new Map<string, CostResource>();
  for (const r of c.resources) {
    const key = `${r.type}:${r.id}`;
    parts.set(key, { type: r.type, id: r.id, usd: (parts.get(key)?.usd ?? 0) + r.usd });
  }
  into.set(c.periodStart, parts);
}

/**
 * The resource that carries a team's rise: the one whose spend in the judged span rose most over its own
 * usual (the median of the same spans of the baseline's periods, nothing where it spent nothing), when
 * that is at least `CARRIER_SHARE` of the team's rise. A rise spread over many jobs names none: the team
 * is all there is to say. Spans are `length` ms from `start` and from each `usual` start, read from
 * periods keyed by their start (hours for a day still running, else periods of the judged granularity).
 */
function carrierOf(
  periods: ReadonlyMap<number, ReadonlyMap<string, CostResource>>,
  span: {
    readonly start: number;
    readonly usual: readonly number[];
    readonly length: number;
    readonly rise: number;
  },
): (CostResource & { usual: number }) | undefined {
  const spent = (start: number) => {
    const out = new Map<string, CostResource>();
    for (const [periodStart, parts] of periods) {
      if (periodStart < start || periodStart >= start + span.length) continue;
      for (const [key, r] of parts) out.set(key, { ...r, usd: (out.get(key)?.usd ?? 0) + r.usd });
    }
    return out;
  };
  const current = spent(span.start);
  const usual = span.usual.map(spent);
  let best: (CostResource & { usual: number; rise: number }) | undefined;
  for (const [key, r] of current) {
    const before = median(usual.map((u) => u.get(key)?.usd ?? 0));
    const rise = r.usd - before;
    if (best === undefined || rise > best.rise) best = { ...r, usual: before, rise };
  }
  if (best === undefined || !(best.rise >= CARRIER_SHARE * span.rise)) return undefined;
  return { type: best.type, id: best.id, usd: best.usd, usual: best.usual };
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

/**
 * An hour against the same hour of the days before it (nothing billed then counts as $0), from the
 * team's first hourly row on. Spend follows the clock — dashboards and people's queries in business
 * hours, nightly batches — so against the hours just before it every morning's first hour of dashboards
 * would look like a spike. Undefined when the rows cover fewer than `minDays` earlier days, or when the
 * team never spent in that hour (something new at an hour that is always quiet): the trailing hours
 * decide then, as they do on a workspace too young to have days behind it.
 */
function hourOfDay(
  byPeriod: ReadonlyMap<number, number>,
  firstHour: number,
  hourStart: number,
  days: { readonly trailing: number; readonly minDays: number },
): { history: number[]; starts: number[] } | undefined {
  const history: number[] = [];
  const starts: number[] = [];
  for (let at = hourStart - DAY_MS; history.length < days.trailing && at >= firstHour; at -= DAY_MS) {
    history.push(byPeriod.get(at) ?? 0);
    starts.push(at);
  }
  if (history.length < days.minDays || !(median(history) > 0)) return undefined;
  return { history, starts };
}

/**
 * A day still running against the same hours of the days before it: its whole hours so far and, for each
 * earlier day the hourly rows cover, its spend in the same hours. A spike that starts in the afternoon
 * beats "the usual by 17:00" within the hour, where against a whole usual day it might never. Earlier
 * days are complete and today's runs in flight have not billed yet, so the comparison errs towards
 * quiet. Undefined when the hourly rows cover too few days: the whole-period comparison decides then.
 */
function dayToDate(
  hours: ReadonlyMap<number, number> | undefined,
  dayStart: number,
  now: number,
  days: { readonly trailing: number; readonly minDays: number },
): { usd: number; history: number[]; until: number } | undefined {
  if (hours === undefined || hours.size === 0) return undefined;
  const elapsed = Math.floor((now - dayStart) / HOUR_MS) * HOUR_MS;
  if (elapsed <= 0) return undefined;
  const firstHour = Math.min(...hours.keys());
  const spent = (from: number) => {
    let usd = 0;
    for (const [hour, amount] of hours) if (hour >= from && hour < from + elapsed) usd += amount;
    return usd;
  };
  const history: number[] = [];
  for (let day = dayStart - DAY_MS; history.length < days.trailing && day >= firstHour; day -= DAY_MS)
    history.push(spent(day));
  if (history.length < days.minDays) return undefined;
  return { usd: spent(dayStart), history, until: dayStart + elapsed };
}
