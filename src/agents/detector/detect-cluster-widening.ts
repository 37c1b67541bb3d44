import type { Thresholds } from '../../config/policy.js';
import { utcMinute } from '../../domain/text.js';
import { DetectorSink, type DetectorOutput } from './detector-output.js';
import type { JobClusterHistory, JobClusterLaunch, JobSettingsChange } from './observations.js';
import { median } from './sample-window.js';

const DAY_MS = 86_400_000;
/** How much wider than its job's usual a launch must be to count as widened. */
const WIDER_RATIO = 2;
/**
 * Widened launches a job needs in a row, up to its newest, before it is reported: one wider run is a
 * person trying something (a "run now" with a bigger cluster); two in a row are its settings. One is
 * enough when the job's settings changed between its last usual launch and it, to the size it came up
 * at: that is the deploy itself, seen in `lakeflow.jobs` (and the audit log) before the second run.
 */
const MIN_WIDE_LAUNCHES = 2;
/** Only a widening whose newest launch is this recent is reported: an older one has shown in the bill. */
const RECENT_MS = DAY_MS;

interface Widened {
  readonly job: JobClusterHistory;
  readonly since: number;
  readonly launches: number;
  readonly usual: { readonly workers: number; readonly nodeType: string | undefined };
  readonly now: { readonly workers: number; readonly nodeType: string | undefined };
  readonly ratio: number;
  readonly usualDailyUsd: number;
  readonly extraDailyUsd: number;
  readonly newestClusterId: string;
  /** The settings change the widening followed, when the job's history shows one. */
  readonly deploy: JobSettingsChange | undefined;
}

/**
 * Job clusters launched much wider than their job's usual, before the bill shows it: a config change that
 * multiplies a job's workers (or moves it to bigger nodes) costs that multiple on every run from then on,
 * and billing shows it hours later — or never, when the runs fail early for another reason meanwhile.
 *
 * Each job's launches (`system.compute.clusters`, as launched) are compared with the median of its
 * earlier ones in capacity: workers (the upper autoscale bound for an autoscaling cluster: how wide it
 * may go, not where autoscaling has it now) × the node type's size. A job is widened when its newest
 * `MIN_WIDE_LAUNCHES` or more launches in a row are each `WIDER_RATIO`× its usual — or its newest is,
 * right after a change of its settings that set that size — with at least `min_history_runs` launches
 * before them to know the usual. The card names the change: who made it, when, and the old and new size. The extra spend a day is projected from the
 * job's usual spend a day, scaled by its nodes now against its usual nodes (the driver does not widen).
 * When a team's projected extra clears `cost_anomaly_min_usd`, one `cluster_widened` signal names its
 * widened jobs (the job itself when only one): a configuration change for the owner to check, P3.
 */
