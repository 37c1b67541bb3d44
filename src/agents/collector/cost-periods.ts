import { idString } from '../../domain/text.js';
import { COST_RESOURCES_MAX, type CostResource } from '../detector/observations.js';
import { ms, num, type SqlRow, str } from './sql-row.js';

/** One team's period as the cost query's rows add up to it, before the observation schema checks it. */
export interface CostPeriodDraft {
  readonly workspaceId: string;
  readonly team: string;
  readonly periodStart: number;
  readonly granularity: 'hour' | 'day';
  readonly usd: number;
  readonly resources: readonly CostResource[];
}

const RESOURCE_TYPES: readonly string[] = [
  'warehouse',
  'pipeline',
  'job',
  'cluster',
] satisfies CostResource['type'][];

function isResourceType(type: string | undefined): type is CostResource['type'] {
  return type !== undefined && RESOURCE_TYPES.includes(type);
}

/**
 * The rows of `COST_BY_HOUR_SQL` / `COST_BY_DAY_SQL` (one per team, period and resource) as one draft per
 * team and period: the team's total, and its biggest resources (at most `COST_RESOURCES_MAX`, largest
 * first). Rows without a team or a period are left out; a row without a resource (usage whose
 * `usage_metadata` names none) counts in the total only. Retractions can leave a period or a resource
 * negative for a while: spend is never below zero.
 */
export function costPeriodsOf(
  rows: readonly SqlRow[],
  workspaceId: string,
  granularity: 'hour' | 'day',
): CostPeriodDraft[] {
  const periods = new Map<
    string,
    { team: string; periodStart: number; usd: number; parts: Map<string, CostResource> }
  >();
  // A warehouse returns a GROUP BY's rows in no set order, and floating-point sums depend on it: added
  // up in one order, the same rows give the same totals and the periods come out in the same order.
  const keyed = rows.map((r) => ({ r, key: rowKey(r) }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (const { r } of keyed) {
    const team = str(r, 'team');
    const periodStart = ms(r, 'period_start');
    if (team === undefined || periodStart === undefined) continue;
    const key = `${team}\u0000${periodStart}`;
    const period = periods.get(key) ?? { team, periodStart, usd: 0, parts: new Map<string, CostResource>() };
    periods.set(key, period);
    const usd = num(r, 'usd') ?? 0;
    period.usd += usd;
    const type = str(r, 'resource_type');
    // A resource id that is not one (too long, say) costs the period its breakdown, never its total.
    const id = idString.safeParse(str(r, 'resource_id'));
    if (!isResourceType(type) || !id.success) continue;
    const partKey = `${type}:${id.data}`;
    const part = period.parts.get(partKey);
    period.parts.set(partKey, {
      type,
      id: id.data,
      usd: (part?.usd ?? 0) + usd,
    });
  }
  return [...periods.values()]
    .sort((a, b) => (a.team < b.team ? -1 : a.team > b.team ? 1 : a.periodStart - b.periodStart))
    .map((p) => ({
      workspaceId,
      team: p.team,
      periodStart: p.periodStart,
      granularity,
      usd: money(p.usd),
      resources: [...p.parts.values()]
        .map((part) => ({ ...part, usd: money(part.usd) }))
        .filter((part) => part.usd > 0)
        .sort((a, b) => b.usd - a.usd || (a.id < b.id ? -1 : 1))
        .slice(0, COST_RESOURCES_MAX),
    }));
}

function rowKey(r: SqlRow): string {
  return `${str(r, 'team')}\u0000${ms(r, 'period_start')}\u0000${str(r, 'resource_type')}\u0000${str(r, 'resource_id')}\u0000${num(r, 'usd')}`;
}

function money(usd: number): number {
  return Math.max(0, Math.round(usd * 1e6) / 1e6);
}
