import pMap from 'p-map';
import type { SecondOpinion } from '../agents/classifier/classify-error.js';
import { reconsiderSignal } from '../agents/classifier/reconsider-signal.js';
import type { JobNotification } from '../agents/collector/job-webhook.js';
import { buildDependencyGraph } from '../agents/correlator/build-dependency-graph.js';
import type { FrozenGraph } from '../agents/correlator/dependency-graph.js';
import type { CollectorCache } from '../agents/collector/collector-cache.js';
import type { CollectorDeps } from '../agents/collector/collector-deps.js';
import { loadTopology } from '../agents/collector/load-topology.js';
import { type Degraded, monitoringDegradedSignal } from '../agents/collector/monitoring-degraded.js';
import { pollRuns } from '../agents/collector/poll-runs.js';
import { pollSystemTables } from '../agents/collector/poll-system-tables.js';
import { readBaselineHistory } from '../agents/collector/read-baseline-history.js';
import { fetchRunObservation } from '../agents/collector/run-observation.js';
import type { Topology } from '../agents/collector/topology.js';
import { criticalityOf, sharedWrites, type WriterEvidence } from '../agents/correlator/criticality.js';
import { Detection } from '../agents/detector/detection.js';
import type { DetectorOutput } from '../agents/detector/detector-output.js';
import { StoredDetection } from '../agents/detector/stored-detection.js';
import {
  cardToUpdate,
  type HandleSignalDeps,
  handleSignal,
  incidentIdOf,
} from '../agents/incidents/handle-signal.js';
import { type RecoveryEvidence, reviewOpenIncidents } from '../agents/incidents/review-open-incidents.js';
import { type ExpireApprovalsDeps, settleExpiredApprovals } from '../agents/remediation/expire-approvals.js';
import { auditRecorder } from '../agents/remediation/remediation-gates.js';
import { KnownEscalations } from '../agents/triage/escalate-incident.js';
import type { Logger } from '../config/logger.js';
import type { Policy } from '../config/policy.js';
import { type Clock, systemClock } from '../domain/clock.js';
import { DbxopsError } from '../domain/errors.js';
import type { Incident } from '../domain/incident.js';
import { makeSignal, type Signal, signalSchema } from '../domain/signal.js';
import type { CorrelationLock } from '../store/correlation-lock.js';
import type { Repositories } from '../store/repositories.js';
import { type Dispatcher, PermanentJobError, type Processors, RateLimitedError } from './dispatcher.js';
import { DegradedSources, type MonitoredSource } from './degraded-sources.js';
import type { DbxopsMetrics } from './metrics.js';
import { queueSignals, RecentSignalJobs, type SignalPayload } from './signal-outbox.js';
import { showSourceLag } from './source-lag.js';

/** The work the monitoring loop moves between its stages. Payloads are JSON: they cross Redis. */
export type MonitoringPayloads = {
  /**
   * Databricks job notifications, the instant path: the deliveries the webhook endpoint accepted
   * together (one under light load, hundreds in a burst). `notification` is the shape of one, as queued
   * before batches.
   */
  webhook:
    | { notifications: readonly JobNotification[]; receivedAt: number }
    | { notification: JobNotification; receivedAt: number };
  /** A scheduled collection; of the first workspace watched unless `workspace` names another. */
  poll: { source: PollSource; workspace?: string };
  /** Detected signals to correlate, triage and store: one, or all of a poll's or a webhook batch's. */
  /** `detectedAt`: wall-clock ms when the signals were queued, for the pipeline-latency metric. */
  signal: SignalPayload;
  /** An incident changed: bring its cards up to date. */
  notify: { incidentId: string };
  /** A new incident's card was posted: draft the model's explanation of it, then update the card. */
  explain: { incidentId: string };
};

/** Runs of one webhook batch fetched at once: the workspace's REST API is the wait, not our CPU. */
const WEBHOOK_BATCH_CONCURRENCY = 16;

