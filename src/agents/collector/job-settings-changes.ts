import type { JobSettingsChange } from '../detector/observations.js';

/** How far apart a `lakeflow.jobs` row and the audit event of the same change may be. */
const SAME_CHANGE_MS = 5 * 60_000;

/** A `jobs` `update`/`reset` audit event: when, by whom, and its `new_settings` JSON string. */
export interface JobSettingsAuditEvent {
  readonly at: number;
  readonly by: string | undefined;
  readonly action: string | undefined;
  readonly newSettings: string | undefined;
}

/**
 * A job's settings changes from its `lakeflow.jobs` rows: each row's `change_time` but the one that
 * records the job's creation (`create_time`; without it, the oldest row read), each completed from the audit
 * event nearest it within `SAME_CHANGE_MS`. A change without an audit event says when, not who or what.
 */
export function jobSettingsChanges(
  changeTimes: readonly number[],
  createdAt: number | undefined,
  audit: readonly JobSettingsAuditEvent[],
): JobSettingsChange[] {
  return changeTimesOf(changeTimes, createdAt).map((at) => {
    let nearest: JobSettingsAuditEvent | undefined;
    for (const e of audit) {
      const gap = Math.abs(e.at - at);
      if (gap <= SAME_CHANGE_MS && (nearest === undefined || gap < Math.abs(nearest.at - at))) nearest = e;
    }
    if (nearest === undefined) return { at };
    const clusters = clustersSet(nearest.newSettings);
    return {
      at,
      ...(nearest.by !== undefined ? { by: nearest.by } : {}),
      ...(nearest.action !== undefined ? { action: nearest.action } : {}),
      ...(clusters !== undefined ? { clusters } : {}),
    };
  });
}

/** The `change_time`s of a job's rows that record a change, oldest first: all but its creation's. */
export function changeTimesOf(changeTimes: readonly number[], createdAt: number | undefined): number[] {
  const times = [...new Set(changeTimes)].sort((a, b) => a - b);
  return times.filter((t, i) => (createdAt !== undefined ? t > createdAt + 1_000 : i > 0));
}

type SetCluster = NonNullable<JobSettingsChange['clusters']>[number];

/**
 * The clusters a `new_settings` JSON sets: each `job_clusters[]` entry by its `job_cluster_key`, each
 * task's own `new_cluster` by its `task_key`. Undefined when the text is no settings object.
 */
function clustersSet(newSettings: string | undefined): SetCluster[] | undefined {
  if (newSettings === undefined) return undefined;
  let settings: unknown;
  try {
    settings = JSON.parse(newSettings);
  } catch {
    return undefined;
  }
  if (!isRecord(settings)) return undefined;
  const out: SetCluster[] = [];
  const add = (key: unknown, spec: unknown) => {
    if (typeof key !== 'string' || !isRecord(spec)) return;
    const autoscale = isRecord(spec.autoscale) ? spec.autoscale : {};
    out.push({
      key,
      ...count('workers', spec.num_workers),
      ...count('minWorkers', autoscale.min_workers),
      ...count('maxWorkers', autoscale.max_workers),
      ...(typeof spec.node_type_id === 'string' ? { workerNodeType: spec.node_type_id } : {}),
    });
  };
  for (const c of Array.isArray(settings.job_clusters) ? settings.job_clusters : [])
    if (isRecord(c)) add(c.job_cluster_key, c.new_cluster);
  for (const t of Array.isArray(settings.tasks) ? settings.tasks : [])
    if (isRecord(t) && t.new_cluster !== undefined) add(t.task_key, t.new_cluster);
  return out;
}

function count<K extends string>(key: K, value: unknown): Partial<Record<K, number>> {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0
    ? ({ [key]: value } as Partial<Record<K, number>>)
    : {};
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
