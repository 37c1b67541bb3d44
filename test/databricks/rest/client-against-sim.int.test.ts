import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { patAuth } from '../../../src/databricks/auth/auth-provider.js';
import { currentWorkspaceId } from '../../../src/databricks/rest/current-workspace-id.js';
import { oauthM2MAuth } from '../../../src/databricks/auth/oauth-m2m.js';
import { DatabricksApiError } from '../../../src/databricks/rest/databricks-api-error.js';
import {
  createDatabricksClient,
  type DatabricksClient,
} from '../../../src/databricks/rest/databricks-client.js';
import { collect } from '../../../src/databricks/rest/paginate.js';
import { SimWorkspace } from '../../../src/sim/engine/sim-workspace.js';
import { validateScenario } from '../../../src/sim/scenario/load-scenario.js';
import { type SimServerHandle, startSimServer } from '../../../src/sim/server/start-sim-server.js';

const TOKEN = 'dapi-client-test-0001';
const START = Date.parse('2026-11-20T00:00:00Z');
const HOUR = 3_600_000;
const owner = 'ana@example.com';
const expected = { category: 'unknown', severity: 'P4', action: 'NOTIFY_OWNER' } as const;

const scenario = validateScenario({
  name: 'client-against-sim',
  start: '2026-11-20T00:00:00Z',
  duration_hours: 12,
  workspace: { id: '1234567890123456', host: 'dbc-client-test.cloud.databricks.com' },
  teams: [{ name: 'data' }],
  users: [{ email: owner, team: 'data' }],
  jobs: [
    ...Array.from({ length: 24 }, (_, i) => ({
      name: `small_${String(i).padStart(2, '0')}`,
      team: 'data',
      owner,
      tasks: [{ key: 'main', duration: { mean_minutes: 5, jitter: 0 } }],
    })),
    {
      name: 'nightly_orders',
      team: 'data',
      owner,
      schedule: { quartz_cron_expression: '0 0 * * * ?', timezone_id: 'UTC' },
      job_clusters: [{ key: 'etl', workers: 2 }],
      tasks: [
        { key: 'extract', cluster: 'etl', duration: { mean_minutes: 5, jitter: 0 } },
        {
          key: 'load_orders',
          cluster: 'etl',
          depends_on: ['extract'],
          duration: { mean_minutes: 5, jitter: 0 },
        },
      ],
    },
    {
      name: 'wide_fanout',
      team: 'data',
      owner,
      tasks: Array.from({ length: 130 }, (_, i) => ({
        key: `t${i}`,
        duration: { mean_minutes: 1, jitter: 0 },
      })),
    },
  ],
  clusters: [
    { name: 'shared_a', team: 'data', owner },
    { name: 'shared_b', team: 'data', owner },
    { name: 'shared_c', team: 'data', owner, state: 'TERMINATED' },
  ],
  warehouses: [
    { name: 'bi', team: 'data', owner, queries_per_hour: 120, business_hours: [0, 24], users: [owner] },
    { name: 'adhoc', team: 'data', owner },
  ],
  pipelines: [
    {
      name: 'orders_dlt',
      team: 'data',
      owner,
      schedule: { quartz_cron_expression: '0 30 * * * ?', timezone_id: 'UTC' },
    },
    { name: 'customers_dlt', team: 'data', owner },
    { name: 'events_dlt', team: 'data', owner },
  ],
  faults: [
    {
      id: 'orders-fails',
      kind: 'task_error',
      target: { job: 'nightly_orders', task: 'load_orders' },
      start: '+30m',
      occurrences: 1,
      expected,
    },
    { id: 'api-throttle', kind: 'throttle', target: {}, start: '+6h', end: '2026-11-20T06:01:30Z', expected },
    {
      id: 'api-outage',
      kind: 'server_error',
      target: {},
      start: '+8h',
      end: '2026-11-20T08:00:20Z',
      expected,
    },
  ],
});

let sim: SimServerHandle;
let workspace: SimWorkspace;
let client: DatabricksClient;
let waits: number[];

