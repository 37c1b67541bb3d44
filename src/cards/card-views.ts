import { z } from 'zod';
import { severitySchema } from '../domain/severity.js';
import { commandButtonSchema } from './command-button.js';

/**
 * Platform-neutral view models, one per card. Handlers build them from domain types; the renderers in
 * `slack-cards.ts`, `teams-cards.ts` and `html-cards.ts` turn them into Block Kit, Adaptive Cards 1.5
 * and console HTML. Strings here are plain text written by people or machines we do not control
 * (error messages, job names): every renderer escapes them for its surface.
 */

/** Ids we put into button values: short and free of separators, so the codec stays unambiguous. */
export const cardIdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_.:-]+$/, { message: 'may only contain letters, digits and _ . : -' });

/** Links shown on cards: http(s) only, so a hostile `javascript:` run URL can never become a link. */
export const linkSchema = z.url({ protocol: /^https?$/ }).max(2000);

const text = (max: number) => z.string().max(max);
// Input caps are generous (a 100 KB error excerpt or job name is accepted): renderers cut to each
// surface's budget, so a card is shortened rather than a handler failing on an odd workspace.
const LONG = 200_000;

const INCIDENT_STATES = ['open', 'acknowledged', 'mitigating', 'resolved', 'escalated', 'snoozed'] as const;
const incidentStateSchema = z.enum(INCIDENT_STATES);
export type IncidentState = z.infer<typeof incidentStateSchema>;

const RISKS = ['low', 'medium', 'high'] as const;
const riskSchema = z.enum(RISKS);
export type Risk = z.infer<typeof riskSchema>;

const timelineEntrySchema = z.object({
  atMs: z.number().int().nonnegative(),
  phase: text(LONG),
  text: text(LONG),
});

const remediationOptionSchema = z.object({
  id: cardIdSchema,
  label: text(LONG),
  risk: riskSchema,
  description: text(LONG),
});

export const incidentCardViewSchema = z.object({
  kind: z.literal('incident'),
  incidentId: cardIdSchema,
  /** Bumped on every change; buttons carry it so a click on a stale card is detected. */
  version: z.number().int().nonnegative(),
  severity: severitySchema,
  state: incidentStateSchema,
  /** Plain words: "Nightly orders ETL failing since 02:10", not an error class. */
  title: text(LONG),
  workspace: z.object({ name: text(LONG), url: linkSchema.nullable().default(null) }),
  rootCause: z.object({
    summary: text(LONG),
    evidence: z.object({
      errorExcerpt: text(LONG).nullable().default(null),
      failingJob: text(LONG).nullable().default(null),
      failingTask: text(LONG).nullable().default(null),
      /**
       * What broke when it is not a job: `{ type: 'table', name: 'main.sales.orders' }`, a cluster, a
       * warehouse, a query … — so a card never calls a table a job.
       */
      failingObject: z
        .object({ type: text(40), name: text(LONG) })
        .nullable()
        .default(null),
      runUrl: linkSchema.nullable().default(null),
      /** What the detectors measured, in words with their numbers: "Running for 42 min, read 2.8 TiB". */
      facts: z.array(text(LONG)).default([]),
      /** Where the failing objects are in the workspace: the job, the warehouse, the query … */
      links: z.array(z.object({ label: text(100), url: linkSchema })).default([]),
    }),
  }),
  classification: z
    .object({
      category: text(LONG),
      transient: z.boolean(),
      /** What the classifier suggests: "retry", "repair", "resize cluster", "page owner". */
      action: text(LONG),
      fixHint: text(LONG).nullable().default(null),
      /**
       * Who labelled it: the classifier's rules; its learned layer (a guess from similar labelled
       * errors) when the rules gave up or only guessed; or the language model's second opinion.
       */
      by: z.enum(['rules', 'learned', 'model']).default('rules'),
    })
    .nullable()
    .default(null),
  blastRadius: z.object({
    downstreamJobs: z.array(text(LONG)).default([]),
    tables: z.array(text(LONG)).default([]),
    dashboards: z.array(text(LONG)).default([]),
    teams: z.array(text(LONG)).default([]),
    /** Everything affected, which may exceed the lists when the correlator sent only a sample. */
    total: z.number().int().nonnegative(),
  }),
  slaDeadlineMs: z.number().int().nonnegative().nullable(),
  /**
   * The SLA's maximum age in minutes when it promises one ("never more than 2 h old"), `slaDeadlineMs`
   * then being when the table grows older than that: the card says the age, not a time of day.
   */
  slaMaxAgeMinutes: z.number().int().positive().nullable().default(null),
  /** When the problem began in the workspace (the root cause's own time), shown in UTC and relative. */
  startedAtMs: z.number().int().nonnegative().nullable().default(null),
  costUsd: z.number().nonnegative().nullable().default(null),
  owner: text(LONG).nullable().default(null),
  team: text(LONG).nullable().default(null),
  assignee: text(LONG).nullable().default(null),
  acknowledgedBy: text(LONG).nullable().default(null),
  snoozedUntilMs: z.number().int().nonnegative().nullable().default(null),
  /** Oldest first; cards show the last few entries and count the earlier ones. */
  timeline: z.array(timelineEntrySchema).default([]),
  /**
   * What fixed the last incident with the same fingerprint, as the person who resolved it recorded it:
   * shown first ("Fixed last time by …"); `action` is the catalogue kind when it was a suggested action.
   */
  lastFix: z
    .object({
      text: text(LONG),
      by: text(LONG),
      atMs: z.number().int().nonnegative(),
      action: cardIdSchema.nullable().default(null),
    })
    .nullable()
    .default(null),
  remediations: z.array(remediationOptionSchema).default([]),
  /** Where the whole story lives (the console incident page); cut text links here. */
  detailsUrl: linkSchema.nullable().default(null),
  /**
   * A language model's plain-words draft from the evidence above, shown marked as the model's (with
   * its name): untrusted text like the rest, escaped by every renderer.
   */
  explanation: z
    .object({ text: text(LONG), model: text(LONG) })
    .nullable()
    .default(null),
});
export type IncidentCardView = z.infer<typeof incidentCardViewSchema>;

