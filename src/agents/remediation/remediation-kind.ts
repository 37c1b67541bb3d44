import { z } from 'zod';

/**
 * The action catalogue: every remediation dbxops can plan and run. The kind doubles as the remediation
 * id on an incident card, in button values and in `dbxops.yaml`'s guardrails, so it stays short and
 * free of separators. Nothing here deletes or drops anything.
 */
export const REMEDIATION_KINDS = [
  'rerun',
  'repair',
  'retry_with_params',
  'cancel_run',
  'kill_query',
  'start_warehouse',
  'scale_warehouse',
  'set_auto_stop',
  'restart_cluster',
  'restart_pipeline_update',
  'pause_schedule',
  'resume_schedule',
  'set_retry_policy',
  'notify_owner',
] as const;
export const remediationKindSchema = z.enum(REMEDIATION_KINDS);
export type RemediationKind = z.infer<typeof remediationKindSchema>;

export type RemediationRisk = 'low' | 'medium' | 'high';

/**
 * What verification watches after the calls were made: a run to its end, a warehouse or cluster to
 * RUNNING, a statement to its end, a pipeline's new update to COMPLETED (or a continuous one to a
 * finished batch), settings read back, or nothing (a note to a person).
 */
type VerifyTarget =
  | 'run'
  | 'warehouse'
  | 'cluster'
  | 'statement'
  | 'pipeline_update'
  | 'job_settings'
  | 'none';

export interface RemediationInfo {
  readonly label: string;
  readonly risk: RemediationRisk;
  readonly description: string;
  /**
   * Destroys in-flight work (a cancelled run, a killed query, a restarted cluster). Such a call is
   * sent at most once: after an answer that leaves its outcome unknown it is reported, never resent.
   */
  readonly destructive: boolean;
  readonly verifies: VerifyTarget;
}

/** Button labels, risks and behaviour, shared by the card (label + risk), the plan and the runner. */
export const REMEDIATION_INFO: Record<RemediationKind, RemediationInfo> = {
  rerun: {
    label: 'Rerun the job',
    risk: 'low',
    description: 'Start a new run of the job with the same parameters.',
    destructive: false,
    verifies: 'run',
  },
  repair: {
    label: 'Repair failed tasks',
    risk: 'low',
    description: 'Re-run only the failed tasks (and their dependants) inside the same run.',
    destructive: false,
    verifies: 'run',
  },
  retry_with_params: {
    label: 'Retry with new settings',
    risk: 'medium',
    description:
      'Change what the failure calls for (bigger nodes, more workers, longer timeout or on-demand nodes), then repair the run; the old settings are kept for rollback.',
    destructive: false,
    verifies: 'run',
  },
  cancel_run: {
    label: 'Cancel the run',
    risk: 'medium',
    description: 'Cancel the job run that is still going.',
    destructive: true,
    verifies: 'run',
  },
  kill_query: {
    label: 'Kill the query',
    risk: 'medium',
    description: 'Cancel the runaway SQL statement.',
    destructive: true,
    verifies: 'statement',
  },
  start_warehouse: {
    label: 'Start the warehouse',
    risk: 'low',
    description: 'Start the stopped warehouse.',
    destructive: false,
    verifies: 'warehouse',
  },
  scale_warehouse: {
    label: 'Scale the warehouse',
    risk: 'medium',
    description: 'One more cluster, so queued queries start (one size larger only at the cluster limit).',
    destructive: false,
    verifies: 'warehouse',
  },
  set_auto_stop: {
    label: 'Turn on auto-stop',
    risk: 'low',
    description:
      'Let the warehouse stop itself after 10 minutes without queries (it starts again on the next query); the old auto_stop_mins is kept for rollback.',
    destructive: false,
    verifies: 'warehouse',
  },
  restart_cluster: {
    label: 'Restart the cluster',
    risk: 'high',
    description: 'Restart the cluster; notebooks and jobs attached to it lose their state.',
    destructive: true,
    verifies: 'cluster',
  },
  restart_pipeline_update: {
    label: 'Restart the pipeline update',
    risk: 'medium',
    description:
      "Stop the stuck pipeline update and start a new one (never a full refresh); the tables keep what they last committed. One a job's pipeline task started is restarted through the job: its run is repaired, so the pipeline task starts the new update and the tasks after it run.",
    destructive: true,
    verifies: 'pipeline_update',
  },
  pause_schedule: {
    label: 'Pause the schedule',
    risk: 'medium',
    description: 'Stop scheduled runs until someone resumes the job.',
    destructive: false,
    verifies: 'job_settings',
  },
  resume_schedule: {
    label: 'Resume the schedule',
    risk: 'low',
    description: 'Let the paused schedule start runs again.',
    destructive: false,
    verifies: 'job_settings',
  },
  set_retry_policy: {
    label: 'Set a retry policy',
    risk: 'low',
    description: 'Let the task retry twice a minute apart (and on timeout), so the next blip heals itself.',
    destructive: false,
    verifies: 'job_settings',
  },
  notify_owner: {
    label: 'Notify the owner',
    risk: 'low',
    description: 'Ask the owner in the incident thread; nothing in the workspace changes.',
    destructive: false,
    verifies: 'none',
  },
};
