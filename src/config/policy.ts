import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { errorCategorySchema, failureActionSchema } from '../domain/error-label.js';
import { MAX_AGE_LIMIT_MINUTES, parseDurationMinutes } from '../domain/duration.js';
import { ConfigError } from '../domain/errors.js';
import { SEVERITIES, type Severity, severitySchema as severity } from '../domain/severity.js';
import { remediationPolicySchema } from './remediation-policy.js';

const minutes = z.number().int().positive();

/** Detection thresholds (issue 3's defaults). Ratios are fractions of the baseline. */
export const thresholdsSchema = z
  .object({
    row_count_drop: z
      .number()
      .gt(0)
      .lt(1)
      .default(0.2)
      .describe('fraction below the baseline that is a drop'),
    row_count_spike: z.number().gt(1).default(3.0).describe('multiple of the baseline that is a spike'),
    duration_spike: z.number().gt(1).default(2.0).describe('multiple of the baseline duration'),
    duration_min_extra_minutes: z
      .number()
      .min(0)
      .default(10)
      .describe('a duration anomaly must also be at least this many minutes longer than usual'),
    zero_rows_consecutive: z.number().int().min(1).default(3),
    min_history_runs: z.number().int().min(2).default(5).describe('runs a baseline needs before it judges'),
    cost_anomaly_ratio: z
      .number()
      .gt(1)
      .default(1.5)
      .describe('multiple of the usual spend that is an anomaly'),
    cost_anomaly_min_usd: z
      .number()
      .min(0)
      .default(5)
      .describe('a cost anomaly must also be at least this many dollars over the usual spend of its period'),
    warehouse_idle_minutes: z.number().int().positive().default(30),
    runaway_query_minutes: z.number().int().positive().default(30),
    correlation_window_minutes: z.number().int().positive().default(30),
    reopen_window_minutes: z
      .number()
      .int()
      .min(0)
      .default(120)
      .describe(
        'the same problem on the same subject, or a signal that would have joined the incident, this soon after its incident was resolved reopens that incident (0: never)',
      ),
    resolve_when_recovered: z
      .boolean()
      .default(true)
      .describe(
        'an incident of failed job runs or pipeline updates is resolved, saying so, once each of them has succeeded since (its next scheduled run, or a rerun made outside dbxops)',
      ),
  })
  .strict()
  .prefault({});

/**
 * One triage condition: every key present must hold (AND). A level's `when` list matches when any
 * condition matches (OR).
 */
const triageConditionSchema = z
  .object({
    sla_minutes_left_below: z.number().min(0).optional(),
    criticality: z.union([z.string(), z.array(z.string())]).optional(),
    blast_radius_above: z.number().int().min(0).optional(),
    jobs_failed_above: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe('more distinct jobs failed in the incident (a shared cluster taking several down at once)'),
    failed_run: z
      .boolean()
      .optional()
      .describe(
        "the root cause is a run's own error (true), not a cluster's event, a warehouse's load, a cost or a data signal (false)",
      ),
    stalled: z
      .boolean()
      .optional()
      .describe(
        'a run or pipeline update of the incident stopped reporting progress, found by its silence (true), or none did (false)',
      ),
    transient: z
      .boolean()
      .nullable()
      .optional()
      .describe('the root cause is transient (true), is not (false), or was not classified (null)'),
    repeated: z.boolean().optional().describe('the same fingerprint was seen before'),
    cost_ratio_above: z.number().min(0).optional(),
    category: z.union([errorCategorySchema, z.array(errorCategorySchema)]).optional(),
    action: z
      .union([failureActionSchema, z.array(failureActionSchema)])
      .optional()
      .describe(
        "what the root cause's classification calls for: NOTIFY_OWNER, ESCALATE, RETRY, RETRY_WITH_NEW_PARAMS",
      ),
  })
  .strict();

