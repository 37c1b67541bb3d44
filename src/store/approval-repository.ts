import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import { InvalidArgumentError } from '../domain/errors.js';
import { err, ok, type Result } from '../domain/result.js';
import { isSurfaceName, type SurfaceName } from '../domain/surface-name.js';
import { cleanText } from '../domain/text.js';
import type { Database } from './database.js';
import { fromDate, fromDateOrNull, toDate } from './rows.js';

/** A person as an approval records them: their chat handle and, when known, Databricks principal. */
export interface ApprovalParty {
  readonly surface: SurfaceName;
  readonly userId: string;
  readonly principal?: string | undefined;
}

export interface Approval {
  readonly id: string;
  readonly planHash: string;
  readonly incidentId: string;
  readonly workspaceId: string;
  readonly actionKind: string;
  readonly requester: ApprovalParty;
  readonly requestedAt: number;
  readonly expiresAt: number;
  /** Set once, when the approval was given. */
  readonly approvedAt: number | null;
  readonly approver: ApprovalParty | null;
}

/** Why a token did not approve anything. */
export type ApprovalRefusal =
  | 'unknown_token'
  | 'expired'
  | 'already_used'
  | 'plan_changed'
  | 'same_person'
  | 'unknown_principal';

/** Tokens are `apv_` and 43 base64url characters (256 random bits); anything else is not ours. */
const TOKEN_SHAPE = /^apv_[A-Za-z0-9_-]{43}$/;

const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

const REFUSAL_TEXT: Record<ApprovalRefusal, string> = {
  unknown_token: 'This approval is not one dbxops issued. Ask the requester to press the action again.',
  expired: 'This approval request has expired. Ask the requester to press the action again for a fresh one.',
  already_used:
    'This approval was already used; an approval allows one run. Ask for a new one to run it again.',
  plan_changed:
    'The plan changed since approval was asked for (the workspace changed under it), so this approval does not cover it. Ask the requester to press the action again.',
  same_person: 'You asked for this action, so you cannot approve it too, under any chat account.',
  unknown_principal:
    'Four eyes compare Databricks identities, and one is not known here: link the chat account to its Databricks user and try again.',
};

/**
 * Four-eyes approval requests. A request is bound to one plan by the hash of the plan's exact calls and
 * carries a single-use token that expires; the token itself is never stored, only its hash. Whether the
 * approver may approve (role, another person) is the guardrails' decision (`decideApprover`); this
 * repository enforces what must hold even if a caller forgets: one use, before expiry, for the same
 * plan, by another Databricks principal.
 */
export class ApprovalRepository {
  readonly #db: Kysely<Database>;
  readonly #random: (bytes: number) => Buffer;

  constructor(db: Kysely<Database>, options: { readonly randomBytes?: (bytes: number) => Buffer } = {}) {
    this.#db = db;
    this.#random = options.randomBytes ?? randomBytes;
  }

