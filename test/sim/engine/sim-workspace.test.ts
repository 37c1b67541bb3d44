import { describe, expect, it } from 'vitest';
import { runJson } from '../../../src/sim/engine/rest-views.js';
import { SimWorkspace } from '../../../src/sim/engine/sim-workspace.js';
import { MemorySink } from '../../../src/sim/memory-sink.js';
import { runScenario } from '../../../src/sim/run-scenario.js';
import type { ScenarioInput } from '../../../src/sim/scenario/schema.js';
import { scenarioWith } from '../fixtures.js';

const MIN = 60_000;
const HOUR = 3_600_000;
const START = Date.parse('2026-11-20T00:00:00Z');

function workspace(change: (s: ScenarioInput) => void = () => {}, seed = 7) {
  const sink = new MemorySink();
  const ws = new SimWorkspace({ scenario: scenarioWith(change), seed, sink });
  return { ws, sink };
}

/** The finance team's jobs deployed `factor`× wider from `start` to `end`. */
function financeCostSpike(
  start: string,
  end: string,
  factor: number,
): NonNullable<ScenarioInput['faults']>[number] {
  return {
    id: 'spike',
    kind: 'cost_spike',
    target: { team: 'finance' },
    start,
    end,
    factor,
    expected: { category: 'config', severity: 'P3', action: 'NOTIFY_OWNER' },
  };
}

describe('job SLAs as tags', () => {
  it('writes a maximum-age SLA as the sla_max_age, sla_warn_after and sla_table tags, as a team would on a real workspace', () => {
    const { ws } = workspace((s) => {
      s.jobs![0]!.sla = { max_age: '2h', warn_after: '90m', table: 'main.finance.orders' };
    });
    const tags = ws.listJobs()[0]?.settings.tags;
    expect(tags).toMatchObject({
      sla_max_age: '2h',
      sla_warn_after: '90m',
      sla_table: 'main.finance.orders',
    });
    expect(tags).not.toHaveProperty('sla');
  });
});

function firstRun(ws: SimWorkspace) {
  const runs = ws.listRuns({});
  const run = runs.at(-1);
  if (!run) throw new Error('no run');
  return run;
}

function taskStates(ws: SimWorkspace, runId: number) {
  const body = runJson(ws, ws.getRun(runId));
  return (
    body.tasks as {
      task_key: string;
      attempt_number: number;
      state: { life_cycle_state: string; result_state?: string };
    }[]
  ).map(
    (t) => `${t.task_key}#${t.attempt_number}:${t.state.life_cycle_state}/${t.state.result_state ?? '-'}`,
  );
}

describe('SimWorkspace determinism', () => {
  it('produces byte-identical rows and REST bodies for the same scenario and seed', async () => {
    const scenario = scenarioWith(() => {});
    const a = new MemorySink();
    const b = new MemorySink();
    const wa = await runScenario({ scenario, seed: 42, sink: a });
    const wb = await runScenario({ scenario, seed: 42, sink: b });
    expect(JSON.stringify([...a.tables])).toBe(JSON.stringify([...b.tables]));
    expect(JSON.stringify(wa.listRuns({}).map((r) => runJson(wa, r)))).toBe(
      JSON.stringify(wb.listRuns({}).map((r) => runJson(wb, r))),
    );
  });

  it('produces different rows for a different seed', async () => {
    const scenario = scenarioWith(() => {});
    const a = new MemorySink();
    const b = new MemorySink();
    await runScenario({ scenario, seed: 1, sink: a });
    await runScenario({ scenario, seed: 2, sink: b });
    expect(JSON.stringify(a.rows('lakeflow.job_run_timeline'))).not.toBe(
      JSON.stringify(b.rows('lakeflow.job_run_timeline')),
    );
  });
});