const levelSchema = z
  .object({
    when: z.array(triageConditionSchema).default([]),
    response_minutes: minutes,
    escalation_minutes: minutes,
    channels: z.array(z.string()).default([]),
    mention_oncall: z.boolean().default(false),
    post_card: z
      .boolean()
      .default(true)
      .describe(
        'post a card when an incident opens at this level; otherwise it waits in /dbx incidents and the digest',
      ),
  })
  .strict();

const DEFAULT_TRIAGE = {
  P1: {
    when: [{ sla_minutes_left_below: 30 }, { criticality: 'financial-critical' }, { blast_radius_above: 50 }],
    response_minutes: 15,
    escalation_minutes: 30,
    channels: [],
    mention_oncall: true,
    post_card: true,
  },
  // A wide blast radius pages when the failure stays until someone acts (or nobody could say whether it
  // passes). A blip that passes by itself, such as spot nodes the cloud took and gave back, delays what
  // lies downstream by one run: P3 tells someone; an SLA near enough pages on its own.
  P2: {
    when: [
      { sla_minutes_left_below: 120 },
      { blast_radius_above: 10, transient: false },
      { blast_radius_above: 10, transient: null },
    ],
    response_minutes: 60,
    escalation_minutes: 120,
    channels: [],
    mention_oncall: false,
    post_card: true,
  },
  // Someone must be told of what only a person can fix (P4 posts no card, so nobody would be): a grant,
  // a configuration, code; a run that failed on its own error that no retry as it is passes — one whose
  // classification calls for its owner (NOTIFY_OWNER: data the code does not know, a schema that changed
  // under a write, a missing library) or nobody can attribute (ESCALATE), and one that needs other
  // settings and is not a blip (RETRY_WITH_NEW_PARAMS, not transient: out of memory fails again at the
  // next run until a person gives it more, on its card's button or in its settings); a capacity shortage
  // that does not pass by itself, such as a warehouse queueing at its max_num_clusters; a resource
  // exhausted until someone stops what exhausts it, such as a runaway query; and any other root cause
  // that calls for its owner once it hurts more than its own output: something reads what it no longer
  // writes, or its data is tagged critical. Also a failure that took several jobs down at once, SLA or
  // not, a blip that passes by itself but reaches more than 10 jobs, tables and dashboards, and broken
  // data an SLA within a day depends on (a zero-row streak). A conflict or a blip its own retry fixes is
  // labelled RETRY and stays P4, as does a cluster's or a capacity blip that passes by itself, and a job
  // that still reads an object someone removed while nothing reads what it writes (housekeeping left
  // over: the digest lists it). A run or update found stalled by its silence is told too, with no deadline
  // near: a hang does not pass by itself, and what queues behind it waits until someone restarts it (a
  // slow run that still reports progress is no stall, and stays P4 unless something else raises it).
  P3: {
    when: [
      { repeated: true, transient: false },
      { cost_ratio_above: 1.5 },
      { sla_minutes_left_below: 1440 },
      { category: ['permission', 'config', 'syntax'] },
      { category: 'capacity', transient: false },
      { category: 'resource', action: 'NOTIFY_OWNER' },
      { failed_run: true, action: 'RETRY_WITH_NEW_PARAMS', transient: false },
      {
        failed_run: true,
        action: ['NOTIFY_OWNER', 'ESCALATE'],
        category: [
          'timeout',
          'resource',
          'capacity',
          'network',
          'dependency',
          'data_quality',
          'concurrency',
          'unknown',
        ],
      },
      { action: 'NOTIFY_OWNER', blast_radius_above: 1 },
      { action: 'NOTIFY_OWNER', criticality: ['critical', 'high', 'financial-critical'] },
      { jobs_failed_above: 1 },
      { blast_radius_above: 10 },
      { stalled: true },
    ],
    response_minutes: 240,
    escalation_minutes: 1440,
    channels: [],
    mention_oncall: false,
    post_card: true,
  },
  // Informational: listed in /dbx incidents, the Home tab and the digest; a card appears if it rises.
  P4: {
    when: [],
    response_minutes: 1440,
    escalation_minutes: 4320,
    channels: [],
    mention_oncall: false,
    post_card: false,
  },
} as const satisfies Record<Severity, unknown>;

