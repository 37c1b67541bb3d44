import type { Kysely } from 'kysely';
import type { Database } from './database.js';
import { fromDate, toDate } from './rows.js';

/** An incident as the digest counts it: when it was opened, detected from and resolved. */
export interface DigestIncidentRow {
  readonly id: string;
  readonly title: string;
  readonly severity: string;
  readonly state: string;
  readonly team: string | null;
  readonly openedAt: number;
  readonly resolvedAt: number | null;
  /** The earliest `occurred_at` of its signals: when the problem began, as far as anything saw. */
  readonly firstOccurredAt: number | null;
}

export interface DigestApprovalRow {
  readonly id: string;
  readonly incidentId: string;
  readonly actionKind: string;
  readonly requestedAt: number;
  readonly expiresAt: number;
}

export interface DigestRemediationRow {
  readonly incidentId: string | null;
  readonly action: string;
  /** What it acted on, as the audit log names it: `job:123`, `warehouse:abc`, `cluster:0101-…`. */
  readonly resource: string | null;
  readonly at: number;
  /** The execution's outcome (`succeeded`, `failed` …). */
  readonly outcome: string;
  /** The verification's outcome, when one was recorded. */
  verified: string | null;
}

/** The parts of an audit entry's canonical JSON the digest shows; anything unreadable reads as absent. */
function auditBody(text: string): {
  what?: { action?: string };
  where?: { resource?: string };
  result?: { outcome?: string };
} {
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed !== null && typeof parsed === 'object' ? (parsed as ReturnType<typeof auditBody>) : {};
  } catch {
    return {};
  }
}

/**
 * What the digest reads from the store, in one place: incidents opened in a window, incidents still
 * unresolved, pending approvals and the remediations the audit log records. Read-only.
 */
export class DigestRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** Incidents of `workspaceId` opened in `[from, to)` (epoch ms), oldest first. */
  async openedBetween(workspaceId: string, from: number, to: number): Promise<DigestIncidentRow[]> {
    return this.#incidents(workspaceId, { openedFrom: from, openedBefore: to });
  }

  /** Incidents of `workspaceId` opened before `at` and not resolved by then, oldest first. */
  async unresolvedAt(workspaceId: string, at: number): Promise<DigestIncidentRow[]> {
    return this.#incidents(workspaceId, { openedBefore: at, unresolvedAt: at });
  }

  /** Approvals of `workspaceId` requested by `at` and neither used nor expired then, oldest first. */
  async pendingApprovals(workspaceId: string, at: number): Promise<DigestApprovalRow[]> {
    const rows = await this.#db
      .selectFrom('approvals')
      .select(['id', 'incident_id', 'action_kind', 'requested_at', 'expires_at'])
      .where('workspace_id', '=', workspaceId)
      .where('requested_at', '<=', toDate(at))
      .where('expires_at', '>', toDate(at))
      .where((eb) => eb.or([eb('used_at', 'is', null), eb('used_at', '>', toDate(at))]))
      .orderBy('requested_at')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      incidentId: r.incident_id,
      actionKind: r.action_kind,
      requestedAt: fromDate(r.requested_at),
      expiresAt: fromDate(r.expires_at),
    }));
  }

  /**
   * Remediations executed in `[from, to)` as the audit log records them, oldest first: the action, its
   * incident, and its outcome — the verification's when one was recorded, else the execution's.
   */
  async remediationsRun(workspaceId: string, from: number, to: number): Promise<DigestRemediationRow[]> {
    const rows = await this.#db
      .selectFrom('audit_entries')
      .select(['seq', 'kind', 'at', 'incident_id', 'body'])
      .where('workspace_id', '=', workspaceId)
      .where('kind', 'in', ['execute', 'verify'])
      .where('at', '>=', toDate(from))
      .where('at', '<', toDate(to))
      .orderBy('seq')
      .execute();
    const runs: DigestRemediationRow[] = [];
    for (const r of rows) {
      const body = auditBody(r.body);
      const action = body.what?.action ?? 'action';
      const outcome = body.result?.outcome ?? 'unknown';
      if (r.kind === 'execute') {
        const resource = typeof body.where?.resource === 'string' ? body.where.resource : null;
        runs.push({
          incidentId: r.incident_id,
          action,
          resource,
          at: fromDate(r.at),
          outcome,
          verified: null,
        });
        continue;
      }
      // A verification settles the latest execution of the same action on the same incident.
      const run = runs.findLast((x) => x.incidentId === r.incident_id && x.action === action);
      if (run !== undefined) run.verified = outcome;
    }
    return runs;
  }

  async #incidents(
    workspaceId: string,
    filter: { openedFrom?: number; openedBefore: number; unresolvedAt?: number },
  ): Promise<DigestIncidentRow[]> {
    let query = this.#db
      .selectFrom('incidents as i')
      .leftJoin('incident_signals as l', 'l.incident_id', 'i.id')
      .leftJoin('signals as s', 's.id', 'l.signal_id')
      .select((eb) => [
        'i.id',
        'i.title',
        'i.severity',
        'i.state',
        'i.team',
        'i.opened_at',
        'i.resolved_at',
        eb.fn.min('s.occurred_at').as('first_occurred_at'),
      ])
      .where('i.workspace_id', '=', workspaceId)
      .where('i.opened_at', '<', toDate(filter.openedBefore));
    if (filter.openedFrom !== undefined) query = query.where('i.opened_at', '>=', toDate(filter.openedFrom));
    const at = filter.unresolvedAt;
    if (at !== undefined)
      query = query.where((eb) =>
        eb.or([eb('i.resolved_at', 'is', null), eb('i.resolved_at', '>', toDate(at))]),
      );
    const rows = await query
      .groupBy(['i.id', 'i.title', 'i.severity', 'i.state', 'i.team', 'i.opened_at', 'i.resolved_at'])
      .orderBy('i.opened_at')
      .orderBy('i.id')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      title: r.title,
      severity: r.severity,
      state: r.state,
      team: r.team,
      openedAt: fromDate(r.opened_at),
      resolvedAt: r.resolved_at === null ? null : fromDate(r.resolved_at),
      firstOccurredAt: r.first_occurred_at === null ? null : fromDate(r.first_occurred_at),
    }));
  }
}