export const MONITORING_QUEUES = ['webhook', 'poll', 'signal', 'notify', 'explain'] as const;

export type PollSource = 'runs' | 'system_tables' | 'topology' | 'retriage';

/** Its watermark exists once a workspace's past was read into the detectors' baselines. */
const BASELINES_SOURCE = 'baselines';

/**
 * How often each source is polled. A real workspace reads system tables through a SQL warehouse that
 * must be allowed to auto-stop and bills by the minute, so every five minutes; the embedded workspace's
 * tables are in-process and free, so every minute (in simulated time).
 */
export const POLL_EVERY_MS = {
  real: { runs: 60_000, system_tables: 300_000, topology: 1_800_000, retriage: 300_000 },
  embedded: { runs: 60_000, system_tables: 60_000, topology: 1_800_000, retriage: 300_000 },
} as const;

/**
 * A process reads its topology again once it is this old (workspace time) and nothing refreshed it: the
 * `topology` poll refreshes the worker that takes it, and every other worker would keep the topology it
 * loaded first for as long as it runs. Twice the poll's interval, so where the poll keeps it fresh (one
 * process, `dbxops eval`) this never comes into play.
 */
const TOPOLOGY_STALE_MS = 2 * POLL_EVERY_MS.real.topology;

export interface MonitoringDeps {
  collector: CollectorDeps;
  cache: CollectorCache;
  repos: Repositories;
  /** Lets signals be handled concurrently (see `HandleSignalDeps.lock`); without it, one at a time. */
  correlationLock?: CorrelationLock;
  /**
   * Signals of one batch correlated at once, each in its own locked transaction (default 1: in order).
   * Worth more than 1 only on PostgreSQL; PGlite runs transactions one at a time anyway.
   */
  signalConcurrency?: number;
  policy: Policy;
  /** The workspace's clock (simulated in the embedded mode): detection, SLAs, what signals say. */
  clock: Clock;
  /** The wall clock: how long a signal waited in the queues (default the system clock). */
  wallClock?: Clock;
  logger: Logger;
  metrics?: DbxopsMetrics;
  /**
   * Brings an incident's cards up to date on every surface (the notifier, `src/notify/`): how many it
   * posted, the copies that failed (the job fails and is retried for them) and the copies another
   * process is posting (looked at again once that claim could have gone stale).
   */
  /**
   * Job runs ended (a webhook, or the runs poll listed them): remediations verifying one of them check it
   * at once (`verifyEndedRuns`). Absent where nothing remediates.
   */
  onRunsEnded?: ((runIds: readonly string[]) => Promise<void>) | undefined;
  notify: (incidentId: string) => Promise<{
    posted: number;
    failures: readonly { surface: string; channelId: string; error: string; retryAfterMs?: number }[];
    pending: { count: number; retryAfterMs: number };
  }>;
  /**
   * Drafts the model's explanation of an incident whose card was just posted (only given when a model
   * is configured): `drafted` when the card has a newer version to show.
   */
  explain?: (incidentId: string) => Promise<'drafted' | 'skipped' | 'failed'>;
  /**
   * The language model's second opinion on failures the classifier's rules left unknown or only guessed
   * at (a model configured, see `secondOpinionFor`); without it, the rules' answer stands.
   */
  secondOpinion?: SecondOpinion;
  /** Called for every incident notification posted (a new card); the evaluation counts them. */
  onPosted?: (incidentId: string, cards: number) => void;
  /** Called for every signal handled, with its outcome; the evaluation and benchmarks listen. */
  onSignal?: (signal: Signal, outcome: string, incidentId: string | null) => void;
  /**
   * Called once when a signal opened a new incident, before its card is notified: auto-heal queues its
   * look at it here (`remediation.auto_heal`). Awaited, so a failure to queue fails the signal's job.
   */
  onOpened?: (incident: Incident) => Promise<void>;
  /**
   * Called when a poll finished: `ok`, `degraded` when the workspace turned it away, or `failed` with
   * what went wrong (both are retried). Readiness listens: a source that stops polling, or a workspace
   * that refuses us (a bad token, an unknown warehouse), makes the process unready.
   */
  onPolled?: (source: PollSource, outcome: PollOutcome) => Promise<void>;
}