describe('SimWorkspace run state machine', () => {
  it('moves a scheduled run from PENDING (cluster setup) to RUNNING to TERMINATED/SUCCESS', () => {
    const { ws } = workspace();
    ws.advanceTo(START + 1000);
    const run = firstRun(ws);
    expect((runJson(ws, run).state as { life_cycle_state: string }).life_cycle_state).toBe('PENDING');
    ws.advanceTo(START + 8 * MIN);
    expect((runJson(ws, run).state as { life_cycle_state: string }).life_cycle_state).toBe('RUNNING');
    ws.advanceTo(START + 50 * MIN);
    const body = runJson(ws, run);
    expect(body.state).toMatchObject({ life_cycle_state: 'TERMINATED', result_state: 'SUCCESS' });
    expect(body.trigger).toBe('PERIODIC');
    expect(taskStates(ws, run.runId)).toEqual([
      'extract#0:TERMINATED/SUCCESS',
      'transform#0:TERMINATED/SUCCESS',
      'load#0:TERMINATED/SUCCESS',
    ]);
  });

  it('writes timeline rows with the result only on the end row, plus lineage, audit, billing and etl_audit', () => {
    const { ws, sink } = workspace();
    ws.advanceTo(START + 55 * MIN);
    const run = firstRun(ws);
    const rows = sink.rows('lakeflow.job_run_timeline').filter((r) => r.run_id === String(run.runId));
    expect(rows.at(-1)).toMatchObject({
      result_state: 'SUCCEEDED',
      termination_code: 'SUCCESS',
      trigger_type: 'CRON',
    });
    expect(rows.slice(0, -1).every((r) => r.result_state === null)).toBe(true);
    expect(
      sink.rows('lakeflow.job_task_run_timeline').filter((r) => r.job_run_id === String(run.runId)),
    ).toHaveLength(3);
    expect(
      sink
        .rows('access.table_lineage')
        .some((r) => r.target_table_full_name === 'main.finance.daily_revenue' && r.entity_type === 'JOB'),
    ).toBe(true);
    expect(sink.rows('ops.etl_audit').map((r) => r.table_full_name)).toContain('main.finance.orders');
    expect(sink.rows('access.audit').map((r) => r.action_name)).toEqual(
      expect.arrayContaining(['runStart', 'runSucceeded']),
    );
    const usage = sink
      .rows('billing.usage')
      .filter((r) => (r.usage_metadata as { job_run_id: string }).job_run_id === String(run.runId));
    expect(usage.length).toBeGreaterThan(0);
    expect(usage[0]).toMatchObject({
      sku_name: 'PREMIUM_JOBS_COMPUTE',
      custom_tags: expect.objectContaining({ team: 'finance', cost_center: 'CC-100' }),
    });
    expect(sink.rows('compute.clusters').some((r) => r.cluster_source === 'JOB')).toBe(true);
  });

  it('writes finished hourly slices of a run still in flight, and the end row when it ends', () => {
    const { ws, sink } = workspace((s) => {
      s.jobs![0]!.tasks[0]!.duration = { mean_minutes: 90, jitter: 0 };
    });
    ws.advanceTo(START + 65 * MIN);
    const run = firstRun(ws);
    const mine = () => sink.rows('lakeflow.job_run_timeline').filter((r) => r.run_id === String(run.runId));
    expect(mine()).toEqual([
      expect.objectContaining({
        period_start_time: START,
        period_end_time: START + 60 * MIN,
        result_state: null,
      }),
    ]);
    expect(
      sink.rows('lakeflow.job_task_run_timeline').filter((r) => r.job_run_id === String(run.runId)),
    ).toHaveLength(1);
    ws.advanceTo(START + 3 * 60 * MIN);
    const rows = mine();
    expect(rows.filter((r) => r.result_state !== null)).toHaveLength(1);
    for (let i = 1; i < rows.length; i++)
      expect(rows[i]?.period_start_time).toBe(rows[i - 1]?.period_end_time);
    expect(rows.at(-1)).toMatchObject({
      result_state: 'SUCCEEDED',
      run_duration_seconds: Math.round((run.endTime! - START) / 1000),
    });
  });

  it('retries a failed task as a new task run with the next attempt number', () => {
    const { ws, sink } = workspace((s) => {
      s.jobs![0]!.tasks[0]!.max_retries = 2;
      s.faults = [
        {
          id: 'conflict',
          kind: 'concurrency_conflict',
          target: { job: 'orders_etl', task: 'extract' },
          start: '+0h',
          occurrences: 1,
          expected: { category: 'concurrency', severity: 'P4', action: 'RETRY' },
        },
      ];
    });
    ws.advanceTo(START + 55 * MIN);
    const run = firstRun(ws);
    expect(taskStates(ws, run.runId).slice(0, 2)).toEqual([
      'extract#0:TERMINATED/FAILED',
      'extract#1:TERMINATED/SUCCESS',
    ]);
    expect(run.result).toBe('SUCCESS');
    const extractRows = sink
      .rows('lakeflow.job_task_run_timeline')
      .filter((r) => r.task_key === 'extract' && r.result_state !== null);
    expect(extractRows.map((r) => r.result_state)).toEqual(['FAILED', 'SUCCEEDED']);
    const failed = ws.getTaskRun(run.tasks[0]!.runId).task;
    expect(failed.failure?.error).toContain('[DELTA_CONCURRENT_APPEND] ConcurrentAppendException');
    expect(ws.faults()[0]?.affected_run_ids).toEqual([String(run.runId)]);
  });

  it('skips downstream tasks as UPSTREAM_FAILED when an upstream task times out, and records the cascade', () => {
    const { ws, sink } = workspace((s) => {
      s.jobs![0]!.tasks[0]!.timeout_seconds = 600;
      s.faults = [
        {
          id: 'extract-timeout',
          kind: 'timeout',
          target: { job: 'orders_etl', task: 'extract' },
          start: '+0h',
          end: '+1h',
          expected: { category: 'timeout', severity: 'P2', action: 'RETRY_WITH_NEW_PARAMS' },
        },
        {
          id: 'skips',
          kind: 'skipped_downstream',
          target: { job: 'orders_etl' },
          start: '+0h',
          end: '+2h',
          caused_by: 'extract-timeout',
          expected: { category: 'dependency', severity: 'P3', action: 'NOTIFY_OWNER' },
        },
        {
          id: 'stale',
          kind: 'stale_table',
          target: { table: 'main.finance.daily_revenue' },
          start: '+0h',
          end: '+2h',
          caused_by: 'extract-timeout',
          expected: { category: 'dependency', severity: 'P1', action: 'ESCALATE' },
        },
      ];
    });
    ws.advanceTo(START + 40 * MIN);
    const run = firstRun(ws);
    expect(taskStates(ws, run.runId)).toEqual([
      'extract#0:TERMINATED/TIMEDOUT',
      'transform#0:SKIPPED/UPSTREAM_FAILED',
      'load#0:SKIPPED/UPSTREAM_FAILED',
    ]);
    const body = runJson(ws, run);
    expect(body.state).toMatchObject({ result_state: 'TIMEDOUT' });
    expect((body.state as { state_message: string }).state_message).toContain(
      'Run timed out after 600 seconds',
    );
    const taskRows = sink
      .rows('lakeflow.job_task_run_timeline')
      .filter((r) => r.job_run_id === String(run.runId));
    expect(taskRows.map((r) => r.result_state)).toEqual(['TIMED_OUT', 'SKIPPED', 'SKIPPED']);
    const truth = Object.fromEntries(ws.faults().map((f) => [f.id, f]));
    expect(truth.skips?.affected_run_ids).toEqual([String(run.runId)]);
    expect(truth.stale?.affected_task_run_ids).toHaveLength(1);
  });

  it('bills a failed run and keeps only a bounded history of runs per job', () => {
    const sink = new MemorySink();
    const ws = new SimWorkspace({
      scenario: scenarioWith((s) => {
        s.faults = [
          {
            id: 'bug',
            kind: 'task_error',
            target: { job: 'orders_etl', task: 'load' },
            start: '+0h',
            end: '+6h',
            message: "KeyError: 'customer_id'",
            expected: { category: 'syntax', severity: 'P3', action: 'NOTIFY_OWNER' },
          },
        ];
      }),
      sink,
      recentRunsPerJob: 3,
    });
    ws.advanceTo(START + 6 * HOUR);
    expect(ws.listRuns({}).length).toBeLessThanOrEqual(4);
    const failedIds = new Set(
      sink
        .rows('lakeflow.job_run_timeline')
        .filter((r) => r.result_state === 'FAILED')
        .map((r) => r.run_id),
    );
    expect(failedIds.size).toBeGreaterThanOrEqual(5);
    const billedRuns = new Set(
      sink.rows('billing.usage').map((r) => (r.usage_metadata as { job_run_id: string }).job_run_id),
    );
    for (const id of failedIds) expect(billedRuns.has(id as string)).toBe(true);
    expect(() => ws.getRun(Number([...failedIds][0]))).toThrow(/does not exist/);
  });
});

