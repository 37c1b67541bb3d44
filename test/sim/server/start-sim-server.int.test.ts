import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SimWorkspace } from '../../../src/sim/engine/sim-workspace.js';
import type { ScenarioInput } from '../../../src/sim/scenario/schema.js';
import {
  type SimServerHandle,
  type SimServerOptions,
  startSimServer,
} from '../../../src/sim/server/start-sim-server.js';
import { webhookPayload } from '../../../src/sim/server/webhooks.js';
import { scenarioWith } from '../fixtures.js';

const MIN = 60_000;
const START = Date.parse('2026-11-20T00:00:00Z');
const TOKEN = 'dapi-sim-0000';
const open: { close(): Promise<void> }[] = [];

afterEach(async () => {
  while (open.length > 0) await open.pop()?.close();
});

async function start(change: (s: ScenarioInput) => void = () => {}, opts: Partial<SimServerOptions> = {}) {
  const workspace = new SimWorkspace({ scenario: scenarioWith(change), seed: 3 });
  const server = await startSimServer({ workspace, ...opts });
  open.push(server);
  return server;
}

async function call(
  s: SimServerHandle,
  method: string,
  path: string,
  body?: unknown,
  token: string | null = TOKEN,
) {
  const headers: Record<string, string> = {};
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${s.url}${path}`, {
    method,
    headers,
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    body: JSON.parse(text) as Record<string, unknown>,
    text,
  };
}

function jobIdOf(s: SimServerHandle): number {
  return [...s.workspace.jobs.values()][0]!.jobId;
}

describe('sim server auth and errors', () => {
  it('answers a missing or wrong token with 401 UNAUTHENTICATED', async () => {
    const s = await start();
    const none = await call(s, 'GET', '/api/2.2/jobs/list', undefined, null);
    expect(none.status).toBe(401);
    expect(none.body.error_code).toBe('UNAUTHENTICATED');
    const bad = await call(s, 'GET', '/api/2.2/jobs/list', undefined, 'dapi-wrong');
    expect(bad).toMatchObject({
      status: 401,
      body: { error_code: 'UNAUTHENTICATED', message: 'Invalid access token.' },
    });
  });

  it('answers an unknown endpoint with 404 ENDPOINT_NOT_FOUND', async () => {
    const s = await start();
    const r = await call(s, 'GET', '/api/2.2/nope');
    expect(r).toMatchObject({ status: 404, body: { error_code: 'ENDPOINT_NOT_FOUND' } });
  });

  it('answers missing jobs, runs and clusters with 400 INVALID_PARAMETER_VALUE as Databricks does', async () => {
    const s = await start();
    expect(await call(s, 'GET', '/api/2.2/jobs/get?job_id=123')).toMatchObject({
      status: 400,
      body: { error_code: 'INVALID_PARAMETER_VALUE', message: 'Job 123 does not exist.' },
    });
    expect((await call(s, 'GET', '/api/2.1/jobs/runs/get?run_id=5')).body.message).toBe(
      'Run 5 does not exist.',
    );
    expect(await call(s, 'GET', '/api/2.1/clusters/get?cluster_id=0101-000000-zzzzzzzz')).toMatchObject({
      status: 400,
      body: { message: 'Cluster 0101-000000-zzzzzzzz does not exist' },
    });
  });

  it('answers malformed JSON with 400 MALFORMED_REQUEST and bad params with INVALID_PARAMETER_VALUE', async () => {
    const s = await start();
    expect((await call(s, 'POST', '/api/2.2/jobs/run-now', '{"job_id": ')).body.error_code).toBe(
      'MALFORMED_REQUEST',
    );
    expect((await call(s, 'POST', '/api/2.2/jobs/run-now', '[1,2]')).body.error_code).toBe(
      'MALFORMED_REQUEST',
    );
    const bad = await call(s, 'GET', '/api/2.2/jobs/get?job_id=abc');
    expect(bad).toMatchObject({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE' } });
    const limit = await call(s, 'GET', '/api/2.2/jobs/list?limit=1000');
    expect(limit.status).toBe(400);
    const hostile = await call(s, 'GET', `/api/2.2/jobs/get?job_id=${'9'.repeat(500)}`);
    expect(hostile.status).toBe(400);
    expect(hostile.text).not.toMatch(/at .*\.ts/);
  });

  it('rejects an oversized body with 413 and no stack trace', async () => {
    const s = await start();
    const r = await call(s, 'POST', '/api/2.2/jobs/create', {
      name: 'x',
      description: 'a'.repeat(2 * 1024 * 1024),
    });
    expect(r.status).toBe(413);
    expect(r.body.error_code).toBe('REQUEST_LIMIT_EXCEEDED');
  });

  it('answers 429 with an integer Retry-After during a throttle fault, then serves again', async () => {
    const s = await start((sc) => {
      sc.faults = [
        {
          id: 't',
          kind: 'throttle',
          target: {},
          start: '+1h',
          end: '+1.5h',
          expected: { category: 'network', severity: 'P4', action: 'RETRY' },
        },
        {
          id: 'e',
          kind: 'server_error',
          target: {},
          start: '+2h',
          end: '+2.1h',
          expected: { category: 'network', severity: 'P4', action: 'RETRY' },
        },
      ];
    });
    expect((await call(s, 'GET', '/api/2.2/jobs/list')).status).toBe(200);
    s.workspace.advanceTo(START + 65 * MIN);
    const r = await call(s, 'GET', '/api/2.2/jobs/list');
    expect(r.status).toBe(429);
    expect(r.body.error_code).toBe('REQUEST_LIMIT_EXCEEDED');
    expect(r.headers.get('retry-after')).toMatch(/^\d+$/);
    s.workspace.advanceTo(START + 125 * MIN);
    const e = await call(s, 'GET', '/api/2.2/jobs/list');
    expect(e).toMatchObject({ status: 503, body: { error_code: 'TEMPORARILY_UNAVAILABLE' } });
    s.workspace.advanceTo(START + 3 * 60 * MIN);
    expect((await call(s, 'GET', '/api/2.2/jobs/list')).status).toBe(200);
    expect(s.workspace.faults().find((f) => f.id === 't')?.first_affected_ms).toBe(START + 65 * MIN);
  });
});

describe('sim server jobs API', () => {
  it('pages jobs/list with next_page_token and has_more', async () => {
    const s = await start();
    for (let i = 0; i < 24; i++) {
      const r = await call(s, 'POST', '/api/2.2/jobs/create', {
        name: `job-${i}`,
        tasks: [{ task_key: 'a', notebook_task: { notebook_path: '/x' } }],
      });
      expect(typeof r.body.job_id).toBe('number');
    }
    const seen = new Set<number>();
    let token: string | undefined;
    let pages = 0;
    do {
      const r = await call(s, 'GET', `/api/2.2/jobs/list?limit=10${token ? `&page_token=${token}` : ''}`);
      for (const j of r.body.jobs as { job_id: number }[]) seen.add(j.job_id);
      token = r.body.next_page_token as string | undefined;
      expect(r.body.has_more).toBe(token !== undefined);
      pages++;
    } while (token);
    expect(pages).toBe(3);
    expect(seen.size).toBe(25);
    expect((await call(s, 'GET', '/api/2.2/jobs/list?page_token=garbage')).status).toBe(400);
  });

  it('pages the tasks array of jobs/get at 100', async () => {
    const s = await start();
    const tasks = Array.from({ length: 150 }, (_, i) => ({
      task_key: `t${i}`,
      notebook_task: { notebook_path: '/x' },
    }));
    const { body } = await call(s, 'POST', '/api/2.2/jobs/create', { name: 'wide', tasks });
    const first = await call(s, 'GET', `/api/2.2/jobs/get?job_id=${body.job_id}`);
    expect((first.body.settings as { tasks: unknown[] }).tasks).toHaveLength(100);
    const second = await call(
      s,
      'GET',
      `/api/2.2/jobs/get?job_id=${body.job_id}&page_token=${first.body.next_page_token}`,
    );
    expect((second.body.settings as { tasks: unknown[] }).tasks).toHaveLength(50);
    expect(second.body.next_page_token).toBeUndefined();
  });

  it('refuses invalid job settings with 400 and applies reset, fields_to_remove and delete', async () => {
    const s = await start();
    const bad1 = await call(s, 'POST', '/api/2.2/jobs/create', { name: 'x', tasks: 'nope' });
    expect(bad1).toMatchObject({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE' } });
    const bad2 = await call(s, 'POST', '/api/2.2/jobs/create', {
      name: 'x',
      tasks: [{ task_key: 'a', depends_on: [{ task_key: 'ghost' }] }],
    });
    expect(bad2.body.message).toContain('ghost');
    const dupKeys = await call(s, 'POST', '/api/2.2/jobs/create', {
      name: 'x',
      tasks: [{ task_key: 'a' }, { task_key: 'a' }],
    });
    expect(dupKeys.status).toBe(400);
    const badCron = await call(s, 'POST', '/api/2.2/jobs/create', {
      name: 'x',
      tasks: [{ task_key: 'a' }],
      schedule: { quartz_cron_expression: 'every day', timezone_id: 'UTC' },
    });
    expect(badCron.status).toBe(400);
    const jobId = jobIdOf(s);
    await call(s, 'POST', '/api/2.2/jobs/update', {
      job_id: jobId,
      new_settings: {},
      fields_to_remove: ['schedule'],
    });
    expect((await call(s, 'GET', `/api/2.2/jobs/get?job_id=${jobId}`)).body.settings).not.toHaveProperty(
      'schedule',
    );
    const reset = await call(s, 'POST', '/api/2.2/jobs/reset', {
      job_id: jobId,
      new_settings: {
        name: 'renamed',
        tasks: [{ task_key: 'only', notebook_task: { notebook_path: '/x' } }],
      },
    });
    expect(reset.status).toBe(200);
    const got = await call(s, 'GET', `/api/2.2/jobs/get?job_id=${jobId}`);
    expect((got.body.settings as { name: string; tasks: unknown[] }).tasks).toHaveLength(1);
    expect((await call(s, 'GET', '/api/2.2/jobs/list?name=RENAMED')).body.jobs).toHaveLength(1);
    await call(s, 'POST', '/api/2.2/jobs/delete', { job_id: jobId });
    expect((await call(s, 'GET', `/api/2.2/jobs/get?job_id=${jobId}`)).status).toBe(400);
    expect((await call(s, 'POST', '/api/2.2/jobs/delete', { job_id: jobId })).status).toBe(400);
  });

  it('returns the same run for a repeated idempotency token and shows the run PENDING at once', async () => {
    const s = await start();
    const jobId = jobIdOf(s);
    s.workspace.advanceTo(START + 50 * MIN);
    const a = await call(s, 'POST', '/api/2.2/jobs/run-now', { job_id: jobId, idempotency_token: 'btn-1' });
    const b = await call(s, 'POST', '/api/2.2/jobs/run-now', {
      job_id: String(jobId),
      idempotency_token: 'btn-1',
    });
    expect(a.body.run_id).toBe(b.body.run_id);
    const run = await call(s, 'GET', `/api/2.2/jobs/runs/get?run_id=${a.body.run_id}`);
    expect(run.body).toMatchObject({
      trigger: 'ONE_TIME',
      state: { life_cycle_state: 'PENDING' },
      status: { state: 'PENDING' },
    });
    expect(run.body.run_page_url).toBe(
      `https://dbc-unit.cloud.databricks.com/?o=1234567890123456#job/${jobId}/run/${a.body.run_id}`,
    );
  });

  it('refuses get-output for a multi-task run id and gives error and trace for a failed task run', async () => {
    const s = await start((sc) => {
      sc.faults = [
        {
          id: 'oom',
          kind: 'oom',
          target: { job: 'orders_etl', task: 'extract' },
          start: '+0h',
          end: '+2h',
          expected: { category: 'resource', severity: 'P2', action: 'RETRY_WITH_NEW_PARAMS' },
        },
      ];
    });
    s.workspace.advanceTo(START + 30 * MIN);
    const list = await call(s, 'GET', `/api/2.2/jobs/runs/list?job_id=${jobIdOf(s)}&completed_only=true`);
    const run = (list.body.runs as { run_id: number }[])[0]!;
    const parent = await call(s, 'GET', `/api/2.2/jobs/runs/get-output?run_id=${run.run_id}`);
    expect(parent.body).toEqual({
      error_code: 'INVALID_PARAMETER_VALUE',
      message:
        'Retrieving the output of runs with multiple tasks is not supported. Please retrieve the output of each individual task run instead.',
    });
    const full = await call(s, 'GET', `/api/2.2/jobs/runs/get?run_id=${run.run_id}`);
    const task = (full.body.tasks as { run_id: number; task_key: string }[]).find(
      (t) => t.task_key === 'extract',
    )!;
    const out = await call(s, 'GET', `/api/2.2/jobs/runs/get-output?run_id=${task.run_id}`);
    expect(out.body.error).toBe('java.lang.OutOfMemoryError: Java heap space');
    expect(out.body.error_trace).toContain('OutOfMemoryError');
    expect(full.body.status).toMatchObject({
      termination_details: { code: 'DRIVER_ERROR', type: 'INTERNAL_ERROR' },
    });
  });

  it('merges tasks by key on update, repairs over HTTP and records a REPAIR in the history', async () => {
    const s = await start((sc) => {
      sc.faults = [
        {
          id: 'blip',
          kind: 'task_error',
          target: { job: 'orders_etl', task: 'load' },
          start: '+0h',
          end: '+2h',
          // A network blip: the repair's read goes through.
          transient: true,
          expected: { category: 'network', severity: 'P3', action: 'RETRY' },
        },
      ];
    });
    const jobId = jobIdOf(s);
    const job = await call(s, 'GET', `/api/2.2/jobs/get?job_id=${jobId}`);
    const load = (job.body.settings as { tasks: { task_key: string }[] }).tasks.find(
      (t) => t.task_key === 'load',
    )!;
    const upd = await call(s, 'POST', '/api/2.2/jobs/update', {
      job_id: jobId,
      new_settings: { tasks: [{ ...load, max_retries: 2 }] },
    });
    expect(upd.status).toBe(200);
    const after = await call(s, 'GET', `/api/2.2/jobs/get?job_id=${jobId}`);
    const tasks = (after.body.settings as { tasks: { task_key: string; max_retries: number }[] }).tasks;
    expect(tasks.map((t) => t.task_key)).toEqual(['extract', 'transform', 'load']);
    expect(tasks.find((t) => t.task_key === 'load')?.max_retries).toBe(2);
    s.workspace.advanceTo(START + 45 * MIN);
    const runs = await call(s, 'GET', `/api/2.2/jobs/runs/list?job_id=${jobId}`);
    const runId = (runs.body.runs as { run_id: number; state: { result_state: string } }[]).at(-1)!.run_id;
    const early = await call(s, 'POST', '/api/2.2/jobs/runs/repair', {
      run_id: runId,
      rerun_all_failed_tasks: true,
    });
    expect(early.status).toBe(200);
    const again = await call(s, 'POST', '/api/2.2/jobs/runs/repair', {
      run_id: runId,
      rerun_all_failed_tasks: true,
    });
    expect(again.body.error_code).toBe('INVALID_STATE');
    s.workspace.advanceTo(START + 59 * MIN);
    const run = await call(s, 'GET', `/api/2.2/jobs/runs/get?run_id=${runId}&include_history=true`);
    expect(run.body.state).toMatchObject({ result_state: 'SUCCESS' });
    const history = run.body.repair_history as { type: string; id?: number }[];
    expect(history.map((h) => h.type)).toEqual(['ORIGINAL', 'REPAIR']);
    expect(history[1]?.id).toBe(early.body.repair_id);
  });

  it('cancels a run: TERMINATING at once, CANCELED shortly after; a second cancel is harmless', async () => {
    const s = await start();
    s.workspace.advanceTo(START + 10 * MIN);
    const runs = await call(s, 'GET', '/api/2.2/jobs/runs/list?active_only=true');
    const runId = (runs.body.runs as { run_id: number }[])[0]!.run_id;
    await call(s, 'POST', '/api/2.2/jobs/runs/cancel', { run_id: runId });
    expect((await call(s, 'POST', '/api/2.2/jobs/runs/cancel', { run_id: runId })).status).toBe(200);
    expect((await call(s, 'GET', `/api/2.2/jobs/runs/get?run_id=${runId}`)).body.state).toMatchObject({
      life_cycle_state: 'TERMINATING',
    });
    s.workspace.advanceBy(10_000);
    expect((await call(s, 'GET', `/api/2.2/jobs/runs/get?run_id=${runId}`)).body.state).toMatchObject({
      result_state: 'CANCELED',
    });
  });
});

