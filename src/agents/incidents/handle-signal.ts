import { isDeepStrictEqual } from 'node:util';
import type { Policy } from '../../config/policy.js';
import type { Clock } from '../../domain/clock.js';
import { type Incident, SYSTEM_ACTOR } from '../../domain/incident.js';
import { maxSeverity, type Severity } from '../../domain/severity.js';
import type { Signal } from '../../domain/signal.js';
import type { CorrelationScope } from '../../store/correlation-lock.js';
import type { IncidentRepository } from '../../store/incident-repository.js';
import type { RecurringIssueRepository } from '../../store/recurring-issue-repository.js';
import {
  CONSEQUENCE_HORIZON_MINUTES,
  correlate,
  type IncidentSummary,
  type OpenIncidentView,
  summariseIncident,
} from '../correlator/correlate.js';
import type { GraphView } from '../correlator/dependency-graph.js';
import { incidentTitle } from '../correlator/incident-title.js';
import { linkQueryKeys } from '../correlator/link-keys.js';
import { REMEDIATION_INFO, remediationKindSchema } from '../remediation/remediation-kind.js';
import { JOIN_ONLY_KINDS, STANDING_CAUSE_KINDS } from '../correlator/root-cause.js';
import { type SignalFootprint, signalFootprint } from '../correlator/signal-footprint.js';
import { withSignalEdges } from '../correlator/signal-nodes.js';
import { triageFacts } from '../correlator/triage-facts.js';
import { RECOVERED_ON_ITS_OWN } from './resolve-recovered.js';
import { type TriageDecision, triageIncident } from '../triage/triage-incident.js';

export interface HandleSignalDeps {
  incidents: IncidentRepository;
  recurring: RecurringIssueRepository;
  /** The current dependency graph of the signal's workspace (lineage, job edges, shared compute). */
  graph: (workspaceId: string) => GraphView;
  /**
   * Criticality tags (`financial-critical` …) of the jobs and tables an incident touches. Synchronous:
   * it runs inside correlation's transaction, where waiting on another lock or connection (the
   * detector state's) can wait for that transaction itself; what it needs from the store is read before.
   */
  criticality: (summary: IncidentSummary, now: number) => readonly string[];
  policy: Policy;
  clock: Clock;
  /**
   * Runs a step holding the locks of the signal's link keys, with repositories bound to that transaction
   * (the store's `createCorrelationLock`), so signals are handled concurrently. Without it the caller
   * must hand signals over one at a time.
   */
  lock?: <T>(keys: Iterable<string>, work: (scope: CorrelationScope) => Promise<T>) => Promise<T>;
}

export type SignalOutcome =
  /** The signal was already part of an incident: nothing changed, nobody is told again. */
  | { kind: 'duplicate'; incidentId: string }
  | { kind: 'opened'; incident: Incident; recurring: boolean }
  | { kind: 'joined'; incident: Incident; rootCauseChanged: boolean }
  /** A signal that only joins (a table overdue) found no open incident about its cause: not stored. */
  | { kind: 'set_aside' }
  /** The incident could not be written (validation); reported, not retried. */
  | { kind: 'rejected'; reason: string };

/** The incident a signal went to (opened, joined, or already part of), or null when it was rejected. */
export function incidentIdOf(outcome: SignalOutcome): string | null {
  switch (outcome.kind) {
    case 'opened':
    case 'joined':
      return outcome.incident.id;
    case 'duplicate':
      return outcome.incidentId;
    case 'rejected':
    case 'set_aside':
      return null;
  }
}

/**
 * The incident whose cards a signal changed, if any: none for a duplicate or a rejection, and none for a
 * new incident at a level that posts no card (P4 by default), which has no card to bring up to date.
 */
export function cardToUpdate(outcome: SignalOutcome, policy: Pick<Policy, 'triage'>): Incident | undefined {
  if (outcome.kind === 'opened')
    return policy.triage[outcome.incident.severity].post_card ? outcome.incident : undefined;
  return outcome.kind === 'joined' ? outcome.incident : undefined;
}