/** How one poll ended; a failure carries its error's stable code (and reason) and message. */
type PollOutcome =
  | 'ok'
  | 'degraded'
  | { readonly failed: { readonly code: string; readonly reason?: string; readonly message: string } };

/** Per-process state the monitoring stages keep between calls. */
interface MonitoringState {
  /** What the detectors remember between polls (baselines, latest loads, runs in flight, costs). */
  readonly detection: Detection;
  graph: FrozenGraph;
}

/**
 * Builds the monitoring stages over a dispatcher (BullMQ in production, inline for `dbxops eval`):
 * webhook → run observation → failure detectors → signals; polls → observations → every detector →
 * signals; signal → correlate, open or update the incident, triage → notify; notify → cards.
 */
export function createMonitoringStages(
  deps: MonitoringDeps,
  dispatcher: () => Dispatcher<MonitoringPayloads>,
): { processors: Processors<MonitoringPayloads> } {
  const state: MonitoringState = { detection: new Detection(deps.policy), graph: buildDependencyGraph({}) };
  const workspaceId = deps.collector.workspaceId;
  const wallClock = deps.wallClock ?? systemClock;
  const log = deps.logger;
  const sources = new DegradedSources({ metrics: deps.metrics, workspaceId, wallClock });
  // Polls judge on the detector state every worker saved (the store), not only on this process' memory.
  const detection = new StoredDetection({
    detection: state.detection,
    repository: deps.repos.detectorState,
    workspaceId,
    wallClock,
    logger: log,
  });
  if (deps.metrics)
    showSourceLag(deps.metrics, { workspaceId, watermarks: deps.collector.watermarks, clock: deps.clock });

  /**
   * The review's evidence that a failed job or pipeline succeeded since: what the runs and system-table
   * polls read, as every worker saved it (nothing is read from the workspace for it).
   */
  const expiry: ExpireApprovalsDeps = {
    remediations: deps.repos.remediations,
    incidents: deps.repos.incidents,
    audit: auditRecorder({ log: deps.repos.audit, wallClock, policy: deps.policy.remediation }),
    wallClock,
    clock: deps.clock,
    notify: deps.notify,
  };
  const recovery: RecoveryEvidence = {
    // A remediation waiting for a second person holds its incident only until its request expires.
    attempts: (incidentId) => settleExpiredApprovals(expiry, incidentId),
    lastSuccesses: () => detection.judge((d) => (type, id) => d.lastSuccess(workspaceId, type, id)),
  };

  const recent = new RecentSignalJobs();
  const escalations = new KnownEscalations();
  /** Queues signals for correlation, kept in the outbox: one job for all of a poll's (or a run's). */
  const emit = (signals: readonly Signal[]) =>
    queueSignals(
      { outbox: deps.repos.signalOutbox, dispatcher: dispatcher(), wallClock, recent },
      workspaceId,
      signals,
    );

  const degraded = async (source: MonitoredSource, d: Degraded) => {
    sources.turnedAway(source);
    const draft = makeSignal(monitoringDegradedSignal(workspaceId, d, deps.clock.now()));
    if (draft.ok) await emit([draft.value]);
    log.warn(
      { source: d.source, reason: d.reason },
      'monitoring degraded: the workspace is throttling or failing',
    );
    throw new RateLimitedError(`${d.source} is ${d.reason}`, d.retryAfterMs ?? 30_000);
  };

  const setTopology = ({ lineage, tableTeams, ...kept }: Topology) => {
    state.graph = buildDependencyGraph({
      lineage,
      jobs: kept.jobs,
      jobEdges: kept.jobEdges,
      slas: kept.slas,
      tableTeams,
    });
    deps.cache.topology = kept;
  };

  /** The SLAs of the topology loaded last. */
  const slas = () => deps.cache.topology?.slas ?? [];

  /** Queues what the detectors found; what they could not judge is logged. */
  const found = async (out: DetectorOutput) => {
    for (const s of out.skipped)
      log.warn({ subject: s.subject, reason: s.reason }, 'detector skipped a subject');
    await emit(out.signals);
  };

  // One load at a time: the first burst of webhooks after a start would otherwise load it once each.
  let loading: Promise<void> | undefined;
  // When this process last began a load (workspace time), loaded or not: a stale one is tried once a
  // period, not on every job while the workspace throttles.
  let triedAt = Number.NEGATIVE_INFINITY;
  const refreshTopology = (): Promise<void> => {
    loading ??= (async () => {
      triedAt = deps.clock.now();
      try {
        const outcome = await loadTopology(deps.collector, deps.cache);
        if (outcome.degraded) return degraded('topology', outcome.degraded);
        sources.recovered('topology');
        setTopology(outcome.topology);
      } finally {
        loading = undefined;
      }
    })();
    return loading;
  };
  /**
   * Correlating or observing without the topology would miss every lineage link: load it first. One that
   * another worker's refresh left stale here is read again behind the scenes; the one held serves meanwhile.
   */
  const topologyLoaded = async () => {
    if (!deps.cache.topology) return refreshTopology();
    if (deps.clock.now() - triedAt > TOPOLOGY_STALE_MS)
      refreshTopology().catch((error: unknown) =>
        log.warn({ err: String(error) }, 'reading the topology again failed; the one held serves'),
      );
  };

  /**
   * Before the first poll of a workspace is judged, its past is read from the system tables into the
   * baselines (`readBaselineHistory`), once per workspace: a watermark marks it done for every process
   * and restart. So a job's next run is judged against weeks of earlier ones, on a real workspace and
   * the embedded one alike, rather than after dbxops has watched for weeks. A past that cannot be read
   * now is tried again by the next process; the polls go on without it.
   */
  let seeding: Promise<void> | undefined;
  // One read at a time: a poll that comes while it runs waits for it instead of judging without it.
  const seedBaselines = (): Promise<void> => (seeding ??= readPast());
  const readPast = async () => {
    try {
      const marks = await deps.collector.watermarks.list(workspaceId);
      if (marks.some((m) => m.source === BASELINES_SOURCE)) return;
      const now = deps.clock.now();
      const history = await readBaselineHistory(deps.collector, now);
      await detection.judge((d) => d.seed(history, now));
      await deps.collector.watermarks.reset(workspaceId, BASELINES_SOURCE, { lastSeenAt: null }, now);
      log.info(
        { runs: history.runs.length, loads: history.loads.length, costs: history.costs.length },
        "baselines seeded from the workspace's past",
      );
    } catch (error) {
      log.warn({ error: String(error) }, "the workspace's past could not be read into the baselines");
    }
  };

  // Two notifications of one incident at once would both find no card yet and both post one: this
  // process brings an incident's cards up to date one call at a time.
  const notifying = new Map<string, Promise<void>>();

  /** One run notification → its observation over REST → the failure detectors → its signals. */
  const observeRun = async (notification: JobNotification): Promise<readonly Signal[]> => {
    const outcome = await fetchRunObservation(deps.collector, notification.jobRunId, deps.cache);
    if (outcome.status === 'degraded') return degraded('webhook', outcome.degraded);
    sources.recovered('webhook');
    if (outcome.status !== 'ok') {
      throw new PermanentJobError(`Run ${notification.jobRunId}: ${outcome.message}`, {
        status: outcome.status,
      });
    }
    await deps.onRunsEnded?.([notification.jobRunId]);
    return state.detection.ofNotifiedRun(outcome.observation, deps.clock.now()).signals;
  };

  const processors: Processors<MonitoringPayloads> = {
    webhook: async (payload) => {
      const all = 'notifications' in payload ? payload.notifications : [payload.notification];
      const runs = all.filter((n) => n.eventType !== 'jobs.on_start');
      if (runs.length === 0) return;
      await topologyLoaded();
      const [only] = runs;
      if (runs.length === 1 && only) return handOn(await observeRun(only));
      // A batch: the runs are fetched side by side. One that fails gets a job of its own, retried (or
      // failed, visibly) exactly as a single delivery is; once the workspace throttles, the rest wait.
      const leftovers: JobNotification[] = [];
      let retryAfterMs: number | undefined;
      await pMap(
        runs,
        async (notification) => {
          if (retryAfterMs !== undefined) return void leftovers.push(notification);
          try {
            // Queued as soon as the run is observed: a failure's latency is its own, not its batch's.
            await handOn(await observeRun(notification));
          } catch (error) {
            if (error instanceof RateLimitedError) retryAfterMs = error.retryAfterMs;
            leftovers.push(notification);
          }
        },
        { concurrency: WEBHOOK_BATCH_CONCURRENCY },
      );
      for (const notification of leftovers) {
        await dispatcher().dispatch(
          'webhook',
          { notifications: [notification], receivedAt: payload.receivedAt },
          { key: notification.dedupKey, ...(retryAfterMs === undefined ? {} : { delayMs: retryAfterMs }) },
        );
      }
    },

    // Retriage also escalates what waited too long for someone: both are time-driven reviews of the
    // open incidents, on the workspace's clock.
    poll: async ({ source }) => {
      if (source === 'topology') return refreshTopology();
      if (source === 'retriage')
        return reviewOpenIncidents(
          { ...signalDeps(await writerEvidence()), escalations, recovery },
          workspaceId,
          (i) => notifyOf([i]),
        );
      await topologyLoaded();
      await seedBaselines();
      // What a poll read is judged and its signals queued before its watermarks move (`handOut`): a
      // worker killed in between leaves them for the next poll, not lost.
      if (source === 'runs') {
        const outcome = await pollRuns(deps.collector, deps.cache, {
          handOut: async (observed) => {
            const now = deps.clock.now();
            await found(await detection.judge((d) => d.ofRunsPoll(observed, slas(), now)));
          },
        });
        if (outcome.degraded) return degraded('runs', outcome.degraded);
        sources.recovered('runs');
        await deps.onRunsEnded?.(outcome.completed.map((run) => run.runId));
        return;
      }
      const tables = await pollSystemTables(deps.collector, deps.cache, {
        handOut: async (observations) => {
          for (const r of observations.rejected) log.warn(r, 'system-table rows rejected');
          const now = deps.clock.now();
          await found(await detection.judge((d) => d.ofSystemTables(observations, slas(), now)));
        },
      });
      const first = tables.degraded[0];
      if (first) await degraded('system_tables', first);
      sources.recovered('system_tables');
    },

    signal: async (payload) => {
      await topologyLoaded();
      // Payloads crossed Redis: check them. A lone one that is not a signal fails its job; inside a
      // batch it is skipped and logged, and the rest go on.
      if ('signal' in payload) {
        const parsed = signalSchema.safeParse(payload.signal);
        if (!parsed.success)
          throw new PermanentJobError('Not a signal', { issues: parsed.error.issues.length });
        return correlateAll(await reconsidered([parsed.data as Signal]), payload.detectedAt);
      }
      const signals: Signal[] = [];
      for (const raw of payload.signals) {
        const parsed = signalSchema.safeParse(raw);
        if (parsed.success) signals.push(parsed.data as Signal);
        else log.warn({ issues: parsed.error.issues.length }, 'a queued signal was not a signal; skipped');
      }
      await correlateAll(await reconsidered(signals), payload.detectedAt);
    },

    notify: ({ incidentId }) =>
      oneAtATime(notifying, incidentId, async () => {
        const { posted, failures, pending } = await deps.notify(incidentId);
        if (posted > 0) deps.onPosted?.(incidentId, posted);
        // The card is out first; the model's draft follows in its own job and updates it in place.
        if (posted > 0 && deps.explain !== undefined)
          await dispatcher().dispatch('explain', { incidentId }, { key: `explain:${incidentId}` });
        // Keyed per period: one look-again per period, however many jobs asked for it.
        const lookAgain = async (why: string, delayMs: number) => {
          const period = Math.floor(wallClock.now() / delayMs);
          await dispatcher().dispatch(
            'notify',
            { incidentId },
            { key: `notify:${incidentId}:${why}:${period}`, delayMs },
          );
        };
        if (pending.count > 0) await lookAgain('claimed', pending.retryAfterMs);
        // A surface that only throttles or fails for a while is tried again when it said to, for as long
        // as it takes, without spending the job's attempts; the copies that succeeded are recorded.
        const deferred = failures.map((f) => f.retryAfterMs);
        if (failures.length > 0 && deferred.every((ms) => ms !== undefined)) {
          await lookAgain('deferred', Math.max(1_000, ...deferred));
          return;
        }
        if (failures.length > 0) {
          // The copies that succeeded are recorded: the retry redoes only the failed ones.
          throw new DbxopsError(
            'NOTIFY_INCOMPLETE',
            `${failures.length} card cop${failures.length === 1 ? 'y' : 'ies'} of ${incidentId} could not be delivered`,
            { incidentId, failures: failures.map((f) => ({ surface: f.surface, channelId: f.channelId })) },
          );
        }
      }),

    explain: async ({ incidentId }) => {
      if ((await deps.explain?.(incidentId)) !== 'drafted') return;
      await dispatcher().dispatch('notify', { incidentId }, { key: `notify:${incidentId}:explained` });
    },
  };

  /** Failures the rules could not label, with the second opinion's label when one is configured. */
  async function reconsidered(signals: readonly Signal[]): Promise<readonly Signal[]> {
    const opinion = deps.secondOpinion;
    if (opinion === undefined) return signals;
    return Promise.all(signals.map((s) => reconsiderSignal(s, opinion)));
  }

  /** Correlates, stores and counts one signal; the incident whose cards need updating, if any. */
  async function correlateOne(
    handling: HandleSignalDeps,
    signal: Signal,
    detectedAt: number,
  ): Promise<Incident | undefined> {
    const outcome = await handleSignal(handling, signal);
    deps.onSignal?.(signal, outcome.kind, incidentIdOf(outcome));
    deps.metrics?.pipelineLatency.observe(
      { stage: 'signal' },
      Math.max(0, wallClock.now() - detectedAt) / 1000,
    );
    if (outcome.kind === 'rejected') {
      log.warn({ signalId: signal.id, reason: outcome.reason }, 'signal could not be stored');
      return undefined;
    }
    if (outcome.kind === 'duplicate' || outcome.kind === 'set_aside') return undefined;
    deps.metrics?.signals.inc({ kind: signal.kind });
    if (outcome.kind === 'opened') {
      deps.metrics?.incidentsOpened.inc({ severity: outcome.incident.severity });
      await deps.onOpened?.(outcome.incident);
    } else deps.metrics?.incidentsUpdated.inc({ severity: outcome.incident.severity });
    return cardToUpdate(outcome, deps.policy);
  }

  /**
   * Correlates signals side by side (those that could correlate take turns on the correlation lock)
   * and notifies each incident once, at the latest version they left it.
   */
  async function correlateAll(signals: readonly Signal[], detectedAt: number) {
    if (signals.length === 0) return;
    // Read once for the batch, before any of its correlations opens a transaction.
    const handling = signalDeps(await writerEvidence());
    const changed = await pMap(signals, (signal) => correlateOne(handling, signal, detectedAt), {
      concurrency: deps.signalConcurrency ?? 1,
    });
    await notifyOf(changed.filter((i): i is Incident => i !== undefined));
  }

  /**
   * A run's signals go on to correlation: in this job when signals may be correlated concurrently (the
   * correlation lock keeps related ones in turn, and a failure retries the run, whose signals are
   * idempotent), saving a queue hop per failure; otherwise through the signal queue, in order.
   */
  async function handOn(signals: readonly Signal[]) {
    // The webhook job loaded the topology before it observed the run.
    if ((deps.signalConcurrency ?? 1) > 1 && signals.length > 0)
      return correlateAll(signals, deps.clock.now());
    return emit(signals);
  }

  /** Queues a card update per incident, at the newest version seen. */
  async function notifyOf(incidents: readonly Incident[]) {
    const latest = new Map<string, Incident>();
    for (const i of incidents) if ((latest.get(i.id)?.version ?? 0) < i.version) latest.set(i.id, i);
    for (const incident of latest.values()) {
      await dispatcher().dispatch(
        'notify',
        { incidentId: incident.id },
        { key: `notify:${incident.id}:${incident.version}` },
      );
    }
  }

  /**
   * When each writer of a table several jobs write last wrote it, as every worker saved it: which of a
   * failed job's tables another job keeps current (`criticalityOf`). Read under the detector-state lock
   * before correlating, never during: triage runs inside correlation's transaction, and a lock taken
   * there waits, on PGlite's one connection, for that very transaction. Undefined when no table has two
   * writers (nothing to read).
   */
  async function writerEvidence(): Promise<WriterEvidence['lastWriteAt'] | undefined> {
    const writes = deps.cache.topology === undefined ? [] : sharedWrites(deps.cache.topology);
    if (writes.length === 0) return undefined;
    return detection.judge((d) => d.lastWritesOf(workspaceId, writes));
  }

  /** `lastWriteAt`: read by `writerEvidence` before correlation's transaction begins. */
  function signalDeps(lastWriteAt?: WriterEvidence['lastWriteAt']): HandleSignalDeps {
    return {
      incidents: deps.repos.incidents,
      recurring: deps.repos.recurringIssues,
      graph: () => state.graph,
      criticality: (summary, now) =>
        criticalityOf(
          deps.cache.topology,
          summary,
          now,
          lastWriteAt === undefined ? undefined : { graph: state.graph, lastWriteAt },
        ),
      policy: deps.policy,
      clock: deps.clock,
      ...(deps.correlationLock ? { lock: deps.correlationLock } : {}),
    };
  }

  /** Runs one poll as its source, and tells `onPolled` how it went. */
  const poll = async (source: PollSource, work: () => Promise<void>) => {
    const run = () => (source === 'retriage' ? work() : sources.within(source, work));
    try {
      await run();
    } catch (error) {
      await deps.onPolled?.(
        source,
        error instanceof RateLimitedError ? 'degraded' : { failed: failureOf(error) },
      );
      throw error;
    }
    await deps.onPolled?.(source, 'ok');
  };

  return {
    processors: {
      ...processors,
      webhook: (payload) => sources.within('webhook', () => processors.webhook(payload)),
      poll: (payload) => poll(payload.source, () => processors.poll(payload)),
    },
  };
}

/** What readiness needs of a failed poll: the error's stable code and reason, and a short message. */
function failureOf(error: unknown): { code: string; reason?: string; message: string } {
  const message = (error instanceof Error ? error.message : String(error)).slice(0, 300);
  if (!(error instanceof DbxopsError)) return { code: 'UNEXPECTED', message };
  const reason = error.details.reason;
  return { code: error.code, ...(typeof reason === 'string' ? { reason } : {}), message };
}

/** Runs `work` after every earlier call with the same key has settled. */
function oneAtATime(
  chains: Map<string, Promise<void>>,
  key: string,
  work: () => Promise<void>,
): Promise<void> {
  const run = (chains.get(key) ?? Promise.resolve()).catch(() => {}).then(work);
  const settled = run.catch(() => {});
  chains.set(key, settled);
  void settled.then(() => {
    if (chains.get(key) === settled) chains.delete(key);
  });
  return run;
}
