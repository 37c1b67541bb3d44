import { createHash } from 'node:crypto';
import { z } from 'zod';
import { err, ok, type Result } from './result.js';
import { type ErrorCategory, errorCategorySchema } from './error-label.js';
import { raiseSeverity, type Severity, severitySchema } from './severity.js';
import { boundedText, idString, jsonObject, truncateText } from './text.js';

const INCIDENT_STATES = ['open', 'acknowledged', 'mitigating', 'resolved', 'escalated'] as const;
const incidentStateSchema = z.enum(INCIDENT_STATES);
type IncidentState = z.infer<typeof incidentStateSchema>;

/** Limits the store enforces; the factory truncates derived titles so that only hostile callers hit them. */
export const INCIDENT_LIMITS = { title: 300, summary: 4_000, listItems: 500, name: 512 } as const;

const nameList = z.array(boundedText(INCIDENT_LIMITS.name)).max(INCIDENT_LIMITS.listItems);

/** Who else is hurt: downstream jobs, tables, dashboards and teams, and how many things in total. */
const blastRadiusSchema = z.object({
  jobs: nameList.default([]),
  tables: nameList.default([]),
  dashboards: nameList.default([]),
  teams: nameList.default([]),
  count: z.number().int().nonnegative().default(0),
});
export type BlastRadius = z.output<typeof blastRadiusSchema>;

const emptyBlastRadius = (): BlastRadius => ({
  jobs: [],
  tables: [],
  dashboards: [],
  teams: [],
  count: 0,
});

const epochMs = z.number().int().nonnegative();
const optionalName = boundedText(256).nullable();

const incidentSchema = z.object({
  id: z.string().regex(/^inc_[0-9a-z]{6,64}$/),
  workspaceId: idString,
  fingerprint: boundedText(128),
  /** Groups failures that share a cause without sharing a fingerprint (e.g. an upstream table). */
  correlationKey: boundedText(512).nullable(),
  title: boundedText(INCIDENT_LIMITS.title).refine((t) => t.trim().length > 0, {
    message: 'must not be empty',
  }),
  summary: boundedText(INCIDENT_LIMITS.summary).nullable(),
  severity: severitySchema,
  state: incidentStateSchema,
  rootCauseSignalId: z.string().max(64).nullable(),
  category: errorCategorySchema.nullable(),
  openedAt: epochMs,
  updatedAt: epochMs,
  acknowledgedAt: epochMs.nullable(),
  acknowledgedBy: optionalName,
  resolvedAt: epochMs.nullable(),
  slaDeadline: epochMs.nullable(),
  blastRadius: blastRadiusSchema,
  costUsd: z.number().finite().nonnegative().nullable(),
  owner: optionalName,
  team: optionalName,
  assignee: optionalName,
  snoozedUntil: epochMs.nullable(),
  /** Bumped by every change, so a card update or a concurrent writer can tell which copy is newer. */
  version: z.number().int().positive(),
});
export type Incident = z.output<typeof incidentSchema>;

/**
 * A deterministic incident id from the signal that opened it: a worker that retries opening the same
 * incident after a crash produces the same id instead of a second incident.
 */
export function incidentIdFor(workspaceId: string, fingerprint: string, rootSignalId: string): string {
  const digest = createHash('sha256')
    .update([workspaceId, fingerprint, rootSignalId].join('\u0000'))
    .digest('hex');
  return `inc_${digest.slice(0, 24)}`;
}

/** What a caller supplies to open an incident; the rest gets defaults. */
export interface NewIncident {
  readonly id: string;
  readonly workspaceId: string;
  readonly fingerprint: string;
  readonly title: string;
  readonly severity: Severity;
  readonly openedAt: number;
  readonly correlationKey?: string | null;
  readonly summary?: string | null;
  readonly rootCauseSignalId?: string | null;
  readonly category?: ErrorCategory | null;
  readonly slaDeadline?: number | null;
  readonly blastRadius?: Partial<BlastRadius>;
  readonly costUsd?: number | null;
  readonly owner?: string | null;
  readonly team?: string | null;
  readonly assignee?: string | null;
}

/**
 * Builds and validates a fresh incident (state `open`, version 1). Titles derived from error text are cut
 * to the limit with an ellipsis; anything else out of bounds is refused with the field and the limit.
 */
export function newIncident(input: NewIncident): Result<Incident, 'invalid_incident'> {
  return parseIncident({
    correlationKey: null,
    summary: null,
    rootCauseSignalId: null,
    category: null,
    slaDeadline: null,
    costUsd: null,
    owner: null,
    team: null,
    assignee: null,
    ...input,
    title: truncateText(input.title, INCIDENT_LIMITS.title),
    blastRadius: { ...emptyBlastRadius(), ...input.blastRadius },
    state: 'open',
    updatedAt: input.openedAt,
    acknowledgedAt: null,
    acknowledgedBy: null,
    resolvedAt: null,
    snoozedUntil: null,
    version: 1,
  });
}

/** Validates an incident-shaped value, e.g. one a caller edited before `update`. */
export function parseIncident(value: unknown): Result<Incident, 'invalid_incident'> {
  const parsed = incidentSchema.safeParse(value);
  if (parsed.success) return ok(parsed.data);
  return err('invalid_incident', `The incident was not saved: ${z.prettifyError(parsed.error)}`, {
    issues: parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
  });
}

