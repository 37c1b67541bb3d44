import { describe, expect, it } from 'vitest';
import { suggestRemediations } from '../../../src/agents/remediation/suggest-remediations.js';

const RUN = { jobId: '1', runId: '2' };

describe('suggestRemediations', () => {
  it('offers repair first for a transient failure, and new settings first for an out-of-memory one', () => {
    expect(
      suggestRemediations({
        kind: 'job_failed',
        refs: RUN,
        classification: { category: 'network', transient: true, action: 'RETRY', rule: 'blip' },
      }),
    ).toEqual(['repair', 'rerun', 'set_retry_policy']);
    expect(
      suggestRemediations({
        kind: 'job_failed',
        refs: RUN,
        classification: {
          category: 'resource',
          transient: false,
          action: 'RETRY_WITH_NEW_PARAMS',
          rule: 'oom',
        },
      }),
    ).toEqual(['retry_with_params', 'notify_owner']);
  });

  it('never offers a plain retry for a failure a retry cannot fix', () => {
    const kinds = suggestRemediations({
      kind: 'job_failed',
      refs: RUN,
      classification: { category: 'permission', transient: false, rule: 'grant' },
    });
    expect(kinds).not.toContain('rerun');
    expect(kinds).not.toContain('repair');
    expect(kinds[0]).toBe('notify_owner');
  });

  it.each(['permission', 'config', 'syntax', 'missing_object', 'data_quality'] as const)(
    'asks the owner first for a %s failure, even when its label says retry',
    (category) => {
      const kinds = suggestRemediations({
        kind: 'task_failed',
        refs: RUN,
        classification: { category, transient: true, action: 'RETRY', rule: 'mislabelled' },
      });
      expect(kinds).toEqual(['notify_owner', 'pause_schedule']);
    },
  );

  it('asks a person about a failure nobody classified, rather than retrying it', () => {
    expect(suggestRemediations({ kind: 'job_failed', refs: RUN })).toEqual(['notify_owner']);
  });

  it('offers a longer timeout first for a timed-out run', () => {
    expect(suggestRemediations({ kind: 'run_timed_out', refs: RUN })).toEqual([
      'retry_with_params',
      'notify_owner',
    ]);
  });

  it('restarts a pipeline update that hangs without an error first, and never one that failed with an error', () => {
    const pipeline = { type: 'pipeline' } as const;
    expect(
      suggestRemediations({ kind: 'duration_anomaly', subject: pipeline, refs: { pipelineId: 'p' } }),
    ).toEqual(['restart_pipeline_update', 'notify_owner']);
    // Started by a job's pipeline task: the waiting run can still be cancelled, after the restart.
    expect(
      suggestRemediations({ kind: 'duration_anomaly', subject: pipeline, refs: { pipelineId: 'p', ...RUN } }),
    ).toEqual(['restart_pipeline_update', 'notify_owner', 'cancel_run']);
    const failed = [
      { category: 'syntax', transient: false, action: 'NOTIFY_OWNER', rule: 'dlt.analysis' } as const,
      { category: 'network', transient: true, action: 'RETRY', rule: 'net.reset' } as const,
      undefined,
    ].map((classification) =>
      suggestRemediations({
        kind: 'pipeline_failed',
        subject: pipeline,
        refs: { pipelineId: 'p' },
        ...(classification === undefined ? {} : { classification }),
      }),
    );
    for (const s of failed) expect(s).not.toContain('restart_pipeline_update');
    // A deadline at risk because that update runs past its usual time: the same first fix.
    expect(suggestRemediations({ kind: 'sla_at_risk', refs: { pipelineId: 'p' } })).toEqual([
      'restart_pipeline_update',
      'notify_owner',
    ]);
    expect(suggestRemediations({ kind: 'sla_at_risk', refs: RUN })).toEqual(['notify_owner']);
    // A slow job is its owner's to judge, with no pipeline to restart.
    expect(
      suggestRemediations({ kind: 'duration_anomaly', subject: { type: 'job' }, refs: RUN }),
    ).not.toContain('restart_pipeline_update');
  });

  it('restarts a stuck all-purpose cluster first, and asks its owner next', () => {
    expect(suggestRemediations({ kind: 'cluster_event', refs: { clusterId: 'c' } })).toEqual([
      'restart_cluster',
      'notify_owner',
    ]);
  });

  it('offers on-demand nodes, not a restart, for a shared cluster whose spot nodes the cloud took', () => {
    const spotLoss = {
      kind: 'cluster_event' as const,
      refs: { clusterId: 'c' },
      error: { message: 'Cluster shared-etl lost spot instances', errorClass: 'spot_loss' },
    };
    expect(suggestRemediations(spotLoss)).toEqual(['retry_with_params', 'notify_owner']);
  });

  it('repairs the run instead of restarting a job cluster that failed to launch (it cannot be restarted)', () => {
    const kinds = suggestRemediations({ kind: 'cluster_event', refs: { clusterId: 'c', ...RUN } });
    expect(kinds).toEqual(['repair', 'rerun', 'set_retry_policy']);
    expect(kinds).not.toContain('restart_cluster');
  });

  it('offers warehouse and query fixes for their signals', () => {
    expect(suggestRemediations({ kind: 'warehouse_queueing', refs: { warehouseId: 'w' } })).toEqual([
      'scale_warehouse',
    ]);
    expect(suggestRemediations({ kind: 'runaway_query', refs: {} })).toEqual(['kill_query', 'notify_owner']);
    expect(suggestRemediations(undefined)).toEqual([]);
  });

  it('turns auto-stop on first for a warehouse left running idle without it, and asks its owner next', () => {
    expect(suggestRemediations({ kind: 'warehouse_idle_no_autostop', refs: { warehouseId: 'w' } })).toEqual([
      'set_auto_stop',
      'notify_owner',
    ]);
    expect(suggestRemediations({ kind: 'warehouse_idle_no_autostop', refs: {} })).toEqual(['notify_owner']);
  });

  it("offers nothing when the workspace throttled dbxops' own reads: there is nothing to act on", () => {
    expect(suggestRemediations({ kind: 'monitoring_degraded', refs: {} })).toEqual([]);
  });
});