export function detectClusterWidening(
  histories: readonly JobClusterHistory[],
  thresholds: Thresholds,
  now: number,
): DetectorOutput {
  const sink = new DetectorSink();
  const byTeam = new Map<string, Widened[]>();
  for (const job of histories) {
    sink.guard(`job:${job.jobId}`, () => {
      const widened = widenedJob(job, thresholds, now);
      if (widened === undefined) return;
      const team = job.team ?? `job ${job.jobName ?? job.jobId}`;
      const key = `${job.workspaceId}\u0000${team}`;
      // A job handed out twice in one poll (two new launches) counts once, on its newest history.
      const others = (byTeam.get(key) ?? []).filter((w) => w.job.jobId !== job.jobId);
      byTeam.set(key, [...others, widened]);
    });
  }
  for (const widened of byTeam.values()) {
    const first = widened[0]!;
    const team = first.job.team;
    sink.guard(`team:${team ?? first.job.jobId}`, () => {
      const extra = widened.reduce((sum, w) => sum + w.extraDailyUsd, 0);
      if (extra < thresholds.cost_anomaly_min_usd) return;
      const since = Math.min(...widened.map((w) => w.since));
      const ratio = Math.max(...widened.map((w) => w.ratio));
      const single = widened.length === 1;
      const jobName = (w: Widened) => w.job.jobName ?? w.job.jobId;
      const who = team !== undefined ? `team ${team}'s` : `job ${jobName(first)}'s`;
      sink.emit(`team:${team ?? first.job.jobId}`, {
        dedupKey: `${first.job.workspaceId}:cluster-widened:${team ?? `job:${first.job.jobId}`}:${since}`,
        workspaceId: first.job.workspaceId,
        kind: 'cluster_widened',
        severityHint: 'P3',
        observedAt: now,
        occurredAt: since,
        subject: single
          ? { type: 'job', id: first.job.jobId, name: jobName(first) }
          : { type: 'team', id: team ?? first.job.jobId, name: team ?? jobName(first) },
        refs: {
          ...(team !== undefined ? { team } : {}),
          ...(single ? { jobId: first.job.jobId, clusterId: first.newestClusterId } : {}),
        },
        classification: {
          category: 'config',
          transient: false,
          action: 'NOTIFY_OWNER',
          rule: 'cluster_widened',
          fixHint:
            "Check the job's cluster settings (num_workers, autoscale, node type) and the deploy that changed them.",
          confidence: 0.9,
        },
        metrics: {
          ratio: round2(ratio),
          jobs: widened.length,
          launches: widened.reduce((sum, w) => sum + w.launches, 0),
          usualDailyUsd: round2(widened.reduce((sum, w) => sum + w.usualDailyUsd, 0)),
          projectedExtraUsdPerDay: round2(extra),
        },
        evidence: [
          {
            label: `${who} job clusters are launching ${ratio.toFixed(1)}× wider than usual since ${utcMinute(since)}: about +$${round2(extra)} a day at their usual runs`,
          },
          ...widened.flatMap((w) => [
            {
              label: `${jobName(w)}: ${size(w.now)} on its last ${launchCount(w.launches)} since ${utcMinute(w.since)}, usually ${size(w.usual)}; usually $${round2(w.usualDailyUsd)} a day, +$${round2(w.extraDailyUsd)} a day at this size`,
            },
            ...(w.deploy !== undefined ? [{ label: changeLabel(jobName(w), w.deploy, w) }] : []),
          ]),
          { label: "Check the job's cluster settings and the recent deploy that changed them" },
        ],
      });
    });
  }
  return sink.output();
}

function widenedJob(job: JobClusterHistory, thresholds: Thresholds, now: number): Widened | undefined {
  const launches = [...job.launches]
    .filter((l) => l.createdAt <= now)
    .sort((a, b) => a.createdAt - b.createdAt);
  const newest = launches.at(-1);
  if (newest === undefined || newest.createdAt < now - RECENT_MS) return undefined;
  // Walk back from the newest while each launch is wide against the launches before it.
  const capacities = launches.map(capacityOf);
  const usualBefore = (i: number) =>
    median(capacities.slice(0, i).filter((c): c is number => c !== undefined));
  let start = launches.length;
  while (start - 1 >= thresholds.min_history_runs) {
    const usual = usualBefore(start - 1);
    if (!(usual > 0 && (capacities[start - 1] ?? 0) >= WIDER_RATIO * usual)) break;
    start -= 1;
  }
  const first = launches[start];
  if (first === undefined) return undefined;
  const before = launches.slice(0, start);
  const deploy = deployBefore(job.settingsChanges, before.at(-1)?.createdAt ?? 0, first);
  if (launches.length - start < MIN_WIDE_LAUNCHES && deploy === undefined) return undefined;
  const usualCapacity = usualBefore(start);
  const usualLaunch = closestTo(before, usualCapacity);
  const usualNodes = median(before.map(nodeUnitsOf).filter((c): c is number => c !== undefined));
  const nowNodes = nodeUnitsOf(newest);
  // The job's usual spend: whole days before the widening began.
  const days = job.dailyUsd.filter((d) => d.day + DAY_MS <= first.createdAt).map((d) => d.usd);
  if (days.length === 0 || nowNodes === undefined || !(usualNodes > 0)) return undefined;
  const usualDailyUsd = median(days);
  return {
    job,
    since: first.createdAt,
    launches: launches.length - start,
    usual: { workers: widthOf(usualLaunch), nodeType: usualLaunch.workerNodeType },
    now: { workers: widthOf(newest), nodeType: newest.workerNodeType },
    ratio: (capacities.at(-1) ?? 0) / usualCapacity,
    usualDailyUsd,
    extraDailyUsd: Math.max(0, usualDailyUsd * (nowNodes / usualNodes - 1)),
    newestClusterId: newest.clusterId,
    deploy,
  };
}

