import type { Policy } from '../../config/policy.js';
import { type SqlParam, type SqlValue, type Warehouse, WarehouseError } from '../../databricks/warehouse.js';
import { err, ok, type Result } from '../../domain/result.js';
import { type CostPeriod, monthStart, zonedDay, zonedMidnight } from './cost-period.js';
import { matchName, nearestNames, normaliseName } from './name-match.js';
import { guardSql } from './sql-guard.js';

/**
 * Spend from the billing system tables: `system.billing.usage` priced with `system.billing.list_prices`
 * at the list price valid when the usage happened (the same join the cost detector reads). Every
 * function returns its figures together with the SQL it ran, so a card can show how it got them.
 * All values are bound as `:name` parameters; the statement texts are fixed, chosen by the target's kind.
 */

const DAY_MS = 86_400_000;
/** How far back names (teams, jobs, warehouses) and the newest billing record are looked for. */
const NAME_LOOKBACK_DAYS = 90;
const FRESHNESS_LOOKBACK_DAYS = 30;
/** Jobs and warehouses listed on a card. */
const TOP = 5;
/** Tag keys and values as Databricks allows them (keys ≤ 127 characters, values ≤ 255). */
const MAX_TAG_KEY = 127;
const MAX_TAG_VALUE = 255;

/** Whose spend: a team (the `team` tag), any custom tag, a job, a SQL warehouse or the whole workspace. */
export type CostTarget =
  | { readonly kind: 'workspace' }
  | { readonly kind: 'team'; readonly team: string }
  | { readonly kind: 'tag'; readonly key: string; readonly value: string }
  | { readonly kind: 'job'; readonly jobId: string; readonly name: string }
  | { readonly kind: 'warehouse'; readonly warehouseId: string; readonly name: string };

/** A statement as it ran: what the card's "Show SQL" shows. Parameters are listed beside it. */
interface RanStatement {
  readonly label: string;
  readonly sql: string;
  readonly params: Readonly<Record<string, string | number>>;
}

export interface CostDeps {
  readonly warehouse: Warehouse;
  readonly workspaceId: string;
  /** How long one statement may run (the policy's `ask.timeout_seconds`). Default 30 s. */
  readonly timeoutMs?: number;
}

/**
 * The most rows one cost statement returns: the hourly scan of a year and the year before. Cost
 * statements are aggregates the code reads, not tables shown to a person, so the answers' row cap
 * (`ask.max_rows`) does not apply; the guard still sets this LIMIT.
 */
const COST_MAX_ROWS = 20_000;

/** A statement the SQL guard or the warehouse refused; the analyst turns it into a value. */
class StatementRefused extends Error {
  constructor(
    message: string,
    readonly statement: string,
  ) {
    super(message);
  }
}

/** What a person typed, read as a target: `ambiguous` and `unknown` carry names to choose from. */
type TargetResolution =
  | { readonly ok: true; readonly target: CostTarget; readonly statements: readonly RanStatement[] }
  | {
      readonly ok: false;
      readonly reason: 'ambiguous' | 'unknown' | 'invalid';
      readonly userMessage: string;
      /** Targets the person may have meant (ambiguous), or some that exist (unknown). */
      readonly candidates: readonly CostTarget[];
      readonly statements: readonly RanStatement[];
    };

/** How a target is named on a card and in a command (`/dbx cost <this>`). */
export function targetLabel(target: CostTarget): string {
  switch (target.kind) {
    case 'workspace':
      return 'the workspace';
    case 'team':
      return `team ${target.team}`;
    case 'tag':
      return `tag ${target.key}=${target.value}`;
    case 'job':
      return `job ${target.name}`;
    case 'warehouse':
      return `warehouse ${target.name}`;
  }
}

/** The argument that names `target` again unambiguously, for buttons that re-run a command. */
export function targetArgument(target: CostTarget): string {
  switch (target.kind) {
    case 'workspace':
      return 'workspace';
    case 'team':
      return `team:${target.team}`;
    case 'tag':
      return `${target.key}=${target.value}`;
    case 'job':
      return `job:${target.jobId}`;
    case 'warehouse':
      return `warehouse:${target.warehouseId}`;
  }
}

const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const dateParam = (ms: number): SqlParam => ({ value: isoDate(ms), type: 'DATE' });
const tsParam = (ms: number): SqlParam => ({ value: new Date(ms).toISOString(), type: 'TIMESTAMP' });