const cellSchema = z.union([z.string().max(LONG), z.number(), z.boolean(), z.null()]);

export const answerCardViewSchema = z.object({
  kind: z.literal('answer'),
  question: text(LONG),
  answer: text(LONG),
  table: z
    .object({
      columns: z.array(text(LONG)),
      rows: z.array(z.array(cellSchema)),
      /** Rows the query returned in total, when more were fetched than are carried here. */
      totalRows: z.number().int().nonnegative().nullable().default(null),
    })
    .nullable()
    .default(null),
  sql: text(LONG).nullable().default(null),
  /** "system.billing.usage is about 2 h behind" — shown under the answer. */
  freshness: text(LONG).nullable().default(null),
  detailsUrl: linkSchema.nullable().default(null),
  /** Follow-up questions, or the candidates of an ambiguous name: each button asks its question. */
  buttons: z
    .array(z.object({ label: text(200), question: text(500) }))
    .max(10)
    .default([]),
});
export type AnswerCardView = z.infer<typeof answerCardViewSchema>;

const apiCallSchema = z.object({
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']),
  path: text(LONG),
  body: z.unknown().optional(),
});

export const planCardViewSchema = z.object({
  kind: z.literal('plan'),
  incidentId: cardIdSchema,
  version: z.number().int().nonnegative(),
  remediationId: cardIdSchema,
  title: text(LONG),
  calls: z.array(apiCallSchema),
  estimatedCostUsd: z.number().nonnegative().nullable().default(null),
  rollback: text(LONG),
  risk: riskSchema,
  /** Once cancelled the button disappears and this says so; a gated plan waits for a second person. */
  status: z.enum(['proposed', 'cancelled', 'awaiting_approval']).default('proposed'),
  /** The single-use approval token the Approve button carries while the plan awaits approval. */
  approvalToken: cardIdSchema.optional(),
});
export type PlanCardView = z.infer<typeof planCardViewSchema>;

export const messageCardViewSchema = z.object({
  kind: z.literal('message'),
  tone: z.enum(['info', 'success', 'warning', 'error']).default('info'),
  title: text(LONG).nullable().default(null),
  text: text(LONG),
  fields: z.array(z.object({ label: text(LONG), value: text(LONG) })).default([]),
  /** Commands offered as buttons: the candidates for an ambiguous name, say. */
  commands: z.array(commandButtonSchema).max(20).optional(),
});
export type MessageCardView = z.infer<typeof messageCardViewSchema>;

const spendRowSchema = z.object({
  name: text(LONG),
  usd: z.number(),
  dbus: z.number(),
});

/** A statement the answer ran, with the values bound to its `:name` markers. */
const shownSqlSchema = z.object({
  label: text(LONG),
  sql: text(LONG),
  params: z.record(z.string(), z.union([z.string().max(LONG), z.number()])).default({}),
});
export type ShownSql = z.infer<typeof shownSqlSchema>;

