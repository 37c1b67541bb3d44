import { cleanText } from '../domain/text.js';
import { type Kysely, type RawBuilder, sql, type Transaction } from 'kysely';
import { fingerprint as fingerprintOf } from '../domain/fingerprint.js';
import {
  type Incident,
  type IncidentEvent,
  type NewIncident,
  newIncident,
  parseIncident,
  SYSTEM_ACTOR,
  type TimelineEntry,
  type TimelineEntryInput,
  type TimelinePhase,
  type TransitionRefusal,
  timelineEntrySchema,
  transition,
} from '../domain/incident.js';
import { err, ok, type Result } from '../domain/result.js';
import type { ErrorCategory } from '../domain/error-label.js';
import type { Severity } from '../domain/severity.js';
import { type Signal, signalSchema } from '../domain/signal.js';
import type { Database, IncidentRow } from './database.js';
import { isForeignKeyViolation, isUniqueViolation } from './store-error.js';
import { fromDate, fromDateOrNull, toDate, toDateOrNull, toJson } from './rows.js';

type Db = Kysely<Database> | Transaction<Database>;

/** Fields a caller may change through `update`; state changes go through `applyEvent`. */
export type IncidentChanges = Partial<
  Pick<
    Incident,
    | 'title'
    | 'summary'
    | 'severity'
    | 'correlationKey'
    | 'rootCauseSignalId'
    | 'category'
    | 'slaDeadline'
    | 'blastRadius'
    | 'costUsd'
    | 'owner'
    | 'team'
    | 'assignee'
    | 'snoozedUntil'
  >
>;

export type UpdateRefusal = 'not_found' | 'version_conflict' | 'invalid_incident';
export type EventRefusal = TransitionRefusal | UpdateRefusal | 'duplicate_active';

export interface OpenIncidentOutcome {
  readonly incident: Incident;
  /** False when an unresolved incident with this fingerprint already existed and is returned instead. */
  readonly created: boolean;
}

export interface AttachOutcome {
  /** False when the signal was already attached (to this or another incident): nothing changed. */
  readonly attached: boolean;
  /** The incident the signal belongs to, which is another one if it had been attached elsewhere first. */
  readonly incidentId: string;
  /** The incident as the attachment left it (its version moved on), when `attached`. */
  readonly incident?: Incident;
}

export interface ListOpenFilter {
  readonly workspaceId?: string;
  readonly team?: string;
  readonly severities?: readonly Severity[];
  readonly limit?: number;
}

/** A timeline entry as stored: `seq` is its place in the store's order (ids only grow). */
export type StoredTimelineEntry = TimelineEntry & { readonly seq: number };

// Timeline phase recorded for each event applied through `applyEvent`.
const EVENT_PHASE: Record<IncidentEvent['type'], TimelinePhase> = {
  acknowledge: 'ANALYZE',
  assign: 'ANALYZE',
  snooze: 'ANALYZE',
  escalate: 'ANALYZE',
  mitigate: 'REMEDIATE',
  unmitigate: 'VERIFY',
  resolve: 'CLOSE',
  reopen: 'DISCOVER',
};

function describeEvent(event: IncidentEvent, next: Incident): string {
  switch (event.type) {
    case 'acknowledge':
      return `Acknowledged by ${event.actor}`;
    case 'assign':
      return event.assignee === null
        ? `Unassigned by ${event.actor}`
        : `Assigned to ${event.assignee} by ${event.actor}`;
    case 'snooze':
      return event.until === null
        ? `Snooze cleared by ${event.actor}`
        : `Snoozed until ${new Date(event.until).toISOString()} by ${event.actor}`;
    case 'escalate':
      return `Escalated to ${next.severity} by ${event.actor}`;
    case 'mitigate':
      return `Mitigation started by ${event.actor}`;
    case 'unmitigate':
      return `Mitigation ended without a fix (${event.actor})`;
    case 'resolve':
      return event.why?.summary ?? `Resolved by ${event.actor}`;
    case 'reopen':
      return `Reopened by ${event.actor}`;
  }
}

