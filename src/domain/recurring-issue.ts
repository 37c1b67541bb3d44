import type { ErrorCategory } from './error-label.js';

/** The same fingerprint this many times … */
export const RECURRENCE_THRESHOLD = 3;
/** … within this window opens a recurring-issue record. */
export const RECURRENCE_WINDOW_MS = 7 * 24 * 60 * 60 * 1000;

/** A standing change that stops the failure from coming back, as opposed to fixing today's run. */
export interface PreventiveRecommendation {
  /** Stable id to branch on and to name in cards, e.g. `retry_policy`. */
  readonly kind: string;
  /** One sentence an engineer can act on. */
  readonly text: string;
}

const BY_CATEGORY: Readonly<Partial<Record<ErrorCategory, PreventiveRecommendation>>> = {
  timeout: {
    kind: 'timeout_policy',
    text: 'Set a realistic timeout_seconds and a health rule (RUN_DURATION_SECONDS) on the job, and look at why runs got slower.',
  },
  resource: {
    kind: 'compute_policy',
    text: 'Size the job cluster through a compute policy (larger driver/worker nodes or autoscaling limits) instead of retrying into the same memory limit.',
  },
  capacity: {
    kind: 'compute_policy',
    text: 'Use a compute policy with on-demand fallback (SPOT_WITH_FALLBACK), several instance types or an instance pool with idle capacity.',
  },
  network: {
    kind: 'retry_policy',
    text: 'Add a task retry policy (max_retries 2–3, min_retry_interval_millis ≥ 60000) and check the network path to the failing endpoint.',
  },
  // A commit race that comes back night after night is two writers scheduled onto the same minutes:
  // retries only thin it out, moving one of them ends it.
  concurrency: {
    kind: 'separate_schedules',
    text: 'Separate the schedules of the writers that collide on this table (move one, or chain them with a task dependency), so their commits stop overlapping; set max_concurrent_runs to 1 if runs of one job overlap, and keep a task retry policy for the odd collision.',
  },
  permission: {
    kind: 'ownership',
    text: 'Run the job as a service principal with the grants it needs, managed in code, so personal grants cannot lapse.',
  },
  missing_object: {
    kind: 'dependency_check',
    text: 'Add a task dependency or a table-existence check upstream so the job waits for its inputs instead of failing.',
  },
  dependency: {
    kind: 'pin_dependencies',
    text: 'Pin library versions in the job environment (or a cluster policy) so installs are reproducible.',
  },
  data_quality: {
    kind: 'data_contract',
    text: 'Add expectations or a data contract at the source and alert the producing team before the pipeline runs.',
  },
  syntax: {
    kind: 'ci_check',
    text: 'Run the job code through CI (lint, unit tests, a dry run on sample data) before it reaches the scheduled job.',
  },
  config: {
    kind: 'config_review',
    text: 'Manage the job definition as code (Asset Bundles or Terraform) with review, so the broken setting cannot drift back.',
  },
};

const BY_KIND: Readonly<Record<string, PreventiveRecommendation>> = {
  run_timed_out: BY_CATEGORY.timeout!,
  sla_missed: {
    kind: 'schedule_review',
    text: 'Move the schedule earlier or add a duration health rule so an at-risk run alerts before the SLA is missed.',
  },
  warehouse_queueing: {
    kind: 'warehouse_scaling',
    text: 'Raise the warehouse max_num_clusters or move heavy workloads to their own warehouse.',
  },
  warehouse_idle_no_autostop: {
    kind: 'compute_policy',
    text: 'Enforce auto_stop_mins through a warehouse policy so idle warehouses stop.',
  },
  cost_anomaly: {
    kind: 'budget_policy',
    text: 'Attach a budget policy with alerts to the workload and tag it so the spend has an owner.',
  },
  budget_exceeded: {
    kind: 'budget_policy',
    text: 'Attach a budget policy with alerts to the workload and tag it so the spend has an owner.',
  },
  runaway_query: {
    kind: 'query_guardrail',
    text: 'Set a STATEMENT_TIMEOUT on the warehouse and review the query plan of the repeat offender.',
  },
};

const FALLBACK: PreventiveRecommendation = {
  kind: 'root_cause_review',
  text: 'This keeps happening without a known cause: schedule a root-cause review with the owning team.',
};

/**
 * The standing change to recommend when a failure keeps recurring, chosen by the classifier's category
 * first and the signal kind second.
 */
export function preventiveRecommendation(
  category: string | null,
  kind?: string | null,
): PreventiveRecommendation {
  // hasOwn: a category such as `constructor` must not pick up Object.prototype members.
  if (category !== null && Object.hasOwn(BY_CATEGORY, category))
    return BY_CATEGORY[category as ErrorCategory]!;
  if (kind !== undefined && kind !== null && Object.hasOwn(BY_KIND, kind)) return BY_KIND[kind]!;
  return FALLBACK;
}