/** Rounds of "their signals reach further incidents" before correlating with what was found. */
const MAX_LINK_ROUNDS = 5;

/** How often a version conflict with a concurrent writer is retried before giving up to the queue. */
const MAX_UPDATE_ATTEMPTS = 5;

/**
 * The orient-and-decide step for one signal: correlate it with the open incidents of its workspace, open
 * an incident or update the one it joins (root cause, title, blast radius, cost, SLA), triage it with the
 * policy (severity only ever rises while an incident is open), write the timeline, and count the
 * fingerprint towards a recurring issue. Idempotent: the same signal handled twice changes nothing.
 */
export async function handleSignal(deps: HandleSignalDeps, signal: Signal): Promise<SignalOutcome> {
  // Its nodes, link keys and edges, derived here once and read by every step after.
  const footprint = signalFootprint(signal);
  const graph = deps.graph(signal.workspaceId);
  const queryKeys = linkQueryKeys(footprint, withSignalEdges(graph, [footprint]));
  const { lock, ...rest } = deps;
  if (lock === undefined) return correlateAndStore(deps, footprint, graph, queryKeys);
  // Every key under which a signal this one could join is stored, and its own: two signals that could
  // correlate always share one, so they take turns.
  return lock([...queryKeys, ...footprint.linkKeys], (scope) =>
    correlateAndStore({ ...rest, ...scope }, footprint, graph, queryKeys),
  );
}

async function correlateAndStore(
  deps: HandleSignalDeps,
  footprint: SignalFootprint,
  graph: GraphView,
  queryKeys: Set<string>,
): Promise<SignalOutcome> {
  const { signal } = footprint;
  const now = deps.clock.now();
  const open = await linkableIncidents(deps.incidents, footprint, graph, queryKeys);
  const decision = correlate(
    footprint,
    open,
    graph,
    { windowMinutes: deps.policy.thresholds.correlation_window_minutes },
    now,
  );

  if ('join' in decision) {
    if (decision.duplicate) return { kind: 'duplicate', incidentId: decision.join };
    return joinIncident(
      deps,
      decision.join,
      footprint,
      decision.summary,
      decision.rootCauseChanged !== undefined,
      now,
    );
  }
  // Evidence that only joins an incident about its cause opens none, and reopens none.
  if (JOIN_ONLY_KINDS.has(signal.kind)) return { kind: 'set_aside' };

  // A signal is part of one incident. One whose incident has been resolved since (a detector judging a
  // window again hands the same signal out once more) is a duplicate too: an incident opened for it
  // would hold no signal at all.
  const holder = await deps.incidents.incidentHoldingSignal(signal.id);
  if (holder !== undefined) return { kind: 'duplicate', incidentId: holder };

  const cameBack =
    (await joinStillOpen(deps, footprint, decision.summary, now)) ??
    (await reopenAfterFix(deps, footprint, decision.summary, now)) ??
    (await reopenLinked(deps, footprint, graph, queryKeys, now));
  if (cameBack !== undefined) return cameBack;

  const recurrence = await deps.recurring.recordOccurrence({
    workspaceId: signal.workspaceId,
    fingerprint: decision.summary.fingerprint,
    occurrenceKey: decision.open.id,
    occurredAt: signal.occurredAt,
    category: decision.summary.category ?? undefined,
    kind: signal.kind,
    title: decision.summary.title,
  });
  const repeated = recurrence.occurrencesInWindow > 1;
  const triage = triageIncident(
    triageFacts(decision.summary, [signal], now, {
      repeated,
      criticality: deps.criticality(decision.summary, now),
    }),
    deps.policy.triage,
  );
  // The policy decides, not the detectors' hints: a team's dbxops.yaml must be able to lower a level.
  const severity = triage.severity;
  const opened = await deps.incidents.openWithSignal(
    { ...decision.open, severity },
    { signal, linkKeys: footprint.linkKeys, now },
    [
      {
        at: now,
        phase: 'DISCOVER',
        summary: `Detected: ${decision.summary.title}`,
        data: { signalId: signal.id, kind: signal.kind },
        dedupKey: `discover:${signal.id}`,
      },
      {
        at: now,
        phase: 'ANALYZE',
        summary: `Triage ${triage.reason}`,
        data: { severity, responseMinutes: triage.responseMinutes },
        dedupKey: `triage:${decision.open.id}:${severity}`,
      },
      ...(recurrence.opened
        ? [
            {
              at: now,
              phase: 'RCA' as const,
              summary: `Recurring: seen ${recurrence.occurrencesInWindow} times in 7 days. ${recurrence.opened.recommendation.text}`,
              data: { recurringIssueId: recurrence.opened.id },
              dedupKey: `recurring:${recurrence.opened.id}`,
            },
          ]
        : []),
    ],
  );
  if (!opened.ok) return { kind: 'rejected', reason: opened.userMessage };
  const { incident, created } = opened.value;
  if (!created) {
    // Another worker opened the same root cause a moment ago: join it instead of opening a second.
    return joinIncident(deps, incident.id, footprint, decision.summary, false, now);
  }
  return { kind: 'opened', incident, recurring: recurrence.issue !== null };
}

