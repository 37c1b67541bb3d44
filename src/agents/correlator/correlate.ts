import type { ErrorCategory } from '../../domain/error-label.js';
import { fingerprint } from '../../domain/fingerprint.js';
import { incidentIdFor, type NewIncident } from '../../domain/incident.js';
import { maxSeverity, type Severity } from '../../domain/severity.js';
import type { Signal } from '../../domain/signal.js';
import { type BlastRadiusResult, blastRadius, revocationBlastRadius } from './blast-radius.js';
import { type GraphView, nodeKey, nodeKind, reachable, type TraversalLimits } from './dependency-graph.js';
import { incidentCostUsd } from './incident-cost.js';
import { incidentTitle } from './incident-title.js';
import { REVOCATION_KINDS, revocationExplains } from './revocation-explains.js';
import {
  CONSEQUENCE_KINDS,
  causeRank,
  FAILURE_KINDS,
  JOIN_ONLY_KINDS,
  pickRootCause,
  SPEND_CAUSE_KINDS,
  SPEND_KINDS,
  WASTE_KINDS,
} from './root-cause.js';
import type { SignalFootprint } from './signal-footprint.js';
import { primaryNode, signalNodes, withSignalEdges } from './signal-nodes.js';

/** An open incident as the correlator needs it: its id and the signals it holds so far. */
export interface OpenIncidentView {
  readonly id: string;
  readonly workspaceId: string;
  readonly rootSignalId: string | null;
  readonly signals: readonly Signal[];
}

/** How a signal is tied to an incident, strongest first. */
export type LinkKind =
  | 'explained_by_revocation'
  | 'same_subject'
  | 'shared_compute'
  | 'upstream'
  | 'downstream'
  | 'spent_on'
  | 'shared_source';

const LINK_STRENGTH: Readonly<Record<LinkKind, number>> = {
  // Denied on the very table whose grant was taken away: stronger than any graph proximity (a job
  // upstream running long at the same time explains nothing about a permission denied).
  explained_by_revocation: 6,
  same_subject: 5,
  shared_compute: 4,
  upstream: 3,
  downstream: 3,
  // A team's rise in spend on a warehouse, and that warehouse idling, queueing or running away then.
  spent_on: 2,
  shared_source: 1,
};

/**
 * How long after its cause a consequence (skipped run, stale table, missed SLA) still joins the cause's
 * incident, by default: an SLA miss at 06:00 belongs to the 02:30 extract timeout.
 */
export const CONSEQUENCE_HORIZON_MINUTES = 720;

export interface CorrelationOptions {
  /** Signals join when they occur within this many minutes of a signal of the incident (policy default 30). */
  readonly windowMinutes: number;
  /**
   * A consequence joins its upstream cause's incident this long after it, and a cause joins an incident
   * opened by its consequence. Default `CONSEQUENCE_HORIZON_MINUTES`.
   */
  readonly consequenceHorizonMinutes?: number;
  /** A table read by more than this many jobs is not a meaningful "shared upstream source". Default 25. */
  readonly sharedSourceMaxReaders?: number;
  readonly limits?: TraversalLimits;
}

/** Everything derived from an incident's signals: refresh the stored incident from it after a join. */
export interface IncidentSummary {
  readonly rootSignal: Signal;
  readonly title: string;
  readonly fingerprint: string;
  /** The root cause's graph node, e.g. `job:42`: groups incidents that share a cause. */
  readonly correlationKey: string;
  readonly category: ErrorCategory | null;
  readonly severity: Severity;
  readonly blastRadius: BlastRadiusResult;
  readonly costUsd: number | null;
  readonly team: string | null;
  readonly owner: string | null;
  /** The earliest SLA deadline among the signals (epoch ms, `metrics.deadline`), for triage. */
  readonly slaDeadline: number | null;
}

export type CorrelationDecision =
  | {
      readonly join: string;
      readonly link: LinkKind;
      /** The signal is already part of the incident (redelivered): nothing to update. */
      readonly duplicate: boolean;
      readonly summary: IncidentSummary;
      /** Set when the new signal (or the re-evaluation) moved the root cause. */
      readonly rootCauseChanged?: { readonly from: string | null; readonly to: string };
    }
  | { readonly open: NewIncident; readonly summary: IncidentSummary };