/** One entry per severity, each a triage level. */
const levelShape = Object.fromEntries(SEVERITIES.map((s) => [s, levelSchema])) as Record<
  Severity,
  typeof levelSchema
>;

const triagePolicySchema = z
  .object(levelShape)
  .strict()
  .default(structuredClone(DEFAULT_TRIAGE) as never);

const routeRuleSchema = z
  .object({
    match: z
      .object({
        team: z.union([z.string(), z.array(z.string())]).optional(),
        severity: z.union([severity, z.array(severity)]).optional(),
        workspace: z.union([z.string(), z.array(z.string())]).optional(),
      })
      .strict(),
    channel: z.string().min(1),
  })
  .strict();

/**
 * What a channel name (`#digest`) is on each surface. Teams posts only to conversation ids, so a name
 * without a `teams` id is not posted on Teams (and reported); Slack takes a name for a plain message
 * but a file upload (a card with a chart) needs the channel's id.
 */
const channelIdsSchema = z
  .object({
    teams: z
      .string()
      .regex(/^[0-9a-z]{1,3}:[^\s;]{1,300}$/i, {
        message: "must be a Teams conversation id such as '19:…@thread.tacv2'",
      })
      .optional(),
    slack: z
      .string()
      .regex(/^[CGD][A-Z0-9]{2,30}$/, { message: 'must be a Slack channel id such as C0123ABCD' })
      .optional(),
  })
  .strict();

const routingSchema = z
  .object({
    default_channel: z.string().min(1).default('#incidents'),
    oncall_mention: z
      .string()
      .default('@oncall')
      .describe(
        "who a P1 mentions, in Slack's syntax to ping: '<!subteam^S0123|oncall>' (a user group) or '<@U0123>'",
      ),
    oncall_teams: z
      .object({ id: z.string().min(1), name: z.string().min(1) })
      .strict()
      .optional()
      .describe('the Teams tag or group a P1 pings: its id and display name'),
    rules: z.array(routeRuleSchema).default([]),
    cost_channels: z.record(z.string(), z.string()).default({}).describe('team → channel for cost reports'),
    digest_channel: z.string().default('#digest'),
    channels: z
      .record(z.string().min(1).max(200), channelIdsSchema)
      .default({})
      .describe(
        "a channel name as routing and the digest use it → its id per surface: `'#digest': { teams: '19:…@thread.tacv2', slack: C0123 }`",
      ),
  })
  .strict()
  .prefault({});

/** The name of an environment variable: a secret's place, never the secret itself. */
const envVarName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, { message: 'must be the name of an environment variable' });

/**
 * How dbxops signs in to a workspace listed in `workspaces`: the names of the environment variables
 * holding a token or an OAuth M2M client id and secret, or a `~/.databrickscfg` profile. Never the
 * secret itself: the file is committed, the environment is not.
 */
const workspaceAuthSchema = z.union([
  z.object({ token_env: envVarName }).strict(),
  z.object({ client_id_env: envVarName, client_secret_env: envVarName }).strict(),
  z.object({ profile: z.string().trim().min(1).max(200) }).strict(),
]);

/**
 * A workspace as cards and routing rules name it. Incidents carry the workspace id (what
 * `DATABRICKS_WORKSPACE_ID` holds, the number in the workspace's `?o=` URLs), so entries are found by
 * `id`; `name` is what cards show and what a routing rule's `workspace` may say instead of the id. An
 * entry with `auth` is also watched, beside the workspace of `DATABRICKS_HOST` if any: its own client,
 * warehouse, polls and webhook credentials (docs/configuration.md#several-workspaces).
 */