describe('sim server compute APIs', () => {
  it('starts a warehouse (STARTING at once), lists and edits it', async () => {
    const s = await start((sc) => {
      sc.warehouses = [
        { name: 'bi', team: 'finance', owner: 'alice@example.com', size: 'Small', tags: { env: 'prod' } },
      ];
    });
    const list = await call(s, 'GET', '/api/2.0/sql/warehouses');
    const w = (list.body.warehouses as { id: string; state: string; tags: unknown }[])[0]!;
    expect(w.state).toBe('STOPPED');
    expect(w.tags).toEqual({
      custom_tags: [
        { key: 'team', value: 'finance' },
        { key: 'env', value: 'prod' },
      ],
    });
    await call(s, 'POST', `/api/2.0/sql/warehouses/${w.id}/start`, {});
    expect((await call(s, 'GET', `/api/2.0/sql/warehouses/${w.id}`)).body.state).toBe('STARTING');
    const edit = await call(s, 'POST', `/api/2.0/sql/warehouses/${w.id}/edit`, {
      cluster_size: 'Large',
      max_num_clusters: 4,
    });
    expect(edit.status).toBe(200);
    const got = await call(s, 'GET', `/api/2.0/sql/warehouses/${w.id}`);
    expect(got.body).toMatchObject({ cluster_size: 'Large', max_num_clusters: 4, auto_stop_mins: 20 });
    expect(
      (await call(s, 'POST', `/api/2.0/sql/warehouses/${w.id}/edit`, { cluster_size: 'Huge' })).status,
    ).toBe(400);
  });

  it('restarts a cluster and pages its events with next_page', async () => {
    const s = await start((sc) => {
      sc.clusters = [{ name: 'analysts', team: 'finance', owner: 'alice@example.com' }];
    });
    const { body } = await call(s, 'GET', '/api/2.1/clusters/list');
    const c = (body.clusters as { cluster_id: string; cluster_source: string }[]).find(
      (x) => x.cluster_source === 'UI',
    )!;
    for (let i = 0; i < 3; i++) {
      await call(s, 'POST', '/api/2.1/clusters/restart', { cluster_id: c.cluster_id });
      expect((await call(s, 'GET', `/api/2.1/clusters/get?cluster_id=${c.cluster_id}`)).body.state).toBe(
        'RESTARTING',
      );
      s.workspace.advanceBy(5 * MIN);
    }
    const page1 = await call(s, 'POST', '/api/2.1/clusters/events', {
      cluster_id: c.cluster_id,
      limit: 3,
      order: 'ASC',
    });
    expect((page1.body.events as unknown[]).length).toBe(3);
    expect(page1.body.total_count).toBeGreaterThan(3);
    const page2 = await call(s, 'POST', '/api/2.1/clusters/events', page1.body.next_page);
    expect((page2.body.events as { type: string }[])[0]?.type).toBeDefined();
    expect((await call(s, 'POST', '/api/2.1/clusters/resize', { cluster_id: c.cluster_id })).status).toBe(
      400,
    );
  });

  it('keeps a cluster edited onto on-demand nodes on them: a later spot reclaim takes nothing', async () => {
    const s = await start((sc) => {
      sc.clusters = [
        {
          name: 'shared-etl',
          team: 'finance',
          owner: 'alice@example.com',
          workers: 3,
          autotermination_minutes: 0,
        },
      ];
      sc.faults = [
        {
          id: 'reclaim',
          kind: 'spot_loss',
          target: { cluster: 'shared-etl' },
          start: '+1h',
          expected: { category: 'capacity', severity: 'P3', action: 'RETRY_WITH_NEW_PARAMS' },
        },
      ];
    });
    const c = s.workspace.clusters.byName.get('shared-etl')!;
    const get = async () => (await call(s, 'GET', `/api/2.1/clusters/get?cluster_id=${c.clusterId}`)).body;
    expect((await get()).aws_attributes).toMatchObject({
      availability: 'SPOT_WITH_FALLBACK',
      first_on_demand: 1,
    });
    const spec = {
      cluster_id: c.clusterId,
      spark_version: '15.4.x-scala2.12',
      node_type_id: 'i3.xlarge',
      num_workers: 3,
    };
    const edit = await call(s, 'POST', '/api/2.1/clusters/edit', {
      ...spec,
      aws_attributes: { availability: 'ON_DEMAND', first_on_demand: 1, zone_id: 'auto' },
    });
    expect(edit.status).toBe(200);
    expect((await get()).aws_attributes).toMatchObject({ availability: 'ON_DEMAND' });
    s.workspace.advanceBy(90 * MIN);
    const events = await call(s, 'POST', '/api/2.1/clusters/events', { cluster_id: c.clusterId });
    expect((events.body.events as { type: string }[]).map((e) => e.type)).not.toContain('NODES_LOST');
  });

  it('keeps an autoscaling cluster autoscaling when an edit sends its workers of the moment beside the range', async () => {
    const s = await start((sc) => {
      sc.clusters = [
        {
          name: 'shared-etl',
          team: 'finance',
          owner: 'alice@example.com',
          autoscale: { min_workers: 2, max_workers: 6 },
          autotermination_minutes: 0,
        },
      ];
    });
    const c = s.workspace.clusters.byName.get('shared-etl')!;
    const edit = await call(s, 'POST', '/api/2.1/clusters/edit', {
      cluster_id: c.clusterId,
      spark_version: '15.4.x-scala2.12',
      node_type_id: 'i3.xlarge',
      num_workers: 2,
      autoscale: { min_workers: 2, max_workers: 6 },
    });
    expect(edit.status).toBe(200);
    const after = (await call(s, 'GET', `/api/2.1/clusters/get?cluster_id=${c.clusterId}`)).body;
    expect(after.autoscale).toEqual({ min_workers: 2, max_workers: 6 });
    expect(c.spec.num_workers).toBeUndefined();
  });

  it('refuses a cluster edit with a malformed availability or first_on_demand', async () => {
    const s = await start((sc) => {
      sc.clusters = [{ name: 'analysts', team: 'finance', owner: 'alice@example.com' }];
    });
    const c = s.workspace.clusters.byName.get('analysts')!;
    const spec = { cluster_id: c.clusterId, spark_version: '15.4.x-scala2.12' };
    for (const aws_attributes of [
      { availability: 'on demand; DROP TABLE x' },
      { availability: 42 },
      { first_on_demand: -1 },
      { first_on_demand: 1.5 },
      'ON_DEMAND',
    ]) {
      const res = await call(s, 'POST', '/api/2.1/clusters/edit', { ...spec, aws_attributes });
      expect(res, JSON.stringify(aws_attributes)).toMatchObject({
        status: 400,
        body: { error_code: 'INVALID_PARAMETER_VALUE' },
      });
    }
  });

  it('starts, lists and stops a pipeline update and shows its events', async () => {
    const s = await start((sc) => {
      sc.pipelines = [
        { name: 'orders_dlt', team: 'finance', owner: 'alice@example.com', writes: ['main.finance.orders'] },
      ];
    });
    const list = await call(
      s,
      'GET',
      `/api/2.0/pipelines?filter=${encodeURIComponent("name LIKE '%orders%'")}`,
    );
    const p = (list.body.statuses as { pipeline_id: string; state: string }[])[0]!;
    expect(p.state).toBe('IDLE');
    const started = await call(s, 'POST', `/api/2.0/pipelines/${p.pipeline_id}/updates`, {
      full_refresh: false,
    });
    expect(typeof started.body.update_id).toBe('string');
    const dup = await call(s, 'POST', `/api/2.0/pipelines/${p.pipeline_id}/updates`, {});
    expect(dup.status).toBe(409);
    s.workspace.advanceBy(2 * MIN);
    const get = await call(s, 'GET', `/api/2.0/pipelines/${p.pipeline_id}`);
    expect(get.body.latest_updates).toEqual([expect.objectContaining({ update_id: started.body.update_id })]);
    await call(s, 'POST', `/api/2.0/pipelines/${p.pipeline_id}/stop`);
    const upd = await call(s, 'GET', `/api/2.0/pipelines/${p.pipeline_id}/updates/${started.body.update_id}`);
    expect(upd.body.update).toMatchObject({ state: 'CANCELED' });
    const events = await call(s, 'GET', `/api/2.0/pipelines/${p.pipeline_id}/events?max_results=2`);
    expect((events.body.events as unknown[]).length).toBe(2);
    expect(events.body.next_page_token).toBeDefined();
    expect((await call(s, 'GET', '/api/2.0/pipelines/00000000-0000-0000-0000-000000000000')).status).toBe(
      404,
    );
  });

  it("names a job's pipeline task as the cause of its update; a stop ends the run and a repair runs the task and those after it again", async () => {
    const s = await start((sc) => {
      sc.pipelines = [
        { name: 'orders_dlt', team: 'finance', owner: 'alice@example.com', writes: ['main.finance.orders'] },
      ];
      sc.jobs = [
        {
          name: 'revenue',
          team: 'finance',
          owner: 'alice@example.com',
          job_clusters: [{ key: 'etl', node_type: 'i3.xlarge', workers: 2 }],
          tasks: [
            { key: 'refresh', type: 'pipeline', pipeline: 'orders_dlt' },
            { key: 'build', cluster: 'etl', depends_on: ['refresh'], writes: ['main.finance.daily_revenue'] },
          ],
        },
      ];
    });
    const jobId = jobIdOf(s);
    const { body } = await call(s, 'POST', '/api/2.2/jobs/run-now', { job_id: jobId });
    const runId = body.run_id as number;
    s.workspace.advanceBy(10 * MIN);
    const pipelineId = [...s.workspace.pipelines.byId.keys()][0]!;
    const get = await call(s, 'GET', `/api/2.0/pipelines/${pipelineId}`);
    const [stuck] = get.body.latest_updates as { update_id: string }[];
    const upd = await call(s, 'GET', `/api/2.0/pipelines/${pipelineId}/updates/${stuck!.update_id}`);
    // A person's run-now, yet the job's task asked for the update.
    expect(upd.body.update).toMatchObject({ cause: 'JOB_TASK' });
    const active = await call(s, 'GET', '/api/2.2/jobs/runs/list?active_only=true&expand_tasks=true');
    const tasks = (active.body.runs as { run_id: number; tasks: Record<string, unknown>[] }[]).find(
      (r) => r.run_id === runId,
    )?.tasks;
    expect(tasks?.find((t) => t.task_key === 'refresh')).toMatchObject({
      pipeline_task: { pipeline_id: pipelineId },
    });

    await call(s, 'POST', `/api/2.0/pipelines/${pipelineId}/stop`);
    s.workspace.advanceBy(MIN);
    const stopped = await call(s, 'GET', `/api/2.2/jobs/runs/get?run_id=${runId}`);
    expect(stopped.body.state).toMatchObject({ life_cycle_state: 'TERMINATED', result_state: 'CANCELED' });
    const repair = await call(s, 'POST', '/api/2.2/jobs/runs/repair', {
      run_id: runId,
      rerun_all_failed_tasks: true,
    });
    expect(repair.status).toBe(200);
    s.workspace.advanceBy(60 * MIN);
    const repaired = await call(s, 'GET', `/api/2.2/jobs/runs/get?run_id=${runId}`);
    expect(repaired.body.state).toMatchObject({ result_state: 'SUCCESS' });
    const latest = (repaired.body.tasks as { task_key: string; state: { result_state: string } }[]).filter(
      (t, i, all) => all.findLastIndex((u) => u.task_key === t.task_key) === i,
    );
    expect(latest.map((t) => [t.task_key, t.state.result_state])).toEqual([
      ['refresh', 'SUCCESS'],
      ['build', 'SUCCESS'],
    ]);
  });

  it('lists query history newest first with has_next_page paging and a status filter', async () => {
    const s = await start((sc) => {
      sc.start = '2026-11-20T08:00:00Z';
      sc.warehouses = [{ name: 'bi', team: 'finance', owner: 'alice@example.com', queries_per_hour: 30 }];
    });
    s.workspace.advanceTo(Date.parse('2026-11-20T10:00:00Z'));
    const first = await call(s, 'GET', '/api/2.0/sql/history/queries?max_results=10&include_metrics=true');
    const res = first.body.res as { query_start_time_ms: number; status: string; metrics: unknown }[];
    expect(res).toHaveLength(10);
    expect(first.body.has_next_page).toBe(true);
    expect(res[0]!.query_start_time_ms).toBeGreaterThanOrEqual(res[9]!.query_start_time_ms);
    expect(res[0]!.metrics).toBeDefined();
    const next = await call(
      s,
      'GET',
      `/api/2.0/sql/history/queries?max_results=10&page_token=${first.body.next_page_token}`,
    );
    expect((next.body.res as unknown[]).length).toBeGreaterThan(0);
    const finished = await call(
      s,
      'GET',
      '/api/2.0/sql/history/queries?filter_by.statuses=FINISHED&max_results=999',
    );
    expect((finished.body.res as { status: string }[]).every((q) => q.status === 'FINISHED')).toBe(true);
  });
});

