import { describe, expect, it } from 'vitest';
import { largerNodeType, planRemediation } from '../../../src/agents/remediation/plan-remediation.js';
import { REMEDIATION_KINDS } from '../../../src/agents/remediation/remediation-kind.js';
import type { Job, Run } from '../../../src/databricks/rest/jobs-api.js';
import type { Pipeline } from '../../../src/databricks/rest/pipelines-api.js';
import type { Warehouse } from '../../../src/databricks/rest/warehouses-api.js';

const JOB_ID = 684914303928317;
const RUN_ID = 455644833361223;

const job: Job = {
  job_id: JOB_ID,
  settings: {
    name: 'nightly_orders',
    schedule: { quartz_cron_expression: '0 0 2 * * ?', timezone_id: 'UTC', pause_status: 'UNPAUSED' },
    job_clusters: [
      {
        job_cluster_key: 'etl',
        new_cluster: {
          spark_version: '15.4.x-scala2.12',
          node_type_id: 'i3.xlarge',
          num_workers: 4,
          custom_tags: { team: 'data-eng' },
        },
      },
    ],
    tasks: [
      {
        task_key: 'extract',
        job_cluster_key: 'etl',
        timeout_seconds: 1800,
        max_retries: 1,
        notebook_task: { notebook_path: '/x' },
      },
      {
        task_key: 'load_orders',
        job_cluster_key: 'etl',
        timeout_seconds: 3600,
        depends_on: [{ task_key: 'extract' }],
      },
    ],
  },
} as Job;

const warehouse: Warehouse = {
  id: 'wh-1',
  name: 'bi',
  state: 'RUNNING',
  cluster_size: 'Small',
  min_num_clusters: 1,
  max_num_clusters: 2,
  num_clusters: 1,
  auto_stop_mins: 20,
  enable_photon: true,
  warehouse_type: 'PRO',
  tags: { custom_tags: [{ key: 'team', value: 'bi' }] },
} as Warehouse;

