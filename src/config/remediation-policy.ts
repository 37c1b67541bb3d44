import { Cron } from 'croner';
import { z } from 'zod';

/**
 * An action kind as the catalogue names it (`repair`, `scale_warehouse` …), or `'*'` for every kind.
 * Kept as a pattern rather than the catalogue's enum so the policy file parses on its own; the
 * guardrails compare kinds as strings.
 */
const actionPattern = z
  .string()
  .trim()
  .regex(/^(?:\*|[a-z][a-z0-9_]{0,63})$/, { message: "must be an action kind (like repair) or '*'" });

const risk = z.enum(['low', 'medium', 'high']);

/** A list of chat identities; each entry at most 256 characters, at most 1,000 entries. */
const idList = z.array(z.string().trim().min(1).max(256)).max(1_000).default([]);

/**
 * A role: which actions its members may press and which they may approve, and who its members are, by
 * the ids each chat platform gives them. A person holds every role that names them or one of their
 * groups.
 */
const roleSchema = z
  .object({
    press: z.array(actionPattern).default([]).describe("action kinds the role may press ('*' = all)"),
    approve: z.array(actionPattern).default([]).describe("action kinds the role may approve ('*' = all)"),
    slack_users: idList.describe('Slack user ids (U…)'),
    slack_groups: idList.describe('Slack user group ids (S…)'),
    teams_users: idList.describe('Teams users by their Entra (AAD) object id'),
    entra_groups: idList.describe('Entra group object ids'),
    console_users: idList.describe('console user names'),
  })
  .strict();

/** A time-zone name the runtime knows (`Europe/Amsterdam`, `UTC`). */
const timeZone = z
  .string()
  .trim()
  .min(1)
  .refine(isTimeZone, { message: 'must be an IANA time zone such as Europe/Amsterdam or UTC' });

/**
 * A period in which no action runs: either recurring (a 5-field cron expression for each start, in
 * `timezone`, lasting `duration_minutes`) or one explicit window (`from`/`to`, ISO 8601 with an offset).
 */
const blackoutSchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    cron: z
      .string()
      .trim()
      .max(200)
      .optional()
      .describe('when each window starts, e.g. "0 22 * * 5" (Fridays 22:00) in `timezone`'),
    duration_minutes: z.number().int().positive().max(525_600).optional(),
    timezone: timeZone.default('UTC'),
    from: z.iso.datetime({ offset: true }).optional().describe('an explicit window start, with offset'),
    to: z.iso.datetime({ offset: true }).optional().describe('an explicit window end (exclusive)'),
    actions: z.array(actionPattern).default(['*']).describe('the kinds the window blocks (default all)'),
  })
  .strict()
  .superRefine((b, ctx) => {
    const recurring = b.cron !== undefined || b.duration_minutes !== undefined;
    const explicit = b.from !== undefined || b.to !== undefined;
    if (recurring === explicit) {
      ctx.addIssue({
        code: 'custom',
        message: 'a blackout has either cron and duration_minutes, or from and to',
      });
      return;
    }
    if (recurring) {
      if (b.cron === undefined || b.duration_minutes === undefined) {
        ctx.addIssue({
          code: 'custom',
          message: 'a recurring blackout needs both cron and duration_minutes',
        });
        return;
      }
      if (b.cron.split(/\s+/).length !== 5) {
        ctx.addIssue({
          code: 'custom',
          path: ['cron'],
          message: 'must have 5 fields: minute hour day month weekday',
        });
        return;
      }
      try {
        new Cron(b.cron, { timezone: b.timezone, paused: true });
      } catch (e) {
        ctx.addIssue({
          code: 'custom',
          path: ['cron'],
          message: `not a cron expression: ${(e as Error).message}`,
        });
      }
      return;
    }
    if (b.from === undefined || b.to === undefined) {
      ctx.addIssue({ code: 'custom', message: 'an explicit blackout needs both from and to' });
    } else if (Date.parse(b.to) <= Date.parse(b.from)) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be after from' });
    }
  });

/**
 * Auto-heal: dbxops presses the first suggested action of a new incident itself, for the low-risk
 * classes and actions listed, through the same guardrails, audit and verification as a person's press.
 * Off by default; it never runs an action that needs a second person.
 */
const autoHealSchema = z
  .object({
    enabled: z.boolean().default(false).describe('true: new incidents of the listed classes are auto-healed'),
    classes: z
      .array(
        z
          .string()
          .trim()
          .regex(/^[a-z][a-z0-9_]{0,63}$/, { message: 'must be a category like network' }),
      )
      .max(50)
      .default(['network', 'capacity'])
      .describe(
        "the root signal's classification category (docs/error-labels.md), or for an unclassified signal its kind (runaway_query)",
      ),
    actions: z
      .array(
        z
          .string()
          .trim()
          .regex(/^[a-z][a-z0-9_]{0,63}$/, {
            message: "must be an action kind (like repair); '*' is not allowed here",
          }),
      )
      .max(50)
      .default(['repair', 'rerun', 'kill_query', 'start_warehouse'])
      .describe('the action kinds auto-heal may press; the first suggestion must be one of them'),
  })
  .strict()
  .prefault({});

/**
 * The guardrails every remediation passes before it runs (docs/guardrails-and-audit.md). The defaults
 * are the safe ones: high-risk actions, actions whose cost cannot be estimated and actions adding more
 * than $10 need a second person's approval; nothing adds more than $100; three runs per job and twenty
 * in all per hour.
 */
export const remediationPolicySchema = z
  .object({
    kill_switch: z
      .boolean()
      .default(false)
      .describe('true: every press is refused; nothing runs (the stop button for an incident of our own)'),
    shadow: z
      .boolean()
      .default(false)
      .describe('true: every press is decided and recorded in the audit log, and nothing is executed'),
    allowed_actions: z.array(actionPattern).default(['*']).describe('the action kinds that may run at all'),
    requires_approval: z
      .object({
        actions: z.array(actionPattern).default([]).describe('kinds that always need a second person'),
        risk: z.array(risk).default(['high']).describe('risk levels that need a second person'),
        cost_above_usd: z
          .number()
          .min(0)
          .default(10)
          .describe('an estimated cost above this needs a second person; an unknown cost does too'),
      })
      .strict()
      .prefault({}),
    approval_ttl_minutes: z
      .number()
      .int()
      .min(1)
      .max(1_440)
      .default(30)
      .describe('how long an approval request stays valid'),
    max_cost_usd_per_action: z
      .number()
      .min(0)
      .default(100)
      .describe('an action estimated to add more than this is refused'),
    rate_limits: z
      .object({
        per_job_per_hour: z.number().int().min(0).default(3),
        total_per_hour: z.number().int().min(0).default(20),
      })
      .strict()
      .prefault({}),
    roles: z
      .record(z.string().trim().min(1).max(100), roleSchema)
      .default({})
      .describe(
        'role name → what it may press and approve, and its members; none = everyone the chat handler lets act (access.responders)',
      ),
    blackouts: z.array(blackoutSchema).max(100).default([]),
    auto_heal: autoHealSchema,
  })
  .strict()
  .prefault({});

export type RemediationPolicy = z.infer<typeof remediationPolicySchema>;
export type RemediationRole = z.infer<typeof roleSchema>;
export type Blackout = z.infer<typeof blackoutSchema>;

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