/**
 * Checks `sql` with the SQL guard (one read-only SELECT over `system.*`, a LIMIT, values bound), runs
 * what the guard printed and records it with its parameters in a form fit to show.
 */
async function run(
  deps: CostDeps,
  ran: RanStatement[],
  label: string,
  sql: string,
  params: Record<string, SqlParam>,
): Promise<readonly Readonly<Record<string, SqlValue>>[]> {
  const guarded = guardSql(sql, params, {
    allowedSchemas: [],
    maxRows: COST_MAX_ROWS,
    timeoutMs: deps.timeoutMs ?? 30_000,
  });
  if (!guarded.ok)
    throw new StatementRefused(`The SQL guard refused the query: ${guarded.userMessage}`, sql.trim());
  const shown: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(guarded.value.params)) {
    shown[name] =
      value === null
        ? 'NULL'
        : typeof value === 'object' && !(value instanceof Date)
          ? (value.value ?? 'NULL')
          : value instanceof Date
            ? value.toISOString()
            : typeof value === 'bigint' || typeof value === 'boolean'
              ? String(value)
              : value;
  }
  ran.push({ label, sql: guarded.value.sql, params: shown });
  try {
    const result = await deps.warehouse.query(guarded.value.sql, {
      params: guarded.value.params,
      rowLimit: guarded.value.rowLimit,
      timeoutMs: guarded.value.timeoutMs,
    });
    return result.rows;
  } catch (error) {
    if (!(error instanceof WarehouseError)) throw error;
    const codes = [error.errorCode, error.sqlState === undefined ? undefined : `SQLSTATE ${error.sqlState}`]
      .filter((x) => x !== undefined)
      .join(', ');
    throw new StatementRefused(
      `The SQL warehouse refused the query: ${error.message}${codes === '' ? '' : ` (${codes})`}`,
      guarded.value.sql,
    );
  }
}

/** A cost answer, or why the guard or the warehouse refused one of its statements (in their words). */
type CostAnswer<T> = Result<T, 'query_refused'>;

async function answer<T>(work: () => Promise<T>): Promise<CostAnswer<T>> {
  try {
    return ok(await work());
  } catch (error) {
    if (error instanceof StatementRefused) {
      return err('query_refused', error.message, { statement: error.statement });
    }
    throw error;
  }
}

/** What the chat handler is handed: cost answers as values, never a warehouse or its exceptions. */
export interface CostAnalyst {
  resolveTarget(typed: string, nowMs: number): Promise<CostAnswer<TargetResolution>>;
  report(target: CostTarget, period: CostPeriod, options: CostReportOptions): Promise<CostAnswer<CostReport>>;
}

export function createCostAnalyst(deps: CostDeps): CostAnalyst {
  return {
    resolveTarget: (typed, nowMs) => answer(() => resolveCostTarget(deps, typed, nowMs)),
    report: (target, period, options) => answer(() => costReport(deps, target, period, options)),
  };
}

const str = (row: Readonly<Record<string, SqlValue>>, key: string): string | undefined => {
  const v = row[key];
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
};
const num = (row: Readonly<Record<string, SqlValue>>, key: string): number => {
  const v = row[key];
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : 0;
  return Number.isFinite(n) ? n : 0;
};

const TEAMS_SQL = `
SELECT DISTINCT u.custom_tags['team'] AS team
FROM system.billing.usage u
WHERE u.workspace_id = :workspace_id
  AND u.usage_date >= :since_date
  AND u.custom_tags['team'] IS NOT NULL`;

const JOBS_SQL = `
SELECT job_id, name
FROM system.lakeflow.jobs
WHERE workspace_id = :workspace_id
QUALIFY ROW_NUMBER() OVER (PARTITION BY job_id ORDER BY change_time DESC) = 1`;

const WAREHOUSES_SQL = `
SELECT warehouse_id, warehouse_name
FROM system.compute.warehouses
WHERE workspace_id = :workspace_id
QUALIFY ROW_NUMBER() OVER (PARTITION BY warehouse_id ORDER BY change_time DESC) = 1`;

type Kind = 'team' | 'job' | 'warehouse';
const KIND_PREFIX = /^(team|job|warehouse)s?:\s*(.*)$/i;