describe('planRemediation', () => {
  it('reruns with run-now and an idempotency token of at most 64 characters', () => {
    const plan = planRemediation('rerun', { jobId: JOB_ID, idempotencyToken: 'x'.repeat(100) });
    expect(plan.ok && plan.value.calls).toEqual([
      {
        method: 'POST',
        path: '/api/2.2/jobs/run-now',
        body: { job_id: JOB_ID, idempotency_token: 'x'.repeat(64) },
      },
    ]);
  });

  it('repairs all failed tasks, naming the latest repair when the run was repaired before', () => {
    const first = planRemediation('repair', { runId: RUN_ID });
    expect(first.ok && first.value.calls[0]?.body).toEqual({ run_id: RUN_ID, rerun_all_failed_tasks: true });
    const again = planRemediation('repair', { runId: RUN_ID, latestRepairId: 734650698524280 });
    expect(again.ok && again.value.calls[0]?.body).toMatchObject({ latest_repair_id: 734650698524280 });
  });

  it('retries an out-of-memory failure on a larger node type, sending the whole job_clusters entry, then repairs', () => {
    const plan = planRemediation('retry_with_params', {
      jobId: JOB_ID,
      runId: RUN_ID,
      taskKey: 'load_orders',
      category: 'resource',
      job,
    });
    if (!plan.ok) throw new Error(plan.userMessage);
    expect(plan.value.calls[0]).toEqual({
      method: 'POST',
      path: '/api/2.2/jobs/update',
      body: {
        job_id: JOB_ID,
        new_settings: {
          job_clusters: [
            {
              job_cluster_key: 'etl',
              new_cluster: {
                spark_version: '15.4.x-scala2.12',
                node_type_id: 'i3.2xlarge',
                num_workers: 4,
                custom_tags: { team: 'data-eng' },
              },
            },
          ],
        },
      },
    });
    // (2.0 − 1.0 DBU) × 5 nodes × $0.15
    expect(plan.value.calls[1]).toEqual({
      method: 'POST',
      path: '/api/2.2/jobs/runs/repair',
      body: { run_id: RUN_ID, rerun_all_failed_tasks: true },
    });
    expect(plan.value.estimatedCostUsd).toBe(0.75);
    expect(plan.value.rollback).toContain('i3.xlarge');
    // The original entry is kept as the rollback call.
    expect(plan.value.rollbackCalls[0]?.body).toMatchObject({
      new_settings: { job_clusters: [{ new_cluster: { node_type_id: 'i3.xlarge' } }] },
    });
  });

  it('grows GPU workers and their CPU driver each within its own family on an out-of-memory', () => {
    const gpu: Job = {
      ...job,
      settings: {
        ...job.settings,
        job_clusters: [
          {
            job_cluster_key: 'etl',
            new_cluster: { node_type_id: 'g4dn.xlarge', driver_node_type_id: 'm5.xlarge', num_workers: 2 },
          },
        ],
      },
    };
    const plan = planRemediation('retry_with_params', { jobId: JOB_ID, category: 'resource', job: gpu });
    if (!plan.ok) throw new Error(plan.userMessage);
    expect(plan.value.calls[0]?.body).toMatchObject({
      new_settings: {
        job_clusters: [{ new_cluster: { node_type_id: 'g4dn.2xlarge', driver_node_type_id: 'm5.2xlarge' } }],
      },
    });
  });

  it('moves a cluster that lost spot capacity to on-demand nodes', () => {
    const plan = planRemediation('retry_with_params', { jobId: JOB_ID, category: 'capacity', job });
    if (!plan.ok) throw new Error(plan.userMessage);
    expect(plan.value.calls[0]?.body).toMatchObject({
      new_settings: { job_clusters: [{ new_cluster: { aws_attributes: { availability: 'ON_DEMAND' } } }] },
    });
    // Without a run to repair, a one-off run follows the change.
    expect(plan.value.calls[1]?.path).toBe('/api/2.2/jobs/run-now');
  });

  it('puts a shared all-purpose cluster that lost its spot nodes on on-demand nodes, keeping its spec', () => {
    const cluster = {
      cluster_id: '1120-020000-shared01',
      cluster_name: 'shared-etl',
      spark_version: '15.4.x-scala2.12',
      node_type_id: 'r5.xlarge',
      num_workers: 4,
      autotermination_minutes: 0,
      aws_attributes: { first_on_demand: 1, availability: 'SPOT_WITH_FALLBACK', zone_id: 'auto' },
      state: 'RUNNING' as const,
    };
    const plan = planRemediation('retry_with_params', { clusterId: cluster.cluster_id, cluster });
    if (!plan.ok) throw new Error(plan.userMessage);
    expect(plan.value.title).toBe('shared-etl on on-demand nodes instead of spot');
    expect(plan.value.target).toEqual({ kind: 'cluster', clusterId: cluster.cluster_id });
    expect(plan.value.calls).toEqual([
      {
        method: 'POST',
        path: '/api/2.1/clusters/edit',
        body: {
          cluster_id: cluster.cluster_id,
          cluster_name: 'shared-etl',
          spark_version: '15.4.x-scala2.12',
          node_type_id: 'r5.xlarge',
          num_workers: 4,
          autotermination_minutes: 0,
          aws_attributes: { first_on_demand: 1, availability: 'ON_DEMAND', zone_id: 'auto' },
        },
      },
    ]);
    expect(plan.value.rollbackCalls[0]?.body).toMatchObject({
      aws_attributes: { availability: 'SPOT_WITH_FALLBACK' },
    });
    expect(plan.value.verify).toEqual({ target: 'cluster', clusterId: cluster.cluster_id });
  });

  it('keeps an autoscaling shared cluster autoscaling when it moves it to on-demand nodes', () => {
    const cluster = {
      cluster_id: '1120-020000-shared02',
      spark_version: '15.4.x-scala2.12',
      node_type_id: 'r5.xlarge',
      num_workers: 2,
      autoscale: { min_workers: 2, max_workers: 6 },
      aws_attributes: { first_on_demand: 1, availability: 'SPOT_WITH_FALLBACK' },
      state: 'RUNNING' as const,
    };
    const plan = planRemediation('retry_with_params', { clusterId: cluster.cluster_id, cluster });
    if (!plan.ok) throw new Error(plan.userMessage);
    const body = plan.value.calls[0]?.body;
    expect(body).toMatchObject({ autoscale: { min_workers: 2, max_workers: 6 } });
    expect(body).not.toHaveProperty('num_workers');
    expect(plan.value.rollbackCalls[0]?.body).not.toHaveProperty('num_workers');
  });

  it('refuses on-demand nodes for a shared cluster that already has them, or whose spec it could not read', () => {
    const cluster = {
      cluster_id: 'c-1',
      spark_version: '15.4.x-scala2.12',
      azure_attributes: { availability: 'ON_DEMAND_AZURE' },
    };
    expect(planRemediation('retry_with_params', { clusterId: 'c-1', cluster }).ok).toBe(false);
    expect(planRemediation('retry_with_params', { clusterId: 'c-1' }).ok).toBe(false);
  });

  it('doubles the workers when the node type has no known larger sibling', () => {
    const odd = structuredClone(job);
    const cluster = odd.settings?.job_clusters?.[0];
    if (cluster === undefined) throw new Error('fixture');
    cluster.new_cluster.node_type_id = 'custom-node';
    const plan = planRemediation('retry_with_params', { jobId: JOB_ID, category: 'resource', job: odd });
    if (!plan.ok) throw new Error(plan.userMessage);
    expect(plan.value.calls[0]?.body).toMatchObject({
      new_settings: { job_clusters: [{ new_cluster: { node_type_id: 'custom-node', num_workers: 8 } }] },
    });
    expect(plan.ok && plan.value.estimatedCostUsd).toBeNull();
  });

  it('retries a timeout with the whole task at twice its timeout', () => {
    const plan = planRemediation('retry_with_params', {
      jobId: JOB_ID,
      taskKey: 'load_orders',
      category: 'timeout',
      job,
    });
    expect(plan.ok && plan.value.calls[0]?.body).toEqual({
      job_id: JOB_ID,
      new_settings: {
        tasks: [
          {
            task_key: 'load_orders',
            job_cluster_key: 'etl',
            timeout_seconds: 7200,
            depends_on: [{ task_key: 'extract' }],
          },
        ],
      },
    });
  });

  it('pauses the schedule by sending the whole schedule', () => {
    const plan = planRemediation('pause_schedule', { jobId: JOB_ID, job });
    expect(plan.ok && plan.value.calls[0]?.body).toEqual({
      job_id: JOB_ID,
      new_settings: {
        schedule: { quartz_cron_expression: '0 0 2 * * ?', timezone_id: 'UTC', pause_status: 'PAUSED' },
      },
    });
  });

  it('scales a queueing warehouse out by one cluster at its size, with its full config, and prices the change', () => {
    const plan = planRemediation('scale_warehouse', { warehouseId: 'wh-1', warehouse });
    if (!plan.ok) throw new Error(plan.userMessage);
    expect(plan.value.calls[0]).toEqual({
      method: 'POST',
      path: '/api/2.0/sql/warehouses/wh-1/edit',
      body: {
        name: 'bi',
        cluster_size: 'Small',
        min_num_clusters: 1,
        max_num_clusters: 3,
        auto_stop_mins: 20,
        enable_photon: true,
        warehouse_type: 'PRO',
        tags: { custom_tags: [{ key: 'team', value: 'bi' }] },
      },
    });
    // At full scale-out: (12 DBU × 3 clusters − 12 DBU × 2 clusters) × $0.70 per hour
    expect(plan.value.estimatedCostUsd).toBe(8.4);
    expect(plan.value.rollback).toBe('Edit it back to cluster_size Small and max_num_clusters 2.');
  });

  it('scales a warehouse at the 40-cluster limit one size up instead', () => {
    const wide = { ...warehouse, max_num_clusters: 40 } as Warehouse;
    const plan = planRemediation('scale_warehouse', { warehouseId: 'wh-1', warehouse: wide });
    if (!plan.ok) throw new Error(plan.userMessage);
    expect(plan.value.calls[0]?.body).toMatchObject({ cluster_size: 'Medium', max_num_clusters: 40 });
    // (24 DBU − 12 DBU) × 40 clusters × $0.70 per hour
    expect(plan.value.estimatedCostUsd).toBe(336);
  });

  it('turns auto-stop on for an idle warehouse with its full config, keeps the old value for rollback and prices the saving', () => {
    const idle = { ...warehouse, auto_stop_mins: 0 } as Warehouse;
    const plan = planRemediation('set_auto_stop', { warehouseId: 'wh-1', warehouse: idle });
    if (!plan.ok) throw new Error(plan.userMessage);
    const config = {
      name: 'bi',
      cluster_size: 'Small',
      min_num_clusters: 1,
      max_num_clusters: 2,
      enable_photon: true,
      warehouse_type: 'PRO',
      tags: { custom_tags: [{ key: 'team', value: 'bi' }] },
    };
    expect(plan.value.calls).toEqual([
      { method: 'POST', path: '/api/2.0/sql/warehouses/wh-1/edit', body: { ...config, auto_stop_mins: 10 } },
    ]);
    expect(plan.value.rollbackCalls).toEqual([
      { method: 'POST', path: '/api/2.0/sql/warehouses/wh-1/edit', body: { ...config, auto_stop_mins: 0 } },
    ]);
    expect(plan.value.rollback).toBe('Edit it back to auto_stop_mins 0 (never stops by itself).');
    // It adds nothing: one running Small cluster idle is 12 DBU × $0.70 saved per hour.
    expect(plan.value.estimatedCostUsd).toBe(-8.4);
    expect(plan.value.title).toBe('Auto-stop bi after 10 idle minutes (saves about $8.40 per idle hour)');
    expect(plan.value).toMatchObject({
      risk: 'low',
      destructive: false,
      target: { kind: 'warehouse', warehouseId: 'wh-1', name: 'bi' },
      verify: { target: 'warehouse', warehouseId: 'wh-1', autoStopMins: 10 },
    });
  });

  it('shortens a long auto-stop but leaves one that is already short alone', () => {
    const long = planRemediation('set_auto_stop', {
      warehouseId: 'wh-1',
      warehouse: { ...warehouse, auto_stop_mins: 120 } as Warehouse,
    });
    expect(long.ok && long.value.rollbackCalls[0]?.body).toMatchObject({ auto_stop_mins: 120 });
    const short = planRemediation('set_auto_stop', {
      warehouseId: 'wh-1',
      warehouse: { ...warehouse, auto_stop_mins: 10 } as Warehouse,
    });
    expect(short).toMatchObject({
      ok: false,
      reason: 'precondition_failed',
      userMessage: 'The warehouse already stops itself after 10 idle minutes.',
    });
  });

  it('starts, restarts and cancels with the documented paths', () => {
    const paths = (
      [
        ['start_warehouse', { warehouseId: 'wh-1' }],
        ['restart_cluster', { clusterId: '1121-020000-abcd1234' }],
        ['cancel_run', { runId: RUN_ID }],
        ['kill_query', { statementId: '01ef-abc' }],
      ] as const
    ).map(([kind, ctx]) => {
      const plan = planRemediation(kind, ctx);
      return plan.ok ? `${plan.value.calls[0]?.method} ${plan.value.calls[0]?.path}` : plan.reason;
    });
    expect(paths).toEqual([
      'POST /api/2.0/sql/warehouses/wh-1/start',
      'POST /api/2.1/clusters/restart',
      'POST /api/2.2/jobs/runs/cancel',
      'POST /api/2.0/sql/statements/01ef-abc/cancel',
    ]);
  });

  it('refuses with missing_context instead of guessing when an id or a setting is missing', () => {
    for (const kind of REMEDIATION_KINDS) {
      const plan = planRemediation(kind, {});
      expect(plan.ok, kind).toBe(false);
      expect(!plan.ok && plan.reason).toBe('missing_context');
    }
  });

  it('escapes hostile ids in paths', () => {
    const plan = planRemediation('start_warehouse', { warehouseId: '../../clusters/delete?x=1' });
    expect(plan.ok && plan.value.calls[0]?.path).toBe(
      '/api/2.0/sql/warehouses/..%2F..%2Fclusters%2Fdelete%3Fx%3D1/start',
    );
  });

  it('checks preconditions against the current state', () => {
    const running: Run = { run_id: RUN_ID, state: { life_cycle_state: 'RUNNING' } };
    const repair = planRemediation('repair', { runId: RUN_ID, run: running });
    expect(!repair.ok && repair.reason).toBe('precondition_failed');
    const succeeded: Run = {
      run_id: RUN_ID,
      state: { life_cycle_state: 'TERMINATED', result_state: 'SUCCESS' },
      tasks: [{ task_key: 'a', run_id: 1, state: { result_state: 'SUCCESS' } }],
    };
    expect(planRemediation('repair', { runId: RUN_ID, run: succeeded }).ok).toBe(false);
    expect(planRemediation('cancel_run', { runId: RUN_ID, run: succeeded }).ok).toBe(false);
    expect(planRemediation('start_warehouse', { warehouseId: 'wh-1', warehouse }).ok).toBe(false);
    expect(planRemediation('resume_schedule', { jobId: JOB_ID, job }).ok).toBe(false);
  });

  it('sets a retry policy on the failing task and keeps the old one for rollback', () => {
    const plan = planRemediation('set_retry_policy', { jobId: JOB_ID, taskKey: 'extract', job });
    if (!plan.ok) throw new Error(plan.userMessage);
    expect(plan.value.calls[0]?.body).toMatchObject({
      new_settings: { tasks: [{ task_key: 'extract', max_retries: 2, retry_on_timeout: true }] },
    });
    expect(plan.value.rollbackCalls[0]?.body).toMatchObject({
      new_settings: { tasks: [{ task_key: 'extract', max_retries: 1 }] },
    });
  });

  it('notifies the owner without any Databricks call', () => {
    const plan = planRemediation('notify_owner', {
      owner: 'alice@acme.example',
      incidentTitle: 'orders failing',
    });
    expect(plan.ok && plan.value).toMatchObject({ calls: [], notify: { owner: 'alice@acme.example' } });
  });

  it('never plans a call that deletes or drops anything', () => {
    const full = {
      jobId: JOB_ID,
      runId: RUN_ID,
      taskKey: 'extract',
      clusterId: 'c-1',
      warehouseId: 'wh-1',
      statementId: 's-1',
      owner: 'a@b.c',
      job,
      warehouse: { ...warehouse, state: 'STOPPED' },
    } as const;
    for (const kind of REMEDIATION_KINDS) {
      const plan = planRemediation(kind, full);
      for (const call of plan.ok ? [...plan.value.calls, ...plan.value.rollbackCalls] : []) {
        expect(call.method, kind).not.toBe('DELETE');
        expect(call.path, kind).not.toMatch(/delete|drop/i);
      }
    }
  });

  it('gives every plan a risk and a rollback', () => {
    const plan = planRemediation('restart_cluster', { clusterId: 'c-1' });
    expect(plan.ok && plan.value).toMatchObject({
      risk: 'high',
      rollback: expect.stringContaining('cannot be undone'),
    });
  });
});