describe('SimWorkspace reactions to remediations', () => {
  it('succeeds when a transient failure is repaired', () => {
    const { ws } = workspace((s) => {
      s.faults = [
        {
          id: 'blip',
          kind: 'task_error',
          target: { job: 'orders_etl', task: 'transform' },
          start: '+0h',
          end: '+3h',
          // A network blip: the repair's read goes through.
          transient: true,
          expected: { category: 'network', severity: 'P3', action: 'RETRY' },
        },
      ];
    });
    ws.advanceTo(START + 40 * MIN);
    const run = firstRun(ws);
    expect(run.result).toBe('FAILED');
    const repairId = ws.repairRun(run.runId, { user: 'oncall@example.com', rerunAllFailed: true });
    expect(repairId).toBeGreaterThan(0);
    expect(run.phase).toBe('RUNNING');
    ws.advanceTo(START + 80 * MIN);
    expect(run.result).toBe('SUCCESS');
    expect(taskStates(ws, run.runId).slice(-2)).toEqual([
      'transform#1:TERMINATED/SUCCESS',
      'load#1:TERMINATED/SUCCESS',
    ]);
    expect(() => ws.repairRun(run.runId, { user: 'x', rerunTasks: ['load'] })).toThrow(/latest repair ID/);
  });

  it('repairs the failed tasks and leaves a later task that succeeded alone, unless dependents are asked for', () => {
    // The first run succeeds; a repair of transform alone then fails it (its source went missing), so
    // load's latest attempt is still the one that succeeded.
    const failedTransformOnly = () => {
      const { ws } = workspace((s) => {
        s.faults = [
          {
            id: 'missing-source',
            kind: 'task_error',
            target: { job: 'orders_etl', task: 'transform' },
            start: '+0.5h',
            end: '+1.25h',
            expected: { category: 'missing_object', severity: 'P3', action: 'NOTIFY_OWNER' },
          },
        ];
      });
      ws.advanceTo(START + 40 * MIN);
      const run = firstRun(ws);
      expect(run.result).toBe('SUCCESS');
      const repairId = ws.repairRun(run.runId, { user: 'oncall@example.com', rerunTasks: ['transform'] });
      ws.advanceTo(START + 90 * MIN);
      expect(run.result).toBe('FAILED');
      return { ws, run, repairId };
    };
    const runsOf = (ws: SimWorkspace, runId: number, key: string) =>
      taskStates(ws, runId).filter((t) => t.startsWith(`${key}#`));
    // Once the source is back: a repair of all failed tasks, as dbxops sends it.
    const repairAllFailed = (failed: ReturnType<typeof failedTransformOnly>, rerunDependents: boolean) => {
      failed.ws.repairRun(failed.run.runId, {
        user: 'oncall@example.com',
        rerunAllFailed: true,
        rerunDependents,
        latestRepairId: failed.repairId,
      });
      failed.ws.advanceTo(START + 130 * MIN);
    };

    const allFailed = failedTransformOnly();
    repairAllFailed(allFailed, false);
    expect(allFailed.run.result).toBe('SUCCESS');
    expect(runsOf(allFailed.ws, allFailed.run.runId, 'transform')).toHaveLength(3);
    expect(runsOf(allFailed.ws, allFailed.run.runId, 'load')).toEqual(['load#0:TERMINATED/SUCCESS']);

    const withDependents = failedTransformOnly();
    repairAllFailed(withDependents, true);
    expect(withDependents.run.result).toBe('SUCCESS');
    expect(runsOf(withDependents.ws, withDependents.run.runId, 'load')).toEqual([
      'load#0:TERMINATED/SUCCESS',
      'load#1:TERMINATED/SUCCESS',
    ]);
  });

  it("fails a repair again while the error's cause stays, whatever answer the scenario expects", () => {
    const { ws } = workspace((s) => {
      s.faults = [
        {
          id: 'missing-table',
          kind: 'task_error',
          target: { job: 'orders_etl', task: 'transform' },
          start: '+0h',
          end: '+3h',
          // A wrong ground truth must not make the engine oblige: the table is still missing.
          expected: { category: 'network', severity: 'P3', action: 'RETRY' },
        },
      ];
    });
    ws.advanceTo(START + 40 * MIN);
    const run = firstRun(ws);
    expect(run.result).toBe('FAILED');
    ws.repairRun(run.runId, { user: 'oncall@example.com', rerunAllFailed: true });
    ws.advanceTo(START + 80 * MIN);
    expect(run.result).toBe('FAILED');
    expect(run.tasks.filter((t) => t.key === 'transform').at(-1)?.failure?.error).toMatch(
      /TABLE_OR_VIEW_NOT_FOUND/,
    );
  });

  it('gets past a concurrent-append conflict on repair: the retry commits on the new snapshot', () => {
    const { ws } = workspace((s) => {
      s.faults = [
        {
          id: 'race',
          kind: 'concurrency_conflict',
          target: { job: 'orders_etl', task: 'transform' },
          start: '+0h',
          end: '+3h',
          expected: { category: 'concurrency', severity: 'P3', action: 'NOTIFY_OWNER' },
        },
      ];
    });
    ws.advanceTo(START + 40 * MIN);
    const run = firstRun(ws);
    expect(run.result).toBe('FAILED');
    ws.repairRun(run.runId, { user: 'oncall@example.com', rerunAllFailed: true });
    ws.advanceTo(START + 80 * MIN);
    expect(run.result).toBe('SUCCESS');
  });

  it("leaves the scheduled workload's runs as they were when a person repairs one", async () => {
    const race = (s: ScenarioInput) => {
      s.faults = [
        {
          id: 'race',
          kind: 'concurrency_conflict',
          target: { job: 'orders_etl', task: 'transform' },
          start: '+0h',
          occurrences: 1,
          expected: { category: 'concurrency', severity: 'P3', action: 'RETRY' },
        },
      ];
    };
    const scheduled = async (repair: boolean) => {
      const { ws, sink } = workspace(race);
      ws.advanceTo(START + 40 * MIN);
      const failed = firstRun(ws);
      if (repair)
        ws.byPerson(() => ws.repairRun(failed.runId, { user: 'oncall@example.com', rerunAllFailed: true }));
      ws.advanceTo(START + 5 * HOUR);
      await ws.flush();
      return sink
        .rows('lakeflow.job_run_timeline')
        .filter((r) => r.period_start_time !== undefined && Number(r.period_start_time) >= START + HOUR)
        .map((r) => [r.job_id, r.period_start_time, r.period_end_time, r.result_state].join(' '));
    };
    const untouched = await scheduled(false);
    expect(untouched.length).toBeGreaterThan(3);
    expect(await scheduled(true)).toEqual(untouched);
  });

  it('keeps failing with OutOfMemoryError until the job cluster is made bigger', () => {
    const { ws } = workspace((s) => {
      s.faults = [
        {
          id: 'oom',
          kind: 'oom',
          target: { job: 'orders_etl', task: 'transform' },
          start: '+0h',
          end: '+6h',
          expected: { category: 'resource', severity: 'P2', action: 'RETRY_WITH_NEW_PARAMS' },
        },
      ];
    });
    ws.advanceTo(START + 40 * MIN);
    const run = firstRun(ws);
    const failed = run.tasks.find((t) => t.key === 'transform');
    expect(failed?.failure?.error).toBe('java.lang.OutOfMemoryError: Java heap space');
    const repair1 = ws.repairRun(run.runId, { user: 'oncall@example.com', rerunAllFailed: true });
    ws.advanceTo(START + 70 * MIN);
    expect(run.result).toBe('FAILED');
    const job = ws.getJob(run.job.jobId);
    const cluster = job.settings.job_clusters![0]!;
    ws.updateJob(
      job.jobId,
      { job_clusters: [{ ...cluster, new_cluster: { ...cluster.new_cluster, node_type_id: 'r5.4xlarge' } }] },
      [],
      'oncall@example.com',
    );
    ws.repairRun(run.runId, { user: 'oncall@example.com', rerunAllFailed: true, latestRepairId: repair1 });
    ws.advanceTo(START + 110 * MIN);
    expect(run.result).toBe('SUCCESS');
  });

  it('gets an out-of-memory past on the next size of a GPU family the catalogue lists only one size of', () => {
    const { ws } = workspace((s) => {
      s.jobs![0]!.job_clusters = [
        { key: 'etl', node_type: 'g4dn.xlarge', driver_node_type: 'm5.xlarge', workers: 2 },
      ];
      s.faults = [
        {
          id: 'oom',
          kind: 'oom',
          target: { job: 'orders_etl', task: 'transform' },
          start: '+0h',
          end: '+6h',
          expected: { category: 'resource', severity: 'P2', action: 'RETRY_WITH_NEW_PARAMS' },
        },
      ];
    });
    ws.advanceTo(START + 40 * MIN);
    const run = firstRun(ws);
    expect(run.tasks.find((t) => t.key === 'transform')?.failure?.error).toBe(
      'java.lang.OutOfMemoryError: Java heap space',
    );
    const job = ws.getJob(run.job.jobId);
    const cluster = job.settings.job_clusters![0]!;
    // g4dn.2xlarge has twice the memory of g4dn.xlarge, though only the latter is in the catalogue.
    const bigger = { ...cluster.new_cluster, node_type_id: 'g4dn.2xlarge' };
    ws.updateJob(
      job.jobId,
      { job_clusters: [{ ...cluster, new_cluster: bigger }] },
      [],
      'oncall@example.com',
    );
    ws.repairRun(run.runId, { user: 'oncall@example.com', rerunAllFailed: true });
    ws.advanceTo(START + 110 * MIN);
    expect(run.result).toBe('SUCCESS');
  });

  it('passes a timeout once the task timeout is raised', () => {
    const { ws } = workspace((s) => {
      s.jobs![0]!.tasks[0]!.timeout_seconds = 600;
      s.faults = [
        {
          id: 'slow',
          kind: 'timeout',
          target: { job: 'orders_etl', task: 'extract' },
          start: '+0h',
          end: '+6h',
          factor: 4,
          expected: { category: 'timeout', severity: 'P2', action: 'RETRY_WITH_NEW_PARAMS' },
        },
      ];
    });
    ws.advanceTo(START + 30 * MIN);
    const run = firstRun(ws);
    expect(run.result).toBe('TIMEDOUT');
    const job = ws.getJob(run.job.jobId);
    const extract = job.settings.tasks.find((t) => t.task_key === 'extract')!;
    ws.updateJob(job.jobId, { tasks: [{ ...extract, timeout_seconds: 3600 }] }, [], 'oncall@example.com');
    expect(job.settings.tasks).toHaveLength(3);
    ws.repairRun(run.runId, { user: 'oncall@example.com', rerunAllFailed: true });
    ws.advanceTo(START + 85 * MIN);
    expect(run.result).toBe('SUCCESS');
  });

  it('passes a timeout once the job cluster has enough workers to finish in time', () => {
    const { ws } = workspace((s) => {
      s.jobs![0]!.tasks[0]!.timeout_seconds = 600;
      s.faults = [
        {
          id: 'slow',
          kind: 'timeout',
          target: { job: 'orders_etl', task: 'extract' },
          start: '+0h',
          end: '+6h',
          factor: 4,
          expected: { category: 'timeout', severity: 'P2', action: 'RETRY_WITH_NEW_PARAMS' },
        },
      ];
    });
    ws.advanceTo(START + 30 * MIN);
    const run = firstRun(ws);
    expect(run.result).toBe('TIMEDOUT');
    const job = ws.getJob(run.job.jobId);
    const cluster = job.settings.job_clusters![0]!;
    // 20 minutes of work on 2 workers: on 8, a fifth of it as it was and the rest a quarter, 8 minutes.
    ws.updateJob(
      job.jobId,
      { job_clusters: [{ ...cluster, new_cluster: { ...cluster.new_cluster, num_workers: 8 } }] },
      [],
      'oncall@example.com',
    );
    ws.repairRun(run.runId, { user: 'oncall@example.com', rerunAllFailed: true });
    ws.advanceTo(START + 70 * MIN);
    expect(run.result).toBe('SUCCESS');
    const extract = run.latest.get('extract')!;
    expect(extract.endAt - extract.execAt).toBe(8 * MIN);
  });

  it('plays a schedule written as Quartz steps from an offset (hours 0/6 in New York)', () => {
    const { ws } = workspace((s) => {
      s.duration_hours = 24;
      s.jobs![0]!.schedule = { quartz_cron_expression: '0 30 0/6 * * ?', timezone_id: 'America/New_York' };
    });
    ws.advanceTo(START + 24 * HOUR);
    const job = [...ws.jobs.values()][0]!;
    // 00:30, 06:30, 12:30, 18:30 New York (UTC-5 in November) are 05:30, 11:30, 17:30, 23:30 UTC.
    expect(
      ws.listRuns({ jobId: job.jobId }).map((r) => new Date(r.startTime).toISOString().slice(11, 16)),
    ).toEqual(expect.arrayContaining(['05:30', '11:30', '17:30', '23:30']));
    expect(ws.listRuns({ jobId: job.jobId })).toHaveLength(4);
  });

  it('refuses a job created with an invalid schedule, naming the field', () => {
    const { ws } = workspace();
    expect(() =>
      ws.createJob(
        {
          name: 'x',
          tasks: [{ task_key: 'a' }],
          schedule: { quartz_cron_expression: '0 0 0/0 * * ?', timezone_id: 'UTC' },
        },
        'alice@example.com',
      ),
    ).toThrow(/hours field "0\/0"/);
  });

  it('stops starting runs once the schedule is paused', () => {
    const { ws } = workspace();
    ws.advanceTo(START + 90 * MIN);
    const job = [...ws.jobs.values()][0]!;
    const before = ws.listRuns({ jobId: job.jobId }).length;
    ws.updateJob(
      job.jobId,
      { schedule: { ...job.settings.schedule!, pause_status: 'PAUSED' } },
      [],
      'oncall@example.com',
    );
    ws.advanceTo(START + 5 * HOUR);
    expect(ws.listRuns({ jobId: job.jobId }).length).toBe(before);
  });

  it('cancels a run asynchronously: TERMINATING at once, then CANCELED', () => {
    const { ws } = workspace();
    ws.advanceTo(START + 10 * MIN);
    const run = firstRun(ws);
    ws.cancelRun(run.runId, 'oncall@example.com');
    expect((runJson(ws, run).state as { life_cycle_state: string }).life_cycle_state).toBe('TERMINATING');
    ws.advanceBy(10_000);
    expect(runJson(ws, run).state).toMatchObject({
      life_cycle_state: 'TERMINATED',
      result_state: 'CANCELED',
    });
  });

  it('ends a runaway query when it is cancelled and starts a stopped warehouse on request', () => {
    const { ws, sink } = workspace((s) => {
      s.warehouses = [
        { name: 'bi', team: 'finance', owner: 'alice@example.com', size: 'Medium', max_clusters: 3 },
      ];
      s.faults = [
        {
          id: 'runaway',
          kind: 'runaway_query',
          target: { warehouse: 'bi' },
          start: '+1h',
          end: '+5h',
          expected: { category: 'resource', severity: 'P3', action: 'NOTIFY_OWNER' },
        },
      ];
    });
    const w = ws.warehouses.byName.get('bi')!;
    expect(w.state).toBe('STOPPED');
    ws.advanceTo(START + 90 * MIN);
    expect(w.state).toBe('RUNNING');
    expect(w.clusters).toBe(3);
    const statementId = ws.faults()[0]!.affected_statement_ids[0]!;
    expect(ws.warehouses.cancelStatement(statementId, 'oncall@example.com')).toBe(true);
    ws.advanceBy(1);
    const row = sink.rows('query.history').find((r) => r.statement_id === statementId);
    expect(row).toMatchObject({ execution_status: 'CANCELED' });
    ws.warehouses.stop(w.id, 'oncall@example.com');
    expect(w.state).toBe('STOPPING');
    ws.advanceBy(MIN);
    expect(w.state).toBe('STOPPED');
    ws.warehouses.start(w.id, 'oncall@example.com');
    expect(w.state).toBe('STARTING');
    ws.advanceBy(10 * MIN);
    expect(w.state).toBe('RUNNING');
    expect(sink.rows('compute.warehouse_events').map((r) => r.event_type)).toEqual(
      expect.arrayContaining(['STARTING', 'RUNNING', 'SCALED_UP', 'STOPPING', 'STOPPED']),
    );
  });

  it('keeps an idle warehouse without auto-stop running until someone stops it', () => {
    const { ws, sink } = workspace((s) => {
      s.warehouses = [
        { name: 'adhoc', team: 'finance', owner: 'alice@example.com', size: 'Large', auto_stop_mins: 15 },
      ];
      s.faults = [
        {
          id: 'idle',
          kind: 'idle_warehouse_no_autostop',
          target: { warehouse: 'adhoc' },
          start: '+0h',
          end: '+6h',
          expected: { category: 'config', severity: 'P3', action: 'NOTIFY_OWNER' },
        },
      ];
    });
    ws.advanceTo(START + 4 * HOUR);
    const w = ws.warehouses.byName.get('adhoc')!;
    expect(w.state).toBe('RUNNING');
    expect(w.config.auto_stop_mins).toBe(0);
    expect(sink.rows('compute.warehouses').at(-1)).toMatchObject({
      auto_stop_minutes: 0,
      warehouse_size: 'LARGE',
    });
    const billed = sink
      .rows('billing.usage')
      .filter((r) => (r.usage_metadata as { warehouse_id: string }).warehouse_id === w.id);
    expect(billed.length).toBeGreaterThanOrEqual(3);
    ws.warehouses.stop(w.id, 'oncall@example.com');
    ws.advanceBy(MIN);
    expect(w.state).toBe('STOPPED');
  });

  it('recovers an unresponsive driver when the cluster is restarted', () => {
    const { ws } = workspace((s) => {
      s.clusters = [{ name: 'analysts', team: 'finance', owner: 'alice@example.com', workers: 2 }];
      s.jobs![0]!.tasks = [
        { key: 'report', existing_cluster: 'analysts', duration: { mean_minutes: 5, jitter: 0 } },
      ];
      delete s.jobs![0]!.sla;
      s.faults = [
        {
          id: 'hung',
          kind: 'driver_unresponsive',
          target: { cluster: 'analysts' },
          start: '+0h',
          end: '+6h',
          expected: { category: 'resource', severity: 'P2', action: 'RETRY_WITH_NEW_PARAMS' },
        },
      ];
    });
    ws.advanceTo(START + 30 * MIN);
    const run = firstRun(ws);
    expect(run.tasks[0]?.failure?.code).toBe('DRIVER_ERROR');
    const c = ws.clusters.byName.get('analysts')!;
    expect(c.events.map((e) => e.type)).toContain('DRIVER_NOT_RESPONDING');
    ws.clusters.restart(c.clusterId, 'oncall@example.com');
    expect(c.state).toBe('RESTARTING');
    ws.advanceBy(5 * MIN);
    expect(c.state).toBe('RUNNING');
    ws.repairRun(run.runId, { user: 'oncall@example.com', rerunAllFailed: true });
    ws.advanceBy(15 * MIN);
    expect(run.result).toBe('SUCCESS');
    expect(ws.faults()[0]?.resolved_at_ms).toBeDefined();
  });

  it('fails a cluster launch with a cloud capacity termination reason and succeeds on rerun', () => {
    const { ws } = workspace((s) => {
      s.faults = [
        {
          id: 'capacity',
          kind: 'cloud_capacity',
          target: { job: 'orders_etl' },
          start: '+0h',
          end: '+6h',
          expected: { category: 'capacity', severity: 'P3', action: 'RETRY' },
        },
      ];
    });
    ws.advanceTo(START + 20 * MIN);
    const run = firstRun(ws);
    const body = runJson(ws, run);
    expect(body.status).toMatchObject({
      termination_details: { code: 'CLUSTER_ERROR', type: 'CLOUD_FAILURE' },
    });
    expect(JSON.stringify(body.state)).toContain('AWS_INSUFFICIENT_INSTANCE_CAPACITY_FAILURE');
    const rerun = ws.runNow(run.job.jobId, { user: 'oncall@example.com' });
    ws.advanceBy(40 * MIN);
    expect(rerun.result).toBe('SUCCESS');
  });

  it('denies a read after a grant is revoked, with the Spark wording', () => {
    const { ws, sink } = workspace((s) => {
      s.faults = [
        {
          id: 'revoked',
          kind: 'revoked_grant',
          target: { grant: { table: 'main.finance.raw_orders', principal: 'finance-etl' } },
          start: '+0h',
          end: '+6h',
          expected: { category: 'permission', severity: 'P2', action: 'NOTIFY_OWNER' },
        },
      ];
    });
    ws.advanceTo(START + 40 * MIN);
    const run = firstRun(ws);
    const transform = run.tasks.find((t) => t.key === 'transform');
    expect(transform?.failure?.error).toContain(
      "[INSUFFICIENT_PERMISSIONS] Insufficient privileges:\nUser does not have SELECT on Table 'main.finance.raw_orders'",
    );
    expect(sink.rows('access.audit').some((r) => r.action_name === 'updatePermissions')).toBe(true);
    expect(sink.rows('information_schema.table_privileges')).toHaveLength(0);
  });
});

