import type { ColumnType, Generated, Selectable } from 'kysely';

/** timestamptz: written and read as Date; repositories convert to epoch ms at the boundary. */
type Timestamp = ColumnType<Date, Date, Date>;
/**
 * jsonb: always written as a JSON string (node-postgres would turn a JS array into a Postgres array
 * literal), read back as parsed JSON.
 */
type Json<T> = ColumnType<T, string, string>;

interface IncidentsTable {
  id: string;
  workspace_id: string;
  fingerprint: string;
  correlation_key: string | null;
  title: string;
  summary: string | null;
  severity: string;
  state: string;
  root_cause_signal_id: string | null;
  category: string | null;
  opened_at: Timestamp;
  updated_at: Timestamp;
  acknowledged_at: Timestamp | null;
  acknowledged_by: string | null;
  resolved_at: Timestamp | null;
  sla_deadline: Timestamp | null;
  blast_radius: Json<unknown>;
  cost_usd: number | null;
  owner: string | null;
  team: string | null;
  assignee: string | null;
  snoozed_until: Timestamp | null;
  version: number;
}

interface SignalsTable {
  id: string;
  workspace_id: string;
  kind: string;
  source: string;
  fingerprint: string;
  observed_at: Timestamp;
  occurred_at: Timestamp;
  body: Json<unknown>;
}

interface IncidentSignalsTable {
  /** A signal belongs to exactly one incident: the primary key is the signal. */
  signal_id: string;
  incident_id: string;
  attached_at: Timestamp;
}

/** The keys a signal is found by when correlating (`signalLinkKeys`): `job:42`, `table:main.a.b` … */
interface SignalLinkKeysTable {
  signal_id: string;
  link_key: string;
}

interface TimelineEntriesTable {
  id: Generated<string | number>;
  incident_id: string;
  at: Timestamp;
  phase: string;
  summary: string;
  actor: string;
  data: Json<unknown>;
  dedup_key: string | null;
}

interface RecurringOccurrencesTable {
  workspace_id: string;
  fingerprint: string;
  occurrence_key: string;
  occurred_at: Timestamp;
  category: string | null;
  kind: string | null;
}

export interface RecurringIssuesTable {
  id: string;
  workspace_id: string;
  fingerprint: string;
  state: string;
  title: string | null;
  category: string | null;
  kind: string | null;
  recommendation_kind: string;
  recommendation: string;
  occurrences: number;
  first_seen_at: Timestamp;
  last_seen_at: Timestamp;
  opened_at: Timestamp;
}

interface WatermarksTable {
  workspace_id: string;
  source: string;
  last_seen_at: Timestamp | null;
  last_seen_id: string | null;
  updated_at: Timestamp;
}

interface ProcessedKeysTable {
  scope: string;
  key: string;
  processed_at: Timestamp;
}

interface AskContextsTable {
  key: string;
  intent: string;
  /** The question's names (team, job, table), as the analyst's `Slots`. */
  slots: unknown;
  period_start: Timestamp;
  period_end: Timestamp;
  period_label: string;
  updated_at: Timestamp;
}

/** See migration 0010: model tokens spent per UTC day, by every process together. */
interface LlmTokenUsageTable {
  day: string;
  /** bigint: a string in node-postgres, a number in PGlite. */
  tokens: ColumnType<string | number, number, number>;
  updated_at: Timestamp;
}

/** See migration 0010: the model's draft explanation of one incident. */
interface IncidentExplanationsTable {
  incident_id: string;
  state: string;
  text: string | null;
  model: string | null;
  reason: string | null;
  claimed_at: Timestamp;
  drafted_at: Timestamp | null;
}

/** The whole schema as Kysely sees it; grows with each migration. */
interface CardPostsTable {
  incident_id: string;
  surface: string;
  channel_id: string;
  /** Null while the copy is claimed and being posted. */
  message_id: string | null;
  message_channel_id: string | null;
  shown_version: number;
  /** The last timeline entry (by id) the copy's thread holds. */
  notes_through_id: string | number | null;
  claim_token: string | null;
  claimed_at: Date | null;
  posted_at: Date;
}