/**
 * Reads the `/dbx cost` target: `workspace` (or nothing), `key=value` for a custom tag, `team:x`,
 * `job:x`, `warehouse:x`, or a bare name looked up among the teams (the `team` tag on billing records of
 * the last 90 days), jobs and warehouses — forgivingly (case, `-`/`_`, a prefix). A job may also be
 * named by its id.
 */
async function resolveCostTarget(deps: CostDeps, typed: string, nowMs: number): Promise<TargetResolution> {
  const ran: RanStatement[] = [];
  const text = typed.trim();
  const invalid = (userMessage: string): TargetResolution => ({
    ok: false,
    reason: 'invalid',
    userMessage,
    candidates: [],
    statements: ran,
  });
  if (text === '' || /^(workspace|all|everything)$/i.test(text)) {
    return { ok: true, target: { kind: 'workspace' }, statements: ran };
  }
  const tag = /^([^=]+)=(.*)$/.exec(text);
  if (tag !== null && !KIND_PREFIX.test(text)) {
    const key = tag[1]!.trim();
    const value = tag[2]!.trim();
    if (key === '' || value === '')
      return invalid('A tag needs a key and a value: `/dbx cost cost_center=CC-100`.');
    if (key.length > MAX_TAG_KEY || value.length > MAX_TAG_VALUE) {
      return invalid(
        `Tag keys are at most ${MAX_TAG_KEY} characters and values at most ${MAX_TAG_VALUE} in Databricks.`,
      );
    }
    return { ok: true, target: { kind: 'tag', key, value }, statements: ran };
  }
  const prefixed = KIND_PREFIX.exec(text);
  const kinds: readonly Kind[] = prefixed
    ? [prefixed[1]!.toLowerCase() as Kind]
    : ['team', 'job', 'warehouse'];
  const name = prefixed ? prefixed[2]!.trim() : text;
  if (name === '') return invalid('Tell me which one: `/dbx cost team:finance`.');

  const params = { workspace_id: deps.workspaceId };
  const found: CostTarget[] = [];
  if (kinds.includes('team')) {
    const rows = await run(deps, ran, 'teams', TEAMS_SQL, {
      ...params,
      since_date: dateParam(nowMs - NAME_LOOKBACK_DAYS * DAY_MS),
    });
    for (const r of rows) {
      const team = str(r, 'team');
      if (team !== undefined) found.push({ kind: 'team', team });
    }
  }
  if (kinds.includes('job')) {
    for (const r of await run(deps, ran, 'jobs', JOBS_SQL, params)) {
      const jobId = str(r, 'job_id');
      if (jobId !== undefined) found.push({ kind: 'job', jobId, name: str(r, 'name') ?? jobId });
    }
  }
  if (kinds.includes('warehouse')) {
    for (const r of await run(deps, ran, 'warehouses', WAREHOUSES_SQL, params)) {
      const warehouseId = str(r, 'warehouse_id');
      if (warehouseId !== undefined) {
        found.push({ kind: 'warehouse', warehouseId, name: str(r, 'warehouse_name') ?? warehouseId });
      }
    }
  }
  // Ids are exact: a job id or warehouse id typed in full names that one.
  const byId = found.filter(
    (t) => (t.kind === 'job' && t.jobId === name) || (t.kind === 'warehouse' && t.warehouseId === name),
  );
  if (byId.length === 1) return { ok: true, target: byId[0]!, statements: ran };

  const nameOf = (t: CostTarget) =>
    t.kind === 'team' ? t.team : t.kind === 'job' || t.kind === 'warehouse' ? t.name : '';
  // A prefix that fits one team means that team (`fin` is finance, not its five jobs): teams come
  // first in `/dbx cost <team | …>`. Exact names still win across every kind.
  const exact = matchName(name, found, nameOf);
  const teamPrefix = matchName(
    name,
    found.filter((t) => t.kind === 'team'),
    nameOf,
  );
  const match =
    exact.kind === 'one' ||
    teamPrefix.kind !== 'one' ||
    found.some((t) => normaliseName(nameOf(t)) === normaliseName(name))
      ? exact
      : teamPrefix;
  const shown = name.length > 60 ? `${name.slice(0, 60)}…` : name;
  switch (match.kind) {
    case 'one':
      return { ok: true, target: match.item, statements: ran };
    case 'many':
      return {
        ok: false,
        reason: 'ambiguous',
        userMessage: `"${shown}" could be ${match.candidates.length} things; which one did you mean?`,
        candidates: match.candidates,
        statements: ran,
      };
    case 'none': {
      // The nearest names first (a typo, a part of a name); with none near, some teams that exist.
      const nearest = nearestNames(name, found, nameOf);
      const teams = found.filter((t) => t.kind === 'team');
      const known = teams.length > 0 ? teams : found;
      const sorted = [...known].sort((a, b) =>
        normaliseName(nameOf(a)).localeCompare(normaliseName(nameOf(b))),
      );
      const what = kinds.length === 1 ? `${kinds[0]}` : 'team, job or warehouse';
      const offered = nearest.length > 0 ? nearest : sorted.slice(0, 8);
      const offer = nearest.length > 0 ? ' The nearest names are below.' : ' Some that exist are below.';
      return {
        ok: false,
        reason: 'unknown',
        userMessage: `No ${what} named "${shown}" in this workspace's billing records, jobs or warehouses.${
          offered.length > 0 ? offer : ''
        }`,
        candidates: offered,
        statements: ran,
      };
    }
  }
}

