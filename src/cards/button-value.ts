import { z } from 'zod';
import { err, ok, type Result } from '../domain/result.js';
import { cardIdSchema } from './card-views.js';

/**
 * What a button press means, carried in Slack's button `value` (≤ 2,000 chars) and in the `data` of a
 * Teams `Action.Execute`. Never trust it for authorisation: the handler re-checks the clicking user.
 * `version` is the incident version the card showed, so a click on a stale card can be refused.
 */
const BUTTON_KINDS = ['incident', 'plan'] as const;
const BUTTON_ACTIONS = [
  'ack',
  'assign_me',
  'snooze',
  'resolve',
  'reopen',
  'remediate',
  'run_plan',
  'approve_plan',
  'cancel_plan',
  'refresh',
] as const;
type ButtonKind = (typeof BUTTON_KINDS)[number];
export type ButtonAction = (typeof BUTTON_ACTIONS)[number];

const ACTIONS_BY_KIND: Record<ButtonKind, readonly ButtonAction[]> = {
  incident: ['ack', 'assign_me', 'snooze', 'resolve', 'reopen', 'remediate', 'refresh'],
  plan: ['run_plan', 'approve_plan', 'cancel_plan', 'refresh'],
};
const NEEDS_REMEDIATION: readonly ButtonAction[] = ['remediate', 'run_plan', 'approve_plan', 'cancel_plan'];

const buttonPayloadSchema = z
  .object({
    kind: z.enum(BUTTON_KINDS),
    action: z.enum(BUTTON_ACTIONS),
    incidentId: cardIdSchema,
    version: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
    remediationId: cardIdSchema.optional(),
    /** Approve only: the approval request's single-use token. */
    token: cardIdSchema.optional(),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (!ACTIONS_BY_KIND[p.kind].includes(p.action)) {
      ctx.addIssue({ code: 'custom', message: `action ${p.action} does not apply to a ${p.kind} card` });
    }
    const needs = NEEDS_REMEDIATION.includes(p.action);
    if (needs && p.remediationId === undefined) {
      ctx.addIssue({ code: 'custom', message: `action ${p.action} needs a remediationId` });
    }
    // A plan's refresh names its remediation; an incident's does not.
    if (!needs && p.action !== 'refresh' && p.remediationId !== undefined) {
      ctx.addIssue({ code: 'custom', message: `action ${p.action} takes no remediationId` });
    }
    if ((p.action === 'approve_plan') !== (p.token !== undefined)) {
      ctx.addIssue({ code: 'custom', message: 'a token goes with approve_plan, and only with it' });
    }
  });
export type ButtonPayload = z.infer<typeof buttonPayloadSchema>;

/** Format tag; bump it when the layout changes so old cards are answered "please refresh". */
const FORMAT = 'd1';
const KIND_CODE: Record<ButtonKind, string> = { incident: 'i', plan: 'p' };
const SEP = '|';
/** Longest value we ever produce is ~300 chars; anything much longer is not ours. */
export const MAX_ENCODED_LENGTH = 600;

export type ButtonDecodeReason = 'oversized' | 'malformed' | 'unsupported_format' | 'invalid';

/**
 * Encodes a payload as `d1|i|ack|inc-42|3[|rem-1]`: ids cannot contain `|` (see `cardIdSchema`), so
 * the format is unambiguous, and it is a fraction of the JSON's size. Throws on an invalid payload —
 * that is a bug in the renderer, not user input.
 */
export function encodeButtonValue(payload: ButtonPayload): string {
  const p = buttonPayloadSchema.parse(payload);
  const parts = [FORMAT, KIND_CODE[p.kind], p.action, p.incidentId, String(p.version)];
  if (p.remediationId !== undefined) parts.push(p.remediationId);
  if (p.token !== undefined) parts.push(p.token);
  return parts.join(SEP);
}

/**
 * Decodes a button value from Slack (`actions[0].value`) or Teams (`value.action.data.value`).
 * Garbled, tampered, oversized or foreign values come back as an `Err` with a reason — never thrown.
 */
export function decodeButtonValue(raw: unknown): Result<ButtonPayload, ButtonDecodeReason> {
  const stale = 'This button could not be read. Refresh the card and try again.';
  if (typeof raw !== 'string') return err('malformed', stale, { got: typeof raw });
  if (raw.length > MAX_ENCODED_LENGTH) return err('oversized', stale, { length: raw.length });
  const parts = raw.split(SEP);
  if (parts[0] !== FORMAT) return err('unsupported_format', stale);
  if (parts.length < 5 || parts.length > 7) return err('malformed', stale, { parts: parts.length });
  const [, kindCode, action, incidentId, version, remediationId, token] = parts;
  const kind = BUTTON_KINDS.find((k) => KIND_CODE[k] === kindCode);
  if (kind === undefined || version === undefined || !/^(0|[1-9]\d{0,15})$/.test(version)) {
    return err('malformed', stale);
  }
  const parsed = buttonPayloadSchema.safeParse({
    kind,
    action,
    incidentId,
    version: Number(version),
    ...(remediationId === undefined ? {} : { remediationId }),
    ...(token === undefined ? {} : { token }),
  });
  if (!parsed.success) {
    return err('invalid', stale, { issues: parsed.error.issues.map((i) => i.message) });
  }
  return ok(parsed.data);
}

/** Every Slack `action_id` / Teams `verb` we emit starts with this; route on it. */
const ACTION_ID_PREFIX = 'dbx:';

/**
 * The stable `action_id` (Slack) and `verb` (Teams) for a payload: `dbx:ack`, `dbx:cancel_plan`.
 * Remediation buttons get `dbx:remediate:<id>` because Slack wants action ids unique in a message.
 */
export function actionIdFor(payload: Pick<ButtonPayload, 'action' | 'remediationId'>): string {
  const base = `${ACTION_ID_PREFIX}${payload.action}`;
  return payload.action === 'remediate' && payload.remediationId !== undefined
    ? `${base}:${payload.remediationId}`
    : base;
}
