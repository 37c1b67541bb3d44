import type { SqlParam, SqlValue } from '../../databricks/warehouse.js';
import type { ErrorKind, Filter, IntentName, Product, Slots } from './intent-router.js';
import { previousPeriod, type Period } from './time-words.js';
import { CURRENT_JOBS, CURRENT_PIPELINES } from './workspace-names.js';

/**
 * One SQL template per intent, with its summary and follow-ups. Templates only ever hold `:name`
 * markers; every value (team, job id, table, period) is bound, never spliced, and the statement still
 * passes the SQL guard like any other.
 */
export interface IntentContext {
  readonly slots: Slots;
  readonly period: Period;
  readonly nowMs: number;
  /** A running warehouse without a query for this long is idle (policy `thresholds`). */
  readonly idleMinutes: number;
  /** A query running this long is long-running (policy `thresholds.runaway_query_minutes`). */
  readonly longQueryMinutes: number;
  /**
   * The workspace the answer is about. The system tables hold every workspace of the account (region),
   * so every statement filters each system table it reads by `workspace_id = :workspace_id`, bound by
   * the analyst (`workspaceParam`) — never spliced.
   */
  readonly workspaceId: string;
  /**
   * Where the workspace's billing records start (epoch ms), for the intents that read them; null when
   * it has none. Before it, a period is not covered, and its spend is unknown, not $0.
   */
  readonly billingFrom?: number | null;
  /** The period a question compares its own with ("yesterday vs Friday"); else the period just before. */
  readonly against?: Period;
}

interface IntentQuery {
  readonly sql: string;
  readonly params: Readonly<Record<string, SqlParam>>;
}

export type Row = Readonly<Record<string, SqlValue>>;

export interface FollowUp {
  readonly label: string;
  readonly question: string;
}

interface IntentSpec {
  /** The default period when the question names none, in hours. */
  readonly defaultHours: number;
  /** What this intent answers, for "here is what I can answer". */
  readonly example: string;
  /** Whether the intent reads a period at all (a setting like auto-stop does not). */
  readonly usesPeriod: boolean;
  /** The filters its statement keeps; a question with another is declined, never answered without it. */
  readonly honours: readonly Filter[];
  /** Why its statement cannot keep a person, said when a question names one ("jobs owned by …"). */
  readonly noPerson?: string;
  /** Whether its answer is about one job: a question naming several gets one answer per job, joined. */
  readonly perJob?: true;
  /** The question it answers about one named job, offered when a question about that job is declined. */
  readonly askAbout?: (job: string) => string;
  /** Whether it reads `system.billing.usage`: its answer says when the period lies before that data. */
  readonly readsBilling?: true;
  /**
   * The one statement that answers it; absent for an intent computed by a shared module from several
   * (SLA misses: `src/agents/sla/`, the same SLAs the digest counts).
   */
  readonly query?: (ctx: IntentContext) => IntentQuery;
  readonly summary: (rows: readonly Row[], ctx: IntentContext) => string;
  readonly followUps: (rows: readonly Row[], ctx: IntentContext) => FollowUp[];
}

const FAILED = "('FAILED', 'ERROR', 'TIMED_OUT')";

const ts = (ms: number): SqlParam => new Date(ms);
const day = (ms: number): SqlParam => ({ value: new Date(ms).toISOString().slice(0, 10), type: 'DATE' });
const periodParams = (p: Period) => ({ start: ts(p.startMs), end: ts(p.endMs) });

const num = (v: SqlValue | undefined): number => (typeof v === 'number' ? v : Number(v ?? 0) || 0);
const str = (v: SqlValue | undefined): string => (v === null || v === undefined ? '' : String(v));
const usd = (n: number): string =>
  `$${n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const plural = (n: number, word: string, many = `${word}s`) =>
  `${n.toLocaleString('en-US')} ${n === 1 ? word : many}`;
const sum = (rows: readonly Row[], key: string) => rows.reduce((s, r) => s + num(r[key]), 0);
const top = (rows: readonly Row[], key: string, n = 3) =>
  rows
    .slice(0, n)
    .map((r) => str(r[key]))
    .filter((s) => s !== '');

/**
 * The price valid when each usage record started, joined the way Databricks documents it, of the
 * product, serverless compute and warehouse the question names.
 */
const pricedUsage = (slots: Slots) => `SELECT u.*, u.usage_quantity * p.pricing.effective_list.default AS usd
    FROM system.billing.usage u
    JOIN system.billing.list_prices p
      ON u.sku_name = p.sku_name AND u.cloud = p.cloud AND u.usage_unit = p.usage_unit
     AND u.usage_start_time >= p.price_start_time
     AND (p.price_end_time IS NULL OR u.usage_start_time < p.price_end_time)
    WHERE u.workspace_id = :workspace_id AND u.usage_date >= :start_date AND u.usage_date <= :end_date
      AND u.usage_start_time >= :start AND u.usage_start_time < :end${
        slots.product === undefined ? '' : ' AND u.billing_origin_product = :product'
      }${slots.serverless ? ' AND u.product_features.is_serverless' : ''}${
        slots.photon ? ' AND u.product_features.is_photon' : ''
      }${
        slots.warehouse === undefined ? '' : ' AND u.usage_metadata.warehouse_id = :warehouse_id'
      }${slots.cluster === undefined ? '' : ' AND u.usage_metadata.cluster_id = :cluster_id'}${
        slots.pipeline === undefined ? '' : ' AND u.usage_metadata.dlt_pipeline_id = :pipeline_id'
      }`;

/** Where the workspace's billing records start: a period before it is not covered. */
export const BILLING_COVERAGE = `SELECT min(usage_start_time) AS data_from
FROM system.billing.usage WHERE workspace_id = :workspace_id`;

/**
 * Where the history an intent reads starts, for a question comparing two periods ("this week vs last
 * week"): a period before it is not covered, and "no failed runs last week" would be no answer.
 */
const historyFrom = (table: string, column: string, what: string) => ({
  sql: `SELECT min(${column}) AS data_from FROM ${table} WHERE workspace_id = :workspace_id`,
  what,
});
const RUN_HISTORY = historyFrom('system.lakeflow.job_run_timeline', 'period_start_time', 'the run history');
const QUERY_HISTORY = historyFrom('system.query.history', 'start_time', 'the query history');
export const HISTORY_START: Partial<Record<IntentName, { readonly sql: string; readonly what: string }>> = {
  failures: RUN_HISTORY,
  why_failed: RUN_HISTORY,
  job_status: RUN_HISTORY,
  job_duration: RUN_HISTORY,
  sla_misses: RUN_HISTORY,
  expensive_queries: QUERY_HISTORY,
  expensive_users: QUERY_HISTORY,
  pipeline_status: historyFrom(
    'system.lakeflow.pipeline_update_timeline',
    'period_start_time',
    "the pipelines' update history",
  ),
  table_access: historyFrom('system.access.table_lineage', 'event_time', 'the lineage history'),
  downstream: historyFrom('system.access.table_lineage', 'event_time', 'the lineage history'),
};

/** A period that starts this long after the billing data does is still covered: records are hourly. */
const COVERAGE_SLACK_MS = 3_600_000;
const coveredFrom = (ctx: IntentContext, startMs: number): boolean =>
  ctx.billingFrom !== undefined && ctx.billingFrom !== null && ctx.billingFrom <= startMs + COVERAGE_SLACK_MS;
const instant = (ms: number) => `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/**
 * What to add to a billing answer whose period starts before the billing data: where the data starts
 * (or that there is none), so a figure is not read as the whole period's.
 */