const workspaceSchema = z
  .object({
    id: z.string().trim().min(1).describe('the workspace id, as in DATABRICKS_WORKSPACE_ID'),
    name: z.string().trim().min(1).optional().describe('what cards show; routing rules may match it'),
    host: z
      .url({ protocol: /^https$/ })
      .optional()
      .describe("the workspace's URL, linked from its cards, and the one dbxops connects to with `auth`"),
    auth: workspaceAuthSchema
      .optional()
      .describe('how dbxops signs in to watch this workspace too: `token_env`, `profile`, or OAuth M2M'),
    warehouse_id: z
      .string()
      .regex(/^[A-Za-z0-9]{1,64}$/, { message: 'must be a SQL warehouse id (its Connection details)' })
      .optional()
      .describe('the SQL warehouse its system tables are read through'),
    webhook: z
      .object({
        username: z.string().trim().min(1).max(200).default('dbxops').describe('HTTP Basic user'),
        password_env: envVarName.describe('the environment variable holding its HTTP Basic password'),
      })
      .strict()
      .optional()
      .describe('the credentials of its job notifications, at /webhooks/databricks/<id>'),
  })
  .strict()
  .superRefine((w, ctx) => {
    // A connection setting on a workspace dbxops does not connect to would do nothing: refused.
    if (w.auth === undefined) {
      for (const key of ['warehouse_id', 'webhook'] as const) {
        if (w[key] !== undefined)
          ctx.addIssue({
            code: 'custom',
            path: [key],
            message: 'is read only with `auth` (a watched workspace)',
          });
      }
      return;
    }
    if (w.warehouse_id === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['warehouse_id'],
        message: 'a watched workspace needs its SQL warehouse',
      });
    if (w.host === undefined && !('profile' in w.auth))
      ctx.addIssue({
        code: 'custom',
        path: ['host'],
        message: 'a watched workspace needs its host (or a profile)',
      });
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(w.id))
      ctx.addIssue({
        code: 'custom',
        path: ['id'],
        message: 'a watched workspace id is part of its webhook path: letters, digits, _ and - only',
      });
  });

/**
 * Who may act on incidents. Entries are chat user ids (Slack `U…`, Teams AAD ids, console names) or
 * emails; `'*'` is everyone. Responders acknowledge, assign, snooze and resolve; who may press and
 * approve remediations is `remediation.roles`.
 */
const accessSchema = z
  .object({
    responders: z.array(z.string().min(1)).default(['*']),
    teams: z
      .record(z.string().min(1), z.string().min(1))
      .default({})
      .describe('person (chat user id or email) → team, for "my team" in the Home tab and /dbx incidents'),
  })
  .strict()
  .prefault({});

/** A Databricks user name as SCIM spells it: an e-mail address, with nothing a SCIM filter would misread. */
const workspaceUserName = z
  .string()
  .trim()
  .max(320)
  .regex(/^[^\s@"\\]+@[^\s@"\\]+$/, { message: 'must be a Databricks user name (an e-mail address)' });

/**
 * Chat user → Databricks user, per surface: who a button press acts as when dbxops checks the presser's
 * own rights (docs/remediation-rights.md). An entry wins over the e-mail the chat platform reports;
 * without one, a confirmed e-mail is looked up through SCIM.
 */
const principalsSchema = z
  .object({
    slack: z
      .record(z.string().min(1).max(64), workspaceUserName)
      .default({})
      .describe('Slack user id (U…) → Databricks user name'),
    teams: z
      .record(z.string().min(1).max(256), workspaceUserName)
      .default({})
      .describe('Teams user (Entra object id) → Databricks user name'),
    console: z
      .record(z.string().min(1).max(256), workspaceUserName)
      .default({})
      .describe('console user name → Databricks user name'),
  })
  .strict()
  .prefault({});

const DURATION_WORDS = 'must be a duration such as 90m, 2h, 1d or 1h30m';

