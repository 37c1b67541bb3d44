import { afterAll, beforeAll, beforeEach, describe, expect, expectTypeOf, it } from 'vitest';
import { ManualClock } from '../../../src/domain/clock.js';
import { patAuth } from '../../../src/databricks/auth/auth-provider.js';
import {
  createDatabricksClient,
  type DatabricksClient,
} from '../../../src/databricks/rest/databricks-client.js';
import type { DatabricksErrorReason } from '../../../src/databricks/rest/databricks-api-error.js';
import type { Run } from '../../../src/databricks/rest/jobs-api.js';
import { collect } from '../../../src/databricks/rest/paginate.js';
import { ScriptedServer } from './scripted-server.js';

let server: ScriptedServer;
let client: DatabricksClient;

beforeAll(async () => {
  server = await new ScriptedServer().start();
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  server.reset();
  const clock = new ManualClock(0);
  client = createDatabricksClient({
    host: server.url,
    auth: patAuth('dapi-test'),
    clock,
    random: () => 0,
    sleep: async (ms) => clock.advance(ms),
  });
});

const task = (key: string) => ({ task_key: key, notebook_task: { notebook_path: `/n/${key}` } });
const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => i + from);

describe('jobs', () => {
  it('lists every job across pages and stops when has_more is false', async () => {
    server.otherwise((req) => {
      const token = req.query.get('page_token');
      if (!token)
        return {
          status: 200,
          body: { jobs: [{ job_id: 1 }, { job_id: 2 }], has_more: true, next_page_token: 'p2' },
        };
      if (token === 'p2')
        return { status: 200, body: { jobs: [{ job_id: 3 }], has_more: false, next_page_token: 'junk' } };
      return { status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE', message: 'bad token' } };
    });
    const jobs = await collect(client.jobs.listJobs({ limit: 2 }));
    expect(jobs.map((j) => j.job_id)).toEqual([1, 2, 3]);
    expect(server.requests.map((r) => r.query.get('limit'))).toEqual(['2', '2']);
  });

  it('yields a run once when a new run shifts it onto the next page as well', async () => {
    server.reply(
      {
        status: 200,
        body: { runs: [{ run_id: 30 }, { run_id: 20 }], has_more: true, next_page_token: 'o2' },
      },
      { status: 200, body: { runs: [{ run_id: 20 }, { run_id: 10 }], has_more: false } },
    );
    const runs = await collect(client.jobs.listRuns({ job_id: 1, limit: 2 }));
    expect(runs.map((r) => r.run_id)).toEqual([30, 20, 10]);
  });

  it('returns one page of jobs with its token', async () => {
    server.reply({
      status: 200,
      body: { jobs: [{ job_id: '298120471834650' }], has_more: true, next_page_token: 't' },
    });
    const page = await client.jobs.listJobsPage({ limit: 1 });
    expect(page).toMatchObject({ jobs: [{ job_id: 298120471834650 }], has_more: true, next_page_token: 't' });
  });

  it('answers an empty workspace with no jobs rather than failing', async () => {
    server.reply({ status: 200, body: { has_more: false } });
    expect(await collect(client.jobs.listJobs())).toEqual([]);
  });

  it('fails instead of looping when the server repeats a page token', async () => {
    server.otherwise(() => ({
      status: 200,
      body: { jobs: [{ job_id: 1 }], has_more: true, next_page_token: 'same' },
    }));
    await expect(collect(client.jobs.listJobs())).rejects.toMatchObject({ reason: 'INVALID_RESPONSE' });
  });

  it('merges the 100-item pages of tasks and job_clusters in jobs/get', async () => {
    server.otherwise((req) => {
      const token = req.query.get('page_token');
      if (!token)
        return {
          status: 200,
          body: {
            job_id: 7,
            settings: { name: 'nightly', tasks: range(100).map((i) => task(`t${i}`)), job_clusters: [] },
            next_page_token: 'more',
          },
        };
      return {
        status: 200,
        body: {
          job_id: 7,
          settings: {
            tasks: range(30, 100).map((i) => task(`t${i}`)),
            job_clusters: [{ job_cluster_key: 'etl', new_cluster: {} }],
          },
        },
      };
    });
    const job = await client.jobs.getJob(7);
    expect(job.settings?.tasks).toHaveLength(130);
    expect(job.settings?.tasks?.[129]?.task_key).toBe('t129');
    expect(job.settings?.job_clusters?.map((c) => c.job_cluster_key)).toEqual(['etl']);
    expect(job.settings?.name).toBe('nightly');
    expect(job.next_page_token).toBeUndefined();
    expect(server.requests.map((r) => r.query.get('job_id'))).toEqual(['7', '7']);
  });

  it('does not duplicate entries a server resends on every page', async () => {
    server.otherwise((req) =>
      req.query.get('page_token')
        ? {
            status: 200,
            body: {
              job_id: 7,
              settings: {
                tasks: [task('b')],
                parameters: [{ name: 'env', default: 'prod' }],
                job_clusters: [],
              },
            },
          }
        : {
            status: 200,
            body: {
              job_id: 7,
              settings: { tasks: [task('a')], parameters: [{ name: 'env', default: 'prod' }] },
              next_page_token: 'n',
            },
          },
    );
    const job = await client.jobs.getJob(7);
    expect(job.settings?.tasks?.map((t) => t.task_key)).toEqual(['a', 'b']);
    expect(job.settings?.parameters).toEqual([{ name: 'env', default: 'prod' }]);
  });

  it('keeps every retry attempt of a task, which share a task_key but not a run_id', async () => {
    server.otherwise((req) =>
      req.query.get('page_token')
        ? { status: 200, body: { run_id: 5, tasks: [{ task_key: 'a', run_id: 12, attempt_number: 1 }] } }
        : { status: 200, body: { run_id: 5, tasks: [{ task_key: 'a', run_id: 11 }], next_page_token: 'n' } },
    );
    const run = await client.jobs.getRun(5);
    expect(run.tasks?.map((t) => t.run_id)).toEqual([11, 12]);
  });

  it('merges task pages and repair history in runs/get and keeps unknown enum values', async () => {
    server.otherwise((req) =>
      req.query.get('page_token')
        ? {
            status: 200,
            body: {
              run_id: 5,
              tasks: [{ task_key: 'b', run_id: 12 }],
              repair_history: [{ type: 'REPAIR', id: 9 }],
            },
          }
        : {
            status: 200,
            body: {
              run_id: 5,
              job_id: 7,
              state: { life_cycle_state: 'SOMETHING_NEW', result_state: 'FAILED' },
              tasks: [{ task_key: 'a', run_id: 11 }],
              repair_history: [{ type: 'ORIGINAL', task_run_ids: [11] }],
              next_page_token: 'n',
              brand_new_field: { x: 1 },
            },
          },
    );
    const run = await client.jobs.getRun(5, { include_history: true });
    expect(run.tasks?.map((t) => t.run_id)).toEqual([11, 12]);
    expect(run.repair_history?.map((r) => r.type)).toEqual(['ORIGINAL', 'REPAIR']);
    expect(run.state?.life_cycle_state).toBe('SOMETHING_NEW');
    expect(run.brand_new_field).toEqual({ x: 1 });
    expect(server.requests[0]?.query.get('include_history')).toBe('true');
  });

  it('sends the remediation payloads Databricks expects', async () => {
    server.otherwise((req) => {
      if (req.path.endsWith('/run-now'))
        return { status: 200, body: { run_id: 455644833361223, number_in_job: 455644833361223 } };
      if (req.path.endsWith('/repair')) return { status: 200, body: { repair_id: 734650698524281 } };
      return { status: 200, body: {} };
    });
    const run = await client.jobs.runNow({
      job_id: 684914303928317,
      job_parameters: { env: 'prod' },
      idempotency_token: 'slack-btn-7f3a',
    });
    expect(run.run_id).toBe(455644833361223);
    const repair = await client.jobs.repairRun({
      run_id: 455644833361223,
      rerun_all_failed_tasks: true,
      latest_repair_id: 1,
    });
    expect(repair.repair_id).toBe(734650698524281);
    await client.jobs.cancelRun(455644833361223);
    await client.jobs.cancelAllRuns({ job_id: 1, all_queued_runs: true });
    await client.jobs.updateJob({
      job_id: 684914303928317,
      new_settings: {
        schedule: { quartz_cron_expression: '0 0 2 * * ?', timezone_id: 'UTC', pause_status: 'PAUSED' },
      },
    });
    await client.jobs.resetJob({ job_id: 1, new_settings: { name: 'x', tasks: [task('a')] } });
    expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /api/2.2/jobs/run-now',
      'POST /api/2.2/jobs/runs/repair',
      'POST /api/2.2/jobs/runs/cancel',
      'POST /api/2.2/jobs/runs/cancel-all',
      'POST /api/2.2/jobs/update',
      'POST /api/2.2/jobs/reset',
    ]);
    expect(JSON.parse(server.requests[0]?.body ?? '')).toEqual({
      job_id: 684914303928317,
      job_parameters: { env: 'prod' },
      idempotency_token: 'slack-btn-7f3a',
    });
    expect(server.requests[2]?.body).toBe('{"run_id":455644833361223}');
  });

  it('retries run-now after a 500 only when it carries an idempotency token', async () => {
    server.reply({ status: 500 }, { status: 200, body: { run_id: 1 } });
    await client.jobs.runNow({ job_id: 1, idempotency_token: 'tok' });
    expect(server.requests).toHaveLength(2);
    server.reset();
    server.reply({ status: 500 });
    await expect(client.jobs.runNow({ job_id: 1 })).rejects.toMatchObject({ reason: 'INTERNAL' });
    expect(server.requests).toHaveLength(1);
  });

  it('surfaces the get-output multi-task error as INVALID_PARAMETER', async () => {
    server.reply({
      status: 400,
      body: {
        error_code: 'INVALID_PARAMETER_VALUE',
        message:
          'Retrieving the output of runs with multiple tasks is not supported. Please retrieve the output of each individual task run instead.',
      },
    });
    await expect(client.jobs.getRunOutput(5)).rejects.toMatchObject({ reason: 'INVALID_PARAMETER' });
  });

  it('lists runs with filters and follows pages', async () => {
    server.reply(
      { status: 200, body: { runs: [{ run_id: 3 }], has_more: true, next_page_token: 'x' } },
      { status: 200, body: { runs: [{ run_id: 2 }], has_more: false } },
    );
    const runs = await collect(client.jobs.listRuns({ job_id: 7, active_only: true, start_time_from: 1000 }));
    expect(runs.map((r) => r.run_id)).toEqual([3, 2]);
    expect(server.requests[0]?.query.get('active_only')).toBe('true');
    expect(server.requests[1]?.query.get('page_token')).toBe('x');
  });

  it('rejects a run whose run_id is a fraction', async () => {
    server.reply({ status: 200, body: { run_id: 1.5 } });
    await expect(client.jobs.getRun(1)).rejects.toMatchObject({ reason: 'INVALID_RESPONSE' });
  });
});

