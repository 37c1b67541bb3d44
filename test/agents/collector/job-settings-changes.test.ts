import { describe, expect, it } from 'vitest';
import { jobSettingsChanges } from '../../../src/agents/collector/job-settings-changes.js';

const CREATED = Date.UTC(2026, 10, 1);
const CHANGED = Date.UTC(2026, 10, 12, 23, 15);
const MIN = 60_000;

describe("a job's settings changes from its lakeflow.jobs rows and the audit log", () => {
  it('leaves out the row that records the job as created and keeps each later one', () => {
    expect(jobSettingsChanges([CREATED, CHANGED, CHANGED], CREATED, [])).toEqual([{ at: CHANGED }]);
    // Without create_time the oldest row read stands for the job as it was.
    expect(jobSettingsChanges([CHANGED, CHANGED + MIN], undefined, [])).toEqual([{ at: CHANGED + MIN }]);
  });

  it('takes who made a change and the clusters it set from the audit event beside it, job and task clusters alike', () => {
    const newSettings = JSON.stringify({
      job_clusters: [
        { job_cluster_key: 'etl', new_cluster: { num_workers: 12, node_type_id: 'r5.2xlarge' } },
      ],
      tasks: [
        { task_key: 'score', new_cluster: { autoscale: { min_workers: 4, max_workers: 16 } } },
        { task_key: 'notify', existing_cluster_id: '0101-000000-shared' },
      ],
    });
    const [change] = jobSettingsChanges([CREATED, CHANGED], CREATED, [
      { at: CHANGED - 3 * 60 * MIN, by: 'earlier@example.com', action: 'update', newSettings: '{}' },
      { at: CHANGED + 2_000, by: 'dev@example.com', action: 'reset', newSettings },
    ]);
    expect(change).toEqual({
      at: CHANGED,
      by: 'dev@example.com',
      action: 'reset',
      clusters: [
        { key: 'etl', workers: 12, workerNodeType: 'r5.2xlarge' },
        { key: 'score', minWorkers: 4, maxWorkers: 16 },
      ],
    });
  });

  it('says a change set no cluster when its settings name none, and leaves what it set unknown when they are unreadable', () => {
    const schedule = JSON.stringify({
      schedule: { quartz_cron_expression: '0 0 2 * * ?', timezone_id: 'UTC' },
    });
    expect(
      jobSettingsChanges([CREATED, CHANGED], CREATED, [
        { at: CHANGED, by: 'dev@example.com', action: 'update', newSettings: schedule },
      ])[0]?.clusters,
    ).toEqual([]);
    const [unreadable] = jobSettingsChanges([CREATED, CHANGED], CREATED, [
      { at: CHANGED, by: 'dev@example.com', action: 'update', newSettings: '{"job_clusters": [' },
    ]);
    expect(unreadable).toEqual({ at: CHANGED, by: 'dev@example.com', action: 'update' });
  });
});
