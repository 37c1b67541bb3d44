import { describe, expect, it } from 'vitest';
import { jobJson, runJson } from '../../../src/sim/engine/rest-views.js';
import { SimWorkspace } from '../../../src/sim/engine/sim-workspace.js';
import { MemorySink } from '../../../src/sim/memory-sink.js';
import type { ScenarioInput } from '../../../src/sim/scenario/schema.js';
import { scenarioWith } from '../fixtures.js';

const MIN = 60_000;
const HOUR = 3_600_000;
const START = Date.parse('2026-11-20T00:00:00Z');

type Job = NonNullable<ScenarioInput['jobs']>[number];

/** A one-task job reading what the hourly `orders_etl` writes, started by `trigger` instead of a schedule. */
function consumer(extra: Partial<Job>): Job {
  return {
    name: 'consumer',
    team: 'finance',
    owner: 'alice@example.com',
    tasks: [
      {
        key: 'read',
        reads: ['main.finance.daily_revenue'],
        writes: ['main.finance.revenue_mart'],
        duration: { mean_minutes: 4, jitter: 0.1 },
      },
    ],
    ...extra,
  };
}

function workspace(change: (s: ScenarioInput) => void, seed = 7) {
  const sink = new MemorySink();
  const ws = new SimWorkspace({ scenario: scenarioWith(change), seed, sink });
  return { ws, sink };
}

function runsOf(ws: SimWorkspace, name: string) {
  const job = ws.listJobs().find((j) => j.settings.name === name);
  if (!job) throw new Error(`no job ${name}`);
  return ws.listRuns({ jobId: job.jobId }).reverse();
}

function timeline(sink: MemorySink, jobId: number) {
  return (
    sink.rows('lakeflow.job_run_timeline') as {
      job_id: string;
      trigger_type: string;
      result_state: string | null;
    }[]
  )
    .filter((r) => r.job_id === String(jobId) && r.result_state !== null)
    .map((r) => r.trigger_type);
}