/** One day of spend, in the workspace's time zone. */
interface DailySpend {
  /** `YYYY-MM-DD` */
  readonly day: string;
  readonly usd: number;
  readonly dbus: number;
}

interface RankedSpend {
  readonly id: string;
  readonly name: string;
  readonly usd: number;
  readonly dbus: number;
}

interface TeamSpend {
  /** null: records without a `team` tag. */
  readonly team: string | null;
  readonly usd: number;
}

interface BudgetStatus {
  /** The `budgets:` key it came from: a team, or `key=value`. */
  readonly key: string;
  readonly monthlyUsd: number;
  /** Spend since the first of this month (workspace time zone) until now. */
  readonly monthToDateUsd: number;
  /** `YYYY-MM` */
  readonly month: string;
  /** Month-to-date spend carried on at the same daily rate to the month's end. */
  readonly projectedUsd: number;
}

export interface CostReport {
  readonly target: CostTarget;
  readonly period: CostPeriod;
  readonly usd: number;
  readonly dbus: number;
  readonly previousUsd: number;
  /** Every day of the period, days without spend as 0. */
  readonly daily: readonly DailySpend[];
  /** Most expensive first; empty when the target is itself a job (or warehouse). */
  readonly topJobs: readonly RankedSpend[];
  readonly topWarehouses: readonly RankedSpend[];
  /** Spend per `team` tag, untagged included (workspace and tag targets; empty otherwise). */
  readonly byTeam: readonly TeamSpend[];
  readonly budget: BudgetStatus | null;
  /** `usage_end_time` of the newest billing record of the workspace: billing lags by hours. */
  readonly newestRecordMs: number | null;
  readonly statements: readonly RanStatement[];
}

/** The usage rows of the target, priced; `{scope}` is one of the fixed filters below. */
const PRICED_USAGE = (scope: string) => `
FROM system.billing.usage u
LEFT JOIN system.billing.list_prices lp
  ON u.sku_name = lp.sku_name AND u.cloud = lp.cloud AND u.usage_unit = lp.usage_unit
 AND u.usage_start_time >= lp.price_start_time
 AND (lp.price_end_time IS NULL OR u.usage_end_time <= lp.price_end_time)
WHERE u.workspace_id = :workspace_id
  AND u.usage_date >= :since_date AND u.usage_date <= :until_date
  AND u.usage_start_time >= :since AND u.usage_start_time < :until${scope}`;

const USD = 'SUM(u.usage_quantity * COALESCE(lp.pricing.effective_list.`default`, 0))';
const DBUS = "SUM(CASE WHEN u.usage_unit = 'DBU' THEN u.usage_quantity ELSE 0 END)";

/** The only filters a target adds; values are parameters, never text. */
function scopeOf(target: CostTarget): { sql: string; params: Record<string, SqlParam> } {
  switch (target.kind) {
    case 'workspace':
      return { sql: '', params: {} };
    case 'team':
      return { sql: "\n  AND u.custom_tags['team'] = :team", params: { team: target.team } };
    case 'tag':
      // `custom_tags[:key]` does not parse (the bracket reads as a slice); a cast keeps it one expression.
      return {
        sql: '\n  AND u.custom_tags[CAST(:tag_key AS STRING)] = :tag_value',
        params: { tag_key: target.key, tag_value: target.value },
      };
    case 'job':
      return { sql: '\n  AND u.usage_metadata.job_id = :job_id', params: { job_id: target.jobId } };
    case 'warehouse':
      return {
        sql: '\n  AND u.usage_metadata.warehouse_id = :warehouse_id',
        params: { warehouse_id: target.warehouseId },
      };
  }
}