beforeAll(async () => {
  workspace = new SimWorkspace({ scenario, seed: 7 });
  workspace.advanceTo(START + 2 * HOUR);
  sim = await startSimServer({
    workspace,
    port: 0,
    tokens: [TOKEN],
    oauthClients: [{ clientId: 'sp-dbxops', clientSecret: 'dose-sim-secret' }],
  });
});
afterAll(async () => {
  await sim?.close();
});
beforeEach(() => {
  waits = [];
  client = createDatabricksClient({
    host: sim.url,
    auth: patAuth(TOKEN),
    clock: workspace.clock,
    random: () => 0.5,
    // Backoff moves simulated time, so a throttle window passes without real waiting.
    sleep: async (ms) => {
      waits.push(ms);
      workspace.advanceBy(ms);
    },
  });
});

async function jobIdByName(name: string): Promise<number> {
  const page = await client.jobs.listJobsPage({ name, limit: 1 });
  const id = page.jobs[0]?.job_id;
  if (id === undefined) throw new Error(`no job ${name}`);
  return id;
}

async function failure(promise: Promise<unknown>): Promise<DatabricksApiError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DatabricksApiError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

describe('the REST client against the simulated workspace', () => {
  it('lists all 26 jobs across pages of 10 and reads one page on its own', async () => {
    const jobs = await collect(client.jobs.listJobs({ limit: 10 }));
    expect(jobs).toHaveLength(26);
    expect(new Set(jobs.map((j) => j.job_id)).size).toBe(26);
    for (const job of jobs) expect(Number.isSafeInteger(job.job_id)).toBe(true);
    const page = await client.jobs.listJobsPage({ limit: 10 });
    expect(page.jobs).toHaveLength(10);
    expect(page.has_more).toBe(true);
    expect(page.next_page_token).toBeTruthy();
  });

  it('gets a job with 130 tasks, merged across the 100-item pages', async () => {
    const job = await client.jobs.getJob(await jobIdByName('wide_fanout'));
    expect(job.settings?.tasks).toHaveLength(130);
    expect(new Set(job.settings?.tasks?.map((t) => t.task_key)).size).toBe(130);
  });

  it('answers a missing job and a missing run with reason NOT_FOUND (the 400 quirk)', async () => {
    const job = await failure(client.jobs.getJob(123_456_789_012_345));
    expect(job).toMatchObject({ reason: 'NOT_FOUND', status: 400, errorCode: 'INVALID_PARAMETER_VALUE' });
    const run = await failure(client.jobs.getRun(123_456_789_012_345));
    expect(run.reason).toBe('NOT_FOUND');
  });

  it('lists runs of a job and reads a failed run, its task output and the multi-task refusal', async () => {
    const jobId = await jobIdByName('nightly_orders');
    const runs = await collect(client.jobs.listRuns({ job_id: jobId, completed_only: true }));
    expect(runs.length).toBeGreaterThanOrEqual(1);
    const failed = runs.find((r) => r.state?.result_state === 'FAILED');
    expect(failed).toBeDefined();
    const run = await client.jobs.getRun(failed?.run_id ?? 0, { include_history: true });
    const failedTask = run.tasks?.find((t) => t.state?.result_state === 'FAILED');
    expect(failedTask?.task_key).toBe('load_orders');
    const output = await client.jobs.getRunOutput(failedTask?.run_id ?? 0);
    expect(output.error ?? output.error_trace).toBeTruthy();
    const refusal = await failure(client.jobs.getRunOutput(run.run_id));
    expect(refusal.reason).toBe('INVALID_PARAMETER');
  });

  it('repairs the failed run in place and records the repair in its history', async () => {
    const jobId = await jobIdByName('nightly_orders');
    const runs = await collect(client.jobs.listRuns({ job_id: jobId, completed_only: true }));
    const failed = runs.find((r) => r.state?.result_state === 'FAILED');
    const { repair_id } = await client.jobs.repairRun({
      run_id: failed?.run_id ?? 0,
      rerun_all_failed_tasks: true,
    });
    expect(Number.isSafeInteger(repair_id)).toBe(true);
    const run = await client.jobs.getRun(failed?.run_id ?? 0, { include_history: true });
    expect(run.repair_history?.some((r) => r.type === 'REPAIR')).toBe(true);
  });

  it('runs a job now once per idempotency token, then cancels it', async () => {
    const jobId = await jobIdByName('small_03');
    const first = await client.jobs.runNow({ job_id: jobId, idempotency_token: 'btn-small-03' });
    const again = await client.jobs.runNow({ job_id: jobId, idempotency_token: 'btn-small-03' });
    expect(again.run_id).toBe(first.run_id);
    await client.jobs.cancelRun(first.run_id);
    workspace.advanceBy(60_000);
    const run = await client.jobs.getRun(first.run_id);
    expect(run.state?.life_cycle_state).toMatch(/TERMINAT/);
    await client.jobs.cancelAllRuns({ job_id: jobId, all_queued_runs: true });
  });

  it('merges task runs of a 130-task run across pages', async () => {
    const jobId = await jobIdByName('wide_fanout');
    const { run_id } = await client.jobs.runNow({ job_id: jobId });
    workspace.advanceBy(30 * 60_000);
    const run = await client.jobs.getRun(run_id);
    expect(run.tasks?.length).toBeGreaterThanOrEqual(130);
  });

  it('pauses a schedule with update and replaces settings with reset', async () => {
    const jobId = await jobIdByName('nightly_orders');
    await client.jobs.updateJob({
      job_id: jobId,
      new_settings: {
        schedule: { quartz_cron_expression: '0 0 * * * ?', timezone_id: 'UTC', pause_status: 'PAUSED' },
      },
    });
    expect((await client.jobs.getJob(jobId)).settings?.schedule?.pause_status).toBe('PAUSED');
    const smallId = await jobIdByName('small_05');
    const before = await client.jobs.getJob(smallId);
    await client.jobs.resetJob({
      job_id: smallId,
      new_settings: { ...before.settings, name: 'small_05', max_concurrent_runs: 3 },
    });
    expect((await client.jobs.getJob(smallId)).settings?.max_concurrent_runs).toBe(3);
  });

  it('lists clusters by page, reads one, and maps a missing one to NOT_FOUND', async () => {
    const clusters = await collect(client.clusters.listClusters({ page_size: 1 }));
    expect(clusters.length).toBeGreaterThanOrEqual(3);
    const shared = clusters.find((c) => c.cluster_name === 'shared_a');
    expect((await client.clusters.getCluster(shared?.cluster_id ?? '')).cluster_name).toBe('shared_a');
    const missing = await failure(client.clusters.getCluster('0101-000000-nothere1'));
    expect(missing.reason).toBe('NOT_FOUND');
  });

  it('resizes, restarts, edits, terminates and starts clusters', async () => {
    const clusters = await collect(client.clusters.listClusters());
    const a = clusters.find((c) => c.cluster_name === 'shared_a');
    const b = clusters.find((c) => c.cluster_name === 'shared_b');
    const c = clusters.find((c) => c.cluster_name === 'shared_c');
    await client.clusters.resizeCluster({ cluster_id: a?.cluster_id ?? '', num_workers: 4 });
    workspace.advanceBy(10 * 60_000);
    await client.clusters.restartCluster({ cluster_id: a?.cluster_id ?? '' });
    await client.clusters.editCluster({
      cluster_id: b?.cluster_id ?? '',
      spark_version: b?.spark_version ?? '15.4.x-scala2.12',
      node_type_id: b?.node_type_id,
      num_workers: 3,
    });
    await client.clusters.terminateCluster(b?.cluster_id ?? '');
    await client.clusters.startCluster(c?.cluster_id ?? '');
    expect((await client.clusters.getCluster(c?.cluster_id ?? '')).state).toMatch(/PENDING|RUNNING/);
  });

  it('follows cluster event pages (next_page bodies) until the last, after resize and restart', async () => {
    const clusters = await collect(client.clusters.listClusters());
    const shared = clusters.find((c) => c.cluster_name === 'shared_a');
    const all = await collect(
      client.clusters.clusterEvents({ cluster_id: shared?.cluster_id ?? '', order: 'ASC' }),
    );
    const paged = await collect(
      client.clusters.clusterEvents({ cluster_id: shared?.cluster_id ?? '', order: 'ASC', page_size: 1 }),
    );
    expect(all.length).toBeGreaterThanOrEqual(2);
    expect(paged.map((e) => `${e.timestamp}:${e.type}`)).toEqual(all.map((e) => `${e.timestamp}:${e.type}`));
  });

  it('lists, reads, edits, stops and starts warehouses', async () => {
    const warehouses = await collect(client.warehouses.listWarehouses());
    expect(warehouses.map((w) => w.name).sort()).toEqual(['adhoc', 'bi']);
    const bi = warehouses.find((w) => w.name === 'bi');
    await client.warehouses.editWarehouse(bi?.id ?? '', {
      ...bi,
      cluster_size: 'Large',
      max_num_clusters: 4,
    });
    expect((await client.warehouses.getWarehouse(bi?.id ?? '')).cluster_size).toBe('Large');
    const adhoc = warehouses.find((w) => w.name === 'adhoc');
    await client.warehouses.stopWarehouse(adhoc?.id ?? '');
    workspace.advanceBy(60_000);
    await client.warehouses.startWarehouse(adhoc?.id ?? '');
    expect((await client.warehouses.getWarehouse(adhoc?.id ?? '')).state).toMatch(/STARTING|RUNNING/);
  });

  it('lists pipelines across pages, reads events, starts an update and stops it', async () => {
    const pipelines = await collect(client.pipelines.listPipelines({ max_results: 1 }));
    expect(pipelines.map((p) => p.name).sort()).toEqual(['customers_dlt', 'events_dlt', 'orders_dlt']);
    const orders = pipelines.find((p) => p.name === 'orders_dlt');
    const detail = await client.pipelines.getPipeline(orders?.pipeline_id ?? '');
    expect(detail.pipeline_id).toBe(orders?.pipeline_id);
    const events = await collect(
      client.pipelines.pipelineEvents(orders?.pipeline_id ?? '', { max_results: 2 }),
    );
    expect(events.length).toBeGreaterThan(2);
    const customers = pipelines.find((p) => p.name === 'customers_dlt');
    const { update_id } = await client.pipelines.startUpdate(customers?.pipeline_id ?? '', {
      full_refresh: false,
    });
    expect(update_id).toBeTruthy();
    await client.pipelines.stopPipeline(customers?.pipeline_id ?? '');
  });

  it('pages query history with filters and cancels a statement', async () => {
    const queries = await collect(
      client.queryHistory.listQueries({
        max_results: 25,
        filter_by: { query_start_time_range: { start_time_ms: START, end_time_ms: START + 12 * HOUR } },
        include_metrics: true,
      }),
    );
    expect(queries.length).toBeGreaterThan(25);
    expect(new Set(queries.map((q) => q.query_id)).size).toBe(queries.length);
    await client.statements.cancelStatement(queries[0]?.query_id ?? '');
  });

  it('rides out a throttle fault: 429 with Retry-After, then success', async () => {
    workspace.advanceTo(START + 6 * HOUR + 1000);
    const jobs = await collect(client.jobs.listJobs({ limit: 100 }));
    expect(jobs).toHaveLength(26);
    expect(waits.length).toBeGreaterThanOrEqual(1);
    expect(waits[0]).toBeGreaterThanOrEqual(60_000);
  });

  it('retries a run-now through a 503 outage even without an idempotency token', async () => {
    const jobId = await jobIdByName('small_07');
    workspace.advanceTo(START + 8 * HOUR + 1000);
    const { run_id } = await client.jobs.runNow({ job_id: jobId });
    expect(waits.length).toBeGreaterThanOrEqual(1);
    const runs = await collect(client.jobs.listRuns({ job_id: jobId }));
    expect(runs.filter((r) => r.run_id === run_id)).toHaveLength(1);
  });

  it('authenticates with OAuth M2M against the workspace token endpoint', async () => {
    const oauthClient = createDatabricksClient({
      host: sim.url,
      auth: oauthM2MAuth({ host: sim.url, clientId: 'sp-dbxops', clientSecret: 'dose-sim-secret' }),
    });
    expect((await oauthClient.jobs.listJobsPage({ limit: 1 })).jobs).toHaveLength(1);
    const wrong = createDatabricksClient({
      host: sim.url,
      auth: oauthM2MAuth({ host: sim.url, clientId: 'sp-dbxops', clientSecret: 'nope' }),
    });
    expect((await failure(wrong.jobs.listJobsPage())).reason).toBe('UNAUTHENTICATED');
  });

  it('rejects a wrong PAT with UNAUTHENTICATED', async () => {
    const wrong = createDatabricksClient({ host: sim.url, auth: patAuth('dapi-wrong') });
    expect((await failure(wrong.jobs.listJobsPage())).reason).toBe('UNAUTHENTICATED');
  });

  it("learns the workspace's numeric id from the X-Databricks-Org-Id header, as the SDKs do", async () => {
    expect(await currentWorkspaceId(client.transport)).toBe(workspace.workspaceId);
  });
});