describe('Job triggers', () => {
  it('runs a table-update-triggered job after each refresh of the table it watches, with trigger TABLE', () => {
    const { ws, sink } = workspace((s) => {
      s.jobs?.push(consumer({ trigger: { table_update: { table_names: ['main.finance.daily_revenue'] } } }));
    });
    ws.advanceTo(START + 6 * HOUR);
    const runs = runsOf(ws, 'consumer');
    const writer = runsOf(ws, 'orders_etl').filter((r) => r.result === 'SUCCESS');
    expect(runs.length).toBe(writer.length);
    expect(runs.every((r) => r.trigger === 'TABLE')).toBe(true);
    // Each consumer run starts right after the writer's load finished.
    for (const [i, r] of runs.entries()) {
      expect(r.startTime - (writer[i]?.endTime ?? 0)).toBeGreaterThanOrEqual(0);
      expect(r.startTime - (writer[i]?.endTime ?? 0)).toBeLessThan(MIN);
    }
    const job = runs[0]?.job;
    if (!job) throw new Error('no run');
    expect(timeline(sink, job.jobId).every((t) => t === 'TABLE')).toBe(true);
    const settings = jobJson(job, 0).settings as { trigger: unknown };
    expect(settings.trigger).toEqual({
      pause_status: 'UNPAUSED',
      table_update: {
        table_names: ['main.finance.daily_revenue'],
        condition: 'ANY_UPDATED',
        min_time_between_triggers_seconds: 0,
        wait_after_last_change_seconds: 0,
      },
    });
    const row = (
      sink.rows('lakeflow.jobs') as { name: string; trigger_type: string; paused: boolean }[]
    ).find((r) => r.name === 'consumer');
    expect(row).toMatchObject({ trigger_type: 'TABLE', paused: false });
  });

  it('waits for every watched table with ALL_UPDATED, and honours min_time_between_triggers_seconds', () => {
    const { ws } = workspace((s) => {
      s.jobs?.push(
        consumer({
          trigger: {
            table_update: {
              table_names: ['main.finance.daily_revenue', 'main.finance.orders'],
              condition: 'ALL_UPDATED',
              min_time_between_triggers_seconds: 7200,
            },
          },
        }),
      );
    });
    ws.advanceTo(START + 6 * HOUR);
    const starts = runsOf(ws, 'consumer').map((r) => r.startTime);
    expect(starts.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < starts.length; i++)
      expect((starts[i] ?? 0) - (starts[i - 1] ?? 0)).toBeGreaterThanOrEqual(2 * HOUR);
  });

  it('runs a file-arrival job once files stop landing for wait_after_last_change_seconds', () => {
    const { ws, sink } = workspace((s) => {
      s.jobs?.push(
        consumer({
          trigger: {
            file_arrival: {
              url: 's3://acme-landing/orders/',
              wait_after_last_change_seconds: 600,
              arrivals: { every_minutes: 60, jitter: 0.1, hours: [0, 24] },
            },
          },
        }),
      );
    });
    ws.advanceTo(START + 6 * HOUR);
    const runs = runsOf(ws, 'consumer');
    expect(runs.length).toBeGreaterThanOrEqual(4);
    expect(runs.length).toBeLessThanOrEqual(6);
    expect(runs.every((r) => r.trigger === 'FILE_ARRIVAL')).toBe(true);
    const job = runs[0]?.job;
    if (!job) throw new Error('no run');
    expect(timeline(sink, job.jobId).every((t) => t === 'FILE_ARRIVAL')).toBe(true);
    expect((jobJson(job, 0).settings as { trigger: { file_arrival: unknown } }).trigger.file_arrival).toEqual(
      {
        url: 's3://acme-landing/orders/',
        min_time_between_triggers_seconds: 0,
        wait_after_last_change_seconds: 600,
      },
    );
  });

  it('starts a file-arrival job when its late file comes: delay later, at until, or never with skip', () => {
    const starts = (late: Record<string, unknown> | undefined) => {
      const { ws } = workspace((s) => {
        s.duration_hours = 24;
        s.jobs?.push(
          consumer({
            trigger: {
              file_arrival: {
                url: 's3://acme-landing/orders/',
                // One file a day, at 05:00.
                arrivals: { every_minutes: 60, jitter: 0, hours: [5, 6] },
              },
            },
          }),
        );
        if (late)
          s.faults = [
            {
              id: 'late-file',
              kind: 'late_arrival',
              target: { job: 'consumer' },
              start: '+4h',
              end: '+6h',
              expected: { category: 'dependency', severity: 'P2', action: 'NOTIFY_OWNER' },
              ...late,
            },
          ];
      });
      ws.advanceTo(START + 24 * HOUR);
      const truth = ws.faults()[0];
      return {
        at: runsOf(ws, 'consumer').map((r) => (r.startTime - START) / MIN),
        heldAt: truth?.first_affected_ms === undefined ? undefined : (truth.first_affected_ms - START) / MIN,
      };
    };
    const onTime = starts(undefined);
    expect(onTime.at).toHaveLength(1);
    expect(onTime.at[0]).toBeGreaterThanOrEqual(5 * 60);
    expect(onTime.at[0]).toBeLessThan(5 * 60 + 10);

    const delayed = starts({ delay: '2h10m' });
    expect(delayed.at).toEqual([(onTime.at[0] ?? 0) + 130]);
    expect(delayed.heldAt).toBe(5 * 60);

    const held = starts({ until: '+9h' });
    expect(held.at).toHaveLength(1);
    expect(held.at[0]).toBeGreaterThanOrEqual(9 * 60);
    expect(held.at[0]).toBeLessThan(9 * 60 + 10);

    const never = starts({ skip: true });
    expect(never.at).toEqual([]);
    expect(never.heldAt).toBe(5 * 60);
  });

  it('fires a periodic trigger every interval', () => {
    const { ws } = workspace((s) => {
      s.jobs?.push(consumer({ trigger: { periodic: { interval: 2, unit: 'HOURS' } } }));
    });
    ws.advanceTo(START + 6 * HOUR + MIN);
    const runs = runsOf(ws, 'consumer');
    expect(runs.map((r) => (r.startTime - START) / HOUR)).toEqual([0, 2, 4, 6]);
    expect(runs.every((r) => r.trigger === 'PERIODIC')).toBe(true);
  });

  it('starts nothing while a trigger is paused', () => {
    const { ws } = workspace((s) => {
      s.jobs?.push(
        consumer({
          trigger: { pause_status: 'PAUSED', table_update: { table_names: ['main.finance.daily_revenue'] } },
        }),
      );
    });
    ws.advanceTo(START + 6 * HOUR);
    expect(runsOf(ws, 'consumer')).toEqual([]);
  });

  it('keeps a continuous job running: the next run starts as the last ends, backing off after failures', () => {
    const { ws, sink } = workspace((s) => {
      s.jobs?.push(consumer({ continuous: { pause_status: 'UNPAUSED' } }));
      s.faults = [
        {
          id: 'broken',
          kind: 'task_error',
          target: { job: 'consumer' },
          start: '+2h',
          end: '+3h',
          expected: { category: 'missing_object', severity: 'P3', action: 'NOTIFY_OWNER' },
        },
      ];
    });
    ws.advanceTo(START + 4 * HOUR);
    const runs = runsOf(ws, 'consumer');
    expect(runs.every((r) => r.trigger === 'CONTINUOUS')).toBe(true);
    const healthy = runs.filter((r) => r.startTime < START + 2 * HOUR);
    for (let i = 1; i < healthy.length; i++)
      expect((healthy[i]?.startTime ?? 0) - (healthy[i - 1]?.endTime ?? 0)).toBeLessThanOrEqual(15_000);
    const failed = runs.filter((r) => r.result === 'FAILED');
    expect(failed.length).toBeGreaterThanOrEqual(3);
    const gaps = failed.slice(1).map((r, i) => r.startTime - (failed[i]?.endTime ?? 0));
    expect(gaps[1]).toBeGreaterThan(gaps[0] ?? 0);
    expect(runs.at(-1)?.startTime).toBeGreaterThan(START + 3 * HOUR);
    const job = runs[0]?.job;
    if (!job) throw new Error('no run');
    expect(jobJson(job, 0).settings).toMatchObject({ continuous: { pause_status: 'UNPAUSED' } });
    expect(timeline(sink, job.jobId).every((t) => t === 'CONTINUOUS')).toBe(true);
  });

  it('stops starting continuous runs once the job is paused through jobs/update', () => {
    const { ws } = workspace((s) => {
      s.jobs?.push(consumer({ continuous: { pause_status: 'UNPAUSED' } }));
    });
    ws.advanceTo(START + HOUR);
    const job = runsOf(ws, 'consumer')[0]?.job;
    if (!job) throw new Error('no run');
    ws.updateJob(job.jobId, { continuous: { pause_status: 'PAUSED' } }, [], 'alice@example.com');
    const before = runsOf(ws, 'consumer').length;
    ws.advanceTo(START + 3 * HOUR);
    expect(runsOf(ws, 'consumer').length).toBeLessThanOrEqual(before);
  });
});

