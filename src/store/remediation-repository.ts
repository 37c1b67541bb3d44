import type { Kysely, Selectable } from 'kysely';
import type { Database } from './database.js';
import { fromDate, fromDateOrNull, toDate, toJson } from './rows.js';
import { soleWriterState } from './sole-writer.js';
import { isUniqueViolation } from './store-error.js';

/** Where a pressed remediation stands. `unknown`: a destructive call's outcome could not be learnt. */
export type AttemptState =
  | 'awaiting_approval'
  | 'queued'
  | 'executing'
  | 'verifying'
  | 'recovered'
  | 'applied'
  | 'failed'
  | 'unknown';

const FINISHED: readonly AttemptState[] = ['recovered', 'applied', 'failed', 'unknown'];

/** One Databricks call in an attempt's ledger: written `sent` before it goes out, then `done` or `error`. */
export interface CallRecord {
  readonly index: number;
  readonly method: string;
  readonly path: string;
  readonly status: 'sent' | 'done' | 'error';
  readonly httpStatus?: number | undefined;
  readonly response?: unknown;
  readonly error?: string | undefined;
}

export interface AttemptOutcome {
  readonly summary: string;
  readonly error?: string | undefined;
  readonly category?: string | undefined;
  readonly runId?: number | undefined;
  /**
   * The gate that stopped the attempt at execution, before any call went out (the kill switch, a
   * blackout begun, a permission revoked, a rate limit reached): nothing was tried.
   */
  readonly refusedBy?: string | undefined;
}

/**
 * `refusedBy` of an attempt whose approval request expired before anyone approved it: nothing was sent,
 * so, like a gate's refusal, it uses up no attempt and the same plan pressed again asks afresh.
 */
export const APPROVAL_EXPIRED = 'approval_expired';

export interface RemediationAttempt {
  readonly id: string;
  readonly incidentId: string;
  readonly workspaceId: string;
  readonly action: string;
  readonly attempt: number;
  readonly state: AttemptState;
  /** `surface:userId`, as the chat surface names the presser. */
  readonly requestedBy: string;
  readonly plan: unknown;
  readonly steps: readonly CallRecord[];
  /** The verification spec, completed with ids the calls answered (a rerun's run id). */
  readonly verify: unknown;
  readonly outcome: AttemptOutcome | null;
  readonly runbook: string;
  /** The approval that let a gated attempt run. */
  readonly approvalId: string | null;
  /**
   * When the approval request of an attempt awaiting approval expires (wall clock); null for an attempt
   * that never waited for one.
   */
  readonly approvalExpiresAt: number | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export type NewAttempt = Omit<
  RemediationAttempt,
  'attempt' | 'state' | 'steps' | 'outcome' | 'updatedAt' | 'approvalId' | 'approvalExpiresAt'
>;

/** How a claimed attempt starts: queued to run, or waiting for a second person until its request expires. */
export type ClaimAs = 'queued' | { readonly awaitingApprovalUntil: number };

export type ClaimOutcome =
  | { readonly kind: 'claimed'; readonly attempt: RemediationAttempt }
  /** The same key was pressed before: nothing new happens. */
  | { readonly kind: 'duplicate'; readonly attempt: RemediationAttempt }
  /** Another remediation of the incident has not finished: fixes never race. */
  | { readonly kind: 'busy'; readonly running: RemediationAttempt }
  /** `maxAttempts` were made already (attempts the gates stopped before any call do not count). */
  | { readonly kind: 'exhausted'; readonly attempts: readonly RemediationAttempt[] };

type Row = Selectable<Database['remediation_attempts']>;

/** How long an approval given just before its request expired has to queue its attempt (`expireApproval`). */
const APPROVED_GRACE_MS = 5 * 60_000;

/** Whether an attempt has not finished yet: awaiting approval, queued, executing or verifying. */
export function isInFlight(attempt: RemediationAttempt): boolean {
  return !FINISHED.includes(attempt.state);
}

/**
 * Whether an attempt uses up one of the incident's `maxAttempts`: every attempt does but one the gates
 * stopped at execution before it sent anything — nothing was tried, so pressing again once the gate
 * allows it (the kill switch turned off) is still a first, second or third try.
 */
export function usesAnAttempt(attempt: RemediationAttempt): boolean {
  return !(
    attempt.state === 'failed' &&
    attempt.outcome?.refusedBy !== undefined &&
    attempt.steps.length === 0
  );
}

/**
 * Per database that only this process writes (an embedded PGlite store): whether no attempt is verifying,
 * as last read, and how many attempts were moved to verifying (a read made meanwhile may be older).
 */
const soleWriters = new WeakMap<Kysely<Database>, { noneVerifying: boolean; toVerifying: number }>();

/** The remediation attempts of incidents: their idempotency, their call ledger and their outcome. */
export class RemediationRepository {
  readonly #db: Kysely<Database>;
  readonly #sole: { noneVerifying: boolean; toVerifying: number } | undefined;