/**
 * The newest change of the job's settings after its last usual launch and by its first wide one that
 * could have set the wide cluster: one whose clusters are unknown (no audit event beside it), or one
 * that set a cluster as the launch came up (its workers, autoscale bound and node type, those it names).
 * A change that set no cluster, or other sizes, explains nothing.
 */
function deployBefore(
  changes: readonly JobSettingsChange[],
  after: number,
  launch: JobClusterLaunch,
): JobSettingsChange | undefined {
  return [...changes]
    .filter((c) => c.at > after && c.at <= launch.createdAt)
    .sort((a, b) => b.at - a.at)
    .find((c) => c.clusters === undefined || c.clusters.some((set) => setAsLaunched(set, launch)));
}

function setAsLaunched(
  set: NonNullable<JobSettingsChange['clusters']>[number],
  launch: JobClusterLaunch,
): boolean {
  const named = [
    [set.workers, launch.workers],
    [set.maxWorkers, launch.maxWorkers],
    [set.workerNodeType, launch.workerNodeType],
  ].filter(([wanted]) => wanted !== undefined);
  return named.length > 0 && named.every(([wanted, got]) => wanted === got);
}

/** Workers as launched: the fixed count, else the upper autoscale bound. */
function widthOf(l: JobClusterLaunch): number {
  return l.workers ?? l.maxWorkers ?? l.minWorkers ?? 0;
}

/** Worker capacity: workers × the worker node's size; undefined when the node's size is unknown. */
function capacityOf(l: JobClusterLaunch): number | undefined {
  const unit = nodeSize(l.workerNodeType);
  return unit === undefined ? undefined : widthOf(l) * unit;
}

/** Every node the cluster runs, driver included, in node sizes: what its spend an hour follows. */
function nodeUnitsOf(l: JobClusterLaunch): number | undefined {
  const worker = nodeSize(l.workerNodeType);
  const driver = nodeSize(l.driverNodeType ?? l.workerNodeType);
  return worker === undefined || driver === undefined ? undefined : widthOf(l) * worker + driver;
}

/**
 * A node type's size in vCPUs, from the clouds' naming: AWS `r5.2xlarge` (4 per `xlarge`), Azure
 * `Standard_DS3_v2`/`Standard_E8ds_v5` (the family's number), GCP `n2-highmem-8` (the trailing count).
 * An unknown name counts as one of itself: launches on it compare by workers alone.
 */
function nodeSize(type: string | undefined): number | undefined {
  if (type === undefined || type === '') return undefined;
  const aws = /\.(\d*)xlarge$/.exec(type);
  if (aws) return 4 * Number(aws[1] === '' ? 1 : aws[1]);
  if (/\.large$/.test(type)) return 2;
  const azure = /^Standard_[A-Za-z]+(\d+)/.exec(type);
  if (azure) return Number(azure[1]);
  const gcp = /-(\d+)$/.exec(type);
  if (gcp) return Number(gcp[1]);
  return 1;
}

function closestTo(launches: readonly JobClusterLaunch[], capacity: number): JobClusterLaunch {
  let best = launches[0]!;
  for (const l of launches)
    if (Math.abs((capacityOf(l) ?? 0) - capacity) < Math.abs((capacityOf(best) ?? 0) - capacity)) best = l;
  return best;
}

function size(s: { readonly workers: number; readonly nodeType: string | undefined }): string {
  return `${s.workers} worker${s.workers === 1 ? '' : 's'}${s.nodeType !== undefined ? ` of ${s.nodeType}` : ''}`;
}

function launchCount(n: number): string {
  return n === 1 ? 'launch' : `${n} launches`;
}

/** What an engineer looks for first: who changed the job, when, and from what size to what. */
function changeLabel(job: string, change: JobSettingsChange, w: Widened): string {
  const by = change.by !== undefined ? ` by ${change.by}` : '';
  const how = change.action !== undefined ? ` (jobs/${change.action})` : '';
  return `${job}'s settings were changed${by} at ${utcMinute(change.at)}${how}: ${size(w.usual)} → ${size(w.now)}`;
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