describe('Job triggers sent through jobs/update', () => {
  it('re-arms a trigger a client sets, and refuses malformed, hostile or doubled ones, keeping the old settings', () => {
    const { ws } = workspace((s) => {
      s.jobs?.push(consumer({}));
    });
    const job = ws.listJobs().find((j) => j.settings.name === 'consumer');
    if (!job) throw new Error('no job');
    const refused = (patch: Record<string, unknown>) => {
      try {
        ws.updateJob(job.jobId, patch, [], 'alice@example.com');
      } catch (error) {
        return (error as { errorCode?: string; message: string }).message;
      }
      return 'accepted';
    };
    expect(refused({ trigger: { periodic: { interval: 0, unit: 'HOURS' } } })).toMatch(
      /positive whole interval/,
    );
    expect(refused({ trigger: { periodic: { interval: 1, unit: 'FORTNIGHTS' } } })).toMatch(/unit/);
    expect(refused({ trigger: { table_update: { table_names: [] } } })).toMatch(/1 to 10 table_names/);
    expect(refused({ trigger: { table_update: { table_names: 'main.finance.orders' } } })).toMatch(
      /table_names/,
    );
    expect(refused({ trigger: { table_update: { table_names: Array(11).fill('main.a.b') } } })).toMatch(
      /1 to 10/,
    );
    expect(
      refused({ trigger: { periodic: { interval: 1, unit: 'HOURS' }, file_arrival: { url: 's3://x/' } } }),
    ).toMatch(/exactly one/);
    expect(
      refused({ trigger: { file_arrival: { url: 's3://x/', wait_after_last_change_seconds: -5 } } }),
    ).toMatch(/non-negative/);
    expect(refused({ trigger: 'always' })).toMatch(/object/);
    expect(refused({ continuous: { pause_status: 'SOMETIMES' } })).toMatch(/PAUSED or UNPAUSED/);
    expect(
      refused({
        continuous: { pause_status: 'UNPAUSED' },
        schedule: { quartz_cron_expression: '0 0 * * * ?', timezone_id: 'UTC' },
      }),
    ).toMatch(/only one of schedule, trigger and continuous/);
    expect(job.settings.trigger).toBeUndefined();
    expect(refused({ trigger: { periodic: { interval: 1, unit: 'HOURS' } } })).toBe('accepted');
    ws.advanceTo(START + 3 * HOUR + MIN);
    expect(runsOf(ws, 'consumer').map((r) => r.trigger)).toEqual([
      'PERIODIC',
      'PERIODIC',
      'PERIODIC',
      'PERIODIC',
    ]);
  });
});