describe('sim server identity', () => {
  it('lists SCIM users with their groups, filters by userName, and shows job permissions', async () => {
    const s = await start();
    const all = await call(s, 'GET', '/api/2.0/preview/scim/v2/Users');
    expect(all.body.totalResults).toBe(1);
    const alice = await call(
      s,
      'GET',
      `/api/2.0/preview/scim/v2/Users?filter=${encodeURIComponent('userName eq "alice@example.com"')}`,
    );
    expect((alice.body.Resources as { groups: { display: string }[] }[])[0]?.groups).toEqual([
      expect.objectContaining({ display: 'finance-etl' }),
    ]);
    const groups = await call(s, 'GET', '/api/2.0/preview/scim/v2/Groups');
    expect((groups.body.Resources as { displayName: string }[]).map((g) => g.displayName)).toEqual([
      'finance-etl',
    ]);
    expect((await call(s, 'GET', '/api/2.0/preview/scim/v2/Users?filter=nonsense')).status).toBe(400);
    const perms = await call(s, 'GET', `/api/2.0/permissions/jobs/${jobIdOf(s)}`);
    expect(perms.body.access_control_list).toEqual(
      expect.arrayContaining([expect.objectContaining({ user_name: 'alice@example.com' })]),
    );
  });
});

describe('sim server permissions', () => {
  const owner = 'alice@example.com';
  const withObjects = (s: ScenarioInput) => {
    s.users = [
      { email: owner, team: 'finance', display_name: 'Alice' },
      { email: 'bob@example.com', team: 'finance' },
      { email: 'eve@example.com', team: 'finance', active: false },
    ];
    s.groups = [
      { name: 'finance-etl', members: [owner] },
      { name: 'oncall', members: ['bob@example.com'] },
    ];
    s.clusters = [{ name: 'shared', team: 'finance', owner }];
    s.warehouses = [{ name: 'bi', team: 'finance', owner, users: ['bob@example.com'] }];
    s.pipelines = [{ name: 'orders_dlt', team: 'finance', owner }];
    s.permissions = [
      { job: 'orders_etl', principal: 'oncall', level: 'CAN_MANAGE_RUN' },
      { cluster: 'shared', principal: 'oncall', level: 'CAN_RESTART' },
      { pipeline: 'orders_dlt', principal: 'bob@example.com', level: 'CAN_RUN' },
    ];
  };
  type Acl = {
    object_id: string;
    object_type: string;
    access_control_list: Record<string, unknown>[];
  };

  it("answers a job's ACL: its owner, the scenario's grants and the admins' inherited CAN_MANAGE", async () => {
    const s = await start(withObjects);
    const id = jobIdOf(s);
    const acl = (await call(s, 'GET', `/api/2.0/permissions/jobs/${id}`)).body as unknown as Acl;
    expect(acl.object_id).toBe(`/jobs/${id}`);
    expect(acl.object_type).toBe('job');
    expect(acl.access_control_list).toEqual([
      {
        user_name: owner,
        display_name: 'Alice',
        all_permissions: [{ permission_level: 'IS_OWNER', inherited: false }],
      },
      {
        group_name: 'oncall',
        display_name: 'oncall',
        all_permissions: [{ permission_level: 'CAN_MANAGE_RUN', inherited: false }],
      },
      {
        group_name: 'admins',
        display_name: 'admins',
        all_permissions: [
          { permission_level: 'CAN_MANAGE', inherited: true, inherited_from_object: ['/jobs/'] },
        ],
      },
    ]);
  });

  it('answers cluster, warehouse (under both paths) and pipeline ACLs with their own levels', async () => {
    const s = await start(withObjects);
    const cluster = [...s.workspace.clusters.byId.values()].find((c) => c.name === 'shared')!;
    const clusterAcl = (await call(s, 'GET', `/api/2.0/permissions/clusters/${cluster.clusterId}`))
      .body as unknown as Acl;
    expect(clusterAcl.access_control_list).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          user_name: owner,
          all_permissions: [{ permission_level: 'CAN_MANAGE', inherited: false }],
        }),
        expect.objectContaining({
          group_name: 'oncall',
          all_permissions: [{ permission_level: 'CAN_RESTART', inherited: false }],
        }),
      ]),
    );
    const warehouse = [...s.workspace.warehouses.byId.values()][0]!;
    const sqlPath = await call(s, 'GET', `/api/2.0/permissions/sql/warehouses/${warehouse.id}`);
    const sdkPath = await call(s, 'GET', `/api/2.0/permissions/warehouses/${warehouse.id}`);
    expect(sqlPath.body).toEqual(sdkPath.body);
    expect(sqlPath.body).toMatchObject({
      object_id: `/sql/warehouses/${warehouse.id}`,
      object_type: 'warehouses',
    });
    expect((sqlPath.body as unknown as Acl).access_control_list).toContainEqual(
      expect.objectContaining({
        user_name: 'bob@example.com',
        all_permissions: [{ permission_level: 'CAN_USE', inherited: false }],
      }),
    );
    const pipeline = [...s.workspace.pipelines.byId.values()][0]!;
    const pipelineAcl = (await call(s, 'GET', `/api/2.0/permissions/pipelines/${pipeline.pipelineId}`))
      .body as unknown as Acl;
    expect(pipelineAcl.access_control_list).toContainEqual(
      expect.objectContaining({
        user_name: 'bob@example.com',
        all_permissions: [{ permission_level: 'CAN_RUN', inherited: false }],
      }),
    );
  });

  it('lists a principal granted the same level twice once, with each distinct level', async () => {
    const s = await start((doc) => {
      withObjects(doc);
      doc.permissions = [
        { job: 'orders_etl', principal: 'oncall', level: 'CAN_VIEW' },
        { job: 'orders_etl', principal: 'oncall', level: 'CAN_VIEW' },
        { job: 'orders_etl', principal: 'oncall', level: 'CAN_MANAGE_RUN' },
        { job: 'orders_etl', principal: owner, level: 'CAN_MANAGE' },
      ];
    });
    const acl = (await call(s, 'GET', `/api/2.0/permissions/jobs/${jobIdOf(s)}`)).body as unknown as Acl;
    expect(acl.access_control_list.filter((e) => e.group_name === 'oncall')).toEqual([
      {
        group_name: 'oncall',
        display_name: 'oncall',
        all_permissions: [
          { permission_level: 'CAN_VIEW', inherited: false },
          { permission_level: 'CAN_MANAGE_RUN', inherited: false },
        ],
      },
    ]);
    expect(acl.access_control_list.filter((e) => e.user_name === owner)).toHaveLength(1);
  });

  it('answers the ACL of a missing object with 404 RESOURCE_DOES_NOT_EXIST', async () => {
    const s = await start(withObjects);
    for (const path of ['jobs/987654', 'clusters/nope-1', 'sql/warehouses/abc', 'pipelines/nope']) {
      expect(await call(s, 'GET', `/api/2.0/permissions/${path}`)).toMatchObject({
        status: 404,
        body: { error_code: 'RESOURCE_DOES_NOT_EXIST' },
      });
    }
  });

  it('finds SCIM users by e-mail case-insensitively, shows deactivated ones, and refuses other filters', async () => {
    const s = await start(withObjects);
    const find = (filter: string) =>
      call(s, 'GET', `/api/2.0/preview/scim/v2/Users?filter=${encodeURIComponent(filter)}`);
    const byEmail = await find('emails eq "Bob@Example.com"');
    expect(byEmail.body).toMatchObject({ totalResults: 1, Resources: [{ userName: 'bob@example.com' }] });
    expect((await find('emails.value eq "bob@example.com"')).body.totalResults).toBe(1);
    expect((await find('userName eq "ALICE@example.com"')).body.totalResults).toBe(1);
    expect((await find('userName eq "eve@example.com"')).body).toMatchObject({
      Resources: [{ active: false }],
    });
    expect((await find('title eq "x"')).status).toBe(400);
    expect((await find('userName eq "a" or userName ne "b"')).status).toBe(400);
  });
});