const HOURLY_SQL = (scope: string) => `
SELECT date_trunc('HOUR', u.usage_start_time) AS hour,
       ${USD} AS usd,
       ${DBUS} AS dbus${PRICED_USAGE(scope)}
GROUP BY 1
ORDER BY 1`;

/**
 * The costliest jobs or warehouses of a scope, named from their newest row in the system table that
 * lists them (a renamed one shows its current name).
 */
const topSpendSql = (
  scope: string,
  id: 'job_id' | 'warehouse_id',
  names: { table: string; column: string },
) => `
WITH names AS (
  SELECT ${id}, ${names.column}
  FROM ${names.table}
  WHERE workspace_id = :workspace_id
  QUALIFY ROW_NUMBER() OVER (PARTITION BY ${id} ORDER BY change_time DESC) = 1
), spend AS (
  SELECT u.usage_metadata.${id} AS ${id}, ${USD} AS usd, ${DBUS} AS dbus${PRICED_USAGE(scope)}
    AND u.usage_metadata.${id} IS NOT NULL
  GROUP BY 1
)
SELECT s.${id}, n.${names.column}, s.usd, s.dbus
FROM spend s LEFT JOIN names n ON s.${id} = n.${id}
ORDER BY s.usd DESC, s.${id}
LIMIT ${TOP}`;

const TOP_JOBS_SQL = (scope: string) =>
  topSpendSql(scope, 'job_id', { table: 'system.lakeflow.jobs', column: 'name' });

const TOP_WAREHOUSES_SQL = (scope: string) =>
  topSpendSql(scope, 'warehouse_id', { table: 'system.compute.warehouses', column: 'warehouse_name' });

const BY_TEAM_SQL = (scope: string) => `
SELECT u.custom_tags['team'] AS team, ${USD} AS usd${PRICED_USAGE(scope)}
GROUP BY 1
ORDER BY usd DESC`;

const NEWEST_SQL = `
SELECT MAX(u.usage_end_time) AS newest
FROM system.billing.usage u
WHERE u.workspace_id = :workspace_id
  AND u.usage_date >= :since_date`;

/** The `budgets:` entry that applies to `target`: a team's name, or `key=value` for a tag. */
export function budgetFor(
  budgets: Policy['budgets'],
  target: CostTarget,
): { key: string; monthlyUsd: number } | undefined {
  const keys =
    target.kind === 'team'
      ? [target.team, `team=${target.team}`]
      : target.kind === 'tag'
        ? [`${target.key}=${target.value}`, ...(target.key === 'team' ? [target.value] : [])]
        : [];
  for (const key of keys) {
    const monthlyUsd = budgets[key];
    if (monthlyUsd !== undefined) return { key, monthlyUsd };
  }
  return undefined;
}

/**
 * Spend of `target` in `period` and the period before it, per day (workspace time zone), its top jobs
 * and warehouses, spend per team (untagged shown as such), month-to-date against a budget, and the
 * newest billing record. `nowMs` is the workspace clock.
 */
interface CostReportOptions {
  readonly nowMs: number;
  readonly budget?: { key: string; monthlyUsd: number } | undefined;
}