describe('Runs cancelled by their owner', () => {
  it('cancels the run in flight: CANCELED with USER_CANCELED in REST and CANCELLED in the timeline', () => {
    const { ws, sink } = workspace((s) => {
      s.cancellations = [{ job: 'orders_etl', at: '+123m' }];
    });
    ws.advanceTo(START + 3 * HOUR);
    const run = runsOf(ws, 'orders_etl').find((r) => r.result === 'CANCELED');
    if (!run) throw new Error('nothing was cancelled');
    expect(run.startTime).toBe(START + 2 * HOUR);
    const body = runJson(ws, run) as {
      state: { life_cycle_state: string; result_state: string };
      status: { termination_details: { code: string; type: string } };
    };
    expect(body.state).toMatchObject({ life_cycle_state: 'TERMINATED', result_state: 'CANCELED' });
    expect(body.status.termination_details).toMatchObject({ code: 'USER_CANCELED', type: 'SUCCESS' });
    const end = (
      sink.rows('lakeflow.job_run_timeline') as {
        run_id: string;
        result_state: string | null;
        termination_code: string | null;
      }[]
    ).find((r) => r.run_id === String(run.runId) && r.result_state !== null);
    expect(end).toMatchObject({ result_state: 'CANCELLED', termination_code: 'USER_CANCELED' });
    const audit = (
      sink.rows('access.audit') as { action_name: string; user_identity: { email: string } }[]
    ).find((a) => a.action_name === 'cancel');
    expect(audit?.user_identity.email).toBe('alice@example.com');
  });

  it('cancels the next run a minute after it starts when nothing is in flight, by the person named', () => {
    const { ws, sink } = workspace((s) => {
      s.users?.push({ email: 'bob@example.com', team: 'finance' });
      s.cancellations = [{ job: 'orders_etl', at: '+150m', by: 'bob@example.com' }];
    });
    ws.advanceTo(START + 4 * HOUR);
    const cancelled = runsOf(ws, 'orders_etl').filter((r) => r.result === 'CANCELED');
    expect(cancelled.map((r) => r.startTime)).toEqual([START + 3 * HOUR]);
    const audit = (
      sink.rows('access.audit') as { action_name: string; user_identity: { email: string } }[]
    ).find((a) => a.action_name === 'cancel');
    expect(audit?.user_identity.email).toBe('bob@example.com');
  });
});