describe('sim server OAuth M2M', () => {
  it('issues a token for client credentials sent with Basic or as form fields, and accepts it', async () => {
    const s = await start(() => {}, { oauthClients: [{ clientId: 'sp-1', clientSecret: 'dose-secret' }] });
    const disco = (await (await fetch(`${s.url}/oidc/.well-known/oauth-authorization-server`)).json()) as {
      token_endpoint: string;
    };
    expect(disco.token_endpoint).toBe(`${s.url}/oidc/v1/token`);
    const basic = await fetch(`${s.url}/oidc/v1/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from('sp-1:dose-secret').toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials&scope=all-apis',
    });
    const tok = (await basic.json()) as { access_token: string };
    expect(tok).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
    expect((await call(s, 'GET', '/api/2.2/jobs/list', undefined, tok.access_token)).status).toBe(200);
    const form = await fetch(`${s.url}/oidc/v1/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: 'sp-1',
        client_secret: 'dose-secret',
      }),
    });
    expect(form.status).toBe(200);
    const wrong = await fetch(`${s.url}/oidc/v1/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: 'sp-1',
        client_secret: 'nope',
      }),
    });
    expect(wrong.status).toBe(401);
  });
});

describe('sim server webhooks', () => {
  it('posts job notifications with Basic auth and string ids, once per run even when a task retries', async () => {
    const received: { auth: string | undefined; body: Record<string, unknown> }[] = [];
    const receiver: Server = createServer((req, res) => {
      let data = '';
      req.on('data', (c) => {
        data += c;
      });
      req.on('end', () => {
        received.push({ auth: req.headers.authorization, body: JSON.parse(data) });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    open.push({ close: () => new Promise<void>((r) => receiver.close(() => r())) });
    const port = (receiver.address() as AddressInfo).port;
    const s = await start(
      (sc) => {
        sc.jobs![0]!.tasks[0]!.max_retries = 1;
        sc.faults = [
          {
            id: 'conflict',
            kind: 'concurrency_conflict',
            target: { job: 'orders_etl', task: 'extract' },
            start: '+0h',
            occurrences: 1,
            expected: { category: 'concurrency', severity: 'P4', action: 'RETRY' },
          },
          {
            id: 'bug',
            kind: 'task_error',
            target: { job: 'orders_etl', task: 'load' },
            start: '+0h',
            end: '+1h',
            expected: { category: 'syntax', severity: 'P3', action: 'NOTIFY_OWNER' },
          },
        ];
      },
      { webhook: { url: `http://127.0.0.1:${port}/hook`, username: 'dbx', password: 's3cret' } },
    );
    s.workspace.advanceTo(START + 55 * MIN);
    await s.webhooksSettled();
    const types = received.map((r) => r.body.event_type);
    expect(types).toEqual(['jobs.on_start', 'jobs.on_failure']);
    expect(received[0]?.auth).toBe(`Basic ${Buffer.from('dbx:s3cret').toString('base64')}`);
    expect(received[1]?.body).toEqual({
      event_type: 'jobs.on_failure',
      workspace_id: '1234567890123456',
      run: { run_id: expect.stringMatching(/^\d{15}$/) },
      job: { job_id: String(jobIdOf(s)), name: 'orders_etl' },
    });
  });
});