/**
 * The same kind of problem on the same subject as the root cause of an incident still open, worded or
 * classified differently, seen less than `thresholds.reopen_window_minutes` after that incident last saw
 * it — a warehouse queueing at its one cluster, then again 40 minutes later while the scale-out to a
 * second is on its way — is that incident's problem going on: the signal joins it, its timeline says when
 * the problem was last seen, and its card is updated instead of a second one posting. The same
 * fingerprint joins its unresolved incident whenever it comes (the store keeps one per fingerprint), and
 * a problem that comes back after its incident was resolved reopens it within this window
 * (`reopenAfterFix`): one whose incident nobody resolved must not fare worse. Past the window it is a new
 * occurrence, as there.
 */
async function joinStillOpen(
  deps: HandleSignalDeps,
  footprint: SignalFootprint,
  summary: IncidentSummary,
  now: number,
): Promise<SignalOutcome | undefined> {
  const { signal } = footprint;
  const windowMs = deps.policy.thresholds.reopen_window_minutes * 60_000;
  if (windowMs === 0) return undefined;
  const open = await deps.incidents.findOpenByCorrelationKey(signal.workspaceId, summary.correlationKey);
  if (open.length === 0) return undefined;
  const signals = await deps.incidents.listSignalsOf(open.map((i) => i.id));
  const lastSeen = (incidentId: string) =>
    Math.max(
      ...(signals.get(incidentId) ?? [])
        .filter((s) => sameKindAndSubject(s, signal))
        .map((s) => s.occurredAt),
    );
  const recent = open.filter((i) => Math.abs(signal.occurredAt - lastSeen(i.id)) < windowMs);
  const ongoing = sameProblemIn(recent, signals, signal, summary.fingerprint);
  if (ongoing === undefined) return undefined;
  const minutes = Math.round(Math.abs(signal.occurredAt - lastSeen(ongoing.id)) / 60_000);
  await deps.incidents.addTimelineEntry({
    incidentId: ongoing.id,
    at: now,
    phase: 'DISCOVER',
    summary: `Seen again ${minutes} min after it was last seen, while this incident is still open: ${summary.title}`,
    data: { signalId: signal.id, kind: signal.kind },
    dedupKey: `seen-again:${signal.id}`,
  });
  return joinIncident(deps, ongoing.id, footprint, summary, false, now);
}

/** Whether two signals say the same kind of thing about the same subject. */
function sameKindAndSubject(a: Signal, b: Signal): boolean {
  return a.kind === b.kind && a.subject.type === b.subject.type && a.subject.id === b.subject.id;
}

/**
 * The same problem on the same subject (its fingerprint) shortly after a fix resolved its incident — a
 * warehouse scaled up queueing again at its new size, a rerun job failing the same way — is that
 * incident again: the fix did not hold. The incident is reopened, says what came back after which fix,
 * and takes the signal, so its card is updated instead of a second one paging. Past
 * `thresholds.reopen_window_minutes` of the resolution it is a new occurrence (a nightly failure the
 * next night), opened and counted towards a recurring issue as before. Undefined when nothing was
 * resolved recently, or another unresolved incident already tracks the fingerprint (the signal opens,
 * and so joins, that one).
 */