  /**
   * Opens an approval request for one plan, valid `ttlMs` from `now` (wall clock). Returns the request
   * and its token, which goes to the approver (in the Approve button) and nowhere else.
   */
  async request(input: {
    readonly planHash: string;
    readonly incidentId: string;
    readonly workspaceId: string;
    readonly actionKind: string;
    readonly requester: ApprovalParty;
    readonly now: number;
    readonly ttlMs: number;
  }): Promise<{ readonly approval: Approval; readonly token: string }> {
    if (!/^[0-9a-f]{64}$/.test(input.planHash)) {
      throw new InvalidArgumentError('A plan hash is 64 lower-case hex characters (SHA-256).');
    }
    if (!Number.isFinite(input.ttlMs) || input.ttlMs <= 0) {
      throw new InvalidArgumentError('An approval needs a positive time to live.', { ttlMs: input.ttlMs });
    }
    const token = `apv_${this.#random(32).toString('base64url')}`;
    const row = await this.#db
      .insertInto('approvals')
      .values({
        id: randomUUID(),
        token_hash: hashToken(token),
        plan_hash: input.planHash,
        incident_id: cleanText(input.incidentId),
        workspace_id: cleanText(input.workspaceId),
        action_kind: cleanText(input.actionKind),
        requester_surface: input.requester.surface,
        requester_user_id: cleanText(input.requester.userId),
        requester_principal: principalOrNull(input.requester.principal),
        requested_at: toDate(input.now),
        expires_at: toDate(input.now + input.ttlMs),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return { approval: toApproval(row), token };
  }

  /**
   * The pending request a token belongs to, so the caller can decide (roles, four eyes) before
   * approving. Refuses a token that is unknown, expired at `now` or already used.
   */
  async pending(token: string, now: number): Promise<Result<Approval, ApprovalRefusal>> {
    const row = await this.#byToken(token);
    if (row === undefined) return refusal('unknown_token');
    if (row.used_at !== null) return refusal('already_used');
    if (fromDate(row.expires_at) <= now) return refusal('expired');
    return ok(toApproval(row));
  }

  /**
   * Uses the token to approve: succeeds once, before expiry, when `planHash` is still the plan the
   * request was for and the approver is not the requester's Databricks principal. One statement
   * decides, so a replay racing the first use loses.
   */
  async approve(input: {
    readonly token: string;
    readonly planHash: string;
    readonly approver: ApprovalParty;
    readonly now: number;
  }): Promise<Result<Approval, ApprovalRefusal>> {
    const approverPrincipal = principalOrNull(input.approver.principal);
    if (approverPrincipal === null) return refusal('unknown_principal');
    if (!TOKEN_SHAPE.test(input.token)) return refusal('unknown_token');
    const row = await this.#db
      .updateTable('approvals')
      .set({
        used_at: toDate(input.now),
        approver_surface: input.approver.surface,
        approver_user_id: cleanText(input.approver.userId),
        approver_principal: approverPrincipal,
      })
      .where('token_hash', '=', hashToken(input.token))
      .where('used_at', 'is', null)
      .where('expires_at', '>', toDate(input.now))
      .where('plan_hash', '=', input.planHash)
      .where((eb) =>
        eb.and([
          eb('requester_principal', 'is not', null),
          eb(sql`lower(requester_principal)`, '<>', approverPrincipal),
          eb.not(
            eb.and([
              eb('requester_surface', '=', input.approver.surface),
              eb('requester_user_id', '=', cleanText(input.approver.userId)),
            ]),
          ),
        ]),
      )
      .returningAll()
      .executeTakeFirst();
    if (row !== undefined) return ok(toApproval(row));
    // Nothing was approved: read the request again to say why.
    const current = await this.#byToken(input.token);
    if (current === undefined) return refusal('unknown_token');
    if (current.used_at !== null) return refusal('already_used');
    if (fromDate(current.expires_at) <= input.now) return refusal('expired');
    if (current.plan_hash !== input.planHash) return refusal('plan_changed');
    if (current.requester_principal === null) return refusal('unknown_principal');
    return refusal('same_person');
  }

  /** The request with this id, approved or not. */
  async get(id: string): Promise<Approval | undefined> {
    const row = await this.#db.selectFrom('approvals').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toApproval(row);
  }

  async #byToken(token: string) {
    if (!TOKEN_SHAPE.test(token)) return undefined;
    return this.#db
      .selectFrom('approvals')
      .selectAll()
      .where('token_hash', '=', hashToken(token))
      .executeTakeFirst();
  }
}

const refusal = (reason: ApprovalRefusal) => err(reason, REFUSAL_TEXT[reason]);

/** Databricks user names are e-mail addresses: one person in any capitalisation. */
function principalOrNull(principal: string | undefined): string | null {
  const trimmed = principal === undefined ? '' : cleanText(principal).trim().toLowerCase();
  return trimmed === '' ? null : trimmed;
}

type ApprovalRow = {
  id: string;
  plan_hash: string;
  incident_id: string;
  workspace_id: string;
  action_kind: string;
  requester_surface: string;
  requester_user_id: string;
  requester_principal: string | null;
  requested_at: Date;
  expires_at: Date;
  used_at: Date | null;
  approver_surface: string | null;
  approver_user_id: string | null;
  approver_principal: string | null;
};

function party(surface: string, userId: string, principal: string | null): ApprovalParty {
  // Written by request() and approve() from a SurfaceName; anything else was put there by hand.
  if (!isSurfaceName(surface)) throw new Error(`approvals row names an unknown surface: ${surface}`);
  return { surface, userId, ...(principal === null ? {} : { principal }) };
}

function toApproval(row: ApprovalRow): Approval {
  return {
    id: row.id,
    planHash: row.plan_hash,
    incidentId: row.incident_id,
    workspaceId: row.workspace_id,
    actionKind: row.action_kind,
    requester: party(row.requester_surface, row.requester_user_id, row.requester_principal),
    requestedAt: fromDate(row.requested_at),
    expiresAt: fromDate(row.expires_at),
    approvedAt: fromDateOrNull(row.used_at),
    approver:
      row.approver_surface === null || row.approver_user_id === null
        ? null
        : party(row.approver_surface, row.approver_user_id, row.approver_principal),
  };
}