/** Maps a row to the domain incident. */
function incidentFromRow(row: IncidentRow): Incident {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    fingerprint: row.fingerprint,
    correlationKey: row.correlation_key,
    title: row.title,
    summary: row.summary,
    severity: row.severity as Severity,
    state: row.state as Incident['state'],
    rootCauseSignalId: row.root_cause_signal_id,
    category: row.category as ErrorCategory | null,
    openedAt: fromDate(row.opened_at),
    updatedAt: fromDate(row.updated_at),
    acknowledgedAt: fromDateOrNull(row.acknowledged_at),
    acknowledgedBy: row.acknowledged_by,
    resolvedAt: fromDateOrNull(row.resolved_at),
    slaDeadline: fromDateOrNull(row.sla_deadline),
    blastRadius: row.blast_radius as Incident['blastRadius'],
    costUsd: row.cost_usd,
    owner: row.owner,
    team: row.team,
    assignee: row.assignee,
    snoozedUntil: fromDateOrNull(row.snoozed_until),
    version: row.version,
  };
}

function rowFromIncident(i: Incident): IncidentRow {
  return {
    id: i.id,
    workspace_id: i.workspaceId,
    fingerprint: i.fingerprint,
    correlation_key: i.correlationKey,
    title: i.title,
    summary: i.summary,
    severity: i.severity,
    state: i.state,
    root_cause_signal_id: i.rootCauseSignalId,
    category: i.category,
    opened_at: toDate(i.openedAt),
    updated_at: toDate(i.updatedAt),
    acknowledged_at: toDateOrNull(i.acknowledgedAt),
    acknowledged_by: i.acknowledgedBy,
    resolved_at: toDateOrNull(i.resolvedAt),
    sla_deadline: toDateOrNull(i.slaDeadline),
    blast_radius: i.blastRadius,
    cost_usd: i.costUsd,
    owner: i.owner,
    team: i.team,
    assignee: i.assignee,
    snoozed_until: toDateOrNull(i.snoozedUntil),
    version: i.version,
  };
}

function insertable(i: Incident) {
  const row = rowFromIncident(i);
  return { ...row, blast_radius: toJson(row.blast_radius) };
}

function timelineRow(e: TimelineEntry) {
  return {
    incident_id: e.incidentId,
    at: toDate(e.at),
    phase: e.phase,
    summary: e.summary,
    actor: e.actor,
    data: toJson(e.data),
    dedup_key: e.dedupKey,
  };
}

/** Checks timeline entries (the system is the actor unless one is named); one that does not parse refuses all. */
function parseTimelineEntries(
  inputs: readonly TimelineEntryInput[],
): Result<TimelineEntry[], 'invalid_timeline_entry'> {
  const entries: TimelineEntry[] = [];
  for (const input of inputs) {
    const parsed = timelineEntrySchema.safeParse({ actor: SYSTEM_ACTOR, ...input });
    if (!parsed.success) {
      return err(
        'invalid_timeline_entry',
        `The timeline entry was not recorded: ${parsed.error.issues[0]?.message}`,
        {
          issues: parsed.error.issues.map((i) => ({
            path: i.path.map(String).join('.'),
            message: i.message,
          })),
        },
      );
    }
    entries.push(parsed.data);
  }
  return ok(entries);
}

/** Stores a signal (a parsed one: its text is clean), once: a redelivered signal is already there. */
function insertSignal(signal: Signal) {
  return sql`
    INSERT INTO signals (id, workspace_id, kind, source, fingerprint, observed_at, occurred_at, body)
    VALUES (${signal.id}, ${signal.workspaceId}, ${signal.kind}, ${signal.source}, ${fingerprintOf(signal)},
            ${toDate(signal.observedAt)}, ${toDate(signal.occurredAt)}, ${toJson(signal)})
    ON CONFLICT (id) DO NOTHING`;
}

/** Stores the signal's link keys when the statement's `link` step linked it (not when it was linked already). */
function insertLinkKeysOnceLinked(signalId: string, linkKeys: Iterable<string>) {
  return sql`
    INSERT INTO signal_link_keys (signal_id, link_key)
    SELECT ${signalId}, k FROM jsonb_array_elements_text(${JSON.stringify(storableLinkKeys(linkKeys))}::jsonb) AS k
    WHERE EXISTS (SELECT 1 FROM link)
    ON CONFLICT DO NOTHING`;
}

/** Link keys are node keys (`table:catalog.schema.table`); anything longer is not one. */
const MAX_LINK_KEY_LENGTH = 1_000;
/**
 * Link keys as stored: cleaned the way every stored text is (a NUL in a table name from lineage would
 * otherwise fail the statement), deduplicated, empty and over-long ones dropped. Lookups clean the same
 * way, so a cleaned key still matches.
 */