/**
 * Decides whether the footprint's signal joins one of `openIncidents` or opens a new one. A join needs a
 * link and time. The link: the dependency graph ties it to a signal of the incident (same job/table,
 * upstream or downstream by lineage or `run_job_task`, a cluster or warehouse both failed on, a shared
 * upstream source). The time: it occurred within the window of the incident's recent root-cause activity
 * (its latest signal that is not a consequence), or — for a consequence of that cause — within the
 * consequence horizon; an incident left open does not absorb, days later, whatever lineage links to it.
 * A failure whose own upstream is healthy is a new root cause: it joins only as the cause of what it
 * feeds (it happened first), never because it sits upstream of something that broke before it. An idle
 * warehouse or a team's spend is nobody's cause or consequence of a failure: it joins only the same
 * problem on the same subject, and a team's spend what made the resource it names spend more
 * (`spentOn`: idling, a runaway query, queueing) while its period lasted. A revoked grant, or a
 * cluster's, job's or pipeline's ACL change, is the cause of the permission failures it explains, which
 * join it for days (`revocationExplains`), and of nothing else the graph ties to its object. Among several candidates the strongest link, then the closest in time, wins.
 * The decision carries the recomputed summary (root cause, title, fingerprint, blast radius, cost) so
 * the caller updates the card in place.
 */
export function correlate(
  footprint: SignalFootprint,
  openIncidents: readonly OpenIncidentView[],
  graph: GraphView,
  options: CorrelationOptions,
  now: number,
): CorrelationDecision {
  const { signal } = footprint;
  const candidates = openIncidents.filter(
    (i) => i.workspaceId === signal.workspaceId && i.signals.length > 0,
  );
  const duplicate = candidates.find((i) => i.signals.some((s) => s.id === signal.id));
  if (duplicate !== undefined) {
    return {
      join: duplicate.id,
      link: 'same_subject',
      duplicate: true,
      summary: summariseIncident(duplicate.signals, graph, options.limits),
    };
  }

  const view = withSignalEdges(graph, [footprint, ...candidates.flatMap((i) => i.signals)]);
  const linker = new Linker(footprint, view, options);
  let best: { incident: OpenIncidentView; link: LinkKind; cause: number; gap: number } | undefined;
  for (const incident of candidates) {
    const activity = rootCauseActivity(incident.signals);
    for (const member of incident.signals) {
      const link = revocationExplains(signal, member, view)
        ? 'explained_by_revocation'
        : linker.linkTo(member);
      if (link === undefined) continue;
      const gap = Math.abs(member.occurredAt - signal.occurredAt);
      if (link !== 'explained_by_revocation' && !linker.joins(member, link, activity)) continue;
      const cause = causeWeight(link, member, signal);
      const stronger = LINK_STRENGTH[link] - (best === undefined ? 0 : LINK_STRENGTH[best.link]);
      const better =
        best === undefined ||
        stronger > 0 ||
        (stronger === 0 && cause > best.cause) ||
        (stronger === 0 && cause === best.cause && gap < best.gap);
      if (better) best = { incident, link, cause, gap };
    }
  }

  if (best === undefined) {
    const summary = summariseIncident([signal], graph, options.limits);
    return {
      open: {
        id: incidentIdFor(signal.workspaceId, summary.fingerprint, signal.id),
        workspaceId: signal.workspaceId,
        fingerprint: summary.fingerprint,
        title: summary.title,
        severity: summary.severity,
        openedAt: now,
        correlationKey: summary.correlationKey,
        rootCauseSignalId: signal.id,
        category: summary.category,
        slaDeadline: summary.slaDeadline,
        blastRadius: {
          jobs: summary.blastRadius.jobs,
          tables: summary.blastRadius.tables,
          dashboards: summary.blastRadius.dashboards,
          teams: summary.blastRadius.teams,
          count: summary.blastRadius.count,
        },
        costUsd: summary.costUsd,
        owner: summary.owner,
        team: summary.team,
      },
      summary,
    };
  }

  const summary = summariseIncident([...best.incident.signals, signal], graph, options.limits);
  const previousRoot = best.incident.rootSignalId;
  return {
    join: best.incident.id,
    link: best.link,
    duplicate: false,
    summary,
    ...(summary.rootSignal.id !== previousRoot
      ? { rootCauseChanged: { from: previousRoot, to: summary.rootSignal.id } }
      : {}),
  };
}