describe('clusters', () => {
  it('follows the next_page request bodies of clusters/events', async () => {
    server.reply(
      {
        status: 200,
        body: {
          events: [{ cluster_id: 'c', timestamp: 2, type: 'RUNNING' }],
          next_page: { cluster_id: 'c', offset: 1, limit: 1 },
          total_count: 2,
        },
      },
      {
        status: 200,
        body: { events: [{ cluster_id: 'c', timestamp: 1, type: 'NEW_TYPE_FROM_2030' }], total_count: 2 },
      },
    );
    const events = await collect(client.clusters.clusterEvents({ cluster_id: 'c', page_size: 1 }));
    expect(events.map((e) => e.type)).toEqual(['RUNNING', 'NEW_TYPE_FROM_2030']);
    expect(JSON.parse(server.requests[1]?.body ?? '')).toEqual({ cluster_id: 'c', offset: 1, limit: 1 });
  });

  it('lists clusters across page_token pages with dotted filters', async () => {
    server.reply(
      { status: 200, body: { clusters: [{ cluster_id: 'a' }], next_page_token: 'n' } },
      { status: 200, body: { clusters: [{ cluster_id: 'b', state: 'RUNNING' }] } },
    );
    const clusters = await collect(
      client.clusters.listClusters({ filter_by: { cluster_states: ['RUNNING', 'PENDING'] } }),
    );
    expect(clusters.map((c) => c.cluster_id)).toEqual(['a', 'b']);
    expect(server.requests[0]?.query.getAll('filter_by.cluster_states')).toEqual(['RUNNING', 'PENDING']);
  });

  it('maps the clusters/get 400 quirk to NOT_FOUND', async () => {
    server.reply({
      status: 400,
      body: { error_code: 'INVALID_PARAMETER_VALUE', message: 'Cluster 0929-x does not exist' },
    });
    await expect(client.clusters.getCluster('0929-x')).rejects.toMatchObject({
      reason: 'NOT_FOUND',
      status: 400,
    });
  });

  it('posts resize, restart, start, terminate and edit to their paths', async () => {
    await client.clusters.resizeCluster({ cluster_id: 'c', num_workers: 8 });
    await client.clusters.restartCluster({ cluster_id: 'c' });
    await client.clusters.startCluster('c');
    await client.clusters.terminateCluster('c');
    await client.clusters.editCluster({ cluster_id: 'c', spark_version: '15.4.x-scala2.12', num_workers: 2 });
    expect(server.requests.map((r) => r.path)).toEqual([
      '/api/2.1/clusters/resize',
      '/api/2.1/clusters/restart',
      '/api/2.1/clusters/start',
      '/api/2.1/clusters/delete',
      '/api/2.1/clusters/edit',
    ]);
    expect(JSON.parse(server.requests[0]?.body ?? '')).toEqual({ cluster_id: 'c', num_workers: 8 });
  });
});