async function reopenAfterFix(
  deps: HandleSignalDeps,
  footprint: SignalFootprint,
  summary: IncidentSummary,
  now: number,
): Promise<SignalOutcome | undefined> {
  const { signal } = footprint;
  const windowMs = deps.policy.thresholds.reopen_window_minutes * 60_000;
  if (windowMs === 0) return undefined;
  const candidates = await deps.incidents.findResolvedSince(
    signal.workspaceId,
    summary,
    signal.occurredAt - windowMs,
  );
  const resolved = await firstSameProblem(deps.incidents, candidates, signal, summary.fingerprint);
  if (resolved === undefined || resolved.resolvedAt === null) return undefined;
  const minutes = Math.max(0, Math.round((signal.occurredAt - resolved.resolvedAt) / 60_000));
  return reopen(deps, resolved, footprint, summary, now, (fix) => {
    return `Came back after ${fix}, ${minutes} min after it was resolved: ${summary.title}`;
  });
}

/**
 * A signal that would have joined an incident had it still been open — linked to one of its signals and
 * in time by the correlator's own rules — arriving within `thresholds.reopen_window_minutes` of its
 * resolution belongs to that incident: the spend of the hour a warehouse queued, billed after the
 * scale-up resolved it, or the queue that spend carries coming back. The incident is reopened, says what
 * came with which signal after which fix, and takes the signal, so its card is updated instead of a
 * second card paging for the same root cause. A missed deadline looks back further, over the
 * correlator's consequence horizon: the incident of what made it slip may have been resolved hours
 * before it passed. A signal the correlator would keep apart (no link, out of time, a new root cause)
 * opens its own incident as before.
 */
async function reopenLinked(
  deps: HandleSignalDeps,
  footprint: SignalFootprint,
  graph: GraphView,
  queryKeys: Set<string>,
  now: number,
): Promise<SignalOutcome | undefined> {
  const { signal } = footprint;
  const windowMs = deps.policy.thresholds.reopen_window_minutes * 60_000;
  if (windowMs === 0) return undefined;
  // A deadline passes hours after what made it slip, and may pass after that incident was resolved (a
  // hung update restarted once the run waiting on it had given up): the miss is the fix come too late,
  // told on that incident, as long as the correlator would still join it to its cause.
  const lookBackMs =
    signal.kind === 'sla_missed' ? Math.max(windowMs, CONSEQUENCE_HORIZON_MINUTES * 60_000) : windowMs;
  const since = signal.occurredAt - lookBackMs;
  const recent = await linkableIncidents(deps.incidents, footprint, graph, queryKeys, since);
  if (recent.length === 0) return undefined;
  const decision = correlate(
    footprint,
    recent,
    graph,
    { windowMinutes: deps.policy.thresholds.correlation_window_minutes },
    now,
  );
  if (!('join' in decision)) return undefined;
  const resolved = await deps.incidents.get(decision.join);
  if (resolved?.resolvedAt == null) return undefined;
  const minutes = Math.max(0, Math.round((now - resolved.resolvedAt) / 60_000));
  const what = incidentTitle(signal);
  return reopen(deps, resolved, footprint, decision.summary, now, (fix) => {
    return `Reopened ${minutes} min after ${fix}: ${what}, tied to this incident's ${decision.summary.title}`;
  });
}

/**
 * Reopens a resolved incident for `footprint`'s signal, with a timeline note naming what resolved it
 * (`say`), and joins the signal to it. Undefined when another unresolved incident already tracks its root
 * cause: the signal opens, and so joins, that one.
 */
