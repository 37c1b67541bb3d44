import { z } from 'zod';

/**
 * Every remediation dbxops can plan. The kind doubles as the remediation id on an incident card and in
 * button values, so it stays short and free of separators.
 */
export const REMEDIATION_KINDS = [
  'retry',
  'repair',
  'bigger_cluster',
  'longer_timeout',
  'pause_schedule',
  'scale_warehouse',
  'stop_warehouse',
  'start_warehouse',
  'restart_cluster',
  'cancel_run',
  'cancel_statement',
] as const;
export const remediationKindSchema = z.enum(REMEDIATION_KINDS);
export type RemediationKind = z.infer<typeof remediationKindSchema>;

export type RemediationRisk = 'low' | 'medium' | 'high';

/** Button labels and risks, shared by the card (label + risk) and the plan (title). */
export const REMEDIATION_INFO: Record<
  RemediationKind,
  { label: string; risk: RemediationRisk; description: string }
> = {
  retry: {
    label: 'Retry the job',
    risk: 'low',
    description: 'Start a new run of the job with the same parameters.',
  },
  repair: {
    label: 'Repair failed tasks',
    risk: 'low',
    description: 'Re-run only the failed tasks (and their dependants) inside the same run.',
  },
  bigger_cluster: {
    label: 'Bigger cluster',
    risk: 'medium',
    description: 'Give the job cluster a larger node type or more workers for future runs.',
  },
  longer_timeout: {
    label: 'Double the timeout',
    risk: 'medium',
    description: 'Double the task timeout; this also applies to runs already in progress.',
  },
  pause_schedule: {
    label: 'Pause the schedule',
    risk: 'medium',
    description: 'Stop scheduled runs until someone unpauses the job.',
  },
  scale_warehouse: {
    label: 'Scale the warehouse',
    risk: 'medium',
    description: 'One size larger and one more cluster, so queued queries start.',
  },
  stop_warehouse: {
    label: 'Stop the warehouse',
    risk: 'high',
    description: 'Stop the warehouse; running queries fail.',
  },
  start_warehouse: { label: 'Start the warehouse', risk: 'low', description: 'Start the stopped warehouse.' },
  restart_cluster: {
    label: 'Restart the cluster',
    risk: 'high',
    description: 'Restart the cluster; notebooks and jobs attached to it lose their state.',
  },
  cancel_run: {
    label: 'Cancel the run',
    risk: 'medium',
    description: 'Cancel the job run that is still going.',
  },
  cancel_statement: {
    label: 'Cancel the query',
    risk: 'medium',
    description: 'Cancel the runaway SQL statement.',
  },
};