/**
 * `/dbx cost`: spend of a team, tag, job, warehouse or the workspace over a period, against the period
 * before, with a daily chart. `chartUrl` is where Teams and the console load the chart (a signed URL
 * dbxops serves); Slack gets the same chart as an uploaded PNG.
 */
export const costCardViewSchema = z.object({
  kind: z.literal('cost'),
  /** "team finance" */
  target: text(LONG),
  /** "last 7 days" */
  periodLabel: text(LONG),
  fromMs: z.number().int(),
  toMs: z.number().int(),
  timeZone: text(100),
  usd: z.number(),
  dbus: z.number(),
  previousUsd: z.number(),
  daily: z.array(z.object({ day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/), usd: z.number() })).max(400),
  topJobs: z.array(spendRowSchema).default([]),
  topWarehouses: z.array(spendRowSchema).default([]),
  /** Spend per `team` tag; `name` null is untagged spend. */
  byTeam: z.array(z.object({ name: text(LONG).nullable(), usd: z.number() })).default([]),
  budget: z
    .object({
      key: text(LONG),
      monthlyUsd: z.number(),
      monthToDateUsd: z.number(),
      month: text(20),
      projectedUsd: z.number(),
    })
    .nullable()
    .default(null),
  /** "Billing data up to 08:00 UTC (3 h behind)". */
  freshness: text(LONG),
  sql: z.array(shownSqlSchema).default([]),
  chartUrl: linkSchema.nullable().default(null),
  /** The command that produced this card, for the "Show SQL" button (Slack has no expanding section). */
  command: text(500),
});
export type CostCardView = z.infer<typeof costCardViewSchema>;

const homeIncidentSchema = z.object({
  incidentId: cardIdSchema,
  severity: severitySchema,
  state: incidentStateSchema,
  title: text(LONG),
  slaDeadlineMs: z.number().int().nonnegative().nullable().default(null),
  assignee: text(LONG).nullable().default(null),
  url: linkSchema.nullable().default(null),
});
export type HomeIncident = z.infer<typeof homeIncidentSchema>;

export const homeViewSchema = z.object({
  kind: z.literal('home'),
  team: text(LONG),
  incidents: z.array(homeIncidentSchema),
});
export type HomeView = z.infer<typeof homeViewSchema>;

/** One line of a digest section: a figure in words, and where its detail is. */
const digestLineSchema = z.object({
  text: text(LONG),
  /** The incident or page the figure comes from. */
  url: linkSchema.nullable().default(null),
  /** The `/dbx …` command that answers with the detail, e.g. `/dbx cost team finance`. */
  command: text(500).nullable().default(null),
});

/** A bar per team: the reported day against its trailing average. */
const digestBarSchema = z.object({
  label: text(LONG),
  value: z.number().nonnegative(),
  baseline: z.number().nonnegative().nullable().default(null),
});

const digestSectionSchema = z.object({
  title: text(LONG),
  /** Why the section has no figures (a system table late or unreachable); null when it has them. */
  missing: text(LONG).nullable().default(null),
  lines: z.array(digestLineSchema).default([]),
  chart: z
    .object({
      title: text(LONG),
      unit: z.literal('usd'),
      bars: z.array(digestBarSchema),
      /** Where Teams and the console load the chart as a PNG (a signed URL dbxops serves); null: text bars. */
      url: linkSchema.nullable().default(null),
    })
    .nullable()
    .default(null),
  /** The statements behind the section's figures ("Show SQL"). */
  sql: text(LONG).nullable().default(null),
});
export type DigestSection = z.infer<typeof digestSectionSchema>;

/** The daily digest, the weekly summary or a team's cost report: sections of figures with their detail. */
export const digestCardViewSchema = z.object({
  kind: z.literal('digest'),
  title: text(LONG),
  subtitle: text(LONG).nullable().default(null),
  /** Set when the post went out after its time (the bot was down): says when it was due. */
  late: text(LONG).nullable().default(null),
  sections: z.array(digestSectionSchema),
});
export type DigestCardView = z.infer<typeof digestCardViewSchema>;

/** Any card a handler can return; `kind` tells the renderers apart. */
export const cardViewSchema = z.discriminatedUnion('kind', [
  incidentCardViewSchema,
  answerCardViewSchema,
  planCardViewSchema,
  messageCardViewSchema,
  homeViewSchema,
  costCardViewSchema,
  digestCardViewSchema,
]);
export type CardView = z.infer<typeof cardViewSchema>;
/** What a handler writes: defaults may be left out. */
export type CardViewInput = z.input<typeof cardViewSchema>;