describe('SimWorkspace object permission revoked', () => {
  /** orders_etl runs as alice on the shared cluster, which her group may attach to until +2h. */
  const onSharedCluster = (s: ScenarioInput) => {
    s.users = [...(s.users ?? []), { email: 'bob@example.com', team: 'finance' }];
    s.clusters = [{ name: 'shared-etl', team: 'finance', owner: 'bob@example.com' }];
    for (const t of s.jobs![0]!.tasks) {
      delete t.cluster;
      t.existing_cluster = 'shared-etl';
    }
    s.jobs![0]!.job_clusters = [];
    s.permissions = [{ cluster: 'shared-etl', principal: 'finance-etl', level: 'CAN_ATTACH_TO' }];
    s.faults = [
      {
        id: 'detached',
        kind: 'revoked_permission',
        target: { permission: { cluster: 'shared-etl', principal: 'finance-etl', level: 'CAN_ATTACH_TO' } },
        start: '+30m',
        end: '+2h',
        expected: { category: 'permission', severity: 'P3', action: 'NOTIFY_OWNER' },
      },
    ];
  };

  it('fails runs whose run-as may no longer attach to the cluster, until the window ends', () => {
    const { ws, sink } = workspace(onSharedCluster);
    ws.advanceTo(START + 3 * HOUR);
    const runs = ws.listRuns({});
    const at = (hour: number) => runs.find((r) => r.startTime === START + hour * HOUR);
    expect(at(0)?.result).toBe('SUCCESS');
    expect(at(1)?.tasks[0]?.failure).toMatchObject({
      code: 'UNAUTHORIZED_ERROR',
      error:
        'alice@example.com does not have Attach permissions on shared-etl. Please contact the owner or an administrator for access.',
    });
    expect(at(2)?.result).toBe('SUCCESS');
    const cluster = ws.clusters.byName.get('shared-etl')!;
    const audit = sink.rows('access.audit').filter((r) => r.action_name === 'changeClusterAcl');
    expect(audit).toEqual([
      expect.objectContaining({
        service_name: 'clusters',
        user_identity: { email: 'bob@example.com', subject_name: null },
        request_params: expect.objectContaining({ resourceId: cluster.clusterId, aclPermissionSet: 'None' }),
      }),
    ]);
    expect(ws.faults()[0]?.affected_run_ids).toEqual([String(at(1)?.runId)]);
  });

  it('leaves the entry out of what the Permissions API answers while it lasts', () => {
    const { ws } = workspace(onSharedCluster);
    ws.advanceTo(START + HOUR);
    expect(ws.revokedPermissions()).toEqual([
      { type: 'cluster', name: 'shared-etl', principal: 'finance-etl', level: 'CAN_ATTACH_TO' },
    ]);
    ws.advanceTo(START + 2.5 * HOUR);
    expect(ws.revokedPermissions()).toEqual([]);
  });

  it("fails a run_job task whose run-as may no longer run the job it starts, in the jobs service's words", () => {
    const { ws } = workspace((s) => {
      s.users = [...(s.users ?? []), { email: 'bob@example.com', team: 'finance' }];
      s.jobs!.push({
        name: 'nightly_parent',
        team: 'finance',
        owner: 'bob@example.com',
        schedule: { quartz_cron_expression: '0 30 * * * ?', timezone_id: 'UTC' },
        tasks: [{ key: 'run_orders', type: 'run_job', run_job: 'orders_etl' }],
      });
      s.permissions = [{ job: 'orders_etl', principal: 'bob@example.com', level: 'CAN_MANAGE_RUN' }];
      s.faults = [
        {
          id: 'no-run',
          kind: 'revoked_permission',
          target: {
            permission: { job: 'orders_etl', principal: 'bob@example.com', level: 'CAN_MANAGE_RUN' },
          },
          start: '+1h',
          end: '+2h',
          expected: { category: 'permission', severity: 'P3', action: 'NOTIFY_OWNER' },
        },
      ];
    });
    ws.advanceTo(START + 3 * HOUR);
    const parents = ws.listRuns({}).filter((r) => r.job.settings.name === 'nightly_parent');
    const at = (minutes: number) => parents.find((r) => r.startTime === START + minutes * MIN);
    const orders = String(ws.listJobs().find((j) => j.settings.name === 'orders_etl')!.jobId);
    expect(at(90)?.tasks[0]?.failure).toMatchObject({
      code: 'UNAUTHORIZED_ERROR',
      error: `User bob@example.com does not have Admin or Manage Run or Owner permissions on job ${orders}`,
    });
    expect(at(30)?.tasks[0]?.failure).toBeUndefined();
    expect(at(150)?.tasks[0]?.failure).toBeUndefined();
  });

  it('spares a run-as principal that another entry still lets attach', () => {
    const { ws } = workspace((s) => {
      onSharedCluster(s);
      s.permissions!.push({ cluster: 'shared-etl', principal: 'alice@example.com', level: 'CAN_RESTART' });
    });
    ws.advanceTo(START + 3 * HOUR);
    expect(ws.listRuns({}).flatMap((r) => r.tasks.filter((t) => t.failure !== undefined))).toEqual([]);
    expect(ws.listRuns({}).filter((r) => r.result === 'SUCCESS')).toHaveLength(3);
  });
});