describe('sim server clock and payload options', () => {
  it('moves the simulated clock by itself at the given speed', async () => {
    const s = await start(() => {}, { speed: 3600 });
    const before = s.workspace.now();
    await new Promise((r) => setTimeout(r, 600));
    expect(s.workspace.now()).toBeGreaterThan(before);
    const list = await call(s, 'GET', '/api/2.2/jobs/runs/list');
    expect(list.status).toBe(200);
  });

  it('holds the clock still with clockWaits until startClock, then moves it at the given speed', async () => {
    const s = await start(() => {}, { speed: 3600, clockWaits: true });
    const before = s.workspace.now();
    await new Promise((r) => setTimeout(r, 600));
    expect(s.workspace.now()).toBe(before);
    s.startClock();
    await expect.poll(() => s.workspace.now(), { timeout: 5_000 }).toBeGreaterThan(before);
  });

  it('sends ids as numbers when asked to', async () => {
    const e = {
      event_type: 'jobs.on_start' as const,
      jobId: 123456789012345,
      jobName: 'j',
      runId: 987654321098765,
      at: 0,
    };
    expect(webhookPayload(e, '1234567890123456', true)).toEqual({
      event_type: 'jobs.on_start',
      workspace_id: 1234567890123456,
      run: { run_id: 987654321098765 },
      job: { job_id: 123456789012345, name: 'j' },
    });
  });

  it('answers a wrong method on a known path with 405 and never a stack trace', async () => {
    const s = await start();
    const r = await call(s, 'DELETE', '/api/2.2/jobs/list');
    expect(r.status).toBe(405);
    expect(r.body.error_code).toBe('BAD_REQUEST');
  });
});

