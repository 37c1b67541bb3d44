import type { ErrorCategory } from '../../domain/error-label.js';
import { INCIDENT_LIMITS } from '../../domain/incident.js';
import type { Signal } from '../../domain/signal.js';
import { truncateText } from '../../domain/text.js';
import { formatBytes } from '../detector/detect-runaway-queries.js';
import { formatMinutes } from '../detector/running-long.js';

/** Every category but `unknown`, which says nothing: the error's own first line does better. */
const CATEGORY_WORDS: Readonly<Record<Exclude<ErrorCategory, 'unknown'>, string>> = {
  timeout: 'timed out',
  resource: 'ran out of memory or disk',
  capacity: 'no cloud capacity',
  permission: 'permission denied',
  syntax: 'error in the code',
  missing_object: 'a table or file is missing',
  network: 'network error',
  dependency: 'library install failed',
  data_quality: 'bad input data',
  concurrency: 'conflicting concurrent writes',
  config: 'misconfigured job or cluster',
};

const OUT_OF_MEMORY = /out ?of ?memory|OutOfMemoryError|\bOOM\b|DRIVER_OUT_OF_MEMORY|GC overhead limit/i;

/** The cause of a failure in a few plain words: "out of memory", "permission denied" … */
function causeWords(signal: Signal): string {
  const message = signal.error?.message ?? '';
  if (OUT_OF_MEMORY.test(message) || OUT_OF_MEMORY.test(signal.error?.terminationCode ?? ''))
    return 'out of memory';
  const category = signal.classification?.category;
  if (category !== undefined && category !== 'unknown') return CATEGORY_WORDS[category];
  const firstLine = message
    .replace(/^\s*\[[A-Z0-9_.]+\]\s*/, '')
    .split('\n')[0]
    ?.trim();
  return firstLine ? truncateText(firstLine, 80) : 'no error message';
}

/** The job's name for a job or task signal (task subjects are named `job / task`). */
function jobName(signal: Signal): string {
  const { subject, refs } = signal;
  const name = subject.name ?? (refs.jobId !== undefined ? `job ${refs.jobId}` : subject.id);
  const suffix = refs.taskKey !== undefined ? ` / ${refs.taskKey}` : '';
  return subject.type === 'task' && suffix && name.endsWith(suffix) ? name.slice(0, -suffix.length) : name;
}

const metric = (s: Signal, k: string): number | undefined => s.metrics[k];

/**
 * How a runaway gave itself away: how long it has run, or — caught by its bytes in its first minute,
 * when "running 0 min" would say nothing — how much it read.
 */
function runawayWords(root: Signal): string {
  const seconds = metric(root, 'runningSeconds') ?? (metric(root, 'runningMinutes') ?? 0) * 60;
  const gib = metric(root, 'readGib');
  if (seconds >= 60 || gib === undefined) return `running ${formatMinutes(seconds)}`;
  return `read ${formatBytes(gib * 1024 ** 3)} in under a minute`;
}

/**
 * The incident's title in plain words from its root-cause signal, e.g. "Nightly orders ETL failed: out of
 * memory on task load_orders". Never empty; cut to the incident title limit.
 */
export function incidentTitle(root: Signal): string {
  const name = root.subject.name ?? root.subject.id;
  const onTask = root.refs.taskKey !== undefined ? ` on task ${root.refs.taskKey}` : '';
  let title: string;
  switch (root.kind) {
    case 'task_failed':
    case 'job_failed':
      title = `${jobName(root)} failed: ${causeWords(root)}${onTask}`;
      break;
    case 'run_timed_out':
      title = `${jobName(root)} timed out${onTask}`;
      break;
    case 'run_skipped':
      title = `${jobName(root)} skipped${onTask}`;
      break;
    case 'duration_anomaly': {
      const quiet = metric(root, 'quietMinutes');
      if (quiet !== undefined) {
        title = `${jobName(root)} is running with no progress for ${quiet} min`;
        break;
      }
      const ratio = metric(root, 'ratio');
      const running = metric(root, 'stillRunning') === 1 ? 'is running' : 'ran';
      title = `${jobName(root)} ${running} ${ratio !== undefined ? `${ratio.toFixed(1)}×` : 'far'} longer than usual`;
      break;
    }
    case 'row_count_drop': {
      const ratio = metric(root, 'ratio');
      title = `${name} loaded ${ratio !== undefined ? `${Math.round((1 - ratio) * 100)}% ` : ''}fewer rows than usual`;
      break;
    }
    case 'row_count_spike': {
      const ratio = metric(root, 'ratio');
      title = `${name} loaded ${ratio !== undefined ? `${ratio.toFixed(1)}×` : 'far'} more rows than usual`;
      break;
    }
    case 'zero_rows':
      title = `${name} loaded no rows ${metric(root, 'consecutiveZeroLoads') ?? 'several'} times in a row`;
      break;
    case 'sla_missed':
      title = `${name} missed its freshness SLA`;
      break;
    case 'sla_at_risk': {
      const left = metric(root, 'minutesLeft');
      title = `${name} may miss its freshness SLA${left !== undefined ? ` in ${left} min` : ''}`;
      break;
    }
    case 'pipeline_failed':
      title = `Pipeline ${name} failed: ${causeWords(root)}`;
      break;
    case 'cluster_event': {
      // Cluster events often name the cluster themselves ("Cluster x lost spot instances"): say it once.
      const message = root.error?.message.split('\n')[0]?.trim() || 'unhealthy';
      const named = message.toLowerCase().startsWith(`cluster ${name}`.toLowerCase());
      title = named ? message : `Cluster ${name}: ${message}`;
      break;
    }
    case 'warehouse_queueing':
      title = `Warehouse ${name} is queueing ${metric(root, 'queuedQueries') ?? ''} queries`.replace(
        '  ',
        ' ',
      );
      break;
    case 'warehouse_idle_no_autostop':
      title = `Warehouse ${name} idle for ${metric(root, 'idleMinutes') ?? '?'} min with auto-stop off`;
      break;
    case 'runaway_query':
      title = `Runaway ${name}: ${runawayWords(root)}`;
      break;
    case 'cost_anomaly': {
      const ratio = metric(root, 'ratio');
      title =
        ratio !== undefined
          ? `${name} spent ${ratio.toFixed(1)}× the usual`
          : `${name} spent far more than usual`;
      break;
    }
    case 'cluster_widened': {
      const ratio = metric(root, 'ratio');
      const extra = metric(root, 'projectedExtraUsdPerDay');
      title = `${name}'s job clusters launch ${ratio !== undefined ? `${ratio.toFixed(1)}×` : 'far'} wider than usual${extra !== undefined ? `: about +$${extra} a day` : ''}`;
      break;
    }
    case 'grant_revoked': {
      const what = root.refs.privileges?.join(', ') ?? 'A privilege';
      const from = root.refs.principal !== undefined ? ` from ${root.refs.principal}` : '';
      title = `${what} on ${name} revoked${from}`;
      break;
    }
    case 'acl_changed': {
      const who = root.refs.principal ?? 'A principal';
      const level = root.refs.privileges?.[0];
      title = `${who}'s permission on ${root.subject.type} ${name} ${level !== undefined ? `set to ${level}` : 'removed'}`;
      break;
    }
    case 'budget_exceeded':
      title = `${name} is over its monthly budget`;
      break;
    default:
      title = `${root.kind.replaceAll('_', ' ')}: ${name}`;
  }
  return truncateText(title.trim(), INCIDENT_LIMITS.title);
}