/** Something a person or the system does to an incident. */
export type IncidentEvent =
  | { readonly type: 'acknowledge'; readonly actor: string }
  | { readonly type: 'mitigate'; readonly actor: string }
  /** A remediation ended without resolving the incident: it waits for people (and buttons) again. */
  | { readonly type: 'unmitigate'; readonly actor: string }
  | { readonly type: 'escalate'; readonly actor: string; readonly severity?: Severity }
  /**
   * `why`: how the system came to resolve it (a job that recovered on its own), written on the timeline
   * in place of "Resolved by …", with `data` beside it; in the same transaction as the state change.
   */
  | {
      readonly type: 'resolve';
      readonly actor: string;
      readonly why?: { readonly summary: string; readonly data: Readonly<Record<string, unknown>> };
    }
  | { readonly type: 'reopen'; readonly actor: string }
  | { readonly type: 'assign'; readonly actor: string; readonly assignee: string | null }
  | { readonly type: 'snooze'; readonly actor: string; readonly until: number | null };

export type TransitionRefusal = 'invalid_transition' | 'unchanged';

/** The states each state-changing event may start from; `assign` and `snooze` keep the state. */
const ALLOWED_FROM: Readonly<
  Record<
    'acknowledge' | 'mitigate' | 'unmitigate' | 'escalate' | 'resolve' | 'reopen',
    readonly IncidentState[]
  >
> = {
  acknowledge: ['open', 'escalated'],
  mitigate: ['open', 'acknowledged', 'escalated'],
  unmitigate: ['mitigating'],
  escalate: ['open', 'acknowledged', 'mitigating'],
  resolve: ['open', 'acknowledged', 'mitigating', 'escalated'],
  reopen: ['resolved'],
};

const TARGET = {
  acknowledge: 'acknowledged',
  mitigate: 'mitigating',
  unmitigate: 'open',
  escalate: 'escalated',
  resolve: 'resolved',
  reopen: 'open',
} as const satisfies Record<keyof typeof ALLOWED_FROM, IncidentState>;

const VERB = {
  acknowledge: 'acknowledged',
  mitigate: 'marked as mitigating',
  unmitigate: 'taken out of mitigation',
  escalate: 'escalated',
  resolve: 'resolved',
  reopen: 'reopened',
} as const;

/**
 * Applies `event` at `now`. Returns the next incident with `version` bumped and `updatedAt = now`, or a
 * refusal: `unchanged` when the event would change nothing (a button clicked twice — treat as a no-op),
 * `invalid_transition` when the current state does not allow it (acknowledging a resolved incident).
 */
export function transition(
  incident: Incident,
  event: IncidentEvent,
  now: number,
): Result<Incident, TransitionRefusal> {
  const bump = (changes: Partial<Incident>): Incident => ({
    ...incident,
    ...changes,
    updatedAt: Math.max(now, incident.updatedAt),
    version: incident.version + 1,
  });

  if (event.type === 'assign') {
    if (incident.assignee === event.assignee) {
      return err('unchanged', `The incident is already assigned to ${event.assignee ?? 'nobody'}.`);
    }
    if (incident.state === 'resolved') {
      return err('invalid_transition', 'The incident is resolved; reopen it before assigning it.');
    }
    return ok(bump({ assignee: event.assignee }));
  }
  if (event.type === 'snooze') {
    if (incident.snoozedUntil === event.until)
      return err('unchanged', 'The incident is already snoozed until then.');
    if (incident.state === 'resolved') {
      return err('invalid_transition', 'The incident is resolved; there is nothing to snooze.');
    }
    if (event.until !== null && event.until <= now) {
      return err('invalid_transition', 'A snooze must end in the future.', { until: event.until, now });
    }
    return ok(bump({ snoozedUntil: event.until }));
  }

  const target = TARGET[event.type];
  if (incident.state === target) return err('unchanged', `The incident is already ${incident.state}.`);
  if (!ALLOWED_FROM[event.type].includes(incident.state)) {
    return err('invalid_transition', `The incident is ${incident.state}; it cannot be ${VERB[event.type]}.`, {
      from: incident.state,
      event: event.type,
    });
  }

  switch (event.type) {
    case 'acknowledge':
      return ok(
        bump({
          state: target,
          acknowledgedAt: now,
          acknowledgedBy: event.actor,
          assignee: incident.assignee ?? event.actor,
        }),
      );
    case 'escalate':
      return ok(bump({ state: target, severity: event.severity ?? raiseSeverity(incident.severity) }));
    case 'resolve':
      return ok(bump({ state: target, resolvedAt: now, snoozedUntil: null }));
    case 'reopen':
      return ok(bump({ state: target, resolvedAt: null }));
    case 'mitigate':
      return ok(bump({ state: target }));
    case 'unmitigate':
      // Back to where people left it: acknowledged stays acknowledged.
      return ok(bump({ state: incident.acknowledgedBy === null ? target : 'acknowledged' }));
  }
}

const TIMELINE_PHASES = ['DISCOVER', 'FETCH', 'ANALYZE', 'RCA', 'REMEDIATE', 'VERIFY', 'CLOSE'] as const;
const timelinePhaseSchema = z.enum(TIMELINE_PHASES);
export type TimelinePhase = z.infer<typeof timelinePhaseSchema>;

/** The actor of entries nobody pressed a button for. */
export const SYSTEM_ACTOR = 'system';

export const timelineEntrySchema = z.object({
  incidentId: z.string().max(80),
  at: epochMs,
  phase: timelinePhaseSchema,
  summary: z
    .string()
    .transform((s) => truncateText(s, INCIDENT_LIMITS.summary))
    .pipe(boundedText(INCIDENT_LIMITS.summary)),
  /** `system` or a user id. */
  actor: boundedText(256).default(SYSTEM_ACTOR),
  data: jsonObject(65_536).default({}),
  /** Makes the entry idempotent: a second entry with the same key for the incident is ignored. */
  dedupKey: boundedText(512).nullable().default(null),
});
export type TimelineEntry = z.output<typeof timelineEntrySchema>;
export type TimelineEntryInput = z.input<typeof timelineEntrySchema>;