describe('SimWorkspace data and cost faults', () => {
  const fault = (
    kind: 'row_count_drop' | 'zero_rows' | 'duration_spike' | 'spot_loss',
    extra: Record<string, unknown> = {},
  ) => ({
    id: kind,
    kind,
    target: { job: 'orders_etl', task: 'transform' },
    start: '+1h',
    end: '+2h',
    expected: { category: 'data_quality' as const, severity: 'P2' as const, action: 'NOTIFY_OWNER' as const },
    ...extra,
  });

  it('drops or zeroes the rows a load writes, visible in ops.etl_audit', () => {
    for (const kind of ['row_count_drop', 'zero_rows'] as const) {
      const { ws, sink } = workspace((s) => {
        s.faults = [fault(kind, { factor: 0.01 })];
      });
      ws.advanceTo(START + 3 * HOUR);
      const rows = sink.rows('ops.etl_audit').filter((r) => r.table_full_name === 'main.finance.orders');
      const hit = new Set(ws.faults()[0]?.affected_task_run_ids);
      const faulty = rows.filter((r) => hit.has(r.task_run_id as string));
      const normal = rows.filter((r) => !hit.has(r.task_run_id as string));
      expect(faulty).toHaveLength(1);
      expect(normal.length).toBeGreaterThan(0);
      expect(faulty[0]?.status).toBe('SUCCEEDED');
      if (kind === 'zero_rows') expect(faulty[0]?.rows_written).toBe(0);
      else expect(Number(faulty[0]?.rows_written)).toBeLessThan(Number(normal[0]?.rows_written) / 10);
    }
  });

  it('stretches a task under a duration spike and still succeeds', () => {
    const { ws, sink } = workspace((s) => {
      s.faults = [fault('duration_spike', { factor: 5 })];
    });
    ws.advanceTo(START + 3 * HOUR);
    const spiked = new Set(ws.faults()[0]?.affected_task_run_ids);
    const rows = sink
      .rows('lakeflow.job_task_run_timeline')
      .filter((r) => r.task_key === 'transform' && r.result_state);
    const slow = rows.filter((r) => spiked.has(r.run_id as string));
    const fast = rows.filter((r) => !spiked.has(r.run_id as string));
    const secs = (r: Record<string, unknown>) => Number(r.execution_duration_seconds);
    expect(slow.every((r) => r.result_state === 'SUCCEEDED')).toBe(true);
    expect(Math.min(...slow.map(secs))).toBeGreaterThan(3 * Math.max(...fast.map(secs)));
  });

  it('loses spot nodes: a NODES_LOST cluster event and a stage failure naming SPOT_INSTANCE_TERMINATION', () => {
    const { ws } = workspace((s) => {
      s.faults = [
        fault('spot_loss', { expected: { category: 'capacity', severity: 'P3', action: 'RETRY' } }),
      ];
    });
    ws.advanceTo(START + 2 * HOUR);
    const runId = Number(ws.faults()[0]?.affected_run_ids[0]);
    const run = ws.getRun(runId);
    const task = run.tasks.find((t) => t.key === 'transform');
    expect(task?.failure?.error).toContain('SPOT_INSTANCE_TERMINATION');
    const cluster = ws.clusters.byId.get(task?.clusterId ?? '');
    expect(cluster?.events.map((e) => e.type)).toContain('NODES_LOST');
  });

  it('multiplies a team’s job cluster workers during a cost spike, and its DBUs with them', () => {
    const usage = (spike: boolean) => {
      const { ws, sink } = workspace((s) => {
        if (spike) {
          s.faults = [
            // Deployed before the 01:00 run: the runs from then on launch five times the workers.
            financeCostSpike('+30m', '+6h', 5),
          ];
        }
      });
      ws.advanceTo(START + 4 * HOUR + 30 * MIN);
      return sink.rows('billing.usage').reduce((sum, r) => sum + Number(r.usage_quantity), 0);
    };
    expect(usage(true)).toBeGreaterThan(3 * usage(false));
  });

  it('deploys a cost spike as Databricks records a settings change: a lakeflow.jobs row and a jobs/update audit event, rolled back at its end', () => {
    const { ws, sink } = workspace((s) => {
      s.faults = [financeCostSpike('+90m', '+4h', 4)];
    });
    ws.advanceTo(START + 5 * HOUR);
    const jobId = String(ws.listJobs()[0]!.jobId);
    const changes = sink
      .rows('lakeflow.jobs')
      .filter((r) => r.job_id === jobId && Number(r.change_time) > Number(r.create_time));
    expect(changes.map((r) => Number(r.change_time))).toEqual([START + 90 * MIN, START + 4 * HOUR]);
    const updates = sink
      .rows('access.audit')
      .filter((r) => r.service_name === 'jobs' && r.action_name === 'update');
    const params = updates.map((r) => r.request_params as Record<string, string>);
    expect(params.map((p) => p.job_id)).toEqual([jobId, jobId]);
    const workers = params.map(
      (p) => JSON.parse(p.new_settings ?? '{}').job_clusters[0].new_cluster.num_workers as number,
    );
    expect(workers).toEqual([8, 2]);
    expect(updates.map((r) => (r.user_identity as { email: string }).email)).toEqual([
      'alice@example.com',
      'alice@example.com',
    ]);
    // Runs started between the deploy and its rollback launch the new size; the others the usual.
    const launched = sink
      .rows('compute.clusters')
      .filter((r) => r.cluster_source === 'JOB' && r.change_time === r.create_time)
      .map((r) => [Number(r.create_time) - START, r.worker_count]);
    expect(launched.filter(([, w]) => w === 8).map(([at]) => Math.floor(Number(at) / HOUR))).toEqual([2, 3]);
    expect(launched.filter(([at]) => Number(at) >= 4 * HOUR).every(([, w]) => w === 2)).toBe(true);
  });

  it('fails pipeline updates with an ERROR event during a pipeline_error fault', () => {
    const { ws } = workspace((s) => {
      s.pipelines = [
        { name: 'dlt', team: 'finance', owner: 'alice@example.com', writes: ['main.finance.orders'] },
      ];
      s.jobs![0]!.tasks = [{ key: 'refresh', type: 'pipeline', pipeline: 'dlt' }];
      delete s.jobs![0]!.sla;
      s.faults = [
        {
          id: 'dlt-broken',
          kind: 'pipeline_error',
          target: { pipeline: 'dlt' },
          start: '+0h',
          end: '+1h',
          expected: { category: 'syntax', severity: 'P2', action: 'NOTIFY_OWNER' },
        },
      ];
    });
    ws.advanceTo(START + 50 * MIN);
    const p = ws.pipelines.byName.get('dlt')!;
    expect(p.updates[0]?.result).toBe('FAILED');
    expect(
      p.events.some(
        (e) => e.level === 'ERROR' && e.error?.exceptions[0]?.message.includes('UNRESOLVED_COLUMN'),
      ),
    ).toBe(true);
    const run = firstRun(ws);
    expect(run.result).toBe('FAILED');
    expect(ws.faults()[0]?.affected_run_ids).toEqual([String(run.runId)]);
  });
});