  /**
   * `soleWriter`: this process is the database's only client (an embedded PGlite store), so once a read
   * found no attempt verifying, none is until this process moves one there: `listVerifyingRuns`, asked
   * after every runs poll that saw runs end, needs no query meanwhile. Default false (PostgreSQL).
   */
  constructor(db: Kysely<Database>, options: { readonly soleWriter?: boolean } = {}) {
    this.#db = db;
    if (options.soleWriter)
      this.#sole = soleWriterState(soleWriters, db, () => ({ noneVerifying: false, toVerifying: 0 }));
  }

  /**
   * Records a press as attempt n+1 of its incident, once per id. Two racing presses of different plans
   * meet the unique (incident, attempt) constraint: the second is told the first is running. `as`: queued,
   * or awaiting approval until the approval request opened for it expires.
   */
  async claim(input: NewAttempt, maxAttempts: number, as: ClaimAs = 'queued'): Promise<ClaimOutcome> {
    for (let tries = 0; tries < 3; tries++) {
      const same = await this.get(input.id);
      if (same !== undefined) return { kind: 'duplicate', attempt: same };
      const earlier = await this.listForIncident(input.incidentId);
      const running = earlier.find(isInFlight);
      if (running !== undefined) return { kind: 'busy', running };
      const used = earlier.filter(usesAnAttempt);
      if (used.length >= maxAttempts) return { kind: 'exhausted', attempts: used };
      try {
        await this.#db
          .insertInto('remediation_attempts')
          .values({
            id: input.id,
            incident_id: input.incidentId,
            workspace_id: input.workspaceId,
            action: input.action,
            attempt: earlier.length + 1,
            state: as === 'queued' ? 'queued' : 'awaiting_approval',
            requested_by: input.requestedBy,
            plan: toJson(input.plan),
            steps: toJson([]),
            verify: toJson(input.verify),
            outcome: null,
            runbook: input.runbook,
            approval_id: null,
            approval_expires_at: as === 'queued' ? null : toDate(as.awaitingApprovalUntil),
            created_at: toDate(input.createdAt),
            updated_at: toDate(input.createdAt),
          })
          .execute();
        const claimed = await this.get(input.id);
        if (claimed !== undefined) return { kind: 'claimed', attempt: claimed };
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
      }
    }
    const again = await this.get(input.id);
    if (again !== undefined) return { kind: 'duplicate', attempt: again };
    const running = (await this.listForIncident(input.incidentId)).find(isInFlight);
    if (running !== undefined) return { kind: 'busy', running };
    throw new Error(`could not record remediation attempt ${input.id}`);
  }

  async get(id: string): Promise<RemediationAttempt | undefined> {
    const row = await this.#rowById(id);
    return row === undefined ? undefined : fromRow(row);
  }

  /** Oldest first. */
  async listForIncident(incidentId: string): Promise<RemediationAttempt[]> {
    const rows = await this.#db
      .selectFrom('remediation_attempts')
      .selectAll()
      .where('incident_id', '=', incidentId)
      .orderBy('attempt')
      .execute();
    return rows.map(fromRow);
  }