const billingStart = (ctx: IntentContext): string => {
  if (ctx.billingFrom === undefined || coveredFrom(ctx, ctx.period.startMs)) return '';
  return ctx.billingFrom === null
    ? 'the workspace has no billing records'
    : `the billing data starts ${instant(ctx.billingFrom)}`;
};
const billingNote = (ctx: IntentContext): string => {
  const start = billingStart(ctx);
  return start === '' ? '' : ` (${start})`;
};

const pricedParams = (p: Period) => ({
  ...periodParams(p),
  start_date: day(p.startMs),
  end_date: day(p.endMs),
});

const changeText = (now: number, before: number): string => {
  if (before === 0) return now === 0 ? 'unchanged' : 'new';
  const pct = ((now - before) / before) * 100;
  return `${pct >= 0 ? '+' : ''}${pct.toFixed(0)} %`;
};

/** `:job_id_0, :job_id_1`: one bound marker per name a question gives, never a value spliced in. */
const markers = (prefix: string, count: number): string =>
  Array.from({ length: count }, (_, i) => `:${prefix}_${i}`).join(', ');
const listParams = (prefix: string, values: readonly string[]): Record<string, SqlParam> =>
  Object.fromEntries(values.map((v, i) => [`${prefix}_${i}`, v]));
const jobFilter = (slots: Slots, column = 'r.job_id') =>
  slots.jobs === undefined ? '' : ` AND ${column} IN (${markers('job_id', slots.jobs.length)})`;
const teamFilter = (slots: Slots, column: string) =>
  slots.teams === undefined ? '' : ` AND ${column} IN (${markers('team', slots.teams.length)})`;
/**
 * Jobs a person owns — the identity a job runs as, or its creator, on the job's latest row — read apart
 * from the job names, so only a question naming a person needs those newer columns.
 */
const jobOwnerFilter = (slots: Slots, column: string) =>
  slots.user === undefined
    ? ''
    : ` AND ${column} IN (SELECT job_id FROM system.lakeflow.jobs WHERE workspace_id = :workspace_id
    QUALIFY row_number() OVER (PARTITION BY workspace_id, job_id ORDER BY change_time DESC) = 1
      AND :user_name IN (run_as_user_name, creator_user_name))`;
const warehouseFilter = (slots: Slots, column: string) =>
  slots.warehouse === undefined ? '' : ` AND ${column} = :warehouse_id`;
const slotParams = (slots: Slots): Record<string, SqlParam> => ({
  ...listParams(
    'job_id',
    (slots.jobs ?? []).map((j) => j.id),
  ),
  ...listParams('team', slots.teams ?? []),
  ...(slots.table === undefined ? {} : { table_name: slots.table }),
  ...(slots.warehouse === undefined ? {} : { warehouse_id: slots.warehouse.id }),
  ...(slots.cluster === undefined ? {} : { cluster_id: slots.cluster.id }),
  ...(slots.product === undefined ? {} : { product: slots.product }),
  ...(slots.user === undefined ? {} : { user_name: slots.user }),
  ...(slots.pipeline === undefined ? {} : { pipeline_id: slots.pipeline.id }),
});

const userFilter = (slots: Slots) => (slots.user === undefined ? '' : ' AND executed_by = :user_name');

/**
 * How the run timeline tells a kind of failure apart (`ERROR_KINDS`), and how an answer names it.
 * Fixed SQL per kind: nothing typed reaches the statement.
 */
const ERROR_KIND_SQL: Readonly<Record<ErrorKind, { readonly where: string; readonly words: string }>> = {
  timeout: { where: "r.result_state = 'TIMED_OUT'", words: 'that timed out' },
  cluster: {
    where: "r.termination_code IN ('CLUSTER_ERROR', 'CLOUD_FAILURE')",
    words: 'that could not get a cluster (CLUSTER_ERROR, CLOUD_FAILURE)',
  },
};
const errorKindFilter = (slots: Slots) =>
  slots.errorKind === undefined ? '' : ` AND ${ERROR_KIND_SQL[slots.errorKind].where}`;

/** How an answer names a product (`billing_origin_product`). */
const PRODUCT_LABELS: Readonly<Record<Product, string>> = {
  SQL: 'SQL warehouses',
  JOBS: 'jobs compute',
  DLT: 'DLT pipelines',
  MODEL_SERVING: 'model serving',
  ALL_PURPOSE: 'all-purpose compute',
  VECTOR_SEARCH: 'vector search',
};

/** "a", "a and b", "a, b and c". */
export const andList = (items: readonly string[]): string =>
  items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;

/** An SLA miss's filters: a table's own deadline ("of main.finance.daily_revenue"), then the jobs'. */
const slaScope = (slots: Slots): string =>
  `${slots.table === undefined ? '' : ` of ${slots.table}`}${scope(slots, ' of jobs')}`;

/**
 * What an answer is narrowed to, as its summary says it: " of team finance on serverless SQL
 * warehouses". A person ran what the query history holds (" by bob@…"); of jobs, pipelines and
 * clusters they are the owner, said after `ownedLead` (" of jobs") or in brackets after the names.
 */
const scope = (slots: Slots, ownedLead?: string): string => {
  const whose =
    slots.jobs !== undefined
      ? ` of ${andList(slots.jobs.map((j) => j.name))}`
      : slots.pipeline !== undefined
        ? ` of pipeline ${slots.pipeline.name}`
        : slots.teams !== undefined
          ? ` of ${slots.teams.length === 1 ? 'team' : 'teams'} ${andList(slots.teams)}`
          : '';
  const person =
    slots.user === undefined
      ? ''
      : ownedLead === undefined
        ? ` by ${slots.user}`
        : whose === ''
          ? `${ownedLead} owned by ${slots.user}`
          : ` (owned by ${slots.user})`;
  const kind = slots.errorKind === undefined ? '' : ` ${ERROR_KIND_SQL[slots.errorKind].words}`;
  const where =
    slots.warehouse !== undefined
      ? ` on warehouse ${slots.warehouse.name}`
      : slots.cluster !== undefined
        ? ` on cluster ${slots.cluster.name}`
        : '';
  const product =
    slots.product === undefined && !slots.serverless && !slots.photon
      ? ''
      : ` on ${slots.serverless ? 'serverless ' : ''}${slots.photon ? 'Photon ' : ''}${slots.product === undefined ? 'compute' : PRODUCT_LABELS[slots.product]}`;
  return `${whose}${person}${kind}${where}${product}`;
};