async function reopen(
  deps: HandleSignalDeps,
  resolved: Incident,
  footprint: SignalFootprint,
  summary: IncidentSummary,
  now: number,
  say: (fix: string) => string,
): Promise<SignalOutcome | undefined> {
  const { signal } = footprint;
  const incidentId = resolved.id;
  const fix = await fixThatDidNotHold(deps.incidents, incidentId);
  const reopened = await deps.incidents.applyEvent(incidentId, { type: 'reopen', actor: SYSTEM_ACTOR }, now);
  // `unchanged`: another worker reopened it a moment ago, for the same reason.
  if (!reopened.ok && reopened.reason !== 'unchanged') return undefined;
  await deps.incidents.addTimelineEntry({
    incidentId,
    at: now,
    phase: 'DISCOVER',
    summary: say(fix),
    data: { signalId: signal.id, kind: signal.kind, resolvedAt: resolved.resolvedAt },
    dedupKey: `came-back:${signal.id}`,
  });
  return joinIncident(deps, incidentId, footprint, summary, false, now);
}

/**
 * The first incident that is the same problem as `signal`: the same fingerprint, or a root cause of the
 * same kind on the same subject (a warehouse scaled up to two clusters queueing again while it scales is
 * classified differently from the queue at one, and is the same problem).
 */
async function firstSameProblem(
  repo: IncidentRepository,
  candidates: readonly Incident[],
  signal: Signal,
  fp: string,
): Promise<Incident | undefined> {
  // The fingerprint needs no signals: read them only when it finds nothing.
  const byFingerprint = candidates.find((i) => i.fingerprint === fp);
  if (byFingerprint !== undefined) return byFingerprint;
  return sameProblemIn(candidates, await repo.listSignalsOf(candidates.map((i) => i.id)), signal, fp);
}

/** `firstSameProblem` over signals already read (each candidate's, by incident id). */
function sameProblemIn(
  candidates: readonly Incident[],
  signals: ReadonlyMap<string, readonly Signal[]>,
  signal: Signal,
  fp: string,
): Incident | undefined {
  const byFingerprint = candidates.find((i) => i.fingerprint === fp);
  if (byFingerprint !== undefined) return byFingerprint;
  return candidates.find((i) => {
    const root = signals.get(i.id)?.find((s) => s.id === i.rootCauseSignalId);
    return root !== undefined && sameKindAndSubject(root, signal);
  });
}

/**
 * What resolved the incident, as the timeline tells it: the remediation verified as having recovered
 * it, else the runs that succeeded on their own, else whoever resolved it.
 */
async function fixThatDidNotHold(repo: IncidentRepository, incidentId: string): Promise<string> {
  const timeline = await repo.timeline(incidentId);
  const verified = timeline.findLast(
    (e) => e.data.kind === 'remediation_outcome' && e.data.state === 'recovered',
  );
  const action = remediationKindSchema.safeParse(verified?.data.action);
  if (action.success) return `the fix "${REMEDIATION_INFO[action.data].label}"`;
  const closed = timeline.findLast((e) => e.phase === 'CLOSE');
  if (closed?.data.kind === RECOVERED_ON_ITS_OWN && typeof closed.data.recovery === 'string')
    return `it recovered on its own (${closed.data.recovery})`;
  return closed === undefined ? 'it was resolved' : `it was ${closed.summary.toLowerCase()}`;
}