/** Root cause, title, fingerprint, blast radius and cost of a set of signals forming one incident. */
export function summariseIncident(
  signals: readonly Signal[],
  graph: GraphView,
  limits: TraversalLimits = {},
): IncidentSummary {
  const view = withSignalEdges(graph, signals);
  const root = pickRootCause(signals, view, limits);
  const compute = root.subject.type === 'cluster' || root.subject.type === 'warehouse';
  // A job's all-purpose cluster is not part of the job's blast radius; a cluster's own problem is. A
  // team's spend harms nothing downstream of the job or warehouse it names, nor do job clusters launched
  // wider than usual: the runs on them succeed, only dearer.
  const from =
    root.kind === 'cluster_widened'
      ? []
      : SPEND_KINDS.has(root.kind)
        ? [primaryNode(root)]
        : signalNodes(root).filter((n) => compute || !isCompute(n));
  // SLA signals carry their deadline, and so does a problem on data an SLA depends on (a zero-row streak).
  const deadlines = signals.map((s) => s.metrics.deadline).filter((d): d is number => d !== undefined);
  return {
    rootSignal: root,
    title: incidentTitle(root),
    fingerprint: fingerprint(root),
    correlationKey: primaryNode(root).slice(0, 512),
    category: root.classification?.category ?? null,
    severity: maxSeverity(...signals.map((s) => s.severityHint)),
    blastRadius: REVOCATION_KINDS.has(root.kind)
      ? revocationBlastRadius(root, signals, view, limits)
      : blastRadius(from, view, limits),
    costUsd: incidentCostUsd(signals),
    team:
      root.refs.team ??
      graphTeam(root, view) ??
      signals.find((s) => s.refs.team !== undefined)?.refs.team ??
      null,
    owner: root.refs.owner ?? null,
    slaDeadline: deadlines.length > 0 ? Math.min(...deadlines) : null,
  };
}

/**
 * The team the dependency graph knows for what the root signal is about, when the signal carries none:
 * a table's load belongs to the job that wrote it (then to the table's own team), a query to the job
 * that issued it. Detectors that see only a table or a statement name no team; the graph does.
 */
function graphTeam(root: Signal, graph: GraphView): string | undefined {
  const { refs } = root;
  const nodes = [
    ...(refs.jobId === undefined ? [] : [nodeKey('job', refs.jobId)]),
    ...(refs.pipelineId === undefined ? [] : [nodeKey('pipeline', refs.pipelineId)]),
    primaryNode(root),
  ];
  for (const node of nodes) {
    const team = graph.team(node);
    if (team !== undefined) return team;
  }
  return undefined;
}

/**
 * When the incident's cause last showed itself: the latest signal that is not a consequence (a skipped
 * run, a stale table, an SLA) — those only report the cause again, they do not keep it alive. Undefined
 * for an incident of consequences only (an SLA at risk whose cause has not arrived yet).
 */
function rootCauseActivity(signals: readonly Signal[]): number | undefined {
  let latest: number | undefined;
  for (const s of signals) {
    if (CONSEQUENCE_KINDS.has(s.kind)) continue;
    if (latest === undefined || s.occurredAt > latest) latest = s.occurredAt;
  }
  return latest;
}

/** Kinds that join only the same problem on the same subject (their other ties are checked apart). */
function standsApart(signal: Signal): boolean {
  return WASTE_KINDS.has(signal.kind) || REVOCATION_KINDS.has(signal.kind);
}

function isCompute(node: string): boolean {
  const kind = nodeKind(node);
  return kind === 'cluster' || kind === 'warehouse';
}

/** The graph neighbourhood of the new signal, computed once and compared with every incident member. */
class Linker {
  readonly #nodes: Set<string>;
  readonly #down: Set<string>;
  readonly #up: Set<string>;
  readonly #parents: Set<string>;
  readonly #windowMs: number;
  readonly #horizonMs: number;
  readonly #maxReaders: number;

  private readonly signal: Signal;

  constructor(
    footprint: SignalFootprint,
    private readonly view: GraphView,
    options: CorrelationOptions,
  ) {
    this.signal = footprint.signal;
    this.#nodes = new Set(footprint.nodes);
    this.#down = reachable(view, this.#nodes, 'downstream', options.limits).nodes;
    this.#up = reachable(view, this.#nodes, 'upstream', options.limits).nodes;
    this.#parents = parentsOf(view, this.#nodes);
    this.#windowMs = options.windowMinutes * 60_000;
    this.#horizonMs = (options.consequenceHorizonMinutes ?? CONSEQUENCE_HORIZON_MINUTES) * 60_000;
    this.#maxReaders = options.sharedSourceMaxReaders ?? 25;
  }