describe('warehouses, pipelines, query history, statements', () => {
  it('percent-encodes hostile ids into a single path segment', async () => {
    server.reply({ status: 200, body: { id: 'x' } });
    await client.warehouses.getWarehouse('../../jobs/delete?x=1');
    expect(server.requests[0]?.path).toBe('/api/2.0/sql/warehouses/..%2F..%2Fjobs%2Fdelete%3Fx%3D1');
  });

  it('lists, gets, edits, starts and stops warehouses', async () => {
    server.reply(
      {
        status: 200,
        body: { warehouses: [{ id: 'w1', state: 'RUNNING', cluster_size: 'Small' }], next_page_token: 'n' },
      },
      { status: 200, body: { warehouses: [{ id: 'w2', state: 'STOPPED' }] } },
    );
    expect((await collect(client.warehouses.listWarehouses())).map((w) => w.id)).toEqual(['w1', 'w2']);
    await client.warehouses.editWarehouse('w1', { cluster_size: 'Large', max_num_clusters: 4 });
    await client.warehouses.startWarehouse('w1');
    await client.warehouses.stopWarehouse('w1');
    expect(server.requests.slice(2).map((r) => r.path)).toEqual([
      '/api/2.0/sql/warehouses/w1/edit',
      '/api/2.0/sql/warehouses/w1/start',
      '/api/2.0/sql/warehouses/w1/stop',
    ]);
  });

  it('reads pipeline events with filter and order, then pages by token alone', async () => {
    server.reply(
      {
        status: 200,
        body: {
          events: [{ id: 'e1', level: 'ERROR', timestamp: '2026-11-20T02:00:00Z' }],
          next_page_token: 'n',
        },
      },
      { status: 200, body: { events: [{ id: 'e2', level: 'WARN' }] } },
    );
    const events = await collect(
      client.pipelines.pipelineEvents('p-1', {
        filter: "level in ('ERROR','WARN')",
        order_by: ['timestamp desc'],
        max_results: 1,
      }),
    );
    expect(events.map((e) => e.id)).toEqual(['e1', 'e2']);
    expect(server.requests[0]?.query.get('filter')).toBe("level in ('ERROR','WARN')");
    expect(server.requests[0]?.query.get('order_by')).toBe('timestamp desc');
    expect(server.requests[1]?.query.has('filter')).toBe(false);
    expect(server.requests[1]?.query.get('max_results')).toBe('1');
  });

  it('lists pipelines from statuses, starts an update and stops', async () => {
    server.reply(
      { status: 200, body: { statuses: [{ pipeline_id: 'p-1', state: 'IDLE' }] } },
      { status: 200, body: { update_id: 'u-1' } },
    );
    expect(
      (await collect(client.pipelines.listPipelines({ filter: "name LIKE '%orders%'" }))).map(
        (p) => p.pipeline_id,
      ),
    ).toEqual(['p-1']);
    expect(await client.pipelines.startUpdate('p-1', { full_refresh: false })).toEqual({ update_id: 'u-1' });
    await client.pipelines.stopPipeline('p-1');
    expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /api/2.0/pipelines',
      'POST /api/2.0/pipelines/p-1/updates',
      'POST /api/2.0/pipelines/p-1/stop',
    ]);
  });

  it('pages query history by has_next_page and encodes tokens containing +', async () => {
    server.reply(
      {
        status: 200,
        body: { res: [{ query_id: 'q1', status: 'FAILED' }], has_next_page: true, next_page_token: 'a+b/c=' },
      },
      {
        status: 200,
        body: { res: [{ query_id: 'q2', status: 'FINISHED' }], has_next_page: false, next_page_token: 'zzz' },
      },
    );
    const queries = await collect(
      client.queryHistory.listQueries({
        filter_by: {
          statuses: ['FAILED', 'FINISHED'],
          query_start_time_range: { start_time_ms: 1, end_time_ms: 2 },
        },
        include_metrics: true,
      }),
    );
    expect(queries.map((q) => q.query_id)).toEqual(['q1', 'q2']);
    expect(server.requests[0]?.query.get('filter_by.query_start_time_range.start_time_ms')).toBe('1');
    expect(server.requests[0]?.query.getAll('filter_by.statuses')).toEqual(['FAILED', 'FINISHED']);
    expect(server.requests[1]?.query.get('page_token')).toBe('a+b/c=');
  });

  it('cancels a statement', async () => {
    await client.statements.cancelStatement('01ef8a7c-1234');
    expect(server.requests[0]?.path).toBe('/api/2.0/sql/statements/01ef8a7c-1234/cancel');
  });
});