  /**
   * The attempts verifying one of the runs `runIds` (a rerun's new run, a repaired run): a notification
   * that it ended polls them at once. Few attempts verify at any time, so they are read once and matched
   * here, however many runs a poll reports.
   */
  async listVerifyingRuns(runIds: readonly number[]): Promise<RemediationAttempt[]> {
    if (runIds.length === 0 || this.#sole?.noneVerifying) return [];
    const ended = new Set(runIds);
    const movedBefore = this.#sole?.toVerifying;
    const rows = await this.#db
      .selectFrom('remediation_attempts')
      .selectAll()
      .where('state', '=', 'verifying')
      .execute();
    if (this.#sole !== undefined && rows.length === 0 && this.#sole.toVerifying === movedBefore)
      this.#sole.noneVerifying = true;
    return rows.map(fromRow).filter((a) => {
      const verify = a.verify as { target?: unknown; runId?: unknown } | null;
      return verify?.target === 'run' && typeof verify.runId === 'number' && ended.has(verify.runId);
    });
  }

  /**
   * Moves an attempt on, only from the states given: a redelivered job that finds the attempt already
   * past its step does nothing (false).
   */
  async transition(
    id: string,
    from: readonly AttemptState[],
    to: AttemptState,
    now: number,
    changes: { verify?: unknown; outcome?: AttemptOutcome; approvalId?: string } = {},
  ): Promise<boolean> {
    if (to === 'verifying' && this.#sole !== undefined) {
      this.#sole.toVerifying++;
      this.#sole.noneVerifying = false;
    }
    const result = await this.#db
      .updateTable('remediation_attempts')
      .set({
        state: to,
        updated_at: toDate(now),
        ...(changes.verify === undefined ? {} : { verify: toJson(changes.verify) }),
        ...(changes.outcome === undefined ? {} : { outcome: toJson(changes.outcome) }),
        ...(changes.approvalId === undefined ? {} : { approval_id: changes.approvalId }),
      })
      .where('id', '=', id)
      .where('state', 'in', [...from])
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /**
   * Finishes an attempt awaiting approval whose request expired unanswered by `now` (wall clock): failed,
   * with `outcome`. Only one of several callers racing to do it gets true; none does before the expiry.
   * A request approved in time whose attempt is not yet queued (the approver's press is between its two
   * statements) is left to that press, for `APPROVED_GRACE_MS` past the expiry; after that the press
   * must have died, and the attempt is finished all the same.
   */
  async expireApproval(id: string, now: number, outcome: AttemptOutcome): Promise<boolean> {
    const result = await this.#db
      .updateTable('remediation_attempts as r')
      .set({ state: 'failed', outcome: toJson(outcome), updated_at: toDate(now) })
      .where('r.id', '=', id)
      .where('r.state', '=', 'awaiting_approval')
      .where('r.approval_expires_at', '<=', toDate(now))
      .where((eb) =>
        eb.or([
          eb('r.approval_expires_at', '<=', toDate(now - APPROVED_GRACE_MS)),
          // The request was opened in the same press as the attempt, at the same instant.
          eb.not(
            eb.exists(
              eb
                .selectFrom('approvals as a')
                .select('a.id')
                .whereRef('a.incident_id', '=', 'r.incident_id')
                .whereRef('a.action_kind', '=', 'r.action')
                .whereRef('a.requested_at', '=', 'r.created_at')
                .where('a.used_at', 'is not', null),
            ),
          ),
        ]),
      )
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Writes one call's record into the ledger (replacing the record of the same index). */
  async recordCall(id: string, record: CallRecord, now: number): Promise<void> {
    const current = await this.get(id);
    if (current === undefined) return;
    const steps = [...current.steps.filter((s) => s.index !== record.index), record].sort(
      (a, b) => a.index - b.index,
    );
    await this.#db
      .updateTable('remediation_attempts')
      .set({ steps: toJson(steps), updated_at: toDate(now) })
      .where('id', '=', id)
      .execute();
  }

  #rowById(id: string): Promise<Row | undefined> {
    return this.#db.selectFrom('remediation_attempts').selectAll().where('id', '=', id).executeTakeFirst();
  }
}

function fromRow(row: Row): RemediationAttempt {
  return {
    id: row.id,
    incidentId: row.incident_id,
    workspaceId: row.workspace_id,
    action: row.action,
    attempt: row.attempt,
    state: row.state as AttemptState,
    requestedBy: row.requested_by,
    plan: row.plan,
    steps: (row.steps as CallRecord[] | null) ?? [],
    verify: row.verify,
    outcome: (row.outcome as AttemptOutcome | null) ?? null,
    runbook: row.runbook,
    approvalId: row.approval_id,
    approvalExpiresAt: fromDateOrNull(row.approval_expires_at),
    createdAt: fromDate(row.created_at),
    updatedAt: fromDate(row.updated_at),
  };
}