/** One scheduled post (digest, weekly summary, cost report) per schedule, period and surface. */
interface ScheduledPostsTable {
  schedule_key: string;
  period: string;
  surface: string;
  channel_id: string;
  due_at: Timestamp;
  state: string;
  claim_token: string | null;
  claimed_at: Date | null;
  message_id: string | null;
  posted_at: Date | null;
  late: ColumnType<boolean, boolean | undefined, boolean>;
}

/** See migration 0007: one row per pressed remediation, keyed by its idempotency key. */
interface RemediationAttemptsTable {
  id: string;
  incident_id: string;
  workspace_id: string;
  action: string;
  attempt: number;
  state: string;
  requested_by: string;
  plan: Json<unknown>;
  steps: Json<unknown>;
  verify: Json<unknown>;
  outcome: Json<unknown> | null;
  runbook: string;
  approval_id: string | null;
  /** See migration 0015: when the approval request of an attempt awaiting approval expires. */
  approval_expires_at: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** A four-eyes approval request, bound to one plan; `used_at` is set by the one approval it allows. */
interface ApprovalsTable {
  id: string;
  token_hash: string;
  plan_hash: string;
  incident_id: string;
  workspace_id: string;
  action_kind: string;
  requester_surface: string;
  requester_user_id: string;
  requester_principal: string | null;
  requested_at: Timestamp;
  expires_at: Timestamp;
  used_at: Timestamp | null;
  approver_surface: string | null;
  approver_user_id: string | null;
  approver_principal: string | null;
}

/** One hash-chained audit entry; `body` is its canonical JSON, the other columns repeat parts of it. */
interface AuditEntriesTable {
  seq: string | number;
  at: Timestamp;
  kind: string;
  workspace_id: string | null;
  resource: string | null;
  incident_id: string | null;
  idempotency_key: string | null;
  body: string;
  prev_hash: string;
  hash: string;
}

/** See migration 0009: what fixed a resolved incident, recorded by the person who resolved it. */
interface IncidentFixesTable {
  incident_id: string;
  workspace_id: string;
  fingerprint: string;
  action: string | null;
  text: string;
  recorded_by: string;
  recorded_at: Timestamp;
}

/** See migration 0009: switches flipped while dbxops runs (the remediation kill switch). */
interface RemediationSwitchesTable {
  name: string;
  enabled: boolean;
  changed_by: string;
  reason: string | null;
  changed_at: Timestamp;
}

interface DetectorStateTable {
  workspace_id: string;
  part: string;
  key: string;
  /** null: the entry was forgotten. */
  value: ColumnType<unknown | null, string | null, string | null>;
  seq: number;
  updated_at: Timestamp;
}

/** A channel the notifier added to the console beside the configured ones. */
interface ConsoleChannelsTable {
  id: string;
  name: string;
  topic: string;
  created_at: Timestamp;
}

/** A console message (`parent_id` null) or a reply in its thread; ids are bigint, read as text. */
interface ConsoleMessagesTable {
  id: Generated<string>;
  channel_id: string;
  parent_id: string | null;
  at: Timestamp;
  author: string;
  body: Json<unknown>;
  replies_dropped: ColumnType<number, number | undefined, number>;
  request_key: string | null;
}

interface SignalOutboxTable {
  key: string;
  workspace_id: string;
  payload: ColumnType<unknown, string, string>;
  queued_at: Timestamp;
}

export interface Database {
  console_channels: ConsoleChannelsTable;
  console_messages: ConsoleMessagesTable;
  incident_fixes: IncidentFixesTable;
  remediation_switches: RemediationSwitchesTable;
  approvals: ApprovalsTable;
  audit_entries: AuditEntriesTable;
  card_posts: CardPostsTable;
  scheduled_posts: ScheduledPostsTable;
  remediation_attempts: RemediationAttemptsTable;
  incidents: IncidentsTable;
  signals: SignalsTable;
  incident_signals: IncidentSignalsTable;
  signal_link_keys: SignalLinkKeysTable;
  timeline_entries: TimelineEntriesTable;
  recurring_occurrences: RecurringOccurrencesTable;
  recurring_issues: RecurringIssuesTable;
  watermarks: WatermarksTable;
  processed_keys: ProcessedKeysTable;
  ask_contexts: AskContextsTable;
  llm_token_usage: LlmTokenUsageTable;
  incident_explanations: IncidentExplanationsTable;
  detector_state: DetectorStateTable;
  signal_outbox: SignalOutboxTable;
}

export type IncidentRow = Selectable<IncidentsTable>;