/** The period spend is compared with: the one the question names, or the one just before its own. */
const comparedWith = (ctx: IntentContext): Period => ctx.against ?? previousPeriod(ctx.period);

/** Spend is split by team unless one team is asked about: then by product, to say where its money went. */
const byTeams = (slots: Slots): boolean => slots.teams === undefined || slots.teams.length > 1;
/** What spend is split by: Photon or not when asked, else teams, or one team's products. */
const lead = (slots: Slots): string => (slots.byPhoton ? 'compute' : byTeams(slots) ? 'team' : 'product');

/** A run is several timeline slices; these give one row per run. */
const RUNS = `SELECT job_id, run_id, min(period_start_time) AS started, max(period_end_time) AS ended,
      max_by(result_state, period_end_time) AS result_state,
      max_by(termination_code, period_end_time) AS termination_code,
      round((unix_timestamp(max(period_end_time)) - unix_timestamp(min(period_start_time))) / 60.0, 1) AS minutes
    FROM system.lakeflow.job_run_timeline
    WHERE workspace_id = :workspace_id AND period_end_time >= :start AND period_start_time < :end
    GROUP BY job_id, run_id`;

const PIPELINE_FAILED = "('FAILED', 'ERROR')";

export const INTENT_SPECS: Readonly<Record<IntentName, IntentSpec>> = {
  failures: {
    honours: ['teams', 'jobs', 'errorKind', 'user'],
    defaultHours: 24,
    usesPeriod: true,
    example: 'what failed last night? (by job or by team)',
    query: ({ slots, period }) => ({
      sql: slots.byTeam
        ? `WITH jobs AS (${CURRENT_JOBS}), runs AS (${RUNS})
SELECT coalesce(j.team, '(no team)') AS team, count(*) AS failures, count(DISTINCT r.job_id) AS jobs,
       max(r.ended) AS last_failure
FROM runs r LEFT JOIN jobs j ON j.job_id = r.job_id
WHERE r.result_state IN ${FAILED} AND r.ended >= :start AND r.ended < :end${errorKindFilter(slots)}${jobOwnerFilter(slots, 'r.job_id')}
GROUP BY 1 ORDER BY failures DESC, team`
        : `WITH jobs AS (${CURRENT_JOBS}), runs AS (${RUNS})
SELECT coalesce(j.name, r.job_id) AS job, j.team AS team, count(*) AS failures, max(r.ended) AS last_failure,
       max_by(r.termination_code, r.ended) AS last_code
FROM runs r LEFT JOIN jobs j ON j.job_id = r.job_id
WHERE r.result_state IN ${FAILED} AND r.ended >= :start AND r.ended < :end${jobFilter(slots)}${teamFilter(slots, 'j.team')}${errorKindFilter(slots)}${jobOwnerFilter(slots, 'r.job_id')}
GROUP BY 1, 2 ORDER BY failures DESC, last_failure DESC`,
      params: { ...periodParams(period), ...slotParams(slots) },
    }),
    summary: (rows, { slots, period }) => {
      const total = sum(rows, 'failures');
      if (total === 0) return `No failed runs${scope(slots, ' of jobs')} ${period.label}.`;
      const key = slots.byTeam ? 'team' : 'job';
      const count = slots.byTeam ? plural(rows.length, 'team') : plural(rows.length, 'job');
      return `${plural(total, 'failed run')}${scope(slots, ' of jobs')} ${period.label} across ${count}; most: ${top(rows, key).join(', ')}.`;
    },
    followUps: (rows, { slots }) => {
      const first = str(rows[0]?.job);
      return [
        ...(first !== '' && !slots.byTeam ? [ask(`Why did ${first} fail?`)] : []),
        ...(slots.byTeam ? [] : [ask('Failures by team', 'failures by team')]),
        ask('SLA misses', 'SLA misses'),
      ];
    },
  },

  why_failed: {
    honours: ['jobs'],
    perJob: true,
    defaultHours: 7 * 24,
    usesPeriod: true,
    example: 'why did finance_orders_daily fail?',
    askAbout: (job) => `why did ${job} fail?`,
    noPerson: "a named job's runs are that job's, whoever owns it",
    query: ({ slots, period }) => ({
      sql: `WITH runs AS (${RUNS})
SELECT r.run_id, r.ended, r.result_state, r.termination_code, t.task_key, t.termination_code AS task_code,
       t.run_id AS task_run_id
FROM runs r
LEFT JOIN system.lakeflow.job_task_run_timeline t
  ON t.workspace_id = :workspace_id AND t.job_run_id = r.run_id AND t.result_state IN ${FAILED}
WHERE r.result_state IN ${FAILED}${jobFilter(slots)} AND r.ended >= :start AND r.ended < :end
ORDER BY r.ended DESC`,
      params: { ...periodParams(period), ...slotParams(slots) },
    }),
    summary: (rows, { slots, period }) => {
      const job = slots.jobs?.[0]?.name ?? 'The job';
      if (rows.length === 0) return `${job} did not fail ${period.label}.`;
      const last = rows[0]!;
      const task = str(last.task_key);
      return `${job} last failed at ${str(last.ended).slice(0, 16).replace('T', ' ')} UTC (run ${str(last.run_id)})${task === '' ? '' : ` in task ${task}`}: ${str(last.task_code) || str(last.termination_code) || str(last.result_state)}; ${plural(new Set(rows.map((r) => str(r.run_id))).size, 'failed run')} ${period.label}.`;
    },
    followUps: (_rows, { slots }) => [
      ask(`Status of ${slots.jobs?.[0]?.name ?? ''}`),
      ask(`How long does ${slots.jobs?.[0]?.name ?? ''} take?`),
    ],
  },

  job_status: {
    // A person only of every job's runs: a named job's runs are that job's (`noPerson`).
    honours: ['jobs', 'teams', 'user'],
    perJob: true,
    defaultHours: 7 * 24,
    usesPeriod: true,
    example: 'how is finance_orders_daily doing? (or: which jobs ran at 3am)',
    askAbout: (job) => `how is ${job} doing?`,
    noPerson: "a named job's runs are that job's, whoever owns it",
    query: ({ slots, period }) => ({
      // No job named ("the 3am jobs", "which jobs ran overnight"): every job's runs in the period,
      // those that ran during it — started before its end and ended after its start.
      sql:
        slots.jobs === undefined
          ? `WITH jobs AS (${CURRENT_JOBS}), runs AS (${RUNS})
SELECT coalesce(j.name, r.job_id) AS job, j.team AS team, count(*) AS runs,
       sum(CASE WHEN r.result_state IN ${FAILED} THEN 1 ELSE 0 END) AS failed,
       min(r.started) AS first_start, max(r.ended) AS last_end, round(avg(r.minutes), 1) AS avg_minutes
FROM runs r LEFT JOIN jobs j ON j.job_id = r.job_id
WHERE r.started < :end AND r.ended >= :start${teamFilter(slots, 'j.team')}${jobOwnerFilter(slots, 'r.job_id')}
GROUP BY 1, 2 ORDER BY runs DESC, job`
          : `WITH jobs AS (${CURRENT_JOBS}), runs AS (${RUNS})
SELECT r.run_id, r.started, r.ended, r.result_state, r.termination_code, r.minutes
FROM runs r LEFT JOIN jobs j ON j.job_id = r.job_id
WHERE r.ended >= :start AND r.ended < :end${jobFilter(slots)}${teamFilter(slots, 'j.team')}
ORDER BY r.ended DESC`,
      params: { ...periodParams(period), ...slotParams(slots) },
    }),
    summary: (rows, { slots, period }) => {
      if (slots.jobs === undefined) {
        const runs = sum(rows, 'runs');
        // Owned: the identity a job runs as or its creator; who pressed "Run now" is in no system table.
        const whose =
          slots.user === undefined
            ? ''
            : ` (the system tables record who a job runs as and who created it, not who started a run)`;
        if (runs === 0) return `No runs${scope(slots, ' of jobs')} ${period.label}${whose}.`;
        return `${plural(runs, 'run')} of ${plural(rows.length, 'job')}${scope(slots, '')} ${period.label}, ${sum(rows, 'failed')} failed; most: ${rows
          .slice(0, 3)
          .map((r) => `${str(r.job)} (${num(r.runs)})`)
          .join(', ')}${whose}.`;
      }
      const job = slots.jobs[0]?.name ?? 'The job';
      if (rows.length === 0) return `${job} has no finished runs ${period.label}.`;
      const failed = rows.filter((r) =>
        ['FAILED', 'ERROR', 'TIMED_OUT'].includes(str(r.result_state)),
      ).length;
      const last = rows[0]!;
      const minutes = rows.map((r) => num(r.minutes)).sort((a, b) => a - b);
      const median = minutes[Math.floor(minutes.length / 2)] ?? 0;
      return `${job}: last run ${str(last.result_state)} at ${str(last.ended).slice(0, 16).replace('T', ' ')} UTC; ${failed} of ${plural(rows.length, 'run')} failed ${period.label}; median ${median} min.`;
    },
    followUps: (rows, { slots, period }) =>
      slots.jobs === undefined
        ? [
            ...(rows[0] === undefined ? [] : [ask(`Status of ${str(rows[0].job)}`)]),
            ask('What failed then', `what failed ${period.label}`),
          ]
        : [
            ask(`Why did ${slots.jobs[0]?.name ?? ''} fail?`),
            ask(`Duration trend of ${slots.jobs[0]?.name ?? ''}`),
          ],
  },

  job_duration: {
    honours: ['jobs'],
    perJob: true,
    defaultHours: 7 * 24,
    usesPeriod: true,
    example: 'is finance_orders_daily getting slower?',
    askAbout: (job) => `is ${job} getting slower?`,
    noPerson: "a named job's runs are that job's, whoever owns it",
    query: ({ slots, period }) => ({
      sql: `WITH runs AS (${RUNS})
SELECT to_date(r.ended) AS day, count(*) AS runs, round(avg(r.minutes), 1) AS avg_minutes,
       round(max(r.minutes), 1) AS max_minutes
FROM runs r
WHERE r.ended >= :start AND r.ended < :end AND r.result_state IS NOT NULL${jobFilter(slots)}
GROUP BY 1 ORDER BY day`,
      params: { ...periodParams(period), ...slotParams(slots) },
    }),
    summary: (rows, { slots, period }) => {
      const job = slots.jobs?.[0]?.name ?? 'The job';
      if (rows.length === 0) return `${job} has no finished runs ${period.label}.`;
      const first = num(rows[0]?.avg_minutes);
      const last = num(rows.at(-1)?.avg_minutes);
      return `${job} ran ${plural(sum(rows, 'runs'), 'time')} ${period.label}; average ${last} min on the last day against ${first} min on the first (${changeText(last, first)}).`;
    },
    followUps: (_rows, { slots }) => [ask(`Status of ${slots.jobs?.[0]?.name ?? ''}`)],
  },

  sla_misses: {
    honours: ['teams', 'jobs', 'user', 'table'],
    defaultHours: 7 * 24,
    usesPeriod: true,
    example: 'which SLAs did we miss this week?',
    // Rows: the missed deadlines (`slaMissRows`), judged by `src/agents/sla/sla-compliance.ts`.
    summary: (rows, { slots, period }) =>
      rows.length === 0
        ? `No SLA missed${slaScope(slots)} ${period.label}.`
        : `${plural(rows.length, 'SLA miss', 'SLA misses')}${slaScope(slots)} ${period.label}: ${[
            ...new Set(
              rows.map((r) => (str(r.job) === '' ? str(r.table) : `${str(r.table)} (${str(r.job)})`)),
            ),
          ]
            .slice(0, 3)
            .join(', ')}.`,
    followUps: (rows) => {
      const first = str(rows.find((r) => str(r.job) !== '')?.job);
      return first === '' ? [ask('Failures', 'what failed?')] : [ask(`Why did ${first} fail?`)];
    },
  },

  expensive_jobs: {
    honours: ['teams', 'jobs', 'product', 'serverless', 'photon', 'user'],
    readsBilling: true,
    defaultHours: 7 * 24,
    usesPeriod: true,
    example: 'most expensive jobs this week',
    query: ({ slots, period }) => ({
      sql: `WITH jobs AS (${CURRENT_JOBS}), usage AS (${pricedUsage(slots)})
SELECT coalesce(j.name, u.usage_metadata.job_id) AS job, j.team AS team, round(sum(u.usd), 2) AS usd,
       round(sum(u.usage_quantity), 2) AS dbus
FROM usage u LEFT JOIN jobs j ON j.job_id = u.usage_metadata.job_id
WHERE u.usage_metadata.job_id IS NOT NULL${teamFilter(slots, 'j.team')}${jobFilter(slots, 'u.usage_metadata.job_id')}${jobOwnerFilter(slots, 'u.usage_metadata.job_id')}
GROUP BY 1, 2 ORDER BY usd DESC`,
      params: { ...pricedParams(period), ...slotParams(slots) },
    }),
    summary: (rows, ctx) => {
      const { slots, period } = ctx;
      if (rows.length === 0)
        return `No job spend${scope(slots, ' of jobs')} ${period.label}${billingNote(ctx)}.`;
      if (slots.jobs?.length === 1)
        return `${slots.jobs[0]?.name} cost ${usd(sum(rows, 'usd'))} (${sum(rows, 'dbus').toFixed(2)} DBUs) ${period.label}${billingNote(ctx)}.`;
      return `Jobs${scope(slots, '')} cost ${usd(sum(rows, 'usd'))} ${period.label}${billingNote(ctx)}; the most: ${rows
        .slice(0, 3)
        .map((r) => `${str(r.job)} ${usd(num(r.usd))}`)
        .join(', ')}.`;
    },
    followUps: () => [
      ask('Spend by team', 'spend by team week over week'),
      ask('Untagged spend', 'untagged spend'),
    ],
  },

  expensive_queries: {
    honours: ['warehouse', 'user'],
    defaultHours: 7 * 24,
    usesPeriod: true,
    example: 'most expensive queries yesterday',
    query: ({ slots, period }) => ({
      sql: `SELECT statement_id, executed_by, compute.warehouse_id AS warehouse_id,
       round(total_duration_ms / 60000.0, 1) AS minutes, round(read_bytes / 1e9, 2) AS read_gb,
       execution_status, substr(statement_text, 1, 120) AS statement
FROM system.query.history
WHERE workspace_id = :workspace_id AND start_time >= :start AND start_time < :end${warehouseFilter(slots, 'compute.warehouse_id')}${userFilter(slots)}
ORDER BY total_duration_ms DESC`,
      params: { ...periodParams(period), ...slotParams(slots) },
    }),
    summary: (rows, { slots, period }) =>
      rows.length === 0
        ? `No queries${scope(slots)} ${period.label}.`
        : `The longest query${scope(slots)} ${period.label} ran ${num(rows[0]?.minutes)} min (${str(rows[0]?.executed_by)}); the top ${Math.min(rows.length, 10)} ran ${sum(rows.slice(0, 10), 'minutes').toFixed(1)} min together.`,
    followUps: () => [
      ask('Most expensive users', 'most expensive users'),
      ask('Long-running queries now', 'queries running long right now'),
    ],
  },

  expensive_users: {
    honours: ['warehouse', 'user'],
    defaultHours: 7 * 24,
    usesPeriod: true,
    example: 'who spends the most warehouse time?',
    // "How many queries ran on finance_wh": the statement counts them, one row, not a ranking.
    query: ({ slots, period }) => ({
      sql: slots.counted
        ? `SELECT count(*) AS queries, count(DISTINCT executed_by) AS people,
       round(coalesce(sum(total_duration_ms), 0) / 3600000.0, 2) AS hours
FROM system.query.history
WHERE workspace_id = :workspace_id AND start_time >= :start AND start_time < :end${warehouseFilter(slots, 'compute.warehouse_id')}${userFilter(slots)}`
        : `SELECT executed_by AS user_name, count(*) AS queries,
       round(sum(total_duration_ms) / 3600000.0, 2) AS hours, round(avg(total_duration_ms) / 1000.0, 1) AS avg_seconds,
       round(max(total_duration_ms) / 60000.0, 1) AS longest_minutes, round(sum(read_bytes) / 1e9, 2) AS read_gb
FROM system.query.history
WHERE workspace_id = :workspace_id AND start_time >= :start AND start_time < :end${warehouseFilter(slots, 'compute.warehouse_id')}${userFilter(slots)}
GROUP BY 1 ORDER BY ${slots.bySlowness ? 'avg_seconds' : 'hours'} DESC`,
      params: { ...periodParams(period), ...slotParams(slots) },
    }),
    summary: (rows, { slots, period }) =>
      slots.counted
        ? `${plural(sum(rows, 'queries'), 'query', 'queries')} ran${scope(slots)} ${period.label}${
            sum(rows, 'queries') === 0
              ? ''
              : `, by ${plural(sum(rows, 'people'), 'person', 'people')}: ${sum(rows, 'hours').toFixed(2)} h of warehouse time`
          }.`
        : rows.length === 0
          ? `No queries${scope(slots)} ${period.label}.`
          : slots.user !== undefined
            ? `${slots.user} ran ${plural(sum(rows, 'queries'), 'query', 'queries')}${scope({ ...slots, user: undefined })} ${period.label}: ${sum(rows, 'hours').toFixed(2)} h of warehouse time, ${sum(rows, 'read_gb').toFixed(2)} GB read.`
            : slots.bySlowness
              ? `${plural(rows.length, 'person', 'people')} ran queries${scope(slots)} ${period.label}; the slowest queries on average: ${rows
                  .slice(0, 3)
                  .map(
                    (r) =>
                      `${str(r.user_name)} ${num(r.avg_seconds)} s a query (longest ${num(r.longest_minutes)} min)`,
                  )
                  .join(', ')}.`
              : `${plural(rows.length, 'person', 'people')} ran queries${scope(slots)} ${period.label}; the most warehouse time: ${rows
                  .slice(0, 3)
                  .map((r) => `${str(r.user_name)} ${num(r.hours)} h`)
                  .join(', ')}.`,
    followUps: () => [ask('Most expensive queries', 'most expensive queries')],
  },

  spend_by_team: {
    honours: ['teams', 'product', 'serverless', 'photon', 'warehouse', 'cluster', 'pipeline'],
    readsBilling: true,
    defaultHours: 7 * 24,
    usesPeriod: true,
    example: 'spend by team week over week',
    noPerson:
      'the bill names no person for what SQL warehouses and shared clusters cost; their warehouse time is what I can give',
    query: (ctx) => {
      const { slots, period } = ctx;
      const before = comparedWith(ctx);
      const whole = {
        ...period,
        startMs: Math.min(before.startMs, period.startMs),
        endMs: Math.max(before.endMs, period.endMs),
      };
      const group = slots.byPhoton
        ? "CASE WHEN product_features.is_photon THEN 'Photon' ELSE 'non-Photon' END"
        : byTeams(slots)
          ? "coalesce(custom_tags['team'], '(untagged)')"
          : 'billing_origin_product';
      const inPeriod = 'usage_start_time >= :period_start AND usage_start_time < :period_end';
      return {
        sql: `WITH usage AS (${pricedUsage(slots)})
SELECT ${group} AS ${lead(slots)},
       round(sum(CASE WHEN ${inPeriod} THEN usd ELSE 0 END), 2) AS usd,
       round(sum(CASE WHEN usage_start_time >= :before_start AND usage_start_time < :before_end THEN usd ELSE 0 END), 2) AS previous_usd,
       round(sum(CASE WHEN ${inPeriod} THEN usage_quantity ELSE 0 END), 2) AS dbus
FROM usage
WHERE 1 = 1${teamFilter(slots, "custom_tags['team']")}
GROUP BY 1 ORDER BY usd DESC`,
        params: {
          ...pricedParams(whole),
          period_start: ts(period.startMs),
          period_end: ts(period.endMs),
          before_start: ts(before.startMs),
          before_end: ts(before.endMs),
          ...slotParams(slots),
        },
      };
    },
    summary: (rows, ctx) => {
      const { slots, period } = ctx;
      // Covered at all: the data starts before the period ends (one that ends as it starts holds none of it).
      if (!coveredFrom(ctx, period.endMs - COVERAGE_SLACK_MS - 1))
        // "does not cover 2026-11-03" or "October 2026", not "… cover on 2026-11-03" or "in October".
        return `The billing data does not cover ${period.label.replace(/^(?:on|in) /, '')}${billingNote(ctx)}: its spend${scope(slots)} is unknown.`;
      const now = sum(rows, 'usd');
      const before = sum(rows, 'previous_usd');
      // Before the billing data starts, the spend is unknown, not $0: no comparison is made with it.
      const earlier = comparedWith(ctx);
      const compared = coveredFrom(ctx, earlier.startMs);
      const beforeWords = ctx.against === undefined ? 'the period before' : earlier.label;
      // "; Thursday is not covered", not "; on Thursday is not covered".
      const uncoveredWords = beforeWords.replace(/^(?:on|in) /, '');
      if (now === 0 && (before === 0 || !compared))
        return `No spend${scope(slots)} ${period.label}${billingNote(ctx)}.`;
      const start = billingStart(ctx);
      const against = compared
        ? ` against ${usd(before)} ${beforeWords} (${changeText(now, before)})`
        : start !== ''
          ? `; ${uncoveredWords} is not covered`
          : `; ${uncoveredWords} is not covered by the billing data${
              ctx.billingFrom === undefined || ctx.billingFrom === null
                ? ''
                : `, which starts ${instant(ctx.billingFrom)}`
            }`;
      // DBUs beside dollars: people ask in either ("how many dbus did we burn").
      const dbus = sum(rows, 'dbus').toLocaleString('en-US', { maximumFractionDigits: 2 });
      const head = `Spend${scope(slots)} ${period.label}: ${usd(now)} (${[`${dbus} DBUs`, start].filter((p) => p !== '').join('; ')})${against}`;
      if (slots.byPhoton) {
        // Both parts and each one's share of the whole, a part with no records at $0.
        const part = (name: string) => num(rows.find((r) => str(r.compute) === name)?.usd);
        const share = (name: string) => `${Math.round((100 * part(name)) / now)} %`;
        return `${head}; Photon ${usd(part('Photon'))} (${share('Photon')}), non-Photon ${usd(part('non-Photon'))} (${share('non-Photon')}).`;
      }
      return `${head}; the most: ${rows
        .slice(0, 3)
        .map(
          (r) =>
            `${str(r[lead(slots)])} ${usd(num(r.usd))}${compared ? ` (${changeText(num(r.usd), num(r.previous_usd))})` : ''}`,
        )
        .join(', ')}.`;
    },
    followUps: (_rows, { slots }) => [
      ask(
        'Most expensive jobs',
        slots.teams === undefined
          ? 'most expensive jobs'
          : `most expensive jobs of ${scope({ teams: slots.teams }).slice(4)}`,
      ),
      ask('Untagged spend', 'untagged spend'),
    ],
  },

  untagged_spend: {
    honours: ['product', 'serverless', 'photon', 'warehouse', 'cluster'],
    readsBilling: true,
    defaultHours: 7 * 24,
    usesPeriod: true,
    example: 'how much spend has no team tag?',
    noPerson: 'the bill names no person for what SQL warehouses and shared clusters cost',
    query: ({ slots, period }) => ({
      sql: `WITH usage AS (${pricedUsage(slots)})
SELECT billing_origin_product AS product,
       coalesce(usage_metadata.job_id, usage_metadata.warehouse_id, usage_metadata.cluster_id,
                usage_metadata.dlt_pipeline_id, '(none)') AS resource,
       round(sum(usd), 2) AS usd, round(sum(usage_quantity), 2) AS dbus
FROM usage WHERE custom_tags['team'] IS NULL
GROUP BY 1, 2 ORDER BY usd DESC`,
      params: { ...pricedParams(period), ...slotParams(slots) },
    }),
    summary: (rows, ctx) =>
      rows.length === 0
        ? `All spend${scope(ctx.slots)} ${ctx.period.label} carries a team tag${billingNote(ctx)}.`
        : `${usd(sum(rows, 'usd'))} of spend${scope(ctx.slots)} ${ctx.period.label} has no team tag${billingNote(ctx)}, from ${plural(rows.length, 'resource')}; the most: ${top(rows, 'resource').join(', ')}.`,
    followUps: () => [ask('Spend by team', 'spend by team week over week')],
  },

  idle_warehouses: {
    honours: ['warehouse'],
    defaultHours: 24,
    usesPeriod: true,
    example: 'which warehouses are idle or oversized?',
    noPerson: 'the system tables record no owner of a SQL warehouse',
    query: ({ slots, period, idleMinutes, nowMs }) => ({
      sql: `WITH wh AS (
  SELECT warehouse_id, warehouse_name, warehouse_size, auto_stop_minutes, max_clusters
  FROM system.compute.warehouses
  WHERE workspace_id = :workspace_id${warehouseFilter(slots, 'warehouse_id')}
  QUALIFY row_number() OVER (PARTITION BY workspace_id, warehouse_id ORDER BY change_time DESC) = 1
    AND delete_time IS NULL
), ev AS (
  SELECT warehouse_id, max_by(event_type, event_time) AS state, max(event_time) AS since
  FROM system.compute.warehouse_events WHERE workspace_id = :workspace_id AND event_time < :end GROUP BY 1
), q AS (
  SELECT compute.warehouse_id AS warehouse_id, count(*) AS queries, max(end_time) AS last_query,
         round(percentile_approx(total_duration_ms, 0.95) / 1000.0, 1) AS p95_seconds
  FROM system.query.history WHERE workspace_id = :workspace_id AND start_time >= :start AND start_time < :end GROUP BY 1
)
SELECT w.warehouse_name, w.warehouse_size, w.auto_stop_minutes, coalesce(e.state, 'UNKNOWN') AS state,
       coalesce(q.queries, 0) AS queries, q.last_query, q.p95_seconds,
       CASE
         WHEN e.state IN ('RUNNING', 'STARTING', 'SCALED_UP', 'SCALED_DOWN')
              AND coalesce(q.last_query, e.since) < :idle_since THEN 'idle'
         WHEN w.warehouse_size IN ('LARGE', 'X-LARGE', '2X-LARGE', '3X-LARGE', '4X-LARGE')
              AND coalesce(q.p95_seconds, 0) < 30 THEN 'oversized'
         ELSE 'ok'
       END AS finding
FROM wh w LEFT JOIN ev e ON e.warehouse_id = w.warehouse_id LEFT JOIN q ON q.warehouse_id = w.warehouse_id
ORDER BY CASE WHEN finding = 'ok' THEN 1 ELSE 0 END, w.warehouse_name`,
      params: { ...periodParams(period), idle_since: ts(nowMs - idleMinutes * 60_000), ...slotParams(slots) },
    }),
    summary: (rows, { slots, period, idleMinutes }) => {
      const idle = rows.filter((r) => r.finding === 'idle').map((r) => str(r.warehouse_name));
      const big = rows.filter((r) => r.finding === 'oversized').map((r) => str(r.warehouse_name));
      if (slots.warehouse !== undefined && idle.length + big.length === 0)
        return `Warehouse ${slots.warehouse.name} is neither idle nor oversized ${period.label}.`;
      if (idle.length + big.length === 0)
        return `None of ${plural(rows.length, 'warehouse')} is idle or oversized ${period.label}.`;
      const parts = [
        idle.length > 0 ? `idle (running, no query for ${idleMinutes} min): ${idle.join(', ')}` : '',
        big.length > 0 ? `oversized (large, 95 % of queries under 30 s): ${big.join(', ')}` : '',
      ].filter((p) => p !== '');
      return `${plural(idle.length + big.length, 'warehouse')} of ${rows.length} to look at: ${parts.join('; ')}.`;
    },
    followUps: () => [ask('Warehouses without auto-stop', 'warehouses without auto-stop')],
  },

  warehouses_without_autostop: {
    honours: ['warehouse'],
    defaultHours: 24,
    usesPeriod: false,
    example: 'which warehouses have no auto-stop?',
    noPerson: 'the system tables record no owner of a SQL warehouse',
    query: ({ slots }) => ({
      sql: `SELECT warehouse_name, warehouse_id, warehouse_size, warehouse_type, auto_stop_minutes, change_time AS changed
FROM system.compute.warehouses
WHERE workspace_id = :workspace_id AND coalesce(auto_stop_minutes, 0) = 0${warehouseFilter(slots, 'warehouse_id')}
QUALIFY row_number() OVER (PARTITION BY workspace_id, warehouse_id ORDER BY change_time DESC) = 1
  AND delete_time IS NULL
ORDER BY warehouse_name`,
      params: slotParams(slots),
    }),
    summary: (rows, { slots }) =>
      rows.length === 0
        ? slots.warehouse === undefined
          ? 'Every warehouse stops on its own when idle.'
          : `Warehouse ${slots.warehouse.name} stops on its own when idle.`
        : `${plural(rows.length, 'warehouse')} never stop${rows.length === 1 ? 's' : ''} on its own: ${top(rows, 'warehouse_name', 5).join(', ')}.`,
    followUps: () => [
      ask('Idle warehouses', 'idle warehouses'),
      ask('Clusters without auto-termination', 'clusters without auto-termination'),
    ],
  },

  clusters_without_autotermination: {
    honours: ['cluster', 'user'],
    defaultHours: 24,
    usesPeriod: false,
    example: 'which clusters never terminate?',
    query: ({ slots }) => ({
      sql: `SELECT cluster_name, cluster_id, owned_by, cluster_source, auto_termination_minutes, change_time AS changed
FROM system.compute.clusters
WHERE workspace_id = :workspace_id AND coalesce(auto_termination_minutes, 0) = 0 AND cluster_source NOT IN ('JOB', 'PIPELINE', 'PIPELINE_MAINTENANCE')${
        slots.cluster === undefined ? '' : ' AND cluster_id = :cluster_id'
      }${slots.user === undefined ? '' : ' AND owned_by = :user_name'}
QUALIFY row_number() OVER (PARTITION BY workspace_id, cluster_id ORDER BY change_time DESC) = 1
  AND delete_time IS NULL
ORDER BY cluster_name`,
      params: slotParams(slots),
    }),
    summary: (rows, { slots }) =>
      rows.length === 0
        ? slots.cluster === undefined
          ? `Every all-purpose cluster${scope(slots, '')} terminates on its own when idle.`
          : `Cluster ${slots.cluster.name}${scope({ ...slots, cluster: undefined }, '')} terminates on its own when idle.`
        : `${plural(rows.length, 'cluster')}${scope(slots, '')} never terminate${rows.length === 1 ? 's' : ''} on its own: ${top(rows, 'cluster_name', 5).join(', ')}.`,
    followUps: () => [ask('Warehouses without auto-stop', 'warehouses without auto-stop')],
  },

  long_queries_now: {
    honours: ['warehouse', 'user'],
    defaultHours: 24,
    usesPeriod: false,
    example: 'which queries are running long right now?',
    // Counted ("how many queries are running right now"), every statement running or queued counts,
    // however long it has run: the count of running queries, not of those running long.
    query: ({ slots, nowMs, longQueryMinutes }) => ({
      sql: `SELECT statement_id, executed_by, execution_status AS status, compute.warehouse_id AS warehouse_id, start_time,
       round((unix_timestamp(:now) - unix_timestamp(start_time)) / 60.0, 1) AS minutes,
       substr(statement_text, 1, 120) AS statement
FROM system.query.history
WHERE workspace_id = :workspace_id AND execution_status IN ('RUNNING', 'QUEUED', 'STARTED') AND start_time < :long_since
  AND start_time >= :recent${warehouseFilter(slots, 'compute.warehouse_id')}${userFilter(slots)}
ORDER BY start_time`,
      params: {
        now: ts(nowMs),
        long_since: ts(slots.counted ? nowMs + 1 : nowMs - longQueryMinutes * 60_000),
        recent: ts(nowMs - 7 * 86_400_000),
        ...slotParams(slots),
      },
    }),
    summary: (rows, { slots, longQueryMinutes }) => {
      if (slots.counted) {
        if (rows.length === 0) return `No query${scope(slots)} is running or queued now.`;
        const queued = rows.filter((r) => str(r.status) === 'QUEUED').length;
        return `${plural(rows.length - queued, 'query', 'queries')}${scope(slots)} running now${
          queued === 0 ? '' : `, ${queued} more queued`
        }; the longest ${num(rows[0]?.minutes)} min by ${str(rows[0]?.executed_by)}.`;
      }
      return rows.length === 0
        ? `No query${scope(slots)} has been running longer than ${longQueryMinutes} min.`
        : `${plural(rows.length, 'query', 'queries')}${scope(slots)} running longer than ${longQueryMinutes} min; the longest ${num(rows[0]?.minutes)} min by ${str(rows[0]?.executed_by)}.`;
    },
    followUps: () => [ask('Most expensive queries', 'most expensive queries today')],
  },

  table_access: {
    honours: ['table', 'user'],
    defaultHours: 7 * 24,
    usesPeriod: true,
    example: 'who read or changed main.finance.orders?',
    query: ({ slots, period }) => ({
      sql: `SELECT * FROM (SELECT event_time, 'read' AS action, created_by AS who, entity_type, entity_id
FROM system.access.table_lineage
WHERE workspace_id = :workspace_id AND source_table_full_name = :table_name AND event_date >= :start_date AND event_time >= :start AND event_time < :end
UNION ALL
SELECT event_time, 'wrote' AS action, created_by AS who, entity_type, entity_id
FROM system.access.table_lineage
WHERE workspace_id = :workspace_id AND target_table_full_name = :table_name AND event_date >= :start_date AND event_time >= :start AND event_time < :end
UNION ALL
SELECT event_time, action_name AS action, user_identity.email AS who, service_name AS entity_type,
       request_params['securable_type'] AS entity_id
FROM system.access.audit
WHERE workspace_id = :workspace_id AND event_date >= :start_date AND event_time >= :start AND event_time < :end
  AND (request_params['securable_full_name'] = :table_name OR request_params['full_name_arg'] = :table_name
       OR request_params['table_full_name'] = :table_name)
) a${slots.user === undefined ? '' : ' WHERE a.who = :user_name'}
ORDER BY event_time DESC`,
      params: { ...periodParams(period), start_date: day(period.startMs), ...slotParams(slots) },
    }),
    summary: (rows, { slots, period }) => {
      if (rows.length === 0)
        return slots.user === undefined
          ? `Nobody read or changed ${slots.table} ${period.label}.`
          : `${slots.user} did not read or change ${slots.table} ${period.label}.`;
      const people = [...new Set(rows.map((r) => str(r.who)).filter((w) => w !== ''))];
      const changes = rows.filter((r) => r.action !== 'read').length;
      if (slots.user !== undefined)
        return `${slots.user} read or changed ${slots.table} ${period.label}: ${plural(rows.length, 'access', 'accesses')}, ${changes} changing it.`;
      return `${slots.table} ${period.label}: ${plural(rows.length, 'access', 'accesses')} (${changes} changing it) by ${plural(people.length, 'identity', 'identities')}: ${people.slice(0, 3).join(', ')}.`;
    },
    followUps: (_rows, { slots }) => [ask(`What is downstream of ${slots.table}?`)],
  },

  downstream: {
    honours: ['table'],
    defaultHours: 30 * 24,
    usesPeriod: true,
    example: 'what is downstream of main.finance.orders?',
    noPerson: 'lineage follows tables, not the people who own them',
    query: ({ slots, period }) => ({
      sql: `WITH edges AS (
  SELECT DISTINCT source_table_full_name AS src, target_table_full_name AS dst, entity_type, entity_id
  FROM system.access.table_lineage
  WHERE workspace_id = :workspace_id AND event_date >= :start_date AND event_time >= :start AND event_time < :end
    AND source_table_full_name IS NOT NULL AND target_table_full_name IS NOT NULL
), jobs AS (${CURRENT_JOBS})
SELECT DISTINCT hops, d.dst AS table_name, coalesce(j.name, d.entity_id) AS written_by, d.entity_type
FROM (
  SELECT 1 AS hops, e1.dst, e1.entity_type, e1.entity_id FROM edges e1 WHERE e1.src = :table_name
  UNION ALL
  SELECT 2 AS hops, e2.dst, e2.entity_type, e2.entity_id
  FROM edges e1 JOIN edges e2 ON e2.src = e1.dst WHERE e1.src = :table_name
  UNION ALL
  SELECT 3 AS hops, e3.dst, e3.entity_type, e3.entity_id
  FROM edges e1 JOIN edges e2 ON e2.src = e1.dst JOIN edges e3 ON e3.src = e2.dst WHERE e1.src = :table_name
) d LEFT JOIN jobs j ON j.job_id = d.entity_id
ORDER BY hops, table_name`,
      params: { ...periodParams(period), start_date: day(period.startMs), ...slotParams(slots) },
    }),
    summary: (rows, { slots, period }) => {
      if (rows.length === 0) return `Nothing read ${slots.table} into another table ${period.label}.`;
      const tables = [...new Set(rows.map((r) => str(r.table_name)))];
      const jobs = [...new Set(rows.map((r) => str(r.written_by)))];
      return `${plural(tables.length, 'table')} downstream of ${slots.table} (up to 3 hops), written by ${plural(jobs.length, 'job')}: ${tables.slice(0, 3).join(', ')}.`;
    },
    followUps: (_rows, { slots }) => [ask(`Who read or changed ${slots.table}?`)],
  },

  pipeline_status: {
    honours: ['pipeline', 'teams', 'user'],
    defaultHours: 7 * 24,
    usesPeriod: true,
    example: 'did the clickstream_dlt pipeline fail? (DLT pipelines)',
    // An update is several hourly slices; its last slice carries the result.
    query: ({ slots, period }) => ({
      sql: `WITH pipelines AS (${CURRENT_PIPELINES}), updates AS (
  SELECT pipeline_id, update_id, min(period_start_time) AS started, max(period_end_time) AS ended,
         max_by(result_state, period_end_time) AS result_state
  FROM system.lakeflow.pipeline_update_timeline
  WHERE workspace_id = :workspace_id AND period_end_time >= :start AND period_start_time < :end
  GROUP BY pipeline_id, update_id
)
SELECT coalesce(p.name, u.pipeline_id) AS pipeline, p.team AS team, count(*) AS updates,
       count_if(u.result_state IN ${PIPELINE_FAILED}) AS failed,
       count_if(u.result_state IS NULL) AS running,
       max_by(u.result_state, u.ended) AS last_result, max(u.ended) AS last_update
FROM updates u LEFT JOIN pipelines p ON p.pipeline_id = u.pipeline_id
WHERE u.ended < :end${slots.pipeline === undefined ? '' : ' AND u.pipeline_id = :pipeline_id'}${teamFilter(slots, 'p.team')}${
        slots.user === undefined
          ? ''
          : ` AND u.pipeline_id IN (SELECT pipeline_id FROM system.lakeflow.pipelines WHERE workspace_id = :workspace_id
    QUALIFY row_number() OVER (PARTITION BY workspace_id, pipeline_id ORDER BY change_time DESC) = 1
      AND :user_name IN (run_as, created_by))`
      }
GROUP BY 1, 2 ORDER BY failed DESC, pipeline`,
      params: { ...periodParams(period), ...slotParams(slots) },
    }),
    summary: (rows, { slots, period }) => {
      const what = slots.pipeline === undefined ? `DLT pipelines${scope(slots, '')}` : slots.pipeline.name;
      if (rows.length === 0) return `No updates of ${what} ${period.label}.`;
      const failed = sum(rows, 'failed');
      const updates = sum(rows, 'updates');
      if (slots.pipeline !== undefined)
        return `${what}: ${failed} of ${plural(updates, 'update')} failed ${period.label}; the last ended ${str(rows[0]?.last_result) || 'still running'} at ${str(rows[0]?.last_update).slice(0, 16).replace('T', ' ')} UTC.`;
      const failing = rows.filter((r) => num(r.failed) > 0).map((r) => str(r.pipeline));
      return `${failed} of ${plural(updates, 'update')} of ${plural(rows.length, 'DLT pipeline')}${scope(slots, '')} failed ${period.label}${failing.length === 0 ? '' : `: ${failing.slice(0, 3).join(', ')}`}.`;
    },
    followUps: () => [
      ask('What failed last night?', 'what failed last night?'),
      ask('DLT spend', 'DLT spend this week'),
    ],
  },
};

function ask(label: string, question: string = label): FollowUp {
  return { label: label.slice(0, 75), question };
}