function storableLinkKeys(keys: Iterable<string>): string[] {
  const out = new Set<string>();
  for (const key of keys) {
    const clean = cleanText(key);
    if (clean.length > 0 && clean.length <= MAX_LINK_KEY_LENGTH) out.add(clean);
  }
  return [...out];
}

/** Bind parameters per statement stay far below PostgreSQL's 65,535. */
const KEYS_PER_STATEMENT = 1_000;

/**
 * Incidents, the signals attached to them and their timeline. Every write that can be repeated is
 * idempotent, and every race between workers is settled by a unique constraint, not check-then-insert.
 */
/** Incidents whose signals `listSignals` keeps by version: more than are open at once. */
const SIGNALS_KEPT = 1_000;

export class IncidentRepository {
  readonly #db: Kysely<Database>;
  readonly #inTransaction: boolean;

  /**
   * `inTransaction`: `db` is bound to a connection inside a transaction its caller began (the
   * correlation lock's), so multi-statement writes run in it instead of beginning their own.
   */
  constructor(db: Kysely<Database>, options: { readonly inTransaction?: boolean } = {}) {
    this.#db = db;
    this.#inTransaction = options.inTransaction ?? db.isTransaction;
  }

  /**
   * Signals read per incident at a version (`listSignals` with `atVersion`), oldest first. Every signal
   * attached moves the version on in the statement that links it, so an incident's signals at a committed
   * version never change, whichever process attached them.
   */
  readonly #signalsAt = new Map<string, { readonly version: number; readonly signals: readonly Signal[] }>();