/** A table's age as people state it (`90m`, `2h`, `1d`); kept as written, parsed by `parseDurationMinutes`. */
const ageSchema = z
  .string({ error: DURATION_WORDS })
  .max(40, { message: DURATION_WORDS })
  .superRefine((text, ctx) => {
    const minutes = parseDurationMinutes(text);
    if (minutes === undefined) ctx.addIssue({ code: 'custom', message: DURATION_WORDS });
    else if (minutes > MAX_AGE_LIMIT_MINUTES)
      ctx.addIssue({ code: 'custom', message: `must be at most ${MAX_AGE_LIMIT_MINUTES / 1440}d` });
  });

/**
 * Data freshness promises, one per table: refreshed every day by a `deadline`, or never older than
 * `max_age`. Jobs can also carry them as tags (`sla: "06:00"`, `sla_timezone`, or `sla_max_age: 2h`),
 * which apply to the tables the job writes; entries here win for the tables they name.
 */
const slaSchema = z
  .object({
    table: z.string().min(1).max(255).describe('catalog.schema.table'),
    deadline: z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'must be HH:MM (24 h)' })
      .optional()
      .describe('refreshed every day by this time (HH:MM in `timezone`)'),
    max_age: ageSchema.optional().describe('never older than this since its last successful write'),
    warn_after: ageSchema
      .optional()
      .describe('with `max_age`: the age from which evidence against the next refresh is told at risk'),
    timezone: z.string().default('UTC'),
    criticality: z.string().optional(),
  })
  .strict()
  .superRefine((sla, ctx) => {
    if ((sla.deadline === undefined) === (sla.max_age === undefined))
      ctx.addIssue({
        code: 'custom',
        path: ['max_age'],
        message: 'an SLA takes either `deadline` (HH:MM) or `max_age` (such as 2h), not both nor neither',
      });
    if (sla.warn_after === undefined) return;
    if (sla.max_age === undefined) {
      ctx.addIssue({ code: 'custom', path: ['warn_after'], message: 'is only for an SLA with `max_age`' });
      return;
    }
    const warn = parseDurationMinutes(sla.warn_after);
    const max = parseDurationMinutes(sla.max_age);
    if (warn !== undefined && max !== undefined && warn >= max)
      ctx.addIssue({ code: 'custom', path: ['warn_after'], message: 'must be shorter than `max_age`' });
  });

const knownTimeZone = (zone: string): boolean => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
};

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'must be HH:MM (24 h)' });
const timeZone = z
  .string()
  .refine(knownTimeZone, { message: 'must be an IANA time zone such as Europe/Berlin' });

/** One digest destination; `at` and `timezone` default to the digest's own. */
const digestChannelSchema = z
  .object({
    channel: z.string().min(1),
    at: hhmm.optional().describe('when this channel gets it (default digest.at)'),
    timezone: timeZone.optional().describe('the zone of `at` for this channel (default the policy timezone)'),
  })
  .strict();

/**
 * The daily digest, the weekly summary (Mondays) and each team's daily cost report (to the channels
 * `routing.cost_channels` names), posted on the workspace clock. What "yesterday" means is the
 * policy's `timezone`.
 */
const digestSchema = z
  .object({
    at: hhmm
      .default('07:00')
      .describe('when the digest, the weekly summary and cost reports are posted, in the policy timezone'),
    channels: z
      .array(digestChannelSchema)
      .default([])
      .describe('where the digest goes; empty means routing.digest_channel at `at`'),
    weekly: z.boolean().default(true).describe('also post the weekly summary on Mondays'),
  })
  .strict()
  .prefault({});