describe('hostile and malformed responses', () => {
  it('refuses a jobs list whose jobs is not an array, naming the field', async () => {
    server.reply({ status: 200, body: { jobs: 'nope', has_more: false } });
    await expect(client.jobs.listJobsPage()).rejects.toMatchObject({
      reason: 'INVALID_RESPONSE',
      message: expect.stringContaining('jobs'),
    });
  });

  it('refuses negative and non-numeric ids', async () => {
    server.reply({ status: 200, body: { jobs: [{ job_id: -1 }] } }, { status: 200, body: { run_id: 'abc' } });
    await expect(client.jobs.listJobsPage()).rejects.toMatchObject({ reason: 'INVALID_RESPONSE' });
    await expect(client.jobs.runNow({ job_id: 1 })).rejects.toMatchObject({ reason: 'INVALID_RESPONSE' });
  });

  it('reads a JSON null field as absent instead of failing the whole run', async () => {
    server.reply({
      status: 200,
      body: { run_id: 1, state: null, tasks: [{ task_key: 'a', run_id: 2, state: null }] },
    });
    const run = await client.jobs.getRun(1);
    expect(run.state).toBeUndefined();
    expect(run.tasks?.[0]?.run_id).toBe(2);
  });

  it('still refuses a null where a required id belongs', async () => {
    server.reply({ status: 200, body: { run_id: null } });
    await expect(client.jobs.getRun(1)).rejects.toMatchObject({ reason: 'INVALID_RESPONSE' });
  });
});

describe('public types', () => {
  it('exposes ids as numbers, enums as open strings and reasons as a closed union', () => {
    expectTypeOf<Run['run_id']>().toEqualTypeOf<number>();
    expectTypeOf<NonNullable<NonNullable<Run['state']>['result_state']>>().toExtend<string>();
    expectTypeOf<'SUCCESS'>().toExtend<NonNullable<NonNullable<Run['state']>['result_state']>>();
    expectTypeOf<'NOT_FOUND'>().toExtend<DatabricksErrorReason>();
    expectTypeOf<'SOMETHING_ELSE'>().not.toExtend<DatabricksErrorReason>();
  });
});