  /**
   * Opens an incident, or returns the unresolved one that already has this fingerprint: two workers
   * opening the same root cause at once get one incident (`created` is true for exactly one of them).
   */
  async open(input: NewIncident): Promise<Result<OpenIncidentOutcome, 'invalid_incident'>> {
    const built = newIncident(input);
    if (!built.ok) return built;
    const incident = built.value;
    return this.#insertOrFindOpen(incident, () =>
      this.#db
        .insertInto('incidents')
        .values(insertable(incident))
        .onConflict((oc) => oc.doNothing())
        .returningAll()
        .executeTakeFirst(),
    );
  }

  /**
   * Opens an incident with its first signal and its first timeline entries in one statement (one round
   * trip, where `open`, `attachSignal` and `addTimelineEntries` take three): a failure opens an incident
   * at 1 in 50 run events, and on a busy machine each round trip costs more CPU than the rest of the work.
   * As `open`, it returns the unresolved incident that already has this fingerprint instead (`created`
   * false), and then stores only the signal: the caller joins it to that incident.
   */
  async openWithSignal(
    input: NewIncident,
    first: { readonly signal: Signal; readonly linkKeys: readonly string[]; readonly now: number },
    timeline: readonly Omit<TimelineEntryInput, 'incidentId'>[],
  ): Promise<Result<OpenIncidentOutcome, 'invalid_incident' | 'invalid_signal' | 'invalid_timeline_entry'>> {
    const built = newIncident(input);
    if (!built.ok) return built;
    const incident = built.value;
    const signal = signalSchema.safeParse(first.signal);
    if (!signal.success) return err('invalid_signal', 'The signal does not have the expected shape.');
    const entries = parseTimelineEntries(timeline.map((e) => ({ ...e, incidentId: incident.id })));
    if (!entries.ok) return entries;
    const row = insertable(incident);
    const columns = sql.join(Object.keys(row).map((column) => sql.ref(column)));
    const entryRows = entries.value
      .map(timelineRow)
      .map(
        (e) =>
          sql`(${e.at}::timestamptz, ${e.phase}, ${e.summary}, ${e.actor}, ${e.data}::jsonb, ${e.dedup_key ?? null})`,
      );
    // The link, keys and entries select from `inc`: when the fingerprint is taken, they store nothing.
    return this.#insertOrFindOpen(incident, async () => {
      const result = await sql<IncidentRow>`
        WITH inc AS (
          INSERT INTO incidents (${columns}) VALUES (${sql.join(Object.values(row))})
          ON CONFLICT DO NOTHING
          RETURNING *
        ), sig AS (${insertSignal(signal.data)}), link AS (
          INSERT INTO incident_signals (signal_id, incident_id, attached_at)
          SELECT ${signal.data.id}, id, ${toDate(first.now)} FROM inc
          ON CONFLICT (signal_id) DO NOTHING
          RETURNING incident_id
        ), keys AS (${insertLinkKeysOnceLinked(signal.data.id, first.linkKeys)})${
          entryRows.length === 0
            ? sql``
            : sql`, entries AS (
          INSERT INTO timeline_entries (incident_id, at, phase, summary, actor, data, dedup_key)
          SELECT inc.id, e.at, e.phase, e.summary, e.actor, e.data, e.dedup_key
          FROM inc, (VALUES ${sql.join(entryRows)}) AS e(at, phase, summary, actor, data, dedup_key)
          ON CONFLICT (incident_id, dedup_key) DO NOTHING
        )`
        }
        SELECT * FROM inc`.execute(this.#db);
      return result.rows[0];
    });
  }

  /**
   * Runs `insert` (which inserts `incident` unless its id or open fingerprint is taken, and returns the
   * row it inserted) and answers the new incident, or the one already there. A concurrent resolve can
   * remove that one between the conflict and the read: then the insert is tried again, a few times.
   */
  async #insertOrFindOpen(
    incident: Incident,
    insert: () => Promise<IncidentRow | undefined>,
  ): Promise<Result<OpenIncidentOutcome, never>> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const inserted = await insert();
      if (inserted !== undefined) return ok({ incident: incidentFromRow(inserted), created: true });
      const existing =
        (await this.findOpenByFingerprint(incident.workspaceId, incident.fingerprint)) ??
        (await this.get(incident.id));
      if (existing !== undefined) return ok({ incident: existing, created: false });
    }
    throw new Error(`Incident ${incident.id} could neither be inserted nor found after 5 attempts`);
  }

  /** The incident with this id, or undefined. */
  async get(id: string, db: Db = this.#db): Promise<Incident | undefined> {
    const row = await db.selectFrom('incidents').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : incidentFromRow(row);
  }

  /** The incidents with these ids that exist, in id order. */
  async getMany(ids: readonly string[]): Promise<Incident[]> {
    const out: Incident[] = [];
    for (let i = 0; i < ids.length; i += KEYS_PER_STATEMENT) {
      const rows = await this.#db
        .selectFrom('incidents')
        .selectAll()
        .where('id', 'in', ids.slice(i, i + KEYS_PER_STATEMENT))
        .orderBy('id')
        .execute();
      out.push(...rows.map(incidentFromRow));
    }
    return out;
  }

  /** The unresolved incident for this root cause, if any (at most one exists). */
  async findOpenByFingerprint(workspaceId: string, fingerprint: string): Promise<Incident | undefined> {
    const row = await this.#db
      .selectFrom('incidents')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('fingerprint', '=', fingerprint)
      .where('state', '<>', 'resolved')
      .executeTakeFirst();
    return row === undefined ? undefined : incidentFromRow(row);
  }

  /**
   * Incidents resolved at or after `since` (epoch ms) with this root cause (`fingerprint`) or rooted at
   * the same graph node (`correlationKey`), most recently resolved first: those a recurrence shortly
   * after its fix may reopen.
   */
  async findResolvedSince(
    workspaceId: string,
    root: { readonly fingerprint: string; readonly correlationKey: string },
    since: number,
  ): Promise<Incident[]> {
    const rows = await this.#db
      .selectFrom('incidents')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where((eb) =>
        eb.or([eb('fingerprint', '=', root.fingerprint), eb('correlation_key', '=', root.correlationKey)]),
      )
      .where('state', '=', 'resolved')
      .where('resolved_at', '>=', toDate(since))
      .orderBy('resolved_at', 'desc')
      .limit(10)
      .execute();
    return rows.map(incidentFromRow);
  }

  /** Unresolved incidents sharing a correlation key, most severe then newest first. */
  async findOpenByCorrelationKey(workspaceId: string, correlationKey: string): Promise<Incident[]> {
    const rows = await this.#db
      .selectFrom('incidents')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('correlation_key', '=', correlationKey)
      .where('state', '<>', 'resolved')
      .orderBy('severity')
      .orderBy('opened_at', 'desc')
      .execute();
    return rows.map(incidentFromRow);
  }

  /**
   * The incidents whose cards may lag behind them: every unresolved one, and those resolved or changed
   * since `since`, most recently changed first (at most `limit`).
   */
  async idsOpenOrChangedSince(since: number, limit = 10_000): Promise<string[]> {
    const rows = await this.#db
      .selectFrom('incidents')
      .select('id')
      .where((eb) => eb.or([eb('state', '<>', 'resolved'), eb('updated_at', '>=', toDate(since))]))
      .orderBy('updated_at', 'desc')
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((r) => r.id);
  }

  /** Unresolved incidents, most severe first then newest, optionally for one workspace/team/severities. */
  async listOpen(filter: ListOpenFilter = {}): Promise<Incident[]> {
    let query = this.#db.selectFrom('incidents').selectAll().where('state', '<>', 'resolved');
    if (filter.workspaceId !== undefined) query = query.where('workspace_id', '=', filter.workspaceId);
    if (filter.team !== undefined) query = query.where('team', '=', filter.team);
    if (filter.severities !== undefined) {
      if (filter.severities.length === 0) return [];
      query = query.where('severity', 'in', [...filter.severities]);
    }
    const rows = await query
      .orderBy('severity')
      .orderBy('opened_at', 'desc')
      .orderBy('id')
      .limit(Math.min(Math.max(filter.limit ?? 100, 1), 1_000))
      .execute();
    return rows.map(incidentFromRow);
  }

  /**
   * Changes fields if the stored version is still `expectedVersion` (optimistic concurrency), bumping the
   * version and setting `updatedAt = now`. A stale version is a `version_conflict` value, not an error.
   */
  async update(
    id: string,
    expectedVersion: number,
    changes: IncidentChanges,
    now: number,
  ): Promise<Result<Incident, UpdateRefusal>> {
    const current = await this.get(id);
    if (current === undefined) return err('not_found', `Incident ${id} does not exist.`);
    if (current.version !== expectedVersion) return this.#conflict(current, expectedVersion);
    const next = parseIncident({
      ...current,
      ...changes,
      updatedAt: Math.max(now, current.updatedAt),
      version: current.version + 1,
    });
    if (!next.ok) return next;
    return this.#write(next.value, expectedVersion);
  }

  /**
   * Applies a state change or assignment (see `transition`) and records it on the timeline, in one
   * transaction. With `expectedVersion` (the version a card showed) a stale click is a `version_conflict`;
   * without it, the event is applied to the latest version.
   */
  async applyEvent(
    id: string,
    event: IncidentEvent,
    now: number,
    expectedVersion?: number,
  ): Promise<Result<Incident, EventRefusal>> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await this.get(id);
      if (current === undefined) return err('not_found', `Incident ${id} does not exist.`);
      if (expectedVersion !== undefined && current.version !== expectedVersion) {
        return this.#conflict(current, expectedVersion);
      }
      const next = transition(current, event, now);
      if (!next.ok) return next;
      try {
        const written = await this.#transaction(async (trx) => {
          const result = await this.#write(next.value, current.version, trx);
          if (result.ok) {
            await this.#insertTimeline(trx, {
              incidentId: id,
              at: now,
              phase: EVENT_PHASE[event.type],
              summary: describeEvent(event, result.value),
              actor: event.actor,
              data: {
                ...(event.type === 'resolve' ? event.why?.data : undefined),
                event: event.type,
                version: result.value.version,
              },
              dedupKey: `event:${result.value.version}`,
            });
          }
          return result;
        });
        if (written.ok || expectedVersion !== undefined) return written;
      } catch (error) {
        if (isUniqueViolation(error) && event.type === 'reopen') {
          return err(
            'duplicate_active',
            'Another unresolved incident already tracks this root cause; it was not reopened.',
            { fingerprint: current.fingerprint },
          );
        }
        throw error;
      }
    }
    return err('version_conflict', `Incident ${id} kept changing while the event was applied; try again.`);
  }

  /**
   * Marks an incident that nobody acknowledged as escalated and records why, once per `entry.dedupKey`:
   * the timeline entry decides, in the same transaction as the state change, so an escalation retried
   * by a poll, or raced by a worker in another process, changes nothing the second time (`escalated`
   * false). Refused when the incident changed since `expectedVersion` or is no longer waiting for
   * someone (acknowledged, mitigating or resolved).
   */
  async escalate(
    id: string,
    expectedVersion: number,
    entry: Omit<TimelineEntryInput, 'incidentId' | 'actor' | 'at'> & { readonly dedupKey: string },
    now: number,
  ): Promise<Result<{ escalated: boolean; incident: Incident }, UpdateRefusal | 'invalid_transition'>> {
    const refused = Symbol('refused');
    let refusal: Result<never, UpdateRefusal | 'invalid_transition'> | undefined;
    try {
      return await this.#transaction(async (trx) => {
        const current = await this.get(id, trx);
        if (current === undefined) return err('not_found', `Incident ${id} does not exist.`);
        if (current.version !== expectedVersion) return this.#conflict(current, expectedVersion);
        if (current.state !== 'open' && current.state !== 'escalated') {
          return err('invalid_transition', `The incident is ${current.state}; it is not escalated.`);
        }
        const recorded = await this.#insertTimeline(trx, { ...entry, incidentId: id, at: now });
        if (!recorded) return ok({ escalated: false, incident: current });
        const next = parseIncident({
          ...current,
          state: 'escalated',
          updatedAt: Math.max(now, current.updatedAt),
          version: current.version + 1,
        });
        const written = next.ok ? await this.#write(next.value, expectedVersion, trx) : next;
        if (written.ok) return ok({ escalated: true, incident: written.value });
        // Changed under us: the entry must not stay behind without the state it records.
        refusal = written;
        throw refused;
      });
    } catch (error) {
      if (error === refused && refusal !== undefined) return refusal;
      throw error;
    }
  }

  /**
   * Attaches a signal to an incident, idempotently: the same signal (same id) attached twice, or by two
   * workers at once, is stored once and bumps the incident's version once. `linkKeys` (the correlator's
   * `signalLinkKeys`) are what later signals find it by, in `openIncidentIdsLinkedTo`.
   */
  async attachSignal(
    incidentId: string,
    signal: Signal,
    now: number,
    linkKeys: readonly string[] = [],
  ): Promise<Result<AttachOutcome, 'not_found' | 'invalid_signal'>> {
    const parsed = signalSchema.safeParse(signal);
    if (!parsed.success) return err('invalid_signal', 'The signal does not have the expected shape.');
    try {
      const at = toDate(now);
      // One statement (one round trip, atomic): store the signal, link it unless it is linked already,
      // and only then store its keys and move the incident's version on (a new signal changes the card).
      const result = await sql<IncidentRow & { linked: string | null; owner: string | null }>`
        WITH sig AS (${insertSignal(parsed.data)}), link AS (
          INSERT INTO incident_signals (signal_id, incident_id, attached_at)
          VALUES (${signal.id}, ${incidentId}, ${at})
          ON CONFLICT (signal_id) DO NOTHING
          RETURNING incident_id
        ), keys AS (${insertLinkKeysOnceLinked(signal.id, linkKeys)}), bump AS (
          UPDATE incidents SET version = version + 1, updated_at = greatest(updated_at, ${at})
          WHERE id = ${incidentId} AND EXISTS (SELECT 1 FROM link)
          RETURNING *
        )
        SELECT (SELECT incident_id FROM link) AS linked,
               (SELECT incident_id FROM incident_signals WHERE signal_id = ${signal.id}) AS owner,
               bump.*
        FROM (SELECT 1) AS one LEFT JOIN bump ON true`.execute(this.#db);
      const row = result.rows[0];
      if (row?.linked == null) {
        // Linked by a concurrent attach that committed after this statement's snapshot: read it now.
        const owner =
          row?.owner ??
          (
            await this.#db
              .selectFrom('incident_signals')
              .select('incident_id')
              .where('signal_id', '=', signal.id)
              .executeTakeFirstOrThrow()
          ).incident_id;
        return ok({ attached: false, incidentId: owner });
      }
      const { linked: _linked, owner: _owner, ...bumped } = row;
      return ok({
        attached: true,
        incidentId,
        ...(bumped.id == null ? {} : { incident: incidentFromRow(bumped as IncidentRow) }),
      });
    } catch (error) {
      if (isForeignKeyViolation(error)) return err('not_found', `Incident ${incidentId} does not exist.`);
      throw error;
    }
  }

  /**
   * Unresolved incidents of a workspace holding a signal stored under any of `linkKeys` (see
   * `attachSignal`): the incidents a new signal can correlate with, without reading every open one.
   */
  async openIncidentIdsLinkedTo(
    workspaceId: string,
    linkKeys: Iterable<string>,
    options: { readonly orHoldingSignal?: string } = {},
  ): Promise<string[]> {
    return this.#incidentIdsLinkedTo(
      workspaceId,
      linkKeys,
      options.orHoldingSignal,
      sql`state <> 'resolved'`,
    );
  }

  /**
   * Incidents of a workspace resolved at or after `since` (epoch ms) holding a signal stored under any of
   * `linkKeys`: those a signal tied to them shortly after their resolution may reopen.
   */
  async resolvedIncidentIdsLinkedTo(
    workspaceId: string,
    linkKeys: Iterable<string>,
    since: number,
  ): Promise<string[]> {
    return this.#incidentIdsLinkedTo(
      workspaceId,
      linkKeys,
      undefined,
      sql`state = 'resolved' AND resolved_at >= ${toDate(since)}`,
    );
  }

  async #incidentIdsLinkedTo(
    workspaceId: string,
    linkKeys: Iterable<string>,
    signalId: string | undefined,
    stateFilter: RawBuilder<unknown>,
  ): Promise<string[]> {
    const keys = storableLinkKeys(linkKeys);
    if (keys.length === 0 && signalId === undefined) return [];
    // Each step feeds the next an array (an init plan, run once), so every table is read through its
    // primary key or key index by the few ids found so far; OFFSET 0 keeps the incident filter out of
    // the last step, where the partial index on open incidents would otherwise win. Joins leave the
    // order to the planner, which, on statistics taken while the tables were young, hashed every open
    // incident and probed their signals' keys one by one: 15 ms a lookup after a burst of a few
    // thousand failures, instead of a tenth of a millisecond.
    const { rows } = await sql<{ id: string }>`
      SELECT id FROM (
        SELECT i.id, i.workspace_id, i.state, i.resolved_at FROM incidents i
        WHERE i.id = ANY(ARRAY(
                SELECT s.incident_id FROM incident_signals s
                WHERE s.signal_id = ANY(ARRAY(
                        SELECT k.signal_id FROM signal_link_keys k WHERE k.link_key = ANY(${keys}::text[])
                        UNION ALL SELECT ${signalId ?? null}::text))))
        OFFSET 0
      ) AS linked
      WHERE workspace_id = ${workspaceId} AND ${stateFilter}
      ORDER BY id`.execute(this.#db);
    return rows.map((row) => row.id);
  }

  /** The incident a signal is part of, resolved or not; undefined for a signal no incident holds. */
  async incidentHoldingSignal(signalId: string): Promise<string | undefined> {
    const row = await this.#db
      .selectFrom('incident_signals')
      .select('incident_id')
      .where('signal_id', '=', signalId)
      .executeTakeFirst();
    return row?.incident_id;
  }

  /** The signals of several incidents at once (oldest occurrence first within each), in one query. */
  async listSignalsOf(incidentIds: readonly string[]): Promise<Map<string, Signal[]>> {
    const out = new Map<string, Signal[]>(incidentIds.map((id) => [id, []]));
    for (let i = 0; i < incidentIds.length; i += KEYS_PER_STATEMENT) {
      const rows = await this.#db
        .selectFrom('incident_signals')
        .innerJoin('signals', 'signals.id', 'incident_signals.signal_id')
        .select(['incident_signals.incident_id', 'signals.body'])
        .where('incident_signals.incident_id', 'in', incidentIds.slice(i, i + KEYS_PER_STATEMENT))
        .orderBy('signals.occurred_at')
        .orderBy('signals.id')
        .execute();
      for (const row of rows) out.get(row.incident_id)?.push(row.body as Signal);
    }
    return out;
  }

  /** The signals attached to an incident, oldest occurrence first. */
  async listSignals(incidentId: string, options: { readonly atVersion?: number } = {}): Promise<Signal[]> {
    // `atVersion`: the caller read the incident at that version (the review of open incidents reads
    // each one's signals every few minutes, mostly unchanged). Not inside a transaction, whose
    // uncommitted version may yet roll back.
    const version = this.#inTransaction ? undefined : options.atVersion;
    const known = version === undefined ? undefined : this.#signalsAt.get(incidentId);
    if (known !== undefined && known.version === version) return [...known.signals];
    const rows = await this.#db
      .selectFrom('incident_signals')
      .innerJoin('signals', 'signals.id', 'incident_signals.signal_id')
      .select('signals.body')
      .where('incident_signals.incident_id', '=', incidentId)
      .orderBy('signals.occurred_at')
      .orderBy('signals.id')
      .execute();
    const signals = rows.map((r) => r.body as Signal);
    if (version !== undefined) {
      this.#signalsAt.delete(incidentId);
      this.#signalsAt.set(incidentId, { version, signals: [...signals] });
      if (this.#signalsAt.size > SIGNALS_KEPT) this.#signalsAt.delete(this.#signalsAt.keys().next().value!);
    }
    return signals;
  }

  /**
   * Appends a timeline entry. With a `dedupKey`, the same entry recorded twice is stored once
   * (`added: false`). Over-long summaries are truncated; oversized `data` is refused.
   */
  async addTimelineEntry(
    input: TimelineEntryInput,
  ): Promise<Result<{ added: boolean }, 'invalid_timeline_entry' | 'not_found'>> {
    const result = await this.addTimelineEntries([input]);
    return result.ok ? ok({ added: result.value.added > 0 }) : result;
  }

  /**
   * Appends several entries in one statement; each is checked first, and one that does not parse
   * refuses them all. Repeated dedup keys are stored once (see `addTimelineEntry`).
   */
  async addTimelineEntries(
    inputs: readonly TimelineEntryInput[],
  ): Promise<Result<{ added: number }, 'invalid_timeline_entry' | 'not_found'>> {
    const parsed = parseTimelineEntries(inputs);
    if (!parsed.ok) return parsed;
    const entries = parsed.value;
    if (entries.length === 0) return ok({ added: 0 });
    try {
      const rows = await this.#db
        .insertInto('timeline_entries')
        .values(entries.map(timelineRow))
        .onConflict((oc) => oc.columns(['incident_id', 'dedup_key']).doNothing())
        .returning('id')
        .execute();
      return ok({ added: rows.length });
    } catch (error) {
      if (isForeignKeyViolation(error))
        return err('not_found', `Incident ${entries[0]?.incidentId} does not exist.`);
      throw error;
    }
  }

  /** The incident's timeline in the order it happened. */
  /** The incident's timeline, oldest first; `seq` orders entries written at the same instant. */
  async timeline(incidentId: string): Promise<StoredTimelineEntry[]> {
    const rows = await this.#db
      .selectFrom('timeline_entries')
      .selectAll()
      .where('incident_id', '=', incidentId)
      .orderBy('at')
      .orderBy('id')
      .execute();
    return rows.map((r) => ({
      seq: Number(r.id),
      incidentId: r.incident_id,
      at: fromDate(r.at),
      phase: r.phase as TimelinePhase,
      summary: r.summary,
      actor: r.actor,
      data: r.data as Record<string, unknown>,
      dedupKey: r.dedup_key,
    }));
  }

  async #insertTimeline(db: Db, entry: TimelineEntryInput & { actor?: string }): Promise<boolean> {
    const e = timelineEntrySchema.parse({ actor: SYSTEM_ACTOR, ...entry });
    const inserted = await db
      .insertInto('timeline_entries')
      .values(timelineRow(e))
      .onConflict((oc) => oc.columns(['incident_id', 'dedup_key']).doNothing())
      .returning('id')
      .executeTakeFirst();
    return inserted !== undefined;
  }

  async #write(
    next: Incident,
    expectedVersion: number,
    db: Db = this.#db,
  ): Promise<Result<Incident, UpdateRefusal>> {
    const { id: _id, ...values } = insertable(next);
    const row = await db
      .updateTable('incidents')
      .set(values)
      .where('id', '=', next.id)
      .where('version', '=', expectedVersion)
      .returningAll()
      .executeTakeFirst();
    if (row !== undefined) return ok(incidentFromRow(row));
    const current = await this.get(next.id, db);
    if (current === undefined) return err('not_found', `Incident ${next.id} does not exist.`);
    return this.#conflict(current, expectedVersion);
  }

  /** Runs `work` in a transaction, or in the caller's when the repository is bound to one already. */
  #transaction<T>(work: (trx: Db) => Promise<T>): Promise<T> {
    return this.#inTransaction ? work(this.#db) : this.#db.transaction().execute(work);
  }

  #conflict(current: Incident, expectedVersion: number): Result<never, 'version_conflict'> {
    return err(
      'version_conflict',
      `Incident ${current.id} changed since version ${expectedVersion} (now version ${current.version}); reload it and try again.`,
      { expectedVersion, currentVersion: current.version },
    );
  }
}