/** Questions in plain language (`/dbx ask`, mentions, DMs, the console composer). */
const askSchema = z
  .object({
    schemas: z
      .array(z.string().regex(/^[A-Za-z0-9_]+\.[A-Za-z0-9_]+$/, { message: 'must be catalog.schema' }))
      .default([])
      .describe('schemas besides system.* that answers (and model-written SQL) may read, e.g. main.ops'),
    max_rows: z
      .number()
      .int()
      .min(1)
      .max(10_000)
      .default(1_000)
      .describe('the LIMIT every statement gets at most'),
    timeout_seconds: z.number().int().min(1).max(300).default(30).describe('how long one statement may run'),
    max_period_days: z
      .number()
      .int()
      .min(1)
      .max(366)
      .default(92)
      .describe('the longest period a question may scan; a longer one is refused with the reason'),
    daily_token_budget: z
      .number()
      .int()
      .min(0)
      .default(200_000)
      .describe(
        'language-model tokens per UTC day for the deployment (questions the router cannot answer, incident explanations); 0 turns the model off',
      ),
    llm_timeout_seconds: z
      .number()
      .int()
      .min(1)
      .max(300)
      .default(30)
      .describe(
        'how long a model-drafted answer may take in all before the router answers instead, and an incident explanation before the card stays without one',
      ),
  })
  .strict()
  .prefault({});

export const policySchema = z
  .object({
    timezone: z
      .string()
      .default('UTC')
      .refine(knownTimeZone, { message: 'must be an IANA time zone such as Europe/Berlin' })
      .describe('the workspace time zone: where "yesterday", "this week" and "last night" start'),
    ask: askSchema,
    access: accessSchema,
    principals: principalsSchema,
    slas: z
      .array(slaSchema)
      .max(10_000)
      .default([])
      .superRefine((list, ctx) => {
        const seen = new Set<string>();
        list.forEach((sla, i) => {
          if (seen.has(sla.table))
            ctx.addIssue({
              code: 'custom',
              path: [i, 'table'],
              message: `${sla.table} has an SLA already: one entry per table`,
            });
          seen.add(sla.table);
        });
      }),
    workspaces: z
      .array(workspaceSchema)
      .default([])
      .refine((list) => new Set(list.map((w) => w.id)).size === list.length, {
        message: 'each workspace id may be listed once',
      }),
    thresholds: thresholdsSchema,
    triage: triagePolicySchema,
    routing: routingSchema,
    budgets: z
      .record(z.string().min(1), z.number().positive())
      .default({})
      .describe(
        'monthly USD budget per team (`finance: 5000`) or per custom tag (`cost_center=CC-100: 2000`)',
      ),
    remediation: remediationPolicySchema,
    digest: digestSchema,
  })
  .strict();

export type Policy = z.infer<typeof policySchema>;
export type TriageCondition = z.infer<typeof triageConditionSchema>;
export type Thresholds = z.infer<typeof thresholdsSchema>;

export type WorkspaceEntry = z.infer<typeof workspaceSchema>;

/** The `workspaces` entry of the workspace with this id, if the policy lists it. */
export function workspaceEntry(
  policy: Pick<Policy, 'workspaces'>,
  workspaceId: string,
): WorkspaceEntry | undefined {
  return policy.workspaces.find((w) => w.id === workspaceId);
}

/** The policy when no `dbxops.yaml` exists. */
export function defaultPolicy(): Policy {
  return policySchema.parse({});
}

/** Parses policy text; errors name the file, the path inside it and what was expected. */
export function parsePolicy(text: string, file = 'dbxops.yaml'): Policy {
  let raw: unknown;
  try {
    raw = parseYaml(text, { maxAliasCount: 100 });
  } catch (e) {
    throw new ConfigError(`${file}: not valid YAML: ${(e as Error).message}`, { file });
  }
  const parsed = policySchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${file}: ${formatPath(i.path)}: ${i.message}`);
    throw new ConfigError(problems.join('\n'), { file, problems });
  }
  return parsed.data;
}

/** Loads `dbxops.yaml`; a missing file means the defaults, any other read error is reported. */
export async function loadPolicy(file = 'dbxops.yaml'): Promise<Policy> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return defaultPolicy();
    throw new ConfigError(`${file}: cannot be read: ${(e as Error).message}`, { file });
  }
  if (text.length > 1_000_000)
    throw new ConfigError(`${file}: larger than 1 MB; is this the right file?`, { file });
  return parsePolicy(text, file);
}

function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(top level)';
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join('');
}