describe('SimWorkspace task durations against the cluster', () => {
  /** How long each task of the first run executed, by task key. */
  function executed(ws: SimWorkspace) {
    ws.advanceTo(START + 55 * MIN);
    const run = firstRun(ws);
    expect(run.result).toBe('SUCCESS');
    return new Map(run.tasks.map((t) => [t.key, t.endAt - t.execAt]));
  }

  function resized(ws: SimWorkspace, change: Record<string, unknown>) {
    const job = [...ws.jobs.values()][0]!;
    const cluster = job.settings.job_clusters![0]!;
    ws.updateJob(
      job.jobId,
      { job_clusters: [{ ...cluster, new_cluster: { ...cluster.new_cluster, ...change } }] },
      [],
      'oncall@example.com',
    );
    return ws;
  }

  it('takes the scenario durations on the cluster the scenario declared', () => {
    const declared = executed(workspace().ws);
    expect(executed(resized(workspace().ws, {}))).toEqual(declared);
  });

  it('runs each task in its serial share plus half the rest on twice the workers', () => {
    const declared = executed(workspace().ws);
    const doubled = executed(resized(workspace().ws, { num_workers: 4 }));
    for (const [key, ms] of declared) expect(doubled.get(key)).toBeCloseTo(ms * 0.6, -1);
  });

  it('runs as fast on a node twice the size as on twice the workers', () => {
    const wider = executed(resized(workspace().ws, { num_workers: 4 }));
    const bigger = executed(resized(workspace().ws, { node_type_id: 'i3.2xlarge' }));
    expect(bigger).toEqual(wider);
  });

  it('runs a task on an all-purpose cluster faster once the cluster was edited to more workers', () => {
    const shared = (s: ScenarioInput) => {
      s.clusters = [{ name: 'analysts', team: 'finance', owner: 'alice@example.com', workers: 2 }];
      s.jobs![0]!.tasks = [
        { key: 'report', existing_cluster: 'analysts', duration: { mean_minutes: 10, jitter: 0 } },
      ];
      delete s.jobs![0]!.sla;
    };
    const declared = executed(workspace(shared).ws);
    const { ws } = workspace(shared);
    const c = ws.clusters.byName.get('analysts')!;
    ws.byPerson(() => ws.clusters.edit(c.clusterId, { ...c.spec, num_workers: 4 }, 'oncall@example.com'));
    expect(executed(ws).get('report')).toBe((declared.get('report') ?? 0) * 0.6);
  });

  it("gains nothing from a cost spike's extra workers, which the work cannot use", () => {
    const declared = executed(workspace().ws);
    const spiked = executed(
      workspace((s) => {
        s.faults = [financeCostSpike('+0h', '+6h', 5)];
      }).ws,
    );
    expect(spiked).toEqual(declared);
  });
});