async function costReport(
  deps: CostDeps,
  target: CostTarget,
  period: CostPeriod,
  options: CostReportOptions,
): Promise<CostReport> {
  const ran: RanStatement[] = [];
  const scope = scopeOf(target);
  const month = monthStart(options.nowMs, period.timeZone);
  // One scan covers the period, the one before and, with a budget, the month so far.
  const since = Math.min(period.previousFromMs, options.budget ? month : period.previousFromMs);
  const until = Math.max(period.toMs, options.budget ? options.nowMs : period.toMs);
  const window = (from: number, to: number): Record<string, SqlParam> => ({
    workspace_id: deps.workspaceId,
    since_date: dateParam(from),
    // Usage dates are UTC days; a record starting before `to` has a date no later than `to`'s.
    until_date: dateParam(to),
    since: tsParam(from),
    until: tsParam(to),
    ...scope.params,
  });

  const hourly = await run(deps, ran, 'spend per hour', HOURLY_SQL(scope.sql), window(since, until));
  let usd = 0;
  let dbus = 0;
  let previousUsd = 0;
  let monthToDateUsd = 0;
  const days = new Map<string, { usd: number; dbus: number }>();
  for (const r of hourly) {
    const hour = str(r, 'hour');
    const at = hour === undefined ? Number.NaN : Date.parse(hour);
    if (!Number.isFinite(at)) continue;
    const u = num(r, 'usd');
    const d = num(r, 'dbus');
    if (at >= period.fromMs && at < period.toMs) {
      usd += u;
      dbus += d;
      const day = zonedDay(at, period.timeZone);
      const sum = days.get(day) ?? { usd: 0, dbus: 0 };
      days.set(day, { usd: sum.usd + u, dbus: sum.dbus + d });
    }
    if (at >= period.previousFromMs && at < period.previousToMs) previousUsd += u;
    if (at >= month && at < options.nowMs) monthToDateUsd += u;
  }

  const current = window(period.fromMs, period.toMs);
  const ranked = (rows: readonly Readonly<Record<string, SqlValue>>[], id: string, name: string) =>
    rows.map((r) => {
      const key = str(r, id) ?? '';
      return { id: key, name: str(r, name) ?? key, usd: num(r, 'usd'), dbus: num(r, 'dbus') };
    });
  const topJobs =
    target.kind === 'job'
      ? []
      : ranked(await run(deps, ran, 'top jobs', TOP_JOBS_SQL(scope.sql), current), 'job_id', 'name');
  const topWarehouses =
    target.kind === 'warehouse'
      ? []
      : ranked(
          await run(deps, ran, 'top warehouses', TOP_WAREHOUSES_SQL(scope.sql), current),
          'warehouse_id',
          'warehouse_name',
        );
  const byTeam =
    target.kind === 'workspace' || target.kind === 'tag'
      ? (await run(deps, ran, 'spend per team', BY_TEAM_SQL(scope.sql), current)).map((r) => ({
          team: str(r, 'team') ?? null,
          usd: num(r, 'usd'),
        }))
      : [];
  const newestRows = await run(deps, ran, 'newest billing record', NEWEST_SQL, {
    workspace_id: deps.workspaceId,
    since_date: dateParam(options.nowMs - FRESHNESS_LOOKBACK_DAYS * DAY_MS),
  });
  const newest = newestRows[0] === undefined ? undefined : str(newestRows[0], 'newest');
  const newestRecordMs = newest === undefined ? null : Date.parse(newest);

  return {
    target,
    period,
    usd,
    dbus,
    previousUsd,
    daily: everyDay(period, days),
    topJobs,
    topWarehouses,
    byTeam,
    budget: options.budget
      ? budgetStatus(options.budget, monthToDateUsd, month, options.nowMs, period.timeZone)
      : null,
    newestRecordMs: newestRecordMs !== null && Number.isFinite(newestRecordMs) ? newestRecordMs : null,
    statements: ran,
  };
}

/** The period's days in order, zero where nothing was billed, so the chart's gaps show as zero. */
function everyDay(
  period: CostPeriod,
  days: ReadonlyMap<string, { usd: number; dbus: number }>,
): DailySpend[] {
  const out: DailySpend[] = [];
  for (let i = 0; i < 400; i++) {
    // The first day may have begun before the period (a rolling "past 7 days"): it is charted whole-named.
    const start = i === 0 ? period.fromMs : zonedMidnight(period.fromMs, i, period.timeZone);
    if (start >= period.toMs) break;
    const day = zonedDay(start, period.timeZone);
    const sum = days.get(day);
    out.push({ day, usd: sum?.usd ?? 0, dbus: sum?.dbus ?? 0 });
  }
  return out;
}

function budgetStatus(
  budget: { key: string; monthlyUsd: number },
  monthToDateUsd: number,
  month: number,
  nowMs: number,
  timeZone: string,
): BudgetStatus {
  const next = monthStart(month + 32 * DAY_MS, timeZone);
  const elapsed = Math.max(nowMs - month, 1);
  return {
    key: budget.key,
    monthlyUsd: budget.monthlyUsd,
    monthToDateUsd,
    month: zonedDay(month, timeZone).slice(0, 7),
    projectedUsd: monthToDateUsd * ((next - month) / elapsed),
  };
}