describe('sim server in-process fetch', () => {
  async function both(
    s: SimServerHandle,
    method: string,
    path: string,
    body?: string,
    token: string | null = TOKEN,
  ) {
    const headers: Record<string, string> = {};
    if (token !== null) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const overHttp = await fetch(`${s.url}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body }),
    });
    const inProcess = await s.fetch(`${s.url}${path}`, {
      method,
      headers,
      body,
      signal: new AbortController().signal,
    });
    const read = async (r: Response | Awaited<ReturnType<SimServerHandle['fetch']>>) => ({
      status: r.status,
      ok: r.ok,
      statusText: r.statusText,
      contentType: r.headers.get('content-type'),
      retryAfter: r.headers.get('retry-after'),
      text: await r.text(),
    });
    return { overHttp: await read(overHttp), inProcess: await read(inProcess) };
  }

  it('answers every kind of call as the server does over HTTP: status, body text and headers', async () => {
    const s = await start(
      (sc) => {
        sc.faults = [
          {
            id: 't',
            kind: 'throttle',
            target: {},
            start: '+1h',
            end: '+1.5h',
            expected: { category: 'network', severity: 'P4', action: 'RETRY' },
          },
        ];
      },
      { maxBodyBytes: 1024 },
    );
    const calls: [string, string, string?, (string | null)?][] = [
      ['GET', '/api/2.2/jobs/list?limit=2'],
      ['GET', `/api/2.2/jobs/get?job_id=${jobIdOf(s)}`],
      ['GET', '/api/2.2/jobs/get?job_id=abc'],
      ['GET', '/api/2.2/jobs/list', undefined, null],
      ['GET', '/api/2.2/jobs/list', undefined, 'dapi-wrong'],
      ['GET', '/api/2.2/no/such/api'],
      ['DELETE', '/api/2.2/jobs/list'],
      ['POST', '/api/2.2/jobs/run-now', '{"job_id": '],
      ['POST', '/api/2.2/jobs/create', JSON.stringify({ name: 'x', description: 'a'.repeat(2048) })],
      ['GET', '/oidc/.well-known/oauth-authorization-server'],
    ];
    for (const [method, path, body, token] of calls) {
      const { overHttp, inProcess } = await both(s, method, path, body, token);
      expect(inProcess, `${method} ${path}`).toEqual(overHttp);
    }
    s.workspace.advanceTo(START + 65 * MIN);
    const throttled = await both(s, 'GET', '/api/2.2/jobs/list');
    expect(throttled.inProcess.status).toBe(429);
    expect(throttled.inProcess).toEqual(throttled.overHttp);
  });

  it('acts on a call that changes the workspace, as over HTTP', async () => {
    const s = await start();
    const created = await s.fetch(`${s.url}/api/2.2/jobs/create`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'made in-process' }),
      signal: new AbortController().signal,
    });
    const { job_id } = JSON.parse(await created.text()) as { job_id: number };
    const read = await call(s, 'GET', `/api/2.2/jobs/get?job_id=${job_id}`);
    expect(read.body).toMatchObject({ job_id, settings: { name: 'made in-process' } });
  });

  it('refuses a call whose signal is already aborted, as fetch does', async () => {
    const s = await start();
    const aborted = new AbortController();
    aborted.abort(new Error('gave up'));
    await expect(
      s.fetch(`${s.url}/api/2.2/jobs/list`, {
        method: 'GET',
        headers: {},
        body: undefined,
        signal: aborted.signal,
      }),
    ).rejects.toThrow('gave up');
  });
});