  linkTo(member: Signal): LinkKind | undefined {
    // Idleness and spend share tables and compute with failures but neither cause nor follow them. A
    // revoked grant or ACL causes only the denials it explains (`revocationExplains`, checked before this): a
    // zero-row load or another failure on its table has a cause of its own.
    if (standsApart(this.signal) || standsApart(member)) {
      const same = member.kind === this.signal.kind && primaryNode(member) === primaryNode(this.signal);
      if (same) return 'same_subject';
      return spentOn(this.signal, member) || spentOn(member, this.signal) ? 'spent_on' : undefined;
    }
    const theirs = signalNodes(member);
    if (theirs.some((n) => !isCompute(n) && this.#nodes.has(n))) return 'same_subject';
    const theirParents = parentsOf(this.view, theirs);
    const mineCompute = [...this.#nodes, ...this.#parents].filter(isCompute);
    if (mineCompute.length > 0) {
      const theirCompute = new Set([...theirs, ...theirParents].filter(isCompute));
      if (mineCompute.some((n) => theirCompute.has(n))) return 'shared_compute';
    }
    const below = theirs.some((n) => !isCompute(n) && this.#down.has(n));
    const above = theirs.some((n) => !isCompute(n) && this.#up.has(n));
    // A job that reads back the table it writes (a dedupe step) is both: a stale table or missed SLA
    // looks up, to what could be its cause.
    if (below && above) return CONSEQUENCE_KINDS.has(this.signal.kind) ? 'downstream' : 'upstream';
    if (below) return 'upstream';
    if (above) return 'downstream';
    // Two readers of one table share a cause only if the data broke them alike: a run skipped or late
    // read nothing, and an out-of-memory beside a permission denied are two problems.
    if (LATE_KINDS.has(this.signal.kind) || LATE_KINDS.has(member.kind)) return undefined;
    if (differentFailures(this.signal, member)) return undefined;
    for (const p of this.#parents) {
      if (nodeKind(p) === 'table' && theirParents.has(p) && this.view.fanOut(p) <= this.#maxReaders) {
        return 'shared_source';
      }
    }
    return undefined;
  }

  /** Whether the signal, linked to `member` by `link`, joins its incident (last active at `activity`). */
  joins(member: Signal, link: LinkKind, activity: number | undefined): boolean {
    if (link === 'spent_on') return this.#duringSpend(member);
    if (JOIN_ONLY_KINDS.has(this.signal.kind)) return this.#heldBack(member, link, activity);
    return this.#inTime(member, link, activity) && !this.#newRootCause(member, link, activity);
  }

  /**
   * Within the window of the incident's root-cause activity; or, within the horizon, a consequence of
   * that cause or another signal of the same run. An incident of consequences only is timed by the member itself, so a cause found late
   * (the 02:30 extract timeout behind the 06:00 SLA miss) still joins its consequence.
   */
  #inTime(member: Signal, link: LinkKind, activity: number | undefined): boolean {
    const s = this.signal;
    const gap = Math.abs(s.occurredAt - (activity ?? member.occurredAt));
    if (gap <= this.#windowMs) return true;
    if (gap > this.#horizonMs) return false;
    // One run is one occurrence however long it lasts: the pipeline update its task started hanging at
    // 05:30, the run itself running long at 06:40 and timing out at 09:00 are one problem.
    if (link === 'same_subject' && s.refs.runId !== undefined && s.refs.runId === member.refs.runId)
      return true;
    // The table the incident said was at risk now missed its SLA (or is at risk again): the same
    // consequence of the same cause, however long the cause has been quiet since it showed itself.
    if (link === 'same_subject' && CONSEQUENCE_KINDS.has(s.kind) && CONSEQUENCE_KINDS.has(member.kind))
      return true;
    // A cause beyond the window of the incident's cause is a cause of its own; a consequence comes after
    // its cause, and a cause before the consequences it explains.
    const consequence = CONSEQUENCE_KINDS.has(s.kind);
    if (activity !== undefined && (!consequence || s.occurredAt < activity)) return false;
    if (activity === undefined && !consequence && s.occurredAt > member.occurredAt) return false;
    switch (link) {
      // What lies upstream of a consequence explains it only if it came first: a zero-row load feeding
      // the table whose SLA was missed at 06:00, seen at noon, is a problem of its own.
      case 'upstream':
        return CONSEQUENCE_KINDS.has(member.kind) && s.occurredAt <= member.occurredAt;
      case 'downstream':
        return CONSEQUENCE_KINDS.has(s.kind);
      case 'same_subject': {
        // The same job on another run is a new failure, not a consequence of this one.
        const sameRun =
          s.refs.runId === undefined || member.refs.runId === undefined || s.refs.runId === member.refs.runId;
        const later = causeRank(s.kind) >= causeRank(member.kind) ? s : member;
        return sameRun && CONSEQUENCE_KINDS.has(later.kind) && s.refs.runId !== undefined;
      }
      default:
        return false;
    }
  }

  /**
   * Whether `member` explains why the table of a join-only signal (`table_overdue`) has not been written:
   * its writer's failure or one upstream of it by lineage (a run or update that failed, or runs far past
   * its usual time), since the table's last write and within the consequence horizon of the incident's
   * activity. Anything else the graph ties to the table (a reader's failure, another table late) does not.
   */
  #heldBack(member: Signal, link: LinkKind, activity: number | undefined): boolean {
    if (link !== 'downstream' && link !== 'same_subject') return false;
    if (!FAILURE_KINDS.has(member.kind) && member.kind !== 'duration_anomaly') return false;
    const s = this.signal;
    if (member.subject.type === 'table' || member.occurredAt < (s.metrics.lastRefreshedAt ?? 0)) return false;
    return Math.abs(s.occurredAt - (activity ?? member.occurredAt)) <= this.#horizonMs;
  }

  /**
   * A team's spend and what made the resource spend more belong together when that began within the
   * consequence horizon before the spend's period (`metrics.periodHours`, an hour by default) and before
   * the period ended (give or take the window): a warehouse left idle from 18:45 explains the rise of
   * the day from midnight, not that of next week.
   */
  #duringSpend(member: Signal): boolean {
    const [spend, cause] = SPEND_KINDS.has(this.signal.kind) ? [this.signal, member] : [member, this.signal];
    const end = spend.occurredAt + (spend.metrics.periodHours ?? 1) * 3_600_000;
    return cause.occurredAt >= spend.occurredAt - this.#horizonMs && cause.occurredAt <= end + this.#windowMs;
  }

  /**
   * A failure linked only as upstream of the incident has a healthy upstream of its own (nothing of the
   * incident feeds it). It explains what it feeds only if it broke first: upstream of a member that
   * failed before it, or of consequences whose cause was already active, it is a new root cause.
   */
  #newRootCause(member: Signal, link: LinkKind, activity: number | undefined): boolean {
    const s = this.signal;
    // Late data is stale data, not broken data: a failure downstream of something only running late or
    // skipped (nothing of it failed) has an error of its own, and a cause of its own.
    if (link === 'downstream') return FAILURE_KINDS.has(s.kind) && LATE_KINDS.has(member.kind);
    if (link !== 'upstream' || !FAILURE_KINDS.has(s.kind)) return false;
    const before = CONSEQUENCE_KINDS.has(member.kind) ? activity : member.occurredAt;
    return before !== undefined && before < s.occurredAt;
  }
}

/** What says an upstream is late rather than broken: a run or update past its usual time, a skipped run, an SLA. */
const LATE_KINDS: ReadonlySet<string> = new Set([
  'duration_anomaly',
  'run_skipped',
  'sla_at_risk',
  'sla_missed',
  'table_overdue',
]);

/**
 * Between links of one strength, what lies upstream can be the cause and what lies downstream cannot,
 * and upstream a failure explains more than something only late: a table's SLA is at risk because its
 * writer failed, not because a reader of it failed, nor because something further up runs long. Most of
 * all, a late table is explained by its own writer's run, failed or skipped, before anything further up
 * that failed: the hung update its writer waited on, not a compaction that failed hours before.
 */
function causeWeight(link: LinkKind, member: Signal, signal: Signal): number {
  if (link !== 'downstream') return 0;
  if (writerOf(member, signal)) return 3;
  return FAILURE_KINDS.has(member.kind) ? 2 : 1;
}

/** Whether `member` is about a run that writes the table `consequence` says is stale or late. */
function writerOf(member: Signal, consequence: Signal): boolean {
  return (
    CONSEQUENCE_KINDS.has(consequence.kind) &&
    consequence.subject.type === 'table' &&
    member.subject.type !== 'table' &&
    (member.refs.tablesWritten ?? []).includes(consequence.subject.id)
  );
}

/** Two classified failures of different categories (a shared source table explains neither). */
function differentFailures(a: Signal, b: Signal): boolean {
  if (!FAILURE_KINDS.has(a.kind) || !FAILURE_KINDS.has(b.kind)) return false;
  const ca = a.classification?.category;
  const cb = b.classification?.category;
  return ca !== undefined && cb !== undefined && ca !== cb;
}

/** Whether `spend` (a team's) names the resource that `cause` says why it spends more than usual. */
function spentOn(spend: Signal, cause: Signal): boolean {
  if (!SPEND_KINDS.has(spend.kind) || !SPEND_CAUSE_KINDS.has(cause.kind)) return false;
  const team = primaryNode(spend);
  const spending = new Set(signalNodes(cause));
  return signalNodes(spend).some((n) => n !== team && spending.has(n));
}

function parentsOf(view: GraphView, nodes: Iterable<string>): Set<string> {
  const out = new Set<string>();
  for (const n of nodes) for (const p of view.upstream(n)) out.add(p);
  return out;
}
