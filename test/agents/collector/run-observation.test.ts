import { describe, expect, it } from 'vitest';
import type { JobInfo } from '../../../src/agents/collector/job-info.js';
import { toRunObservation } from '../../../src/agents/collector/run-observation.js';
import type { Topology } from '../../../src/agents/collector/topology.js';
import { classifyError } from '../../../src/agents/classifier/classify-error.js';
import { detectRunFailures } from '../../../src/agents/detector/detect-run-failures.js';
import { type RunObservation, runObservationSchema } from '../../../src/agents/detector/observations.js';
import { parseDatabricksJson } from '../../../src/databricks/rest/databricks-json.js';
import { type Run, runSchema } from '../../../src/databricks/rest/jobs-api.js';
import { Prng } from '../../../src/sim/engine/prng.js';

const START = Date.UTC(2026, 10, 20, 3, 0);

/** A run as the REST client hands it over: the response text through the client's own parse. */
function restRun(raw: Record<string, unknown>): Run {
  return runSchema.parse(parseDatabricksJson(JSON.stringify(raw)));
}

function task(key: string, n: number, result: string, extra: Record<string, unknown> = {}) {
  return {
    task_key: key,
    run_id: 9_000 + n,
    attempt_number: 0,
    state: { life_cycle_state: 'TERMINATED', result_state: result },
    start_time: START,
    end_time: START + 60_000,
    ...extra,
  };
}

function failedRun(extra: Record<string, unknown> = {}) {
  return {
    job_id: 42,
    run_id: 777,
    run_name: 'nightly_orders',
    trigger: 'PERIODIC',
    start_time: START,
    end_time: START + 120_000,
    run_page_url: 'https://dbc-1.cloud.databricks.com/jobs/42/runs/777',
    state: { life_cycle_state: 'TERMINATED', result_state: 'FAILED', state_message: 'Task load failed' },
    tasks: [
      task('extract', 1, 'SUCCESS'),
      task('load', 2, 'FAILED', { depends_on: [{ task_key: 'extract' }] }),
    ],
    ...extra,
  };
}

function observe(raw: Record<string, unknown>, context: { info?: JobInfo; topology?: Topology } = {}) {
  const observed = toRunObservation('ws-1', restRun(raw), context);
  if (!observed.ok) throw new Error(observed.userMessage);
  return observed.value;
}

/** What the observation schema makes of an observation: a valid one comes back exactly as it went in. */
function revalidated(observation: RunObservation): unknown {
  return runObservationSchema.parse(observation);
}