async function joinIncident(
  deps: HandleSignalDeps,
  incidentId: string,
  { signal, linkKeys }: SignalFootprint,
  summaryHint: IncidentSummary,
  rootChangedHint: boolean,
  now: number,
): Promise<SignalOutcome> {
  const attached = await deps.incidents.attachSignal(incidentId, signal, now, linkKeys);
  if (!attached.ok) return { kind: 'rejected', reason: attached.userMessage };
  if (!attached.value.attached) return { kind: 'duplicate', incidentId: attached.value.incidentId };

  for (let attempt = 0; attempt < MAX_UPDATE_ATTEMPTS; attempt++) {
    const incident = await deps.incidents.get(incidentId);
    if (!incident) return { kind: 'rejected', reason: `Incident ${incidentId} disappeared` };
    // Recompute from every stored signal: another worker may have joined one in between.
    const signals = await deps.incidents.listSignals(incidentId);
    const summary =
      attempt === 0 && signals.length <= 1 ? summaryHint : summarise(deps, incident.workspaceId, signals);
    const rootChanged = summary.rootSignal.id !== incident.rootCauseSignalId;
    const triage = await triageOpenIncident(deps, incident.workspaceId, summary, signals, now);
    const severity = maxSeverity(incident.severity, triage.severity);
    const updated = await deps.incidents.update(
      incidentId,
      incident.version,
      {
        title: summary.title,
        rootCauseSignalId: summary.rootSignal.id,
        category: summary.category ?? incident.category,
        slaDeadline: summary.slaDeadline ?? incident.slaDeadline,
        blastRadius: {
          jobs: summary.blastRadius.jobs,
          tables: summary.blastRadius.tables,
          dashboards: summary.blastRadius.dashboards,
          teams: summary.blastRadius.teams,
          count: summary.blastRadius.count,
        },
        costUsd: summary.costUsd,
        severity,
        team: incident.team ?? summary.team,
        owner: incident.owner ?? summary.owner,
        correlationKey: summary.correlationKey,
      },
      now,
    );
    if (!updated.ok) {
      if (updated.reason === 'version_conflict') continue;
      return { kind: 'rejected', reason: updated.userMessage };
    }
    await deps.incidents.addTimelineEntries([
      {
        incidentId,
        at: now,
        phase: 'ANALYZE',
        summary: `Joined: ${joinedWords(signal)}`,
        data: { signalId: signal.id },
        dedupKey: `join:${signal.id}`,
      },
      ...(rootChanged || (rootChangedHint && attempt === 0)
        ? [
            {
              incidentId,
              at: now,
              phase: 'RCA' as const,
              summary: `Root cause is now upstream: ${summary.title}`,
              data: { rootSignalId: summary.rootSignal.id },
              dedupKey: `rca:${summary.rootSignal.id}`,
            },
          ]
        : []),
      ...(severity !== incident.severity
        ? [severityRaised(incidentId, incident.severity, severity, triage.reason, now)]
        : []),
    ]);
    return { kind: 'joined', incident: updated.value, rootCauseChanged: rootChanged };
  }
  return { kind: 'rejected', reason: `Incident ${incidentId} kept changing under concurrent writers` };
}

/**
 * What a joined signal adds, in words: its kind and subject, or, for evidence that only joins (a table
 * overdue), the evidence itself ("downstream x not refreshed since 04:20 UTC (usually every 24 h)").
 */
function joinedWords(signal: Signal): string {
  const said = JOIN_ONLY_KINDS.has(signal.kind) ? signal.evidence[0]?.label : undefined;
  return said ?? `${signal.kind.replaceAll('_', ' ')} on ${signal.subject.name ?? signal.subject.id}`;
}

/**
 * Re-applies triage to an open incident as time passes: an SLA that nears raises the severity. Returns
 * the incident when its severity rose. `signals`: the incident's signals at its version, when the caller
 * read them already.
 */
export async function retriageIncident(
  deps: HandleSignalDeps,
  incident: Incident,
  signals?: readonly Signal[],
): Promise<Incident | null> {
  const now = deps.clock.now();
  signals ??= await deps.incidents.listSignals(incident.id, { atVersion: incident.version });
  if (signals.length === 0) return null;
  const summary = summarise(deps, incident.workspaceId, signals);
  const triage = await triageOpenIncident(deps, incident.workspaceId, summary, signals, now);
  const severity = maxSeverity(incident.severity, triage.severity);
  if (severity === incident.severity) return null;
  const updated = await deps.incidents.update(incident.id, incident.version, { severity }, now);
  if (!updated.ok) return null;
  await deps.incidents.addTimelineEntry(
    severityRaised(incident.id, incident.severity, severity, triage.reason, now),
  );
  return updated.value;
}

/** The timeline entry for a severity raised by triage (once per incident and level). */
function severityRaised(incidentId: string, from: Severity, to: Severity, reason: string, at: number) {
  return {
    incidentId,
    at,
    phase: 'ANALYZE' as const,
    summary: `Severity raised to ${to}: ${reason}`,
    data: { from, to },
    dedupKey: `triage:${incidentId}:${to}`,
  };
}