describe('planRemediation restart_pipeline_update', () => {
  const PIPELINE_ID = '8a1b2c3d-0000-4e5f-9a6b-7c8d9e0f1a2b';
  const pipeline = (
    state: string,
    update: string | undefined,
    spec: Record<string, unknown> = {},
  ): Pipeline => ({
    pipeline_id: PIPELINE_ID,
    name: 'reserves_dlt',
    state,
    latest_updates: update === undefined ? [] : [{ update_id: 'u-stuck', state: update }],
    spec: { continuous: false, development: false, ...spec },
  });
  /** A pipeline whose update in flight, if any, a person started (`API_CALL`). */
  const planFor = (p: Pipeline) =>
    planRemediation('restart_pipeline_update', {
      pipelineId: PIPELINE_ID,
      pipeline: p,
      stuckUpdate: { updateId: 'u-stuck', cause: 'API_CALL' },
    });

  it('stops the stuck update, then starts a new one that is never a full refresh, and can stop that one again', () => {
    const plan = planFor(pipeline('RUNNING', 'RUNNING'));
    expect(plan.ok && plan.value).toMatchObject({
      target: { kind: 'pipeline', pipelineId: PIPELINE_ID, name: 'reserves_dlt' },
      calls: [
        { method: 'POST', path: `/api/2.0/pipelines/${PIPELINE_ID}/stop`, body: {} },
        { method: 'POST', path: `/api/2.0/pipelines/${PIPELINE_ID}/updates`, body: { full_refresh: false } },
      ],
      risk: 'medium',
      destructive: true,
      estimatedCostUsd: 0,
      rollbackCalls: [{ method: 'POST', path: `/api/2.0/pipelines/${PIPELINE_ID}/stop` }],
      verify: {
        target: 'pipeline_update',
        pipelineId: PIPELINE_ID,
        stoppedUpdateId: 'u-stuck',
        continuous: false,
      },
    });
  });

  it('verifies a continuous pipeline as continuous', () => {
    const plan = planFor(pipeline('RUNNING', 'RUNNING', { continuous: true }));
    expect(plan.ok && plan.value.verify).toMatchObject({ continuous: true });
  });

  it('refuses a pipeline that failed with an error, one with nothing running, and one in development mode', () => {
    const reasons = [
      pipeline('FAILED', 'FAILED'),
      pipeline('IDLE', 'COMPLETED'),
      pipeline('IDLE', undefined),
      pipeline('RUNNING', 'RUNNING', { development: true }),
    ].map((p) => {
      const plan = planFor(p);
      return plan.ok ? 'planned' : plan.userMessage;
    });
    expect(reasons).toEqual([
      expect.stringContaining('failed with an error'),
      expect.stringContaining('no update running'),
      expect.stringContaining('no update running'),
      expect.stringContaining('development mode'),
    ]);
  });

  it("asks for the pipeline's state rather than guessing it", () => {
    const plan = planRemediation('restart_pipeline_update', { pipelineId: PIPELINE_ID });
    expect(!plan.ok && plan.reason).toBe('missing_context');
  });

  it('asks who started the update in flight rather than stopping what may be a job run of it', () => {
    const plan = planRemediation('restart_pipeline_update', {
      pipelineId: PIPELINE_ID,
      pipeline: pipeline('RUNNING', 'RUNNING'),
    });
    expect(!plan.ok && plan.reason).toBe('missing_context');
    expect(!plan.ok && plan.userMessage).toContain('who started update u-stuck');
  });

  describe('an update a job started', () => {
    const waiting: Run = {
      run_id: RUN_ID,
      job_id: JOB_ID,
      run_name: 'nightly_orders',
      state: { life_cycle_state: 'RUNNING' },
      tasks: [
        { task_key: 'refresh', run_id: 1, state: { life_cycle_state: 'RUNNING' } },
        { task_key: 'build', run_id: 2, state: { life_cycle_state: 'PENDING' } },
      ],
    } as Run;
    const planJobStarted = (latestRepairId?: number) =>
      planRemediation('restart_pipeline_update', {
        pipelineId: PIPELINE_ID,
        pipeline: pipeline('RUNNING', 'RUNNING'),
        stuckUpdate: { updateId: 'u-stuck', cause: 'JOB_TASK' },
        pipelineJobRun: { run: waiting, taskKey: 'refresh', latestRepairId },
      });

    it('stops the stuck update, then repairs the run still going, so its pipeline task and the tasks after it run again', () => {
      const plan = planJobStarted();
      expect(plan.ok && plan.value).toMatchObject({
        target: { kind: 'pipeline', pipelineId: PIPELINE_ID },
        calls: [
          { method: 'POST', path: `/api/2.0/pipelines/${PIPELINE_ID}/stop`, body: {} },
          {
            method: 'POST',
            path: '/api/2.2/jobs/runs/repair',
            body: { run_id: RUN_ID, rerun_all_failed_tasks: true },
          },
        ],
        rollbackCalls: [{ method: 'POST', path: '/api/2.2/jobs/runs/cancel', body: { run_id: RUN_ID } }],
        verify: { target: 'run', runId: RUN_ID, expect: 'success' },
      });
      expect(plan.ok && plan.value.title).toContain(`repair run ${RUN_ID} of nightly_orders`);
      expect(plan.ok && plan.value.rollback).toContain('the repair reruns them');
    });

    it('names the latest repair of a run repaired before', () => {
      const plan = planJobStarted(734650698524280);
      expect(plan.ok && plan.value.calls[1]?.body).toEqual({
        run_id: RUN_ID,
        rerun_all_failed_tasks: true,
        latest_repair_id: 734650698524280,
      });
    });

    it('asks for the run rather than stopping an update whose run could not be found', () => {
      const plan = planRemediation('restart_pipeline_update', {
        pipelineId: PIPELINE_ID,
        pipeline: pipeline('RUNNING', 'RUNNING'),
        stuckUpdate: { updateId: 'u-stuck', cause: 'JOB_TASK' },
      });
      expect(!plan.ok && plan.reason).toBe('missing_context');
      expect(!plan.ok && plan.userMessage).toContain('job run');
    });

    it('restarts an update a person or a schedule started on its own, as before', () => {
      const plan = planRemediation('restart_pipeline_update', {
        pipelineId: PIPELINE_ID,
        pipeline: pipeline('RUNNING', 'RUNNING'),
        stuckUpdate: { updateId: 'u-stuck', cause: 'API_CALL' },
      });
      expect(plan.ok && plan.value.verify.target).toBe('pipeline_update');
    });

    it('still refuses a job-started update of a pipeline in development mode', () => {
      const plan = planRemediation('restart_pipeline_update', {
        pipelineId: PIPELINE_ID,
        pipeline: pipeline('RUNNING', 'RUNNING', { development: true }),
        stuckUpdate: { updateId: 'u-stuck', cause: 'JOB_TASK' },
        pipelineJobRun: { run: waiting, taskKey: 'refresh' },
      });
      expect(!plan.ok && plan.reason).toBe('precondition_failed');
    });
  });
});

describe('largerNodeType', () => {
  it('steps up known families and gives up on unknown ones', () => {
    expect(largerNodeType('Standard_DS3_v2')).toBe('Standard_DS4_v2');
    expect(largerNodeType('Standard_DS5_v2')).toBeUndefined();
    expect(largerNodeType('m5.xlarge')).toBe('m5.2xlarge');
    expect(largerNodeType('r5.4xlarge')).toBe('r5.8xlarge');
    expect(largerNodeType('n2-highmem-8')).toBeUndefined();
  });
});