describe('toRunObservation', () => {
  it('still reports the failure of a job whose name is longer than an observation holds', () => {
    const name = `orders_${'x'.repeat(700)}`;
    const observation = observe(failedRun({ run_name: name }));
    expect(observation.jobName).toHaveLength(512);
    expect(observation.jobName?.endsWith('…')).toBe(true);
    expect(revalidated(observation)).toStrictEqual(observation);
    const { signals } = detectRunFailures([observation], START + 180_000, { classify: classifyError });
    expect(signals.map((s) => s.kind)).toEqual(['task_failed']);
  });

  it('keeps the head of an error text too long to store, where the message sits', () => {
    const message = `Py4JJavaError: disk full\n${'  at frame\n'.repeat(20_000)}`;
    const observation = observe(
      failedRun({
        tasks: [task('load', 2, 'FAILED', { state: { result_state: 'FAILED', state_message: message } })],
      }),
    );
    expect(observation.tasks[0]?.stateMessage).toBe(message.slice(0, 65_536));
    expect(revalidated(observation)).toStrictEqual(observation);
  });

  it('refuses a run that belongs to no job, naming the run', () => {
    const { job_id: _, ...submitted } = failedRun();
    const observed = toRunObservation('ws-1', restRun(submitted), {});
    expect(observed).toMatchObject({ ok: false, reason: 'invalid_run' });
    expect(observed.ok ? '' : observed.userMessage).toContain('Run 777');
  });

  it('cleans ids the store could not hold and drops links that are not http(s)', () => {
    const observation = observe(
      failedRun({
        run_page_url: 'javascript:alert(1)',
        tasks: [task('load', 2, 'FAILED', { cluster_instance: { cluster_id: '0101-abc\u0000def' } })],
      }),
    );
    expect(observation.tasks[0]?.clusterId).toBe('0101-abc\ufffddef');
    expect(observation.computeIds).toEqual(['0101-abc\ufffddef']);
    expect(observation.runPageUrl).toBeUndefined();
  });

  it('keeps the failed attempts of a run listing more task attempts than an observation holds', () => {
    const tasks = Array.from({ length: 1_500 }, (_, i) =>
      task(`t${i}`, i, i >= 1_490 ? 'FAILED' : 'SUCCESS'),
    );
    const observation = observe(failedRun({ tasks }));
    expect(observation.tasks).toHaveLength(1_000);
    expect(observation.tasks.filter((t) => t.resultState === 'FAILED')).toHaveLength(10);
    expect(observation.tasks[0]?.taskKey).toBe('t0');
  });

  it('takes names, tags, owner and tables from the job, and a task without a key still counts', () => {
    const info: JobInfo = {
      jobId: '42',
      name: 'orders',
      tags: { team: 'payments', ['k'.repeat(300)]: 'dropped', note: 'y'.repeat(600) },
      owner: 'ana@example.com',
      maxRetries: { load: 2 },
      childJobIds: [],
      computeIds: ['wh-1'],
      pipelineIds: [],
    };
    const topology: Topology = {
      workspaceId: 'ws-1',
      builtAt: START,
      jobs: [
        {
          jobId: '42',
          name: 'orders',
          tags: { criticality: 'financial-critical' },
          tablesRead: ['main.raw.orders', ''],
          tablesWritten: ['main.gold.orders'],
          computeIds: [],
        },
      ],
      jobEdges: [],
      slas: [],
    };
    const observation = observe(failedRun({ tasks: [task('', 3, 'FAILED'), task('load', 2, 'FAILED')] }), {
      info,
      topology,
    });
    expect(observation).toMatchObject({
      jobName: 'orders',
      owner: 'ana@example.com',
      tags: { team: 'payments', criticality: 'financial-critical' },
      tablesRead: ['main.raw.orders'],
      tablesWritten: ['main.gold.orders'],
      computeIds: ['wh-1'],
    });
    expect(Object.keys(observation.tags)).not.toContain('k'.repeat(300));
    expect(observation.tags.note).toHaveLength(512);
    expect(observation.tasks.map((t) => [t.taskKey, t.maxRetries])).toEqual([
      ['(unnamed task)', undefined],
      ['load', 2],
    ]);
    expect(revalidated(observation)).toStrictEqual(observation);
  });

  it('maps 2,000 random, partly hostile runs to observations the schema accepts unchanged', () => {
    const rng = new Prng(2026);
    const text = () =>
      rng.pick([
        () => '',
        () => '   ',
        () => rng.chars(rng.int(1, 40)),
        () => 'é😀\u0000\ud800 tail',
        () => 'x'.repeat(rng.pick([127, 128, 129, 255, 256, 257, 511, 512, 513, 3_000])),
        () => `${'y'.repeat(511)}😀`,
      ])();
    const maybe = <T>(value: () => T) => (rng.chance(0.3) ? undefined : value());
    const time = () => rng.pick([0, -5, 1.5, START, START + 0.25, 1.5e300]);
    const url = () =>
      rng.pick([
        'https://dbc-1.cloud.databricks.com/jobs/1/runs/2',
        ' https://dbc-1.cloud.databricks.com/jobs/1/runs/2\t',
        'http://h/a\nb',
        'https:/no-slashes',
        'ftp://dbc-1/x',
        'javascript:alert(1)',
        'not a url',
        `https://h/${'p'.repeat(2_100)}`,
      ]);
    const state = () => ({
      life_cycle_state: maybe(() => rng.pick(['TERMINATED', 'INTERNAL_ERROR', 'SKIPPED', text()])),
      result_state: maybe(() => rng.pick(['SUCCESS', 'FAILED', 'TIMEDOUT', 'UPSTREAM_FAILED', text()])),
      state_message: maybe(text),
    });
    for (let i = 0; i < 2_000; i++) {
      const tasks = Array.from({ length: rng.chance(0.01) ? 1_001 : rng.pick([0, 1, 3]) }, (_, n) => ({
        task_key: text(),
        run_id: 10_000 + n,
        attempt_number: maybe(() => rng.pick([0, 1, -3])),
        state: maybe(state),
        status: maybe(() => ({ state: text(), termination_details: { code: text(), message: text() } })),
        start_time: maybe(time),
        end_time: maybe(time),
        depends_on: maybe(() => [{ task_key: text() }]),
        existing_cluster_id: maybe(text),
        cluster_instance: maybe(() => ({ cluster_id: maybe(text) })),
      }));
      const run = restRun({
        job_id: rng.pick([1, 42, '9007199254740991']),
        run_id: 500 + i,
        run_name: maybe(text),
        creator_user_name: maybe(text),
        trigger: maybe(() => rng.pick(['PERIODIC', 'RUN_JOB_TASK', text()])),
        start_time: maybe(time),
        end_time: maybe(time),
        run_page_url: maybe(url),
        state: maybe(state),
        status: maybe(() => ({ termination_details: { code: text(), type: text(), message: text() } })),
        tasks,
      });
      const info: JobInfo | undefined = maybe(() => ({
        jobId: '42',
        name: maybe(text),
        tags: { [text()]: text(), team: text() },
        owner: maybe(text),
        maxRetries: { [tasks[0]?.task_key ?? 'x']: rng.pick([-2, -1, 0, 3, 1.5]) },
        childJobIds: [],
        computeIds: [text(), text()],
        pipelineIds: [],
      }));
      const observed = toRunObservation('ws-1', run, { info });
      if (!observed.ok) throw new Error(observed.userMessage);
      expect(revalidated(observed.value)).toStrictEqual(observed.value);
    }
  });
});