/**
 * Triage for an incident already open: repeated when its root cause failed again inside it or its
 * fingerprint has an open recurring issue. The store is asked only when the answer would change the
 * decision: the review triages every open incident every few minutes, and most policies decide the
 * same either way for most incidents.
 */
async function triageOpenIncident(
  deps: HandleSignalDeps,
  workspaceId: string,
  summary: IncidentSummary,
  signals: readonly Signal[],
  now: number,
): Promise<TriageDecision> {
  const criticality = deps.criticality(summary, now);
  const decide = (repeated: boolean) =>
    triageIncident(triageFacts(summary, signals, now, { repeated, criticality }), deps.policy.triage);
  if (recurredWithin(summary, signals)) return decide(true);
  const firstTime = decide(false);
  const seenBefore = decide(true);
  if (isDeepStrictEqual(firstTime, seenBefore)) return firstTime;
  return (await deps.recurring.findOpen(workspaceId, summary.fingerprint)) !== null ? seenBefore : firstTime;
}

/**
 * The root cause's subject failed again within this incident (a job failing every hour, say); for a
 * standing cause (a revoked grant), something it broke failed again.
 */
function recurredWithin(summary: IncidentSummary, signals: readonly Signal[]): boolean {
  const root = summary.rootSignal;
  const again = (first: Signal) =>
    signals.some(
      (s) =>
        s.id !== first.id &&
        s.kind === first.kind &&
        s.subject.type === first.subject.type &&
        s.subject.id === first.subject.id &&
        s.occurredAt !== first.occurredAt,
    );
  if (STANDING_CAUSE_KINDS.has(root.kind)) return signals.some((s) => s.id !== root.id && again(s));
  return again(root);
}

function summarise(deps: HandleSignalDeps, workspaceId: string, signals: readonly Signal[]): IncidentSummary {
  return summariseIncident(signals, deps.graph(workspaceId));
}

/**
 * The open incidents the footprint's signal could join, with their signals: those holding a signal
 * stored under one of its query keys (`firstKeys`: those on the graph alone), and the incident it already
 * belongs to, for a redelivery. Their signals add
 * edges to the graph (the tables their runs read and wrote), which can reach further incidents, so the
 * search repeats until it finds nothing new. Reading only these keeps correlation fast with thousands of
 * open incidents, and never misses one: the keys are a superset of what `correlate` links. With
 * `resolvedSince`, the incidents resolved since then instead (those the signal may reopen).
 */
async function linkableIncidents(
  repo: IncidentRepository,
  footprint: SignalFootprint,
  graph: GraphView,
  firstKeys: Set<string>,
  resolvedSince?: number,
): Promise<OpenIncidentView[]> {
  const { signal } = footprint;
  const views = new Map<string, OpenIncidentView>();
  const seen = new Set<string>();
  for (let round = 0; round < MAX_LINK_ROUNDS; round++) {
    const keys =
      round === 0
        ? firstKeys
        : linkQueryKeys(
            footprint,
            withSignalEdges(graph, [footprint, ...[...views.values()].flatMap((v) => v.signals)]),
          );
    const fresh: string[] = [];
    // The first round also finds the incident already holding this signal (a redelivery).
    const found =
      resolvedSince === undefined
        ? await repo.openIncidentIdsLinkedTo(
            signal.workspaceId,
            keys,
            round === 0 ? { orHoldingSignal: signal.id } : {},
          )
        : await repo.resolvedIncidentIdsLinkedTo(signal.workspaceId, keys, resolvedSince);
    for (const id of found) {
      if (!seen.has(id)) fresh.push(id);
      seen.add(id);
    }
    if (fresh.length === 0) break;
    const incidents = await repo.getMany(fresh);
    const signals = await repo.listSignalsOf(fresh);
    for (const incident of incidents) {
      if ((incident.state === 'resolved') !== (resolvedSince !== undefined)) continue;
      views.set(incident.id, {
        id: incident.id,
        workspaceId: incident.workspaceId,
        rootSignalId: incident.rootCauseSignalId,
        signals: signals.get(incident.id) ?? [],
      });
    }
  }
  return [...views.values()];
}
